//! A controllable clock. Simulated time starts at real time and runs at a speed factor
//! (1.0 = real time; 60.0 = a minute per second); it can also be advanced by hand.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Simulated time for one simulator: token expiries, rate windows and consistency windows read it.
#[derive(Debug)]
pub struct SimClock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone, Copy)]
struct ClockState {
    /// Real instant at which `sim_at_anchor` was true.
    anchor: Instant,
    /// Simulated time at `anchor`.
    sim_at_anchor: DateTime<Utc>,
    /// Simulated milliseconds per real millisecond, in thousandths (1000 = real time).
    speed_milli: u64,
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new()
    }
}

impl SimClock {
    /// A clock at real time, running at real speed.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(ClockState {
                anchor: Instant::now(),
                sim_at_anchor: Utc::now(),
                speed_milli: 1000,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_locked(state: &ClockState) -> DateTime<Utc> {
        let real = state.anchor.elapsed();
        let sim_ms = (real.as_millis() as u64).saturating_mul(state.speed_milli) / 1000;
        state.sim_at_anchor + chrono::Duration::milliseconds(sim_ms as i64)
    }

    /// The current simulated time.
    pub fn now(&self) -> DateTime<Utc> {
        Self::now_locked(&self.lock())
    }

    /// Jump simulated time forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self.lock();
        let now = Self::now_locked(&s);
        s.anchor = Instant::now();
        s.sim_at_anchor = now + chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
    }

    /// Set simulated time to `at` (it keeps running from there at the current speed).
    pub fn set(&self, at: DateTime<Utc>) {
        let mut s = self.lock();
        s.anchor = Instant::now();
        s.sim_at_anchor = at;
    }

    /// Set the speed factor in thousandths (1000 = real time, 60_000 = a minute per second).
    pub fn set_speed_milli(&self, speed_milli: u64) {
        let mut s = self.lock();
        let now = Self::now_locked(&s);
        s.anchor = Instant::now();
        s.sim_at_anchor = now;
        s.speed_milli = speed_milli.max(1);
    }

    /// The speed factor in thousandths.
    pub fn speed_milli(&self) -> u64 {
        self.lock().speed_milli
    }

    /// Back to real time at real speed.
    pub fn reset(&self) {
        let mut s = self.lock();
        s.anchor = Instant::now();
        s.sim_at_anchor = Utc::now();
        s.speed_milli = 1000;
    }

    /// How long, in real time, until `sim_duration` of simulated time has passed.
    pub fn real_duration(&self, sim_duration: Duration) -> Duration {
        let speed = self.speed_milli();
        Duration::from_millis((sim_duration.as_millis() as u64).saturating_mul(1000) / speed.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_time_forward() {
        let c = SimClock::new();
        let before = c.now();
        c.advance(Duration::from_secs(3600));
        let after = c.now();
        assert!(after - before >= chrono::Duration::seconds(3600));
        assert!(after - before < chrono::Duration::seconds(3660));
    }

    #[test]
    fn speed_factor_scales_real_time() {
        let c = SimClock::new();
        c.set_speed_milli(600_000); // 10 simulated minutes per real second
        let before = c.now();
        std::thread::sleep(Duration::from_millis(50));
        let elapsed = c.now() - before;
        assert!(elapsed >= chrono::Duration::seconds(29), "{elapsed}");
    }
}
