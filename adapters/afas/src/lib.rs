//! # grootboek-afas
//!
//! The AFAS Profit adapter of grootboek: `AfasToken` authentication, GetConnectors for reads and
//! UpdateConnectors (`FiEntries`, `KnSalesRelationOrg`) for writes, implementing
//! [`grootboek_core::Ledger`].
//!
//! ```no_run
//! # async fn demo() -> grootboek_core::Result<()> {
//! use grootboek_afas::{connect, AfasConfig};
//! use grootboek_core::Ledger;
//! let ledger = connect(AfasConfig::from_env()?).await?;
//! let items = ledger.all_open_items("1").await?;
//! # Ok(()) }
//! ```
//!
//! ## Core → AFAS
//!
//! | core | AFAS |
//! |---|---|
//! | administration | `UnId` / `UnitId` as a string |
//! | journal | journal code (`JoCo` / `JournalId`) |
//! | [`EntryId`](grootboek_core::EntryId) | `{ Afas, UnId, JoCo, EnNo }` |
//! | customer | debtor (`DbId`), written through `KnSalesRelationOrg` + nested `KnOrganisation` |
//! | customer VAT number | `VaId` on `KnSalesRelationOrg` (a VAT **number**) |
//! | line VAT code | `VaId` on a `FiEntries` line (a VAT **code**) |
//! | invoice / credit note | `FiEntries`: debtor line debit / credit, revenue and VAT lines opposite |
//! | country | AFAS country code (`B`, `D`, `NL`, `USA`…) ⇄ ISO, see [`wire::country`] |
//! | dates | plain `YYYY-MM-DD` civil dates out; datetimes in are Amsterdam local despite their `Z` |
//!
//! ## Layout
//!
//! The same files in every adapter; what a vendor lacks is absent.
//!
//! | file | holds |
//! |---|---|
//! | `ledger/mod.rs` | [`AfasLedger`], [`connect`], accessors, shared helpers, the [`Ledger`](grootboek_core::Ledger) impl |
//! | `ledger/tokens.rs` | absent: AFAS takes a fixed `AfasToken` ([`auth`]), no consent |
//! | `ledger/reference.rs` | administrations, journals, VAT codes, accounts, caches |
//! | `ledger/documents.rs` | invoices and credit notes: `Invoices`, `CreditNotes`, dated writes (Q14) |
//! | `ledger/dimensions.rs` | customers (debtors), accounts: `Dimensions` |
//! | `ledger/open_items.rs` | open items and customer balances |
//! | vendor-only | absent: the AFAS-only calls (`create_invoice_at`, `booking_date`) are in `documents.rs` |
//!
//! ## Quirk defences
//!
//! Every defence is on by default and switched off by its ID in
//! `ConnectionRuntime::defences` (in `without-defences` builds only),
//! which only the conformance suite should do.
//!
//! | ID | AFAS behaviour | defence | off |
//! |---|---|---|---|
//! | Q02 | an ICP line without `VaId` is booked with no VAT code, 201 | refuse before the wire (core validation with the debtor's country, the administration's country and VAT codes); after the write, assert every line written with a code has it on the read-back | no ICP check (customer country withheld from validation), no assert |
//! | Q05 | `skip` ≥ 10,000 answers an ordinary empty page | key windows: order by a unique key, each page `key >= last` with a tiny skip; an empty page after a full one re-windows with `key > last` ([`listing`]) | naive `skip += take` until an empty page |
//! | Q09 | on PUT `""` leaves a field unchanged, only `null` clears | clear = `null`, keep = absent field, never `""` | clear is sent as `""` |
//! | Q10 | `Profit_Debtor_Balance` rounds to whole euros | balance = Σ `Balance` of the debtor's open items | read the rounded connector |
//! | Q14 | dates lose their zone; read as Amsterdam local dates | civil dates sent as `YYYY-MM-DD`; an instant becomes a date through Europe/Amsterdam ([`AfasLedger::booking_date`], [`DocumentDate::WriteInstant`], [`AfasLedger::create_invoice_at`]); read datetimes' `Z` is ignored | an instant's UTC date is used |
//! | Q15 | creating a relation with a taken code must not overwrite | `create_dimension` reads first and answers `AlreadyExists`; overwriting only via `upsert_dimension` | blind POST |
//!
//! Also: decimals like `-.5` are read exactly (numbers never pass through `f64`, [`wire::json`]);
//! answers nested deeper than [`grootboek_core::json::MAX_DEPTH`] (64) levels are refused as a
//! protocol error naming the limit, before any value is built (R05);
//! AFAS errors keep `externalMessage`, `errorNumber` and `profitLogReference` in the core
//! [`VendorError`](grootboek_core::VendorError); a 503 with `retry_after` is retried through the
//! core runtime retry and pauses the budget; at most 8 calls are in flight (core budget); a
//! timeout on a write is `Uncertain` and resolved by looking the entry up (new entry with the
//! invoice number in the journal) before any retry; every write is read back and verified
//! (switch: `ConnectionRuntime::verify`).

#![warn(missing_docs)]

pub mod auth;
pub mod capabilities;
pub mod client;
pub mod config;
pub mod connectors;
pub mod decode;
pub mod ledger;
pub mod listing;
pub mod mapping;
pub mod wire;

pub use config::{AfasConfig, AfasEnvironment, DocumentDate, GetConnectors, AFAS_MAX_CONCURRENT};
pub use connectors::{ConnectorKind, ConnectorState, ConnectorStatus};
#[doc(no_inline)]
pub use grootboek_core::runtime::RuntimeConfig;
pub use ledger::{connect, AfasLedger, PreparedDocument};

/// The catalog IDs whose defence this adapter can switch off (through
/// [`grootboek_core::Defences`]); every other quirk it handles is defended unconditionally.
/// The conformance suite proves each of these load-bearing: with the defence off, its case fails.
///
/// Q15 is not among them: AFAS refuses a taken debtor number itself ("The debtor '…' already
/// exists", which the adapter reports as `AlreadyExists`), so its look-up before a create is a
/// courtesy, not a defence whose absence loses anything.
pub const DEFENCES: &[&str] = &["Q02", "Q05", "Q09", "Q10", "Q14"];
