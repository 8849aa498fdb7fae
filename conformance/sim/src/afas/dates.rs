//! Dates on the AFAS wire, and quirk Q14.
//!
//! AFAS stores civil dates and reads every date field as a Europe/Amsterdam local date. With
//! Q14 on (the observed behaviour) the date part of whatever was sent is taken and any time or
//! zone is dropped: `2026-03-28T23:30:00Z`, an instant that is 00:30 on the 29th in Amsterdam,
//! is booked on the 28th. With Q14 off a value with a zone is converted to the Amsterdam date.
//!
//! Outgoing datetimes are Amsterdam local time followed by a `Z` that does not mean UTC
//! (`2026-07-01T12:00:00Z` for 10:00 UTC in summer); dates come as `YYYY-MM-DDT00:00:00Z`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Europe::Amsterdam;

/// Parse a date field of an UpdateConnector (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff]`, with
/// or without `Z`/offset). `q14` selects the observed zone-dropping behaviour.
pub fn parse_wire_date(text: &str, q14: bool) -> Option<NaiveDate> {
    let t = text.trim();
    let date_part = NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()?;
    if t.len() == 10 {
        return Some(date_part);
    }
    let rest = t.get(10..)?;
    if !(rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(&t.replacen(' ', "T", 1)) {
        if q14 {
            return Some(date_part);
        }
        return Some(instant.with_timezone(&Amsterdam).date_naive());
    }
    // No zone: a local datetime; its date is the date.
    parse_local_datetime(t).map(|dt| dt.date())
}

/// Parse a datetime without zone: `YYYY-MM-DDTHH:MM[:SS[.fff]]` or a plain date (midnight).
pub fn parse_local_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// Whether a filter value carries a zone (`Z` or an offset), which AFAS refuses in filters.
pub fn has_zone(text: &str) -> bool {
    let t = text.trim();
    if t.ends_with('Z') || t.ends_with('z') {
        return true;
    }
    match t.get(10..) {
        Some(time) => time.contains('+') || time.get(1..).is_some_and(|s| s.contains('-')),
        None => false,
    }
}

/// Amsterdam local time of an instant.
pub fn amsterdam_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&Amsterdam).naive_local()
}

/// A date as AFAS writes it: `YYYY-MM-DDT00:00:00Z`.
pub fn render_date(d: NaiveDate) -> String {
    format!("{}T00:00:00Z", d.format("%Y-%m-%d"))
}

/// A local datetime as AFAS writes it: `YYYY-MM-DDTHH:MM:SSZ`, the `Z` notwithstanding.
pub fn render_datetime(dt: NaiveDateTime) -> String {
    format!("{}Z", dt.format("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn q14_drops_the_zone_and_the_switch_converts() {
        // 00:30 on 29 March 2026 in Amsterdam (CET) is 23:30 UTC on the 28th.
        assert_eq!(
            parse_wire_date("2026-03-28T23:30:00Z", true),
            d("2026-03-28")
        );
        assert_eq!(
            parse_wire_date("2026-03-28T23:30:00Z", false),
            d("2026-03-29")
        );
        // 00:30 on 1 July 2026 (CEST) is 22:30 UTC on 30 June.
        assert_eq!(
            parse_wire_date("2026-06-30T22:30:00+00:00", false),
            d("2026-07-01")
        );
        assert_eq!(parse_wire_date("2026-07-01", true), d("2026-07-01"));
        assert_eq!(
            parse_wire_date("2026-07-01T10:00:00", false),
            d("2026-07-01")
        );
        assert_eq!(parse_wire_date("01-07-2026", false), None);
        assert_eq!(parse_wire_date("2026-07-01garbage", false), None);
    }

    #[test]
    fn zones_are_detected_in_filter_values() {
        assert!(has_zone("2026-01-01T00:00:00Z"));
        assert!(has_zone("2026-01-01T00:00:00+01:00"));
        assert!(!has_zone("2026-01-01T00:00:00"));
        assert!(!has_zone("2026-01-01"));
    }
}
