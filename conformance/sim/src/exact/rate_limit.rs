//! Exact's API limits per app (client id) and division: a fixed one-minute window and a daily
//! window that resets at 00:00 UTC, both on the simulated clock, with the `X-RateLimit-*`
//! headers Exact sends. Only URLs with a division count and carry the headers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Calls per minute per app and division (Exact: 60).
    pub minutely: u32,
    /// Calls per day per app and division (Exact: 5,000).
    pub daily: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            minutely: 60,
            daily: 5000,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    minute: i64,
    minute_count: u32,
    day: i64,
    day_count: u32,
}

/// Response headers to send, in order.
pub type Headers = Vec<(&'static str, String)>;

/// Per (app, division) counters.
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    /// The limits.
    pub limits: RateLimits,
    counters: HashMap<(String, i32), Counter>,
}

impl RateLimiter {
    /// Count one call; `Ok(headers)` when allowed, `Err(headers)` (only the exhausted window's
    /// headers, as Exact does) when it must be answered with 429.
    pub fn check(
        &mut self,
        client_id: &str,
        division: i32,
        now: DateTime<Utc>,
    ) -> Result<Headers, Headers> {
        let secs = now.timestamp();
        let minute = secs.div_euclid(60);
        let day = secs.div_euclid(86_400);
        let c = self
            .counters
            .entry((client_id.to_string(), division))
            .or_default();
        if c.minute != minute {
            c.minute = minute;
            c.minute_count = 0;
        }
        if c.day != day {
            c.day = day;
            c.day_count = 0;
        }
        let limits = self.limits;
        let minute_reset = (minute + 1) * 60_000;
        let day_reset = (day + 1) * 86_400_000;
        let minutely = |remaining: u32| -> Headers {
            vec![
                ("x-ratelimit-minutely-limit", limits.minutely.to_string()),
                ("x-ratelimit-minutely-remaining", remaining.to_string()),
                ("x-ratelimit-minutely-reset", minute_reset.to_string()),
            ]
        };
        let daily = |remaining: u32| -> Headers {
            vec![
                ("x-ratelimit-limit", limits.daily.to_string()),
                ("x-ratelimit-remaining", remaining.to_string()),
                ("x-ratelimit-reset", day_reset.to_string()),
            ]
        };
        if c.day_count >= limits.daily {
            return Err(daily(0));
        }
        if c.minute_count >= limits.minutely {
            return Err(minutely(0));
        }
        c.minute_count += 1;
        c.day_count += 1;
        let mut h = daily(limits.daily - c.day_count);
        h.extend(minutely(limits.minutely - c.minute_count));
        Ok(h)
    }

    /// Forget every counter.
    pub fn clear(&mut self) {
        self.counters.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_minute_window_and_daily_limit() {
        let mut r = RateLimiter::default();
        let t = DateTime::parse_from_rfc3339("2023-05-12T08:18:25Z")
            .unwrap()
            .with_timezone(&Utc);
        for i in 0..60 {
            let h = r.check("app", 1, t).unwrap();
            assert!(h.contains(&("x-ratelimit-minutely-remaining", (59 - i).to_string())));
            assert!(h.contains(&("x-ratelimit-minutely-reset", "1683879540000".to_string())));
            assert!(h.contains(&("x-ratelimit-reset", "1683936000000".to_string())));
        }
        let denied = r.check("app", 1, t).unwrap_err();
        assert_eq!(denied.len(), 3);
        assert!(
            r.check("app", 2, t).is_ok(),
            "other division has its own budget"
        );
        assert!(
            r.check("other", 1, t).is_ok(),
            "other app has its own budget"
        );
        let next_minute = t + chrono::Duration::seconds(35);
        assert!(r.check("app", 1, next_minute).is_ok());
        r.limits.daily = 61;
        assert!(r.check("app", 1, next_minute).unwrap_err()[0].0 == "x-ratelimit-limit");
    }
}
