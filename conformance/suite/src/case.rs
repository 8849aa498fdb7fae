//! Cases and their outcomes.

use std::fmt;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};
use serde::Serialize;

use crate::harness::Harness;

/// How one case went against one vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every assertion held.
    Passed,
    /// An assertion failed or the adapter returned an unexpected error.
    Failed,
    /// The case does not apply to this vendor; the reason says why.
    NotApplicable,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::NotApplicable => "not_applicable",
        })
    }
}

/// Whether a case applies to a vendor, decided before it runs from the vendor and the adapter's
/// capabilities — never by returning early from inside a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicability {
    /// Run it.
    Applies,
    /// Do not run it, for this written reason.
    NotApplicable(String),
}

/// A failed assertion with a message for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<grootboek_core::Error> for Failure {
    fn from(e: grootboek_core::Error) -> Self {
        Failure(format!("unexpected error: {e}"))
    }
}

/// What a case body returns.
pub type CaseResult = Result<(), Failure>;

/// Fail the case with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::case::Failure(format!($($arg)+)));
        }
    };
}

/// One catalog entry, written once against the core traits.
#[async_trait]
pub trait Case: Send + Sync {
    /// The catalog ID (`Q01`).
    fn id(&self) -> &'static str;

    /// One line saying what the case asserts.
    fn title(&self) -> &'static str;

    /// Whether the case applies to this vendor with these capabilities.
    fn applies(&self, vendor: Vendor, capabilities: &Capabilities) -> Applicability;

    /// Run the case on a fresh harness.
    async fn run(&self, harness: &dyn Harness) -> CaseResult;
}
