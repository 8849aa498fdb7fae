//! `<salesinvoice>` documents of Twinfield's invoicing module (read back or answered to a write)
//! → [`PostedDocument`].
//!
//! A final invoice names its ledger entry in `<financials>` (day book `code`, transaction
//! `number`): that is its [`EntryId`]. A concept has no `<financials>`: Twinfield has booked
//! nothing for it yet, so it is refused rather than given an identity it does not have.
//!
//! Amounts are read from each line's `valueexcl` and `vatvalue` (both required, R04), with their
//! own sign: a discount line is negative. The VAT rate is the `percentage` the `<vatlines>` give
//! for the line's code, else derived from the amounts. When the document carries `<totals>`, the
//! lines must add up to `totals/valueinc`; a difference is an error, never papered over. A
//! document whose total is negative is a credit note, its lines read with the opposite sign.

use std::collections::HashMap;

use grootboek_core::{
    Currency, DocumentKind, EntryId, PostedDocument, Result, SalesDocument, SalesLine, Vendor,
};
use rust_decimal::Decimal;

use super::{parse_amount, parse_date, protocol};
use crate::xml::Node;

/// The text of `name` under `n`, or an error naming it (R04).
fn required<'n>(n: &'n Node, name: &str, what: &str) -> Result<&'n str> {
    n.text_of(name)
        .ok_or_else(|| protocol(format!("{what} has no `{name}` (R04)")))
}

/// VAT percentages by code from the document's `<vatlines>`.
fn vat_percentages(n: &Node) -> Result<HashMap<String, Decimal>> {
    let mut out = HashMap::new();
    for vl in n
        .children_named("vatlines")
        .flat_map(|v| v.children_named("vatline"))
    {
        if let Some(code) = vl.child("vatcode") {
            if let Some(p) = code.attr("percentage").filter(|p| !p.trim().is_empty()) {
                out.insert(code.text.trim().to_string(), parse_amount(p)?.normalize());
            }
        }
    }
    Ok(out)
}

/// Read one `<salesinvoice>`.
pub fn from_node(n: &Node) -> Result<PostedDocument> {
    let h = n
        .child("header")
        .ok_or_else(|| protocol("a sales invoice without a header"))?;
    let number = required(h, "invoicenumber", "a sales invoice header")?;
    let what = format!("sales invoice {number}");
    let status = h.text_of("status").unwrap_or_default();
    let Some(financials) = n
        .child("financials")
        .filter(|f| f.text_of("number").is_some())
    else {
        return Err(grootboek_core::Error::unsupported(format!(
            "{what} ({}) has status `{status}` and no <financials>: Twinfield has booked no \
             transaction for it yet, so it is not a ledger document; read it again once it is final",
            h.text_of("invoicetype").unwrap_or("no invoice type"),
        ))
        .with_vendor(Vendor::Twinfield));
    };
    let office = required(h, "office", &what)?;
    let journal = required(financials, "code", &format!("{what}: <financials>"))?;
    let key = required(financials, "number", &format!("{what}: <financials>"))?;
    let customer = required(h, "customer", &what)?;
    let date = parse_date(required(h, "invoicedate", &what)?)?;
    let due_date = h.text_of("duedate").map(parse_date).transpose()?;
    let currency: Currency = required(h, "currency", &what)?
        .parse()
        .map_err(|_| protocol(format!("{what}: unknown currency")))?;
    let rates = vat_percentages(n)?;
    let lines_node = n
        .child("lines")
        .ok_or_else(|| protocol(format!("{what} has no <lines> (R04)")))?;
    let mut lines = Vec::new();
    let mut gross = Decimal::ZERO;
    for (i, l) in lines_node.children_named("line").enumerate() {
        let at = format!(
            "{what}, line {}",
            l.attr("id").unwrap_or(&(i + 1).to_string())
        );
        let net = parse_amount(required(l, "valueexcl", &at)?)?;
        let vat = parse_amount(required(l, "vatvalue", &at)?)?;
        gross += net + vat;
        let vat_code = l.text_of("vatcode").map(str::to_string);
        let vat_rate = vat_code
            .as_deref()
            .and_then(|c| rates.get(c).copied())
            .unwrap_or_else(|| {
                if net.is_zero() {
                    Decimal::ZERO
                } else {
                    (vat * Decimal::ONE_HUNDRED / net)
                        .abs()
                        .round_dp(2)
                        .normalize()
                }
            });
        lines.push(SalesLine {
            account: required(l, "dim1", &at)?.to_string(),
            description: l.text_of("description").unwrap_or_default().to_string(),
            net_amount: net,
            vat_code,
            vat_rate,
            vat_amount: vat,
            cost_centre: l.text_of("dim2").map(str::to_string),
            project: l.text_of("dim3").map(str::to_string),
        });
    }
    if lines.is_empty() {
        return Err(protocol(format!("{what} has no lines (R04)")));
    }
    if let Some(total) = n.at("totals/valueinc").map(|t| t.text.trim()) {
        let total = parse_amount(total)?;
        if total != gross {
            return Err(protocol(format!(
                "{what}: the lines add up to {gross} including VAT, the totals say {total}"
            )));
        }
    }
    let kind = if gross.is_sign_negative() {
        for l in &mut lines {
            l.net_amount = -l.net_amount;
            l.vat_amount = -l.vat_amount;
        }
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    };
    let id = EntryId::new(Vendor::Twinfield, office, journal, key);
    Ok(PostedDocument {
        id,
        document: SalesDocument {
            kind,
            administration: office.to_string(),
            journal: journal.to_string(),
            customer: customer.to_string(),
            reference: number.to_string(),
            description: h.text_of("headertext").map(str::to_string),
            date,
            due_date,
            currency,
            lines,
            credits: None,
        },
        status: Some(status.to_string()).filter(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::read::parse_document;
    use rust_decimal_macros::dec;

    const FINAL: &str = r#"<salesinvoice result="1"><header><office>NLA000001</office><invoicetype>FACTUUR</invoicetype><invoicedate>20260512</invoicedate><duedate>20260611</duedate><customer>1000</customer><currency>EUR</currency><status>final</status><invoicenumber>42</invoicenumber></header><lines><line id="1"><article>0</article><quantity>2</quantity><units>1</units><description>Brood</description><unitspriceexcl>50.00</unitspriceexcl><valueexcl>100.00</valueexcl><vatvalue>21.00</vatvalue><valueinc>121.00</valueinc><dim1>8020</dim1><vatcode name="BTW 21%">VH</vatcode></line><line id="2"><article>0</article><quantity>1</quantity><units>1</units><description>Korting</description><unitspriceexcl>-10.00</unitspriceexcl><valueexcl>-10.00</valueexcl><vatvalue>-2.10</vatvalue><valueinc>-12.10</valueinc><dim1>8020</dim1><vatcode name="BTW 21%">VH</vatcode></line></lines><vatlines><vatline><vatcode name="BTW 21%" percentage="21.000000000">VH</vatcode><vatvalue>18.90</vatvalue></vatline></vatlines><totals><valueexcl>90.00</valueexcl><valueinc>108.90</valueinc></totals><financials><code>VRK</code><number>202600042</number></financials></salesinvoice>"#;

    #[test]
    fn a_final_invoice_with_a_discount_line_reads_with_its_entry_and_signs() {
        let p = from_node(&parse_document(FINAL).unwrap()).unwrap();
        assert_eq!(p.id.journal, "VRK");
        assert_eq!(p.id.key, "202600042");
        assert_eq!(p.document.kind, DocumentKind::Invoice);
        assert_eq!(p.document.reference, "42");
        assert_eq!(p.document.lines[1].net_amount, dec!(-10.00));
        assert_eq!(p.document.lines[1].vat_rate, dec!(21));
        assert_eq!(p.document.gross_total().amount, dec!(108.90));
    }

    #[test]
    fn a_concept_is_refused_and_totals_that_disagree_are_an_error() {
        let concept = FINAL
            .replace("<status>final</status>", "<status>concept</status>")
            .replace(
                "<financials><code>VRK</code><number>202600042</number></financials>",
                "",
            );
        let e = from_node(&parse_document(&concept).unwrap()).unwrap_err();
        assert!(e.to_string().contains("concept"), "{e}");
        let wrong = FINAL.replace(
            "<valueinc>108.90</valueinc></totals>",
            "<valueinc>121.00</valueinc></totals>",
        );
        let e = from_node(&parse_document(&wrong).unwrap()).unwrap_err();
        assert!(e.to_string().contains("108.90"), "{e}");
        let no_amount = FINAL.replacen("<valueexcl>100.00</valueexcl>", "", 1);
        let e = from_node(&parse_document(&no_amount).unwrap()).unwrap_err();
        assert!(e.to_string().contains("`valueexcl`"), "{e}");
    }
}
