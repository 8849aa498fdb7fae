//! A self-contained HTML page: the coloured case × vendor matrix and each failure's detail.

use std::fmt::Write;

use crate::case::Outcome;
use crate::report::{cases, vendors, Summary};
use crate::runner::CaseRun;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML report.
pub fn html(runs: &[CaseRun]) -> String {
    let vendors = vendors(runs);
    let s = Summary::of(runs);
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>grootboek conformance</title><style>\
         body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}\
         .passed{background:#c8efc8}.failed{background:#f4b6b6}.not_applicable{background:#e4e4e4;color:#555}\
         </style></head><body><h1>grootboek conformance</h1>",
    );
    let _ = write!(
        out,
        "<p>{} passed, {} failed, {} not applicable</p><table><tr><th>case</th><th>what it asserts</th>",
        s.passed, s.failed, s.not_applicable
    );
    for v in &vendors {
        let _ = write!(out, "<th>{v}</th>");
    }
    out.push_str("</tr>");
    for (id, title) in cases(runs) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            escape(&id),
            escape(&title)
        );
        for v in &vendors {
            match runs.iter().find(|r| r.case == id && r.vendor == *v) {
                Some(r) => {
                    let _ = write!(
                        out,
                        "<td class=\"{o}\" title=\"{t}\">{o}</td>",
                        o = r.outcome,
                        t = escape(&r.reason)
                    );
                }
                None => out.push_str("<td>-</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    let failures: Vec<&CaseRun> = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    if !failures.is_empty() {
        out.push_str("<h2>Failures</h2><dl>");
        for r in failures {
            let _ = write!(
                out,
                "<dt>{} on {}</dt><dd><pre>{}</pre></dd>",
                escape(&r.case),
                r.vendor,
                escape(&r.reason)
            );
        }
        out.push_str("</dl>");
    }
    let not_applicable: Vec<&CaseRun> = runs
        .iter()
        .filter(|r| r.outcome == Outcome::NotApplicable)
        .collect();
    if !not_applicable.is_empty() {
        out.push_str("<h2>Not applicable</h2><dl>");
        for r in not_applicable {
            let _ = write!(
                out,
                "<dt>{} on {}</dt><dd>{}</dd>",
                escape(&r.case),
                r.vendor,
                escape(&r.reason)
            );
        }
        out.push_str("</dl>");
    }
    out.push_str("</body></html>\n");
    out
}
