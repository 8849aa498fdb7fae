//! Lossless decimals on the AFAS wire.
//!
//! Incoming: AFAS clients send amounts as strings (`"1806.22"`) or bare JSON numbers (`1806.22`).
//! To never pass an amount through `f64`, a request body is first rewritten so that every bare
//! number becomes a string with the exact same text ([`quote_numbers`]); the lenient pre-pass also
//! accepts Profit 6's `-.5` style. Amounts are then parsed from text with [`parse_decimal`].
//!
//! Outgoing: decimals are written as number text by [`render_decimal`]; in legacy (Profit ≤ 6)
//! mode, a switch that is off by default, a value between -1 and 1 loses its leading zero
//! (`-.5`, `.25`), which strict JSON parsers reject.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Rewrite a JSON text so that every number outside a string becomes a string holding the same
/// characters (`{"a": -.5, "b": 12}` → `{"a": "-.5", "b": "12"}`). Strings, `true`, `false` and
/// `null` are kept. The output is parsed by `serde_json` afterwards, which reports any syntax
/// error.
pub fn quote_numbers(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '-' | '.' | '0'..='9' => {
                out.push('"');
                out.push(c);
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit() || matches!(n, '.' | 'e' | 'E' | '+' | '-') {
                        out.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Parse an amount from its text: `1806.22`, `-.5`, `.5`, `12`, `1e3`, with surrounding blanks.
/// Returns `None` for anything that is not a number.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let normalised = if let Some(rest) = t.strip_prefix("-.") {
        format!("-0.{rest}")
    } else if let Some(rest) = t.strip_prefix('.') {
        format!("0.{rest}")
    } else if let Some(rest) = t.strip_prefix('+') {
        rest.to_string()
    } else {
        t.to_string()
    };
    if normalised.contains(['e', 'E']) {
        return Decimal::from_scientific(&normalised).ok();
    }
    Decimal::from_str(&normalised).ok()
}

/// Write a decimal as JSON number text without trailing zeros (`121`, `1234.56`, `-0.5`); with
/// `legacy` the leading zero of a fraction is dropped as Profit ≤ 6 did (`-.5`, `.5`).
pub fn render_decimal(value: Decimal, legacy: bool) -> String {
    if value.is_zero() {
        return "0".to_string();
    }
    let text = value.normalize().to_string();
    if !legacy {
        return text;
    }
    if let Some(rest) = text.strip_prefix("-0.") {
        format!("-.{rest}")
    } else if let Some(rest) = text.strip_prefix("0.") {
        format!(".{rest}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_quoted_outside_strings_only() {
        let q = quote_numbers(
            r#"{"a": -.5, "b": [12, 1.25e2], "c": "x 1 \" 2", "d": true, "e": null}"#,
        );
        assert_eq!(
            q,
            r#"{"a": "-.5", "b": ["12", "1.25e2"], "c": "x 1 \" 2", "d": true, "e": null}"#
        );
        let v: serde_json::Value = serde_json::from_str(&q).unwrap_or_default();
        assert_eq!(v["a"], "-.5");
    }

    #[test]
    fn decimals_parse_without_float_loss() {
        assert_eq!(parse_decimal("-.5"), Decimal::from_str("-0.5").ok());
        assert_eq!(parse_decimal("0.1"), Decimal::from_str("0.1").ok());
        assert_eq!(
            parse_decimal("12345678901234.56"),
            Decimal::from_str("12345678901234.56").ok()
        );
        assert_eq!(parse_decimal("1e3"), Decimal::from_str("1000").ok());
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn legacy_rendering_drops_the_leading_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(render_decimal(d("-0.50"), true), "-.5");
        assert_eq!(render_decimal(d("0.25"), true), ".25");
        assert_eq!(render_decimal(d("-0.50"), false), "-0.5");
        assert_eq!(render_decimal(d("121.00"), true), "121");
        assert_eq!(render_decimal(d("1234.56"), true), "1234.56");
        assert_eq!(render_decimal(d("0.00"), true), "0");
    }
}
