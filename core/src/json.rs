//! JSON without floating point, for every adapter that speaks JSON.
//!
//! `serde_json` (built without `arbitrary_precision`, which would break untagged and flattened
//! number deserialisation elsewhere in the dependency tree) holds every fractional JSON number as
//! an `f64`. An amount read or written as a `serde_json::Number` therefore passes through binary
//! floating point. This module keeps money out of that path in both directions:
//!
//! - **Reading**: [`parse_numbers_as_text`] first rewrites every bare number outside strings into
//!   a JSON *string* holding the number's exact text ([`quote_numbers`]), then parses. After it, a
//!   [`serde_json::Value`] contains no [`serde_json::Value::Number`] at all: amounts, integers
//!   and percentages arrive as [`serde_json::Value::String`] and are read with
//!   [`Decimal`]'s own parser (or `str::parse::<i64>`). Legacy decimals without a leading zero
//!   (`.25`, `-.5`, as AFAS Profit ≤ 6 writes them) are fixed on the way (`"0.25"`, `"-0.5"`).
//! - **Nesting is bounded** (R05): a body whose arrays and objects nest deeper than
//!   [`MAX_DEPTH`] is refused by [`parse_numbers_as_text`] with a protocol error naming the
//!   limit, found in the same linear pass as the numbers and before any value is built, so a body
//!   nested a million levels deep costs neither stack nor memory beyond its own bytes.
//! - **Writing**: request bodies are built as a [`JsonOut`] tree and serialised with
//!   [`JsonOut::to_json`], which writes a [`Decimal`] as its exact decimal text (`1.50` stays
//!   `1.50`, `0.21` is `0.21`), never through a float.
//!
//! ```
//! use grootboek_core::json::{parse_numbers_as_text, JsonOut};
//! use rust_decimal::Decimal;
//!
//! let amount: Decimal = "1234567890123.456789".parse().unwrap();
//! let body = JsonOut::object()
//!     .with("AmountFC", amount)
//!     .with("Type", 20)
//!     .with("Description", "Factuur \"maart\"")
//!     .build();
//! let text = body.to_json();
//! assert_eq!(
//!     text,
//!     r#"{"AmountFC":1234567890123.456789,"Type":20,"Description":"Factuur \"maart\""}"#
//! );
//! let back = parse_numbers_as_text(text.as_bytes()).unwrap();
//! assert_eq!(back["AmountFC"], "1234567890123.456789");
//! ```

use std::fmt::{self, Write as _};

use rust_decimal::Decimal;
use serde_json::Value;

use crate::error::{Error, Result};

/// The deepest nesting of arrays and objects [`parse_numbers_as_text`] accepts: the outermost
/// array or object is level 1, and one opened at level `MAX_DEPTH + 1` is refused.
///
/// The deepest answers the adapters read are under 10 levels (an Exact OData envelope around an
/// expanded entry with its lines and a `__metadata` object; an AFAS GetConnector answer), so 64
/// leaves a wide margin. It also stays below `serde_json`'s own recursion limit (128), so a deep
/// body is refused with this module's message, which names the limit, rather than the parser's.
pub const MAX_DEPTH: usize = 64;

/// Strip a UTF-8 byte-order mark.
fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(body)
}

/// Parse a JSON body with every number kept as its exact text.
///
/// A leading UTF-8 byte-order mark is ignored. Every bare number outside strings becomes a JSON
/// string with the number's text (see [`quote_numbers`]), so the result holds no
/// [`Value::Number`]; `true`, `false` and `null` are kept as they are. A body that is not UTF-8,
/// not JSON, or nested deeper than [`MAX_DEPTH`] levels is an
/// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) error, never a panic.
pub fn parse_numbers_as_text(body: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(strip_bom(body))
        .map_err(|e| Error::protocol(format!("the answer is not UTF-8 text: {e}")))?;
    let quoted = quote(text, MAX_DEPTH).map_err(|at| {
        Error::protocol(format!(
            "the answer nests arrays and objects deeper than {MAX_DEPTH} levels (at byte {at}), \
             the limit of this reader; it is refused"
        ))
    })?;
    serde_json::from_str(&quoted)
        .map_err(|e| Error::protocol(format!("the answer is not JSON that can be read: {e}")))
}

/// Rewrite bare numbers outside strings as strings: `{"a":-.5,"b":12}` → `{"a":"-0.5","b":"12"}`.
///
/// A number is any run of `-+.eE0-9` that starts with `-`, `.` or a digit outside a string; its
/// text is kept exactly (`1.5E+3` stays `"1.5E+3"`, `1234.5600000000000001` keeps every digit),
/// except that a missing leading zero is added (`.25` → `"0.25"`, `-.5` → `"-0.5"`). Text inside
/// strings, escapes included, is copied unchanged. The rewrite is lenient: a malformed number
/// becomes a string that a decimal parser later refuses, and text that is not JSON stays not
/// JSON. Nesting is not checked here; [`parse_numbers_as_text`] bounds it.
pub fn quote_numbers(text: &str) -> String {
    // No text nests deeper than `usize::MAX`, so this never falls back.
    quote(text, usize::MAX).unwrap_or_default()
}

/// [`quote_numbers`], stopping with the byte offset of the first `[` or `{` (outside strings)
/// that opens level `max_depth + 1`.
fn quote(text: &str, max_depth: usize) -> std::result::Result<String, usize> {
    let bytes = text.as_bytes();
    // Arrays and objects open at `i`; brackets are counted, not matched (the parser does that).
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    let mut in_string = false;
    // Start of the run of bytes copied verbatim.
    let mut copied = 0;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(i);
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'-' | b'.' | b'0'..=b'9' => {
                let start = i;
                let mut j = i;
                while bytes
                    .get(j)
                    .is_some_and(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                {
                    j += 1;
                }
                // `copied`, `start` and `j` sit on ASCII bytes, so they are char boundaries.
                out.push_str(text.get(copied..start).unwrap_or_default());
                let token = text.get(start..j).unwrap_or_default();
                out.push('"');
                if let Some(rest) = token.strip_prefix("-.") {
                    out.push_str("-0.");
                    out.push_str(rest);
                } else if let Some(rest) = token.strip_prefix('.') {
                    out.push_str("0.");
                    out.push_str(rest);
                } else {
                    out.push_str(token);
                }
                out.push('"');
                copied = j;
                i = j;
            }
            _ => i += 1,
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Ok(out)
}

/// A JSON value to write: a request body built without floating point.
///
/// Numbers are either an [`i64`] or a [`Decimal`], written as their exact decimal text. Objects
/// keep the order in which their members were added. Build objects with [`JsonOut::object`],
/// which refuses duplicate keys by replacing the earlier value; an [`JsonOut::Object`] built by
/// hand with a repeated key is written as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonOut {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer, written in decimal.
    Int(i64),
    /// A decimal, written as its exact text ([`Decimal`]'s `Display`, no exponent): `1.50`,
    /// `-14200.1`, `0.21`. Normalise first ([`Decimal::normalize`]) to drop trailing zeros.
    Decimal(Decimal),
    /// A string, escaped exactly as `serde_json` escapes strings.
    String(String),
    /// An array.
    Array(Vec<JsonOut>),
    /// An object: members in the order written.
    Object(Vec<(String, JsonOut)>),
}

impl JsonOut {
    /// Start building an object.
    pub fn object() -> JsonObject {
        JsonObject::new()
    }

    /// The compact JSON text of this value (no whitespace between tokens).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// The member `key` of an object (the last one, should a hand-built object repeat it);
    /// `None` for a missing key or when this is not an object.
    pub fn get(&self, key: &str) -> Option<&JsonOut> {
        match self {
            JsonOut::Object(members) => {
                members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// The items of an array; `None` when this is not an array.
    pub fn as_array(&self) -> Option<&[JsonOut]> {
        match self {
            JsonOut::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is [`JsonOut::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, JsonOut::Null)
    }

    fn write_to(&self, out: &mut String) {
        match self {
            JsonOut::Null => out.push_str("null"),
            JsonOut::Bool(true) => out.push_str("true"),
            JsonOut::Bool(false) => out.push_str("false"),
            // Writing into a `String` cannot fail.
            JsonOut::Int(i) => {
                let _ = write!(out, "{i}");
            }
            JsonOut::Decimal(d) => {
                let _ = write!(out, "{d}");
            }
            JsonOut::String(s) => write_string(out, s),
            JsonOut::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            JsonOut::Object(members) => {
                out.push('{');
                for (n, (key, value)) in members.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    write_string(out, key);
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for JsonOut {
    /// The same text as [`JsonOut::to_json`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// Write `s` as a JSON string literal, escaped byte for byte as `serde_json` does: `"` and `\`
/// with a backslash, `\b \f \n \r \t` by name, other control characters below U+0020 as
/// `\u00XX` (lower-case hex), everything else (`/`, DEL, non-ASCII) as it is.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A builder of a [`JsonOut::Object`]: members in the order added, a repeated key replacing the
/// earlier value in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonObject {
    members: Vec<(String, JsonOut)>,
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set `key` to `value` (replacing an earlier value of `key` in place).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<JsonOut>) {
        let key = key.into();
        let value = value.into();
        match self.members.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.members.push((key, value)),
        }
    }

    /// Set `key` to `value` when it is `Some`; leave the object as it is when it is `None`.
    pub fn insert_opt<T: Into<JsonOut>>(&mut self, key: impl Into<String>, value: Option<T>) {
        if let Some(v) = value {
            self.insert(key, v);
        }
    }

    /// [`JsonObject::insert`], by value, for chaining.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<JsonOut>) -> Self {
        self.insert(key, value);
        self
    }

    /// [`JsonObject::insert_opt`], by value, for chaining.
    #[must_use]
    pub fn with_opt<T: Into<JsonOut>>(mut self, key: impl Into<String>, value: Option<T>) -> Self {
        self.insert_opt(key, value);
        self
    }

    /// Set `key` to `null` unless it is already present.
    pub fn insert_null_if_absent(&mut self, key: impl Into<String>) {
        let key = key.into();
        if !self.contains_key(&key) {
            self.members.push((key, JsonOut::Null));
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| k == key)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&JsonOut> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// How many members the object has.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the object has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The finished [`JsonOut::Object`].
    pub fn build(self) -> JsonOut {
        JsonOut::Object(self.members)
    }
}

impl From<JsonObject> for JsonOut {
    fn from(o: JsonObject) -> Self {
        o.build()
    }
}

impl From<bool> for JsonOut {
    fn from(b: bool) -> Self {
        JsonOut::Bool(b)
    }
}

impl From<i64> for JsonOut {
    fn from(i: i64) -> Self {
        JsonOut::Int(i)
    }
}

impl From<i32> for JsonOut {
    fn from(i: i32) -> Self {
        JsonOut::Int(i64::from(i))
    }
}

impl From<u32> for JsonOut {
    fn from(i: u32) -> Self {
        JsonOut::Int(i64::from(i))
    }
}

impl From<Decimal> for JsonOut {
    fn from(d: Decimal) -> Self {
        JsonOut::Decimal(d)
    }
}

impl From<String> for JsonOut {
    fn from(s: String) -> Self {
        JsonOut::String(s)
    }
}

impl From<&str> for JsonOut {
    fn from(s: &str) -> Self {
        JsonOut::String(s.to_string())
    }
}

impl From<&String> for JsonOut {
    fn from(s: &String) -> Self {
        JsonOut::String(s.clone())
    }
}

impl<T: Into<JsonOut>> From<Option<T>> for JsonOut {
    /// `None` is `null`.
    fn from(o: Option<T>) -> Self {
        o.map_or(JsonOut::Null, Into::into)
    }
}

impl<T: Into<JsonOut>> From<Vec<T>> for JsonOut {
    fn from(items: Vec<T>) -> Self {
        JsonOut::Array(items.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use std::str::FromStr;

    #[test]
    fn legacy_decimals_without_leading_zero_parse() {
        let v = parse_numbers_as_text(
            br#"{"skip":0,"take":2,"rows":[{"Balance":-.5,"Amt":.25,"X":1.5E+3,"S":"a -.5 \"q\" 7"}]}"#,
        )
        .unwrap();
        assert_eq!(v["rows"][0]["Balance"], "-0.5");
        assert_eq!(v["rows"][0]["Amt"], "0.25");
        assert_eq!(v["rows"][0]["X"], "1.5E+3");
        assert_eq!(v["rows"][0]["S"], "a -.5 \"q\" 7");
        assert_eq!(v["take"], "2");
        assert_eq!(
            quote_numbers(r#"{"a":-.5,"b":12}"#),
            r#"{"a":"-0.5","b":"12"}"#
        );
    }

    #[test]
    fn precision_is_kept_exactly() {
        let v = parse_numbers_as_text(
            br#"{"a":1234.5600000000000001,"b":null,"c":true,"d":[1,-2e-3]}"#,
        )
        .unwrap();
        assert_eq!(v["a"], "1234.5600000000000001");
        assert!(v["b"].is_null());
        assert_eq!(v["c"], true);
        assert_eq!(v["d"][1], "-2e-3");
    }

    #[test]
    fn bom_and_unicode_are_tolerated() {
        let v =
            parse_numbers_as_text("\u{feff}{\"naam\":\"Café 1,5\",\"n\":7}".as_bytes()).unwrap();
        assert_eq!(v["naam"], "Café 1,5");
        assert_eq!(v["n"], "7");
    }

    #[test]
    fn garbage_is_a_protocol_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"{",
            b"\"",
            b"{\"a\":\\",
            b"[-",
            b"{\"a\":1",
            b"<html>maintenance</html>",
            b"\xff\xfe{}",
            b"\xEF\xBB",
        ] {
            let e = parse_numbers_as_text(bad).unwrap_err();
            assert_eq!(*e.kind(), crate::ErrorKind::Protocol, "{bad:?}");
        }
    }

    /// The nestings tested: arrays, objects, and both alternating (`open`, `inner`, `close`).
    const NESTINGS: [(&str, &str, &str); 3] = [
        ("[", "1", "]"),
        ("{\"a\":", "1", "}"),
        ("{\"a\":[", "1", "]}"),
    ];

    /// `open` `levels` times, then `inner` and `close` `levels` times when `closed`.
    fn nested(open: &str, inner: &str, close: &str, levels: usize, closed: bool) -> String {
        let mut text = open.repeat(levels);
        if closed {
            text.push_str(inner);
            text.push_str(&close.repeat(levels));
        }
        text
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_one_more_is_refused() {
        let ok = nested("[", "1", "]", MAX_DEPTH, true);
        assert!(parse_numbers_as_text(ok.as_bytes()).is_ok());
        let ok = nested("{\"a\":", "1", "}", MAX_DEPTH, true);
        assert!(parse_numbers_as_text(ok.as_bytes()).is_ok());
        for (open, inner, close) in NESTINGS {
            let deep = nested(open, inner, close, MAX_DEPTH + 1, true);
            let e = parse_numbers_as_text(deep.as_bytes()).unwrap_err();
            assert_eq!(*e.kind(), crate::ErrorKind::Protocol);
            assert!(e.message().contains("deeper than 64 levels"), "{e}");
        }
        // Brackets inside strings are text, not nesting.
        let text = format!("{{\"s\":\"{}\",\"n\":1}}", "[{".repeat(1_000));
        assert_eq!(parse_numbers_as_text(text.as_bytes()).unwrap()["n"], "1");
        // Siblings do not add up.
        let wide = format!("[{}]", vec!["[[1]]"; 10_000].join(","));
        assert_eq!(
            parse_numbers_as_text(wide.as_bytes())
                .unwrap()
                .as_array()
                .map(Vec::len),
            Some(10_000)
        );
    }

    #[test]
    fn a_million_levels_are_refused_quickly_with_the_limit_named() {
        for (open, inner, close) in NESTINGS {
            for closed in [false, true] {
                let body = nested(open, inner, close, 1_000_000, closed);
                let started = std::time::Instant::now();
                let e = parse_numbers_as_text(body.as_bytes()).unwrap_err();
                let took = started.elapsed();
                eprintln!("1,000,000 × {open} (closed: {closed}) refused in {took:?}");
                assert_eq!(*e.kind(), crate::ErrorKind::Protocol);
                assert!(e.message().contains("deeper than 64 levels"), "{e}");
                assert!(took < std::time::Duration::from_secs(1), "{took:?}");
            }
        }
    }

    /// The typed reads outside this module (token answers, Twinfield's token claims and REST
    /// status) go straight to `serde_json`. A deep value in a field it reads is bounded by its
    /// recursion limit (128; the `unbounded_depth` feature would lift it, and this test fails if
    /// anything in the tree turns it on); a deep value in a field it ignores is skipped without
    /// recursion. Either way: an error, no stack overflow.
    #[test]
    fn typed_serde_json_reads_refuse_deep_bodies_without_overflowing() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Token {
            access_token: Option<String>,
            claims: Option<Value>,
        }
        for field in ["claims", "unknown"] {
            let body = format!(
                "{{\"access_token\":\"a\",\"{field}\":{}",
                "[".repeat(1_000_000)
            );
            let started = std::time::Instant::now();
            let e = serde_json::from_str::<Token>(&body).unwrap_err();
            eprintln!(
                "typed read, 1,000,000 levels in `{field}`: refused in {:?}: {e}",
                started.elapsed()
            );
            if field == "claims" {
                assert!(e.to_string().contains("recursion limit"), "{e}");
            }
        }
    }

    #[test]
    fn writes_exact_decimal_text_and_escaped_strings() {
        let body = JsonOut::object()
            .with("a", dec!(1.50))
            .with("b", dec!(-14200.10).normalize())
            .with("c", dec!(0.21))
            .with("d", 20_i64)
            .with("e", JsonOut::Null)
            .with("f", vec!["x\ny", "\u{1}/é"])
            .with_opt("g", None::<&str>)
            .with("h", true)
            .with("a", dec!(1.5))
            .build();
        assert_eq!(
            body.to_json(),
            r#"{"a":1.5,"b":-14200.1,"c":0.21,"d":20,"e":null,"f":["x\ny","\u0001/é"],"h":true}"#
        );
        assert_eq!(body.to_string(), body.to_json());
        assert_eq!(body.get("c"), Some(&JsonOut::Decimal(dec!(0.21))));
        assert_eq!(
            body.get("f").and_then(JsonOut::as_array).map(<[_]>::len),
            Some(2)
        );
        assert!(body.get("e").is_some_and(JsonOut::is_null));
        assert_eq!(JsonOut::Decimal(dec!(1.50)).to_json(), "1.50");
        let mut o = JsonOut::object().with("Email", "x");
        o.insert_null_if_absent("Email");
        o.insert_null_if_absent("Country");
        assert_eq!(o.len(), 2);
        assert_eq!(o.build().to_json(), r#"{"Email":"x","Country":null}"#);
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        // Any 96-bit mantissa with any scale rust_decimal allows.
        let max = (1_i128 << 96) - 1;
        (-max..=max, 0_u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[ -~\u{0}-\u{1f}\u{7f}é€\"\\\\]{0,12}",]
    }

    fn json_out() -> impl Strategy<Value = JsonOut> {
        let leaf = prop_oneof![
            Just(JsonOut::Null),
            any::<bool>().prop_map(JsonOut::Bool),
            any::<i64>().prop_map(JsonOut::Int),
            decimal().prop_map(JsonOut::Decimal),
            text().prop_map(JsonOut::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(JsonOut::Array),
                prop::collection::btree_map(text(), inner, 0..6)
                    .prop_map(|m| JsonOut::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What [`parse_numbers_as_text`] must read back: numbers as their written text.
    fn expected(v: &JsonOut) -> Value {
        match v {
            JsonOut::Null => Value::Null,
            JsonOut::Bool(b) => Value::Bool(*b),
            JsonOut::Int(i) => Value::String(i.to_string()),
            JsonOut::Decimal(d) => Value::String(d.to_string()),
            JsonOut::String(s) => Value::String(s.clone()),
            JsonOut::Array(a) => Value::Array(a.iter().map(expected).collect()),
            JsonOut::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), expected(v))).collect())
            }
        }
    }

    proptest! {
        #[test]
        fn a_written_decimal_reads_back_as_the_same_decimal(d in decimal()) {
            let text = JsonOut::object().with("AmountFC", d).build().to_json();
            let back = parse_numbers_as_text(text.as_bytes()).unwrap();
            let s = back["AmountFC"].as_str().unwrap();
            let read = Decimal::from_str(s).unwrap();
            prop_assert_eq!(read, d);
            prop_assert_eq!(read.scale(), d.scale());
        }

        #[test]
        fn any_json_out_is_valid_json(v in json_out()) {
            let text = v.to_json();
            prop_assert!(serde_json::from_str::<Value>(&text).is_ok(), "{}", text);
            prop_assert_eq!(parse_numbers_as_text(text.as_bytes()).unwrap(), expected(&v));
        }

        #[test]
        fn strings_are_escaped_as_serde_json_does(s in text()) {
            prop_assert_eq!(JsonOut::from(s.as_str()).to_json(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn quoting_never_panics(s in any::<String>()) {
            let _ = quote_numbers(&s);
            let _ = parse_numbers_as_text(s.as_bytes());
        }
    }
}
