//! [`TwinfieldLedger`]: the struct, [`connect`], the accessors, the helpers the other files share
//! and the [`Ledger`] impl, which delegates to `reference.rs` and `open_items.rs`. The crate docs
//! have the layout of the adapter in one table.

mod dimensions;
mod documents;
mod open_items;
mod reference;
mod tokens;

pub use self::documents::{BatchOutcome, PreparedDocument};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use grootboek_core::runtime::{seed_refresh_token, ConnectionId, TwinfieldOperation};
use grootboek_core::{
    Administration, Capabilities, Cursor, EntryId, Error, Journal, Ledger, Money, OpenItem, Page,
    Result, VatCode, Vendor,
};

use crate::auth::{OAuth, TwinfieldRefresher};
use crate::client::{http_client, Transport, TransportStats};
use crate::config::TwinfieldConfig;

/// ProcessXml reads (1 credit each).
pub(crate) const READ: TwinfieldOperation = TwinfieldOperation::Read;
/// ProcessXml writes (3 credits each).
const WRITE: TwinfieldOperation = TwinfieldOperation::Write;

/// A Twinfield connection: one organisation (one consent), any of its offices per call.
pub struct TwinfieldLedger {
    /// The transport: HTTP, tokens, budget and cluster.
    pub(crate) t: Transport,
    oauth: OAuth,
    vat_cache: Mutex<HashMap<String, Arc<Vec<VatCode>>>>,
    /// Ledger account codes found in an office, as (office, code), verbatim (Q25).
    account_cache: Mutex<HashSet<(String, String)>>,
    /// Invoice PDF bytes by entry (Q11).
    pub(crate) pdf_bytes: Mutex<HashMap<EntryId, Arc<Vec<u8>>>>,
    /// Invoice PDF URLs by entry (only with the Q11 defence off).
    pub(crate) pdf_urls: Mutex<HashMap<EntryId, String>>,
    /// When this connection wrote each transaction (Q12).
    pub(crate) written: Mutex<HashMap<EntryId, DateTime<Utc>>>,
    /// The locks of creates (R03).
    pub(crate) create_locks: Arc<dyn grootboek_core::runtime::KeyLock>,
}

impl std::fmt::Debug for TwinfieldLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwinfieldLedger")
            .field("config", &self.t.cfg)
            .finish_non_exhaustive()
    }
}

/// Lock a cache, also after a panic elsewhere poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn connection_id(organisation: &str) -> Result<ConnectionId> {
    let safe: String = organisation
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:@/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    ConnectionId::new(format!("twinfield:{safe}"))
}

/// Connect: build the HTTP client, the token broker (in memory unless configured) and the budget
/// (in memory unless configured). A configured refresh token is stored for the first refresh;
/// nothing is sent until the first call.
pub async fn connect(config: TwinfieldConfig) -> Result<TwinfieldLedger> {
    TwinfieldLedger::connect(config).await
}

impl TwinfieldLedger {
    /// See [`connect`].
    pub async fn connect(config: TwinfieldConfig) -> Result<Self> {
        if config.client_id.trim().is_empty() || config.organisation.trim().is_empty() {
            return Err(
                Error::config("Twinfield needs a client id and an organisation")
                    .with_vendor(Vendor::Twinfield),
            );
        }
        let http = http_client(&config)?;
        let conn = connection_id(&config.organisation)?;
        let broker = config
            .runtime
            .token_broker(Arc::new(TwinfieldRefresher::new(&config, http.clone())?))
            .await?;
        seed_refresh_token(broker.as_ref(), &conn, config.refresh_token.as_ref()).await?;
        let budget = config.runtime.shared_budget().await?;
        let create_locks = config.runtime.key_lock().await?;
        if !config.certified {
            tracing::info!(
                target: "grootboek::budget",
                organisation = %config.organisation,
                "Twinfield connection runs uncertified: 5 % of the credits (25 a minute per organisation); set certified once the app is"
            );
        }
        let oauth = OAuth::new(&config, http.clone())?;
        Ok(Self {
            t: Transport::new(config, http, broker, conn, budget),
            oauth,
            vat_cache: Mutex::new(HashMap::new()),
            account_cache: Mutex::new(HashSet::new()),
            pdf_bytes: Mutex::new(HashMap::new()),
            pdf_urls: Mutex::new(HashMap::new()),
            written: Mutex::new(HashMap::new()),
            create_locks,
        })
    }

    /// The configuration of this connection.
    pub(crate) fn cfg(&self) -> &TwinfieldConfig {
        &self.t.cfg
    }

    /// What this connection sent so far (requests, credits, 429s).
    pub fn stats(&self) -> TransportStats {
        self.t.stats()
    }
}

#[async_trait]
impl Ledger for TwinfieldLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
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
