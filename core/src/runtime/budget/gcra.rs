//! The GCRA pacer of a rate bucket: it spreads admissions (an idle bucket lets `burst` credits
//! through at once, then one per emission interval). It bounds no window on its own: the
//! sliding-window log of [`super::window`] does, and the two together are the rate algorithm
//! that the in-memory budget runs and the Redis Lua script (`redis_scripts/budget_acquire.lua`)
//! mirrors, step for step, in integer microseconds (exact in both Rust `u64` and Lua doubles
//! below 2^53).

use std::collections::BTreeMap;
use std::time::Duration;

/// The GCRA parameters of one rate bucket, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraParams {
    /// The emission interval `T` per credit.
    pub emission_us: u64,
    /// How far the theoretical arrival time may run ahead of now: `burst · T`.
    pub tolerance_us: u64,
}

impl GcraParams {
    /// The pacer of `capacity` credits per `window` with `burst`: `T = ceil(window / capacity)`,
    /// tolerance `burst · T`. Its sustained rate is the vendor's nominal one, a little above the
    /// log's (`capacity` per window plus slack), so the log binds and the pacer, which can catch
    /// up after a pause, only smooths.
    pub fn new(capacity: u32, window: Duration, burst: u32) -> Self {
        let capacity = u64::from(capacity.max(1));
        let burst = u64::from(burst).clamp(1, capacity);
        let window_us = u64::try_from(window.as_micros())
            .unwrap_or(u64::MAX / 4)
            .max(1);
        let emission_us = window_us.div_ceil(capacity).max(1);
        Self {
            emission_us,
            tolerance_us: burst.saturating_mul(emission_us),
        }
    }
}

/// The answer for one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admitted; store this theoretical arrival time.
    Admit {
        /// The new TAT in µs.
        new_tat_us: u64,
    },
    /// Not admitted for this long.
    Wait {
        /// µs until it would be admitted.
        wait_us: u64,
    },
}

/// One GCRA step: `tat` is the stored theoretical arrival time (None or in the past = idle).
pub fn decide(tat_us: Option<u64>, now_us: u64, cost: u64, p: GcraParams) -> Decision {
    let tat = tat_us.unwrap_or(now_us).max(now_us);
    let new_tat = tat + cost * p.emission_us;
    let allow_at = new_tat.saturating_sub(p.tolerance_us);
    if allow_at > now_us {
        Decision::Wait {
            wait_us: allow_at - now_us,
        }
    } else {
        Decision::Admit {
            new_tat_us: new_tat,
        }
    }
}

/// The pacers of many rate buckets (TAT per bucket name), charged all or nothing. The budgets
/// run [`WindowModel`](super::window::WindowModel), which adds the sliding-window log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcraModel {
    tats: BTreeMap<String, u64>,
}

impl GcraModel {
    /// An empty model (every bucket idle).
    pub fn new() -> Self {
        Self::default()
    }

    /// Charge every `(bucket, cost, params)` at `now_us`, all or nothing. `Ok(())` when all were
    /// admitted (and recorded); `Err(wait_us)`, the longest wait of any bucket, when not.
    pub fn admit(&mut self, now_us: u64, charges: &[(&str, u64, GcraParams)]) -> Result<(), u64> {
        let mut wait = 0u64;
        let mut updates = Vec::with_capacity(charges.len());
        for (name, cost, p) in charges {
            match decide(self.tats.get(*name).copied(), now_us, *cost, *p) {
                Decision::Admit { new_tat_us } => updates.push((*name, new_tat_us)),
                Decision::Wait { wait_us } => wait = wait.max(wait_us),
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for (name, tat) in updates {
            self.tats.insert(name.to_owned(), tat);
        }
        Ok(())
    }

    /// The stored TAT of a bucket.
    pub fn tat(&self, bucket: &str) -> Option<u64> {
        self.tats.get(bucket).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_steady_rate() {
        // 10 credits a second, burst 3: T = 100 ms, tolerance 300 ms.
        let p = GcraParams::new(10, Duration::from_secs(1), 3);
        assert_eq!(
            p,
            GcraParams {
                emission_us: 100_000,
                tolerance_us: 300_000
            }
        );
        let mut m = GcraModel::new();
        for _ in 0..3 {
            assert_eq!(m.admit(0, &[("a", 1, p)]), Ok(()));
        }
        assert_eq!(m.admit(0, &[("a", 1, p)]), Err(100_000));
        assert_eq!(m.admit(100_000, &[("a", 1, p)]), Ok(()));
    }

    #[test]
    fn all_or_nothing_across_buckets() {
        let wide = GcraParams::new(100, Duration::from_secs(1), 10);
        let narrow = GcraParams::new(2, Duration::from_secs(1), 1);
        let mut m = GcraModel::new();
        assert_eq!(
            m.admit(0, &[("wide", 1, wide), ("narrow", 1, narrow)]),
            Ok(())
        );
        let before = m.clone();
        assert!(m
            .admit(0, &[("wide", 1, wide), ("narrow", 1, narrow)])
            .is_err());
        assert_eq!(m, before, "a denied request takes nothing");
    }
}
