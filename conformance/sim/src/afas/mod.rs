//! # The AFAS Profit simulator
//!
//! Speaks the Profit REST wire format under `/ProfitRestServices/` (any case) and reproduces the
//! AFAS quirks of `QUIRKS.md`, each on by default with a switch named by its ID:
//!
//! | ID | on (observed, default) | off |
//! |---|---|---|
//! | Q02 | an ICP line (P&L account, no/empty `VaId`, debtor in another EU country) is booked without VAT code, 201 | refused: HTTP 500 AFAS error |
//! | Q05 | rows at position ≥ 10,000 are never returned: `skip` ≥ 10,000 gives an ordinary empty page | deep skips work |
//! | Q09 | on PUT, `""` leaves a field unchanged; only `null` clears | `""` clears too (documented) |
//! | Q10 | `Profit_Debtor_Balance` rounds `Balance` to whole euros | exact cents |
//! | Q14 | a date with time/zone is booked on the date part as sent (`2026-03-28T23:30:00Z` → 28 March) | the instant is converted to the Amsterdam date (→ 29 March) |
//!
//! ## Profit routes (all need `Authorization: AfasToken <base64 token XML>`)
//! - `GET /metainfo`, `GET /metainfo/get/{id}`, `GET /metainfo/update/{id}`, `GET /ProfitVersion`
//! - `GET /connectors/{GetConnector}?skip&take&orderbyfieldids&filterfieldids&filtervalues&operatortypes|filterjson`
//!   → `{"skip":…,"take":…,"rows":[…]}`; default take 100; `skip=-1&take=-1` = all; take ≤ 0
//!   otherwise is a 500; query string over 2049 characters is a 404.
//! - `POST /connectors/FiEntries` (root `FiEntryPar`) → 201 `{"results":{"FiEntryPar":{"UnId","EnNo"[,"InId"]}}}`
//! - `DELETE /connectors/FiEntries/FiEntryPar/UnId,JoCo/{u},{j}/FiEntries/@EnNo/{n}` (or `/InId/{inv}`) → 200 empty
//! - `POST|PUT /connectors/KnSalesRelationOrg` → 201/200 `{"results":{"KnSalesRelationOrg":{"DbId"}}}`
//! - `DELETE /connectors/KnSalesRelationOrg/KnSalesRelationOrg/@DbId/{id}` → 200 empty
//!
//! Errors are HTTP 500 (401 for a bad token, 404 for a bad URL, 413 over 75 MB) with
//! `{"externalMessage","errorNumber","profitLogReference"}`; more than 8 calls in flight (counting
//! injected background load) answer 503 `{"error":{"code":"503","message"},"retry_after":N}` with
//! `Retry-After`. A plain-text token is a 500.
//!
//! ## GetConnectors (default ids; renamable, listed in `/metainfo`)
//! See [`GetConnectorKind::default_name`] and the field tables in [`get::connectors`]:
//! `Profit_Debtor`, `Profit_Debtor_Invoices` (open items), `Profit_Accounts`, `Profit_VAT_code`,
//! `Profit_Journals`, `Profit_Transactions` (entry lines), `Profit_Debtor_Balance` (Q10),
//! `Profit_Administrations`. Datetimes are Amsterdam local time with a misleading `Z`, empty
//! fields are `null`, and decimals are written as current Profit writes them (`-0.5`); the
//! Profit-6 style (`-.5`, which strict JSON parsers reject) is behind `set_legacy_decimals`.
//!
//! ## Demo environment
//! A fresh simulator (and `/__sim/reset`) holds [`AfasSeed::demo`]: administration 1 (NL),
//! ledger accounts 1100/1300/1500/1510/1520 (balance) and 8000/8010/8100/8200/8900 (P&L), VAT
//! codes `0`, `1` (21%), `2` (9%), `4` (ICP 0%), `5` (purchase 21%), `6` (export 0%), journals
//! `10` (sales), `50` (bank), `90` (memorial), debtors `10001` (NL, open 121.00 + 1113.56 =
//! 1234.56), `10002` (Belgium, `B`, open credit -0.50 → `-.5`), `10003` (Germany, `D`).

mod app;
pub mod auth;
pub mod control;
pub mod countries;
pub mod dates;
pub mod decimal;
pub mod error;
pub mod get;
pub mod headers;
pub mod metainfo;
pub mod model;
mod routes;
pub mod state;
pub mod update;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;

pub use error::AfasFlavour;
pub use model::{
    AfasSeed, BlockedPeriod, BulkOpenItems, Debtor, Entry, EntryLine, GetConnectorKind, Journal,
    LedgerAccount, Movement, OpenItem, SeedOpenItem, Unit, VatCode,
};
pub use state::{
    Load, SeedSummary, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_TOKEN_DATA, MAX_CONCURRENT_CALLS,
};

use crate::common::{control as common_control, layer, RunningServer, SimCore};
use app::Shared;

/// The quirk switches of the AFAS simulator.
pub const QUIRKS: &[&str] = &["Q02", "Q05", "Q09", "Q10", "Q14"];

/// A running AFAS Profit simulator on loopback, with its in-process control handle.
pub struct AfasSim {
    app: Arc<Shared>,
    server: RunningServer,
}

impl std::fmt::Debug for AfasSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasSim")
            .field("url", &self.server.url())
            .finish_non_exhaustive()
    }
}

impl AfasSim {
    /// Start a fresh simulator (demo environment, every quirk on) on a free port of `bind_ip`.
    pub async fn start(bind_ip: IpAddr) -> std::io::Result<Self> {
        let core = SimCore::new("afas", QUIRKS, AfasFlavour);
        let app = Arc::new(Shared::new(core.clone(), state::AfasState::empty()));
        control::reset_state(&app);
        let vendor: Router = control::router()
            .fallback(routes::profit)
            .with_state(app.clone())
            .layer(axum::middleware::map_response(headers::profit_headers));
        let router = layer::instrument(vendor.merge(common_control::router(core.clone())), core);
        let server = RunningServer::start(router, SocketAddr::new(bind_ip, 0)).await?;
        Ok(Self { app, server })
    }

    /// `http://IP:PORT` (control routes live under `/__sim/`).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The Profit base URL: `http://IP:PORT/ProfitRestServices`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.server.url(), routes::PREFIX)
    }

    /// `(name, url)` pairs to print.
    pub fn urls(&self) -> Vec<(String, String)> {
        vec![
            ("afas profit".to_string(), self.base_url()),
            ("afas control".to_string(), format!("{}/__sim", self.url())),
        ]
    }

    /// The generic core: clock, switches, faults, request log.
    pub fn core(&self) -> &Arc<SimCore> {
        &self.app.core
    }

    /// Seed data, exactly as `POST /__sim/seed`.
    pub fn seed(&self, seed: AfasSeed) -> Result<SeedSummary, String> {
        let now = self.app.now_local();
        self.app.lock().apply_seed(seed, now)
    }

    /// Generate `count` deterministic open items (see [`BulkOpenItems`]; its `count` is
    /// replaced by `count`). Returns how many were added. 25,000 take well under a second.
    pub fn seed_open_items(&self, count: usize, params: BulkOpenItems) -> usize {
        let now = self.app.now_local();
        let bulk = BulkOpenItems { count, ..params };
        self.app.lock().seed_bulk(&bulk, now)
    }

    /// Back to the demo environment with default token and settings; switches on, faults,
    /// log and clock reset (as `POST /__sim/reset`).
    pub fn reset(&self) {
        self.app.core.reset();
        control::reset_state(&self.app);
    }

    /// The token XML a client must send (base64-encoded) now.
    pub fn token_xml(&self) -> String {
        auth::token_xml(&self.app.lock().token_data)
    }

    /// The complete `Authorization` header value: `AfasToken <base64>`.
    pub fn authorization_header(&self) -> String {
        auth::authorization_header(&self.app.lock().token_data)
    }

    /// Accept only the token with this data (the hex inside `<data>`) from now on.
    pub fn set_token_data(&self, data: &str) {
        self.app.lock().token_data = data.to_string();
    }

    /// Set the injected load (see [`Load`]).
    pub fn set_load(&self, load: Load) {
        self.app.lock().load = load;
    }

    /// Change the request size limit (75 MB by default).
    pub fn set_max_request_bytes(&self, bytes: usize) {
        self.app.lock().max_request_bytes = bytes;
    }

    /// Write decimals Profit-6 style (`-.5`) or as current Profit does (`-0.5`, the default).
    pub fn set_legacy_decimals(&self, on: bool) {
        self.app.lock().legacy_decimals = on;
    }

    /// Rename a GetConnector (customers name their own).
    pub fn set_get_connector_name(&self, kind: GetConnectorKind, name: &str) {
        self.app
            .lock()
            .connector_names
            .insert(kind, name.to_string());
    }

    /// Leave the connector `id` (a GetConnector's current id or an UpdateConnector such as
    /// `FiEntries`) out of the App Connector, as a customer who did not import it (T15): AFAS
    /// answers every call to it, and its `/metainfo/update/{id}`, with "not supported", and
    /// `/metainfo` no longer lists it. The same as `POST /__sim/connectors {"withhold": [id]}`.
    pub fn withhold_connector(&self, id: &str) {
        self.app.lock().withheld.insert(id.to_ascii_lowercase());
    }

    /// Put a withheld connector back (see [`AfasSim::withhold_connector`]).
    pub fn restore_connector(&self, id: &str) {
        self.app.lock().withheld.remove(&id.to_ascii_lowercase());
    }

    /// The current id of a GetConnector.
    pub fn get_connector_name(&self, kind: GetConnectorKind) -> String {
        self.app.lock().name_of(kind)
    }

    /// Every stored debtor.
    pub fn debtors(&self) -> Vec<Debtor> {
        self.app.lock().debtors.values().cloned().collect()
    }

    /// One stored debtor.
    pub fn debtor(&self, debtor_id: &str) -> Option<Debtor> {
        self.app.lock().debtors.get(debtor_id).cloned()
    }

    /// Every journal of an administration (the vendor's own count for journal listings).
    pub fn journals(&self, unit_id: u32) -> Vec<Journal> {
        self.app
            .lock()
            .journals
            .values()
            .filter(|j| j.unit_id == unit_id)
            .cloned()
            .collect()
    }

    /// Every stored entry, by administration and entry number.
    pub fn entries(&self) -> Vec<Entry> {
        self.app.lock().entries.values().cloned().collect()
    }

    /// One stored entry.
    pub fn entry(&self, unit_id: u32, entry_no: u64) -> Option<Entry> {
        self.app.lock().entries.get(&(unit_id, entry_no)).cloned()
    }

    /// Every open item, including settled ones (open amount 0).
    pub fn open_items(&self) -> Vec<OpenItem> {
        self.app.lock().open_items.values().cloned().collect()
    }

    /// One open item by administration and invoice number.
    pub fn open_item(&self, unit_id: u32, invoice_nr: &str) -> Option<OpenItem> {
        self.app
            .lock()
            .open_items
            .get(&(unit_id, invoice_nr.to_string()))
            .cloned()
    }

    /// The exact balance of a debtor (sum of its open amounts).
    pub fn debtor_balance(&self, unit_id: u32, debtor_id: &str) -> rust_decimal::Decimal {
        get::connectors::debtor_balances(&self.app.lock())
            .get(&(unit_id, debtor_id.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// How many authenticated requests reached this connector id (GetConnector ids as
    /// currently named; `FiEntries`, `KnSalesRelationOrg`).
    pub fn request_count(&self, connector: &str) -> u64 {
        self.app
            .lock()
            .request_counts
            .get(connector)
            .copied()
            .unwrap_or(0)
    }

    /// Requests per connector id.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.app.lock().request_counts.clone()
    }

    /// Calls in flight right now (without injected background load).
    pub fn in_flight(&self) -> usize {
        self.app.in_flight()
    }

    /// Stop the server.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
