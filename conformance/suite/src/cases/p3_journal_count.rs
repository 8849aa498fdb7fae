//! P3: walking the journals with pagination gives the vendor's own count.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct P3;

#[async_trait]
impl Case for P3 {
    fn id(&self) -> &'static str {
        "P3"
    }
    fn title(&self) -> &'static str {
        "pre-flight: the journal count walked through pages equals the vendor's own count"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        // One more than a 60-row page, so a client that stops after one page is caught.
        h.seed_journals(61).await?;
        let listed = h.ledger().all_journals(&h.fixture().administration).await?;
        let vendor = h.vendor_journal_count();
        ensure!(
            listed.len() == vendor,
            "walked {} journals, the vendor counts {vendor}",
            listed.len()
        );
        Ok(())
    }
}
