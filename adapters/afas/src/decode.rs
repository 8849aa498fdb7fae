//! Saved AFAS Profit payloads → the core model, offline: what the adapter makes of a
//! GetConnector answer, for an adapter maintainer (`grootboek decode --vendor afas`).
//!
//! Every function takes a GetConnector answer `{"skip","take","rows":[…]}`, read leniently as
//! the adapter reads it ([`crate::wire::json`]: Profit 6 decimals like `-.5` are exact, numbers
//! never pass through `f64`; nesting deeper than
//! [`MAX_DEPTH`](grootboek_core::json::MAX_DEPTH) levels is refused), and maps its rows with [`crate::mapping`]. An AFAS error body
//! (`externalMessage`, `errorNumber`, `profitLogReference`) is refused with its message.
//!
//! | kind | connector | notes |
//! |---|---|---|
//! | open items | open items (`Profit_Debtor_Invoices`) | amounts in EUR (the adapter uses its configured currency); no entry id (the connector names none) |
//! | invoice / credit note | transactions (`Profit_Transactions`), rows of one or more entries | VAT rates and the pairing of each revenue row with its VAT row need the administration's VAT codes (`Profit_VAT_code` answer); without them each VAT row reads as a line of its own at rate 0. The due date comes from the debtor row only (the adapter may also read the open item) |
//! | dimensions | debtors (`Profit_Debtor`) or ledger accounts (`Profit_Accounts`) | told apart per row by `DebtorId` / `Account` |

use std::collections::BTreeMap;

use grootboek_core::runtime::token::TokenSummary;
use grootboek_core::{
    Currency, Dimension, DocumentKind, EntryId, Error, ErrorKind, ItemOutcome, ItemStatus,
    ListedAdministration, OpenItem, PostedDocument, Result, Vendor, VendorProblem, WriteReport,
};
use serde_json::Value;

use crate::mapping::debtor::debtor_from_row;
use crate::mapping::entry::{document_from_transactions, ReadContext};
use crate::mapping::open_item::open_item_from_row;
use crate::mapping::reference::{account_from_row, vat_code_from_row, AfasVatCode};
use crate::wire::json::parse_lenient;
use crate::wire::row::Row;

fn afas_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message).with_vendor(Vendor::Afas)
}

/// `e` with the number of the row it came from.
fn at_row(n: usize, e: Error) -> Error {
    afas_error(e.kind().clone(), format!("row {}: {}", n + 1, e.message()))
}

/// The rows of a saved GetConnector answer; an AFAS error body is refused with its message.
pub fn rows(bytes: &[u8]) -> Result<Vec<Row>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| afas_error(ErrorKind::Protocol, "the payload is not UTF-8 text"))?;
    let v = parse_lenient(text).map_err(|e| e.with_vendor(Vendor::Afas))?;
    let Value::Object(m) = &v else {
        return Err(afas_error(
            ErrorKind::Protocol,
            "the payload is not a GetConnector answer (a JSON object with `rows`)",
        ));
    };
    if let Some(msg) = m.get("externalMessage").and_then(Value::as_str) {
        let number = m
            .get("errorNumber")
            .and_then(Value::as_str)
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        return Err(afas_error(
            ErrorKind::Protocol,
            format!("the payload is an AFAS error{number}: {msg}"),
        ));
    }
    // The other error shapes AFAS sends: `{"message": …}` and the maintenance body
    // `{"error":{"code","message"},"retry_after"}`.
    if m.contains_key("message") || m.contains_key("error") {
        let (vendor_error, retry_after) = crate::client::parse_error_body(0, text, None);
        let message = vendor_error
            .message
            .unwrap_or_else(|| "(no message)".to_string());
        let mut e = afas_error(
            ErrorKind::Protocol,
            format!("the payload is an AFAS error: {message}"),
        );
        if let Some(wait) = retry_after {
            e = e.with_retry_after(wait);
        }
        return Err(e);
    }
    let mut v = v;
    match v.get_mut("rows").map(Value::take) {
        Some(Value::Array(rows)) => rows
            .into_iter()
            .enumerate()
            .map(|(n, r)| match r {
                Value::Object(o) => Ok(Row(o)),
                _ => Err(afas_error(
                    ErrorKind::Protocol,
                    format!("row {} is not an object", n + 1),
                )),
            })
            .collect(),
        Some(_) => Err(afas_error(ErrorKind::Protocol, "`rows` is not a list")),
        None => Err(afas_error(
            ErrorKind::Protocol,
            "the payload is not a GetConnector answer (no `rows`)",
        )),
    }
}

/// The administration of a row (`UnitId` / `UnId`), when it names one.
fn unit_of(row: &Row) -> Option<String> {
    row.text_any(&["UnitId", "UnId"])
}

/// Open items from a saved open-items GetConnector answer (`Profit_Debtor_Invoices`): the open
/// amount is `Balance` (cash, Q06), the original `AmtInvoice`, both in EUR. With
/// `administration`, rows naming another administration (`UnitId`) are left out, as the
/// adapter's filter leaves them out.
pub fn open_items(bytes: &[u8], administration: Option<&str>) -> Result<Vec<OpenItem>> {
    let mut out = Vec::new();
    for (n, r) in rows(bytes)?.iter().enumerate() {
        if let (Some(want), Some(unit)) = (administration, unit_of(r)) {
            if unit != want.trim() {
                continue;
            }
        }
        out.push(open_item_from_row(r, Currency::EUR).map_err(|e| at_row(n, e))?);
    }
    Ok(out)
}

/// The VAT codes of a saved `Profit_VAT_code` answer.
pub fn vat_codes(bytes: &[u8]) -> Result<Vec<AfasVatCode>> {
    rows(bytes)?
        .iter()
        .enumerate()
        .map(|(n, r)| vat_code_from_row(r).map_err(|e| at_row(n, e)))
        .collect()
}

/// Sales invoices from a saved transactions GetConnector answer (`Profit_Transactions`), one per
/// entry (`JournalId` + `EntryNo`) in the rows, ordered by journal and entry number. The
/// administration is each row's `UnitId`, else `administration`; with both, rows of other
/// administrations are left out. `vat_codes`: a saved `Profit_VAT_code` answer (see the module
/// docs for what is missing without it). An entry that is a credit note is refused.
pub fn invoice(
    bytes: &[u8],
    administration: Option<&str>,
    vat_codes: Option<&[u8]>,
) -> Result<Vec<PostedDocument>> {
    documents(bytes, administration, vat_codes, DocumentKind::Invoice)
}

/// Sales credit notes from a saved transactions answer; as [`invoice`].
pub fn credit_note(
    bytes: &[u8],
    administration: Option<&str>,
    vat_codes: Option<&[u8]>,
) -> Result<Vec<PostedDocument>> {
    documents(bytes, administration, vat_codes, DocumentKind::CreditNote)
}

fn with_article(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "an invoice",
        DocumentKind::CreditNote => "a credit note",
    }
}

fn documents(
    bytes: &[u8],
    administration: Option<&str>,
    vat: Option<&[u8]>,
    expected: DocumentKind,
) -> Result<Vec<PostedDocument>> {
    let vat = match vat {
        Some(b) => vat_codes(b)?,
        None => Vec::new(),
    };
    let want = administration.map(str::trim).filter(|a| !a.is_empty());
    let all = rows(bytes)?;
    let count = all.len();
    let mut by_unit: BTreeMap<(String, String, String), Vec<Row>> = BTreeMap::new();
    for r in all {
        let unit = match (unit_of(&r), want) {
            (Some(u), Some(w)) if u != w => continue,
            (Some(u), _) => u,
            (None, Some(w)) => w.to_string(),
            (None, None) => {
                return Err(afas_error(
                    ErrorKind::Validation,
                    "a transaction row does not name its administration (`UnitId`); pass the administration",
                ))
            }
        };
        // Rows without `JournalId` and `EntryNo` belong to no entry, as in the adapter's grouping.
        if let (Some(journal), Some(entry)) = (r.text("JournalId"), r.text("EntryNo")) {
            by_unit.entry((unit, journal, entry)).or_default().push(r);
        }
    }
    if by_unit.is_empty() {
        return Err(afas_error(
            ErrorKind::Validation,
            if count == 0 {
                "the payload holds no transaction rows".to_string()
            } else {
                "no transaction row names its entry (`JournalId` and `EntryNo`) in this administration".to_string()
            },
        ));
    }
    let mut keys: Vec<_> = by_unit.into_iter().collect();
    // Entry numbers in numeric order where they are numbers.
    keys.sort_by(|((u1, j1, e1), _), ((u2, j2, e2), _)| {
        (u1, j1, e1.parse::<u64>().ok(), e1).cmp(&(u2, j2, e2.parse::<u64>().ok(), e2))
    });
    keys.into_iter()
        .map(|((unit, journal, entry), rows)| {
            let id = EntryId::new(Vendor::Afas, &unit, &journal, &entry);
            let posted = document_from_transactions(
                &id,
                &rows,
                &ReadContext {
                    vat: &vat,
                    open_item: None,
                    currency: Currency::EUR,
                },
            )?;
            if posted.document.kind != expected {
                return Err(afas_error(
                    ErrorKind::Validation,
                    format!(
                        "entry {id} is {}, not {}",
                        with_article(posted.document.kind),
                        with_article(expected)
                    ),
                ));
            }
            Ok(posted)
        })
        .collect()
}

/// Customers from a saved debtors answer (`Profit_Debtor`: AFAS country codes become ISO, `VatNr`
/// the VAT number), or balance-sheet and P&L accounts from a saved ledger-accounts answer
/// (`Profit_Accounts`).
pub fn dimension(bytes: &[u8]) -> Result<Vec<Dimension>> {
    rows(bytes)?
        .iter()
        .enumerate()
        .map(|(n, r)| {
            if r.text("DebtorId").is_some() {
                debtor_from_row(r).map(|d| d.dimension)
            } else if r.text("Account").is_some() {
                account_from_row(r)
            } else {
                Err(afas_error(
                    ErrorKind::Validation,
                    "neither a debtor (`DebtorId`) nor a ledger account (`Account`)",
                ))
            }
            .map_err(|e| at_row(n, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use grootboek_core::DimensionKind;
    use rust_decimal_macros::dec;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/afas/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// VAT code 1 (21 %) booked on account 1510, as the sales sample uses it.
    const VAT_CODES: &str = r#"{"skip":0,"take":100,"rows":[
        {"VatCode":"1","Description":"BTW hoog","VatPerc":21,"AccountNr":"1510","Blocked":false},
        {"VatCode":"0","Description":"Geen BTW","VatPerc":0,"AccountNr":null,"Blocked":false}]}"#;

    #[test]
    fn open_items_of_a_debtor() {
        let items = open_items(&shared("get_debtor_invoices_10001.json"), Some("1")).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].relation, "10001");
        assert_eq!(items[0].reference, "IH000101");
        assert_eq!(items[1].amount.amount, dec!(1113.56));
        assert_eq!(items[1].open_amount.amount, dec!(1113.56));
        assert_eq!(items[1].due_date.unwrap().to_string(), "2026-02-11");
        // Another administration's filter leaves them out.
        assert!(
            open_items(&shared("get_debtor_invoices_10001.json"), Some("2"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn legacy_decimals_read_exactly() {
        let items = open_items(&shared("get_debtor_invoices_legacy_decimal.txt"), None).unwrap();
        assert_eq!(items[0].open_amount.amount, dec!(-0.5));
    }

    #[test]
    fn an_invoice_from_its_transaction_rows() {
        let bytes = shared("transactions_sales_with_vat.json");
        let docs = invoice(&bytes, None, Some(VAT_CODES.as_bytes())).unwrap();
        assert_eq!(docs.len(), 1);
        let p = &docs[0];
        assert_eq!(
            (
                p.id.administration.as_str(),
                p.id.journal.as_str(),
                p.id.key.as_str()
            ),
            ("1", "10", "1")
        );
        let d = &p.document;
        assert_eq!(d.customer, "10001");
        assert_eq!(d.reference, "1");
        assert_eq!(d.due_date.unwrap().to_string(), "2026-03-01");
        assert_eq!(d.lines.len(), 1);
        assert_eq!(d.lines[0].account, "8000");
        assert_eq!(d.lines[0].net_amount, dec!(10000));
        assert_eq!(d.lines[0].vat_amount, dec!(2100));
        assert_eq!(d.lines[0].vat_rate, dec!(21));
        // Without the VAT codes the VAT row is a line of its own.
        let bare = invoice(&bytes, None, None).unwrap();
        assert_eq!(bare[0].document.lines.len(), 2);
        let e = credit_note(&bytes, None, None).unwrap_err();
        assert!(
            e.message().contains("is an invoice, not a credit note"),
            "{e}"
        );
        let e = invoice(&bytes, Some("2"), None).unwrap_err();
        assert!(e.message().contains("no transaction row"), "{e}");
    }

    #[test]
    fn debtors_as_customers() {
        let d = dimension(&shared("debtor_20010_readback.json")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DimensionKind::Customer);
        assert_eq!(d[0].code, "20010");
        assert_eq!(d[0].country.unwrap().code(), "BE");
        assert_eq!(d[0].vat_number.as_deref(), Some("BE0123456788"));
    }

    #[test]
    fn errors_and_other_shapes_are_refused() {
        let e = open_items(&shared("error_invalid_skip_take.json"), None).unwrap_err();
        assert!(
            e.message().starts_with("the payload is an AFAS error"),
            "{e}"
        );
        let e = open_items(&shared("fientries_sales_with_vat_response.json"), None).unwrap_err();
        assert!(e.message().contains("no `rows`"), "{e}");
        // Open-item rows name a debtor: they read as (thin) debtors, not as garbage.
        let thin = dimension(&shared("get_debtor_invoices_10001.json")).unwrap();
        assert_eq!(thin[0].code, "10001");
        let e = dimension(br#"{"rows":[{"X":1}]}"#).unwrap_err();
        assert!(e.message().starts_with("row 1: "), "{e}");
        assert!(open_items(b"{\"rows\":[", None).is_err());
        assert!(open_items(&[0xff, 0xfe], None).is_err());
        assert!(open_items(b"<x/>", None).is_err());
    }
}

/// Administrations from a saved administrations GetConnector answer (the connector the adapter
/// is configured with, rows with `AdminId` and `AdminNm` or `AdminCd`). The rows name neither
/// country nor currency: both are `None` (the adapter takes them from its configuration).
pub fn administrations(bytes: &[u8]) -> Result<Vec<ListedAdministration>> {
    rows(bytes)?
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let code = r
                .required_text("AdminId", "administration")
                .map_err(|e| at_row(n, e))?;
            let name = r.text_any(&["AdminNm", "AdminCd"]).ok_or_else(|| {
                at_row(
                    n,
                    afas_error(
                        ErrorKind::Protocol,
                        "AFAS administration row has neither `AdminNm` nor `AdminCd`",
                    ),
                )
            })?;
            Ok(ListedAdministration {
                code,
                name,
                country: None,
                currency: None,
            })
        })
        .collect()
}

/// An AFAS token — the XML `<token><version>1</version><data>…</data></token>`, or that XML
/// base64-encoded as it goes in the `Authorization: AfasToken …` header — described without
/// its data: a static token, no expiry, no refresh token.
pub fn token(bytes: &[u8]) -> Result<TokenSummary> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| afas_error(ErrorKind::Protocol, "the token is not UTF-8 text"))?
        .trim();
    let text = text.strip_prefix("AfasToken ").unwrap_or(text).trim();
    let xml = if text.starts_with('<') {
        text.to_string()
    } else {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| {
                afas_error(
                    ErrorKind::Protocol,
                    "the token is neither AfasToken XML nor its base64 encoding",
                )
            })?;
        String::from_utf8(raw)
            .map_err(|_| afas_error(ErrorKind::Protocol, "the decoded token is not text"))?
    };
    let element = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = xml.find(&open)? + open.len();
        let end = start + xml[start..].find(&close)?;
        Some(xml[start..end].trim().to_string())
    };
    if !xml.trim_start().starts_with("<token>") {
        return Err(afas_error(
            ErrorKind::Protocol,
            "an AfasToken is a `<token>` element",
        ));
    }
    let data = element("data")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| afas_error(ErrorKind::Protocol, "the AfasToken has no `<data>`"))?;
    let version = element("version")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| afas_error(ErrorKind::Protocol, "the AfasToken has no `<version>`"))?;
    Ok(TokenSummary {
        token_type: "AfasToken".to_string(),
        expires_in_seconds: None,
        access_token_chars: data.chars().count(),
        has_refresh_token: false,
        has_id_token: false,
        scope: None,
        metadata: [("version".to_string(), version)].into_iter().collect(),
    })
}

/// A saved UpdateConnector answer: `{"results":{"<Root>":{…keys…}}}` is one applied item keyed
/// by the first key it names (`EnNo`, `DbId`, `BcCo`, …); an error body
/// (`externalMessage` / `errorNumber` / `profitLogReference`, or `{"message": …}`) is one
/// refused item with the message, the number as code and the log reference kept.
pub fn outcome(bytes: &[u8]) -> Result<WriteReport> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| afas_error(ErrorKind::Protocol, "the payload is not UTF-8 text"))?;
    let v = parse_lenient(text).map_err(|e| e.with_vendor(Vendor::Afas))?;
    let Value::Object(m) = &v else {
        return Err(afas_error(
            ErrorKind::Protocol,
            "an UpdateConnector answer is a JSON object",
        ));
    };
    let str_of = |k: &str| -> Option<String> {
        match m.get(k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let refusal = |message: String, code: Option<String>, reference: Option<String>| {
        let message = match reference {
            Some(r) => format!("{message} (profitLogReference {r})"),
            None => message,
        };
        WriteReport {
            items: vec![ItemOutcome {
                index: 0,
                status: ItemStatus::Refused,
                key: None,
                errors: vec![VendorProblem {
                    location: None,
                    message,
                    code,
                }],
                warnings: Vec::new(),
            }],
            problems: Vec::new(),
        }
    };
    if let Some(message) = str_of("externalMessage") {
        return Ok(refusal(
            message,
            str_of("errorNumber"),
            str_of("profitLogReference"),
        ));
    }
    if let Some(message) = str_of("message") {
        return Ok(refusal(message, str_of("errorNumber"), None));
    }
    if m.contains_key("error") {
        let (vendor_error, _) = crate::client::parse_error_body(0, text, None);
        let message = vendor_error.message.ok_or_else(|| {
            afas_error(
                ErrorKind::Protocol,
                "an AFAS `error` object without a message",
            )
        })?;
        return Ok(refusal(message, vendor_error.code, None));
    }
    let results = match m.get("results") {
        Some(Value::Object(r)) => r,
        _ => {
            return Err(afas_error(
                ErrorKind::Protocol,
                "neither an UpdateConnector result (`results`) nor an AFAS error body \
                 (`externalMessage` or `message`)",
            ))
        }
    };
    let (root, keys) = results.iter().next().ok_or_else(|| {
        afas_error(
            ErrorKind::Protocol,
            "an UpdateConnector result with no object in `results`",
        )
    })?;
    let key = match keys {
        Value::Object(k) => k.values().find_map(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        _ => None,
    }
    .ok_or_else(|| {
        afas_error(
            ErrorKind::Protocol,
            format!("the `{root}` result names no key"),
        )
    })?;
    Ok(WriteReport {
        items: vec![ItemOutcome {
            index: 0,
            status: ItemStatus::Applied,
            key: Some(key),
            errors: Vec::new(),
            warnings: Vec::new(),
        }],
        problems: Vec::new(),
    })
}

#[cfg(test)]
mod issue18_tests {
    use super::*;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/afas/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn every_error_shape_is_refused_with_its_message_and_wait() {
        let e = rows(br#"{"message":"Connector niet geautoriseerd"}"#).unwrap_err();
        assert!(
            e.to_string().contains("Connector niet geautoriseerd"),
            "{e}"
        );
        let e = rows(&shared("error_message_only.json")).unwrap_err();
        assert!(e.to_string().contains("geen geldige JSON"), "{e}");
        let e = outcome(&shared("error_message_only.json"));
        assert!(
            e.as_ref().map_or_else(
                |e| e.to_string().contains("geen geldige JSON"),
                |r| format!("{r:?}").contains("geen geldige JSON")
            ),
            "{e:?}"
        );
        // The shape of `unavailable_503.json`, with values in place of its placeholders.
        let e = rows(br#"{"error":{"code":"503","message":"Onderhoud"},"retry_after":120}"#)
            .unwrap_err();
        assert_eq!(
            e.retry_after(),
            Some(std::time::Duration::from_secs(120)),
            "{e:?}"
        );
        assert!(e.to_string().contains("Onderhoud"), "{e}");
        let e = rows(&shared("error_invalid_skip_take.json")).unwrap_err();
        assert!(e.to_string().contains("AFAS error"), "{e}");
    }

    #[test]
    fn administrations_from_their_connector() {
        let a = administrations(br#"{"skip":0,"take":100,"rows":[{"AdminId":"1","AdminNm":"Bakkerij de Vries"},{"AdminId":"02","AdminCd":"ZUID"}]}"#).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].code, "02", "codes kept as stored (Q25)");
        assert_eq!(a[1].name, "ZUID");
        assert!(a[0].country.is_none() && a[0].currency.is_none());
        let e = administrations(br#"{"rows":[{"AdminId":"1"}]}"#).unwrap_err();
        assert!(e.to_string().contains("AdminNm"), "{e}");
    }

    #[test]
    fn tokens_as_xml_or_base64_without_their_data() {
        let xml =
            "<token><version>1</version><data>5EC2E7DA7A0123456789ABCDEF5EC2E7</data></token>";
        let t = token(xml.as_bytes()).unwrap();
        assert_eq!(t.token_type, "AfasToken");
        assert_eq!(t.expires_in_seconds, None);
        assert_eq!(t.access_token_chars, 32);
        assert_eq!(t.metadata.get("version").map(String::as_str), Some("1"));
        use base64::Engine as _;
        let header = format!(
            "AfasToken {}",
            base64::engine::general_purpose::STANDARD.encode(xml)
        );
        assert_eq!(token(header.as_bytes()).unwrap(), t);
        let shown = serde_json::to_string(&t).unwrap();
        assert!(!shown.contains("5EC2E7DA"), "{shown}");
        assert!(token(b"<token><version>1</version></token>").is_err());
    }

    #[test]
    fn update_connector_answers_and_every_error_shape() {
        let ok = outcome(&shared("fientries_sales_with_vat_response.json")).unwrap();
        assert_eq!(ok.items[0].status, ItemStatus::Applied);
        assert!(ok.items[0].key.is_some());
        let debtor = outcome(&shared("kn_sales_relation_org_post_response.json")).unwrap();
        assert_eq!(debtor.items[0].key.as_deref(), Some("20010"));
        let refused = outcome(&shared("error_invalid_skip_take.json")).unwrap();
        assert_eq!(refused.items[0].status, ItemStatus::Refused);
        assert!(refused.items[0].errors[0]
            .message
            .contains("profitLogReference"));
        let plain = outcome(br#"{"message":"Connector niet geautoriseerd"}"#).unwrap();
        assert_eq!(
            plain.items[0].errors[0].message,
            "Connector niet geautoriseerd"
        );
        let maintenance = outcome(&shared("unavailable_503.json")).unwrap();
        assert_eq!(maintenance.items[0].status, ItemStatus::Refused);
        let e = outcome(br#"{"something":"else"}"#).unwrap_err();
        assert!(e.to_string().contains("results"), "{e}");
    }
}
