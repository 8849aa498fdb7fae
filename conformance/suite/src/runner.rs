//! Runs cases against vendors: each case on a fresh simulator, independent runs concurrently.

use std::sync::Arc;
use std::time::{Duration, Instant};

use grootboek_core::{Defences, Vendor};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::case::{Applicability, Case, Outcome};
use crate::harness::{Harness, VendorBinding};

/// The result of one case against one vendor.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRun {
    /// Catalog ID.
    pub case: String,
    /// Vendor name.
    pub vendor: Vendor,
    /// What happened.
    pub outcome: Outcome,
    /// Why it failed or does not apply (empty when passed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The case's one-line title.
    pub title: String,
}

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    /// Defences to turn off in every adapter.
    pub defences: Defences,
    /// A Redis URL for the shared token broker and budgets.
    pub redis: Option<String>,
    /// How many case runs at once.
    pub concurrency: usize,
    /// Longest a case may take.
    pub timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            defences: Defences::all(),
            redis: None,
            concurrency: 4,
            timeout: Duration::from_secs(180),
        }
    }
}

/// Run every case against every binding, calling `progress` after each run. Results are in case
/// order, then vendor order.
pub async fn run(
    cases: Vec<Arc<dyn Case>>,
    bindings: Vec<Arc<dyn VendorBinding>>,
    options: RunOptions,
    progress: impl Fn(&CaseRun) + Send + Sync + 'static,
) -> Vec<CaseRun> {
    let progress = Arc::new(progress);
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::new();
    for (ci, case) in cases.iter().enumerate() {
        for (vi, binding) in bindings.iter().enumerate() {
            let (case, binding, options, permits, progress) = (
                case.clone(),
                binding.clone(),
                options.clone(),
                permits.clone(),
                progress.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let run = run_one(case.as_ref(), binding.as_ref(), &options).await;
                progress(&run);
                (ci, vi, run)
            }));
        }
    }
    let mut out = Vec::new();
    for t in tasks {
        match t.await {
            Ok(r) => out.push(r),
            Err(e) => out.push((
                usize::MAX,
                usize::MAX,
                CaseRun {
                    case: "?".into(),
                    vendor: Vendor::Exact,
                    outcome: Outcome::Failed,
                    reason: format!("case task panicked: {e}"),
                    duration_ms: 0,
                    title: String::new(),
                },
            )),
        }
    }
    out.sort_by_key(|(c, v, _)| (*c, *v));
    out.into_iter().map(|(_, _, r)| r).collect()
}

/// Run one case against one vendor on a fresh harness.
pub async fn run_one(
    case: &dyn Case,
    binding: &dyn VendorBinding,
    options: &RunOptions,
) -> CaseRun {
    let start = Instant::now();
    match binding
        .harness(options.defences.clone(), options.redis.as_deref())
        .await
    {
        Ok(harness) => {
            let mut run = run_on(case, harness.as_ref(), options.timeout).await;
            run.duration_ms = start.elapsed().as_millis() as u64;
            run
        }
        Err(e) => CaseRun {
            case: case.id().to_string(),
            vendor: binding.vendor(),
            outcome: Outcome::Failed,
            reason: format!("could not set up the simulator and adapter: {e}"),
            duration_ms: start.elapsed().as_millis() as u64,
            title: case.title().to_string(),
        },
    }
}

/// Run one case on a harness that already exists (a pre-flight runs its cases in one session).
pub async fn run_on(case: &dyn Case, harness: &dyn Harness, timeout: Duration) -> CaseRun {
    let start = Instant::now();
    let caps = harness.ledger().capabilities();
    let (outcome, reason) = match case.applies(harness.vendor(), &caps) {
        Applicability::NotApplicable(reason) => (Outcome::NotApplicable, reason),
        Applicability::Applies => match tokio::time::timeout(timeout, case.run(harness)).await {
            Ok(Ok(())) => (Outcome::Passed, String::new()),
            Ok(Err(f)) => (Outcome::Failed, f.0),
            Err(_) => (
                Outcome::Failed,
                format!("timed out after {} s", timeout.as_secs()),
            ),
        },
    };
    CaseRun {
        case: case.id().to_string(),
        vendor: harness.vendor(),
        outcome,
        reason,
        duration_ms: start.elapsed().as_millis() as u64,
        title: case.title().to_string(),
    }
}
