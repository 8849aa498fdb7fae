//! Reports of a conformance run: a terminal matrix, JSON, JUnit XML and a self-contained HTML page.

mod html;
mod json;
mod junit;
mod table;

pub use html::html;
pub use json::{json, Summary};
pub use junit::junit;
pub use table::table;

use grootboek_core::Vendor;

use crate::runner::CaseRun;

/// The vendors present in a run, in report order.
fn vendors(runs: &[CaseRun]) -> Vec<Vendor> {
    let mut v: Vec<Vendor> = Vendor::ALL
        .into_iter()
        .filter(|v| runs.iter().any(|r| r.vendor == *v))
        .collect();
    v.dedup();
    v
}

/// The case IDs present in a run, in run order.
fn cases(runs: &[CaseRun]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in runs {
        if !out.iter().any(|(id, _)| id == &r.case) {
            out.push((r.case.clone(), r.title.clone()));
        }
    }
    out
}
