//! Wire ⇄ core model mapping: ProcessXml payloads written and result documents read.

pub mod batch_read;
pub mod browse;
pub mod dimension;
pub mod errors;
pub mod finder;
pub mod office;
pub mod sales_invoice;
pub mod transaction;
pub mod vat;

use chrono::NaiveDate;
use grootboek_core::{DimensionKind, Error, Result, Vendor};
use rust_decimal::Decimal;

pub(crate) fn protocol(msg: impl Into<String>) -> Error {
    Error::protocol(msg.into()).with_vendor(Vendor::Twinfield)
}

/// Twinfield's date format, `YYYYMMDD`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Parse `YYYYMMDD` (a longer stamp `YYYYMMDDHHMMSS` is cut to its date).
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    let d = t.get(..8).unwrap_or(t);
    // Eight ASCII digits, read directly (a browse carries two dates per row; chrono's format
    // parser showed in profiles), with chrono's calendar check.
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = d.get(r)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let date = match (d.len(), number(0..4), number(4..6), number(6..8)) {
        (8, Some(y), Some(m), Some(day)) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, day)),
        _ => None,
    };
    date.ok_or_else(|| protocol(format!("`{s}` is not a Twinfield date (YYYYMMDD)")))
}

/// Twinfield's period `YYYY/PP` of a date (monthly periods).
pub fn period_of(d: NaiveDate) -> String {
    d.format("%Y/%m").to_string()
}

/// Parse a money amount (`121.00`, `-1.5`).
pub fn parse_amount(s: &str) -> Result<Decimal> {
    s.trim()
        .parse::<Decimal>()
        .map_err(|_| protocol(format!("`{s}` is not an amount")))
}

/// Write an amount with two decimals (Twinfield's `0.00`).
pub fn format_amount(d: Decimal) -> String {
    let mut r = d.round_dp(2);
    r.rescale(2);
    r.to_string()
}

/// The Twinfield dimension type of a core kind.
pub fn dimtype(kind: DimensionKind) -> &'static str {
    match kind {
        DimensionKind::Customer => "DEB",
        DimensionKind::Supplier => "CRD",
        DimensionKind::BalanceSheetAccount => "BAS",
        DimensionKind::ProfitAndLossAccount => "PNL",
        DimensionKind::CostCentre => "KPL",
        DimensionKind::Project => "PRJ",
    }
}

/// The core kind of a Twinfield dimension type.
pub fn kind_of(dimtype: &str) -> Option<DimensionKind> {
    Some(match dimtype.trim() {
        "DEB" => DimensionKind::Customer,
        "CRD" => DimensionKind::Supplier,
        "BAS" => DimensionKind::BalanceSheetAccount,
        "PNL" => DimensionKind::ProfitAndLossAccount,
        "KPL" => DimensionKind::CostCentre,
        "PRJ" => DimensionKind::Project,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn dates_amounts_and_types() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(format_date(d), "20260309");
        assert_eq!(parse_date("20260309").unwrap(), d);
        assert_eq!(parse_date("20260309121500").unwrap(), d);
        assert!(parse_date("2026-03-09").is_err());
        for bad in [
            "20261301", "20260230", "2026030", "+2026030", "", "2026030x",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(period_of(d), "2026/03");
        assert_eq!(format_amount(dec!(121)), "121.00");
        assert_eq!(format_amount(dec!(0.5)), "0.50");
        assert_eq!(parse_amount(" -1.50 ").unwrap(), dec!(-1.50));
        for k in DimensionKind::ALL {
            assert_eq!(kind_of(dimtype(k)), Some(k));
        }
    }
}
