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
//! | invoice / credit note | transaction read (`<transaction>`, or `<transactions>` with several) | the VAT rate is derived from each line's `vatvalue` and `value` (the adapter uses the office's VAT table when it has it); a transaction on a supplier (purchase) is refused |
//! | invoice / credit note | invoicing-module document (`<salesinvoice>`, or `<salesinvoices>`) | a final invoice is identified by its `<financials>` (day book, transaction number); a concept has none and is refused; the lines must add up to `totals/valueinc`; VAT rates from `<vatlines>` |
//! | dimensions | dimension read (`<dimension>`) or list (`<dimensions type="DEB">`) | a list gives only codes and names |

use grootboek_core::runtime::token::TokenSummary;
use grootboek_core::{
    Currency, Dimension, DimensionKind, DocumentKind, Error, ErrorKind, ItemOutcome, ItemStatus,
    ListedAdministration, OpenItem, PostedDocument, Result, Vendor, VendorProblem, WriteReport,
};

use crate::mapping::browse::{self, OpenRule};
use crate::mapping::errors::{element_errors, fault_error, result_error, succeeded};
use crate::mapping::{
    dimension as dimmap, kind_of, sales_invoice as invoicemap, transaction as txmap,
};
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
    let bytes = crate::xml::read::utf8_body(bytes)?;
    let bytes = bytes.as_ref();
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

/// Offices from a saved office list (`<list><type>offices</type></list>` answered with
/// `<offices><office name=… shortname=…>CODE</office></offices>`), UTF-8 or UTF-16 with its
/// byte-order mark. The list names neither country nor currency: both are `None`. Codes are
/// kept exactly as listed (Q25).
pub fn administrations(bytes: &[u8]) -> Result<Vec<ListedAdministration>> {
    let doc = parsed(bytes, &["offices"], "an office list")?;
    doc.children_named("office")
        .enumerate()
        .map(|(n, o)| {
            let code = o.text.trim();
            if code.is_empty() {
                return Err(twinfield_error(
                    ErrorKind::Protocol,
                    format!("office {} of the list has no code", n + 1),
                ));
            }
            let name = o.attr("name").filter(|s| !s.is_empty()).ok_or_else(|| {
                twinfield_error(
                    ErrorKind::Protocol,
                    format!("office {code} of the list has no `name`"),
                )
            })?;
            Ok(ListedAdministration {
                code: code.to_string(),
                name: name.to_string(),
                country: None,
                currency: None,
            })
        })
        .collect()
}

/// A saved token response of Twinfield's OpenID Connect server (`access_token`, `expires_in`,
/// `token_type`, `refresh_token`, `id_token`), or the access-token validation answer (its
/// `twf.clusterUrl` and `twf.organisationId` kept as metadata), described without a secret.
pub fn token(bytes: &[u8]) -> Result<TokenSummary> {
    let v: serde_json::Value = grootboek_core::json::parse_numbers_as_text(bytes)
        .map_err(|e| e.with_vendor(Vendor::Twinfield))?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
    if let Some(e) = text("error") {
        return Err(twinfield_error(
            ErrorKind::Protocol,
            format!("the payload is a token error: {e}"),
        ));
    }
    let mut metadata = std::collections::BTreeMap::new();
    for k in [
        "twf.clusterUrl",
        "twf.organisationId",
        "twf.organisationCode",
    ] {
        if let Some(val) = text(k) {
            metadata.insert(k.to_string(), val.to_string());
        }
    }
    if text("access_token").is_none() && !metadata.is_empty() {
        // The access-token validation answer: no secret in it, only what it says of the token.
        let expires = text("exp").and_then(|e| e.parse::<u64>().ok());
        return Ok(TokenSummary {
            token_type: "access token validation".to_string(),
            expires_in_seconds: None,
            access_token_chars: 0,
            has_refresh_token: false,
            has_id_token: false,
            scope: text("scope").map(str::to_string),
            metadata: metadata
                .into_iter()
                .chain(expires.map(|e| ("exp".to_string(), e.to_string())))
                .collect(),
        });
    }
    let access = text("access_token").ok_or_else(|| {
        twinfield_error(
            ErrorKind::Protocol,
            "the token response has no `access_token`",
        )
    })?;
    let token_type = text("token_type").ok_or_else(|| {
        twinfield_error(
            ErrorKind::Protocol,
            "the token response has no `token_type`",
        )
    })?;
    let expires = text("expires_in").ok_or_else(|| {
        twinfield_error(
            ErrorKind::Protocol,
            "the token response has no `expires_in`",
        )
    })?;
    let expires_in_seconds = expires.trim().parse::<u64>().map_err(|_| {
        twinfield_error(
            ErrorKind::Protocol,
            format!("`expires_in` `{expires}` is not a number of seconds"),
        )
    })?;
    Ok(TokenSummary {
        token_type: token_type.to_string(),
        expires_in_seconds: Some(expires_in_seconds),
        access_token_chars: access.chars().count(),
        has_refresh_token: text("refresh_token").is_some(),
        has_id_token: text("id_token").is_some(),
        scope: text("scope").map(str::to_string),
        metadata,
    })
}

/// A saved ProcessXml answer to a write, item by item: a batch (`<transactions>`,
/// `<dimensions>`, `<sets>`…) gives one item per child, a single document one item. Each item
/// is applied when its own `result` is not `0` — whatever the root says, so a booked item of a
/// `result="0"` batch stays applied — and carries its key (transaction number, dimension code,
/// match number of a `<set>`)
/// and every `msgtype` message below it with its element path. A SOAP fault is an error.
pub fn outcome(bytes: &[u8]) -> Result<WriteReport> {
    let xml = result_document(bytes)?;
    let doc = crate::xml::parse_document(&xml)?;
    let batch = doc.name.ends_with('s')
        && !doc.children.is_empty()
        && doc
            .children
            .iter()
            .all(|c| format!("{}s", c.name) == doc.name);
    let items: Vec<&Node> = if batch {
        doc.children.iter().collect()
    } else {
        vec![&doc]
    };
    let items = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let messages = element_errors(item);
            let problem = |e: &crate::mapping::errors::ElementError| VendorProblem {
                location: Some(e.path.clone()),
                message: e.msg.clone(),
                code: None,
            };
            let key = item
                .text_at("header/number")
                .or_else(|| item.text_of("code"))
                .or_else(|| item.text_of("number"))
                .or_else(|| item.text_of("matchnumber"))
                .map(str::to_string);
            ItemOutcome {
                index,
                status: if succeeded(item) {
                    ItemStatus::Applied
                } else {
                    ItemStatus::Refused
                },
                key,
                errors: messages
                    .iter()
                    .filter(|e| e.msgtype == "error")
                    .map(problem)
                    .collect(),
                warnings: messages
                    .iter()
                    .filter(|e| e.msgtype != "error")
                    .map(problem)
                    .collect(),
            }
        })
        .collect();
    Ok(WriteReport {
        items,
        problems: Vec::new(),
    })
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
/// several) or from invoicing-module documents (`<salesinvoice>`, `<salesinvoices>`; see
/// [`crate::mapping::sales_invoice`]). A document that is a credit note is refused, as is a
/// child Twinfield refused (`result="0"`). VAT rates come from the lines' amounts.
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
        &[
            "transaction",
            "transactions",
            "salesinvoice",
            "salesinvoices",
        ],
        "a transaction read or a sales invoice",
    )?;
    let child = if doc.name.starts_with("salesinvoice") {
        "salesinvoice"
    } else {
        "transaction"
    };
    let children: Vec<&Node> = if doc.name == child {
        vec![&doc]
    } else {
        doc.children_named(child).collect()
    };
    if children.is_empty() {
        return Err(twinfield_error(
            ErrorKind::Validation,
            format!("the <{}> document holds no <{child}>", doc.name),
        ));
    }
    let no_rates = |_: &str| None;
    children
        .into_iter()
        .map(|t| {
            if let Some(e) = result_error(t, OPERATION) {
                return Err(e);
            }
            let posted = if child == "salesinvoice" {
                invoicemap::from_node(t)?
            } else {
                txmap::from_node(t, &no_rates)?
            };
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
        &["dimension", "dimensions", "customers", "suppliers"],
        "a dimension read or list",
    )?;
    match doc.name.as_str() {
        "dimension" => return Ok(vec![dimmap::from_node(&doc, None)?.dimension]),
        "customers" => return full_records(&doc, DimensionKind::Customer),
        "suppliers" => return full_records(&doc, DimensionKind::Supplier),
        _ => {}
    }
    // The type is the list's `type` attribute; a list without it still ends with the pseudo-row
    // carrying the type code itself (an unnamed `<dimension>DEB</dimension>`), which names it.
    let pseudo_row = || {
        doc.children_named("dimension")
            .filter(|d| d.attr("name").unwrap_or_default().is_empty())
            .map(|d| d.text.trim())
            .find(|code| kind_of(code).is_some())
    };
    let type_ = match doc.attr("type").filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => pseudo_row().ok_or_else(|| {
            twinfield_error(
                ErrorKind::Protocol,
                "the dimensions list has no `type` attribute and no type pseudo-row: whose codes \
                 these are (customers, suppliers, accounts…) is unknown",
            )
        })?,
    };
    let kind = kind_of(type_).ok_or_else(|| {
        twinfield_error(
            ErrorKind::Validation,
            format!("the dimensions list has type `{type_}`, not one the adapter reads"),
        )
    })?;
    let xml = result_document(bytes)?;
    dimmap::parse_list(&xml, kind)
}

/// A `<customers>` or `<suppliers>` answer: whole `<dimension>` records, each with its own
/// `result`. A record Twinfield refused is an error naming its code and message; a record of
/// another type than the list's is refused rather than read as one.
fn full_records(doc: &Node, kind: DimensionKind) -> Result<Vec<Dimension>> {
    doc.children_named("dimension")
        .map(|record| {
            if let Some(e) = result_error(record, OPERATION) {
                let code = record.text_of("code").unwrap_or("(no code)");
                return Err(twinfield_error(
                    e.kind().clone(),
                    format!("<{}> record {code}: {}", doc.name, e.message()),
                ));
            }
            let read = dimmap::from_node(record, Some(kind))?;
            if read.dimension.kind != kind {
                return Err(twinfield_error(
                    ErrorKind::Validation,
                    format!(
                        "<{}> holds dimension {} of type {}",
                        doc.name,
                        read.dimension.code,
                        record.text_of("type").unwrap_or("?")
                    ),
                ));
            }
            Ok(read.dimension)
        })
        .collect()
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

    /// A transaction read with a discount line (booked the other way) reads it negative, and
    /// the document adds up to its total line; a dimensions list without a `type` attribute is
    /// named by its pseudo-row.
    #[test]
    fn a_discount_line_and_a_list_without_type_from_their_fixtures() {
        let docs = invoice(&shared("transaction-sales-discount-line.xml")).unwrap();
        let nets: Vec<_> = docs[0]
            .document
            .lines
            .iter()
            .map(|l| (l.net_amount, l.vat_amount))
            .collect();
        assert_eq!(
            nets,
            [(dec!(100.00), dec!(21.00)), (dec!(-10.00), dec!(-2.10))]
        );
        assert_eq!(docs[0].document.gross_total().amount, dec!(108.90));
        let suppliers = dimension(&shared("dimensions-list-without-type.xml")).unwrap();
        let codes: Vec<_> = suppliers
            .iter()
            .map(|d| (d.code.as_str(), d.kind))
            .collect();
        assert_eq!(
            codes,
            [
                ("2000", grootboek_core::DimensionKind::Supplier),
                ("2001", grootboek_core::DimensionKind::Supplier)
            ]
        );
    }

    /// Browse answers carry different amount columns: base values only, or transaction values
    /// only; each reads its real amounts (never 0.00), and a browse of supplier lines is refused
    /// rather than read as receivables.
    #[test]
    fn browse_variants_read_their_own_amount_columns_and_refuse_creditor_lines() {
        let amounts =
            |items: &[OpenItem]| -> Vec<(String, rust_decimal::Decimal, rust_decimal::Decimal)> {
                items
                    .iter()
                    .map(|i| (i.reference.clone(), i.amount.amount, i.open_amount.amount))
                    .collect()
            };
        let items = open_items(&shared("browse-open-items-basevalue.xml"), None).unwrap();
        assert_eq!(
            amounts(&items),
            [
                ("F-31".to_string(), dec!(242.00), dec!(242.00)),
                ("F-32".to_string(), dec!(605.00), dec!(105.00))
            ]
        );
        assert_eq!(items[1].relation, "1001");
        assert_eq!(items[0].entry.as_ref().unwrap().key, "202600031");

        let items = open_items(&shared("browse-open-items-openvalue-only.xml"), None).unwrap();
        assert_eq!(
            amounts(&items),
            [
                ("F-41".to_string(), dec!(121.00), dec!(121.00)),
                ("F-42".to_string(), dec!(-30.25), dec!(-30.25))
            ]
        );

        let e = open_items(&shared("browse-creditor-lines.xml"), None).unwrap_err();
        assert!(
            e.message().contains("supplier 2000") && e.message().contains("payable"),
            "{e}"
        );
    }

    /// Invoicing-module documents: a final one (with a discount line) reads with its ledger
    /// entry, exact amounts and signs, also inside the SOAP answer; a concept is refused.
    #[test]
    fn sales_invoice_documents_final_and_concept() {
        for bytes in [
            shared("salesinvoice-read-final.xml"),
            in_envelope(&shared("salesinvoice-read-final.xml")),
        ] {
            let docs = invoice(&bytes).unwrap();
            let [p] = &docs[..] else {
                panic!("one document: {docs:?}")
            };
            assert_eq!(
                (
                    p.id.administration.as_str(),
                    p.id.journal.as_str(),
                    p.id.key.as_str()
                ),
                ("NLA000001", "VRK", "202600018")
            );
            assert_eq!(p.document.reference, "18");
            assert_eq!(p.document.customer, "1000");
            assert_eq!(p.document.date.to_string(), "2026-05-12");
            assert_eq!(p.document.lines.len(), 2);
            assert_eq!(p.document.lines[1].net_amount, dec!(-5.00));
            assert_eq!(p.document.lines[1].vat_amount, dec!(-1.05));
            assert!(p.document.lines.iter().all(|l| l.account == "8020"));
            assert!(p.document.lines.iter().all(|l| l.vat_rate == dec!(21)));
            assert_eq!(p.document.net_total().amount, dec!(85.00));
            assert_eq!(p.document.gross_total().amount, dec!(102.85));
            assert_eq!(p.status.as_deref(), Some("final"));
        }
        let e = credit_note(&shared("salesinvoice-read-final.xml")).unwrap_err();
        assert!(e.message().contains("not a credit note"), "{e}");
        let e = invoice(&shared("salesinvoice-read-concept.xml")).unwrap_err();
        assert!(
            e.message().contains("concept") && e.message().contains("17"),
            "{e}"
        );
    }

    #[test]
    fn a_refused_child_of_a_batch_is_an_error_with_its_path() {
        let e = invoice(&shared("transactions-batch-mixed.xml")).unwrap_err();
        assert!(e.to_string().contains("dim2"), "{e}");
    }

    /// A `<customers>` answer of whole records: every record read, the VAT and
    /// chamber-of-commerce numbers from the address fields or from the dimension's own
    /// elements, country codes under display names; a refused record is an error naming it.
    #[test]
    fn customers_of_full_records_from_their_fixture() {
        let customers = dimension(&shared("customers-full-records.xml")).unwrap();
        let facts: Vec<_> = customers
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.kind,
                    d.country.as_ref().map(|c| c.code().to_string()),
                    d.vat_number.as_deref(),
                    d.coc_number.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            facts,
            [
                (
                    "1100",
                    DimensionKind::Customer,
                    Some("BE".to_string()),
                    Some("BE0999888777"),
                    None
                ),
                (
                    "1101",
                    DimensionKind::Customer,
                    Some("NL".to_string()),
                    Some("NL001122334B01"),
                    Some("01122334")
                ),
            ]
        );
        assert_eq!(customers[0].name, "Fietsenmakerij van Éck");
        let refused = String::from_utf8(shared("customers-full-records.xml"))
            .unwrap()
            .replacen(
                r#"<code>1101</code>"#,
                r#"<code msgtype="error" msg="Code is in gebruik." result="0">1101</code>"#,
                1,
            )
            .replacen(
                r#"<dimension status="active" result="1">
		<code msgtype"#,
                r#"<dimension status="active" result="0">
		<code msgtype"#,
                1,
            );
        let e = dimension(refused.as_bytes()).unwrap_err();
        assert!(
            e.message().contains("record 1101") && e.message().contains("Code is in gebruik"),
            "{e}"
        );
        let supplier_in_customers = String::from_utf8(shared("customers-full-records.xml"))
            .unwrap()
            .replacen(">DEB</type>", ">CRD</type>", 1);
        let e = dimension(supplier_in_customers.as_bytes()).unwrap_err();
        assert!(e.message().contains("dimension 1100 of type CRD"), "{e}");
    }

    /// A matching answer (`<set>`) is one applied item keyed by its match number; the same set
    /// refused on a line keeps that line's path and message.
    #[test]
    fn a_match_set_answer_is_an_outcome_with_its_match_number() {
        let report = outcome(&shared("match-set.xml")).unwrap();
        assert_eq!(report.items.len(), 1);
        assert_eq!(report.items[0].status, ItemStatus::Applied);
        assert_eq!(report.items[0].key.as_deref(), Some("1"));
        let refused = String::from_utf8(shared("match-set.xml"))
            .unwrap()
            .replacen(r#"<set result="1">"#, r#"<set result="0">"#, 1)
            .replacen(
                "<matchvalue>-121.00</matchvalue>",
                r#"<matchvalue msgtype="error" msg="Bedrag is groter dan het openstaande bedrag." result="0">-121.00</matchvalue>"#,
                1,
            );
        let report = outcome(refused.as_bytes()).unwrap();
        assert_eq!(report.items[0].status, ItemStatus::Refused);
        let errors = &report.items[0].errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .location
                .as_deref()
                .is_some_and(|l| l.contains("matchvalue")),
            "{errors:?}"
        );
    }

    /// A read whose dimensions carry `dimensiontype` instead of `type` decodes with its amounts
    /// and VAT; the same read on a supplier (`dimensiontype="CRD"`) is refused as a purchase
    /// document rather than read as a sales credit note.
    #[test]
    fn a_read_with_dimensiontype_attributes_is_told_sales_from_purchase() {
        let docs = invoice(&shared("transaction-sales-dimensiontype.xml")).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0].document;
        assert_eq!(d.customer, "1000");
        assert_eq!(
            d.lines
                .iter()
                .map(|l| (l.net_amount, l.vat_amount, l.vat_code.as_deref()))
                .collect::<Vec<_>>(),
            [(dec!(500.00), dec!(105.00), Some("VH"))]
        );
        assert_eq!(d.gross_total().amount, dec!(605.00));
        let purchase = String::from_utf8(shared("transaction-sales-dimensiontype.xml"))
            .unwrap()
            .replacen(r#"dimensiontype="DEB""#, r#"dimensiontype="CRD""#, 1);
        let e = invoice(purchase.as_bytes()).unwrap_err();
        assert!(e.message().contains("supplier"), "{e}");
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

#[cfg(test)]
mod issue18_tests {
    use super::*;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/twinfield/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn office_lists_in_utf8_and_utf16_keep_their_codes() {
        let utf8 = administrations(&shared("offices-list.xml")).unwrap();
        assert_eq!(utf8.len(), 2);
        assert_eq!(utf8[0].code, "NLA000001");
        let utf16 = administrations(&shared("offices-list-utf16.xml")).unwrap();
        assert_eq!(
            utf16.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
            ["NLA000001", "0110"],
            "UTF-16 read, and `0110` kept with its zero (Q25)"
        );
        assert_eq!(utf16[1].name, "Broodfabriek Zuid");
        assert!(utf16[0].country.is_none());
        // Big-endian too.
        let text = String::from_utf8(shared("offices-list.xml")).unwrap();
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(
            administrations(&be).unwrap(),
            administrations(&shared("offices-list.xml")).unwrap()
        );
        // An odd UTF-16 body is refused, not guessed.
        assert!(administrations(&[0xFF, 0xFE, b'<']).is_err());
    }

    #[test]
    fn tokens_and_the_validation_answer_without_secrets() {
        let t = token(&shared("oauth-token-response.json")).unwrap();
        assert!(t.access_token_chars > 0 && t.expires_in_seconds.is_some());
        let v = token(&shared("oauth-accesstokenvalidation.json")).unwrap();
        assert!(v.metadata.contains_key("twf.clusterUrl"), "{v:?}");
        assert_eq!(v.access_token_chars, 0);
        let e = token(br#"{"access_token":"a","token_type":"Bearer"}"#).unwrap_err();
        assert!(e.to_string().contains("expires_in"), "{e}");
    }

    #[test]
    fn a_failed_batch_keeps_its_booked_item_and_every_element_path() {
        let r = outcome(&shared("transactions-batch-several-errors.xml")).unwrap();
        assert_eq!(r.items.len(), 2);
        assert_eq!(
            r.items[0].status,
            ItemStatus::Applied,
            "booked under a result=\"0\" root"
        );
        assert_eq!(r.items[0].key.as_deref(), Some("202600077"));
        let refused = &r.items[1];
        assert_eq!(refused.status, ItemStatus::Refused);
        let paths: Vec<&str> = refused
            .errors
            .iter()
            .filter_map(|p| p.location.as_deref())
            .collect();
        assert_eq!(
            paths,
            [
                "transaction/lines/line[1]/dim2",
                "transaction/lines/line[2]/vatcode"
            ]
        );
        assert_eq!(refused.warnings.len(), 1);
        assert_eq!(
            refused.warnings[0].location.as_deref(),
            Some("transaction/header/duedate")
        );
        // The error of the whole document keeps every path too.
        let xml = String::from_utf8(shared("transactions-batch-several-errors.xml")).unwrap();
        let doc = crate::xml::parse_document(&xml).unwrap();
        let e = result_error(&doc.children[1], "t").unwrap();
        let problems = &e.vendor_error().unwrap().problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[1].message, "Btw-code XX is onbekend.");
    }
}

#[cfg(test)]
mod purchase_tests {
    use super::*;

    #[test]
    fn a_dimensions_list_without_type_is_named_by_its_pseudo_row_or_refused() {
        let without = br#"<dimensions office="NLA000001" result="1"><dimension name="Meelfabriek Noord" shortname="">2000</dimension><dimension name="" shortname="">CRD</dimension></dimensions>"#;
        let dims = dimension(without).unwrap();
        assert_eq!(dims.len(), 1);
        assert_eq!(dims[0].code, "2000");
        assert_eq!(dims[0].kind, grootboek_core::DimensionKind::Supplier);
        let e = dimension(
            br#"<dimensions result="1"><dimension name="X">2000</dimension></dimensions>"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`type`"), "{e}");
    }

    #[test]
    fn a_purchase_transaction_is_never_read_as_a_sales_document() {
        let bytes = std::fs::read(format!(
            "{}/../../fixtures/twinfield/transaction-purchase-read.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        for read in [invoice(&bytes), credit_note(&bytes)] {
            let e = read.unwrap_err();
            assert_eq!(*e.kind(), ErrorKind::Unsupported, "{e}");
            assert!(
                e.to_string().contains("purchase") && e.to_string().contains("CRD"),
                "{e}"
            );
        }
    }
}
