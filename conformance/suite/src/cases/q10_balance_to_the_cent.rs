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
        "a customer with open items totalling 1,234.56 reports 1,234.56"
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
        let balance = h
            .ledger()
            .customer_balance(&fx.administration, &fx.domestic_customer)
            .await?;
        ensure!(
            balance.amount == Decimal::new(123_456, 2),
            "balance {} instead of 1234.56",
            balance.amount
        );
        Ok(())
    }
}
