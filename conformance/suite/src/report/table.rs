//! The terminal matrix: one row per case, one column per vendor, then the reasons.

use std::fmt::Write;

use crate::case::Outcome;
use crate::report::{cases, vendors, Summary};
use crate::runner::CaseRun;

/// The matrix as text.
pub fn table(runs: &[CaseRun]) -> String {
    let vendors = vendors(runs);
    let mut out = String::new();
    let _ = write!(out, "{:<6}", "case");
    for v in &vendors {
        let _ = write!(out, " {:<15}", v.as_str());
    }
    out.push('\n');
    for (id, title) in cases(runs) {
        let _ = write!(out, "{id:<6}");
        for v in &vendors {
            let cell = runs
                .iter()
                .find(|r| r.case == id && r.vendor == *v)
                .map(|r| r.outcome.to_string())
                .unwrap_or_else(|| "-".into());
            let _ = write!(out, " {cell:<15}");
        }
        let _ = writeln!(out, " {title}");
    }
    let notes: Vec<&CaseRun> = runs
        .iter()
        .filter(|r| r.outcome != Outcome::Passed)
        .collect();
    if !notes.is_empty() {
        out.push('\n');
        for r in notes {
            let _ = writeln!(out, "{} {} {}: {}", r.case, r.vendor, r.outcome, r.reason);
        }
    }
    let s = Summary::of(runs);
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} not applicable",
        s.passed, s.failed, s.not_applicable
    );
    out
}
