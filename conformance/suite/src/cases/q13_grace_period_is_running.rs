//! Q13: Exact's `Status eq 1` omits subscriptions in their grace period; the adapter derives the
//! state from the dates, so running subscriptions include the grace period.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct Q13;

#[async_trait]
impl Case for Q13 {
    fn id(&self) -> &'static str {
        "Q13"
    }
    fn title(&self) -> &'static str {
        "running subscriptions include the ones in their grace period (cancelled, not yet ended)"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact if caps.subscriptions => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "the {} adapter reads no subscriptions (only Exact Online has a subscription module with a status filter to get wrong)",
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
    use chrono::Duration;
    use grootboek_core::dates::amsterdam_date;
    use grootboek_sim::exact::{ExactSeed, SeedSubscription};
    use uuid::Uuid;

    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let ex = support::exact(h)?;
        let fx = h.fixture();
        let division = ex.division();
        let customer = ex
            .sim()
            .accounts(division)
            .into_iter()
            .find(|a| a.code.trim() == fx.domestic_customer)
            .ok_or_else(|| Failure(format!("customer {} is not seeded", fx.domestic_customer)))?
            .id;
        let today = amsterdam_date(ex.sim().core().clock.now());
        let day = |n: i64| today + Duration::days(n);
        let (active, grace, ended) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let sub = |id: Uuid, description: &str, end, cancelled| SeedSubscription {
            division,
            entry_id: Some(id),
            description: Some(description.into()),
            ordered_by: customer,
            start_date: Some(day(-100)),
            end_date: end,
            cancellation_date: cancelled,
            ..Default::default()
        };
        ex.sim()
            .seed(ExactSeed {
                subscriptions: vec![
                    sub(active, "Q13 active", None, None),
                    sub(grace, "Q13 grace period", Some(day(20)), Some(day(-10))),
                    sub(ended, "Q13 ended", Some(day(-5)), Some(day(-30))),
                ],
                ..Default::default()
            })
            .map_err(|e| Failure(format!("cannot seed subscriptions: {e}")))?;
        let running = ex.exact().running_subscriptions(&fx.administration).await?;
        let has = |id: Uuid| {
            running
                .iter()
                .any(|s| s.entry_id.trim().eq_ignore_ascii_case(&id.to_string()))
        };
        ensure!(
            has(grace),
            "the subscription in its grace period (cancelled, ends in 20 days) is missing from the running ones ({} listed)",
            running.len()
        );
        ensure!(
            has(active),
            "the active subscription is missing from the running ones"
        );
        ensure!(!has(ended), "the ended subscription is listed as running");
        Ok(())
    }
}
