//! [`AfasLedger`]: the struct, [`connect`], the accessors, the helpers the other files share and
//! the [`Ledger`] impl, which delegates to `reference.rs` and `open_items.rs`. The crate docs have
//! the layout of the adapter in one table.

mod dimensions;
mod documents;
mod open_items;
mod reference;

pub use documents::PreparedDocument;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use grootboek_core::runtime::http::StatsSnapshot;
use grootboek_core::{
    Administration, Capabilities, Cursor, Error, ErrorKind, Journal, Ledger, Money, OpenItem, Page,
    Result, VatCode, Vendor,
};

use crate::client::{AfasClient, Filter};
use crate::config::{AfasConfig, GetConnectors};
use crate::listing::KeyedListing;
use crate::mapping::reference::AfasVatCode;

/// An AFAS Profit connection implementing [`Ledger`].
pub struct AfasLedger {
    config: AfasConfig,
    client: AfasClient,
    vat_cache: Mutex<HashMap<String, Vec<AfasVatCode>>>,
    /// The locks of creates (R03).
    create_locks: std::sync::Arc<dyn grootboek_core::runtime::KeyLock>,
}

impl std::fmt::Debug for AfasLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasLedger")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn not_found(what: String) -> Error {
    Error::new(ErrorKind::NotFound, what).with_vendor(Vendor::Afas)
}

fn tag(op: &'static str) -> impl Fn(Error) -> Error {
    move |e| {
        let e = if e.vendor().is_none() {
            e.with_vendor(Vendor::Afas)
        } else {
            e
        };
        if e.operation().is_none() {
            e.with_operation(op)
        } else {
            e
        }
    }
}

/// Connect to AFAS Profit. No request is made until the first call.
pub async fn connect(config: AfasConfig) -> Result<AfasLedger> {
    AfasLedger::new(config).await
}

impl AfasLedger {
    /// A ledger for the configured connection (no request is made yet).
    pub async fn new(config: AfasConfig) -> Result<Self> {
        let client = AfasClient::new(&config).await?;
        let create_locks = config.runtime.key_lock().await?;
        Ok(Self {
            config,
            client,
            vat_cache: Mutex::new(HashMap::new()),
            create_locks,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &AfasConfig {
        &self.config
    }

    /// The GetConnector names in use.
    pub fn connectors(&self) -> &GetConnectors {
        &self.config.connectors
    }

    /// The HTTP client (for the crate's own probes, e.g. [`AfasLedger::connector_status`]).
    pub(crate) fn client(&self) -> &AfasClient {
        &self.client
    }

    /// HTTP requests sent so far by this connection (every attempt counts).
    pub fn request_count(&self) -> u64 {
        self.client.stats().requests
    }

    /// The counters of this connection (requests, 429s, bytes, budget waits).
    pub fn stats(&self) -> StatsSnapshot {
        self.client.stats()
    }

    /// Set the counters back to zero (e.g. before measuring one listing).
    pub fn reset_request_count(&self) {
        self.client.reset_stats()
    }

    fn listing<'a>(
        &'a self,
        connector: &'a str,
        filters: Vec<Filter>,
        key: &'a str,
        tie_break: Option<&'a str>,
    ) -> KeyedListing<'a> {
        KeyedListing {
            connector,
            filters,
            key,
            tie_break,
            page_size: self.config.page_size as u64,
            windows: self.config.runtime.defence("Q05"),
        }
    }
}

#[async_trait]
impl Ledger for AfasLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities::capabilities(self.config.max_concurrent)
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
