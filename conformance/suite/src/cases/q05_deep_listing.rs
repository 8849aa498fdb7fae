//! Q05: listing 25,000 open items returns all 25,000, each once, although the vendor silently
//! answers an empty page past 10,000 rows of offset.

use std::collections::HashSet;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::ensure;
use crate::harness::{Harness, SeedOpenItem};

/// The case.
pub struct Q05;

/// How many open items the case seeds.
pub const ITEMS: usize = 25_000;

#[async_trait]
impl Case for Q05 {
    fn id(&self) -> &'static str {
        "Q05"
    }
    fn title(&self) -> &'static str {
        "listing 25,000 open items returns all 25,000, each once"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        if !caps.open_items {
            return Applicability::NotApplicable("the adapter does not list open items".into());
        }
        match vendor {
            Vendor::Exact => Applicability::NotApplicable(
                "Exact Online has no offset cap: listings follow server cursors (__next, covered by Q07), \
                 and 25,000 rows would take 417 calls against its 60-a-minute budget"
                    .into(),
            ),
            _ => Applicability::Applies,
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let fx = h.fixture();
        let items: Vec<SeedOpenItem> = (0..ITEMS)
            .map(|i| SeedOpenItem {
                customer: fx.domestic_customer.clone(),
                reference: format!("Q05-{i:05}"),
                amount: Decimal::new(10_000 + i as i64, 2),
                open_amount: Decimal::new(10_000 + i as i64, 2),
                flagged_settled: false,
            })
            .collect();
        h.seed_open_items(&items).await?;
        let listed = h.ledger().all_open_items(&fx.administration).await?;
        let ours: Vec<&str> = listed
            .iter()
            .map(|i| i.reference.as_str())
            .filter(|r| r.starts_with("Q05-"))
            .collect();
        let unique: HashSet<&str> = ours.iter().copied().collect();
        ensure!(
            ours.len() == unique.len(),
            "{} items were listed more than once",
            ours.len() - unique.len()
        );
        ensure!(
            unique.len() == ITEMS,
            "listed {} of the {ITEMS} seeded open items",
            unique.len()
        );
        Ok(())
    }
}
