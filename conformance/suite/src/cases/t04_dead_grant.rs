//! T04: a refresh token that died without warning (password change, user disabled) surfaces as
//! "re-consent required": never retried, never a panic, one look at the token endpoint at most.

use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Error, ErrorKind, Ledger, Vendor};
use std::sync::Arc;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::q04_shared_token_broker::static_token_reason;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct T04;

/// One call in its own task, so that a panic in the adapter is seen as such.
async fn call(
    ledger: Arc<dyn Ledger>,
    administration: String,
) -> Result<Result<(), Error>, Failure> {
    tokio::spawn(async move {
        ledger
            .list_journals(&administration, None)
            .await
            .map(|_| ())
    })
    .await
    .map_err(|e| Failure(format!("the adapter panicked on a dead grant: {e}")))
}

#[async_trait]
impl Case for T04 {
    fn id(&self) -> &'static str {
        "T04"
    }
    fn title(&self) -> &'static str {
        "a revoked grant surfaces as re-consent required: not retryable, no panic, one token request at most"
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
        let ledger = h.ledger();
        let lifetime = h
            .access_token_lifetime()
            .ok_or_else(|| Failure("the harness does not know the access-token lifetime".into()))?;
        call(ledger.clone(), admin.clone()).await?.map_err(|e| {
            Failure(format!(
                "the connection did not work before the revocation: {e}"
            ))
        })?;
        ensure!(
            h.revoke_grant(),
            "the simulator holds no grant to revoke for this connection"
        );
        ensure!(
            h.advance_clock(lifetime + Duration::from_secs(1)),
            "the harness cannot move the simulated clock"
        );
        let before = h.token_endpoint_requests()?;
        for attempt in ["first", "second"] {
            match call(ledger.clone(), admin.clone()).await? {
                Ok(()) => {
                    return Err(Failure(format!(
                        "the {attempt} call after the revocation and expiry succeeded"
                    )))
                }
                Err(e) => {
                    ensure!(
                        e.kind() == &ErrorKind::ReconsentRequired,
                        "the {attempt} call after the revocation failed as {e}, not as re-consent required"
                    );
                    ensure!(!e.is_retryable(), "the dead grant is marked retryable: {e}");
                }
            }
        }
        let asked = h.token_endpoint_requests()? - before;
        ensure!(
            asked <= 1,
            "the token endpoint was asked {asked} times for a dead grant"
        );
        Ok(())
    }
}
