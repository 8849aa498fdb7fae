//! Lenient JSON for GetConnector responses.
//!
//! Profit ≤ 6 wrote decimals like `-.5` and `.25` (no leading zero), which strict JSON parsers
//! refuse; and bare JSON numbers would pass through `f64` on their way to a
//! [`Decimal`](rust_decimal::Decimal). [`parse_lenient`] therefore rewrites every bare number
//! outside strings into a JSON *string* holding the number's exact text (with a leading zero added
//! where AFAS left it out), and then parses. The row accessors in [`super::row`] read numbers from
//! strings, so amounts never touch floating point.

use grootboek_core::{Error, Result};
use serde_json::Value;

/// Parse a GetConnector/UpdateConnector response body, quoting every bare number.
pub fn parse_lenient(body: &str) -> Result<Value> {
    let quoted = quote_numbers(body);
    serde_json::from_str(&quoted)
        .map_err(|e| Error::protocol(format!("AFAS answered JSON that cannot be read: {e}")))
}

/// Rewrite bare numbers outside strings as strings: `{"a":-.5,"b":12}` → `{"a":"-0.5","b":"12"}`.
pub fn quote_numbers(body: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    let mut i = 0;
    let mut in_string = false;
    // Start of the run of bytes copied verbatim.
    let mut copied = 0;
    while i < bytes.len() {
        let b = bytes[i];
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
            b'-' | b'.' | b'0'..=b'9' => {
                let start = i;
                let mut j = i;
                while j < bytes.len()
                    && matches!(bytes[j], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    j += 1;
                }
                out.push_str(&body[copied..start]);
                let token = &body[start..j];
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
    out.push_str(body.get(copied..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_decimals_without_leading_zero_parse() {
        let v = parse_lenient(r#"{"skip":0,"take":2,"rows":[{"Balance":-.5,"Amt":.25,"X":1.5E+3,"S":"a -.5 \"q\" 7"}]}"#).unwrap();
        assert_eq!(v["rows"][0]["Balance"], "-0.5");
        assert_eq!(v["rows"][0]["Amt"], "0.25");
        assert_eq!(v["rows"][0]["X"], "1.5E+3");
        assert_eq!(v["rows"][0]["S"], "a -.5 \"q\" 7");
        assert_eq!(v["take"], "2");
    }

    #[test]
    fn precision_is_kept_exactly() {
        let v = parse_lenient(r#"{"a":1234.5600000000000001,"b":null,"c":true}"#).unwrap();
        assert_eq!(v["a"], "1234.5600000000000001");
        assert!(v["b"].is_null());
        assert_eq!(v["c"], true);
    }

    #[test]
    fn garbage_is_a_protocol_error_not_a_panic() {
        for bad in ["", "{", "\"", "{\"a\":\\", "[-", "{\"a\":1"] {
            assert!(parse_lenient(bad).is_err(), "{bad}");
        }
    }
}
