//! # grootboek-twinfield
//!
//! The Twinfield adapter of grootboek: OpenID Connect (authorization code with `state` and
//! `nonce`, HTTP Basic client authentication, refresh through the shared token broker), cluster
//! routing through `accesstokenvalidation`, and SOAP `ProcessXmlString` / Finder calls written
//! with quick-xml's writer and read as streams.
//!
//! ```no_run
//! # async fn demo() -> grootboek_core::Result<()> {
//! use grootboek_twinfield::{connect, TwinfieldConfig};
//! use grootboek_core::Ledger;
//! let ledger = connect(TwinfieldConfig::from_env()?).await?;
//! for office in ledger.administrations().await? {
//!     println!("{} {}", office.code, office.name);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Mapping
//!
//! administration = office code (sent as `CompanyCode` on every call but `list offices`; the
//! code, never the id, T08); journal = day book (`VRK`); [`EntryId`](grootboek_core::EntryId) =
//! office + day book + transaction number; customers `DEB`, suppliers `CRD`, accounts `BAS`/`PNL`,
//! cost centres `KPL`, projects `PRJ`. An invoice is a sales transaction whose total line is a
//! debit; a credit note one whose total line is a credit. Twinfield computes the VAT lines; each
//! detail line reads back with its `vatcode` and `vatvalue`.
//!
//! ## Layout
//!
//! The same files in every adapter; what a vendor lacks is absent.
//!
//! | file | holds |
//! |---|---|
//! | `ledger/mod.rs` | [`TwinfieldLedger`], [`connect`], accessors, shared helpers, the [`Ledger`](grootboek_core::Ledger) impl |
//! | `ledger/tokens.rs` | OpenID Connect consent, tokens and the cluster |
//! | `ledger/reference.rs` | administrations (offices), journals (day books), VAT codes, caches |
//! | `ledger/documents.rs` | invoices and credit notes: `Invoices`, `CreditNotes`, batches |
//! | `ledger/dimensions.rs` | customers, suppliers, accounts, cost centres, projects: `Dimensions` |
//! | `ledger/open_items.rs` | open items and customer balances |
//! | vendor-only | `pdf.rs` (invoice PDFs), `transaction_status.rs` (`impl TwinfieldLedger` blocks) |
//!
//! ## Defences
//!
//! Every defence is on by default and switched off by its catalog ID in
//! `ConnectionRuntime::defences` (only in `without-defences` builds).
//!
//! | ID | quirk | defence | off |
//! |---|---|---|---|
//! | Q02 | a zero-rate intra-community line without VAT code is booked without it | `validation::validate_document` before the wire (customer country from its dimension, office VAT codes, line limit) | no validation |
//! | Q03 | VAT codes are office-scoped; a foreign code is swapped or refused | the target office's VAT codes (cached per office) checked before the wire; `CompanyCode` on every call | sent as is |
//! | Q04 | long-lived refresh token, 1 h access token | one token broker per organisation; one refresh per expiry | (always on) |
//! | Q06 | `matchstatus` reads `matched` while an amount is open | open decided from `openbasevaluesigned` | trust `matchstatus` |
//! | Q11 | invoice PDF URLs expire after 60 minutes | the PDF bytes are cached | the URL is cached |
//! | Q12 | the REST-style read lags SOAP ~30 s after a write | statuses read through ProcessXml (always in `get_*`, for 60 s after a write in `transaction_status`) | the REST-style status read |
//! | Q15 | creating an existing code overwrites it | `create_dimension` reads first, `AlreadyExists`; `upsert_dimension` is explicit | blind create |
//! | Q25 | a browse reads account `0110` as `110`; a line on `110` posts elsewhere or nowhere | codes kept verbatim; each line's account looked up in the office (Finder `DIM`, `BAS` and `PNL`, cached) before the wire, an unknown code refused naming the stored zero-padded one | sent as is |
//! | T01 | code flow, `nonce`, byte-exact redirect URI | [`TwinfieldLedger::authorize_url`] with `state`+`nonce`, [`TwinfieldLedger::verify_callback`] | (always on) |
//! | T02 | calls to the wrong cluster fail like auth errors | cluster cached with the tokens, re-resolved on an authentication fault | give up (token refresh only) |
//! | T04 | refresh tokens die silently | `ReconsentRequired`, never retried | (always on) |
//! | T05 | credits per minute, concurrency caps, 429 | the shared budget (1 credit per read, 3 per write), `Retry-After` pauses the buckets | (always on) |
//! | T06 | ≤ 25 children per request, ≤ 500 lines; oversize fails generically | batches of ≤ 25, a failed batch split and retried, each item's own outcome | one request, no split |
//! | T07 | `result="0"` errors read like schema errors | element path + raw message kept in the error | (always on) |
//!
//! Responses are capped (`ConnectionRuntime::http`, `GROOTBOEK_MAX_RESPONSE_BYTES`) before parsing; a `DOCTYPE` or
//! any entity other than the five predefined ones is refused as a protocol error, and so is element
//! nesting deeper than [`xml::read::MAX_DEPTH`] (64) levels, in the SOAP answer and in the
//! ProcessXml result document alike (R05): the reader stops at the 65th level, so a body nested a
//! million levels deep is refused in well under a second, with no tree built.

#![warn(missing_docs)]

pub mod auth;
pub mod capabilities;
pub mod client;
pub mod cluster;
pub mod config;
pub mod decode;
pub mod ledger;
pub mod mapping;
mod pdf;
mod periods;
mod transaction_status;
pub mod xml;

pub use auth::{AuthorizeRequest, OAuth, TwinfieldRefresher};
pub use client::{http_client, RestStatus, TransportStats};
pub use config::TwinfieldConfig;
#[doc(no_inline)]
pub use grootboek_core::runtime::RuntimeConfig;
pub use ledger::{connect, BatchOutcome, PreparedDocument, TwinfieldLedger};
pub use mapping::transaction::Destiny;

/// The catalog IDs whose defence this adapter can switch off (through
/// [`grootboek_core::Defences`]); every other quirk it handles is defended unconditionally.
/// The conformance suite proves each of these load-bearing: with the defence off, its case fails.
pub const DEFENCES: &[&str] = &[
    "Q02", "Q03", "Q06", "Q11", "Q12", "Q15", "Q25", "T02", "T06",
];
