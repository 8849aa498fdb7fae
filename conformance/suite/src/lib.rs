//! # grootboek-conformance
//!
//! The catalog of `QUIRKS.md` as conformance cases, written once against the core traits and run
//! against every adapter wired to its simulator, with reports (terminal matrix, JSON, JUnit, HTML)
//! and the `grootboek` CLI.
//!
//! ## How an adapter joins
//!
//! Implement [`harness::Harness`] for the adapter wired to its simulator (seeding goes through the
//! simulator's control API; the case acts only through [`grootboek_core::Ledger`]), and register one
//! [`harness::VendorBinding`] in [`bindings`]. The suite is also a library: an adapter crate's own
//! tests can call [`runner::run_one`] with its binding and any case from [`cases::all`], the way
//! `object_store` exposes its integration module.
//!
//! ## Rules the runner keeps
//!
//! - Whether a case applies is decided before it runs, from the vendor and the adapter's
//!   [`grootboek_core::Capabilities`]; a case that does not apply is `not_applicable` with a
//!   written reason. A case never passes by returning early.
//! - Every case runs on a fresh simulator.

#![warn(missing_docs)]

pub mod case;
pub mod cases;
pub mod harness;
pub mod preflight;
pub mod report;
pub mod runner;
pub mod soak;
pub mod vendors;

use std::sync::Arc;

use harness::VendorBinding;

/// The adapters compiled into this build, each wired to its simulator.
pub fn bindings() -> Vec<Arc<dyn VendorBinding>> {
    let bindings: Vec<Arc<dyn VendorBinding>> = vec![
        #[cfg(feature = "twinfield")]
        Arc::new(vendors::twinfield::TwinfieldBinding),
        #[cfg(feature = "exact")]
        Arc::new(vendors::exact::ExactBinding),
        #[cfg(feature = "afas")]
        Arc::new(vendors::afas::AfasBinding),
    ];
    bindings
}
