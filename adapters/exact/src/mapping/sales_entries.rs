//! `salesentry/SalesEntries` + `SalesEntryLines` ⇄ [`Invoice`](grootboek_core::Invoice) /
//! [`CreditNote`](grootboek_core::CreditNote).
//!
//! - `Type` 20 is an invoice, 21 a credit note.
//! - The core keeps line amounts positive on both kinds (the kind says which way they go);
//!   Exact wants credit-note amounts negative "when retrieved or posted" (reference §4.1), so the
//!   amounts of a Type 21 entry are negated in both directions.
//! - `VATPercentage` is a fraction (`0.21`); the core holds percentages (`21`).
//! - `YourRef` carries the document reference; `Customer` and `GLAccount` are GUIDs, resolved
//!   from and to codes by the ledger.

use std::collections::HashMap;

use chrono::NaiveDate;
use grootboek_core::json::{JsonObject, JsonOut};
use grootboek_core::{
    Currency, DocumentKind, DocumentPatch, EntryId, Error, Patch, PostedDocument, Result,
    SalesDocument, SalesLine, Vendor,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::mapping::{fraction_of_percentage, percentage_of_fraction};
use crate::odata::{self, json_number, write_date, Row};

/// `Type` of a sales invoice entry.
pub const TYPE_INVOICE: i64 = 20;
/// `Type` of a sales credit note entry.
pub const TYPE_CREDIT_NOTE: i64 = 21;

/// The header fields read.
pub const HEADER_SELECT: &[&str] = &[
    "EntryID",
    "EntryNumber",
    "InvoiceNumber",
    "Type",
    "Journal",
    "Customer",
    "YourRef",
    "Description",
    "EntryDate",
    "DueDate",
    "Currency",
    "Status",
];

/// The line fields read.
pub const LINE_SELECT: &[&str] = &[
    "ID",
    "EntryID",
    "LineNumber",
    "GLAccount",
    "GLAccountCode",
    "AmountFC",
    "VATCode",
    "VATPercentage",
    "VATAmountFC",
    "Description",
];

/// Header and line fields for one request with `$expand=SalesEntryLines`.
pub const EXPANDED_SELECT: &[&str] = &[
    "EntryID",
    "EntryNumber",
    "InvoiceNumber",
    "Type",
    "Journal",
    "Customer",
    "YourRef",
    "Description",
    "EntryDate",
    "DueDate",
    "Currency",
    "Status",
    "SalesEntryLines/ID",
    "SalesEntryLines/LineNumber",
    "SalesEntryLines/GLAccount",
    "SalesEntryLines/GLAccountCode",
    "SalesEntryLines/AmountFC",
    "SalesEntryLines/VATCode",
    "SalesEntryLines/VATPercentage",
    "SalesEntryLines/VATAmountFC",
    "SalesEntryLines/Description",
];

/// The `Type` of a document kind.
pub fn type_of(kind: DocumentKind) -> i64 {
    match kind {
        DocumentKind::Invoice => TYPE_INVOICE,
        DocumentKind::CreditNote => TYPE_CREDIT_NOTE,
    }
}

/// The document kind of a `Type`.
pub fn kind_of(type_: i64) -> Result<DocumentKind> {
    match type_ {
        TYPE_INVOICE => Ok(DocumentKind::Invoice),
        TYPE_CREDIT_NOTE => Ok(DocumentKind::CreditNote),
        other => Err(Error::protocol(format!(
            "sales entry of Type {other}, neither an invoice (20) nor a credit note (21)"
        ))),
    }
}

/// A sales entry header as read.
#[derive(Debug, Clone, PartialEq)]
pub struct WireEntry {
    /// `EntryID`.
    pub entry_id: String,
    /// `Type` (20 / 21).
    pub type_: i64,
    /// `Journal` code.
    pub journal: String,
    /// `Customer` GUID.
    pub customer: String,
    /// `YourRef`.
    pub your_ref: Option<String>,
    /// `InvoiceNumber`.
    pub invoice_number: Option<i64>,
    /// `EntryNumber`.
    pub entry_number: Option<i64>,
    /// `Description`.
    pub description: Option<String>,
    /// `EntryDate`.
    pub entry_date: NaiveDate,
    /// `DueDate`.
    pub due_date: Option<NaiveDate>,
    /// `Currency`.
    pub currency: Currency,
    /// `Status` (20 open, 50 processed).
    pub status: Option<i64>,
}

impl WireEntry {
    /// The document reference: `YourRef`, else the invoice or entry number.
    pub fn reference(&self) -> String {
        self.your_ref
            .clone()
            .or_else(|| self.invoice_number.map(|n| n.to_string()))
            .or_else(|| self.entry_number.map(|n| n.to_string()))
            .unwrap_or_default()
    }
}

/// Read a header.
pub fn header_from_row(row: &Row) -> Result<WireEntry> {
    let entry_id = odata::guid(row, "EntryID")
        .ok_or_else(|| Error::protocol("Exact returned a sales entry without `EntryID`"))?;
    let type_ = odata::integer(row, "Type")
        .ok_or_else(|| Error::protocol(format!("sales entry {entry_id} has no `Type`")))?;
    let currency = match odata::string(row, "Currency") {
        Some(c) => c.parse()?,
        None => Currency::EUR,
    };
    Ok(WireEntry {
        journal: odata::required_string(row, "Journal", "sales entry")?,
        customer: odata::guid(row, "Customer").unwrap_or_default(),
        your_ref: odata::string(row, "YourRef"),
        invoice_number: odata::integer(row, "InvoiceNumber"),
        entry_number: odata::integer(row, "EntryNumber"),
        description: odata::string(row, "Description"),
        entry_date: odata::date(row, "EntryDate")?
            .ok_or_else(|| Error::protocol(format!("sales entry {entry_id} has no `EntryDate`")))?,
        due_date: odata::date(row, "DueDate")?,
        currency,
        status: odata::integer(row, "Status"),
        entry_id,
        type_,
    })
}

/// A sales entry line as read.
#[derive(Debug, Clone, PartialEq)]
pub struct WireLine {
    /// `LineNumber`.
    pub line_number: Option<i64>,
    /// `GLAccount` GUID.
    pub gl_account: Option<String>,
    /// `GLAccountCode`, when Exact sends it.
    pub gl_account_code: Option<String>,
    /// `AmountFC`, excluding VAT, as signed on the wire.
    pub amount: Decimal,
    /// `VATCode`, trimmed.
    pub vat_code: Option<String>,
    /// `VATPercentage` as a fraction.
    pub vat_fraction: Decimal,
    /// `VATAmountFC` as signed on the wire.
    pub vat_amount: Decimal,
    /// `Description`.
    pub description: Option<String>,
}

/// Read a line. Its amounts are needed: a line without `AmountFC`, `VATPercentage` or
/// `VATAmountFC` is an error naming it (R04), never a line of 0.00 (Exact sends `0` for a line
/// without VAT, so absent means the answer lacks the field).
pub fn line_from_row(row: &Row) -> Result<WireLine> {
    let needed = |field: &str| -> Result<Decimal> {
        odata::decimal(row, field)?
            .ok_or_else(|| Error::protocol(format!("a sales entry line has no `{field}`")))
    };
    Ok(WireLine {
        line_number: odata::integer(row, "LineNumber"),
        gl_account: odata::guid(row, "GLAccount"),
        gl_account_code: odata::string(row, "GLAccountCode"),
        amount: needed("AmountFC")?,
        vat_code: odata::string(row, "VATCode"),
        vat_fraction: needed("VATPercentage")?,
        vat_amount: needed("VATAmountFC")?,
        description: odata::string(row, "Description"),
    })
}

/// Where a header row's lines are.
#[derive(Debug, Clone, PartialEq)]
pub enum LinesField {
    /// Expanded inline, with a next-page link when Exact capped the expansion.
    Inline(Vec<Row>, Option<String>),
    /// A `__deferred` link to follow.
    Deferred(String),
    /// Not in the row.
    Absent,
}

/// Find the lines of a header row.
pub fn lines_field(row: &Row) -> Result<LinesField> {
    lines_field_named(row, "SalesEntryLines")
}

/// [`lines_field`] for the lines navigation property `name` (`SalesInvoiceLines` on
/// `salesinvoice/SalesInvoices`).
pub fn lines_field_named(row: &Row, name: &str) -> Result<LinesField> {
    match row.get(name) {
        None | Some(Value::Null) => Ok(LinesField::Absent),
        Some(Value::Array(_)) | Some(Value::Object(_)) => {
            let v = row.get(name).cloned().unwrap_or(Value::Null);
            if let Some(uri) = v
                .get("__deferred")
                .and_then(|d| d.get("uri"))
                .and_then(Value::as_str)
            {
                return Ok(LinesField::Deferred(uri.to_string()));
            }
            let page = odata::page_of_value(&json!({ "d": v }))?;
            Ok(LinesField::Inline(page.rows, page.next))
        }
        Some(_) => Err(Error::protocol(format!(
            "`{name}` is neither a list nor a link"
        ))),
    }
}

/// The signed wire amount of a core amount for an entry of `kind`.
pub(crate) fn signed(kind: DocumentKind, amount: Decimal) -> Decimal {
    match kind {
        DocumentKind::Invoice => amount,
        DocumentKind::CreditNote => -amount,
    }
}

/// Build the posted document from a header, its lines, the customer's code and the GL codes by
/// GUID.
pub fn to_document(
    division: &str,
    header: &WireEntry,
    lines: &[WireLine],
    customer_code: &str,
    gl_codes: &HashMap<String, String>,
) -> Result<PostedDocument> {
    let kind = kind_of(header.type_)?;
    let mut sorted: Vec<&WireLine> = lines.iter().collect();
    sorted.sort_by_key(|l| l.line_number.unwrap_or(i64::MAX));
    let lines = sorted
        .into_iter()
        .map(|l| {
            let account = match (&l.gl_account_code, &l.gl_account) {
                (Some(code), _) => code.clone(),
                (None, Some(guid)) => gl_codes.get(guid).cloned().ok_or_else(|| {
                    Error::protocol(format!("GL account {guid} of a sales line is unknown"))
                })?,
                (None, None) => {
                    return Err(Error::protocol("a sales entry line has no GL account"))
                }
            };
            Ok(SalesLine {
                account,
                description: l.description.clone().unwrap_or_default(),
                net_amount: signed(kind, l.amount).normalize(),
                vat_code: l.vat_code.clone(),
                vat_rate: percentage_of_fraction(l.vat_fraction),
                vat_amount: signed(kind, l.vat_amount).normalize(),
                cost_centre: None,
                project: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let document = SalesDocument {
        kind,
        administration: division.to_string(),
        journal: header.journal.clone(),
        customer: customer_code.to_string(),
        reference: header.reference(),
        description: header.description.clone(),
        date: header.entry_date,
        due_date: header.due_date,
        currency: header.currency,
        lines,
        credits: None,
    };
    Ok(PostedDocument {
        id: EntryId::new(Vendor::Exact, division, &header.journal, &header.entry_id),
        document,
        status: header.status.map(|s| s.to_string()),
    })
}

/// The POST body of a new sales entry. `gl_guids` maps each line's account code to its GUID.
/// Amounts and the VAT fraction are written as exact decimal text ([`json_number`]).
pub fn create_body(
    doc: &SalesDocument,
    customer: &str,
    gl_guids: &HashMap<String, String>,
) -> Result<JsonOut> {
    let mut m = JsonOut::object()
        .with("Type", type_of(doc.kind))
        .with("Journal", doc.journal.trim())
        .with("Customer", customer)
        .with("YourRef", doc.reference.trim())
        .with_opt("Description", doc.description.as_deref())
        .with("EntryDate", write_date(doc.date))
        .with_opt("DueDate", doc.due_date.map(write_date))
        .with("Currency", doc.currency.code());
    let mut lines = Vec::with_capacity(doc.lines.len());
    for line in &doc.lines {
        let gl = gl_guids.get(line.account.trim()).ok_or_else(|| {
            Error::validation(format!(
                "GL account {} does not exist in division {}",
                line.account, doc.administration
            ))
        })?;
        let l = JsonOut::object()
            .with("GLAccount", gl)
            .with_opt(
                "Description",
                Some(line.description.as_str()).filter(|d| !d.is_empty()),
            )
            .with("AmountFC", json_number(signed(doc.kind, line.net_amount)))
            .with_opt("VATCode", line.vat_code.as_deref().map(str::trim))
            .with(
                "VATPercentage",
                json_number(fraction_of_percentage(line.vat_rate)),
            )
            .with(
                "VATAmountFC",
                json_number(signed(doc.kind, line.vat_amount)),
            );
        lines.push(l.build());
    }
    m.insert("SalesEntryLines", JsonOut::Array(lines));
    Ok(m.build())
}

fn patch_fields(m: &mut JsonObject, patch: &DocumentPatch) {
    match &patch.description {
        Patch::Keep => {}
        Patch::Clear => m.insert("Description", JsonOut::Null),
        Patch::Set(d) => m.insert("Description", d),
    }
    match &patch.due_date {
        Patch::Keep => {}
        Patch::Clear => m.insert("DueDate", JsonOut::Null),
        Patch::Set(d) => m.insert("DueDate", write_date(*d)),
    }
}

/// The PUT body of an update to `SalesEntries(guid'…')` (Q01): the entry's `EntryID`, `Type`
/// and `Journal` always, then the patched fields.
pub fn update_body(
    entry_id: &str,
    kind: DocumentKind,
    journal: &str,
    patch: &DocumentPatch,
) -> JsonOut {
    let mut m = JsonOut::object()
        .with("EntryID", entry_id)
        .with("Type", type_of(kind))
        .with("Journal", journal);
    patch_fields(&mut m, patch);
    m.build()
}

/// The body of the naive update (Q01 defence off): addressed by the document reference, without
/// `Type` or `Journal`, as the seed describes.
pub fn naive_update_body(reference: &str, patch: &DocumentPatch) -> JsonOut {
    let mut m = JsonOut::object().with("YourRef", reference);
    patch_fields(&mut m, patch);
    m.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use grootboek_core::{CreditNote, Invoice};
    use rust_decimal_macros::dec;

    fn fixture() -> Row {
        crate::odata::parse_page(include_bytes!(
            "../../tests/fixtures/sales_entry_credit_note.json"
        ))
        .unwrap()
        .rows
        .remove(0)
    }

    /// A written body read back as the adapter reads answers: numbers as their exact text.
    fn read_back(body: &JsonOut) -> Value {
        crate::odata::parse_json(body.to_json().as_bytes()).unwrap()
    }

    #[test]
    fn reads_a_credit_note_with_negative_amounts_as_positive_lines() {
        let row = fixture();
        let header = header_from_row(&row).unwrap();
        assert_eq!(header.type_, 21);
        let LinesField::Inline(rows, next) = lines_field(&row).unwrap() else {
            panic!("lines are inline in the fixture")
        };
        assert!(next.is_none());
        let lines: Vec<WireLine> = rows.iter().map(|r| line_from_row(r).unwrap()).collect();
        let gl = HashMap::from([(
            "4eae751d-fc91-4c99-b1e6-646fe3401a12".to_string(),
            "8000".to_string(),
        )]);
        let posted = to_document("499156", &header, &lines, "8", &gl).unwrap();
        let doc = &posted.document;
        assert_eq!(doc.kind, DocumentKind::CreditNote);
        assert_eq!(doc.reference, "F-2026-001");
        assert_eq!(doc.date, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(doc.lines[0].account, "8000");
        assert_eq!(doc.lines[0].net_amount, dec!(100));
        assert_eq!(doc.lines[0].vat_rate, dec!(21));
        assert_eq!(doc.lines[0].vat_amount, dec!(21));
        assert_eq!(doc.lines[0].vat_code.as_deref(), Some("2"));
        assert_eq!(posted.id.key, "c00ee12c-2b39-4e84-b332-54a3c722e5dd");
        assert_eq!(posted.id.journal, "70");
    }

    #[test]
    fn writes_credit_notes_negative_and_fractions() {
        let cn = CreditNote::new(
            "1",
            "70",
            "C1",
            "F-1",
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        )
        .with_line(SalesLine::new("8000", "x", dec!(100), Some("2"), dec!(21)));
        let gl = HashMap::from([("8000".to_string(), "g".to_string())]);
        let body = create_body(&cn, "cust", &gl).unwrap();
        assert!(body.to_json().contains(r#""AmountFC":-100,"#));
        assert!(body.to_json().contains(r#""VATPercentage":0.21,"#));
        let v = read_back(&body);
        assert_eq!(v["Type"], "21");
        assert_eq!(v["SalesEntryLines"][0]["AmountFC"], "-100");
        assert_eq!(v["SalesEntryLines"][0]["VATAmountFC"], "-21");
        assert_eq!(v["SalesEntryLines"][0]["VATPercentage"], "0.21");
        assert!(v.get("DueDate").is_none());
        let inv = Invoice::new(
            "1",
            "70",
            "C1",
            "F-1",
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        )
        .with_line(SalesLine::new("9999", "x", dec!(1), None, dec!(0)));
        assert!(create_body(&inv, "cust", &gl).is_err());
    }

    #[test]
    fn q01_update_body_always_carries_type_and_journal() {
        let header = header_from_row(&fixture()).unwrap();
        let p = DocumentPatch {
            description: Patch::Set("disputed".into()),
            due_date: Patch::Clear,
        };
        let kind = kind_of(header.type_).unwrap();
        let v = read_back(&update_body(&header.entry_id, kind, &header.journal, &p));
        assert_eq!(v["Type"], "21");
        assert_eq!(v["Journal"], "70");
        assert_eq!(v["EntryID"], "c00ee12c-2b39-4e84-b332-54a3c722e5dd");
        assert_eq!(v["DueDate"], Value::Null);
        let naive = naive_update_body("F-1", &p);
        assert!(naive.get("Type").is_none());
        assert_eq!(naive.get("Description"), Some(&JsonOut::from("disputed")));
    }
}
