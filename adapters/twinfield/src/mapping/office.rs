//! Offices (administrations): `<list><type>offices</type></list>`.

use grootboek_core::{Administration, CountryCode, Currency, Result};

use super::errors::result_error;
use crate::xml::{parse_document, XmlDoc};

/// The offices listing request (sent without `CompanyCode`).
pub fn list_request() -> String {
    let mut d = XmlDoc::new();
    d.open("list").text("type", "offices").close("list");
    d.finish()
}

/// Parse `<offices><office name=… shortname=…>CODE</office></offices>`. Country and currency are
/// not in the listing: they come from the configuration's defaults.
pub fn parse_list(
    xml: &str,
    country: CountryCode,
    currency: Currency,
) -> Result<Vec<Administration>> {
    let doc = parse_document(xml)?;
    if let Some(e) = result_error(&doc, "administrations") {
        return Err(e);
    }
    Ok(doc
        .children_named("office")
        .filter(|o| !o.text.trim().is_empty())
        .map(|o| Administration {
            code: o.text.trim().to_string(),
            name: o.attr("name").unwrap_or_default().to_string(),
            country,
            currency,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offices() {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/list-offices.xml"
        ))
        .unwrap();
        let offices = parse_list(&xml, CountryCode::NL, Currency::EUR).unwrap();
        assert_eq!(offices.len(), 2);
        assert_eq!(offices[0].code, "NLA001");
        assert_eq!(offices[0].name, "Bakkerij de Vries");
        assert_eq!(list_request(), "<list><type>offices</type></list>");
    }
}
