//! Dimensions (DEB/CRD/BAS/PNL/KPL/PRJ): read, list and write payloads.
//!
//! Relations carry their country, e-mail, VAT number (`field4`) and chamber-of-commerce number
//! (`field5`) on the default invoice address. Writes always send every field: an empty element
//! clears it (Twinfield's clear), so an update is a read-modify-write of the whole dimension.

use grootboek_core::{CountryCode, Dimension, DimensionKind, Result};

use super::errors::result_error;
use super::{dimtype, kind_of, protocol};
use crate::xml::{parse_document, Node, XmlDoc};

/// `<read><type>dimensions</type>…` for one code.
pub fn read_request(office: &str, kind: DimensionKind, code: &str) -> String {
    let mut d = XmlDoc::new();
    d.open("read")
        .text("type", "dimensions")
        .text("office", office)
        .text("dimtype", dimtype(kind))
        .text("code", code)
        .close("read");
    d.finish()
}

/// `<list><type>dimensions</type>…` for one type.
pub fn list_request(office: &str, kind: DimensionKind) -> String {
    let mut d = XmlDoc::new();
    d.open("list")
        .text("type", "dimensions")
        .text("office", office)
        .text("dimtype", dimtype(kind))
        .close("list");
    d.finish()
}

/// The `<dimension>` write payload (create and update are the same document: Twinfield upserts).
/// An update carries the `uid` read before it (read-modify-write).
pub fn write_request(office: &str, dim: &Dimension, uid: Option<&str>) -> String {
    let mut d = XmlDoc::new();
    d.open("dimension")
        .text("office", office)
        .text("type", dimtype(dim.kind))
        .text("code", &dim.code)
        .opt_text("uid", uid)
        .text("name", &dim.name);
    if dim.kind.is_relation() {
        d.open("addresses")
            .open_with("address", &[("type", "invoice"), ("default", "true")])
            .text("name", &dim.name)
            .text(
                "country",
                dim.country.as_ref().map(|c| c.code()).unwrap_or(""),
            )
            .text("email", dim.email.as_deref().unwrap_or(""))
            .text("field4", dim.vat_number.as_deref().unwrap_or(""))
            .text("field5", dim.coc_number.as_deref().unwrap_or(""))
            .close("address")
            .close("addresses");
    }
    d.close("dimension");
    d.finish()
}

/// A dimension read back, with the collective account it substitutes to (`1300` for debtors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadDimension {
    /// The dimension.
    pub dimension: Dimension,
    /// `financials/substitutewith`, when present.
    pub collective_account: Option<String>,
    /// `uid`, when present.
    pub uid: Option<String>,
}

fn default_address(n: &Node) -> Option<&Node> {
    let addresses = n.child("addresses")?;
    addresses
        .children_named("address")
        .find(|a| a.attr("default") == Some("true"))
        .or_else(|| addresses.child("address"))
}

/// Map a `<dimension>` element.
pub fn from_node(n: &Node, expected: Option<DimensionKind>) -> Result<ReadDimension> {
    let type_text = n.text_of("type").unwrap_or_default();
    let kind = kind_of(type_text)
        .or(expected)
        .ok_or_else(|| protocol(format!("unknown dimension type `{type_text}`")))?;
    let code = n
        .text_of("code")
        .ok_or_else(|| protocol("a dimension without a code"))?
        .to_string();
    // A read always carries `<name>` (possibly empty); a record without it is not read as
    // nameless.
    let name = n
        .child("name")
        .map(|c| c.text.trim())
        .ok_or_else(|| protocol(format!("dimension {code} has no <name>")))?;
    let mut dim = Dimension::new(kind, code, name);
    if let Some(a) = default_address(n) {
        dim.country = match a.text_of("country") {
            Some(c) => Some(c.parse::<CountryCode>().map_err(|_| {
                protocol(format!(
                    "dimension {}: country `{c}` is not an ISO code",
                    dim.code
                ))
            })?),
            None => None,
        };
        dim.email = a.text_of("email").map(str::to_string);
        dim.vat_number = a.text_of("field4").map(str::to_string);
        dim.coc_number = a.text_of("field5").map(str::to_string);
    }
    // Newer records also carry the numbers in the dimension's own elements; the address
    // fields win where both are filled (they are what the adapter writes).
    dim.vat_number = dim
        .vat_number
        .or_else(|| n.text_of("vatnumber").map(str::to_string));
    dim.coc_number = dim
        .coc_number
        .or_else(|| n.text_of("cocnumber").map(str::to_string));
    Ok(ReadDimension {
        dimension: dim,
        collective_account: n.text_at("financials/substitutewith").map(str::to_string),
        uid: n.text_of("uid").map(str::to_string),
    })
}

/// Parse a dimension read (or write) result.
pub fn parse_read(
    xml: &str,
    expected: DimensionKind,
    operation: &'static str,
) -> Result<ReadDimension> {
    let doc = parse_document(xml)?;
    if let Some(e) = result_error(&doc, operation) {
        return Err(e);
    }
    from_node(&doc, Some(expected))
}

/// Parse a dimensions listing (code and name; the type's own pseudo-row is skipped).
pub fn parse_list(xml: &str, kind: DimensionKind) -> Result<Vec<Dimension>> {
    let doc = parse_document(xml)?;
    if let Some(e) = result_error(&doc, "list_dimensions") {
        return Err(e);
    }
    Ok(doc
        .children_named("dimension")
        .map(|d| (d.text.trim(), d.attr("name").unwrap_or_default()))
        .filter(|(code, _)| !code.is_empty() && *code != dimtype(kind))
        .map(|(code, name)| Dimension::new(kind, code, name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_a_customer() {
        let r = parse_read(
            &fixture("dimension-read-deb.xml"),
            DimensionKind::Customer,
            "get",
        )
        .unwrap();
        let d = r.dimension;
        assert_eq!(d.code, "1000");
        assert_eq!(d.name, "Garage Janssens");
        assert_eq!(d.country.unwrap().code(), "BE");
        assert_eq!(d.vat_number.as_deref(), Some("BE0123456789"));
        assert_eq!(d.email.as_deref(), Some("factuur@janssens.example"));
        assert_eq!(d.coc_number, None);
        assert_eq!(r.collective_account.as_deref(), Some("1300"));
    }

    #[test]
    fn lists_skip_the_pseudo_row() {
        let l = parse_list(&fixture("dimension-list-deb.xml"), DimensionKind::Customer).unwrap();
        assert_eq!(
            l.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            ["1000", "1001"]
        );
    }

    #[test]
    fn writes_every_field_and_round_trips() {
        let mut d = Dimension::customer("1000", "Garage Janssens", "BE".parse().unwrap());
        d.vat_number = Some("BE0123456789".into());
        let xml = write_request("NLA001", &d, None);
        assert_eq!(
            xml,
            "<dimension><office>NLA001</office><type>DEB</type><code>1000</code><name>Garage Janssens</name><addresses><address type=\"invoice\" default=\"true\"><name>Garage Janssens</name><country>BE</country><email></email><field4>BE0123456789</field4><field5></field5></address></addresses></dimension>"
        );
        let back = from_node(&parse_document(&xml).unwrap(), None).unwrap();
        assert_eq!(back.dimension, d);
    }

    #[test]
    fn a_missing_dimension_is_not_found() {
        let e = parse_read(
            r#"<dimension result="0"><office>X</office><type>DEB</type><code msgtype="error" msg="Dimensie 9 bestaat niet." result="0">9</code></dimension>"#,
            DimensionKind::Customer,
            "get",
        )
        .unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::NotFound);
    }
}
