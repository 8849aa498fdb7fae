//! Q07: listing 250 journals returns 250, whatever the vendor's page size.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q07;

#[async_trait]
impl Case for Q07 {
    fn id(&self) -> &'static str {
        "Q07"
    }
    fn title(&self) -> &'static str {
        "listing 250 journals returns all of them (pages followed to the end)"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let fx = h.fixture();
        let before = h.vendor_journal_count();
        h.seed_journals(250).await?;
        let expected = h.vendor_journal_count();
        ensure!(
            expected >= before + 250,
            "the simulator holds {expected} journals after seeding 250"
        );
        let listed = h.ledger().all_journals(&fx.administration).await?;
        ensure!(
            listed.len() == expected,
            "listed {} journals, the vendor holds {expected}",
            listed.len()
        );
        let mut codes: Vec<&str> = listed.iter().map(|j| j.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        ensure!(
            codes.len() == listed.len(),
            "{} journals were listed twice",
            listed.len() - codes.len()
        );
        Ok(())
    }
}
