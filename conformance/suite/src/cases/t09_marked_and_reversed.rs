//! T09: there is no sandbox, so a live run marks its test data (references start with
//! `GBTEST-`) and reverses what it posted: an invoice and its reversing credit note leave the
//! customer's open balance where it was.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Ledger, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::docs::{credit_note, invoice};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct T09;

/// The mark every pre-flight document carries.
pub const TEST_MARK: &str = "GBTEST-";

/// What the open items with `reference` add up to.
async fn open_for(
    ledger: &dyn Ledger,
    administration: &str,
    customer: &str,
    reference: &str,
) -> Result<Decimal, grootboek_core::Error> {
    Ok(ledger
        .all_open_items(administration)
        .await?
        .iter()
        .filter(|i| i.relation.trim() == customer && i.reference == reference)
        .map(|i| i.open_amount.amount)
        .sum())
}

#[async_trait]
impl Case for T09 {
    fn id(&self) -> &'static str {
        "T09"
    }
    fn title(&self) -> &'static str {
        "pre-flight data is marked GBTEST- and reversed: invoice plus reversing credit note leave the open balance unchanged"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write && caps.credit_note_write && caps.open_items && caps.customer_balance
        {
            Applicability::Applies
        } else {
            Applicability::NotApplicable(format!(
                "the {} adapter cannot post and reverse a test invoice and read the open balance",
                crate::cases::support::vendor_name(vendor)
            ))
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let (admin, customer) = (&fx.administration, &fx.domestic_customer);
        let reference = format!("{TEST_MARK}T09-0001");
        let net = Decimal::new(10_000, 2);
        let before = ledger.customer_balance(admin, customer).await?.amount;

        let inv = invoice(
            fx,
            customer,
            &reference,
            Some(&fx.vat_high),
            fx.vat_high.rate,
            net,
        );
        let gross = inv.gross_total().amount;
        let posted = ledger.create_invoice(&inv).await?;
        ensure!(
            posted.document.reference.starts_with(TEST_MARK),
            "the test invoice is stored as {:?}, without the {TEST_MARK} mark",
            posted.document.reference
        );
        let open = open_for(ledger.as_ref(), admin, customer, &reference).await?;
        ensure!(
            open == gross,
            "the test invoice is open for {open} instead of {gross}, so its reversal could not be seen"
        );

        let cn = credit_note(fx, customer, &reference, &fx.vat_high, net);
        let reversal = ledger.create_credit_note(&cn).await?;
        ensure!(
            reversal.document.reference.starts_with(TEST_MARK),
            "the reversing credit note is stored as {:?}, without the {TEST_MARK} mark",
            reversal.document.reference
        );
        let open = open_for(ledger.as_ref(), admin, customer, &reference).await?;
        ensure!(
            open.is_zero(),
            "the test invoice and its reversal leave {open} open"
        );
        let after = ledger.customer_balance(admin, customer).await?.amount;
        ensure!(
            after == before,
            "the customer's balance moved from {before} to {after} after the test data was reversed"
        );
        Ok(())
    }
}
