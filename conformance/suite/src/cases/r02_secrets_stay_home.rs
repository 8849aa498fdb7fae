//! R02: a server that answers with a redirect to another host receives no request from the
//! adapter there — no token in a header, a SOAP header or a token form, no body — and the adapter
//! reports an error instead of taking the other host's answer as data.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};
use grootboek_sim::common::{Fault, FaultSpec};
use tokio::net::TcpListener;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct R02;

/// A loopback listener on another port (another origin): it counts every connection.
async fn other_host() -> Result<(String, Arc<AtomicUsize>), Failure> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure(format!("cannot listen: {e}")))?;
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|e| Failure(format!("no address: {e}")))?
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(sock);
        }
    });
    Ok((url, hits))
}

#[async_trait]
impl Case for R02 {
    fn id(&self) -> &'static str {
        "R02"
    }
    fn title(&self) -> &'static str {
        "a redirect to another host is never followed: no token, secret or body reaches it"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let faults = h
            .sim_faults()
            .ok_or_else(|| Failure("this harness cannot fault its simulator".into()))?;
        let (other, hits) = other_host().await?;
        let ledger = h.ledger();
        let administration = h.fixture().administration.clone();
        // Every redirect status, on the next request whatever it is (a read, and for OAuth
        // vendors also the token refresh once the access token has expired).
        for status in [301, 302, 303, 307, 308] {
            faults.push(
                FaultSpec::new(Fault::redirect(status, other.clone()).keeping_path()).times(1),
            );
            let read = ledger.list_open_items(&administration, None).await;
            ensure!(
                read.is_err(),
                "the answer of a {status} redirect was taken as data"
            );
            faults.clear();
        }
        if let Some(lifetime) = h.access_token_lifetime() {
            // The token endpoint redirects: the refresh token in the form must stay home.
            ensure!(
                h.advance_clock(lifetime),
                "the harness cannot move its clock"
            );
            faults.push(
                FaultSpec::new(Fault::redirect(307, other.clone()).keeping_path())
                    .path_contains("token")
                    .times(1),
            );
            let read = ledger.list_open_items(&administration, None).await;
            ensure!(
                read.is_err(),
                "the refresh answered by a redirect was accepted"
            );
            faults.clear();
        }
        ensure!(
            hits.load(Ordering::SeqCst) == 0,
            "the other host received {} connection(s)",
            hits.load(Ordering::SeqCst)
        );
        // Once the server stops redirecting, the connection works again.
        ledger.list_open_items(&administration, None).await?;
        Ok(())
    }
}
