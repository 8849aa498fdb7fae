//! Saved Exact Online payloads → the core model, offline: what the adapter makes of an OData
//! answer, for an adapter maintainer (`grootboek decode --vendor exact`).
//!
//! Every function takes the raw response body (verbose OData v2 JSON: `{"d":{"results":[…]}}`,
//! `{"d":[…]}` or a single entity `{"d":{…}}`) and maps it with the adapter's own readers in
//! [`crate::mapping`]; numbers never pass through `f64`, and nesting deeper than
//! [`MAX_DEPTH`](grootboek_core::json::MAX_DEPTH) levels is refused. An Exact error body
//! (`{"error":{"message":{"value":…}}}`) is refused with its message. A listing that continues on
//! a further page (`__next`) is decoded as far as the payload goes.
//!
//! What one payload cannot say, and how each function handles it:
//!
//! | kind | payload | missing from it | here |
//! |---|---|---|---|
//! | open items | `read/financial/ReceivablesList` | the original amount (the adapter reads `SalesEntries.AmountFC`) | [`open_items`]: `amount` = the open amount; [`open_items_with_entries`] takes the `SalesEntries` payload too |
//! | invoice / credit note | `salesentry/SalesEntries?$expand=SalesEntryLines` | the customer's code (`Customer` is a GUID) | the code from a `crm/Accounts` payload when given, else the GUID itself |
//! | invoice / credit note | (same) | line GL codes when only `GLAccount` GUIDs are selected | refused: select `GLAccountCode` |
//! | invoice / credit note | `salesinvoice/SalesInvoices?$expand=SalesInvoiceLines` | line GL codes (lines carry only the `GLAccount` GUID), the customer's code | codes from the saved payload given beside it (`financial/GLAccounts` or `crm/Accounts` rows: `ID` → `Code`), an unknown GL GUID refused; only processed invoices (`Status` 50); drafts refused |
//! | dimensions | `crm/Accounts`, `financial/GLAccounts` | — | accounts that are neither customer nor supplier are left out, as the adapter's listings leave them out |
//!
//! The division is not always in a payload: pass it, or let it be read from the rows' `Division`
//! field.

use std::collections::HashMap;

use grootboek_core::runtime::token::TokenSummary;
use grootboek_core::{
    Dimension, DimensionKind, DocumentKind, Error, ErrorKind, ItemOutcome, ItemStatus,
    ListedAdministration, OpenItem, PostedDocument, Result, Vendor, VendorProblem, WriteReport,
};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::mapping::{accounts, gl_accounts, receivables, sales_entries, sales_invoices};
use crate::odata::{self, Row};

fn exact_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message).with_vendor(Vendor::Exact)
}

/// `e` with the number of the row it came from.
fn at_row(n: usize, e: Error) -> Error {
    exact_error(e.kind().clone(), format!("row {}: {}", n + 1, e.message()))
}

/// The rows of a saved OData answer; an Exact error body is refused with its message.
fn rows(bytes: &[u8]) -> Result<Vec<Row>> {
    let v = odata::parse_json(bytes).map_err(|e| e.with_vendor(Vendor::Exact))?;
    if v.get("error").is_some() {
        let (code, message) = odata::parse_error(bytes);
        return Err(exact_error(
            ErrorKind::Protocol,
            format!(
                "the payload is an Exact error{}: {}",
                code.map(|c| format!(" ({c})")).unwrap_or_default(),
                message.unwrap_or_else(|| "(no message)".to_string())
            ),
        ));
    }
    bare_or_enveloped(v)
}

/// The rows of an answer in the OData `d` envelope, or bare (a JSON array of rows, or one row
/// object), as Exact's bulk and some older endpoints answer and as clients save them.
fn bare_or_enveloped(v: Value) -> Result<Vec<Row>> {
    if v.get("d").is_some() {
        return odata::page_of_owned(v)
            .map(|p| p.rows)
            .map_err(|e| e.with_vendor(Vendor::Exact));
    }
    match v {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(n, i)| match i {
                Value::Object(o) => Ok(o),
                _ => Err(exact_error(
                    ErrorKind::Protocol,
                    format!("row {} of the bare list is not an object", n + 1),
                )),
            })
            .collect(),
        Value::Object(o) if o.contains_key("results") => {
            odata::page_of_owned(serde_json::json!({ "d": o }))
                .map(|p| p.rows)
                .map_err(|e| e.with_vendor(Vendor::Exact))
        }
        Value::Object(o) => Ok(vec![o]),
        _ => Err(exact_error(
            ErrorKind::Protocol,
            "the payload is neither an OData envelope nor a row or a list of rows",
        )),
    }
}

/// Divisions from a saved `system/Divisions` or `hrm/Divisions` answer (enveloped or bare):
/// `Code`, `Description`, and `Country` / `Currency` when the answer carries them.
pub fn administrations(bytes: &[u8]) -> Result<Vec<ListedAdministration>> {
    rows(bytes)?
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let code = odata::string(r, "Code").ok_or_else(|| {
                at_row(
                    n,
                    exact_error(ErrorKind::Protocol, "a division without `Code`"),
                )
            })?;
            let name = odata::string(r, "Description").ok_or_else(|| {
                at_row(
                    n,
                    exact_error(ErrorKind::Protocol, "a division without `Description`"),
                )
            })?;
            let country = odata::string(r, "Country")
                .map(|c| c.parse())
                .transpose()
                .map_err(|e: Error| at_row(n, e))?;
            let currency = odata::string(r, "Currency")
                .map(|c| c.parse())
                .transpose()
                .map_err(|e: Error| at_row(n, e))?;
            Ok(ListedAdministration {
                code,
                name,
                country,
                currency,
            })
        })
        .collect()
}

/// A saved token response (`access_token`, `token_type`, `expires_in` as a number or a string,
/// `refresh_token`), described without a secret value.
pub fn token(bytes: &[u8]) -> Result<TokenSummary> {
    let v = odata::parse_json(bytes).map_err(|e| e.with_vendor(Vendor::Exact))?;
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        let description = v
            .get("error_description")
            .and_then(Value::as_str)
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(exact_error(
            ErrorKind::Protocol,
            format!("the payload is a token error: {e}{description}"),
        ));
    }
    let text = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let access = text("access_token").ok_or_else(|| {
        exact_error(
            ErrorKind::Protocol,
            "the token response has no `access_token`",
        )
    })?;
    let token_type = text("token_type").ok_or_else(|| {
        exact_error(
            ErrorKind::Protocol,
            "the token response has no `token_type`",
        )
    })?;
    let expires = text("expires_in").ok_or_else(|| {
        exact_error(
            ErrorKind::Protocol,
            "the token response has no `expires_in`",
        )
    })?;
    let expires_in_seconds = expires.trim().parse::<u64>().map_err(|_| {
        exact_error(
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
        metadata: Default::default(),
    })
}

/// A saved answer to a write: a created entity (`{"d":{…}}` or bare) is one applied item keyed
/// by its `EntryID`, `ID` or `Code`; an Exact error body is one refused item with its message.
/// Exact writes one entity per request, so there is never more than one item.
pub fn outcome(bytes: &[u8]) -> Result<WriteReport> {
    let v = odata::parse_json(bytes).map_err(|e| e.with_vendor(Vendor::Exact))?;
    if v.get("error").is_some() {
        let (code, message) = odata::parse_error(bytes);
        let message = message.ok_or_else(|| {
            exact_error(
                ErrorKind::Protocol,
                "an Exact error body without `error.message.value` or `error_description`",
            )
        })?;
        return Ok(WriteReport {
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
        });
    }
    let rows = bare_or_enveloped(v)?;
    let [row] = &rows[..] else {
        return Err(exact_error(
            ErrorKind::Protocol,
            format!("a write answer holds one entity, this one {}", rows.len()),
        ));
    };
    let key = ["EntryID", "ID", "Code"]
        .iter()
        .find_map(|k| odata::string(row, k))
        .ok_or_else(|| {
            exact_error(
                ErrorKind::Protocol,
                "the created entity names no `EntryID`, `ID` or `Code`",
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

/// The division: `division` when given, else the row's `Division` field, else the number after
/// `/api/v1/` in the row's `__metadata.uri`.
fn division_of(division: Option<&str>, row: &Row) -> Result<String> {
    if let Some(d) = division.map(str::trim).filter(|d| !d.is_empty()) {
        return Ok(d.to_string());
    }
    odata::string(row, "Division")
        .or_else(|| division_in_uri(row))
        .ok_or_else(|| {
            exact_error(
                ErrorKind::Validation,
                "the payload does not name the division (no `Division` field or `__metadata.uri`); pass the administration",
            )
        })
}

fn division_in_uri(row: &Row) -> Option<String> {
    let uri = row.get("__metadata")?.get("uri")?.as_str()?;
    let (_, rest) = uri.split_once("/api/v1/")?;
    let d = rest.split('/').next()?;
    (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.to_string())
}

/// Open items from a saved `read/financial/ReceivablesList` answer, in the division `division`
/// (or each row's `Division` when `None`).
///
/// The list holds what is still open (from cash, Q06) but not the entry's original amount, which
/// the adapter reads from `SalesEntries`: here each item's `amount` is its open amount. Use
/// [`open_items_with_entries`] with the `SalesEntries` answer for the original amounts.
pub fn open_items(receivables: &[u8], division: Option<&str>) -> Result<Vec<OpenItem>> {
    open_items_inner(receivables, &HashMap::new(), division)
}

/// Open items from a saved `ReceivablesList` answer, their original amounts (VAT included, signed
/// as Exact holds them) taken from a saved `salesentry/SalesEntries` answer selecting `EntryID`
/// and `AmountFC`, as the adapter does. An item whose entry is not in `sales_entries` keeps its
/// open amount as `amount`.
pub fn open_items_with_entries(
    receivables: &[u8],
    sales_entries: &[u8],
    division: Option<&str>,
) -> Result<Vec<OpenItem>> {
    let mut originals = HashMap::new();
    for (n, r) in rows(sales_entries)?.iter().enumerate() {
        let amount = odata::decimal(r, "AmountFC").map_err(|e| at_row(n, e))?;
        if let (Some(id), Some(amount)) = (odata::guid(r, "EntryID"), amount) {
            originals.insert(id, amount);
        }
    }
    if originals.is_empty() {
        return Err(exact_error(
            ErrorKind::Validation,
            "the SalesEntries payload has no row with `EntryID` and `AmountFC`",
        ));
    }
    open_items_inner(receivables, &originals, division)
}

fn open_items_inner(
    bytes: &[u8],
    originals: &HashMap<String, Decimal>,
    division: Option<&str>,
) -> Result<Vec<OpenItem>> {
    rows(bytes)?
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let division = division_of(division, r).map_err(|e| at_row(n, e))?;
            let original = odata::guid(r, "Id").and_then(|id| originals.get(&id).copied());
            receivables::from_wire(&division, r, original).map_err(|e| at_row(n, e))
        })
        .collect()
}

/// Sales invoices (`Type` 20) from a saved `salesentry/SalesEntries` answer with
/// `$expand=SalesEntryLines` (one entry or a listing), in the division `division` (or each row's
/// `Division`). `accounts`: a saved `crm/Accounts` answer to turn the `Customer` GUID into the
/// customer's code; without it (or when the account is not in it) the GUID stands for the code.
/// The payload may also be `salesinvoice/SalesInvoices` rows (see
/// [`crate::mapping::sales_invoices`]); their lines name GL accounts by GUID only, so `accounts`
/// is then a saved `financial/GLAccounts` answer.
///
/// Refused: an entry of another `Type`, lines not expanded inline or continued on a further page,
/// lines naming their GL account by GUID only (without `GLAccountCode`).
pub fn invoice(
    bytes: &[u8],
    division: Option<&str>,
    accounts: Option<&[u8]>,
) -> Result<Vec<PostedDocument>> {
    documents(bytes, division, accounts, DocumentKind::Invoice)
}

/// Sales credit notes (`Type` 21) from a saved `SalesEntries` answer; as [`invoice`]. The
/// negative wire amounts are read back as the core's positive line amounts.
pub fn credit_note(
    bytes: &[u8],
    division: Option<&str>,
    accounts: Option<&[u8]>,
) -> Result<Vec<PostedDocument>> {
    documents(bytes, division, accounts, DocumentKind::CreditNote)
}

fn customer_codes(accounts: Option<&[u8]>) -> Result<HashMap<String, String>> {
    let Some(bytes) = accounts else {
        return Ok(HashMap::new());
    };
    let mut out = HashMap::new();
    for r in rows(bytes)? {
        if let (Some(id), Some(code)) = (odata::guid(&r, "ID"), odata::string(&r, "Code")) {
            out.insert(id, code);
        }
    }
    Ok(out)
}

fn documents(
    bytes: &[u8],
    division: Option<&str>,
    accounts: Option<&[u8]>,
    expected: DocumentKind,
) -> Result<Vec<PostedDocument>> {
    let codes = customer_codes(accounts)?;
    let rows = rows(bytes)?;
    if rows.is_empty() {
        return Err(exact_error(
            ErrorKind::Validation,
            "the payload holds no sales entry",
        ));
    }
    rows.iter()
        .enumerate()
        .map(|(n, r)| {
            if sales_invoices::is_sales_invoice(r) {
                sales_invoice_document(r, division, &codes, expected)
            } else {
                document(r, division, &codes, expected)
            }
            .map_err(|e| at_row(n, e))
        })
        .collect()
}

/// A `salesinvoice/SalesInvoices` row (see [`sales_invoices`]) of the `expected` kind.
fn sales_invoice_document(
    row: &Row,
    division: Option<&str>,
    codes: &HashMap<String, String>,
    expected: DocumentKind,
) -> Result<PostedDocument> {
    let division = division_of(division, row)?;
    let posted = sales_invoices::from_row(row, &division, codes)?;
    if posted.document.kind != expected {
        return Err(exact_error(
            ErrorKind::Validation,
            format!(
                "sales invoice {} is {}, not {}",
                posted.document.reference,
                with_article(posted.document.kind),
                with_article(expected)
            ),
        ));
    }
    Ok(posted)
}

/// "an invoice" / "a credit note".
fn with_article(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "an invoice",
        DocumentKind::CreditNote => "a credit note",
    }
}

fn document(
    row: &Row,
    division: Option<&str>,
    codes: &HashMap<String, String>,
    expected: DocumentKind,
) -> Result<PostedDocument> {
    // The lines first: a payload without them says nothing about the document.
    let entry = odata::string(row, "EntryID").unwrap_or_else(|| "(no EntryID)".to_string());
    let line_rows = match sales_entries::lines_field(row)? {
        sales_entries::LinesField::Inline(rows, None) => rows,
        sales_entries::LinesField::Inline(_, Some(_)) => {
            return Err(exact_error(
                ErrorKind::Validation,
                format!(
                    "the lines of sales entry {} continue on a further page (`__next`); the payload holds only part of them",
                    entry
                ),
            ))
        }
        sales_entries::LinesField::Deferred(_) | sales_entries::LinesField::Absent => {
            return Err(exact_error(
                ErrorKind::Validation,
                format!(
                    "sales entry {} has no inline `SalesEntryLines`; save the answer of a request with `$expand=SalesEntryLines`",
                    entry
                ),
            ))
        }
    };
    let division = division_of(division, row)?;
    let header = sales_entries::header_from_row(row)?;
    let kind = sales_entries::kind_of(header.type_)?;
    if kind != expected {
        return Err(exact_error(
            ErrorKind::Validation,
            format!(
                "sales entry {} is {} (Type {}), not {}",
                header.entry_id,
                with_article(kind),
                header.type_,
                with_article(expected)
            ),
        ));
    }
    let lines = line_rows
        .iter()
        .map(sales_entries::line_from_row)
        .collect::<Result<Vec<_>>>()?;
    if lines.iter().any(|l| l.gl_account_code.is_none()) {
        return Err(exact_error(
            ErrorKind::Validation,
            format!(
                "a line of sales entry {} names its GL account by GUID only; the code needs `GLAccountCode` in the payload",
                header.entry_id
            ),
        ));
    }
    let customer = codes
        .get(&header.customer)
        .cloned()
        .unwrap_or_else(|| header.customer.clone());
    sales_entries::to_document(&division, &header, &lines, &customer, &HashMap::new())
}

/// Customers and suppliers from a saved `crm/Accounts` answer, or balance-sheet and P&L
/// accounts from a saved `financial/GLAccounts` answer (told apart per row by `BalanceType` or
/// the `__metadata` type). An account that is both customer and supplier gives two dimensions;
/// one that is neither (a prospect, a lead) is left out.
pub fn dimension(bytes: &[u8]) -> Result<Vec<Dimension>> {
    let mut out = Vec::new();
    for (n, r) in rows(bytes)?.iter().enumerate() {
        if is_gl_account(r) {
            out.push(gl_accounts::from_wire(r).map_err(|e| at_row(n, e))?);
            continue;
        }
        for kind in [DimensionKind::Customer, DimensionKind::Supplier] {
            if accounts::is_kind(r, kind) {
                out.push(accounts::from_wire(r, kind).map_err(|e| at_row(n, e))?);
            }
        }
    }
    Ok(out)
}

fn is_gl_account(row: &Row) -> bool {
    let type_name = row
        .get("__metadata")
        .and_then(|m| m.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    type_name.ends_with(".GLAccount") || row.contains_key("BalanceType")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/exact/{name}",
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

    /// Payloads saved bare: a ReceivablesList array (a part-paid item keeps its open amount) and
    /// a sales entry whose lines are a bare array (two VAT rates, a discount line).
    #[test]
    fn bare_receivables_and_a_bare_entry_with_bare_lines() {
        let items = open_items(&shared("receivables_bare_array.json"), None).unwrap();
        let got: Vec<_> = items
            .iter()
            .map(|i| {
                (
                    i.reference.as_str(),
                    i.relation.as_str(),
                    i.open_amount.amount,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("GBTEST-0027", "40", dec!(71)),
                ("GBTEST-0031", "40", dec!(200.78))
            ]
        );
        assert!(items
            .iter()
            .all(|i| i.entry.as_ref().unwrap().administration == "123456"));
        let docs = invoice(&shared("sales_entry_bare_lines_array.json"), None, None).unwrap();
        let lines: Vec<_> = docs[0]
            .document
            .lines
            .iter()
            .map(|l| (l.account.as_str(), l.net_amount, l.vat_amount, l.vat_rate))
            .collect();
        assert_eq!(
            lines,
            [
                ("8010", dec!(180), dec!(16.2), dec!(9)),
                ("8000", dec!(20), dec!(4.2), dec!(21)),
                ("8010", dec!(-18), dec!(-1.62), dec!(9))
            ]
        );
        assert_eq!(docs[0].document.gross_total().amount, dec!(200.78));
        assert_eq!(docs[0].document.reference, "GBTEST-0031");
        let with_entries = open_items_with_entries(
            &shared("receivables_bare_array.json"),
            &shared("sales_entry_bare_lines_array.json"),
            None,
        )
        .unwrap();
        assert_eq!(with_entries[1].amount.amount, dec!(200.78));
    }

    /// `salesinvoice/SalesInvoices` with inline lines: a processed invoice reads with its lines'
    /// GL codes from a saved GLAccounts answer, the discount line negative, exact VAT; without
    /// the codes, with deferred lines, or as a draft it is refused, each naming why.
    #[test]
    fn sales_invoices_with_their_lines() {
        let gl = shared("glaccount_single.json");
        let docs = invoice(&shared("sales_invoices_with_lines.json"), None, Some(&gl)).unwrap();
        let [p] = &docs[..] else {
            panic!("one document: {docs:?}")
        };
        assert_eq!(p.id.administration, "123456");
        assert_eq!(p.id.journal, "70");
        assert_eq!(p.id.key, "5b7c2e1a-8d3f-4c6b-9a0e-1f2d3c4b5a69");
        assert_eq!(p.document.reference, "PO-8812");
        assert_eq!(p.document.customer, "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64");
        assert_eq!(
            p.document.date,
            NaiveDate::from_ymd_opt(2026, 5, 12).unwrap()
        );
        assert_eq!(p.document.due_date, NaiveDate::from_ymd_opt(2026, 6, 11));
        let lines: Vec<_> = p
            .document
            .lines
            .iter()
            .map(|l| (l.account.as_str(), l.net_amount, l.vat_amount, l.vat_rate))
            .collect();
        assert_eq!(
            lines,
            [
                ("8000", dec!(125), dec!(26.25), dec!(21)),
                ("8000", dec!(-10), dec!(-2.1), dec!(21))
            ]
        );
        assert_eq!(p.document.gross_total().amount, dec!(139.15));
        assert_eq!(p.document.lines[0].vat_code.as_deref(), Some("2"));

        let e = invoice(&shared("sales_invoices_with_lines.json"), None, None).unwrap_err();
        assert!(
            e.message().contains("GLAccount") && e.message().contains("8e2d4b61"),
            "{e}"
        );
        let e =
            credit_note(&shared("sales_invoices_with_lines.json"), None, Some(&gl)).unwrap_err();
        assert!(e.message().contains("not a credit note"), "{e}");
        let e = invoice(
            &shared("sales_invoices_deferred_lines.json"),
            None,
            Some(&gl),
        )
        .unwrap_err();
        assert!(e.message().contains("$expand=SalesInvoiceLines"), "{e}");
        let draft = String::from_utf8(shared("sales_invoices_with_lines.json"))
            .unwrap()
            .replace("\"Status\": 50", "\"Status\": 10");
        let e = invoice(draft.as_bytes(), None, Some(&gl)).unwrap_err();
        assert!(e.message().contains("Status 10"), "{e}");
        let no_vat = String::from_utf8(shared("sales_invoices_with_lines.json"))
            .unwrap()
            .replacen("\"VATAmountFC\": 26.25,", "", 1);
        let e = invoice(no_vat.as_bytes(), None, Some(&gl)).unwrap_err();
        assert!(e.message().contains("`VATAmountFC`"), "{e}");

        // A sales entry saved bare (no `d` envelope) reads as the enveloped one.
        assert_eq!(
            invoice(&shared("sales_entry_bare.json"), None, None).unwrap(),
            invoice(&shared("sales_entry_expanded.json"), None, None).unwrap()
        );
    }

    #[test]
    fn open_items_from_the_receivables_list() {
        let items = open_items(&shared("receivables_list.json"), None).unwrap();
        assert_eq!(items.len(), 1);
        let i = &items[0];
        assert_eq!(i.relation, "8");
        assert_eq!(i.reference, "PO-4711");
        assert_eq!(i.open_amount.amount, dec!(100));
        // Without the sales entry, the original amount is not in the payload.
        assert_eq!(i.amount.amount, dec!(100));
        assert_eq!(i.date, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        let id = i.entry.as_ref().unwrap();
        assert_eq!(id.administration, "123456");
        assert_eq!(id.journal, "70");
        assert_eq!(id.key, "9c0e5a3b-2f4d-4e6a-8b1c-0d2e3f4a5b6c");
        // An explicit division wins over the rows' `Division`.
        let other = open_items(&shared("receivables_list.json"), Some("7")).unwrap();
        assert_eq!(other[0].entry.as_ref().unwrap().administration, "7");
    }

    #[test]
    fn open_items_take_the_original_amount_from_the_sales_entry() {
        let items = open_items_with_entries(
            &shared("receivables_list.json"),
            &shared("sales_entry_expanded.json"),
            None,
        )
        .unwrap();
        assert_eq!(items[0].amount.amount, dec!(121));
        assert_eq!(items[0].open_amount.amount, dec!(100));
    }

    #[test]
    fn an_invoice_with_expanded_lines() {
        let docs = invoice(
            &shared("sales_entry_expanded.json"),
            None,
            Some(&shared("accounts_list.json")),
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0].document;
        assert_eq!(d.kind, DocumentKind::Invoice);
        assert_eq!(d.administration, "123456");
        assert_eq!(d.customer, "8");
        assert_eq!(d.reference, "PO-4711");
        assert_eq!(d.lines[0].account, "8000");
        assert_eq!(d.lines[0].net_amount, dec!(100));
        assert_eq!(d.lines[0].vat_rate, dec!(21));
        assert_eq!(d.lines[0].vat_code.as_deref(), Some("2"));
        assert_eq!(d.gross_total().amount, dec!(121));
        assert_eq!(docs[0].status.as_deref(), Some("20"));
        // Without the accounts payload the customer GUID stands for the code.
        let bare = invoice(&shared("sales_entry_expanded.json"), None, None).unwrap();
        assert_eq!(
            bare[0].document.customer,
            "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64"
        );
    }

    #[test]
    fn the_kind_must_match_the_entry_type() {
        let e = credit_note(&shared("sales_entry_expanded.json"), None, None).unwrap_err();
        assert!(
            e.message()
                .contains("is an invoice (Type 20), not a credit note"),
            "{e}"
        );
        let e = invoice(&own("sales_entry_credit_note.json"), Some("499156"), None).unwrap_err();
        assert!(e.message().contains("Type 21"), "{e}");
    }

    #[test]
    fn a_credit_note_needs_line_gl_codes() {
        // The adapter's own fixture names the line's GL account by GUID only.
        let e =
            credit_note(&own("sales_entry_credit_note.json"), Some("499156"), None).unwrap_err();
        assert!(e.message().contains("GLAccountCode"), "{e}");
    }

    #[test]
    fn deferred_lines_are_refused() {
        let e = invoice(&shared("sales_entries_deferred_select.json"), None, None).unwrap_err();
        assert!(e.message().contains("$expand=SalesEntryLines"), "{e}");
    }

    #[test]
    fn dimensions_from_accounts_and_gl_accounts() {
        let d = dimension(&shared("accounts_list.json")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DimensionKind::Customer);
        assert_eq!(d[0].code, "8");
        assert_eq!(d[0].country.unwrap().code(), "NL");
        assert_eq!(d[0].vat_number.as_deref(), Some("NL001234567B01"));
        let gl = dimension(&shared("glaccount_single.json")).unwrap();
        assert_eq!(gl.len(), 1);
        assert_eq!(gl[0].kind, DimensionKind::ProfitAndLossAccount);
    }

    #[test]
    fn errors_and_garbage_are_refused() {
        let e = open_items(&shared("error_select_required.json"), Some("1")).unwrap_err();
        assert!(
            e.message().starts_with("the payload is an Exact error"),
            "{e}"
        );
        assert!(open_items(b"{\"d\":", Some("1")).is_err());
        assert!(open_items(b"<html/>", Some("1")).is_err());
        let e = open_items(br#"{"d":{"results":[{"Amount":1}]}}"#, None).unwrap_err();
        assert!(e.message().contains("division"), "{e}");
        let e = open_items(br#"{"d":{"results":[{"Amount":1}]}}"#, Some("1")).unwrap_err();
        assert!(e.message().starts_with("row 1: "), "{e}");
    }
}

#[cfg(test)]
mod issue18_tests {
    use super::*;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/exact/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn divisions_enveloped_and_bare() {
        let listed = administrations(&shared("system_divisions.json")).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].code, "123456");
        assert_eq!(listed[1].name, "De Vries Belgie BV");
        assert_eq!(
            listed[1].country.map(|c| c.to_string()).as_deref(),
            Some("BE")
        );
        let bare = administrations(&shared("hrm_divisions_bare.json")).unwrap();
        assert_eq!(
            bare.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
            ["123456", "777001"]
        );
        let e = administrations(br#"[{"Description":"no code"}]"#).unwrap_err();
        assert!(e.to_string().contains("`Code`"), "{e}");
    }

    #[test]
    fn tokens_without_their_secrets() {
        // The token endpoint's refusals are errors carrying Exact's own description.
        for (name, text) in [
            ("token_error_revoked.json", "invalid or empty chainId"),
            ("token_error_too_early.json", "access_token not expired"),
            (
                "token_error_old_refresh_token.json",
                "Old refresh token used",
            ),
        ] {
            let e = token(&shared(name)).unwrap_err();
            assert!(e.to_string().contains(text), "{name}: {e}");
        }
        let t = token(&shared("token_response.json")).unwrap();
        assert_eq!(t.expires_in_seconds, Some(600));
        assert!(t.has_refresh_token && t.access_token_chars > 0);
        let n = token(
            br#"{"access_token":"abc","token_type":"bearer","expires_in":600,"refresh_token":"r"}"#,
        )
        .unwrap();
        assert_eq!(n.expires_in_seconds, Some(600));
        let shown = serde_json::to_string(&n).unwrap();
        assert!(
            !shown.contains("abc") && !shown.contains("\"r\""),
            "{shown}"
        );
        let e = token(br#"{"access_token":"abc","token_type":"bearer"}"#).unwrap_err();
        assert!(e.to_string().contains("expires_in"), "{e}");
    }

    #[test]
    fn write_answers_applied_or_refused() {
        let created = outcome(br#"{"d":{"__metadata":{"uri":"x"},"EntryID":"5f0c8f4e-3d1a-4b8e-9a41-7c2d6e0b1a17","EntryNumber":26700001}}"#).unwrap();
        assert_eq!(created.items[0].status, ItemStatus::Applied);
        assert_eq!(
            created.items[0].key.as_deref(),
            Some("5f0c8f4e-3d1a-4b8e-9a41-7c2d6e0b1a17")
        );
        let refused = outcome(
            br#"{"error":{"code":"","message":{"lang":"","value":"Dagboek: 99 - Bestaat niet"}}}"#,
        )
        .unwrap();
        assert_eq!(refused.items[0].status, ItemStatus::Refused);
        assert_eq!(
            refused.items[0].errors[0].message,
            "Dagboek: 99 - Bestaat niet"
        );
        assert!(!refused.all_applied());
        assert!(outcome(br#"{"d":{"Description":"no key"}}"#).is_err());
    }
}
