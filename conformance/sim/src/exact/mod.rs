//! # Exact Online simulator
//!
//! One axum server speaks Exact's OAuth (`/api/oauth2/auth`, `/api/oauth2/token`) and REST API
//! (`/api/v1/{division}/…`, `/api/v1/current/Me`) in OData v2 verbose JSON, from the wire
//! format in `reference/exact.md`, and reproduces the Exact quirks of `QUIRKS.md`, each on by
//! default with a switch named by its ID:
//!
//! | ID | on (default, as observed) | off (documented) |
//! |---|---|---|
//! | Q01 | a PUT/PATCH addressed to `SalesEntries` without a key (by `$filter` on `YourRef`, or by `YourRef`/`InvoiceNumber` in the body) lands on the sibling with the lowest `EntryNumber`, which takes every field sent (its `Type` included) | refused: 400, the key is required |
//! | Q04 | refresh tokens rotate; a superseded one answers 401 `Old refresh token used.` | the previous refresh token keeps working until the new one is redeemed |
//! | Q07 | pages of 60 rows | pages of 100 |
//! | Q08 | a URL without a division answers 401 exactly like an expired token | 400 saying the division is missing |
//! | Q13 | `Subscriptions` in their grace period (cancelled, running out) carry `Status` 2, so `Status eq 1` omits them (their `StatusDescription` is `Active`) | they carry `Status` 1 |
//! | Q16 | a created entity whose webhook fires is unreadable for N simulated seconds (default 3) | readable at once |
//!
//! Always on: `expires_in` as a string, 600 s access tokens, the 570 s refresh floor
//! (`TooEarlyToRefreshTokens`), single-use 3-minute codes, rate limits of 60/minute and
//! 5,000/day per app and division with `X-RateLimit-*` headers, padded `Code`/`Country`/`VATCode`,
//! fractional percentages, `/Date(ms)/`, `__deferred`, `__next` with `$skiptoken`, 1000-row bulk
//! pages, webhook bodies signed with upper-case hex HMAC-SHA256 over the raw `Content`.
//!
//! Control: in process through [`ExactSim`], and over HTTP under `/__sim/` (see
//! [`routes::control`] and [`crate::common::control`]).

pub mod errors;
pub mod filter;
pub mod json;
pub mod model;
pub mod oauth;
pub mod odata;
pub mod rate_limit;
pub mod render;
pub mod routes;
pub mod seed;
pub mod sets;
pub mod state;
pub mod store;
pub mod webhooks;
pub mod writes;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::common::{RunningServer, SimCore};

pub use errors::ExactSimError;
pub use model::{
    Account, BankEntry, BankEntryLine, Division, GlAccount, Journal, Receivable, SalesEntry,
    SalesEntryLine, Subscription, SubscriptionState, VatCode, WebhookSubscription,
};
pub use oauth::IssuedTokens;
pub use rate_limit::RateLimits;
pub use seed::{
    ClientApp, ExactSeed, SeedAccount, SeedBankEntry, SeedBankLine, SeedDivision, SeedGlAccount,
    SeedJournal, SeedReport, SeedSalesEntry, SeedSalesLine, SeedSubscription, SeedVatCode,
};
pub use webhooks::WebhookDelivery;

/// The quirk switches of this simulator.
pub const QUIRKS: &[&str] = &["Q01", "Q04", "Q07", "Q08", "Q13", "Q16", "Q24"];

/// A running Exact Online simulator (see the module docs).
pub struct ExactSim {
    shared: Arc<state::Shared>,
    server: RunningServer,
}

impl std::fmt::Debug for ExactSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactSim")
            .field("url", &self.server.url())
            .finish()
    }
}

impl ExactSim {
    /// Start a fresh simulator on a free port of `bind_ip`.
    pub async fn start(bind_ip: IpAddr) -> std::io::Result<Self> {
        let core = SimCore::new("exact", QUIRKS, errors::ExactFlavour);
        let shared = Arc::new(state::Shared {
            core,
            inner: Mutex::new(state::Inner::default()),
            base_url: RwLock::new(String::new()),
        });
        let server =
            RunningServer::start(routes::router(shared.clone()), SocketAddr::new(bind_ip, 0))
                .await?;
        if let Ok(mut b) = shared.base_url.write() {
            *b = server.url();
        }
        Ok(Self { shared, server })
    }

    /// `[("exact", "http://ip:port")]`: OAuth is at `{url}/api/oauth2/…`, the API at
    /// `{url}/api/v1/…`, control at `{url}/__sim/…`.
    pub fn urls(&self) -> Vec<(String, String)> {
        vec![("exact".to_string(), self.server.url())]
    }

    /// `http://ip:port`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// Clock, switches, faults and request log.
    pub fn core(&self) -> &Arc<SimCore> {
        &self.shared.core
    }

    /// Add seed data (the same as `POST /__sim/seed`). All or nothing: on an error nothing
    /// of the seed is applied.
    pub fn seed(&self, seed: ExactSeed) -> Result<SeedReport, ExactSimError> {
        let now = self.shared.core.clock.now();
        let mut inner = self.shared.lock();
        let mut attempt = inner.store.clone();
        let apps = seed.apps.clone();
        let report = attempt.apply_seed(seed, now)?;
        inner.store = attempt;
        for app in apps {
            inner.oauth.register(app);
        }
        Ok(report)
    }

    /// Empty the simulator: no divisions, apps or rows; switches on; clock real; log and
    /// faults cleared (the same as `POST /__sim/reset`).
    pub fn reset(&self) {
        self.shared.core.reset();
        *self.shared.lock() = state::Inner::default();
    }

    /// Register (or replace) a client app.
    pub fn register_app(&self, app: ClientApp) {
        self.shared.lock().oauth.register(app);
    }

    /// Issue a token pair for `client_id` without the authorize dance: a new chain for the
    /// default user (the previous chain of that app and user stops working).
    pub fn issue_tokens(&self, client_id: &str) -> Result<IssuedTokens, ExactSimError> {
        self.issue_tokens_as(client_id, oauth::DEFAULT_USER)
    }

    /// [`Self::issue_tokens`] for a named user: chains are per app and user, so two users of
    /// one app are two independent connections.
    pub fn issue_tokens_as(
        &self,
        client_id: &str,
        user: &str,
    ) -> Result<IssuedTokens, ExactSimError> {
        let now = self.shared.core.clock.now();
        let mut inner = self.shared.lock();
        if inner.oauth.app(client_id).is_none() {
            return Err(ExactSimError::UnknownClient(client_id.to_string()));
        }
        Ok(inner.oauth.new_grant(client_id, user, now))
    }

    /// Revoke the default user's grant of `client_id` (T04: password change, consent
    /// withdrawn). Its access tokens answer 401 at once, its refresh token `invalid_grant`.
    /// False when there was no live grant.
    pub fn revoke_grant(&self, client_id: &str) -> bool {
        self.shared
            .lock()
            .oauth
            .revoke(client_id, oauth::DEFAULT_USER)
    }

    /// Revoke a named user's grant of `client_id`.
    pub fn revoke_grant_as(&self, client_id: &str, user: &str) -> bool {
        self.shared.lock().oauth.revoke(client_id, user)
    }

    /// Revoke whatever grant this refresh token (current or superseded) belongs to.
    pub fn revoke_refresh_token(&self, refresh_token: &str) -> bool {
        self.shared
            .lock()
            .oauth
            .revoke_by_refresh_token(refresh_token)
    }

    /// How many refreshes (rotations) `client_id` has done, over all its users.
    pub fn refresh_count(&self, client_id: &str) -> u64 {
        self.shared.lock().oauth.refresh_count(client_id)
    }

    /// Every sales entry of `division`, as stored (readable or not).
    pub fn sales_entries(&self, division: i32) -> Vec<SalesEntry> {
        state::sales_entries_of(&self.shared.lock(), division)
    }

    /// One sales entry by `EntryID`.
    pub fn sales_entry(&self, entry_id: Uuid) -> Option<SalesEntry> {
        self.shared
            .lock()
            .store
            .sales_entries
            .iter()
            .find(|e| e.entry_id == entry_id)
            .cloned()
    }

    /// Every journal of a division (the vendor's own count for journal listings).
    pub fn journals(&self, division: i32) -> Vec<Journal> {
        let inner = self.shared.lock();
        inner
            .store
            .journals
            .iter()
            .filter(|j| j.division == division)
            .cloned()
            .collect()
    }

    /// Every general ledger account of `division` (read-only: the soak maps line accounts by id).
    pub fn gl_accounts(&self, division: i32) -> Vec<GlAccount> {
        let inner = self.shared.lock();
        inner
            .store
            .gl_accounts
            .iter()
            .filter(|g| g.division == division)
            .cloned()
            .collect()
    }

    /// Every account of `division`.
    pub fn accounts(&self, division: i32) -> Vec<Account> {
        let inner = self.shared.lock();
        inner
            .store
            .accounts
            .iter()
            .filter(|a| a.division == division)
            .cloned()
            .collect()
    }

    /// Every bank entry of `division`.
    pub fn bank_entries(&self, division: i32) -> Vec<BankEntry> {
        let inner = self.shared.lock();
        inner
            .store
            .bank_entries
            .iter()
            .filter(|e| e.division == division)
            .cloned()
            .collect()
    }

    /// Every subscription of `division`.
    pub fn subscriptions(&self, division: i32) -> Vec<Subscription> {
        let inner = self.shared.lock();
        inner
            .store
            .subscriptions
            .iter()
            .filter(|e| e.division == division)
            .cloned()
            .collect()
    }

    /// The open items of `division` (what `ReceivablesList` serves), computed from cash.
    pub fn receivables(&self, division: i32) -> Vec<Receivable> {
        self.shared.lock().store.receivables(division)
    }

    /// The open amount of one sales entry (zero when fully paid).
    pub fn open_amount(&self, entry_id: Uuid) -> Option<Decimal> {
        let inner = self.shared.lock();
        let e = inner
            .store
            .sales_entries
            .iter()
            .find(|e| e.entry_id == entry_id)?;
        Some(
            inner
                .store
                .receivables(e.division)
                .iter()
                .find(|r| r.entry_id == entry_id)
                .map_or(Decimal::ZERO, |r| r.open_amount),
        )
    }

    /// Every webhook notification produced so far, oldest first (pull variant; the same
    /// bodies are POSTed to `http://` callbacks).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.lock().outbox.clone()
    }

    /// Take (and forget) the webhook notifications produced so far.
    pub fn take_webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        std::mem::take(&mut self.shared.lock().outbox)
    }

    /// Set the Q16 delay (simulated time between a notification and the entity becoming
    /// readable; default 3 s).
    pub fn set_q16_delay(&self, delay: Duration) {
        self.shared.lock().q16_delay = delay;
    }

    /// Set the rate limits (default 60/minute, 5,000/day per app and division).
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.shared.lock().limiter.limits = limits;
    }

    /// Set the division `current/Me` reports as `CurrentDivision`.
    pub fn set_current_division(&self, division: i32) -> Result<(), ExactSimError> {
        let mut inner = self.shared.lock();
        if !inner.store.divisions.contains_key(&division) {
            return Err(ExactSimError::UnknownDivision(division));
        }
        inner.store.current_division = Some(division);
        Ok(())
    }

    /// Stop serving.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
