//! P4: two processes hold one connection and take turns after each expiry, without a 401.

use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::q04_shared_token_broker::static_token_reason;
use crate::cases::support::answered_with;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct P4;

/// Expiries to go through.
const EXPIRIES: usize = 3;

#[async_trait]
impl Case for P4 {
    fn id(&self) -> &'static str {
        "P4"
    }
    fn title(&self) -> &'static str {
        "pre-flight: two processes on one connection take turns after each expiry without a 401"
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
        let a = h.ledger();
        let b = h.second_connection().await?;
        for (name, l) in [("A", &a), ("B", &b)] {
            l.list_journals(&admin, None)
                .await
                .map_err(|e| Failure(format!("process {name} before any expiry: {e}")))?;
        }
        for expiry in 1..=EXPIRIES {
            // Past the expiry: whoever comes first refreshes, the other uses the new pair.
            ensure!(
                h.advance_clock(lifetime + Duration::from_secs(1)),
                "the harness cannot move the simulated clock"
            );
            for (name, l) in [("A", &a), ("B", &b)] {
                l.list_journals(&admin, None)
                    .await
                    .map_err(|e| Failure(format!("process {name} after expiry {expiry}: {e}")))?;
            }
        }
        let unauthorized = answered_with(&h.requests(), 0, &[401]);
        ensure!(
            unauthorized.is_empty(),
            "the vendor answered 401 {} times, first: {}",
            unauthorized.len(),
            unauthorized.first().cloned().unwrap_or_default()
        );
        let refreshes = h.refresh_count().await?;
        ensure!(
            refreshes == EXPIRIES as u64,
            "{refreshes} refreshes for {EXPIRIES} expiries"
        );
        Ok(())
    }
}
