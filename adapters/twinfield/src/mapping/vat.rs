//! VAT codes of an office (Q03): listed with the Finder (`VAT`), each read for its percentage.

use chrono::NaiveDate;
use grootboek_core::{Result, VatCode, VatKind};
use rust_decimal::Decimal;

use super::errors::result_error;
use super::{parse_amount, parse_date};
use crate::xml::{parse_document, XmlDoc};

/// `<read><type>vat</type>…`.
pub fn read_request(office: &str, code: &str) -> String {
    let mut d = XmlDoc::new();
    d.open("read")
        .text("type", "vat")
        .text("office", office)
        .text("code", code)
        .close("read");
    d.finish()
}

/// Decide what a code is for from its declaration group and names: the Dutch return's rubric 3b
/// is intra-community supplies (ICP), 3a export, 2a/1e reverse charge / zero; `ICP` or `verlegd`
/// in the code or name say the same.
fn kind_of(code: &str, name: &str, group: Option<&str>, rate: Decimal) -> VatKind {
    let group = group.unwrap_or_default().to_ascii_uppercase();
    let text = format!("{code} {name}").to_ascii_lowercase();
    if group.starts_with("NL3B")
        || text.contains("icp")
        || text.contains("binnen eu")
        || text.contains("intra")
    {
        VatKind::IntraCommunity
    } else if group.starts_with("NL3A") || text.contains("export") || text.contains("buiten eu") {
        VatKind::Export
    } else if group.starts_with("NL2A") || text.contains("verlegd") || text.contains("reverse") {
        VatKind::ReverseCharge
    } else if text.contains("vrijgesteld") || text.contains("exempt") {
        VatKind::Exempt
    } else if rate > Decimal::ZERO {
        VatKind::Domestic
    } else {
        VatKind::Unknown
    }
}

/// Parse a `<vat>` read: the percentage in force on `on` (the latest one dated on or before it,
/// else the earliest).
pub fn parse_read(xml: &str, on: NaiveDate) -> Result<VatCode> {
    let doc = parse_document(xml)?;
    if let Some(e) = result_error(&doc, "vat_codes") {
        return Err(e);
    }
    let code = doc.text_of("code").unwrap_or_default().to_string();
    let name = doc.text_of("name").unwrap_or_default().to_string();
    let mut all: Vec<(NaiveDate, Decimal, Option<String>)> = Vec::new();
    if let Some(ps) = doc.child("percentages") {
        for p in ps.children_named("percentage") {
            let date = p
                .text_of("date")
                .map(parse_date)
                .transpose()?
                .unwrap_or(NaiveDate::MIN);
            let Some(rate) = p.text_of("percentage").map(parse_amount).transpose()? else {
                continue;
            };
            let group = p
                .at("accounts/account/group")
                .map(|g| g.text.trim().to_string());
            all.push((date, rate, group));
        }
    }
    let in_force = all
        .iter()
        .filter(|(d, _, _)| *d <= on)
        .max_by_key(|(d, _, _)| *d);
    let best = in_force
        .or_else(|| all.iter().min_by_key(|(d, _, _)| *d))
        .cloned();
    let (rate, group) = best
        .map(|(_, r, g)| (r, g))
        .unwrap_or((Decimal::ZERO, None));
    let rate = rate.normalize();
    Ok(VatCode {
        kind: kind_of(&code, &name, group.as_deref(), rate),
        code,
        description: name,
        rate,
    })
}

#[cfg(test)]
mod tests {

    /// The shared sample of a VAT read decodes to its code, type and 21 % rate.
    #[test]
    fn the_shared_vat_read_sample() {
        let xml = std::fs::read_to_string(format!(
            "{}/../../fixtures/twinfield/vat-read.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let on = chrono::NaiveDate::from_ymd_opt(2026, 5, 12).unwrap();
        let v = parse_read(&xml, on).unwrap();
        assert_eq!(v.code, "VH");
        assert_eq!(v.rate, rust_decimal::Decimal::from(21));
    }

    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn reads_the_rate_in_force() {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/vat-read-vh.xml"
        ))
        .unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let v = parse_read(&xml, on).unwrap();
        assert_eq!(v.code, "VH");
        assert_eq!(v.rate, dec!(21));
        assert_eq!(v.kind, VatKind::Domestic);
        let old = parse_read(&xml, NaiveDate::from_ymd_opt(2010, 1, 1).unwrap()).unwrap();
        assert_eq!(old.rate, dec!(19));
    }

    #[test]
    fn icp_codes_are_intra_community() {
        assert_eq!(
            kind_of("ICP", "Levering binnen EU", Some("NL3B"), dec!(0)),
            VatKind::IntraCommunity
        );
        assert_eq!(kind_of("VN", "BTW 0%", None, dec!(0)), VatKind::Unknown);
        assert_eq!(
            kind_of("VL", "BTW laag", Some("NL1B"), dec!(9)),
            VatKind::Domestic
        );
    }
}
