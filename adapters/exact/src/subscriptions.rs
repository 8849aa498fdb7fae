//! Subscriptions (`subscription/Subscriptions`), an Exact-only operation of [`ExactLedger`],
//! with their state derived from the dates (Q13).

use grootboek_core::Result;

use crate::ledger::ExactLedger;
use crate::mapping::subscriptions;
use crate::model::{Subscription, SubscriptionState};
use crate::urls::{Endpoint, Query};

impl ExactLedger {
    /// Every subscription of an administration with its state derived from the dates (Q13); with
    /// the Q13 defence off, the naive `Status eq 1` filter and every row assumed active.
    pub async fn subscriptions(&self, administration: &str) -> Result<Vec<Subscription>> {
        let division = Self::division(administration)?;
        let today = self.today();
        let (query, assumed) = if self.defence("Q13") {
            (Query::select(subscriptions::SELECT), None)
        } else {
            (
                Query::select(subscriptions::SELECT).filter("Status eq 1"),
                Some(SubscriptionState::Active),
            )
        };
        let rows = self
            .client()
            .all("subscriptions", division, Endpoint::Subscriptions, &query)
            .await?;
        rows.iter()
            .map(|r| subscriptions::from_wire(r, today, assumed))
            .collect()
    }

    /// The running subscriptions (active or in their grace period, Q13).
    pub async fn running_subscriptions(&self, administration: &str) -> Result<Vec<Subscription>> {
        Ok(self
            .subscriptions(administration)
            .await?
            .into_iter()
            .filter(|s| s.state.is_running())
            .collect())
    }
}
