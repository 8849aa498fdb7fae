//! OData v2 "verbose" JSON as Exact speaks it (reference §3): envelopes (`d`, `results`,
//! `__next`), `/Date(ms)/` values, numbers that may come as strings, filter literals, and the
//! `{"error":{"message":{"value":…}}}` error body.
//!
//! Everything here is tolerant of what the reference says real traffic contains (a BOM, `d` as a
//! bare array, a single object, `__next` before or after `results`) and never panics on input.
//!
//! No amount passes through floating point: every response is parsed with
//! [`parse_numbers_as_text`], so each JSON number arrives as a string holding its exact text
//! (`"AmountFC": 9075.5` is read as `"9075.5"`), and the accessors below read decimals,
//! integers and booleans from that text. Request bodies are [`JsonOut`] trees whose amounts are
//! written as exact decimal text ([`json_number`]).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use grootboek_core::dates::amsterdam_date;
use grootboek_core::json::{parse_numbers_as_text, JsonOut};
use grootboek_core::{Error, Result};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// One row of an OData response: a JSON object.
pub type Row = Map<String, Value>;

/// One page of a listing: its rows and the absolute or relative URL of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct ODataPage {
    /// The rows on this page.
    pub rows: Vec<Row>,
    /// `d.__next`, when more pages follow.
    pub next: Option<String>,
}

/// Strip a UTF-8 byte-order mark.
pub fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(body)
}

/// Parse a response body as JSON with every number kept as its exact text (a JSON string), so
/// that no amount passes through `f64` (see [`parse_numbers_as_text`]). A BOM is ignored. A body
/// nested deeper than [`grootboek_core::json::MAX_DEPTH`] levels is refused as a protocol error
/// naming the limit (R05).
pub fn parse_json(body: &[u8]) -> Result<Value> {
    parse_numbers_as_text(body).map_err(|e| {
        Error::protocol(format!(
            "Exact's answer cannot be read as JSON: {}",
            e.message()
        ))
    })
}

fn rows_of(v: &Value) -> Result<Vec<Row>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(o) => Ok(o.clone()),
                other => Err(Error::protocol(format!(
                    "Exact listed a row that is not an object: {}",
                    kind_of(other)
                ))),
            })
            .collect(),
        Value::Object(o) => Ok(vec![o.clone()]),
        Value::Null => Ok(Vec::new()),
        other => Err(Error::protocol(format!(
            "Exact answered `results` as {}",
            kind_of(other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Read a listing envelope: `{"d":{"results":[…],"__next":"…"}}`, `{"d":[…]}` or `{"d":{…}}` (one row).
pub fn parse_page(body: &[u8]) -> Result<ODataPage> {
    page_of_owned(parse_json(body)?)
}

/// [`page_of_value`] taking the parsed answer by value: the rows are moved out of it, never
/// copied (a page of 1,000 rows was cloned object by object).
pub fn page_of_owned(v: Value) -> Result<ODataPage> {
    let Value::Object(mut top) = v else {
        return page_of_value(&v);
    };
    let Some(d) = top.remove("d") else {
        return Err(Error::protocol("Exact's answer has no `d` envelope"));
    };
    match d {
        Value::Array(items) => Ok(ODataPage {
            rows: owned_rows(items)?,
            next: None,
        }),
        Value::Object(mut o) => {
            let next = o
                .get("__next")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string);
            match o.remove("results") {
                Some(Value::Array(items)) => Ok(ODataPage {
                    rows: owned_rows(items)?,
                    next,
                }),
                Some(Value::Null) => Ok(ODataPage {
                    rows: Vec::new(),
                    next,
                }),
                Some(Value::Object(row)) => Ok(ODataPage {
                    rows: vec![row],
                    next,
                }),
                Some(other) => Err(Error::protocol(format!(
                    "Exact answered `results` as {}",
                    kind_of(&other)
                ))),
                None => Ok(ODataPage {
                    rows: vec![o],
                    next: None,
                }),
            }
        }
        other => Err(Error::protocol(format!(
            "Exact's `d` envelope is {}",
            kind_of(&other)
        ))),
    }
}

fn owned_rows(items: Vec<Value>) -> Result<Vec<Row>> {
    items
        .into_iter()
        .map(|i| match i {
            Value::Object(o) => Ok(o),
            other => Err(Error::protocol(format!(
                "Exact listed a row that is not an object: {}",
                kind_of(&other)
            ))),
        })
        .collect()
}

/// [`parse_page`] on a parsed value.
pub fn page_of_value(v: &Value) -> Result<ODataPage> {
    let d = v
        .get("d")
        .ok_or_else(|| Error::protocol("Exact's answer has no `d` envelope"))?;
    match d {
        Value::Array(_) => Ok(ODataPage {
            rows: rows_of(d)?,
            next: None,
        }),
        Value::Object(o) => {
            let next = o
                .get("__next")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string);
            match o.get("results") {
                Some(results) => Ok(ODataPage {
                    rows: rows_of(results)?,
                    next,
                }),
                None => Ok(ODataPage {
                    rows: vec![o.clone()],
                    next: None,
                }),
            }
        }
        other => Err(Error::protocol(format!(
            "Exact's `d` envelope is {}",
            kind_of(other)
        ))),
    }
}

/// Read a single-entity envelope `{"d":{…}}` (also accepting a one-row list).
pub fn parse_single(body: &[u8]) -> Result<Option<Row>> {
    let page = parse_page(body)?;
    Ok(page.rows.into_iter().next())
}

/// The error message of an Exact error body (`error.message.value`), raw, and its `code`.
pub fn parse_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = parse_numbers_as_text(body) else {
        let text = String::from_utf8_lossy(body).trim().to_string();
        let text: String = text.chars().take(500).collect();
        return (None, (!text.is_empty()).then_some(text));
    };
    let err = v.get("error");
    let code = err
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(|m| match m {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .or_else(|| {
            // OAuth-style bodies: {"error":"…","error_description":"…"}.
            let e = err.and_then(Value::as_str)?;
            let d = v.get("error_description").and_then(Value::as_str);
            Some(match d {
                Some(d) => format!("{e}: {d}"),
                None => e.to_string(),
            })
        });
    (code, message)
}

/// A string field, trimmed of Exact's padding; `None` when absent, null or blank. A number
/// (read as its text by [`parse_json`]) is given as that text.
pub fn string(row: &Row, field: &str) -> Option<String> {
    match row.get(field) {
        Some(Value::String(s)) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        _ => None,
    }
}

/// A required string field.
pub fn required_string(row: &Row, field: &str, entity: &str) -> Result<String> {
    string(row, field)
        .ok_or_else(|| Error::protocol(format!("Exact returned a {entity} without `{field}`")))
}

/// A decimal field: a number as text (how [`parse_json`] delivers every JSON number) or a
/// numeric string. `None` when absent or null.
pub fn decimal(row: &Row, field: &str) -> Result<Option<Decimal>> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => decimal_of(v)
            .map(Some)
            .ok_or_else(|| Error::protocol(format!("Exact sent `{field}` = {v}, not a number"))),
    }
}

/// A decimal from its text: a number as [`parse_json`] delivers it (`"9075.5"`, `"1.5E+3"`) or
/// a numeric string. Only strings are read: a [`Value::Number`] cannot come out of
/// [`parse_json`], and reading one would mean reading an `f64`, so it is refused (`None`).
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    let Value::String(s) = v else {
        return None;
    };
    let text = s.trim();
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .ok()
        .map(|d| d.normalize())
}

/// An integer field: a number as text, or an OData v2 Int64 string (`"123L"`).
pub fn integer(row: &Row, field: &str) -> Option<i64> {
    match row.get(field) {
        Some(Value::String(s)) => s.trim().trim_end_matches('L').parse().ok(),
        _ => None,
    }
}

/// A boolean field (`true`/`false`, or the strings).
pub fn boolean(row: &Row, field: &str) -> Option<bool> {
    match row.get(field) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A GUID field, lower case, no braces.
pub fn guid(row: &Row, field: &str) -> Option<String> {
    string(row, field).and_then(|s| {
        let t = s.trim_start_matches('{').trim_end_matches('}');
        uuid::Uuid::parse_str(t).ok().map(|u| u.to_string())
    })
}

/// Parse an Exact date-time: `/Date(ms)/` (optionally with a `+hhmm` offset) or an ISO string.
pub fn instant(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // Millisecond part, an optional sign-and-offset suffix (ignored: the epoch value is UTC).
        let (ms, _) = match inner
            .char_indices()
            .skip(1)
            .find(|(_, c)| *c == '+' || *c == '-')
        {
            Some((i, _)) => (inner.get(..i)?, inner.get(i..)),
            None => (inner, None),
        };
        let ms: i64 = ms.parse().ok()?;
        return Utc.timestamp_millis_opt(ms).single();
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(Utc.from_utc_datetime(&n));
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|n| Utc.from_utc_datetime(&n));
        }
    }
    None
}

/// A civil date from an Exact date value.
///
/// Date-only fields arrive as midnight UTC (`/Date(1351209600000)/` = 2012-10-26): such a value is
/// read as its UTC date. Any other instant (for example a Dutch local midnight shifted into the
/// epoch, 22:00 or 23:00 UTC the day before) becomes a date through Europe/Amsterdam (Q14).
pub fn civil_date(text: &str) -> Option<NaiveDate> {
    let i = instant(text)?;
    let utc = i.naive_utc();
    if utc.time() == chrono::NaiveTime::MIN {
        Some(utc.date())
    } else {
        Some(amsterdam_date(i))
    }
}

/// A date field.
pub fn date(row: &Row, field: &str) -> Result<Option<NaiveDate>> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => civil_date(s)
            .map(Some)
            .ok_or_else(|| Error::protocol(format!("Exact sent `{field}` = {s:?}, not a date"))),
        Some(other) => Err(Error::protocol(format!(
            "Exact sent `{field}` as {}, not a date",
            kind_of(other)
        ))),
    }
}

/// The wire form of a civil date on writes: `YYYY-MM-DDT00:00:00` (reference §3.4).
pub fn write_date(d: NaiveDate) -> String {
    format!("{}T00:00:00", d.format("%Y-%m-%d"))
}

/// An OData string literal: `'…'` with `'` doubled.
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An OData GUID literal `guid'…'`. Refuses anything that is not a GUID, so that no key can
/// smuggle query syntax into a URL.
pub fn guid_literal(s: &str) -> Result<String> {
    let u = uuid::Uuid::parse_str(s.trim())
        .map_err(|_| Error::validation(format!("`{s}` is not an Exact GUID")))?;
    Ok(format!("guid'{u}'"))
}

/// The 18-character right-aligned form of a `crm/Accounts.Code` Exact stores (reference §3.3).
pub fn pad_account_code(code: &str) -> String {
    format!("{:>18}", code.trim())
}

/// A decimal as a JSON number for a write: its exact decimal text, normalised (`-14200.10` is
/// written `-14200.1`, `100.00` is `100`). No floating point is involved, so every
/// [`Decimal`] is written exactly, whatever its number of digits.
pub fn json_number(d: Decimal) -> JsonOut {
    JsonOut::Decimal(d.normalize())
}

/// A row from a JSON object's text, read as [`parse_json`] reads answers (numbers as text).
#[cfg(test)]
pub(crate) fn test_row(json: &str) -> Row {
    match parse_json(json.as_bytes()) {
        Ok(Value::Object(o)) => o,
        other => panic!("not a JSON object: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn envelopes_in_every_recorded_shape() {
        let list = br#"{"d":{"results":[{"A":1},{"A":2}],"__next":"https://x/api/v1/1/a?$skiptoken=guid'5b3debef-9b1c-4bcd-b7ae-003e8d4139df'"}}"#;
        let p = parse_page(list).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert!(p.next.unwrap().contains("skiptoken"));
        let next_first = br#"{"d":{"__next":"n","results":[]}}"#;
        assert_eq!(parse_page(next_first).unwrap().next.as_deref(), Some("n"));
        let bare = "\u{feff}{\"d\":[{\"A\":1}]}".as_bytes();
        assert_eq!(parse_page(bare).unwrap().rows.len(), 1);
        let single = br#"{"d":{"ID":"x","AmountFC":9075.10,"Big":12345678901234567.89}}"#;
        let row = parse_single(single).unwrap().unwrap();
        assert_eq!(row["ID"], "x");
        // Numbers arrive as their exact text, never as f64.
        assert_eq!(row["AmountFC"], "9075.10");
        assert_eq!(row["Big"], "12345678901234567.89");
        assert_eq!(
            decimal(&row, "Big").unwrap(),
            Some(dec!(12345678901234567.89))
        );
        assert!(parse_page(b"<html>maintenance</html>").is_err());
        assert!(parse_page(br#"{"x":1}"#).is_err());
        assert!(parse_page(br#"{"d":{"results":[1]}}"#).is_err());
    }

    #[test]
    fn dates_read_as_civil_dates() {
        assert_eq!(
            civil_date("/Date(1351209600000)/"),
            NaiveDate::from_ymd_opt(2012, 10, 26)
        );
        // Dutch local midnight shifted into the epoch (22:00 UTC the day before, summer time).
        assert_eq!(
            civil_date("/Date(1351202400000)/"),
            NaiveDate::from_ymd_opt(2012, 10, 26)
        );
        assert_eq!(
            civil_date("/Date(1351209600000+0100)/"),
            NaiveDate::from_ymd_opt(2012, 10, 26)
        );
        assert_eq!(
            civil_date("2012-10-26T00:00:00"),
            NaiveDate::from_ymd_opt(2012, 10, 26)
        );
        assert_eq!(civil_date("/Date(x)/"), None);
        assert_eq!(civil_date("yesterday"), None);
        assert_eq!(
            write_date(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            "2026-03-09T00:00:00"
        );
    }

    #[test]
    fn numbers_strings_and_padding() {
        let row = parse_single(
            br#"{"d":{"A":9075,"B":0.21,"C":"12.50","D":null,"Code":"                 8","Country":"NL ","T":"123L","F":"x","N":26700001,"Yes":true,"No":"false","E":-1.5E+3}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(decimal(&row, "A").unwrap(), Some(dec!(9075)));
        assert_eq!(decimal(&row, "B").unwrap(), Some(dec!(0.21)));
        assert_eq!(decimal(&row, "C").unwrap(), Some(dec!(12.5)));
        assert_eq!(decimal(&row, "D").unwrap(), None);
        assert!(decimal(&row, "F").is_err());
        assert_eq!(string(&row, "Code").as_deref(), Some("8"));
        assert_eq!(string(&row, "Country").as_deref(), Some("NL"));
        assert_eq!(integer(&row, "T"), Some(123));
        assert_eq!(integer(&row, "N"), Some(26700001));
        assert_eq!(integer(&row, "B"), None);
        assert_eq!(string(&row, "N").as_deref(), Some("26700001"));
        assert_eq!(boolean(&row, "Yes"), Some(true));
        assert_eq!(boolean(&row, "No"), Some(false));
        assert_eq!(decimal(&row, "E").unwrap(), Some(dec!(-1500)));
        // A serde_json number (an f64 inside) is never read as an amount.
        assert_eq!(decimal_of(&serde_json::json!(0.21)), None);
        assert_eq!(pad_account_code("8"), "                 8");
        assert_eq!(pad_account_code("8").len(), 18);
    }

    #[test]
    fn json_numbers_are_exact_text() {
        assert_eq!(json_number(dec!(100)).to_json(), "100");
        assert_eq!(json_number(dec!(100.00)).to_json(), "100");
        assert_eq!(json_number(dec!(-14200.10)).to_json(), "-14200.1");
        assert_eq!(json_number(dec!(0.21)).to_json(), "0.21");
        assert_eq!(json_number(dec!(1234567.89)).to_json(), "1234567.89");
        // More digits than an f64 holds: written exactly, where the float path had to refuse it.
        assert_eq!(
            json_number(dec!(1234567890123.456789)).to_json(),
            "1234567890123.456789"
        );
        let back = parse_json(json_number(dec!(-0.000001)).to_json().as_bytes()).unwrap();
        assert_eq!(decimal_of(&back), Some(dec!(-0.000001)));
    }

    #[test]
    fn literals_and_errors() {
        assert_eq!(string_literal("O'Brien"), "'O''Brien'");
        assert!(guid_literal("x' or 1 eq 1").is_err());
        assert_eq!(
            guid_literal("8E2D4B61-3A7C-4F19-B5E0-27C9D1A6F483").unwrap(),
            "guid'8e2d4b61-3a7c-4f19-b5e0-27c9d1a6f483'"
        );
        let (c, m) =
            parse_error(br#"{"error":{"code":"","message":{"lang":"","value":"VAT\r\ninvalid"}}}"#);
        assert_eq!((c, m.as_deref()), (None, Some("VAT\r\ninvalid")));
        let (_, m) = parse_error(
            br#"{ "error":"access_denied","error_description":"Rate limit exceeded: access_token not expired" }"#,
        );
        assert!(m.unwrap().starts_with("access_denied"));
        assert_eq!(
            parse_error(b"Bad Request").1.as_deref(),
            Some("Bad Request")
        );
    }
}
