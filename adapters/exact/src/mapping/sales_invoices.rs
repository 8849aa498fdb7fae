//! `salesinvoice/SalesInvoices` (with `SalesInvoiceLines`) → [`PostedDocument`], for saved
//! answers (`grootboek decode`): the invoicing module's documents, next to the ledger's
//! `SalesEntries` that the adapter writes.
//!
//! Only a processed invoice (`Status` 50) has a ledger entry; a draft (10) or open (20) one is
//! refused rather than given an identity it does not have. `Type` 8020 is an invoice, 8021 a
//! credit note (whose wire amounts are negative, read back as the core's positive amounts). Lines
//! must be inline (`$expand=SalesInvoiceLines`) and carry `AmountFC`, `VATAmountFC` and
//! `VATPercentage` (R04). A line names its GL account by GUID only (`GLAccount`): its code comes
//! from `codes` (built from a saved `financial/GLAccounts` answer), and an unknown GUID is an
//! error naming it, never an empty code.

use std::collections::HashMap;

use grootboek_core::{
    Currency, DocumentKind, EntryId, Error, PostedDocument, Result, SalesDocument, SalesLine,
    Vendor,
};

use super::percentage_of_fraction;
use super::sales_entries::{lines_field_named, signed, LinesField};
use crate::odata::{self, Row};

/// The OData type of a `SalesInvoices` row.
pub const TYPE_NAME: &str = "Exact.Web.Api.Models.SalesInvoice";

/// Whether `row` is a `salesinvoice/SalesInvoices` row: by its `__metadata` type, else by its
/// `InvoiceID` key.
pub fn is_sales_invoice(row: &Row) -> bool {
    match row
        .get("__metadata")
        .and_then(|m| m.get("type"))
        .and_then(|t| t.as_str())
    {
        Some(t) => t == TYPE_NAME,
        None => row.contains_key("InvoiceID"),
    }
}

fn protocol(message: String) -> Error {
    Error::protocol(message).with_vendor(Vendor::Exact)
}

/// A required decimal of `row`, or an error naming it (R04).
fn needed(row: &Row, field: &str, what: &str) -> Result<rust_decimal::Decimal> {
    odata::decimal(row, field)?.ok_or_else(|| protocol(format!("{what} has no `{field}` (R04)")))
}

/// Read one sales invoice of `division`; `codes` maps GUIDs (GL accounts, customers) to codes.
pub fn from_row(
    row: &Row,
    division: &str,
    codes: &HashMap<String, String>,
) -> Result<PostedDocument> {
    let id = odata::guid(row, "InvoiceID")
        .ok_or_else(|| protocol("a sales invoice has no `InvoiceID` (R04)".into()))?;
    let number = odata::integer(row, "InvoiceNumber");
    let what = match number {
        Some(n) => format!("sales invoice {n}"),
        None => format!("sales invoice {id}"),
    };
    let status = odata::integer(row, "Status")
        .ok_or_else(|| protocol(format!("{what} has no `Status` (R04)")))?;
    if status != 50 {
        return Err(Error::unsupported(format!(
            "{what} has Status {status} ({}): not processed, so Exact has booked no entry for \
             it yet; read it again once it is processed (Status 50)",
            odata::string(row, "StatusDescription").unwrap_or_else(|| "no description".into())
        ))
        .with_vendor(Vendor::Exact));
    }
    let kind = match odata::integer(row, "Type") {
        Some(8020) => DocumentKind::Invoice,
        Some(8021) => DocumentKind::CreditNote,
        Some(t) => {
            return Err(Error::unsupported(format!(
                "{what} has Type {t}, neither a sales invoice (8020) nor a credit note (8021)"
            ))
            .with_vendor(Vendor::Exact))
        }
        None => return Err(protocol(format!("{what} has no `Type` (R04)"))),
    };
    let line_rows = match lines_field_named(row, "SalesInvoiceLines")? {
        LinesField::Inline(rows, None) => rows,
        LinesField::Inline(_, Some(_)) => {
            return Err(protocol(format!(
                "the lines of {what} continue on a further page (`__next`); the payload holds only part of them"
            )))
        }
        LinesField::Deferred(_) | LinesField::Absent => {
            return Err(protocol(format!(
                "{what} has no inline `SalesInvoiceLines`; save the answer of a request with `$expand=SalesInvoiceLines`"
            )))
        }
    };
    let journal = odata::string(row, "Journal")
        .ok_or_else(|| protocol(format!("{what} has no `Journal` (R04)")))?;
    let currency: Currency = odata::string(row, "Currency")
        .ok_or_else(|| protocol(format!("{what} has no `Currency` (R04)")))?
        .parse()?;
    let date = odata::date(row, "InvoiceDate")?
        .ok_or_else(|| protocol(format!("{what} has no `InvoiceDate` (R04)")))?;
    let customer_guid = odata::guid(row, "InvoiceTo")
        .ok_or_else(|| protocol(format!("{what} has no `InvoiceTo` (R04)")))?;
    let customer = codes.get(&customer_guid).cloned().unwrap_or(customer_guid);
    let reference = odata::string(row, "YourRef")
        .or_else(|| number.map(|n| n.to_string()))
        .ok_or_else(|| protocol(format!("{what} has neither `YourRef` nor `InvoiceNumber`")))?;
    let mut sorted: Vec<&Row> = line_rows.iter().collect();
    sorted.sort_by_key(|l| odata::integer(l, "LineNumber").unwrap_or(i64::MAX));
    let mut lines = Vec::new();
    for (i, l) in sorted.into_iter().enumerate() {
        let at = format!("line {} of {what}", i + 1);
        let account = match odata::guid(l, "GLAccount") {
            Some(guid) => codes.get(&guid).cloned().ok_or_else(|| {
                protocol(format!(
                    "{at} names its GL account by GUID only (`GLAccount` {guid}, {:?}); pass a \
                     saved financial/GLAccounts answer to turn it into its code",
                    odata::string(l, "GLAccountDescription").unwrap_or_default()
                ))
            })?,
            None => return Err(protocol(format!("{at} has no `GLAccount` (R04)"))),
        };
        lines.push(SalesLine {
            account,
            description: odata::string(l, "Description").unwrap_or_default(),
            net_amount: signed(kind, needed(l, "AmountFC", &at)?).normalize(),
            vat_code: odata::string(l, "VATCode"),
            vat_rate: percentage_of_fraction(needed(l, "VATPercentage", &at)?),
            vat_amount: signed(kind, needed(l, "VATAmountFC", &at)?).normalize(),
            cost_centre: odata::string(l, "CostCenter"),
            project: None,
        });
    }
    if lines.is_empty() {
        return Err(protocol(format!("{what} has no lines (R04)")));
    }
    Ok(PostedDocument {
        id: EntryId::new(Vendor::Exact, division, &journal, &id),
        document: SalesDocument {
            kind,
            administration: division.to_string(),
            journal,
            customer,
            reference,
            description: odata::string(row, "Description"),
            date,
            due_date: odata::date(row, "DueDate")?,
            currency,
            lines,
            credits: None,
        },
        status: Some(status.to_string()),
    })
}
