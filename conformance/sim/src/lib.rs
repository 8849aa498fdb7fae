//! # grootboek-sim
//!
//! Stateful, in-memory simulators of Exact Online, Twinfield and AFAS Profit. Each speaks its
//! vendor's real wire format over HTTP on loopback and reproduces every quirk of `QUIRKS.md`
//! for that vendor, on by default, with a switch named by the quirk's catalog ID.
//!
//! This crate depends on no other grootboek crate: it is written from the vendors' documented
//! wire formats, so that a misunderstanding in an adapter cannot be mirrored here.
//!
//! Every simulator offers the same control surface, in-process (through its handle and
//! [`common::SimCore`]) and over HTTP under `/__sim/` (see [`common::control`]).

pub mod common;
pub mod serve;

#[cfg(feature = "afas")]
pub mod afas;
#[cfg(feature = "exact")]
pub mod exact;
#[cfg(feature = "twinfield")]
pub mod twinfield;
