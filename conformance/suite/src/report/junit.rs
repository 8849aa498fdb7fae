//! JUnit XML: one test suite per vendor, one test case per catalog case.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::case::Outcome;
use crate::report::vendors;
use crate::runner::CaseRun;

/// The JUnit XML report.
pub fn junit(runs: &[CaseRun]) -> String {
    let mut report = Report::new("grootboek conformance");
    for vendor in vendors(runs) {
        let mut suite = TestSuite::new(format!("conformance::{vendor}"));
        for r in runs.iter().filter(|r| r.vendor == vendor) {
            let status = match r.outcome {
                Outcome::Passed => TestCaseStatus::success(),
                Outcome::Failed => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(r.reason.clone());
                    s
                }
                Outcome::NotApplicable => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("not applicable: {}", r.reason));
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {}", r.case, r.title), status);
            case.set_classname(format!("grootboek.{vendor}"));
            case.set_time(Duration::from_millis(r.duration_ms));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- could not write JUnit XML: {e} -->"))
}
