//! `vat/VATCodes` → [`VatCode`]: padded codes trimmed, fractional percentages as percentages.

use grootboek_core::{Error, Result, VatCode, VatKind};

use crate::mapping::percentage_of_fraction;
use crate::odata::{self, Row};

/// The fields read from `vat/VATCodes`.
pub const SELECT: &[&str] = &[
    "ID",
    "Code",
    "Description",
    "Percentage",
    "Type",
    "VATTransactionType",
    "EUSalesListing",
    "IsBlocked",
];

/// Read a VAT code. `EUSalesListing` `L` marks an intra-community (ICP) code; `Type` `N` (no
/// VAT) an exempt one; purchase-only codes are not sales codes.
pub fn from_wire(row: &Row) -> Result<VatCode> {
    let code = odata::required_string(row, "Code", "VAT code")?;
    // A code without its percentage is refused, never read as 0 %.
    let fraction = odata::decimal(row, "Percentage")?.ok_or_else(|| {
        Error::protocol(format!("VAT code `{code}` has no Percentage"))
            .with_vendor(grootboek_core::Vendor::Exact)
    })?;
    let rate = percentage_of_fraction(fraction);
    let listed = matches!(
        row.get("EUSalesListing"),
        Some(serde_json::Value::Bool(true))
    ) || odata::string(row, "EUSalesListing")
        .is_some_and(|s| s.eq_ignore_ascii_case("L"));
    let kind = if listed {
        VatKind::IntraCommunity
    } else if odata::string(row, "Type").as_deref() == Some("N") {
        VatKind::Exempt
    } else {
        VatKind::Domestic
    };
    Ok(VatCode {
        code,
        description: odata::string(row, "Description").unwrap_or_default(),
        rate,
        kind,
    })
}

/// Whether a VAT code can be used on sales (`VATTransactionType` `S` or `B`, not blocked).
pub fn usable_for_sales(row: &Row) -> bool {
    let sales = !matches!(
        odata::string(row, "VATTransactionType").as_deref(),
        Some("P")
    );
    sales && odata::boolean(row, "IsBlocked") != Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn trims_codes_and_normalises_percentages() {
        let rows = crate::odata::parse_page(include_bytes!("../../tests/fixtures/vat_codes.json"))
            .unwrap()
            .rows;
        let codes: Vec<VatCode> = rows.iter().map(|r| from_wire(r).unwrap()).collect();
        assert_eq!(codes[0].code, "2");
        assert_eq!(codes[0].rate, dec!(21));
        assert_eq!(codes[0].kind, VatKind::Domestic);
        assert_eq!(codes[1].rate, dec!(9));
        assert_eq!(codes[2].code, "ICP");
        assert_eq!(codes[2].rate, dec!(0));
        assert_eq!(codes[2].kind, VatKind::IntraCommunity);
        assert!(!usable_for_sales(&rows[3]));
    }

    /// The shared `vat/VATCodes` fixture: padded codes, fractional percentages and the ICP mark
    /// `EUSalesListing` `L` as Exact sends them.
    #[test]
    fn the_shared_vat_codes_list_decodes() {
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/exact/vat_codes_list.json"
        ))
        .unwrap();
        let rows = crate::odata::parse_page(&body).unwrap().rows;
        let codes: Vec<(String, rust_decimal::Decimal, VatKind, bool)> = rows
            .iter()
            .map(|r| {
                let c = from_wire(r).unwrap();
                (c.code, c.rate, c.kind, usable_for_sales(r))
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("2".to_string(), dec!(21), VatKind::Domestic, true),
                ("5".to_string(), dec!(0), VatKind::IntraCommunity, true),
            ]
        );
        let bare = crate::odata::parse_page(br#"{"d":{"results":[{"Code":"2  "}]}}"#)
            .unwrap()
            .rows;
        let e = from_wire(&bare[0]).unwrap_err();
        assert!(e.message().contains("no Percentage"), "{e}");
    }
}
