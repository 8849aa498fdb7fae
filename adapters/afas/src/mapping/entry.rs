//! Sales documents ⇄ `FiEntries` (journal entries).
//!
//! Written as one `FiEntryPar` with lines in a fixed order, so that the read-back can rebuild the
//! document from `Profit_Transactions` rows ordered by `SeqNo`:
//!
//! 1. the debtor line (`VaAs` 2, `AcNr` = debtor, `InId` = invoice number, `DaEx` = due date):
//!    the gross total on the debit side for an invoice, on the **credit** side for a credit note;
//! 2. per sales line, the revenue line (`VaAs` 1, `AcNr` = revenue account, `VaId` = **VAT code**),
//!    net amount on the other side; then, when it has VAT, the VAT line on the VAT code's
//!    account (`AccountNr` of `Profit_VAT_code`) with the same `VaId`.
//!
//! A negative amount is written as a positive amount on the other side. Dates are plain
//! `YYYY-MM-DD` civil dates (Q14); the period is the date's month.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use grootboek_core::{
    Currency, DocumentKind, EntryId, Error, PostedDocument, Result, SalesDocument, SalesLine,
    Vendor,
};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::mapping::reference::AfasVatCode;
use crate::wire::afas_date;
use crate::wire::row::Row;

/// The UpdateConnector of journal entries (body root `FiEntryPar`).
pub const CONNECTOR: &str = "FiEntries";

/// Most sales lines one entry takes: AFAS advises at most ~1,000 rows per entry and each sales
/// line writes up to two (revenue + VAT), plus the debtor line.
pub const MAX_LINES: usize = 499;

/// An amount as AFAS examples write it: a string with two decimals (`"1806.22"`).
fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// `(AmDe, AmCr)` for an amount that belongs on the debit side when positive.
fn debit(amount: Decimal) -> (String, String) {
    if amount >= Decimal::ZERO {
        (money(amount), "0".into())
    } else {
        ("0".into(), money(-amount))
    }
}

fn credit(amount: Decimal) -> (String, String) {
    let (d, c) = debit(amount);
    (c, d)
}

fn line_fields(
    kind: &str,
    account: &str,
    date: &str,
    reference: &str,
    (am_de, am_cr): (String, String),
) -> Map<String, Value> {
    let mut f = Map::new();
    f.insert("VaAs".into(), json!(kind));
    f.insert("AcNr".into(), json!(account));
    f.insert("EnDa".into(), json!(date));
    f.insert("BpDa".into(), json!(date));
    f.insert("BpNr".into(), json!(reference));
    f.insert("AmDe".into(), json!(am_de));
    f.insert("AmCr".into(), json!(am_cr));
    f
}

/// Build the `FiEntries` body of a sales document dated `date` (already the Amsterdam civil
/// date). `vat` gives each VAT code's ledger account.
pub fn fi_entries_body(doc: &SalesDocument, date: NaiveDate, vat: &[AfasVatCode]) -> Result<Value> {
    let d = afas_date(date);
    let reference = doc.reference.trim();
    let invoice = doc.kind == DocumentKind::Invoice;
    let gross = doc.gross_total().amount;
    let mut debtor = line_fields(
        "2",
        doc.customer.trim(),
        &d,
        reference,
        if invoice { debit(gross) } else { credit(gross) },
    );
    debtor.insert("InId".into(), json!(reference));
    if let Some(desc) = &doc.description {
        debtor.insert("Ds".into(), json!(desc));
    }
    if let Some(due) = doc.due_date {
        debtor.insert("DaEx".into(), json!(afas_date(due)));
    }
    let mut lines = vec![json!({ "Fields": debtor })];
    for (i, line) in doc.lines.iter().enumerate() {
        let side = |amount: Decimal| {
            if invoice {
                credit(amount)
            } else {
                debit(amount)
            }
        };
        let code = line
            .vat_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let mut rev = line_fields(
            "1",
            line.account.trim(),
            &d,
            reference,
            side(line.net_amount),
        );
        if !line.description.is_empty() {
            rev.insert("Ds".into(), json!(line.description));
        }
        if let Some(c) = code {
            rev.insert("VaId".into(), json!(c));
        }
        lines.push(json!({ "Fields": rev }));
        if !line.vat_amount.is_zero() {
            let Some(c) = code else {
                return Err(Error::validation(format!(
                    "Line {} has {} VAT but no VAT code; AFAS books VAT only through a code.",
                    i + 1,
                    line.vat_amount
                )));
            };
            let account = vat
                .iter()
                .find(|v| v.code.code.eq_ignore_ascii_case(c))
                .and_then(|v| v.account.clone())
                .ok_or_else(|| {
                    Error::validation(format!(
                        "Line {}: VAT code {c} has no VAT account in this administration.",
                        i + 1
                    ))
                })?;
            let mut vl = line_fields("1", &account, &d, reference, side(line.vat_amount));
            vl.insert("VaId".into(), json!(c));
            lines.push(json!({ "Fields": vl }));
        }
    }
    Ok(json!({ "FiEntryPar": { "Element": {
        "Fields": {
            "Year": date.year().to_string(),
            "Peri": date.month().to_string(),
            "UnId": doc.administration.trim(),
            "JoCo": doc.journal.trim(),
        },
        "Objects": { "FiEntries": { "Element": lines } }
    }}}))
}

/// The entry number from an insert answer: `{"results":{"FiEntryPar":{"UnId","EnNo"}}}`, or
/// the unwrapped `{"FiEntryPar":{…}}` of AFAS's how-to.
pub fn entry_number(answer: &Value) -> Result<String> {
    let par = answer
        .get("results")
        .and_then(|r| r.get("FiEntryPar"))
        .or_else(|| answer.get("FiEntryPar"))
        .ok_or_else(|| Error::protocol("AFAS answered the FiEntries insert without FiEntryPar"))?;
    let en = par
        .get("EnNo")
        .ok_or_else(|| Error::protocol("AFAS answered the FiEntries insert without EnNo"))?;
    let s = match en {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if s.is_empty() {
        return Err(Error::protocol(
            "AFAS answered the FiEntries insert with an empty EnNo",
        ));
    }
    Ok(s)
}

/// One `Profit_Transactions` row, typed.
#[derive(Debug, Clone)]
struct TxRow {
    seq: i64,
    account: String,
    debit: Decimal,
    credit: Decimal,
    vat_code: Option<String>,
    vat_amount: Option<Decimal>,
    invoice: Option<String>,
    voucher_no: Option<String>,
    date: Option<NaiveDate>,
    description: Option<String>,
    account_kind: Option<String>,
    debtor: Option<String>,
    due_date: Option<NaiveDate>,
}

fn tx_row(row: &Row) -> Result<TxRow> {
    Ok(TxRow {
        seq: row
            .text("SeqNo")
            .and_then(|s| s.parse::<Decimal>().ok())
            .and_then(|d| i64::try_from(d.trunc().mantissa()).ok())
            .unwrap_or(0),
        account: row.required_text("AccountNo", "transaction")?,
        debit: row.decimal("AmtDebit")?.unwrap_or_default(),
        credit: row.decimal("AmtCredit")?.unwrap_or_default(),
        vat_code: row.text("VatCode"),
        vat_amount: row.decimal("VatAmt")?,
        invoice: row.text("InvoiceId"),
        voucher_no: row.text("VoucherNo"),
        date: match row.date("EntryDate")? {
            Some(d) => Some(d),
            None => row.date("VoucherDate")?,
        },
        description: row.text("Description"),
        account_kind: row.text_any(&["VaAs", "AccountKind", "AccountType"]),
        debtor: row.text_any(&["DebtorId", "DbId"]),
        due_date: match row.date("DueDate")? {
            Some(d) => Some(d),
            None => row.date("ExpDate")?,
        },
    })
}

/// What the read-back knows besides the transaction rows.
pub struct ReadContext<'a> {
    /// The administration's VAT codes.
    pub vat: &'a [AfasVatCode],
    /// The open item of the document (due date, currency), when still open.
    pub open_item: Option<&'a Row>,
    /// The administration's currency.
    pub currency: Currency,
}

/// Rebuild a posted sales document from its `Profit_Transactions` rows (any order).
pub fn document_from_transactions(
    id: &EntryId,
    rows: &[Row],
    ctx: &ReadContext<'_>,
) -> Result<PostedDocument> {
    let mut tx = rows.iter().map(tx_row).collect::<Result<Vec<_>>>()?;
    tx.sort_by_key(|r| r.seq);
    let not_sales = || {
        Error::new(
            grootboek_core::ErrorKind::NotFound,
            format!("entry {id} is not a sales document"),
        )
        .with_vendor(Vendor::Afas)
    };
    // The debtor line: the row naming a debtor (its `AccountNo` is then the collective account),
    // or marked by its account kind, else the first (it is written first).
    let debtor_idx = tx
        .iter()
        .position(|r| r.debtor.is_some() || r.account_kind.as_deref() == Some("2"))
        .unwrap_or(0);
    let debtor = tx.get(debtor_idx).cloned().ok_or_else(not_sales)?;
    let kind = if debtor.debit >= debtor.credit {
        DocumentKind::Invoice
    } else {
        DocumentKind::CreditNote
    };
    let invoice = kind == DocumentKind::Invoice;
    let vat_of = |code: &str| {
        ctx.vat
            .iter()
            .find(|v| v.code.code.eq_ignore_ascii_case(code))
    };
    let is_vat_row = |r: &TxRow| {
        r.vat_code
            .as_deref()
            .and_then(vat_of)
            .and_then(|v| v.account.as_deref())
            .is_some_and(|a| a.eq_ignore_ascii_case(&r.account))
    };
    // Net amount of a revenue/VAT row, positive in the document's direction.
    let signed = |r: &TxRow| {
        if invoice {
            r.credit - r.debit
        } else {
            r.debit - r.credit
        }
    };
    let mut lines: Vec<SalesLine> = Vec::new();
    let rest: Vec<&TxRow> = tx
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != debtor_idx)
        .map(|(_, r)| r)
        .collect();
    let mut i = 0;
    while let Some(&r) = rest.get(i) {
        let code = r.vat_code.clone();
        let rate = code
            .as_deref()
            .and_then(vat_of)
            .map(|v| v.code.rate)
            .unwrap_or(Decimal::ZERO);
        let mut vat_amount = r.vat_amount.filter(|v| !v.is_zero()).map(|v| v.abs());
        if let Some(next) = rest.get(i + 1) {
            if is_vat_row(next) && next.vat_code == code && !is_vat_row(r) {
                vat_amount = Some(signed(next));
                i += 1;
            }
        }
        lines.push(SalesLine {
            account: r.account.clone(),
            description: r.description.clone().unwrap_or_default(),
            net_amount: signed(r),
            vat_code: code,
            vat_rate: rate,
            vat_amount: vat_amount.unwrap_or(Decimal::ZERO),
            cost_centre: None,
            project: None,
        });
        i += 1;
    }
    let open = ctx.open_item;
    let currency = open
        .and_then(|o| o.text("CurrencyId"))
        .and_then(|c| c.parse().ok())
        .unwrap_or(ctx.currency);
    let due_date = match (debtor.due_date, open) {
        (Some(d), _) => Some(d),
        (None, Some(o)) => o.date("ExpDate")?,
        (None, None) => None,
    };
    let document = SalesDocument {
        kind,
        administration: id.administration.clone(),
        journal: id.journal.clone(),
        customer: debtor
            .debtor
            .clone()
            .unwrap_or_else(|| debtor.account.clone()),
        reference: debtor
            .invoice
            .clone()
            .or(debtor.voucher_no.clone())
            .unwrap_or_default(),
        description: debtor.description.clone(),
        date: debtor
            .date
            .ok_or_else(|| Error::protocol(format!("entry {id} has no date")))?,
        due_date,
        currency,
        lines,
        credits: None,
    };
    Ok(PostedDocument {
        id: id.clone(),
        document,
        status: None,
    })
}

/// Group transaction rows by entry: `(JournalId, EntryNo)` → rows.
pub fn group_by_entry(rows: Vec<Row>) -> HashMap<(String, String), Vec<Row>> {
    let mut out: HashMap<(String, String), Vec<Row>> = HashMap::new();
    for r in rows {
        if let (Some(j), Some(e)) = (r.text("JournalId"), r.text("EntryNo")) {
            out.entry((j, e)).or_default().push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use grootboek_core::{CreditNote, Invoice, VatCode, VatKind};
    use rust_decimal_macros::dec;

    fn vat() -> Vec<AfasVatCode> {
        let code = |c: &str, rate, kind, account: &str| AfasVatCode {
            code: VatCode {
                code: c.into(),
                description: c.into(),
                rate,
                kind,
            },
            account: Some(account.into()),
            blocked: false,
        };
        vec![
            code("1", dec!(21), VatKind::Domestic, "1510"),
            code("ICP", dec!(0), VatKind::IntraCommunity, "1520"),
        ]
    }
    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 29).unwrap_or_default()
    }
    fn invoice() -> SalesDocument {
        Invoice::new("1", "70", "10004", "F-1", date())
            .with_due_date(NaiveDate::from_ymd_opt(2026, 4, 28).unwrap_or_default())
            .with_line(SalesLine::new(
                "8010",
                "parts",
                dec!(100),
                Some("1"),
                dec!(21),
            ))
            .with_line(SalesLine::new(
                "8020",
                "icp",
                dec!(50),
                Some("ICP"),
                dec!(0),
            ))
            .into_document()
    }
    fn rows_of(body: &Value) -> Vec<Row> {
        let lines = body["FiEntryPar"]["Element"]["Objects"]["FiEntries"]["Element"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let f = &l["Fields"];
                let v = json!({
                    "UnitId": "1", "EntryNo": "7", "SeqNo": (i + 1).to_string(), "JournalId": "70",
                    "AccountNo": f["AcNr"], "AmtDebit": f["AmDe"], "AmtCredit": f["AmCr"],
                    "VatCode": f.get("VaId").cloned().unwrap_or(Value::Null),
                    "InvoiceId": f.get("InId").cloned().unwrap_or(Value::Null),
                    "EntryDate": format!("{}T00:00:00Z", f["EnDa"].as_str().unwrap_or("")),
                    "Description": f.get("Ds").cloned().unwrap_or(Value::Null),
                });
                Row(v.as_object().cloned().unwrap_or_default())
            })
            .rev()
            .collect()
    }

    #[test]
    fn invoice_body_books_debtor_debit_revenue_and_vat_credit() {
        let b = fi_entries_body(&invoice(), date(), &vat()).unwrap();
        let header = &b["FiEntryPar"]["Element"]["Fields"];
        assert_eq!(
            (
                header["Year"].as_str(),
                header["Peri"].as_str(),
                header["JoCo"].as_str()
            ),
            (Some("2026"), Some("3"), Some("70"))
        );
        let lines = b["FiEntryPar"]["Element"]["Objects"]["FiEntries"]["Element"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["Fields"]["AmDe"], "171.00");
        assert_eq!(lines[0]["Fields"]["DaEx"], "2026-04-28");
        assert_eq!(lines[1]["Fields"]["AmCr"], "100.00");
        assert_eq!(lines[2]["Fields"]["AcNr"], "1510");
        assert_eq!(lines[2]["Fields"]["AmCr"], "21.00");
        assert_eq!(lines[3]["Fields"]["VaId"], "ICP");
    }

    #[test]
    fn credit_note_books_the_receivable_on_the_credit_side() {
        let mut doc = invoice();
        doc.kind = DocumentKind::CreditNote;
        let doc: SalesDocument = CreditNote::try_from(doc).unwrap().into_document();
        let b = fi_entries_body(&doc, date(), &vat()).unwrap();
        let lines = b["FiEntryPar"]["Element"]["Objects"]["FiEntries"]["Element"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (
                lines[0]["Fields"]["AmDe"].as_str(),
                lines[0]["Fields"]["AmCr"].as_str()
            ),
            (Some("0"), Some("171.00"))
        );
        assert_eq!(lines[1]["Fields"]["AmDe"], "100.00");
    }

    #[test]
    fn round_trip_through_transaction_rows() {
        for kind in [DocumentKind::Invoice, DocumentKind::CreditNote] {
            let mut doc = invoice();
            doc.kind = kind;
            let b = fi_entries_body(&doc, date(), &vat()).unwrap();
            let id = EntryId::new(Vendor::Afas, "1", "70", "7");
            let open = Row(
                json!({"ExpDate": "2026-04-28T00:00:00Z", "CurrencyId": "EUR"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
            let ctx = ReadContext {
                vat: &vat(),
                open_item: Some(&open),
                currency: Currency::EUR,
            };
            let back = document_from_transactions(&id, &rows_of(&b), &ctx).unwrap();
            grootboek_core::verify::verify_document(&doc, Some(&id), &back).unwrap();
        }
    }

    #[test]
    fn q02_read_back_assert_catches_a_dropped_code() {
        let doc = invoice();
        let id = EntryId::new(Vendor::Afas, "1", "70", "7");
        let mut posted = PostedDocument {
            id: id.clone(),
            document: doc.clone(),
            status: None,
        };
        grootboek_core::verify::verify_vat_codes_present(&doc, &posted).unwrap();
        posted.document.lines[1].vat_code = None;
        let e = grootboek_core::verify::verify_vat_codes_present(&doc, &posted).unwrap_err();
        assert!(
            matches!(e.kind(), grootboek_core::ErrorKind::VerificationFailed { field, .. } if field == "lines[1].vat_code")
        );
        assert_eq!(e.outcome(), grootboek_core::WriteOutcome::Applied);
        assert_eq!(e.entry(), Some(&id));
        posted.document.lines[1].vat_code = Some(" ".into());
        assert!(grootboek_core::verify::verify_vat_codes_present(&doc, &posted).is_err());
    }

    #[test]
    fn vat_without_code_is_refused_and_insert_answers_parse() {
        let mut doc = invoice();
        doc.lines[0].vat_code = None;
        assert!(fi_entries_body(&doc, date(), &vat()).is_err());
        assert_eq!(
            entry_number(&json!({"results":{"FiEntryPar":{"UnId":"4","EnNo":"54605"}}})).unwrap(),
            "54605"
        );
        assert_eq!(
            entry_number(&json!({"FiEntryPar":{"UnId":"1","EnNo":48227,"InId":"IH001057X"}}))
                .unwrap(),
            "48227"
        );
        assert!(entry_number(&json!({"results":{}})).is_err());
        assert!(entry_number(&json!({"results":{"FiEntryPar":{"EnNo":""}}})).is_err());
    }
}
