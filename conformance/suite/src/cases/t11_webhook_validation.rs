//! T11: right after a webhook subscription is created, Exact POSTs an empty body to the callback
//! and refuses the subscription unless it is answered 2xx; notifications carry `HashCode` in
//! upper-case hex. A receiver built on the adapter's `handle_webhook` answers the empty POST 2xx
//! (fetching nothing), verifies a real notification, accepts its `HashCode` in either case and
//! refuses a forged one.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct T11;

#[async_trait]
impl Case for T11 {
    fn id(&self) -> &'static str {
        "T11"
    }
    fn title(&self) -> &'static str {
        "a webhook receiver answers Exact's empty validation POST with 2xx and compares the upper-case HashCode without regard to case"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact if caps.webhooks => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "{} pushes no webhooks, so there is no validation POST or HashCode",
                crate::cases::support::vendor_name(v)
            )),
        }
    }
    #[cfg(feature = "exact")]
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        exact::run(h).await
    }
    #[cfg(not(feature = "exact"))]
    async fn run(&self, _h: &dyn Harness) -> CaseResult {
        Err(crate::case::Failure(
            "this build has no Exact adapter".into(),
        ))
    }
}

#[cfg(feature = "exact")]
mod exact {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::body::Bytes;
    use axum::http::StatusCode;
    use grootboek_core::{CountryCode, Dimension, Dimensions};

    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    /// What the receiver was sent and answered: (body bytes, status).
    type Seen = Arc<Mutex<Vec<(usize, u16)>>>;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let ex = support::exact(h)?;
        let admin = h.fixture().administration.clone();
        ex.sim().set_q16_delay(Duration::ZERO);
        let receiver = ex.exact().clone();
        let seen: Seen = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: Bytes| {
                let (receiver, log) = (receiver.clone(), log.clone());
                async move {
                    let status = match receiver.handle_webhook(&body).await {
                        Ok(_) => StatusCode::OK,
                        Err(_) => StatusCode::UNAUTHORIZED,
                    };
                    if let Ok(mut l) = log.lock() {
                        l.push((body.len(), status.as_u16()));
                    }
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Failure(format!("cannot listen for webhooks: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure(format!("no local address: {e}")))?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let result = exercise(ex, &admin, &format!("http://{addr}/hook"), &seen).await;
        server.abort();
        result
    }

    async fn exercise(
        ex: &crate::vendors::exact::ExactHarness,
        admin: &str,
        callback: &str,
        seen: &Seen,
    ) -> CaseResult {
        let snapshot = || seen.lock().map(|s| s.clone()).unwrap_or_default();
        // Exact validates the callback with an empty POST: a receiver that does not answer it
        // 2xx never gets a subscription.
        ex.exact()
            .create_webhook_subscription(admin, "Accounts", callback)
            .await
            .map_err(|e| Failure(format!("the subscription was refused: {e}")))?;
        let first = snapshot();
        ensure!(
            first.first() == Some(&(0, 200)),
            "the empty validation POST was not answered 200: {first:?}"
        );
        ex.sim().take_webhook_deliveries();
        let country: CountryCode = "NL"
            .parse()
            .map_err(|e| Failure(format!("country code: {e}")))?;
        ex.exact()
            .create_dimension(admin, &Dimension::customer("T11C", "Webhook BV", country))
            .await?;
        let mut pushed = snapshot();
        for _ in 0..100 {
            if pushed.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            pushed = snapshot();
        }
        ensure!(
            pushed
                .get(1)
                .is_some_and(|(len, status)| *len > 0 && *status == 200),
            "the notification was not verified and answered 200: {pushed:?}"
        );
        // The same body with its HashCode lower-cased verifies too; a forged one does not.
        let deliveries = ex.sim().take_webhook_deliveries();
        let body = deliveries
            .iter()
            .find(|d| d.topic == "Accounts" && !d.body.is_empty())
            .map(|d| d.body.clone())
            .ok_or_else(|| Failure("the simulator recorded no Accounts notification".into()))?;
        let marker = "\"HashCode\":\"";
        let at = body
            .rfind(marker)
            .map(|i| i + marker.len())
            .ok_or_else(|| Failure("the notification has no HashCode".into()))?;
        let hash = body.get(at..).unwrap_or_default();
        ensure!(
            hash.chars()
                .take(64)
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "the simulator's HashCode is not upper-case hex: {hash}"
        );
        let lower = format!("{}{}", &body[..at], hash.to_ascii_lowercase());
        ex.exact()
            .verify_webhook(lower.as_bytes())
            .map_err(|e| Failure(format!("a lower-case HashCode was refused: {e}")))?;
        let forged = format!(
            "{}{}",
            &body[..at],
            hash.replacen(|c: char| c.is_ascii_hexdigit(), "0", 3)
        );
        ensure!(forged != body, "the forged body equals the original");
        ensure!(
            ex.exact().verify_webhook(forged.as_bytes()).is_err(),
            "a forged HashCode was accepted"
        );
        Ok(())
    }
}
