//! The one HTTP transport of every adapter (the `object_store` model: shared client machinery,
//! one retry loop, a small protocol per vendor).
//!
//! - [`HttpClient`]: reqwest (rustls) with timeouts, the response size cap, a `tracing` event
//!   per call (`grootboek::http`: vendor, method, path without query, status, duration, bytes)
//!   and counters. It reaches only the hosts of its [`HostPolicy`] (R02): a URL the
//!   connection was not configured for is refused before anything is sent, and a redirect is
//!   followed only within its origin, so no token, secret or body ever reaches another host.
//! - [`checked_url`]: every configured endpoint is `https`, except on loopback.
//! - [`Transport`]: budget (a `grootboek::budget` event per wait), credential, send, the
//!   vendor's [`Protocol::classify`], the pause of every worker on 429/503 with `Retry-After` in
//!   seconds or as an HTTP date, one [`Protocol::recover`] after an authentication failure, and
//!   retry of what is provably safe to repeat ([`retry_without_check`](crate::runtime::retry_without_check)).
//! - [`status_error`]: the common status → kind / outcome mapping a vendor refines with what its
//!   error bodies say.

mod client;
mod oauth;
mod policy;
mod transport;

pub use client::{Answer, HttpClient, HttpSettings, HttpStats, Request, StatsSnapshot};
pub use oauth::{token_error, OAuthHttp, Seen};
pub use policy::{
    check_url, checked_url, is_loopback, same_origin_redirects, without_query, HostPolicy,
};
pub use reqwest::Method;
pub use transport::{
    retry_after, status_error, status_kind, status_outcome, Build, Call, Protocol, Transport,
};
