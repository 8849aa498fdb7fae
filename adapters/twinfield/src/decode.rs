//! Saved Twinfield payloads → the core model, offline: what the adapter makes of a ProcessXml
//! answer, for an adapter maintainer (`grootboek decode --vendor twinfield`).
//!
//! A payload is either the whole SOAP answer (`ProcessXmlStringResponse` with the result
//! document as escaped text, or a SOAP fault) or the result document alone. It is read with the
//! adapter's own XML reader ([`crate::xml`]: a `DOCTYPE`, an entity other than the five
//! predefined ones, or nesting deeper than [`MAX_DEPTH`](crate::xml::read::MAX_DEPTH) levels is
//! refused) and mapped with [`crate::mapping`]. A result document with
//! `result="0"` gives the vendor's message with its element path (T07); a SOAP fault gives the
//! fault's message.
//!
//! | kind | payload | notes |
//! |---|---|---|
//! | open items | browse `<columns code="100">` result (`<browse>`) | only open relation lines, decided from `openbasevaluesigned` (Q06); amounts in EUR unless a row names its currency; a row without `<key>` takes the office passed in |
//! | invoice / credit note | transaction read (`<transaction>`, or `<transactions>` with several) | the VAT rate is derived from each line's `vatvalue` and `value` (the adapter uses the office's VAT table when it has it) |
//! | dimensions | dimension read (`<dimension>`) or list (`<dimensions type="DEB">`) | a list gives only codes and names |

use grootboek_core::{
    Currency, Dimension, DocumentKind, Error, ErrorKind, OpenItem, PostedDocument, Result, Vendor,
};

use crate::mapping::browse::{self, OpenRule};
use crate::mapping::errors::{fault_error, result_error};
use crate::mapping::{dimension as dimmap, kind_of, transaction as txmap};
use crate::xml::read::{Ev, Node, Pull};
use crate::xml::soap::{process_xml_reply, Reply};

const OPERATION: &str = "decode";

fn twinfield_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message).with_vendor(Vendor::Twinfield)
}

/// The name of the first element of `xml` (read with the adapter's reader, so a `DOCTYPE` is
/// refused here).
fn root_name(xml: &[u8]) -> Result<String> {
    let mut p = Pull::new(xml);
    loop {
        match p.next_event()? {
            Some(Ev::Start(name, _)) => return Ok(name),
            Some(_) => continue,
            None => {
                return Err(twinfield_error(
                    ErrorKind::Protocol,
                    "the payload holds no XML element",
                ))
            }
        }
    }
}

/// The ProcessXml result document of a payload: unwrapped from a SOAP answer, or the payload
/// itself. A SOAP fault is an error.
pub fn result_document(bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    if root_name(bytes)? == "Envelope" {
        return match process_xml_reply(bytes)? {
            Reply::Ok(doc) => Ok(doc),
            // The HTTP status is not in a saved body; 500 is what Twinfield sends with a fault.
            Reply::Fault(f) => Err(fault_error(500, &f, OPERATION)),
        };
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| twinfield_error(ErrorKind::Protocol, "the payload is not UTF-8 text"))
}

/// The result document parsed, refused when Twinfield answered `result="0"`, and checked to be
/// one of `expected` (element names).
fn parsed(bytes: &[u8], expected: &[&str], what: &str) -> Result<Node> {
    let xml = result_document(bytes)?;
    let doc = crate::xml::parse_document(&xml)?;
    if let Some(e) = result_error(&doc, OPERATION) {
        return Err(e);
    }
    if !expected.contains(&doc.name.as_str()) {
        return Err(twinfield_error(
            ErrorKind::Validation,
            format!(
                "a <{}> document is not {what} (expected <{}>)",
                doc.name,
                expected.join("> or <")
            ),
        ));
    }
    Ok(doc)
}

/// Open items from a saved browse result (`<columns code="100">`, customer transactions), the
/// way the adapter lists them: only relation lines with an amount still open, decided from
/// `openbasevaluesigned`, never from `matchstatus` (Q06). `office` names the office of rows
/// without a `<key>`; without it such rows have no entry.
pub fn open_items(bytes: &[u8], office: Option<&str>) -> Result<Vec<OpenItem>> {
    let xml = result_document(bytes)?;
    let root = root_name(xml.as_bytes())?;
    if root != "browse" {
        return Err(twinfield_error(
            ErrorKind::Validation,
            format!("a <{root}> document is not a browse result (expected <browse>)"),
        ));
    }
    let mut items = Vec::new();
    browse::for_each_row(&xml, OPERATION, |row| {
        let item = browse::open_item(&row, office.unwrap_or(""), Currency::EUR, OpenRule::Amounts)?;
        if let Some(mut item) = item {
            if item
                .entry
                .as_ref()
                .is_some_and(|e| e.administration.is_empty())
            {
                item.entry = None;
            }
            items.push(item);
        }
        Ok(())
    })?;
    Ok(items)
}

/// Sales invoices from a saved transaction read (`<transaction>`, or `<transactions>` holding
/// several). A transaction whose total line makes it a credit note is refused, as is a child
/// Twinfield refused (`result="0"`). VAT rates come from the lines' amounts.
pub fn invoice(bytes: &[u8]) -> Result<Vec<PostedDocument>> {
    documents(bytes, DocumentKind::Invoice)
}

/// Sales credit notes from a saved transaction read; as [`invoice`].
pub fn credit_note(bytes: &[u8]) -> Result<Vec<PostedDocument>> {
    documents(bytes, DocumentKind::CreditNote)
}

fn with_article(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "an invoice",
        DocumentKind::CreditNote => "a credit note",
    }
}

fn documents(bytes: &[u8], expected: DocumentKind) -> Result<Vec<PostedDocument>> {
    let doc = parsed(
        bytes,
        &["transaction", "transactions"],
        "a transaction read",
    )?;
    let children: Vec<&Node> = if doc.name == "transaction" {
        vec![&doc]
    } else {
        doc.children_named("transaction").collect()
    };
    if children.is_empty() {
        return Err(twinfield_error(
            ErrorKind::Validation,
            "the <transactions> document holds no <transaction>",
        ));
    }
    let no_rates = |_: &str| None;
    children
        .into_iter()
        .map(|t| {
            if let Some(e) = result_error(t, OPERATION) {
                return Err(e);
            }
            let posted = txmap::from_node(t, &no_rates)?;
            if posted.document.kind != expected {
                return Err(twinfield_error(
                    ErrorKind::Validation,
                    format!(
                        "transaction {} is {}, not {}",
                        posted.id,
                        with_article(posted.document.kind),
                        with_article(expected)
                    ),
                ));
            }
            Ok(posted)
        })
        .collect()
}

/// Dimensions from a saved dimension read (`<dimension>`: code, name, country, VAT number,
/// e-mail and chamber-of-commerce number of the default address) or a dimensions list
/// (`<dimensions type="DEB">`: codes and names, the type's own pseudo-row left out).
pub fn dimension(bytes: &[u8]) -> Result<Vec<Dimension>> {
    let doc = parsed(
        bytes,
        &["dimension", "dimensions"],
        "a dimension read or list",
    )?;
    if doc.name == "dimension" {
        return Ok(vec![dimmap::from_node(&doc, None)?.dimension]);
    }
    let type_ = doc.attr("type").unwrap_or_default();
    let kind = kind_of(type_).ok_or_else(|| {
        twinfield_error(
            ErrorKind::Validation,
            format!("the dimensions list has type `{type_}`, not one the adapter reads"),
        )
    })?;
    let xml = result_document(bytes)?;
    dimmap::parse_list(&xml, kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/twinfield/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn own(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// A result document wrapped in the SOAP answer, escaped as Twinfield sends it.
    fn in_envelope(doc: &[u8]) -> Vec<u8> {
        let escaped = String::from_utf8(doc.to_vec())
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ProcessXmlStringResponse xmlns="http://www.twinfield.com/"><ProcessXmlStringResult>{escaped}</ProcessXmlStringResult></ProcessXmlStringResponse></soap:Body></soap:Envelope>"#
        )
        .into_bytes()
    }

    #[test]
    fn q06_open_items_from_a_browse_bare_and_in_its_envelope() {
        for bytes in [own("browse-100.xml"), in_envelope(&own("browse-100.xml"))] {
            let items = open_items(&bytes, None).unwrap();
            // The third row is paid (0.00 open); the second reads `matched` but 60.50 is open.
            assert_eq!(items.len(), 2);
            assert_eq!(items[0].relation, "1000");
            assert_eq!(items[0].reference, "F2026-001");
            assert_eq!(items[0].amount.amount, dec!(121.00));
            assert_eq!(items[1].open_amount.amount, dec!(60.50));
            let id = items[1].entry.as_ref().unwrap();
            assert_eq!(
                (
                    id.administration.as_str(),
                    id.journal.as_str(),
                    id.key.as_str()
                ),
                ("NLA001", "VRK", "202600002")
            );
        }
    }

    #[test]
    fn a_browse_without_relation_columns_has_no_open_items() {
        // The shared sample shows four columns only: no customer (`dim2`), so no open item.
        let items = open_items(&shared("browse-customer-lines.xml"), Some("NLA000001")).unwrap();
        assert!(items.is_empty());
    }

    #[test]
    fn invoices_from_transaction_reads() {
        let docs = invoice(&shared("transaction-sales-final.xml")).unwrap();
        assert_eq!(docs.len(), 1);
        let p = &docs[0];
        assert_eq!(p.id.administration, "NLA000001");
        assert_eq!(p.id.key, "202400001");
        assert_eq!(p.document.customer, "1000");
        assert_eq!(p.document.reference, "20240-6000");
        assert_eq!(p.document.lines.len(), 1);
        assert_eq!(p.document.lines[0].account, "8020");
        assert_eq!(p.document.lines[0].vat_rate, dec!(21));
        assert_eq!(p.document.gross_total().amount, dec!(121.00));
        assert_eq!(p.status.as_deref(), Some("final"));
        let single = invoice(&in_envelope(&own("transaction-read-vrk.xml"))).unwrap();
        assert_eq!(single[0].document.reference, "F2026-001");
        let e = credit_note(&own("transaction-read-vrk.xml")).unwrap_err();
        assert!(
            e.message().contains("is an invoice, not a credit note"),
            "{e}"
        );
    }

    #[test]
    fn a_refused_child_of_a_batch_is_an_error_with_its_path() {
        let e = invoice(&shared("transactions-batch-mixed.xml")).unwrap_err();
        assert!(e.to_string().contains("dim2"), "{e}");
    }

    #[test]
    fn dimensions_from_reads_and_lists() {
        let d = dimension(&shared("dimension-read-customer.xml")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "1000");
        assert_eq!(d[0].country.unwrap().code(), "NL");
        let l = dimension(&shared("dimensions-list-customers.xml")).unwrap();
        assert_eq!(
            l.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            ["1000", "1001"]
        );
        let e = dimension(&shared("dimension-read-not-found.xml")).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::NotFound);
        let e = dimension(&own("browse-100.xml")).unwrap_err();
        assert!(e.message().contains("<browse> document is not"), "{e}");
    }

    #[test]
    fn faults_doctypes_entities_and_garbage_are_refused() {
        let e = open_items(&shared("fault-token-invalid.xml"), None).unwrap_err();
        assert!(e.message().contains("Token invalid"), "{e}");
        let doctype = br#"<?xml version="1.0"?><!DOCTYPE browse [<!ENTITY x "boom">]><browse result="1">&x;</browse>"#;
        let e = open_items(doctype, None).unwrap_err();
        assert!(e.message().contains("DOCTYPE"), "{e}");
        let entity =
            br#"<browse result="1"><tr><td field="fin.trs.line.dim2">&x;</td></tr></browse>"#;
        let e = open_items(entity, None).unwrap_err();
        assert!(e.message().contains("entit"), "{e}");
        assert!(open_items(b"<browse><tr>", None).is_err());
        assert!(open_items(b"{\"d\":[]}", None).is_err());
        assert!(invoice(&[0xff, 0xfe, 0x00]).is_err());
    }
}
