//! The JSON report: `{"results":[…],"summary":{"passed":N,"failed":N,"not_applicable":N}}`.

use serde::Serialize;
use serde_json::json as j;

use crate::case::Outcome;
use crate::runner::CaseRun;

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Runs that passed.
    pub passed: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs that do not apply.
    pub not_applicable: usize,
}

impl Summary {
    /// Count the outcomes of `runs`.
    pub fn of(runs: &[CaseRun]) -> Self {
        let mut s = Summary::default();
        for r in runs {
            match r.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::NotApplicable => s.not_applicable += 1,
            }
        }
        s
    }
}

/// The JSON report as a value.
pub fn json(runs: &[CaseRun]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let mut v = j!({
                "case": r.case,
                "vendor": r.vendor,
                "outcome": r.outcome,
                "duration_ms": r.duration_ms,
                "title": r.title,
            });
            if !r.reason.is_empty() {
                v["reason"] = j!(r.reason);
            }
            v
        })
        .collect();
    j!({"results": results, "summary": Summary::of(runs)})
}
