//! Q04: two adapter instances ("two processes") and many tasks on one OAuth connection refresh
//! through one token broker: exactly one refresh per expiry, no 401, no failure.

use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::support::{answered_with, concurrent_reads};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q04;

/// Expiries to go through.
const EXPIRIES: u64 = 3;
/// Concurrent reads per adapter instance after each expiry.
const TASKS: usize = 4;
/// How long before its expiry each access token is used: inside every adapter's refresh skew,
/// so the refresh happens ahead of expiry, and (for Exact) past the 570 s refresh floor.
const BEFORE_EXPIRY: Duration = Duration::from_secs(10);

/// Why a vendor without OAuth refresh has no such case.
pub(crate) fn static_token_reason(vendor: Vendor) -> String {
    match vendor {
        Vendor::Afas => {
            "AFAS uses a static AfasToken; there is nothing to refresh, so no two processes can break each other's token".into()
        }
        v => format!(
                "the {} adapter does not use OAuth refresh tokens; there is nothing to refresh",
                crate::cases::support::vendor_name(v)
            ),
    }
}

#[async_trait]
impl Case for Q04 {
    fn id(&self) -> &'static str {
        "Q04"
    }
    fn title(&self) -> &'static str {
        "two adapter instances and many tasks on one connection refresh once per expiry, with no 401"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.oauth_refresh {
            Applicability::Applies
        } else {
            Applicability::NotApplicable(static_token_reason(vendor))
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let admin = h.fixture().administration.clone();
        let lifetime = h
            .access_token_lifetime()
            .ok_or_else(|| Failure("the harness does not know the access-token lifetime".into()))?;
        let first = h.ledger();
        let second = h.second_connection().await?;
        let ledgers = [first, second];
        // Both instances work with the tokens as issued.
        let errors = concurrent_reads(&ledgers, &admin, 1).await?;
        ensure!(
            errors.is_empty(),
            "before any expiry: {}",
            errors.first().map(|e| e.to_string()).unwrap_or_default()
        );
        let mut failures = Vec::new();
        for expiry in 1..=EXPIRIES {
            let before = h.refresh_count().await?;
            ensure!(
                h.advance_clock(lifetime.saturating_sub(BEFORE_EXPIRY)),
                "the harness cannot move the simulated clock"
            );
            let errors = concurrent_reads(&ledgers, &admin, TASKS).await?;
            failures.extend(errors.iter().map(|e| format!("expiry {expiry}: {e}")));
            let after = h.refresh_count().await?;
            ensure!(
                after.saturating_sub(before) == 1,
                "expiry {expiry}: {} refreshes instead of exactly one ({} failed calls{})",
                after.saturating_sub(before),
                errors.len(),
                failures
                    .first()
                    .map(|f| format!(", first: {f}"))
                    .unwrap_or_default()
            );
        }
        ensure!(
            failures.is_empty(),
            "{} of {} calls failed, first: {}",
            failures.len(),
            EXPIRIES as usize * TASKS * 2,
            failures.first().cloned().unwrap_or_default()
        );
        let unauthorized = answered_with(&h.requests(), 0, &[401]);
        ensure!(
            unauthorized.is_empty(),
            "the vendor answered 401 {} times, first: {}",
            unauthorized.len(),
            unauthorized.first().cloned().unwrap_or_default()
        );
        Ok(())
    }
}
