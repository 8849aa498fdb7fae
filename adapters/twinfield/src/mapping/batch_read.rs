//! Reading back a whole batch of sales transactions with one browse (`030_1`, transaction
//! lines) instead of one `<read>` per transaction (issue 15): one credit per batch of 25 rather
//! than 25.
//!
//! A browse row is one transaction line with its `<key>` (office, day book, number, line id).
//! Twinfield numbers a transaction's lines in the order they were sent: the total line is line 1
//! and the detail lines follow (2, 3, …); the VAT lines it generates come after them. A written
//! document with `n` lines is therefore read from lines `1..=n + 1`; the rest must be VAT lines
//! (each with a VAT code), and all lines of the transaction must balance. Amounts are the
//! `…signed` columns (debit positive), turned into the document's own signs.

use std::collections::BTreeMap;

use grootboek_core::{
    Currency, DocumentKind, EntryId, PostedDocument, Result, SalesDocument, SalesLine, Vendor,
};
use rust_decimal::Decimal;

use super::browse::{columns_request, for_each_row, Column, Row};
use super::transaction::line_vat_rate;
use super::{parse_amount, parse_date, protocol};

/// The browse code of general-ledger transaction lines.
pub const TRANSACTION_LINES: &str = "030_1";

/// The fields a batch read-back reads.
const FIELDS: &[&str] = &[
    "fin.trs.head.status",
    "fin.trs.head.date",
    "fin.trs.head.curcode",
    "fin.trs.line.dim1",
    "fin.trs.line.dim2",
    "fin.trs.line.dim2type",
    "fin.trs.line.dim3",
    "fin.trs.line.valuesigned",
    "fin.trs.line.vatcode",
    "fin.trs.line.vatbasevaluesigned",
    "fin.trs.line.description",
    "fin.trs.line.invnumber",
    "fin.trs.line.datedue",
];

/// The browse of every line of the transactions numbered `first..=last` in one day book.
pub fn request(office: &str, day_book: &str, first: &str, last: &str) -> String {
    let mut cols = vec![
        Column {
            field: "fin.trs.head.code",
            filter: Some(("equal", day_book, "")),
        },
        Column {
            field: "fin.trs.head.number",
            filter: Some(("between", first, last)),
        },
    ];
    cols.extend(FIELDS.iter().map(|f| Column {
        field: f,
        filter: None,
    }));
    columns_request(TRANSACTION_LINES, office, &cols)
}

/// The rows of a batch browse grouped by transaction number, each group ordered by line id.
pub fn rows_by_number(
    xml: &str,
    office: &str,
    day_book: &str,
) -> Result<BTreeMap<String, Vec<Row>>> {
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for_each_row(xml, "read_back_batch", |row| {
        let Some((o, code, number)) = row.key.clone() else {
            return Err(protocol(
                "a transaction-lines browse row has no <key> (R04)",
            ));
        };
        if o == office && code == day_book {
            out.entry(number).or_default().push(row);
        }
        Ok(())
    })?;
    for rows in out.values_mut() {
        rows.sort_by_key(|r| r.line);
    }
    Ok(out)
}

fn cell<'r>(row: &'r Row, field: &str, id: &EntryId) -> Result<&'r str> {
    row.get(field).ok_or_else(|| {
        protocol(format!(
            "transaction {id}: a browse line has no `{field}` (R04)"
        ))
    })
}

/// Q25: the browse shows an all-digit account without its leading zeros (`0110` as `110`).
/// The code written is taken back when it is that same number; any other code stays as read.
fn account_as_written(read: &str, written: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(read)
        && digits(written)
        && written.trim_start_matches('0') == read.trim_start_matches('0')
    {
        written.to_string()
    } else {
        read.to_string()
    }
}

/// The document of transaction `id` from its browse rows, read against the document that was
/// written (which says how many detail lines there are and how its accounts were spelled).
/// `rate_of` gives a VAT code's percentage.
pub fn document(
    id: &EntryId,
    rows: &[Row],
    written: &SalesDocument,
    rate_of: &dyn Fn(&str) -> Option<Decimal>,
) -> Result<PostedDocument> {
    let total = rows.iter().find(|r| r.line == Some(1)).ok_or_else(|| {
        protocol(format!(
            "transaction {id}: the browse shows no line 1 (the total line)"
        ))
    })?;
    // Sales and purchase told apart by the relation on the total line (never read as sales).
    match total.get("fin.trs.line.dim2type") {
        Some("DEB") => {}
        other => {
            return Err(grootboek_core::Error::unsupported(format!(
                "transaction {id}: the total line's relation is of type `{}`, not a customer (DEB)",
                other.unwrap_or_default()
            ))
            .with_vendor(Vendor::Twinfield))
        }
    }
    let total_value = parse_amount(cell(total, "fin.trs.line.valuesigned", id)?)?;
    let kind = if total_value.is_sign_negative() {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    };
    // Detail lines go the other way from the total: a credit (negative signed value) is a
    // positive revenue line on an invoice.
    let to_document = |signed: Decimal| match kind {
        DocumentKind::Invoice => -signed,
        DocumentKind::CreditNote => signed,
    };
    let details = written.lines.len();
    let mut balance = Decimal::ZERO;
    let mut lines = Vec::with_capacity(details);
    for row in rows {
        let signed = parse_amount(cell(row, "fin.trs.line.valuesigned", id)?)?;
        balance += signed;
        let line_id = row
            .line
            .ok_or_else(|| protocol(format!("transaction {id}: a line without an id")))?;
        let vat_code = row.get("fin.trs.line.vatcode").map(str::to_string);
        if line_id == 1 {
            continue;
        }
        let index = (line_id - 2) as usize;
        if index >= details {
            // A VAT line Twinfield generated: it names its VAT code.
            if vat_code.is_none() {
                return Err(protocol(format!(
                    "transaction {id}: line {line_id} is neither one of the {details} detail lines written nor a VAT line"
                )));
            }
            continue;
        }
        let net = to_document(signed);
        let vat_amount = match (row.get("fin.trs.line.vatbasevaluesigned"), &vat_code) {
            (Some(v), _) => to_document(parse_amount(v)?),
            (None, None) => Decimal::ZERO,
            (None, Some(code)) => {
                return Err(protocol(format!(
                    "transaction {id}: line {line_id} has VAT code {code} but no `fin.trs.line.vatbasevaluesigned` (R04)"
                )))
            }
        };
        let vat_rate = line_vat_rate(vat_code.as_deref(), rate_of, net, vat_amount);
        let written_line = &written.lines[index];
        lines.push(SalesLine {
            account: account_as_written(cell(row, "fin.trs.line.dim1", id)?, &written_line.account),
            description: row
                .get("fin.trs.line.description")
                .unwrap_or_default()
                .to_string(),
            net_amount: net,
            vat_code,
            vat_rate,
            vat_amount,
            cost_centre: row.get("fin.trs.line.dim2").map(str::to_string),
            project: row.get("fin.trs.line.dim3").map(str::to_string),
        });
    }
    if !balance.is_zero() {
        return Err(protocol(format!(
            "transaction {id}: its lines in the browse do not balance (off by {balance})"
        )));
    }
    let currency: Currency = cell(total, "fin.trs.head.curcode", id)?
        .parse()
        .map_err(|_| protocol(format!("transaction {id}: unknown currency")))?;
    let document = SalesDocument {
        kind,
        administration: id.administration.clone(),
        journal: id.journal.clone(),
        customer: cell(total, "fin.trs.line.dim2", id)?.to_string(),
        reference: cell(total, "fin.trs.line.invnumber", id)?.to_string(),
        description: total.get("fin.trs.line.description").map(str::to_string),
        date: parse_date(cell(total, "fin.trs.head.date", id)?)?,
        due_date: total
            .get("fin.trs.line.datedue")
            .map(parse_date)
            .transpose()?,
        currency,
        lines,
        credits: None,
    };
    Ok(PostedDocument {
        id: id.clone(),
        document,
        status: total.get("fin.trs.head.status").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A browse row of transaction `number`, line `line`: `(field, value)` cells.
    fn tr(number: &str, line: u32, cells: &[(&str, &str)]) -> String {
        let tds: String = cells
            .iter()
            .map(|(f, v)| {
                format!(r#"<td field="fin.trs.{f}" hideforuser="false" type="String">{v}</td>"#)
            })
            .collect();
        format!("<tr>{tds}<key><office>NLA000001</office><code>VRK</code><number>{number}</number><line>{line}</line></key></tr>")
    }

    fn head() -> Vec<(&'static str, &'static str)> {
        vec![
            ("head.status", "final"),
            ("head.date", "20240315"),
            ("head.curcode", "EUR"),
        ]
    }

    /// An invoice `number` of one 100.00 line on `account` at `code` (VAT `vat`), as the browse
    /// shows it: total (debit, positive), detail (credit), VAT line.
    fn invoice_rows(number: &str, account: &str, code: &str, vat: &str, dim2type: &str) -> String {
        let gross = format!("{}", dec!(100) + vat.parse::<Decimal>().unwrap());
        let mut total = head();
        total.extend([
            ("line.dim1", "1300"),
            ("line.dim2", "1000"),
            ("line.dim2type", dim2type),
            ("line.valuesigned", gross.as_str()),
            ("line.invnumber", "F-1"),
            ("line.datedue", "20240414"),
        ]);
        let neg_vat = format!("-{vat}");
        let mut detail = head();
        detail.extend([
            ("line.dim1", account),
            ("line.valuesigned", "-100.00"),
            ("line.vatcode", code),
            ("line.vatbasevaluesigned", neg_vat.as_str()),
            ("line.description", "Brood"),
        ]);
        let mut vat_line = head();
        vat_line.extend([
            ("line.dim1", "1530"),
            ("line.valuesigned", neg_vat.as_str()),
            ("line.vatcode", code),
        ]);
        // Out of order on purpose: the key's line id orders them.
        tr(number, 3, &vat_line) + &tr(number, 1, &total) + &tr(number, 2, &detail)
    }

    fn written(account: &str) -> SalesDocument {
        SalesDocument {
            kind: DocumentKind::Invoice,
            administration: "NLA000001".into(),
            journal: "VRK".into(),
            customer: "1000".into(),
            reference: "F-1".into(),
            description: None,
            date: chrono::NaiveDate::from_ymd_opt(2024, 3, 15).unwrap(),
            due_date: None,
            currency: "EUR".parse().unwrap(),
            lines: vec![SalesLine {
                account: account.into(),
                description: "Brood".into(),
                net_amount: dec!(100),
                vat_code: Some("VH".into()),
                vat_rate: dec!(21),
                vat_amount: dec!(21),
                cost_centre: None,
                project: None,
            }],
            credits: None,
        }
    }

    fn read(rows: &str, written: &SalesDocument) -> Result<PostedDocument> {
        let xml =
            format!(r#"<browse result="1" first="1" last="6" total="6"><th/>{rows}</browse>"#);
        let by_number = rows_by_number(&xml, "NLA000001", "VRK")?;
        let id = EntryId::new(Vendor::Twinfield, "NLA000001", "VRK", "202400001");
        let rate = |c: &str| (c == "VH").then_some(dec!(21));
        document(&id, &by_number["202400001"], written, &rate)
    }

    /// The batch browse reads each document as booked: what Twinfield changed (here the VAT
    /// code and amount) is what comes back, so verification sees it.
    #[test]
    fn reads_what_was_booked_not_what_was_written() {
        let as_written = read(
            &invoice_rows("202400001", "8020", "VH", "21.00", "DEB"),
            &written("8020"),
        )
        .unwrap();
        assert_eq!(as_written.document.kind, DocumentKind::Invoice);
        assert_eq!(as_written.document.gross_total().amount, dec!(121.00));
        assert_eq!(as_written.status.as_deref(), Some("final"));
        grootboek_core::verify::verify_document(
            &written("8020"),
            Some(&as_written.id),
            &as_written,
        )
        .unwrap();

        let swapped = read(
            &invoice_rows("202400001", "8020", "VN", "0.00", "DEB"),
            &written("8020"),
        )
        .unwrap();
        assert_eq!(swapped.document.lines[0].vat_code.as_deref(), Some("VN"));
        assert_eq!(swapped.document.lines[0].vat_amount, dec!(0));
        let e =
            grootboek_core::verify::verify_document(&written("8020"), Some(&swapped.id), &swapped)
                .unwrap_err();
        assert!(e.to_string().contains("lines[0].vat_code"), "{e}");
    }

    /// Q25: the browse shows `0110` as `110`; the account written is taken back, and only then.
    #[test]
    fn q25_an_account_shown_without_its_zeros_is_the_one_written() {
        let back = read(
            &invoice_rows("202400001", "110", "VH", "21.00", "DEB"),
            &written("0110"),
        )
        .unwrap();
        assert_eq!(back.document.lines[0].account, "0110");
        let other = read(
            &invoice_rows("202400001", "111", "VH", "21.00", "DEB"),
            &written("0110"),
        )
        .unwrap();
        assert_eq!(other.document.lines[0].account, "111");
    }

    /// A supplier on the total line, lines that do not balance, or a VAT code without its
    /// amount are errors naming the transaction, never a document.
    #[test]
    fn purchase_imbalance_and_missing_vat_amounts_are_refused() {
        let e = read(
            &invoice_rows("202400001", "8020", "VH", "21.00", "CRD"),
            &written("8020"),
        )
        .unwrap_err();
        assert!(e.message().contains("not a customer"), "{e}");
        let unbalanced = invoice_rows("202400001", "8020", "VH", "21.00", "DEB")
            .replacen("-100.00", "-90.00", 1);
        let e = read(&unbalanced, &written("8020")).unwrap_err();
        assert!(e.message().contains("do not balance"), "{e}");
        let no_vat = invoice_rows("202400001", "8020", "VH", "21.00", "DEB")
            .replacen(r#"<td field="fin.trs.line.vatbasevaluesigned" hideforuser="false" type="String">-21.00</td>"#, "", 1);
        let e = read(&no_vat, &written("8020")).unwrap_err();
        assert!(e.message().contains("vatbasevaluesigned"), "{e}");
    }

    #[test]
    fn the_request_filters_day_book_and_number_range() {
        let r = request("NLA000001", "VRK", "202400001", "202400025");
        assert!(r.starts_with(r#"<columns code="030_1">"#), "{r}");
        assert!(r.contains("<field>fin.trs.head.number</field><visible>true</visible><ask>false</ask><operator>between</operator><from>202400001</from><to>202400025</to>"), "{r}");
        assert!(r.contains("<field>fin.trs.head.code</field><visible>true</visible><ask>false</ask><operator>equal</operator><from>VRK</from>"), "{r}");
    }
}
