//! # grootboek-exact
//!
//! The Exact Online adapter of grootboek: OAuth 2 with rotating refresh tokens through a shared
//! token broker, and the REST API in OData v2 verbose JSON, behind the core [`Ledger`] traits.
//!
//! ```no_run
//! # async fn demo() -> grootboek_core::Result<()> {
//! use grootboek_core::Ledger;
//! let config = grootboek_exact::ExactConfig::from_env()?;
//! let ledger = grootboek_exact::connect(config).await?;
//! let journals = ledger.all_journals("4133185").await?;
//! # let _ = journals; Ok(()) }
//! ```
//!
//! ## Model mapping
//!
//! | core | Exact |
//! |---|---|
//! | administration | division number (`/api/v1/{division}/…`) |
//! | journal | `financial/Journals.Code` |
//! | `EntryId` | vendor `exact`, administration = division, journal code, key = `EntryID` GUID |
//! | invoice / credit note | `salesentry/SalesEntries` `Type` 20 / 21 (credit-note amounts negative on the wire, positive in the core) |
//! | VAT rate 21 | `VATPercentage` 0.21 |
//! | customer code `8` | `crm/Accounts.Code` `"                 8"` (18 characters, right-aligned) |
//! | document date | `/Date(ms)/` at midnight UTC (other instants through Europe/Amsterdam) on read, `YYYY-MM-DDT00:00:00` on write |
//! | open item | `read/financial/ReceivablesList` (open amount from cash) |
//!
//! ## Layout
//!
//! The same files in every adapter; what a vendor lacks is absent.
//!
//! | file | holds |
//! |---|---|
//! | `ledger/mod.rs` | [`ExactLedger`], [`connect`], accessors, shared helpers, the [`Ledger`] impl |
//! | `ledger/tokens.rs` | OAuth consent and tokens |
//! | `ledger/reference.rs` | administrations (divisions), journals, VAT codes, accounts, caches |
//! | `ledger/documents.rs` | invoices and credit notes: `Invoices`, `CreditNotes` |
//! | `ledger/dimensions.rs` | customers, suppliers, GL accounts: `Dimensions` |
//! | `ledger/open_items.rs` | open items and customer balances |
//! | vendor-only | `bank_entries.rs`, `subscriptions.rs`, `webhooks.rs` (`impl ExactLedger` blocks) |
//!
//! ## Quirk defences
//!
//! Every defence is on by default and can be switched off by its catalog ID
//! ([`grootboek_core::Defences::without`], `GROOTBOEK_EXACT_WITHOUT_DEFENCES`) so the
//! conformance suite can show what it prevents. Never turn one off in production.
//!
//! | ID | quirk | defence | switched off |
//! |---|---|---|---|
//! | Q01 | an update addressed by reference lands on the sibling with the lowest `EntryNumber` | resolve the entry by `EntryID` first, `PUT SalesEntries(guid'…')` with `Type` and `Journal` always, read back and verify the same `EntryID`, `Type` and `Journal` | `PUT SalesEntries?$filter=YourRef eq '…'` without `Type`/`Journal` |
//! | Q02 | a zero-rate ICP line without VAT code is booked without code | core validation before the wire (administration country, customer country, the division's VAT codes), read-back of every line's code | no validation |
//! | Q04 | rotating refresh tokens: a second refresher kills the chain | every refresh through the token broker (memory or Redis lock + fencing), never before 570 s | each ledger refreshes its own copy without a lock, like two naive processes |
//! | Q07 | pages of 60 rows | follow `__next` to the end | stop after the first page |
//! | Q08 | a URL without division answers 401 | typed URLs that cannot lack the division; a 401 is treated as expiry only after `current/Me` shows the token is dead | refresh on every 401 |
//! | Q13 | `Status eq 1` omits the grace period | no status filter; state derived from start, end and cancellation dates | filter `Status eq 1`, every row assumed active |
//! | Q15 | creating an existing code | `create_dimension` reads first and refuses with `AlreadyExists`; overwriting is the explicit `upsert_dimension` | blind POST |
//! | Q16 | webhooks arrive before the entity is readable | verify `HashCode`, then fetch with bounded, doubling retries until readable or the deadline | one fetch |
//! | Q24 | a 0% line without `VATCode` is booked with a default code and VAT added | refuse a 0% line without an explicit VAT code before the wire | the line is sent without a code |
//! | T11 | right after a subscription is created Exact POSTs an empty body that must get 2xx; `HashCode` is upper-case hex | `handle_webhook` answers an empty body with `Ok(None)` (respond 200) and fetches nothing; `HashCode` is hex-decoded (any case) and compared in constant time | — |
//! | T01 | `expires_in` as a string, 10-minute tokens | `expires_in` read as string or number; refresh ahead of expiry | — |
//! | T04 | a dead grant | `ReconsentRequired`, never retried | — |
//! | T05 | 60 a minute, 5,000 a day per division | the shared limiter per division, fed by `X-RateLimit-*`; a 429 pauses every worker on the bucket | — |
//!
//! ## Reading answers
//!
//! Every answer (listings, single entities, error bodies, webhook `Content`) is read by
//! [`odata`] through [`grootboek_core::json::parse_numbers_as_text`]: numbers never pass through
//! `f64`, and arrays and objects nested deeper than [`grootboek_core::json::MAX_DEPTH`] (64)
//! levels are refused as a protocol error naming the limit (R05), found before any value is
//! built. Responses are capped (`GROOTBOEK_MAX_RESPONSE_BYTES`) before they are read.

#![warn(missing_docs)]

pub mod auth;
mod bank_entries;
pub mod capabilities;
mod client;
pub mod config;
pub mod decode;
mod ledger;
pub mod mapping;
pub mod model;
pub mod odata;
mod subscriptions;
pub mod urls;
pub mod webhooks;

pub use auth::{parse_redirect, Consent, ExactOAuth, ExactTokenResponse};
pub use config::{Budgets, ExactConfig, Region, WebhookFetch};
#[doc(no_inline)]
pub use grootboek_core::runtime::RuntimeConfig;
pub use ledger::{connect, ExactLedger, PreparedDocument};
pub use model::{
    BankEntry, BankEntryLine, PostedBankEntry, Subscription, SubscriptionState, WebhookContent,
    WebhookEvent, WebhookSubscription,
};
pub use urls::Division;

#[doc(no_inline)]
pub use grootboek_core::Ledger;

/// The catalog IDs whose defence this adapter can switch off (through
/// [`grootboek_core::Defences`]); every other quirk it handles is defended unconditionally.
/// The conformance suite proves each of these load-bearing: with the defence off, its case fails.
///
/// Q15 is not among them: Exact refuses a taken account code itself ("Code: … - Already exists",
/// which the adapter reports as `AlreadyExists`), so its look-up before a create is a courtesy, not
/// a defence whose absence loses anything.
pub const DEFENCES: &[&str] = &["Q01", "Q02", "Q04", "Q07", "Q08", "Q13", "Q16", "Q24"];
