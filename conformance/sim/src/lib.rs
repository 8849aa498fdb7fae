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
//!
//! ## Faults (`/__sim/faults`)
//!
//! A fault rule ([`common::FaultSpec`]) says which requests it applies to and what happens to
//! them. In Rust: `sim.core().faults.push(spec)` (or `try_push`, which validates); over HTTP:
//! `POST /__sim/faults` with one rule or an array of rules (204; 400 `{"error": "…"}` for an
//! invalid rule or an unknown member, nothing added), `GET` lists what is left of the pending
//! rules, `DELETE` clears them. Every simulator host serves it (Twinfield's login host and both
//! clusters share one set of rules).
//!
//! ```json
//! {
//!   "method": "POST",                     // optional; HTTP method, case-insensitive
//!   "path_contains": "SalesEntries",      // optional; substring of the path (no query)
//!   "soap_action": "ProcessXmlString",    // optional; SOAPAction (full URI or last segment)
//!   "root_element": "transactions",       // optional; root of the ProcessXml inner document
//!   "body_contains": "INV-1",             // optional; raw body or ProcessXml inner document
//!   "skip": 0,                            // optional; let this many matching requests through first
//!   "times": 1,                           // optional, with "fault"; absent = every matching request
//!   "fault": { "kind": "respond", "status": 503, "when": "after_commit" }
//!   // or, instead of "fault"/"times": "sequence": [ fault, fault, {"kind": "pass"}, … ]
//! }
//! ```
//!
//! All conditions are optional and ANDed. Faults (`kind`):
//!
//! | JSON | effect |
//! |---|---|
//! | `{"kind":"latency","ms":200}` | wait, then handle normally (combines with another rule's fault) |
//! | `{"kind":"status","status":503,"retry_after_secs":7}` | answer instead of handling, vendor-styled body (nothing written) |
//! | `{"kind":"respond","status":502,"when":"before_handling"}` | the same, with optional `body`, `headers`, `retry_after` |
//! | `{"kind":"respond","status":504,"when":"after_commit","body":"…","headers":{"content-type":"text/html"},"retry_after":{"date_in":30}}` | handle (the write commits), then answer this instead |
//! | `{"kind":"drop_response"}` | handle (the write commits), then reset the TCP connection before any byte of an answer |
//! | `{"kind":"latency_after_commit","ms":5000}` | handle (the write commits), then wait before answering (a client timeout) |
//! | `{"kind":"redirect","status":307,"location":"http://other-host:8080","keep_path":true}` | answer a redirect instead of handling (nothing written) |
//! | `{"kind":"pass"}` | handle normally (a step of a `sequence`) |
//!
//! `retry_after` is `{"seconds": 5}`, `{"date_in": 30}` (an HTTP date 30 s ahead by the real
//! clock) or `{"raw": "…"}` (sent as is). Without a `body`, `respond` sends the vendor's own
//! error body for the status (Exact JSON, Twinfield SOAP fault, AFAS JSON).
//!
//! Examples: "fail twice after commit, then succeed" —
//! `{"method":"POST","times":2,"fault":{"kind":"respond","status":503,"when":"after_commit"}}`;
//! "one success, a 429, one success, a reset" —
//! `{"skip":1,"sequence":[{"kind":"status","status":429},{"kind":"pass"},{"kind":"drop_response"}]}`.
//! The request log (`/__sim/requests`, [`common::RequestRecord`]) names the fault that decided
//! each answer (`fault`) and, after commit, the status the handler gave (`handler_status`).
//!
//! The older rule shape ([`common::FaultRule`]: `method`, `path_contains`, `times`, `fault`)
//! is a subset of this one and still works, in Rust and in JSON.
//!
//! ## The request log holds no secret
//!
//! Query values of credential parameters (`token`, `access_token`, `refresh_token`, `code`,
//! `client_secret`, …), credential members of form, JSON and SOAP bodies, and the credentials
//! of `Authorization`/`Cookie`/token-like headers are logged as `***`.

pub mod common;
pub mod serve;

#[cfg(feature = "afas")]
pub mod afas;
#[cfg(feature = "exact")]
pub mod exact;
#[cfg(feature = "twinfield")]
pub mod twinfield;
