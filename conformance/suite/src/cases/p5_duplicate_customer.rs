//! P5: pre-flight — a duplicate customer code is refused, not overwritten.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::q15_create_refuses_taken_code::duplicate_code_is_refused;
use crate::harness::Harness;

/// The case.
pub struct P5;

#[async_trait]
impl Case for P5 {
    fn id(&self) -> &'static str {
        "P5"
    }
    fn title(&self) -> &'static str {
        "pre-flight: posting a duplicate customer code is refused, not overwritten"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.dimension_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot create customers".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        // A code of its own per run, so a live administration can run the pre-flight again.
        // 16 characters at most: AFAS debtor numbers are that long.
        let code = format!(
            "GBTEST-{:09}",
            chrono::Utc::now().timestamp() % 1_000_000_000
        );
        duplicate_code_is_refused(h, &code).await
    }
}
