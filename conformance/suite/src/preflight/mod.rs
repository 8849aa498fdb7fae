//! The pre-flight: P1–P5 in one session against one administration (a simulator, or a live
//! administration before go-live), then the clean-up of what it posted, and a go/no-go verdict.
//!
//! Everything the pre-flight posts is marked `GBTEST-`. Entries are reversed afterwards (a credit
//! note for each test invoice, an invoice for each test credit note); what cannot be removed
//! through the ledger interface (test customers) is listed for a person to delete.

pub mod live;

use std::fmt::Write;
use std::time::Duration;

use grootboek_core::{CreditNote, DocumentKind, Invoice, PostedDocument, SalesDocument};

use crate::case::Outcome;
use crate::cases::p1_entry_kinds_round_trip::TEST_REFERENCES;
use crate::harness::Harness;
use crate::runner::{run_on, CaseRun};

/// One clean-up step and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupNote {
    /// What was (or should be) cleaned up.
    pub what: String,
    /// Whether it was done.
    pub done: bool,
}

/// The result of a pre-flight.
#[derive(Debug, Clone)]
pub struct PreflightReport {
    /// One run per check, P1 to P5.
    pub runs: Vec<CaseRun>,
    /// What the clean-up did and what is left for a person.
    pub cleanup: Vec<CleanupNote>,
}

impl PreflightReport {
    /// Go when no check failed (a check that does not apply carries its reason).
    pub fn go(&self) -> bool {
        self.runs.iter().all(|r| r.outcome != Outcome::Failed)
    }

    /// The report for a person.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.runs {
            let _ = writeln!(
                out,
                "{:<4} {:<15} {}",
                r.case,
                r.outcome.to_string(),
                r.title
            );
            if !r.reason.is_empty() {
                let _ = writeln!(out, "     {}", r.reason);
            }
        }
        if !self.cleanup.is_empty() {
            let _ = writeln!(out, "\nclean-up:");
            for c in &self.cleanup {
                let mark = if c.done { "done" } else { "LEFT" };
                let _ = writeln!(out, "  {mark:<4} {}", c.what);
            }
        }
        let verdict = if self.go() { "GO" } else { "NO-GO" };
        let _ = writeln!(out, "\npre-flight verdict: {verdict}");
        out
    }
}

/// Why P4 is not run against a live administration.
pub const P4_LIVE_REASON: &str =
    "P4 goes through three token expiries (30 minutes on Exact Online, \
     3 hours on Twinfield); it runs on the simulator (`grootboek preflight` without --live). Live, \
     share one connection between workers through the Redis token broker \
     (`GROOTBOEK_EXACT_TOKEN_BROKER=redis`)";

/// Run P1–P5 on `harness`, then clean up. Against a live administration (`live`), P4 is reported
/// not applicable with [`P4_LIVE_REASON`] for vendors whose tokens expire.
pub async fn run(harness: &dyn Harness, timeout: Duration, live: bool) -> PreflightReport {
    let mut runs = Vec::new();
    for case in crate::cases::all()
        .iter()
        .filter(|c| c.id().starts_with('P'))
    {
        if live && case.id() == "P4" && harness.ledger().capabilities().oauth_refresh {
            runs.push(CaseRun {
                case: case.id().to_string(),
                vendor: harness.vendor(),
                outcome: Outcome::NotApplicable,
                reason: P4_LIVE_REASON.to_string(),
                duration_ms: 0,
                title: case.title().to_string(),
            });
            continue;
        }
        runs.push(run_on(case.as_ref(), harness, timeout).await);
    }
    let cleanup = clean_up(harness).await;
    PreflightReport { runs, cleanup }
}

/// Reverse every test entry the pre-flight posted, and list the test customers it created.
async fn clean_up(harness: &dyn Harness) -> Vec<CleanupNote> {
    let ledger = harness.ledger();
    let fx = harness.fixture();
    let mut notes = Vec::new();
    for (i, reference) in TEST_REFERENCES.iter().enumerate() {
        let mut posted: Vec<PostedDocument> = Vec::new();
        match ledger.find_invoices(&fx.administration, reference).await {
            Ok(found) => posted.extend(found),
            Err(e) => notes.push(CleanupNote {
                what: format!("could not look up invoices {reference}: {e}"),
                done: false,
            }),
        }
        match ledger
            .find_credit_notes(&fx.administration, reference)
            .await
        {
            Ok(found) => posted.extend(found),
            Err(e) => notes.push(CleanupNote {
                what: format!("could not look up credit notes {reference}: {e}"),
                done: false,
            }),
        }
        for (n, p) in posted.iter().enumerate() {
            let reversal_ref = format!("GBTEST-REV{i}{n}");
            let result = reverse(ledger.as_ref(), &p.document, &reversal_ref).await;
            notes.push(CleanupNote {
                what: match &result {
                    Ok(()) => format!("{} {} reversed by {reversal_ref}", p.document.kind, p.id),
                    Err(e) => format!("{} {} could not be reversed: {e}", p.document.kind, p.id),
                },
                done: result.is_ok(),
            });
        }
    }
    notes.push(CleanupNote {
        what: "test customers with codes starting GBTEST- cannot be deleted through the ledger \
               interface: delete them in the vendor's screens"
            .into(),
        done: false,
    });
    notes
}

/// Post the opposite document with the same lines.
async fn reverse(
    ledger: &dyn grootboek_core::Ledger,
    doc: &SalesDocument,
    reference: &str,
) -> grootboek_core::Result<()> {
    let mut opposite = doc.clone();
    opposite.reference = reference.to_string();
    opposite.credits = None;
    opposite.description = Some(format!(
        "grootboek pre-flight reversal of {}",
        doc.reference
    ));
    match doc.kind {
        DocumentKind::Invoice => {
            opposite.kind = DocumentKind::CreditNote;
            ledger
                .create_credit_note(&CreditNote::try_from(opposite)?)
                .await?;
        }
        DocumentKind::CreditNote => {
            opposite.kind = DocumentKind::Invoice;
            ledger.create_invoice(&Invoice::try_from(opposite)?).await?;
        }
    }
    Ok(())
}
