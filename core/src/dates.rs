//! Civil dates in Europe/Amsterdam (Q14).
//!
//! Documents carry civil dates ([`chrono::NaiveDate`]). An instant becomes a date only through
//! Europe/Amsterdam: an invoice written at 23:30 in Amsterdam is dated that day, although it is
//! 21:30 or 22:30 UTC (summer or winter time). Vendors that drop time zones (AFAS) or send local
//! times with a false `Z` are handled with [`amsterdam_local_to_utc`].

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;

/// The Europe/Amsterdam civil date of an instant.
pub fn amsterdam_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Amsterdam).date_naive()
}

/// The Europe/Amsterdam wall-clock time of an instant.
pub fn amsterdam_local(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&Amsterdam).naive_local()
}

/// The instant of an Amsterdam wall-clock time, as a vendor that writes local times means it.
///
/// In the autumn hour that happens twice the earlier instant is taken; a time in the spring gap
/// (02:00–03:00 on the last Sunday of March) does not exist and is moved one hour forward.
pub fn amsterdam_local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match Amsterdam.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let shifted = local + chrono::Duration::hours(1);
            match Amsterdam.from_local_datetime(&shifted) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                // Unreachable for Amsterdam's one-hour gaps; fall back to reading it as UTC.
                LocalResult::None => Utc.from_utc_datetime(&local),
            }
        }
    }
}

/// Today's civil date in Amsterdam.
pub fn today_in_amsterdam() -> NaiveDate {
    amsterdam_date(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn late_evening_in_winter_is_the_local_date() {
        // 23:30 CET = 22:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-01-15T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
        );
        // 23:30 UTC is already the next day in Amsterdam.
        assert_eq!(
            amsterdam_date(utc("2026-01-15T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 16).unwrap()
        );
    }

    #[test]
    fn late_evening_in_summer_is_the_local_date() {
        // 23:30 CEST = 21:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-07-15T21:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
        );
        assert_eq!(
            amsterdam_date(utc("2026-07-15T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 16).unwrap()
        );
    }

    #[test]
    fn around_the_dst_changes() {
        // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST. Saturday 23:30 CET = 22:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-03-28T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 3, 28).unwrap()
        );
        // Sunday 23:30 CEST = 21:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-03-29T21:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
        // 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET. Saturday 23:30 CEST = 21:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-10-24T21:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 10, 24).unwrap()
        );
        // Sunday 23:30 CET = 22:30 UTC.
        assert_eq!(
            amsterdam_date(utc("2026-10-25T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()
        );
        assert_eq!(
            amsterdam_date(utc("2026-10-25T23:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 10, 26).unwrap()
        );
    }

    #[test]
    fn local_times_in_the_gap_and_the_overlap() {
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(amsterdam_local_to_utc(gap), utc("2026-03-29T01:30:00Z"));
        let twice = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(amsterdam_local_to_utc(twice), utc("2026-10-25T00:30:00Z"));
    }

    proptest! {
        #[test]
        fn local_round_trip_keeps_the_civil_date(secs in 1_600_000_000i64..2_000_000_000i64) {
            let instant = Utc.timestamp_opt(secs, 0).unwrap();
            let local = amsterdam_local(instant);
            prop_assert_eq!(local.date(), amsterdam_date(instant));
            // Outside the doubled autumn hour, local time maps back to the same instant.
            let back = amsterdam_local_to_utc(local);
            let ambiguous = matches!(Amsterdam.from_local_datetime(&local), LocalResult::Ambiguous(..));
            if !ambiguous {
                prop_assert_eq!(back, instant);
            }
            prop_assert_eq!(amsterdam_date(back), amsterdam_date(instant));
        }

        #[test]
        fn amsterdam_is_one_or_two_hours_ahead(secs in 1_600_000_000i64..2_000_000_000i64) {
            let instant = Utc.timestamp_opt(secs, 0).unwrap();
            let offset = amsterdam_local(instant) - instant.naive_utc();
            prop_assert!(offset == chrono::Duration::hours(1) || offset == chrono::Duration::hours(2));
        }
    }
}
