//! Q10: a customer's balance is exact to the cent.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::ensure;
use crate::harness::{Harness, SeedOpenItem};

/// The case.
pub struct Q10;

#[async_trait]
impl Case for Q10 {
    fn id(&self) -> &'static str {
        "Q10"
    }
    fn title(&self) -> &'static str {
        "a customer balance is the exact sum of its open items (1,234.56 seeded), to the cent"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.customer_balance && caps.open_items {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter does not report customer balances".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let fx = h.fixture();
        let item = |r: &str, cents: i64| SeedOpenItem {
            customer: fx.domestic_customer.clone(),
            reference: r.into(),
            amount: Decimal::new(cents, 2),
            open_amount: Decimal::new(cents, 2),
            flagged_settled: false,
        };
        h.seed_open_items(&[item("Q10-A", 100_000), item("Q10-B", 23_456)])
            .await?;
        let ledger = h.ledger();
        // The customer may already have items; the exact balance is the sum of its open amounts.
        let items = ledger.all_open_items(&fx.administration).await?;
        let mine: Vec<_> = items
            .iter()
            .filter(|i| i.relation.trim() == fx.domestic_customer)
            .collect();
        for (r, cents) in [("Q10-A", 100_000), ("Q10-B", 23_456)] {
            ensure!(
                mine.iter()
                    .any(|i| i.reference == r && i.open_amount.amount == Decimal::new(cents, 2)),
                "seeded item {r} is missing from the customer's open items"
            );
        }
        let expected: Decimal = mine.iter().map(|i| i.open_amount.amount).sum();
        ensure!(
            !expected.fract().is_zero(),
            "the expected balance {expected} has no cents, so rounding could not be seen"
        );
        let balance = ledger
            .customer_balance(&fx.administration, &fx.domestic_customer)
            .await?;
        ensure!(
            balance.amount == expected,
            "balance {} instead of {expected} (the sum of the open items, which include 1234.56 seeded)",
            balance.amount
        );
        Ok(())
    }
}
