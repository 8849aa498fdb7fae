//! P1: an entry of each kind round-trips its kind, VAT code and VAT percentage exactly, and
//! every line its account, net amount (sign included) and VAT amount: an invoice with a
//! negative (discount) line reads back with the line negative and the same gross (issue 18).

use async_trait::async_trait;
use grootboek_core::{Capabilities, DocumentKind, PostedDocument, SalesLine, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::docs::{credit_note, invoice};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct P1;

/// The references of the pre-flight's test entries, all marked `GBTEST-` so that a person can
/// find them in a live administration; the pre-flight reverses them afterwards.
pub const TEST_REFERENCES: [&str; 6] = [
    "GBTEST-P1-INV",
    "GBTEST-P1-DISC",
    "GBTEST-P1-CN",
    "GBTEST-P1-ICP",
    "GBTEST-P1-EU",
    "GBTEST-P1-EXP",
];

/// The discount line of `GBTEST-P1-DISC`: a negative net amount (10% of the 250.00 line) at the
/// same VAT code as the line it discounts.
fn discount_line(fx: &crate::harness::Fixture) -> SalesLine {
    SalesLine::new(
        &fx.revenue_account,
        "GBTEST-P1-DISC discount 10%",
        -Decimal::new(2_500, 2),
        Some(fx.vat_high.code.as_str()),
        fx.vat_high.rate,
    )
}

/// Post the six pre-flight entries (invoice, credit note, EU ICP, EU non-ICP, third country) and
/// return them as posted. Shared with P2.
pub async fn post_test_entries(
    h: &dyn Harness,
) -> Result<Vec<PostedDocument>, crate::case::Failure> {
    let (fx, ledger) = (h.fixture(), h.ledger());
    let net = Decimal::new(25_000, 2);
    let mut out = Vec::new();
    out.push(
        ledger
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                "GBTEST-P1-INV",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                net,
            ))
            .await?,
    );
    let discount = discount_line(fx);
    out.push(
        ledger
            .create_invoice(
                &invoice(
                    fx,
                    &fx.domestic_customer,
                    "GBTEST-P1-DISC",
                    Some(&fx.vat_high),
                    fx.vat_high.rate,
                    net,
                )
                .with_line(discount),
            )
            .await?,
    );
    out.push(
        ledger
            .create_credit_note(&credit_note(
                fx,
                &fx.domestic_customer,
                "GBTEST-P1-CN",
                &fx.vat_high,
                net,
            ))
            .await?,
    );
    out.push(
        ledger
            .create_invoice(&invoice(
                fx,
                &fx.icp_customer,
                "GBTEST-P1-ICP",
                Some(&fx.vat_icp),
                fx.vat_icp.rate,
                net,
            ))
            .await?,
    );
    out.push(
        ledger
            .create_invoice(&invoice(
                fx,
                &fx.icp_customer,
                "GBTEST-P1-EU",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                net,
            ))
            .await?,
    );
    out.push(
        ledger
            .create_invoice(&invoice(
                fx,
                &fx.export_customer,
                "GBTEST-P1-EXP",
                Some(&fx.vat_export),
                fx.vat_export.rate,
                net,
            ))
            .await?,
    );
    Ok(out)
}

#[async_trait]
impl Case for P1 {
    fn id(&self) -> &'static str {
        "P1"
    }
    fn title(&self) -> &'static str {
        "pre-flight: invoice (one with a discount line), credit note, EU ICP, EU non-ICP and export entries round-trip kind, lines, VAT code, rate and amounts exactly"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write && caps.credit_note_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot post invoices and credit notes".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let ledger = h.ledger();
        for posted in post_test_entries(h).await? {
            let back = match posted.document.kind {
                DocumentKind::Invoice => ledger.get_invoice(&posted.id).await?,
                DocumentKind::CreditNote => ledger.get_credit_note(&posted.id).await?,
            };
            let r = &posted.document.reference;
            ensure!(
                back.document.kind == posted.document.kind,
                "{r}: kind {} read back as {}",
                posted.document.kind,
                back.document.kind
            );
            for (i, (w, b)) in posted
                .document
                .lines
                .iter()
                .zip(&back.document.lines)
                .enumerate()
            {
                ensure!(
                    w.vat_code == b.vat_code,
                    "{r} line {i}: VAT code {:?} read back as {:?}",
                    w.vat_code,
                    b.vat_code
                );
                ensure!(
                    w.vat_rate == b.vat_rate,
                    "{r} line {i}: VAT rate {} read back as {}",
                    w.vat_rate,
                    b.vat_rate
                );
                ensure!(
                    w.account == b.account,
                    "{r} line {i}: account {:?} read back as {:?}",
                    w.account,
                    b.account
                );
                ensure!(
                    w.net_amount == b.net_amount,
                    "{r} line {i}: net {} read back as {}",
                    w.net_amount,
                    b.net_amount
                );
                ensure!(
                    w.vat_amount == b.vat_amount,
                    "{r} line {i}: VAT {} read back as {}",
                    w.vat_amount,
                    b.vat_amount
                );
            }
            if r == "GBTEST-P1-DISC" {
                // Against what was sent, not only against the adapter's own first read.
                let fx = h.fixture();
                let sent_discount = discount_line(fx);
                ensure!(
                    back.document
                        .lines
                        .iter()
                        .any(|l| l.net_amount == sent_discount.net_amount
                            && l.vat_amount == sent_discount.vat_amount),
                    "{r}: no line reads back as the discount sent (net {}, VAT {}): {:?}",
                    sent_discount.net_amount,
                    sent_discount.vat_amount,
                    back.document
                        .lines
                        .iter()
                        .map(|l| (l.net_amount, l.vat_amount))
                        .collect::<Vec<_>>()
                );
            }
            let gross = |d: &grootboek_core::SalesDocument| -> Decimal {
                d.lines.iter().map(|l| l.net_amount + l.vat_amount).sum()
            };
            ensure!(
                gross(&back.document) == gross(&posted.document),
                "{r}: gross {} read back as {}",
                gross(&posted.document),
                gross(&back.document)
            );
            ensure!(
                back.document.lines.len() == posted.document.lines.len(),
                "{r}: line count changed"
            );
        }
        Ok(())
    }
}
