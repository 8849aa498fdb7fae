//! The state one Exact simulator shares between its routes and its handle.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use uuid::Uuid;

use crate::common::SimCore;

use super::model::*;
use super::oauth::OAuth;
use super::rate_limit::RateLimiter;
use super::sets::SetKind;
use super::store::Store;
use super::webhooks::WebhookDelivery;

/// Default Q16 delay between a write's webhook and the entity becoming readable.
pub const DEFAULT_Q16_DELAY: Duration = Duration::from_secs(3);

/// Everything mutable, behind one lock (never held across an await).
#[derive(Clone)]
pub struct Inner {
    /// Administrations.
    pub store: Store,
    /// OAuth apps, codes and grants.
    pub oauth: OAuth,
    /// Rate-limit counters.
    pub limiter: RateLimiter,
    /// Every webhook notification produced, oldest first.
    pub outbox: Vec<WebhookDelivery>,
    /// Q16 delay (simulated time).
    pub q16_delay: Duration,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            store: Store::default(),
            oauth: OAuth::default(),
            limiter: RateLimiter::default(),
            outbox: Vec::new(),
            q16_delay: DEFAULT_Q16_DELAY,
        }
    }
}

impl Inner {
    /// Make the row `id` of `kind` unreadable until `until` (Q16).
    pub fn hide_until(&mut self, kind: SetKind, id: Uuid, until: chrono::DateTime<chrono::Utc>) {
        let s = &mut self.store;
        match kind {
            SetKind::Accounts => set_visible(
                s.accounts
                    .iter_mut()
                    .find(|a| a.id == id)
                    .map(|a| &mut a.visible_from),
                until,
            ),
            SetKind::SalesEntries => set_visible(
                s.sales_entries
                    .iter_mut()
                    .find(|e| e.entry_id == id)
                    .map(|e| &mut e.visible_from),
                until,
            ),
            SetKind::BankEntries => set_visible(
                s.bank_entries
                    .iter_mut()
                    .find(|e| e.entry_id == id)
                    .map(|e| &mut e.visible_from),
                until,
            ),
            SetKind::Subscriptions => set_visible(
                s.subscriptions
                    .iter_mut()
                    .find(|e| e.entry_id == id)
                    .map(|e| &mut e.visible_from),
                until,
            ),
            _ => {}
        }
    }
}

fn set_visible(
    slot: Option<&mut Option<chrono::DateTime<chrono::Utc>>>,
    until: chrono::DateTime<chrono::Utc>,
) {
    if let Some(v) = slot {
        *v = Some(until);
    }
}

/// The shared state of one simulator instance.
pub struct Shared {
    /// Clock, switches, faults, request log.
    pub core: Arc<SimCore>,
    /// Mutable state.
    pub inner: Mutex<Inner>,
    /// `http://ip:port` once bound (used when a request carries no Host header, and for
    /// webhook endpoints).
    pub base_url: RwLock<String>,
}

impl Shared {
    /// Lock the mutable state (a poisoned lock is recovered: the state stays usable).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The bound base URL.
    pub fn base_url(&self) -> String {
        self.base_url.read().map(|b| b.clone()).unwrap_or_default()
    }
}

/// Every sales entry of a division, for assertions.
pub fn sales_entries_of(inner: &Inner, division: i32) -> Vec<SalesEntry> {
    inner
        .store
        .sales_entries
        .iter()
        .filter(|e| e.division == division)
        .cloned()
        .collect()
}
