//! Sales transactions (invoices and credit notes) in a sales day book.
//!
//! An invoice is a `<transaction>` whose total line (receivables account in `dim1`, customer in
//! `dim2`) is a **debit** and whose detail lines (revenue account, net amount, VAT code) are
//! credits; a credit note is the mirror image: total **credit**, details debit. All values are
//! positive; `debitcredit` carries the direction. Twinfield adds the VAT lines itself from the
//! detail lines' VAT codes; each detail line reads back with its `vatcode` and `vatvalue`.

use grootboek_core::{
    Currency, DocumentKind, EntryId, Error, PostedDocument, Result, SalesDocument, SalesLine,
    Vendor,
};
use rust_decimal::Decimal;

use super::errors::write_result_error;
use super::{format_amount, format_date, parse_amount, parse_date, protocol};
use crate::xml::{Node, XmlDoc};

/// Where a transaction goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destiny {
    /// Provisional: can still be changed (and is, by number).
    Temporary,
    /// Final: booked for good; cannot be changed.
    Final,
}

impl Destiny {
    /// The attribute value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Destiny::Temporary => "temporary",
            Destiny::Final => "final",
        }
    }
}

/// One transaction to write.
#[derive(Debug, Clone, Copy)]
pub struct TxWrite<'a> {
    /// The document.
    pub doc: &'a SalesDocument,
    /// The receivables (debtors collective) account for the total line (`1300`).
    pub receivables_account: &'a str,
    /// Temporary or final.
    pub destiny: Destiny,
    /// The transaction number, for an update of an existing (temporary) transaction.
    pub number: Option<&'a str>,
}

fn directions(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::Invoice => ("debit", "credit"),
        DocumentKind::CreditNote => ("credit", "debit"),
    }
}

/// The other direction.
fn opposite(dc: &'static str) -> &'static str {
    if dc == "debit" {
        "credit"
    } else {
        "debit"
    }
}

/// A line's value as Twinfield wants it, positive, with its direction: a negative amount (a
/// discount line) goes the other way.
fn directed(amount: Decimal, natural: &'static str) -> (&'static str, Decimal) {
    if amount.is_sign_negative() {
        (opposite(natural), -amount)
    } else {
        (natural, amount)
    }
}

/// Write one `<transaction>` into `d`.
pub fn write_transaction(d: &mut XmlDoc, tx: &TxWrite<'_>) {
    let doc = tx.doc;
    let (total_dc, detail_dc) = directions(doc.kind);
    d.open_with(
        "transaction",
        &[("destiny", tx.destiny.as_str()), ("raisewarning", "false")],
    );
    d.open("header")
        .text("office", &doc.administration)
        .text("code", &doc.journal)
        .opt_text("number", tx.number)
        .text("currency", doc.currency.code())
        .text("date", &format_date(doc.date))
        .text("invoicenumber", &doc.reference)
        .opt_text("duedate", doc.due_date.map(format_date).as_deref())
        .close("header");
    d.open("lines");
    let (total_dc, total_value) = directed(doc.gross_total().amount, total_dc);
    d.open_with("line", &[("type", "total"), ("id", "1")])
        .text("dim1", tx.receivables_account)
        .text("dim2", &doc.customer)
        .text("debitcredit", total_dc)
        .text("value", &format_amount(total_value))
        .opt_text("description", doc.description.as_deref())
        .close("line");
    for (i, line) in doc.lines.iter().enumerate() {
        let id = (i + 2).to_string();
        let (dc, value) = directed(line.net_amount, detail_dc);
        d.open_with("line", &[("type", "detail"), ("id", &id)])
            .text("dim1", &line.account)
            .opt_text("dim2", line.cost_centre.as_deref())
            .opt_text("dim3", line.project.as_deref())
            .text("debitcredit", dc)
            .text("value", &format_amount(value))
            .opt_text(
                "description",
                (!line.description.is_empty()).then_some(line.description.as_str()),
            )
            .opt_text("vatcode", line.vat_code.as_deref().map(str::trim))
            .close("line");
    }
    d.close("lines");
    d.close("transaction");
}

/// A `<transactions>` batch document.
pub fn batch_request(txs: &[TxWrite<'_>]) -> String {
    let mut d = XmlDoc::new();
    d.open("transactions");
    for tx in txs {
        write_transaction(&mut d, tx);
    }
    d.close("transactions");
    d.finish()
}

/// `<read><type>transaction</type>…`.
pub fn read_request(office: &str, daybook: &str, number: &str) -> String {
    let mut d = XmlDoc::new();
    d.open("read")
        .text("type", "transaction")
        .text("office", office)
        .text("code", daybook)
        .text("number", number)
        .close("read");
    d.finish()
}

/// The identity of a transaction element (office, day book, number), when it has a number.
pub fn entry_id(n: &Node) -> Option<EntryId> {
    let h = n.child("header")?;
    Some(EntryId::new(
        Vendor::Twinfield,
        h.text_of("office")?,
        h.text_of("code")?,
        h.text_of("number")?,
    ))
}

/// Map a `<transaction>` element read back. `rate_of` gives a VAT code's percentage in the
/// office (from the cached list); without it the rate is derived from the line's amounts.
pub fn from_node(n: &Node, rate_of: &dyn Fn(&str) -> Option<Decimal>) -> Result<PostedDocument> {
    let id = entry_id(n)
        .ok_or_else(|| protocol("a transaction read back without office, day book or number"))?;
    let h = n
        .child("header")
        .ok_or_else(|| protocol("a transaction without a header"))?;
    let lines = n
        .child("lines")
        .ok_or_else(|| protocol("a transaction without lines"))?;
    let total = lines
        .children_named("line")
        .find(|l| l.attr("type") == Some("total"))
        .ok_or_else(|| protocol(format!("transaction {id} has no total line")))?;
    // Sales and purchase told apart by the relation on the total line: a supplier (`CRD`) makes
    // it a purchase document, which is never read as a sales one (a purchase invoice would
    // otherwise read as a sales credit note, its total being a credit).
    // Reads name the type in `type` or, in other recorded reads, in `dimensiontype`.
    if let Some(kind) = total
        .child("dim2")
        .and_then(|d| d.attr("type").or_else(|| d.attr("dimensiontype")))
        .filter(|t| !t.is_empty() && *t != "DEB")
    {
        return Err(grootboek_core::Error::unsupported(format!(
            "transaction {id} is booked on a {} relation (`dim2` type `{kind}`), not a customer: \
             a purchase document, which grootboek does not read as sales (the purchase side is \
             not supported yet)",
            if kind == "CRD" {
                "supplier"
            } else {
                "non-customer"
            }
        ))
        .with_vendor(grootboek_core::Vendor::Twinfield));
    }
    let total_value = parse_amount(total.text_of("value").ok_or_else(|| {
        protocol(format!(
            "transaction {id}: the total line has no `value` (R04)"
        ))
    })?)?;
    let kind = match (total.text_of("debitcredit"), total_value.is_sign_negative()) {
        (Some("debit"), false) | (Some("credit"), true) => DocumentKind::Invoice,
        (Some("credit"), false) | (Some("debit"), true) => DocumentKind::CreditNote,
        (other, _) => {
            return Err(protocol(format!(
                "transaction {id}: total line debitcredit `{}`",
                other.unwrap_or_default()
            )))
        }
    };
    let currency: Currency = h
        .text_of("currency")
        .unwrap_or("EUR")
        .parse()
        .map_err(|_| protocol(format!("transaction {id}: unknown currency")))?;
    let mut out_lines = Vec::new();
    for l in lines
        .children_named("line")
        .filter(|l| l.attr("type") == Some("detail"))
    {
        // Every line's sign follows its direction: a detail line going the document's way is
        // positive, one going the other way (a discount) negative.
        let natural = directions(kind).1;
        let sign = match l.text_of("debitcredit") {
            Some(dc) if dc == natural => Decimal::ONE,
            Some(dc) if dc == opposite(natural) => Decimal::NEGATIVE_ONE,
            other => {
                return Err(protocol(format!(
                    "transaction {id}: a detail line's debitcredit is `{}` (R04)",
                    other.unwrap_or_default()
                )))
            }
        };
        let net = sign
            * parse_amount(l.text_of("value").ok_or_else(|| {
                protocol(format!(
                    "transaction {id}: a detail line has no `value` (R04)"
                ))
            })?)?;
        let vat_amount = sign
            * l.text_of("vatvalue")
                .map(parse_amount)
                .transpose()?
                .unwrap_or_default();
        let vat_code = l.text_of("vatcode").map(str::to_string);
        let vat_rate = line_vat_rate(vat_code.as_deref(), rate_of, net, vat_amount);
        let account = l.text_of("dim1").ok_or_else(|| {
            protocol(format!(
                "transaction {id}: a detail line has no `dim1` (R04)"
            ))
        })?;
        out_lines.push(SalesLine {
            account: account.to_string(),
            description: l.text_of("description").unwrap_or_default().to_string(),
            net_amount: net,
            vat_code,
            vat_rate,
            vat_amount,
            cost_centre: l.text_of("dim2").map(str::to_string),
            project: l.text_of("dim3").map(str::to_string),
        });
    }
    let document = SalesDocument {
        kind,
        administration: id.administration.clone(),
        journal: id.journal.clone(),
        customer: total
            .text_of("dim2")
            .ok_or_else(|| {
                protocol(format!(
                    "transaction {id}: the total line has no `dim2` (the customer) (R04)"
                ))
            })?
            .to_string(),
        reference: h
            .text_of("invoicenumber")
            .ok_or_else(|| {
                protocol(format!(
                    "transaction {id}: the header has no `invoicenumber` (R04)"
                ))
            })?
            .to_string(),
        description: total.text_of("description").map(str::to_string),
        date: parse_date(h.text_of("date").unwrap_or_default())?,
        due_date: h.text_of("duedate").map(parse_date).transpose()?,
        currency,
        lines: out_lines,
        credits: None,
    };
    Ok(PostedDocument {
        id,
        document,
        status: n.attr("location").map(str::to_string),
    })
}

/// A read line's VAT percentage: its code's rate in the office (`rate_of`), else what its
/// amounts imply (0 for a zero line).
pub(crate) fn line_vat_rate(
    code: Option<&str>,
    rate_of: &dyn Fn(&str) -> Option<Decimal>,
    net: Decimal,
    vat_amount: Decimal,
) -> Decimal {
    code.and_then(rate_of)
        .unwrap_or_else(|| {
            if net.is_zero() {
                Decimal::ZERO
            } else {
                (vat_amount * Decimal::ONE_HUNDRED / net).abs().round_dp(2)
            }
        })
        .normalize()
}

/// The outcome of one transaction of a batch: its identity, or the vendor's refusal.
pub type ItemOutcome = std::result::Result<EntryId, Error>;

/// Per-child outcomes of a batch result (`<transactions>` with one `<transaction>` per item,
/// in order; a single `<transaction>` root for a batch of one).
pub fn parse_batch(root: &Node, operation: &'static str) -> Result<Vec<ItemOutcome>> {
    let children: Vec<&Node> = if root.name == "transaction" {
        vec![root]
    } else {
        root.children_named("transaction").collect()
    };
    if children.is_empty() {
        return Err(write_result_error(root, operation).unwrap_or_else(|| {
            protocol(format!("the <{}> result holds no transactions", root.name))
        }));
    }
    Ok(children
        .into_iter()
        .map(|t| match write_result_error(t, operation) {
            Some(e) => Err(e),
            None => entry_id(t).ok_or_else(|| {
                protocol("a transaction reported success without a number")
                    .with_operation(operation)
                    .with_outcome(grootboek_core::WriteOutcome::Uncertain)
            }),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_document;
    use chrono::NaiveDate;
    use grootboek_core::{CreditNote, Invoice};
    use rust_decimal_macros::dec;

    fn invoice() -> Invoice {
        Invoice::new(
            "NLA001",
            "VRK",
            "1000",
            "F2026-001",
            NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
        )
        .with_description("May")
        .with_line(SalesLine::new(
            "8020",
            "Broodlevering",
            dec!(100),
            Some("VH"),
            dec!(21),
        ))
    }

    #[test]
    fn writes_an_invoice_debit_total_credit_details() {
        let inv = invoice();
        let xml = batch_request(&[TxWrite {
            doc: &inv,
            receivables_account: "1300",
            destiny: Destiny::Temporary,
            number: None,
        }]);
        assert_eq!(
            xml,
            "<transactions><transaction destiny=\"temporary\" raisewarning=\"false\"><header><office>NLA001</office><code>VRK</code><currency>EUR</currency><date>20260504</date><invoicenumber>F2026-001</invoicenumber></header><lines><line type=\"total\" id=\"1\"><dim1>1300</dim1><dim2>1000</dim2><debitcredit>debit</debitcredit><value>121.00</value><description>May</description></line><line type=\"detail\" id=\"2\"><dim1>8020</dim1><debitcredit>credit</debitcredit><value>100.00</value><description>Broodlevering</description><vatcode>VH</vatcode></line></lines></transaction></transactions>"
        );
    }

    #[test]
    fn credit_notes_mirror_the_directions() {
        let cn = CreditNote::new(
            "NLA001",
            "VRK",
            "1000",
            "C1",
            NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
        )
        .with_line(SalesLine::new("8020", "x", dec!(10), Some("VH"), dec!(21)));
        let xml = batch_request(&[TxWrite {
            doc: &cn,
            receivables_account: "1300",
            destiny: Destiny::Final,
            number: Some("202600007"),
        }]);
        assert!(xml.contains("<number>202600007</number>"), "{xml}");
        assert!(
            xml.contains("<dim2>1000</dim2><debitcredit>credit</debitcredit><value>12.10</value>"),
            "{xml}"
        );
        assert!(
            xml.contains("<debitcredit>debit</debitcredit><value>10.00</value>"),
            "{xml}"
        );
    }

    #[test]
    fn reads_a_transaction_with_vat_lines_and_open_amounts() {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/transaction-read-vrk.xml"
        ))
        .unwrap();
        let doc = parse_document(&xml).unwrap();
        let p = from_node(&doc, &|c| (c == "VH").then_some(dec!(21))).unwrap();
        assert_eq!(
            p.id,
            EntryId::new(Vendor::Twinfield, "NLA001", "VRK", "202600095")
        );
        assert_eq!(p.status.as_deref(), Some("temporary"));
        let d = p.document;
        assert_eq!(d.kind, DocumentKind::Invoice);
        assert_eq!(d.customer, "1000");
        assert_eq!(d.reference, "F2026-001");
        assert_eq!(d.description.as_deref(), Some("May"));
        assert_eq!(d.lines.len(), 1);
        assert_eq!(d.lines[0].vat_code.as_deref(), Some("VH"));
        assert_eq!(d.lines[0].vat_rate, dec!(21));
        assert_eq!(d.lines[0].vat_amount, dec!(21.00));
        assert_eq!(d.due_date, NaiveDate::from_ymd_opt(2026, 6, 3));
        // Round trip against what was written.
        let written = invoice().with_due_date(NaiveDate::from_ymd_opt(2026, 6, 3).unwrap());
        let expected_id = EntryId::new(Vendor::Twinfield, "NLA001", "VRK", "202600095");
        let posted = from_node(&doc, &|c| (c == "VH").then_some(dec!(21))).unwrap();
        grootboek_core::verify::verify_document(&written, Some(&expected_id), &posted).unwrap();
    }

    #[test]
    fn t06_batch_outcomes_per_item() {
        let xml = r#"<transactions result="0"><transaction result="1" location="temporary"><header><office>NLA001</office><code>VRK</code><number>202600001</number></header></transaction><transaction result="0" msgtype="error" msg="De boeking is niet in balans. Er ontbreekt 0.01 debet." ><header><office>NLA001</office><code>VRK</code></header></transaction></transactions>"#;
        let out = parse_batch(&parse_document(xml).unwrap(), "post").unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap().key, "202600001");
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Validation);
        assert!(e.to_string().contains("niet in balans"), "{e}");
    }
}
