//! [`ExactLedger`]: the struct, [`connect`], the accessors, the helpers the other files share and
//! the [`Ledger`] impl, which delegates to `reference.rs` and `open_items.rs`. The crate docs have
//! the layout of the adapter in one table.

mod dimensions;
mod documents;
mod open_items;
mod reference;
mod tokens;

pub use documents::PreparedDocument;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::dates::amsterdam_date;
use grootboek_core::runtime::http::{
    checked_url, HostPolicy, HttpClient, StatsSnapshot, Transport,
};
use grootboek_core::runtime::{seed_refresh_token, ConnectionId, ExactBudget, TokenBroker};
use grootboek_core::{
    Administration, Capabilities, Cursor, Error, ErrorKind, Journal, Ledger, Money, OpenItem, Page,
    Result, VatCode, Vendor,
};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

use crate::auth::ExactOAuth;
use crate::client::{Client, ExactProtocol, Tokens};
use crate::config::ExactConfig;
use crate::odata::Row;
use crate::urls::{ApiUrls, Division, Endpoint, Query};

use self::reference::Caches;

/// An Exact Online connection implementing [`Ledger`]. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct ExactLedger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ExactLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactLedger")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

struct Inner {
    config: ExactConfig,
    client: Client,
    oauth: Arc<ExactOAuth>,
    broker: Arc<dyn TokenBroker>,
    conn: ConnectionId,
    caches: Mutex<Caches>,
}

/// Tag an error with the vendor and the operation, unless it already names them.
pub(crate) fn op_err(e: Error, op: &'static str) -> Error {
    let e = if e.vendor().is_none() {
        e.with_vendor(Vendor::Exact)
    } else {
        e
    };
    if e.operation().is_none() {
        e.with_operation(op)
    } else {
        e
    }
}

/// Connect: build the HTTP client, the OAuth client, the token broker and the budget.
pub async fn connect(config: ExactConfig) -> Result<ExactLedger> {
    ExactLedger::connect(config).await
}

impl ExactLedger {
    /// Connect with `config` (see [`ExactConfig`]). Nothing is sent to Exact yet.
    pub async fn connect(config: ExactConfig) -> Result<Self> {
        config.validate()?;
        // Exact rotates the refresh token on every refresh: one kept only in memory is lost with
        // the process, and so is the consent.
        config.runtime.require_durable_tokens(Vendor::Exact)?;
        let base = config.base()?;
        let policy = HostPolicy::new();
        policy.allow_origin("the Exact base URL", &base)?;
        policy.allow_origin(
            "the Exact token URL",
            &checked_url("the Exact token URL", &config.token_endpoint()?)?,
        )?;
        let http = HttpClient::new(Vendor::Exact, config.runtime.http, policy)?;
        let oauth = Arc::new(ExactOAuth::new(&config, http.clone())?);
        let conn = ConnectionId::new(config.connection())?;
        let layout = ExactBudget::new(config.client_id.clone())
            .with_limits(config.budgets.per_minute, config.budgets.per_day)
            .with_windows(config.budgets.minute, config.budgets.day);
        let broker = config.runtime.token_broker(oauth.clone()).await?;
        let budget = config.runtime.shared_budget().await?;
        seed_refresh_token(broker.as_ref(), &conn, config.refresh_token.as_ref()).await?;
        let tokens = Self::tokens(&config, &broker, &conn, &oauth);
        let protocol = ExactProtocol {
            tokens,
            urls: ApiUrls::new(base),
            check_token_on_401: config.runtime.defence("Q08"),
            unauthorized_not_token: AtomicU64::new(0),
        };
        let client = Client {
            transport: Transport::new(http, protocol, budget, config.runtime.retry),
            layout,
            follow_next: config.runtime.defence("Q07"),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                client,
                oauth,
                broker,
                conn,
                caches: Mutex::new(Caches::default()),
            }),
        })
    }

    /// Tokens through the broker; with the Q04 defence off (a `without-defences` build), a naive
    /// private copy.
    fn tokens(
        config: &ExactConfig,
        broker: &Arc<dyn TokenBroker>,
        conn: &ConnectionId,
        oauth: &Arc<ExactOAuth>,
    ) -> Tokens {
        #[cfg(feature = "without-defences")]
        if !config.runtime.defence("Q04") {
            return Tokens::Naive {
                broker: broker.clone(),
                conn: conn.clone(),
                oauth: oauth.clone(),
                copy: Mutex::new(None),
                skew: config.runtime.refresh_skew,
                clock: config.runtime.clock.clone(),
            };
        }
        let _ = (config, oauth);
        Tokens::Broker {
            broker: broker.clone(),
            conn: conn.clone(),
        }
    }

    /// The configuration of this connection.
    pub(crate) fn cfg(&self) -> &ExactConfig {
        &self.inner.config
    }

    /// The HTTP client of this connection.
    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Whether the defence with catalog ID `id` is on.
    pub(crate) fn defence(&self, id: &str) -> bool {
        self.cfg().runtime.defence(id)
    }

    /// Today in Europe/Amsterdam, by the configured clock.
    pub(crate) fn today(&self) -> NaiveDate {
        amsterdam_date(self.cfg().runtime.clock.now())
    }

    /// Request counters (requests, 401s, 429s, bytes, budget waits).
    pub fn stats(&self) -> StatsSnapshot {
        self.client().transport.stats().snapshot()
    }

    /// 401s that the token check showed were not about the token (Q08).
    pub fn unauthorized_not_token(&self) -> u64 {
        self.client()
            .transport
            .protocol()
            .unauthorized_not_token
            .load(Ordering::Relaxed)
    }

    /// The division an administration code names.
    pub(crate) fn division(administration: &str) -> Result<Division> {
        administration.parse()
    }

    fn default_division(&self) -> Result<Division> {
        match self.cfg().division {
            Some(d) => Division::new(d),
            None => Err(Error::config(
                "no default division configured (GROOTBOEK_EXACT_DIVISION)",
            )),
        }
    }

    /// Run `fetch` until it yields something or the webhook fetch deadline passes, with
    /// doubling waits; NotFound counts as "not yet". Returns the value and the attempts made.
    pub(crate) async fn patiently<T, F, Fut>(&self, mut fetch: F) -> Result<(Option<T>, u32)>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let policy = self.cfg().webhook_fetch;
        let deadline = tokio::time::Instant::now() + policy.deadline;
        let mut delay = policy.first_delay;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match fetch().await {
                Ok(Some(v)) => return Ok((Some(v), attempts)),
                Ok(None) => {}
                Err(e) if *e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let now = tokio::time::Instant::now();
            if now + delay > deadline {
                return Ok((None, attempts));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    }

    /// One page of a listing: the first with `query`, later ones from the cursor (`__next`).
    async fn page_of(
        &self,
        division: Division,
        endpoint: Endpoint,
        query: &Query,
        cursor: Option<Cursor>,
        op: &'static str,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        let url = match cursor {
            None => self.client().urls().collection(division, endpoint, query)?,
            Some(c) => self.client().urls().next_page(division, &c.0)?,
        };
        let page = self.client().page(op, &url).await?;
        let next = if self.defence("Q07") {
            page.next.map(Cursor)
        } else {
            None
        };
        Ok((page.rows, next))
    }
}

#[async_trait]
impl Ledger for ExactLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities::capabilities()
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        self.fetch_administrations().await
    }

    async fn list_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        self.fetch_journals(administration, cursor).await
    }

    async fn vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        self.fetch_vat_codes(administration).await
    }

    async fn list_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        self.fetch_open_items(administration, cursor).await
    }

    async fn customer_balance(&self, administration: &str, customer: &str) -> Result<Money> {
        self.fetch_customer_balance(administration, customer).await
    }
}
