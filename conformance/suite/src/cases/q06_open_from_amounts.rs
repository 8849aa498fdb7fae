//! Q06: an item the vendor flags as settled while money is still open is reported open, with the
//! right open amount.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::{Harness, SeedOpenItem};

/// The case.
pub struct Q06;

#[async_trait]
impl Case for Q06 {
    fn id(&self) -> &'static str {
        "Q06"
    }
    fn title(&self) -> &'static str {
        "an item flagged matched with money still open is reported open with its open amount"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.open_items {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter does not list open items".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let fx = h.fixture();
        let items = [
            SeedOpenItem {
                customer: fx.domestic_customer.clone(),
                reference: "Q06-FLAGGED".into(),
                amount: Decimal::new(12_100, 2),
                open_amount: Decimal::new(4_000, 2),
                flagged_settled: true,
            },
            SeedOpenItem {
                customer: fx.domestic_customer.clone(),
                reference: "Q06-PAID".into(),
                amount: Decimal::new(5_000, 2),
                open_amount: Decimal::ZERO,
                flagged_settled: true,
            },
        ];
        h.seed_open_items(&items).await?;
        let open = h.ledger().all_open_items(&fx.administration).await?;
        let flagged = open
            .iter()
            .find(|i| i.reference == "Q06-FLAGGED")
            .ok_or_else(|| {
                Failure("the flagged item with 40.00 open is missing from the open items".into())
            })?;
        ensure!(flagged.is_open(), "the flagged item is reported closed");
        ensure!(
            flagged.open_amount.amount == Decimal::new(4_000, 2),
            "open amount {} instead of 40.00",
            flagged.open_amount.amount
        );
        let paid = open.iter().find(|i| i.reference == "Q06-PAID");
        ensure!(
            paid.is_none_or(|p| !p.is_open()),
            "a fully paid item is reported open"
        );
        Ok(())
    }
}
