//! [`HttpClient`]: the one reqwest client of a connection, with the host policy (R02), the
//! same-origin redirect policy, timeouts, the response size cap, a `tracing` event per call and
//! the counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use url::Url;

use super::policy::{same_origin_redirects, without_query, HostPolicy};
use crate::error::{Error, ErrorKind, Result, WriteOutcome};
use crate::vendor::Vendor;

/// Timeouts and the size cap of a connection's HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// The whole request, answer included (default 60 s).
    pub timeout: Duration,
    /// Opening the connection (default the smaller of 10 s and `timeout`).
    pub connect_timeout: Duration,
    /// The largest response body read; a larger one is refused before it is parsed.
    pub max_response_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_response_bytes: 32 * 1024 * 1024,
        }
    }
}

/// One HTTP request, built by an adapter.
#[derive(Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The URL; checked against the [`HostPolicy`] before anything is sent.
    pub url: Url,
    /// Headers (the `Authorization` header, if any, is a secret and never logged).
    pub headers: HeaderMap,
    /// The body.
    pub body: Option<Bytes>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &without_query(&self.url))
            .field("body_bytes", &self.body.as_ref().map(Bytes::len))
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request without body.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// A GET.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A request of `method` with a body of `content_type`.
    pub fn with_body(
        method: Method,
        url: Url,
        content_type: &'static str,
        body: impl Into<Bytes>,
    ) -> Self {
        let mut r = Self::new(method, url);
        r.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        r.body = Some(body.into());
        r
    }

    /// Add a header. A value that is not a valid header value is a `Config` error.
    pub fn header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let v = HeaderValue::from_str(value)
            .map_err(|_| Error::config(format!("the header {name} has an invalid value")))?;
        self.headers.insert(HeaderName::from_static(name), v);
        Ok(self)
    }

    /// Add a header from a static value.
    pub fn static_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
        self
    }

    /// Authorise with `Authorization: Bearer {token}` (marked sensitive).
    pub fn bearer(self, token: &str) -> Result<Self> {
        self.authorization(&format!("Bearer {token}"))
    }

    /// Set the `Authorization` header (marked sensitive, never logged).
    pub fn authorization(mut self, value: &str) -> Result<Self> {
        let mut v = HeaderValue::from_str(value)
            .map_err(|_| Error::config("the credential is not a valid header value"))?;
        v.set_sensitive(true);
        self.headers.insert(AUTHORIZATION, v);
        Ok(self)
    }
}

/// An answer, read whole (within the size cap).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// A header as text, trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the status is a redirect (3xx).
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }
}

/// Counters of one connection (every attempt counts).
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
    credits: AtomicU64,
    rate_limited: AtomicU64,
    unauthorized: AtomicU64,
    bytes: AtomicU64,
    budget_waits: AtomicU64,
    budget_wait_ms: AtomicU64,
}

/// A copy of [`HttpStats`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Requests sent.
    pub requests: u64,
    /// Of which reads.
    pub reads: u64,
    /// Of which writes.
    pub writes: u64,
    /// Credits charged (the largest rate charge of each request, as the vendor counts it).
    pub credits: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// 401 / authentication-fault answers.
    pub unauthorized: u64,
    /// Response bytes read.
    pub bytes: u64,
    /// Requests that waited for budget.
    pub budget_waits: u64,
    /// Milliseconds spent waiting for budget.
    pub budget_wait_ms: u64,
}

impl HttpStats {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            requests: g(&self.requests),
            reads: g(&self.reads),
            writes: g(&self.writes),
            credits: g(&self.credits),
            rate_limited: g(&self.rate_limited),
            unauthorized: g(&self.unauthorized),
            bytes: g(&self.bytes),
            budget_waits: g(&self.budget_waits),
            budget_wait_ms: g(&self.budget_wait_ms),
        }
    }

    /// Set every counter back to zero.
    pub fn reset(&self) {
        for c in [
            &self.requests,
            &self.reads,
            &self.writes,
            &self.credits,
            &self.rate_limited,
            &self.unauthorized,
            &self.bytes,
            &self.budget_waits,
            &self.budget_wait_ms,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub(crate) fn sent(&self, write: bool, credits: u64) {
        Self::add(&self.requests, 1);
        Self::add(if write { &self.writes } else { &self.reads }, 1);
        Self::add(&self.credits, credits);
    }

    pub(crate) fn answered(&self, status: u16, bytes: usize) {
        Self::add(&self.bytes, bytes as u64);
        match status {
            429 => Self::add(&self.rate_limited, 1),
            401 => Self::add(&self.unauthorized, 1),
            _ => {}
        }
    }

    /// Count an authentication failure the vendor reported inside a 2xx/5xx body (a SOAP fault).
    pub fn unauthorized_fault(&self) {
        Self::add(&self.unauthorized, 1);
    }

    pub(crate) fn waited(&self, wait: Duration) {
        Self::add(&self.budget_waits, 1);
        Self::add(&self.budget_wait_ms, wait.as_millis() as u64);
    }
}

/// The HTTP client of one connection. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    policy: HostPolicy,
    settings: HttpSettings,
    vendor: Vendor,
    stats: HttpStats,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.inner.vendor)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client for `vendor` that reaches only what `policy` allows.
    pub fn new(vendor: Vendor, settings: HttpSettings, policy: HostPolicy) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout.min(settings.timeout))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| Error::config("cannot build the HTTP client").with_source(e))?;
        Ok(Self {
            inner: Arc::new(ClientInner {
                http,
                policy,
                settings,
                vendor,
                stats: HttpStats::default(),
            }),
        })
    }

    /// The vendor this client talks to.
    pub fn vendor(&self) -> Vendor {
        self.inner.vendor
    }

    /// The hosts this client may reach.
    pub fn policy(&self) -> &HostPolicy {
        &self.inner.policy
    }

    /// The timeouts and size cap.
    pub fn settings(&self) -> HttpSettings {
        self.inner.settings
    }

    /// The counters.
    pub fn stats(&self) -> &HttpStats {
        &self.inner.stats
    }

    /// Send one request and read its answer within the size cap. No budget, no retry, no
    /// classification: the [`Transport`](super::Transport) adds those. `write` says whether the
    /// request changes data (for the outcome of a transport failure). A URL the host policy does
    /// not allow is refused before anything is sent.
    pub async fn execute(&self, request: Request, write: bool) -> Result<Answer> {
        let vendor = self.inner.vendor;
        self.inner
            .policy
            .check(&request.url)
            .map_err(|e| e.with_vendor(vendor))?;
        let method = request.method.clone();
        let path = request.url.path().to_string();
        let mut builder = self
            .inner
            .http
            .request(request.method, request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let started = Instant::now();
        let sent = builder.send().await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let err = transport_error(vendor, &method, &path, e, write);
                tracing::debug!(
                    target: "grootboek::http",
                    vendor = %vendor,
                    method = %method,
                    path = %path,
                    duration_ms = started.elapsed().as_millis() as u64,
                    error = %err,
                    "http call failed"
                );
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let cap = self.inner.settings.max_response_bytes;
        let too_large = |status: u16| {
            let outcome = match (write, (200..300).contains(&status)) {
                (false, _) => WriteOutcome::NotApplied,
                (true, true) => WriteOutcome::Applied,
                (true, false) => WriteOutcome::Uncertain,
            };
            Error::new(
                ErrorKind::Protocol,
                format!(
                    "the response to {method} {path} is larger than the {cap}-byte response cap; \
                     refused before parsing"
                ),
            )
            .with_vendor(vendor)
            .with_outcome(outcome)
            .with_source(crate::error::ResponseTooLarge { cap })
        };
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large(status));
        }
        // Sized once from the announced length (at most the cap), so a large answer is not
        // copied through doubling buffers on its way in.
        let announced = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut body = Vec::with_capacity(announced.min(cap));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Err(too_large(status));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(vendor, &method, &path, e, write)),
            }
        }
        self.inner.stats.answered(status, body.len());
        tracing::debug!(
            target: "grootboek::http",
            vendor = %vendor,
            method = %method,
            path = %path,
            status,
            duration_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "http call"
        );
        Ok(Answer {
            status,
            headers,
            body: Bytes::from(body),
        })
    }
}

/// A failure before a complete answer arrived. A connection that never opened sent nothing;
/// anything later may have reached the vendor, so a write is then [`WriteOutcome::Uncertain`].
/// The reqwest error (without its URL, which may carry a token) is kept as the source.
fn transport_error(
    vendor: Vendor,
    method: &Method,
    path: &str,
    e: reqwest::Error,
    write: bool,
) -> Error {
    let not_sent = e.is_connect() || e.is_builder();
    let outcome = if write && !not_sent {
        WriteOutcome::Uncertain
    } else {
        WriteOutcome::NotApplied
    };
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "lost the answer"
    } else {
        "lost the connection"
    };
    Error::new(
        ErrorKind::Unavailable,
        format!("{method} {path} {what}: {}", ErrorChain(&e)),
    )
    .with_vendor(vendor)
    .with_outcome(outcome)
    .with_source(e.without_url())
}

/// The causes of an error joined with `: ` (reqwest's own Display hides the root cause).
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut cause = self.0.source();
        let mut first = true;
        while let Some(c) = cause {
            if !first {
                f.write_str(": ")?;
            }
            write!(f, "{c}")?;
            first = false;
            cause = c.source();
        }
        if first {
            f.write_str("no cause given")?;
        }
        Ok(())
    }
}
