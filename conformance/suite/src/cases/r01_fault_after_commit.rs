//! R01: a write that commits and then fails — a gateway's 500/502/503/504, a proxy's 429, a reset
//! connection — leaves exactly one entry, and the caller gets that entry or `Uncertain`: never
//! `NotApplied` for a write that landed, never a second entry.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor, WriteOutcome};
use grootboek_sim::common::{Fault, FaultSpec, RetryAfter};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct R01;

/// The faults answered after the vendor committed, and their names for the report.
fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        ("500", Fault::after_commit(500)),
        ("502", Fault::after_commit(502)),
        ("503", Fault::after_commit(503)),
        ("504", Fault::after_commit(504)),
        // A short wait: the vendor's own 429 asks for up to a minute, which every worker then
        // honours (T10); the case is about the commit, not the wait.
        (
            "429",
            Fault::after_commit(429).with_retry_after(RetryAfter::Seconds(1)),
        ),
        ("reset", Fault::reset_after_commit()),
    ]
}

/// The create request of a document, and nothing else (not the look-ups by reference).
fn create_request(vendor: Vendor, fault: Fault) -> FaultSpec {
    let spec = FaultSpec::new(fault).method("POST").times(1);
    match vendor {
        Vendor::Twinfield => spec.root_element("transactions"),
        Vendor::Exact => spec.path_contains("SalesEntries"),
        Vendor::Afas => spec.path_contains("FiEntries"),
    }
}

#[async_trait]
impl Case for R01 {
    fn id(&self) -> &'static str {
        "R01"
    }
    fn title(&self) -> &'static str {
        "a write answered 500/502/503/504/429 or reset after it committed leaves one entry; the caller gets it or Uncertain"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot post invoices".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let faults_of = h
            .sim_faults()
            .ok_or_else(|| Failure("this harness cannot fault its simulator".into()))?;
        let (fx, ledger) = (h.fixture(), h.ledger());
        let run = uuid::Uuid::new_v4().simple().to_string();
        for (name, fault) in faults() {
            let reference = format!("R01{name}{}", &run[..6]).to_ascii_uppercase();
            faults_of.push(create_request(h.vendor(), fault));
            let doc = invoice(
                fx,
                &fx.domestic_customer,
                &reference,
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::from(100),
            );
            let answer = ledger.create_invoice(&doc).await;
            faults_of.clear();
            if let Err(e) = &answer {
                ensure!(
                    e.outcome() == WriteOutcome::Uncertain,
                    "{name} after commit: the caller got {:?}, not the entry or Uncertain: {e}",
                    e.outcome()
                );
            }
            let entries = ledger.find_invoices(&fx.administration, &reference).await?;
            ensure!(
                entries.len() == 1,
                "{name} after commit: {} entries carry {reference}",
                entries.len()
            );
            if let Ok(posted) = answer {
                ensure!(
                    posted.id == entries[0].id,
                    "{name} after commit: the caller got {} but the entry is {}",
                    posted.id,
                    entries[0].id
                );
            }
        }
        Ok(())
    }
}
