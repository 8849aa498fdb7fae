//! How a vendor counts the requests a budget let through: every rate bucket both as a sliding
//! window (Twinfield) and as fixed windows at the vendor's alignment (Exact's minute and day),
//! every concurrency cap over the time a request is at the vendor. The figures: how much of each
//! bucket was used, the most credits any counted window received, and how many requests the
//! vendor would have answered with 429.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

use grootboek_core::runtime::{Charge, Limit};

/// One request as the vendor saw it (µs on the simulated clock).
#[derive(Debug, Clone)]
pub struct Sent {
    /// When it reached the vendor.
    pub arrival_us: u64,
    /// When the vendor finished it.
    pub done_us: u64,
    /// Its charges (bucket name, limit, credits).
    pub charges: Vec<(String, Limit, u32)>,
}

impl Sent {
    /// A request that reached the vendor at `arrival_us` and was done at `done_us`.
    pub fn new(arrival_us: u64, done_us: u64, charges: &[Charge]) -> Self {
        Self {
            arrival_us,
            done_us,
            charges: charges
                .iter()
                .map(|c| (c.bucket.name().to_owned(), c.bucket.limit(), c.cost))
                .collect(),
        }
    }
}

/// The figures of one rate bucket.
#[derive(Debug, Clone)]
pub struct RateFigures {
    /// Bucket name.
    pub name: String,
    /// Credits per window.
    pub capacity: u64,
    /// The window.
    pub window: Duration,
    /// Credits that reached the vendor during the run.
    pub credits: u64,
    /// `credits / (capacity · max(run / window, 1))`.
    pub utilisation: f64,
    /// The most credits in any sliding window `[s, s + window)`.
    pub max_sliding: u64,
    /// The most credits in any fixed window.
    pub max_fixed: u64,
    /// Requests a vendor counting sliding windows would refuse.
    pub refused_sliding: u64,
    /// Requests a vendor counting fixed windows would refuse.
    pub refused_fixed: u64,
}

/// The figures of one concurrency cap.
#[derive(Debug, Clone)]
pub struct CapFigures {
    /// Cap name.
    pub name: String,
    /// The cap.
    pub max: u64,
    /// The most requests at the vendor at once.
    pub peak: u64,
    /// Requests that arrived while the cap was full.
    pub refused: u64,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Requests sent.
    pub requests: usize,
    /// Rate buckets, by name.
    pub rates: Vec<RateFigures>,
    /// Concurrency caps, by name.
    pub caps: Vec<CapFigures>,
}

impl Report {
    /// The bucket used most (the binding one).
    pub fn binding(&self) -> &RateFigures {
        self.rates
            .iter()
            .max_by(|a, b| a.utilisation.total_cmp(&b.utilisation))
            .expect("at least one rate bucket")
    }

    /// Every would-be 429: sliding and fixed windows of every bucket and every cap.
    pub fn would_be_429(&self) -> u64 {
        self.rates
            .iter()
            .map(|r| r.refused_sliding + r.refused_fixed)
            .sum::<u64>()
            + self.caps.iter().map(|c| c.refused).sum::<u64>()
    }

    /// A printable table.
    pub fn render(&self, title: &str) -> String {
        let mut s = String::new();
        let b = self.binding();
        let _ = writeln!(
            s,
            "{title}: {} requests; binding bucket {} used {:.2}% ({} credits of {} per {:?}); \
             would-be 429s: {}",
            self.requests,
            b.name,
            b.utilisation * 100.0,
            b.credits,
            b.capacity,
            b.window,
            self.would_be_429()
        );
        for r in &self.rates {
            let _ = writeln!(
                s,
                "  rate {:<40} {:>6} per {:>9?}: used {:>7.2}%  max in a sliding window {:>5}, \
                 in a fixed window {:>5}; 429 sliding {}, fixed {}",
                r.name,
                r.capacity,
                r.window,
                r.utilisation * 100.0,
                r.max_sliding,
                r.max_fixed,
                r.refused_sliding,
                r.refused_fixed
            );
        }
        for c in &self.caps {
            let _ = writeln!(
                s,
                "  cap  {:<40} {:>6} in flight: peak {}, 429 {}",
                c.name, c.max, c.peak, c.refused
            );
        }
        s
    }
}

/// Judge a run of `run_us`. The vendor's clock reads `offset_us` when the simulated clock reads
/// 0; its fixed windows start at multiples of the window on its own clock.
pub fn judge(sent: &[Sent], run_us: u64, offset_us: u64) -> Report {
    let mut arrivals: BTreeMap<String, (Limit, Vec<(u64, u64)>)> = BTreeMap::new();
    let mut stays: BTreeMap<String, (u64, Vec<(u64, u64)>)> = BTreeMap::new();
    for s in sent {
        for (name, limit, cost) in &s.charges {
            match limit {
                Limit::Rate { .. } => arrivals
                    .entry(name.clone())
                    .or_insert_with(|| (*limit, Vec::new()))
                    .1
                    .push((s.arrival_us, u64::from(*cost))),
                Limit::Concurrent { max } => stays
                    .entry(name.clone())
                    .or_insert_with(|| (u64::from(*max), Vec::new()))
                    .1
                    .push((s.arrival_us, s.done_us)),
            }
        }
    }
    let mut rates = Vec::new();
    for (name, (limit, mut list)) in arrivals {
        let Limit::Rate {
            capacity, window, ..
        } = limit
        else {
            continue;
        };
        let capacity = u64::from(capacity);
        let window_us = window.as_micros() as u64;
        list.sort_unstable();
        let credits: u64 = list
            .iter()
            .filter(|(t, _)| *t < run_us)
            .map(|(_, c)| c)
            .sum();
        // The most any budget could send: `capacity` per window, and a run shorter than the
        // window still gets the whole capacity.
        let windows = (run_us as f64 / window_us as f64).max(1.0);
        let utilisation = credits as f64 / (capacity as f64 * windows);

        // The most credits in any [s, s + window): windows starting at an arrival suffice.
        let mut max_sliding = 0;
        let (mut j, mut sum) = (0usize, 0u64);
        for i in 0..list.len() {
            while j < list.len() && list[j].0 < list[i].0 + window_us {
                sum += list[j].1;
                j += 1;
            }
            max_sliding = max_sliding.max(sum);
            sum -= list[i].1;
        }

        // A vendor counting a sliding window: credits that arrived in (t - window, t].
        let mut refused_sliding = 0;
        let mut live: VecDeque<(u64, u64)> = VecDeque::new();
        let mut used = 0;
        for &(t, c) in &list {
            while let Some(&(t0, c0)) = live.front() {
                if t0 + window_us > t {
                    break;
                }
                live.pop_front();
                used -= c0;
            }
            if used + c > capacity {
                refused_sliding += 1;
            } else {
                used += c;
                live.push_back((t, c));
            }
        }

        // A vendor counting fixed windows.
        let mut fixed: BTreeMap<u64, u64> = BTreeMap::new();
        let mut refused_fixed = 0;
        for &(t, c) in &list {
            let n = fixed.entry((t + offset_us) / window_us).or_default();
            if *n + c > capacity {
                refused_fixed += 1;
            } else {
                *n += c;
            }
        }
        let mut all_fixed: BTreeMap<u64, u64> = BTreeMap::new();
        for &(t, c) in &list {
            *all_fixed.entry((t + offset_us) / window_us).or_default() += c;
        }
        let max_fixed = all_fixed.values().copied().max().unwrap_or(0);
        rates.push(RateFigures {
            name,
            capacity,
            window,
            credits,
            utilisation,
            max_sliding,
            max_fixed,
            refused_sliding,
            refused_fixed,
        });
    }
    let mut caps = Vec::new();
    for (name, (max, intervals)) in stays {
        // Events: +1 at arrival, -1 at done; a done at the same instant goes first.
        let mut events: Vec<(u64, i8)> = Vec::with_capacity(intervals.len() * 2);
        for (a, d) in &intervals {
            events.push((*a, 1));
            events.push((*d, -1));
        }
        events.sort_unstable();
        let (mut now, mut peak, mut refused) = (0u64, 0u64, 0u64);
        for (_, e) in events {
            if e > 0 {
                if now >= max {
                    refused += 1;
                }
                now += 1;
                peak = peak.max(now);
            } else {
                now -= 1;
            }
        }
        caps.push(CapFigures {
            name,
            max,
            peak,
            refused,
        });
    }
    Report {
        requests: sent.len(),
        rates,
        caps,
    }
}
