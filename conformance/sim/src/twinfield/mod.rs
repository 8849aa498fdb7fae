//! # Twinfield simulator
//!
//! Three loopback servers sharing one state: the **login host** (OpenID Connect, see
//! [`oauth`](self) routes `/auth/authentication/connect/*`) and **two clusters**, each serving
//! `processxml.asmx`, `finder.asmx`, a REST-style status read and invoice PDFs. An
//! organisation lives on one cluster; its calls succeed only there (T02). All three also serve
//! the `/__sim/` control routes (generic ones from [`crate::common::control`], Twinfield's own
//! listed in the `control` module docs).
//!
//! Quirk switches, each on by default ([`QUIRKS`]):
//! - **Q03** — a VAT code missing from the office is swapped for the office default when the
//!   relation is domestic (same country as the office, or no relation), rejected otherwise.
//!   Off: always rejected with a `result="0"` error on the line's `vatcode`.
//! - **Q06** — a line matched with a match value of 0.00 reads `matched` while its amount is
//!   still open. Off: such a line reads `available`.
//! - **Q11** — invoice PDF URLs expire after 60 simulated minutes (403). Off: never.
//! - **Q12** — the REST-style read shows the state of 30 simulated seconds ago. Off: current.
//! - **Q15** — writing a dimension with an existing code overwrites it. Off: refused with an
//!   error on `code` unless the request carries the existing `<uid>` (read-modify-write).
//! - **Q25** — a browse reads an all-digit ledger account code as a number: `0110` is shown as
//!   `110`, while ProcessXml reads and writes keep and require `0110`. Off: the stored code.
//!
//! Fair use (T05/T06) is in [`rate_limit`]; oversize batches (more than 25 children, more than
//! 1000 lines) get Twinfield's generic server fault.

mod cluster;
mod control;
mod finder;
mod model;
mod oauth;
mod px;
pub mod rate_limit;
mod soap;
mod state;
mod wsdl;
pub mod xml;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;

pub use cluster::Q12_LAG_SECS;
pub use model::{
    Bank, BucketReport, BulkInvoices, CreditReport, DayBook, Dimension, RateLimitConfig,
    SeedClient, SeedError, SeedOffice, SeedOrganisation, TokenSet, Transaction, TransactionLine,
    TwinfieldSeed, VatCode,
};
pub use soap::TwinfieldFlavour;

use crate::common::{control as common_control, layer, RunningServer, SimCore};
use rate_limit::RateLimiter;
use state::State;

/// The quirk switches of this simulator (catalog IDs).
pub const QUIRKS: &[&str] = &["Q03", "Q06", "Q11", "Q12", "Q15", "Q25"];

/// How many clusters the simulator runs.
pub const CLUSTERS: u8 = 2;

/// State shared by the three servers.
pub(crate) struct Shared {
    pub core: Arc<SimCore>,
    state: Mutex<State>,
    pub limiter: RateLimiter,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running Twinfield simulator: a login host and two clusters on loopback.
pub struct TwinfieldSim {
    shared: Arc<Shared>,
    login: RunningServer,
    clusters: Vec<RunningServer>,
}

impl std::fmt::Debug for TwinfieldSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwinfieldSim")
            .field("urls", &self.urls())
            .finish()
    }
}

fn with_control(router: Router, sh: &Arc<Shared>) -> Router {
    let r = router
        .merge(control::router(sh.clone()))
        .merge(common_control::router(sh.core.clone()));
    layer::instrument(r, sh.core.clone())
}

impl TwinfieldSim {
    /// Start the login host and the clusters on `bind_ip` (free ports). The simulator starts
    /// empty: seed it (e.g. with [`TwinfieldSeed::demo`]).
    pub async fn start(bind_ip: IpAddr) -> std::io::Result<Self> {
        let core = SimCore::new("twinfield", QUIRKS, TwinfieldFlavour);
        let shared = Arc::new(Shared {
            core,
            state: Mutex::new(State::default()),
            limiter: RateLimiter::default(),
        });
        let bind = SocketAddr::new(bind_ip, 0);
        let login =
            RunningServer::start(with_control(oauth::router(shared.clone()), &shared), bind)
                .await?;
        let mut clusters = Vec::new();
        for n in 1..=CLUSTERS {
            let r = with_control(cluster::router(shared.clone(), n), &shared);
            clusters.push(RunningServer::start(r, bind).await?);
        }
        {
            let mut st = shared.lock();
            st.login_url = login.url();
            st.cluster_urls = clusters.iter().map(RunningServer::url).collect();
        }
        Ok(Self {
            shared,
            login,
            clusters,
        })
    }

    /// `("twinfield login", url)`, `("twinfield cluster 1", url)`, `("twinfield cluster 2", url)`.
    pub fn urls(&self) -> Vec<(String, String)> {
        let mut out = vec![("twinfield login".to_string(), self.login.url())];
        for (i, c) in self.clusters.iter().enumerate() {
            out.push((format!("twinfield cluster {}", i + 1), c.url()));
        }
        out
    }

    /// The generic core: clock, switches, faults, request log.
    pub fn core(&self) -> &Arc<SimCore> {
        &self.shared.core
    }

    /// Base URL of the login host (`…/auth/authentication/connect/token` etc. below it).
    pub fn login_url(&self) -> String {
        self.login.url()
    }

    /// Base URL of cluster `n` (1-based).
    pub fn cluster_url(&self, n: u8) -> Option<String> {
        self.clusters
            .get(usize::from(n.checked_sub(1)?))
            .map(RunningServer::url)
    }

    /// Base URL of the cluster `organisation` lives on (its `twf.clusterUrl`).
    pub fn cluster_url_of(&self, organisation: &str) -> Option<String> {
        self.shared.lock().cluster_url_of(organisation)
    }

    pub(crate) fn apply_seed(sh: &Shared, seed: TwinfieldSeed) -> Result<(), SeedError> {
        for c in &seed.clients {
            if let Some(cert) = c.certified {
                sh.limiter.set_client_certified(&c.client_id, cert);
            }
        }
        let now = sh.core.clock.now();
        sh.lock().apply_seed(seed, now)
    }

    /// Add clients, organisations, offices (with VAT codes, default code, country, day books),
    /// dimensions and transactions (with open amounts and match status). The same as
    /// `POST /__sim/seed`.
    pub fn seed(&self, seed: TwinfieldSeed) -> Result<(), SeedError> {
        Self::apply_seed(&self.shared, seed)
    }

    /// Register an OAuth client with one redirect URI (certification: the instance default).
    pub fn register_client(
        &self,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
    ) -> Result<(), SeedError> {
        self.seed(TwinfieldSeed {
            clients: vec![SeedClient {
                client_id: client_id.to_string(),
                client_secret: client_secret.to_string(),
                redirect_uris: vec![redirect_uri.to_string()],
                certified: None,
            }],
            ..TwinfieldSeed::default()
        })
    }

    pub(crate) fn issue_tokens_shared(
        sh: &Shared,
        client_id: &str,
        organisation: &str,
    ) -> Result<TokenSet, SeedError> {
        let now = sh.core.clock.now();
        let mut st = sh.lock();
        if !st.clients.contains_key(client_id) {
            return Err(SeedError::UnknownClient(client_id.to_string()));
        }
        if !st.orgs.contains_key(organisation) {
            return Err(SeedError::UnknownOrganisation(organisation.to_string()));
        }
        let scopes = [
            "openid",
            "twf.user",
            "twf.organisation",
            "twf.organisationUser",
            "offline_access",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let idx = st.new_grant(client_id, organisation, scopes, "sim".into(), now);
        Ok(oauth::issue(&mut st, idx, now, true))
    }

    /// Issue tokens for `organisation` to `client_id` without the browser dance, with every
    /// scope (`openid twf.user twf.organisation twf.organisationUser offline_access`).
    pub fn issue_tokens(&self, client_id: &str, organisation: &str) -> Result<TokenSet, SeedError> {
        Self::issue_tokens_shared(&self.shared, client_id, organisation)
    }

    /// Revoke the grant behind `refresh_token` (T04): the refresh token and its access tokens
    /// stop working. False when the token is unknown.
    pub fn revoke_refresh_token(&self, refresh_token: &str) -> bool {
        self.shared.lock().revoke_refresh(refresh_token)
    }

    /// Revoke every grant of `client_id` for `organisation` (a user disabled, a password
    /// changed); returns how many grants died.
    pub fn revoke_grants(&self, client_id: &str, organisation: &str) -> usize {
        self.shared
            .lock()
            .revoke_client_org(client_id, organisation)
    }

    /// Withhold the organisation user's right on `office` (T14: a role without access to it):
    /// the office is still listed, and every ProcessXml or finder call scoped to it answers
    /// Twinfield's "Access denied. No access to company …" fault. The same as
    /// `POST /__sim/offices/withheld {"withhold": [office]}`.
    pub fn withhold_office(&self, office: &str) {
        self.shared
            .lock()
            .withheld_offices
            .insert(office.to_string());
    }

    /// Give a withheld office right back (see [`TwinfieldSim::withhold_office`]).
    pub fn restore_office(&self, office: &str) {
        self.shared.lock().withheld_offices.remove(office);
    }

    /// The stored dimension of `office` with type and code.
    pub fn dimension(&self, office: &str, dim_type: &str, code: &str) -> Option<Dimension> {
        self.shared
            .lock()
            .offices
            .get(office)
            .and_then(|o| o.dim(dim_type, code).cloned())
    }

    /// The day books (transaction types) of `office`.
    pub fn day_books(&self, office: &str) -> Vec<DayBook> {
        self.shared
            .lock()
            .offices
            .get(office)
            .map(|o| o.day_books.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Add day books to an existing office (a book with a taken code replaces it). Returns
    /// false when the office does not exist.
    pub fn add_day_books(&self, office: &str, books: Vec<DayBook>) -> bool {
        let mut shared = self.shared.lock();
        let Some(o) = shared.offices.get_mut(office) else {
            return false;
        };
        for b in books {
            o.day_books.insert(b.code.clone(), b);
        }
        true
    }

    /// Every stored dimension of `office`.
    pub fn dimensions(&self, office: &str) -> Vec<Dimension> {
        self.shared
            .lock()
            .offices
            .get(office)
            .map(|o| o.dims.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The stored transaction (current version, raw match status) of `office`, day book
    /// `code` and `number`.
    pub fn transaction(&self, office: &str, code: &str, number: &str) -> Option<Transaction> {
        self.shared.lock().offices.get(office).and_then(|o| {
            o.txs
                .get(&(code.to_string(), number.to_string()))
                .map(|t| t.tx.clone())
        })
    }

    /// Every stored transaction of `office`, by day book and number.
    pub fn transactions(&self, office: &str) -> Vec<Transaction> {
        self.shared
            .lock()
            .offices
            .get(office)
            .map(|o| o.txs.values().map(|t| t.tx.clone()).collect())
            .unwrap_or_default()
    }

    /// Credit counters of every bucket (the same as `GET /__sim/credits`).
    pub fn credits(&self) -> CreditReport {
        self.shared.limiter.report(self.shared.core.clock.now())
    }

    /// Zero the credit counters.
    pub fn reset_credits(&self) {
        self.shared.limiter.reset_counters();
    }

    /// The fair-use configuration.
    pub fn rate_limits(&self) -> RateLimitConfig {
        self.shared.limiter.config()
    }

    /// Replace the fair-use configuration.
    pub fn set_rate_limits(&self, config: RateLimitConfig) {
        self.shared.limiter.set_config(config);
    }

    /// Set the instance default certification (clients without their own setting).
    pub fn set_certified(&self, certified: bool) {
        let mut cfg = self.rate_limits();
        cfg.certified = certified;
        self.set_rate_limits(cfg);
    }

    /// Certify (or uncertify) one client.
    pub fn set_client_certified(&self, client_id: &str, certified: bool) {
        self.shared
            .limiter
            .set_client_certified(client_id, certified);
    }

    pub(crate) fn reset_shared(sh: &Shared) {
        sh.core.reset();
        sh.lock().clear();
        sh.limiter.reset_all();
    }

    /// Back to a fresh, empty simulator (switches on, clock real, no faults, no data, default
    /// limits). The same as `POST /__sim/reset`.
    pub fn reset(&self) {
        Self::reset_shared(&self.shared);
    }

    /// Stop the servers.
    pub async fn shutdown(self) {
        self.login.shutdown().await;
        for c in self.clusters {
            c.shutdown().await;
        }
    }
}
