//! Lenient JSON for GetConnector and UpdateConnector answers.
//!
//! Profit ≤ 6 wrote decimals like `-.5` and `.25` (no leading zero), which strict JSON parsers
//! refuse; and bare JSON numbers would pass through `f64` on their way to a
//! [`Decimal`](rust_decimal::Decimal). [`parse_lenient`] therefore reads every answer through
//! [`grootboek_core::json::parse_numbers_as_text`], which rewrites every bare number outside
//! strings into a JSON *string* holding the number's exact text (with a leading zero added where
//! AFAS left it out) and then parses. The row accessors in [`super::row`] read numbers from
//! strings, so amounts never touch floating point.
//!
//! Request bodies need nothing of the kind: the adapter writes every AFAS amount as a string
//! with two decimals (`"AmDe": "1806.22"`, as AFAS's own examples do), never as a JSON number.

use grootboek_core::json::parse_numbers_as_text;
use grootboek_core::{Error, Result};
use serde_json::Value;

/// Parse a GetConnector/UpdateConnector answer (a BOM is ignored), every bare number quoted as
/// its exact text. A body that is not JSON, or that nests arrays and objects deeper than
/// [`grootboek_core::json::MAX_DEPTH`] levels (R05), is a protocol error naming AFAS.
pub fn parse_lenient(body: &str) -> Result<Value> {
    parse_numbers_as_text(body.as_bytes()).map_err(|e| {
        Error::protocol(format!(
            "AFAS answered JSON that cannot be read: {}",
            e.message()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_connector_answer_with_legacy_decimals_reads_exactly() {
        let v = parse_lenient(
            "\u{feff}{\"skip\":0,\"take\":2,\"rows\":[{\"Balance\":-.5,\"Amt\":.25,\"A\":1234.5600000000000001,\"S\":\"a -.5 7\",\"B\":true}]}",
        )
        .unwrap();
        assert_eq!(v["rows"][0]["Balance"], "-0.5");
        assert_eq!(v["rows"][0]["Amt"], "0.25");
        assert_eq!(v["rows"][0]["A"], "1234.5600000000000001");
        assert_eq!(v["rows"][0]["S"], "a -.5 7");
        assert_eq!(v["rows"][0]["B"], true);
        assert_eq!(v["take"], "2");
    }

    #[test]
    fn garbage_is_a_protocol_error_naming_afas() {
        for bad in ["", "{", "{\"a\":1", "<html>Onderhoud</html>"] {
            let e = parse_lenient(bad).unwrap_err();
            assert_eq!(*e.kind(), grootboek_core::ErrorKind::Protocol, "{bad}");
            assert!(e.message().starts_with("AFAS answered"), "{}", e.message());
        }
    }
}
