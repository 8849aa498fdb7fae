//! Exact-specific values beyond the core model: bank entries, subscriptions with their derived
//! state, webhook notifications and subscriptions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A bank entry to post to (or as read from) `financialtransaction/BankEntries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntry {
    /// The division (the core's administration code).
    pub administration: String,
    /// The bank journal code.
    pub journal: String,
    /// The currency (`EUR` when left out).
    pub currency: Option<String>,
    /// The lines, at least one.
    pub lines: Vec<BankEntryLine>,
}

/// One line of a bank entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntryLine {
    /// Value date.
    pub date: NaiveDate,
    /// The amount as Exact books it on the line (`AmountFC`): the sign convention of bank lines is
    /// Exact's own and is passed through unchanged (reference §4.4).
    pub amount: Decimal,
    /// The offset GL account code, if any.
    pub gl_account: Option<String>,
    /// The customer (or supplier) code paying or paid, if any.
    pub customer: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The invoice number this line pays (`OurRef`).
    pub our_ref: Option<i64>,
}

/// A bank entry as Exact holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedBankEntry {
    /// `EntryID`.
    pub entry_id: String,
    /// `EntryNumber`.
    pub entry_number: Option<i64>,
    /// The entry as read back.
    pub entry: BankEntry,
}

/// The life-cycle state of a subscription, derived from its dates (Q13): Exact's published field
/// lists have no status, and filtering a numeric `Status eq 1` omits the grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Starts later.
    Future,
    /// Running, not cancelled.
    Active,
    /// Cancelled, still running until its end date (the grace period).
    Grace,
    /// Past its end date.
    Ended,
}

impl SubscriptionState {
    /// Whether the subscription is running (active or in its grace period).
    pub fn is_running(&self) -> bool {
        matches!(self, SubscriptionState::Active | SubscriptionState::Grace)
    }

    /// The state on `today` from a subscription's dates.
    pub fn derive(
        today: NaiveDate,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        cancelled: Option<NaiveDate>,
    ) -> Self {
        if start.is_some_and(|s| today < s) {
            SubscriptionState::Future
        } else if end.is_some_and(|e| e < today) {
            SubscriptionState::Ended
        } else if cancelled.is_some() {
            SubscriptionState::Grace
        } else {
            SubscriptionState::Active
        }
    }
}

/// A subscription (`subscription/Subscriptions`) with its derived state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `EntryID`.
    pub entry_id: String,
    /// `Number`.
    pub number: Option<i64>,
    /// `Description`.
    pub description: Option<String>,
    /// The ordering customer's GUID (`OrderedBy`).
    pub ordered_by: Option<String>,
    /// `StartDate`.
    pub start_date: Option<NaiveDate>,
    /// `EndDate`.
    pub end_date: Option<NaiveDate>,
    /// `CancellationDate`.
    pub cancellation_date: Option<NaiveDate>,
    /// The state derived from the dates (or, with the Q13 defence off, assumed from the filter).
    pub state: SubscriptionState,
}

/// The `Content` of a verified webhook notification (reference §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookContent {
    /// `Topic` (e.g. `SalesInvoices`, `Accounts`).
    pub topic: String,
    /// `Division`.
    pub division: i32,
    /// `Action`: `Create`, `Update` or `Delete`.
    pub action: String,
    /// `Key`: the entity's GUID.
    pub key: String,
    /// `ExactOnlineEndpoint`: where to fetch the entity.
    pub endpoint: Option<String>,
    /// `EventCreatedOn`, as sent.
    pub event_created_on: Option<String>,
}

/// A verified webhook notification and the entity it names, fetched once readable (Q16).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookEvent {
    /// The notification.
    pub content: WebhookContent,
    /// The entity as Exact serves it at `ExactOnlineEndpoint` (`None` for a `Delete`), every
    /// JSON number given as a string with its exact text (`"AmountFC": "9075.5"`), so that no
    /// amount passes through floating point.
    pub entity: Option<serde_json::Map<String, serde_json::Value>>,
    /// How many GETs it took to read the entity.
    pub attempts: u32,
}

/// A webhook subscription (`webhooks/WebhookSubscriptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSubscription {
    /// `ID`.
    pub id: String,
    /// `Topic`.
    pub topic: String,
    /// `CallbackURL`.
    pub callback_url: String,
    /// `Description`.
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, m, day)
    }

    #[test]
    fn q13_states_derive_from_dates() {
        let today = d(6, 1).unwrap();
        assert_eq!(
            SubscriptionState::derive(today, d(7, 1), None, None),
            SubscriptionState::Future
        );
        assert_eq!(
            SubscriptionState::derive(today, d(1, 1), None, None),
            SubscriptionState::Active
        );
        let grace = SubscriptionState::derive(today, d(1, 1), d(6, 30), d(5, 1));
        assert_eq!(grace, SubscriptionState::Grace);
        assert!(grace.is_running());
        assert_eq!(
            SubscriptionState::derive(today, d(1, 1), d(5, 31), d(5, 1)),
            SubscriptionState::Ended
        );
        assert_eq!(
            SubscriptionState::derive(today, d(1, 1), d(6, 1), None),
            SubscriptionState::Active
        );
    }
}
