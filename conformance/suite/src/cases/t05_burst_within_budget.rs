//! T05: a burst of reads larger than one limit window goes through the adapter's budget without
//! a single 429 or 503 from the vendor.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::support::{answered_with, concurrent_reads};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct T05;

#[async_trait]
impl Case for T05 {
    fn id(&self) -> &'static str {
        "T05"
    }
    fn title(&self) -> &'static str {
        "a burst of reads beyond one limit window gets no 429 or 503 from the vendor"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let admin = h.fixture().administration.clone();
        let burst = h.budgeted_ledger().await?;
        ensure!(
            burst.concurrency > 0 && burst.reads >= burst.concurrency,
            "the harness asked for {} reads over {} tasks",
            burst.reads,
            burst.concurrency
        );
        let from = h.requests().len();
        let per_task = burst.reads / burst.concurrency;
        let ledgers = vec![burst.ledger.clone(); burst.concurrency];
        let errors = concurrent_reads(&ledgers, &admin, per_task).await?;
        ensure!(
            errors.is_empty(),
            "{} of {} reads failed ({}), first: {}",
            errors.len(),
            per_task * burst.concurrency,
            burst.limit,
            errors.first().map(|e| e.to_string()).unwrap_or_default()
        );
        let requests = h.requests();
        let sent = requests.len().saturating_sub(from);
        ensure!(
            sent >= per_task * burst.concurrency,
            "only {sent} requests reached the simulator for {} reads",
            per_task * burst.concurrency
        );
        let refused = answered_with(&requests, from, &[429, 503]);
        if !refused.is_empty() {
            return Err(Failure(format!(
                "the vendor refused {} of {sent} requests ({}), first: {}",
                refused.len(),
                burst.limit,
                refused.first().cloned().unwrap_or_default()
            )));
        }
        Ok(())
    }
}
