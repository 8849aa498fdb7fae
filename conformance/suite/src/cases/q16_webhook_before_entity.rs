//! Q16: Exact webhooks arrive before the entity is readable; the adapter verifies the body and
//! fetches the entity with bounded retries until it is readable.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct Q16;

#[async_trait]
impl Case for Q16 {
    fn id(&self) -> &'static str {
        "Q16"
    }
    fn title(&self) -> &'static str {
        "a webhook whose entity becomes readable 3 s later yields the entity; a forged HashCode is refused"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact if caps.webhooks => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "{} pushes no webhooks, so there is no notification that can outrun its entity",
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
    use std::time::Duration;

    use grootboek_core::{CountryCode, Dimension, Dimensions, ErrorKind};

    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    /// Simulated seconds between the notification and the entity becoming readable.
    const DELAY: Duration = Duration::from_secs(3);

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let ex = support::exact(h)?;
        let admin = h.fixture().administration.clone();
        // An https callback: the simulator records the notification instead of pushing it.
        ex.exact()
            .create_webhook_subscription(&admin, "Accounts", "https://hooks.example.invalid/exact")
            .await?;
        ex.sim().set_q16_delay(DELAY);
        // Ten simulated seconds per real second: the 3 s delay passes in 0.3 s real.
        ex.sim().core().clock.set_speed_milli(10_000);
        ex.sim().take_webhook_deliveries();
        // Another system creates the customer (no read-back: it is not readable yet).
        let writer = ex
            .variant(|c| grootboek_core::runtime::RuntimeConfig::with_verify(c, false))
            .await?;
        let country: CountryCode = "DE"
            .parse()
            .map_err(|e| Failure(format!("country code: {e}")))?;
        let code = "Q16C";
        writer
            .create_dimension(
                &admin,
                &Dimension::customer(code, "Nieuwe Klant GmbH", country),
            )
            .await?;
        let deliveries = ex.sim().take_webhook_deliveries();
        let delivery = deliveries
            .iter()
            .find(|d| d.topic == "Accounts" && d.action == "Create")
            .ok_or_else(|| {
                Failure(format!(
                    "the simulator sent no Accounts notification ({} deliveries)",
                    deliveries.len()
                ))
            })?;
        ensure!(
            delivery.readable_from.is_some(),
            "the simulator made the entity readable at once; the quirk is not in effect"
        );
        let event = ex
            .exact()
            .handle_webhook(delivery.body.as_bytes())
            .await
            .map_err(|e| Failure(format!("the webhook did not yield its entity: {e}")))?
            .ok_or_else(|| Failure("the notification was taken for a validation ping".into()))?;
        let entity = event
            .entity
            .as_ref()
            .ok_or_else(|| Failure("the webhook yielded no entity".into()))?;
        let got = entity
            .get("Code")
            .and_then(|v| v.as_str())
            .map(str::trim)
            .unwrap_or_default();
        ensure!(
            got == code,
            "the webhook yielded account {got:?}, not {code}"
        );
        ensure!(
            event.attempts >= 2,
            "the entity was readable at the first attempt ({} attempts); the delay was not exercised",
            event.attempts
        );
        // A forged HashCode is refused before anything is fetched.
        let marker = "\"HashCode\":\"";
        let at = delivery
            .body
            .rfind(marker)
            .map(|i| i + marker.len())
            .ok_or_else(|| Failure("the notification has no HashCode".into()))?;
        let end = delivery
            .body
            .get(at..)
            .and_then(|rest| rest.find('"'))
            .map(|i| at + i)
            .ok_or_else(|| Failure("the notification's HashCode is not closed".into()))?;
        let mut forged = delivery.body.clone();
        forged.replace_range(at..end, &"A".repeat(end - at));
        ensure!(
            forged != delivery.body,
            "the forged body equals the original"
        );
        match ex.exact().handle_webhook(forged.as_bytes()).await {
            Ok(_) => {
                return Err(Failure(
                    "a webhook with a forged HashCode was accepted".into(),
                ))
            }
            Err(e) => ensure!(
                e.kind() == &ErrorKind::Unauthenticated,
                "a forged HashCode was refused as {e}, not as unauthenticated"
            ),
        }
        Ok(())
    }
}
