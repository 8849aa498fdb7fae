//! One GetConnector row and typed, lenient access to its fields.
//!
//! AFAS sends every field of a row, `null` when empty; numbers may come as numbers or as strings
//! (after [`super::json::parse_lenient`] they are always strings); dates come as
//! `2024-01-01T00:00:00Z` where the `Z` is false: the value is Europe/Amsterdam local time (Q14).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use grootboek_core::dates::amsterdam_local_to_utc;
use grootboek_core::{Error, Result};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// One row of a GetConnector answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row(pub Map<String, Value>);

impl Row {
    /// The raw value of a field (`None` when absent or `null`).
    pub fn raw(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// A text field, trimmed; `None` when absent, `null` or blank. Numbers are given as text.
    pub fn text(&self, field: &str) -> Option<String> {
        match self.raw(field)? {
            Value::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The first of several candidate fields that has text.
    pub fn text_any(&self, fields: &[&str]) -> Option<String> {
        fields.iter().find_map(|f| self.text(f))
    }

    /// A text field that must be present.
    pub fn required_text(&self, field: &str, what: &str) -> Result<String> {
        self.text(field)
            .ok_or_else(|| Error::protocol(format!("AFAS {what} row has no `{field}`")))
    }

    /// A decimal field the mapping needs: absent or empty is an error naming it (R04), never 0.
    pub fn required_decimal(&self, field: &str, what: &str) -> Result<Decimal> {
        self.decimal(field)?.ok_or_else(|| {
            Error::protocol(format!(
                "AFAS {what} row has no `{field}` (the GetConnector lacks the column, or left it empty)"
            ))
        })
    }

    /// A decimal field (`-.5`, `12`, `1.5E+3`, `"121.00"`); `None` when empty.
    pub fn decimal(&self, field: &str) -> Result<Option<Decimal>> {
        match self.text(field) {
            None => Ok(None),
            Some(t) => parse_decimal(&t).map(Some).ok_or_else(|| {
                Error::protocol(format!("AFAS field `{field}` is not a number: `{t}`"))
            }),
        }
    }

    /// A boolean field (`true`/`false`, `1`/`0`, `"true"`).
    pub fn boolean(&self, field: &str) -> Option<bool> {
        match self.raw(field)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "-1" | "y" | "j" => Some(true),
                "false" | "0" | "n" => Some(false),
                _ => None,
            },
            Value::Number(n) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
            _ => None,
        }
    }

    /// A date field: the civil date AFAS wrote, ignoring the false `Z` (Q14).
    pub fn date(&self, field: &str) -> Result<Option<NaiveDate>> {
        match self.text(field) {
            None => Ok(None),
            Some(t) => parse_afas_date(&t).map(Some).ok_or_else(|| {
                Error::protocol(format!("AFAS field `{field}` is not a date: `{t}`"))
            }),
        }
    }

    /// A datetime field as the instant it means: Amsterdam local time despite the `Z` (Q14).
    pub fn instant(&self, field: &str) -> Result<Option<DateTime<Utc>>> {
        match self.text(field) {
            None => Ok(None),
            Some(t) => parse_afas_local(&t)
                .map(|l| Some(amsterdam_local_to_utc(l)))
                .ok_or_else(|| {
                    Error::protocol(format!("AFAS field `{field}` is not a datetime: `{t}`"))
                }),
        }
    }
}

/// Parse a decimal as AFAS writes it: optional sign, optional leading zero, optional exponent.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let fixed: String = if let Some(rest) = t.strip_prefix("-.") {
        format!("-0.{rest}")
    } else if let Some(rest) = t.strip_prefix('.') {
        format!("0.{rest}")
    } else if let Some(rest) = t.strip_prefix("+") {
        rest.to_string()
    } else {
        t.to_string()
    };
    if fixed.contains(['e', 'E']) {
        Decimal::from_scientific(&fixed).ok()
    } else {
        fixed.parse::<Decimal>().ok()
    }
}

/// Parse an AFAS local datetime: `2024-01-01T13:42:59Z`, with or without the false `Z`, with or
/// without fractional seconds, or a bare date (midnight).
pub fn parse_afas_local(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let t = t
        .strip_suffix('Z')
        .or_else(|| t.strip_suffix('z'))
        .unwrap_or(t);
    // An explicit offset (`+01:00`) is not something AFAS sends; the wall-clock part is still
    // the local time it means.
    let t = match t.get(19..) {
        Some(rest) if rest.starts_with('+') || rest.starts_with('-') => t.get(..19)?,
        _ => t,
    };
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// The civil date of an AFAS date/datetime value (its local date part; the `Z` is ignored).
pub fn parse_afas_date(text: &str) -> Option<NaiveDate> {
    parse_afas_local(text).map(|l| l.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => Row(m),
            _ => Row::default(),
        }
    }

    #[test]
    fn decimals_in_every_shape() {
        assert_eq!(parse_decimal("-.5"), Some(dec!(-0.5)));
        assert_eq!(parse_decimal(".25"), Some(dec!(0.25)));
        assert_eq!(parse_decimal("1234.56"), Some(dec!(1234.56)));
        assert_eq!(parse_decimal("1.5E+3"), Some(dec!(1500)));
        assert_eq!(parse_decimal("+3"), Some(dec!(3)));
        assert_eq!(parse_decimal("abc"), None);
        let r = row(json!({"A": "-.5", "B": null, "C": "x"}));
        assert_eq!(r.decimal("A").unwrap(), Some(dec!(-0.5)));
        assert_eq!(r.decimal("B").unwrap(), None);
        assert!(r.decimal("C").is_err());
    }

    #[test]
    fn q14_false_z_is_amsterdam_local_time() {
        let r = row(
            json!({"D": "2026-01-15T23:30:00Z", "S": "2026-07-15T23:30:00Z", "F": "2026-07-15T23:30:00.123Z"}),
        );
        // The date is the date written, not shifted by the Z.
        assert_eq!(r.date("D").unwrap(), NaiveDate::from_ymd_opt(2026, 1, 15));
        // 23:30 local in winter is 22:30 UTC; in summer 21:30 UTC.
        assert_eq!(
            r.instant("D").unwrap().map(|i| i.to_rfc3339()),
            Some("2026-01-15T22:30:00+00:00".into())
        );
        assert_eq!(
            r.instant("S").unwrap().map(|i| i.to_rfc3339()),
            Some("2026-07-15T21:30:00+00:00".into())
        );
        assert_eq!(r.date("F").unwrap(), NaiveDate::from_ymd_opt(2026, 7, 15));
        assert_eq!(
            parse_afas_date("2024-03-01"),
            NaiveDate::from_ymd_opt(2024, 3, 1)
        );
        assert!(row(json!({"D": "15-01-2026"})).date("D").is_err());
    }

    #[test]
    fn booleans_and_text() {
        let r = row(json!({"A": true, "B": "0", "C": "  x  ", "D": "  ", "E": 5}));
        assert_eq!(r.boolean("A"), Some(true));
        assert_eq!(r.boolean("B"), Some(false));
        assert_eq!(r.text("C").as_deref(), Some("x"));
        assert_eq!(r.text("D"), None);
        assert_eq!(r.text("E").as_deref(), Some("5"));
        assert_eq!(r.text_any(&["D", "C"]).as_deref(), Some("x"));
    }
}
