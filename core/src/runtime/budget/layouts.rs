//! The vendors' budget layouts (T05): which buckets one request charges, and how much.

use std::time::Duration;

use super::{Bucket, Charge};

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What a Twinfield request costs in credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TwinfieldOperation {
    /// A read: 1 credit.
    Read,
    /// A write (one ProcessXml call, however many items it batches, T06): 3 credits.
    Write,
}

impl TwinfieldOperation {
    /// The credits this operation costs.
    pub fn credits(self) -> u32 {
        match self {
            TwinfieldOperation::Read => 1,
            TwinfieldOperation::Write => 3,
        }
    }
}

/// Twinfield's credits: per minute 1000 per IP, per client id and per organisation, 500 per
/// client id + organisation; uncertified apps get 5 % (50 / 25). At most 20 requests in flight
/// per client id and 10 per client id + organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwinfieldBudget {
    client_id: String,
    ip: String,
    certified: bool,
    minute: Duration,
}

impl TwinfieldBudget {
    /// The layout of a certified app `client_id` calling from the egress address `ip`.
    pub fn new(client_id: impl Into<String>, ip: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            ip: ip.into(),
            certified: true,
            minute: MINUTE,
        }
    }

    /// Whether the app is certified (uncertified apps get 5 % of the credits).
    pub fn certified(mut self, certified: bool) -> Self {
        self.certified = certified;
        self
    }

    /// The length of Twinfield's "minute" (shorter in tests and benchmarks).
    pub fn with_minute(mut self, minute: Duration) -> Self {
        self.minute = minute;
        self
    }

    fn rate(&self, name: String, certified_capacity: u32) -> Bucket {
        let capacity = if self.certified {
            certified_capacity
        } else {
            certified_capacity / 20
        };
        // Half the minute may go at once (a write costs 3, so at least 3). A small burst with
        // 1- and 3-credit charges costs utilisation (see `window`); the concurrency caps keep
        // a burst from reaching Twinfield all at once anyway.
        let burst = (capacity / 2).max(TwinfieldOperation::Write.credits());
        Bucket::rate_with_burst(name, capacity, self.minute, burst)
    }

    /// The charges of one request to `organisation`: the four credit buckets and the two
    /// concurrency caps.
    pub fn charges(&self, organisation: &str, op: TwinfieldOperation) -> Vec<Charge> {
        let (c, o, ip) = (&self.client_id, organisation, &self.ip);
        let credits = op.credits();
        vec![
            Charge::new(self.rate(format!("twinfield:ip:{ip}"), 1000), credits),
            Charge::new(self.rate(format!("twinfield:client:{c}"), 1000), credits),
            Charge::new(self.rate(format!("twinfield:org:{o}"), 1000), credits),
            Charge::new(
                self.rate(format!("twinfield:client-org:{c}:{o}"), 500),
                credits,
            ),
            Charge::slot(Bucket::concurrent(
                format!("twinfield:inflight:client:{c}"),
                20,
            )),
            Charge::slot(Bucket::concurrent(
                format!("twinfield:inflight:client-org:{c}:{o}"),
                10,
            )),
        ]
    }
}

/// Exact Online: 60 calls a minute and 5,000 a day per app and division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactBudget {
    client_id: String,
    minute: Duration,
    day: Duration,
    per_minute: u32,
    per_day: u32,
    day_burst: u32,
}

impl ExactBudget {
    /// The layout of app `client_id`.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            minute: MINUTE,
            day: DAY,
            per_minute: 60,
            per_day: 5000,
            day_burst: 2500,
        }
    }

    /// The length of a "minute" and a "day" (shorter in tests and benchmarks).
    pub fn with_windows(mut self, minute: Duration, day: Duration) -> Self {
        self.minute = minute;
        self.day = day;
        self
    }

    /// Other limits than 60 a minute and 5,000 a day (Exact raises them for some apps).
    pub fn with_limits(mut self, per_minute: u32, per_day: u32) -> Self {
        self.per_minute = per_minute;
        self.per_day = per_day;
        self.day_burst = per_day / 2;
        self
    }

    /// How many of the daily calls may be made at once (default half of them; the rest come
    /// back at a steady pace over the day). Either way no 24 hours admit more than the limit.
    pub fn with_day_burst(mut self, burst: u32) -> Self {
        self.day_burst = burst;
        self
    }

    /// The charges of one call to `division`.
    pub fn charges(&self, division: &str) -> Vec<Charge> {
        let c = &self.client_id;
        vec![
            Charge::new(
                Bucket::rate(
                    format!("exact:{c}:{division}:minute"),
                    self.per_minute,
                    self.minute,
                ),
                1,
            ),
            Charge::new(
                Bucket::rate_with_burst(
                    format!("exact:{c}:{division}:day"),
                    self.per_day,
                    self.day,
                    self.day_burst,
                ),
                1,
            ),
        ]
    }
}

/// AFAS Profit: at most 8 calls in flight per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfasBudget {
    environment: String,
    max_in_flight: u32,
}

impl AfasBudget {
    /// The layout of environment `environment` (e.g. `O12345AA`).
    pub fn new(environment: impl Into<String>) -> Self {
        Self {
            environment: environment.into(),
            max_in_flight: 8,
        }
    }

    /// Another cap than 8.
    pub fn with_max_in_flight(mut self, max: u32) -> Self {
        self.max_in_flight = max;
        self
    }

    /// The charges of one call.
    pub fn charges(&self) -> Vec<Charge> {
        vec![Charge::slot(Bucket::concurrent(
            format!("afas:{}:inflight", self.environment),
            self.max_in_flight,
        ))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::Limit;
    use super::*;

    fn limits(charges: &[Charge]) -> Vec<(String, Limit, u32)> {
        charges
            .iter()
            .map(|c| (c.bucket.name().to_owned(), c.bucket.limit(), c.cost))
            .collect()
    }

    #[test]
    fn twinfield_certified_and_uncertified() {
        let t = TwinfieldBudget::new("app", "10.0.0.1");
        let l = limits(&t.charges("ORG", TwinfieldOperation::Write));
        assert_eq!(l.len(), 6);
        assert_eq!(l[0].0, "twinfield:ip:10.0.0.1");
        assert_eq!(
            l[3].1,
            Limit::Rate {
                capacity: 500,
                window: MINUTE,
                burst: 250
            }
        );
        assert!(l[..4].iter().all(|x| x.2 == 3));
        assert_eq!(l[4].1, Limit::Concurrent { max: 20 });
        assert_eq!(l[5].1, Limit::Concurrent { max: 10 });
        let u = TwinfieldBudget::new("app", "10.0.0.1").certified(false);
        let l = limits(&u.charges("ORG", TwinfieldOperation::Read));
        assert_eq!(
            l[0].1,
            Limit::Rate {
                capacity: 50,
                window: MINUTE,
                burst: 25
            }
        );
        assert_eq!(
            l[3].1,
            Limit::Rate {
                capacity: 25,
                window: MINUTE,
                burst: 12
            }
        );
        assert_eq!(l[0].2, 1);
    }

    #[test]
    fn exact_minute_and_day_per_division_and_afas_cap() {
        let e = ExactBudget::new("app").charges("123");
        let l = limits(&e);
        assert_eq!(l[0].0, "exact:app:123:minute");
        assert_eq!(
            l[0].1,
            Limit::Rate {
                capacity: 60,
                window: MINUTE,
                burst: 2
            }
        );
        assert_eq!(
            l[1].1,
            Limit::Rate {
                capacity: 5000,
                window: DAY,
                burst: 2500
            }
        );
        let a = limits(&AfasBudget::new("O1").charges());
        assert_eq!(a[0].1, Limit::Concurrent { max: 8 });
    }
}
