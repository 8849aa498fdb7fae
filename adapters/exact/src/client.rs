//! HTTP to Exact: bearer tokens from the broker, the per-division budget, the 401 check (Q08),
//! 429 pauses (T05), retries of temporary failures, a response size cap, OData paging (Q07) and
//! the mapping of Exact's status codes and error bodies into the core [`Error`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grootboek_core::json::JsonOut;
use grootboek_core::runtime::{
    classify_refresh_error, AccessToken, Budget, Charge, ConnectionId, ExactBudget, RetryPolicy,
    TokenBroker, TokenPair,
};
use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError, WriteOutcome};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use tokio::sync::Mutex;

use grootboek_core::runtime::retry::retry_without_check;

use crate::auth::ExactOAuth;
use crate::odata::{self, ODataPage, Row};
use crate::urls::{ApiUrl, ApiUrls, Division, Endpoint, Query};

/// The HTTP method of a call, with its JSON body as text (serialised once from a [`JsonOut`],
/// amounts as exact decimal text).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Method<'a> {
    Get,
    Post(&'a str),
    Put(&'a str),
}

impl Method<'_> {
    fn name(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post(_) => "POST",
            Method::Put(_) => "PUT",
        }
    }
    fn is_write(&self) -> bool {
        !matches!(self, Method::Get)
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Response {
    pub body: Vec<u8>,
}

/// Counters the tests and metrics read.
#[derive(Debug, Default)]
pub struct Stats {
    /// 401 answers received from the REST API.
    pub unauthorized: AtomicU64,
    /// 401s that the token check showed were not about the token (Q08).
    pub unauthorized_not_token: AtomicU64,
    /// 429 answers received.
    pub rate_limited: AtomicU64,
    /// Requests sent to the REST API.
    pub requests: AtomicU64,
}

impl Stats {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where access tokens come from.
pub(crate) enum Tokens {
    /// Through the shared broker (the Q04 defence).
    Broker {
        broker: Arc<dyn TokenBroker>,
        conn: ConnectionId,
    },
    /// Q04 defence off: a private copy of the pair, refreshed without any lock, as two naive
    /// processes would.
    Naive {
        broker: Arc<dyn TokenBroker>,
        conn: ConnectionId,
        oauth: Arc<ExactOAuth>,
        copy: Mutex<Option<TokenPair>>,
        skew: Duration,
        clock: Arc<dyn grootboek_core::runtime::Clock>,
    },
}

impl Tokens {
    async fn access(&self) -> Result<AccessToken> {
        match self {
            Tokens::Broker { broker, conn } => broker.access_token(conn).await,
            Tokens::Naive {
                broker,
                conn,
                oauth,
                copy,
                skew,
                clock,
            } => {
                let mut guard = copy.lock().await;
                if guard.is_none() {
                    *guard = broker.current(conn).await?;
                }
                let Some(pair) = guard.as_ref() else {
                    return Err(Error::new(
                        ErrorKind::ReconsentRequired,
                        "no token pair stored: complete the consent flow first",
                    )
                    .with_vendor(Vendor::Exact));
                };
                let skew = chrono::Duration::from_std(*skew).unwrap_or_default();
                if clock.now() + skew >= pair.expires_at {
                    let mut fresh = oauth
                        .refresh_pair(pair)
                        .await
                        .map_err(classify_refresh_error)?;
                    fresh.issued_at = clock.now();
                    broker.store(conn, fresh.clone()).await?;
                    *guard = Some(fresh);
                }
                guard
                    .as_ref()
                    .map(|p| p.access(0))
                    .ok_or_else(|| Error::protocol("token copy vanished"))
            }
        }
    }

    async fn rejected(&self, token: &AccessToken) -> Result<AccessToken> {
        match self {
            Tokens::Broker { broker, conn } => broker.rejected(conn, token).await,
            Tokens::Naive {
                broker,
                conn,
                oauth,
                copy,
                clock,
                ..
            } => {
                let mut guard = copy.lock().await;
                let Some(pair) = guard.as_ref() else {
                    return Err(
                        Error::new(ErrorKind::ReconsentRequired, "no token pair stored")
                            .with_vendor(Vendor::Exact),
                    );
                };
                let mut fresh = oauth
                    .refresh_pair(pair)
                    .await
                    .map_err(classify_refresh_error)?;
                fresh.issued_at = clock.now();
                broker.store(conn, fresh.clone()).await?;
                let access = fresh.access(0);
                *guard = Some(fresh);
                Ok(access)
            }
        }
    }
}

/// The REST client of one connection.
pub(crate) struct Client {
    pub http: reqwest::Client,
    pub urls: ApiUrls,
    pub tokens: Tokens,
    pub budget: Arc<dyn Budget>,
    pub layout: ExactBudget,
    pub retry: RetryPolicy,
    pub max_bytes: usize,
    /// Q08 defence: check the token before treating a 401 as expiry.
    pub check_token_on_401: bool,
    /// Q07 defence: follow `__next` to the end.
    pub follow_next: bool,
    pub stats: Arc<Stats>,
}

fn exact_error(kind: ErrorKind, message: impl Into<String>, op: &'static str) -> Error {
    Error::new(kind, message)
        .with_vendor(Vendor::Exact)
        .with_operation(op)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    header(h, name).and_then(|v| v.parse().ok())
}

/// How long until an epoch-milliseconds reset, clamped to `1 ms..=max`.
fn until_reset(reset_ms: Option<u64>, max: Duration) -> Duration {
    let now = chrono::Utc::now().timestamp_millis();
    let wait = reset_ms
        .and_then(|r| i64::try_from(r).ok())
        .map(|r| r.saturating_sub(now))
        .filter(|w| *w > 0)
        .and_then(|w| u64::try_from(w).ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(1));
    wait.min(max)
}

impl Client {
    fn charges(&self, division: Division) -> Vec<Charge> {
        self.layout.charges(&division.to_string())
    }

    /// Feed the `X-RateLimit-*` headers into the budget: a window with nothing left pauses its
    /// bucket until Exact's reset, for every worker sharing the budget. Returns the pause set.
    async fn feed_rate_headers(
        &self,
        headers: &HeaderMap,
        charges: &[Charge],
        minute: Duration,
    ) -> Result<Option<Duration>> {
        let mut paused = None;
        if header_u64(headers, "X-RateLimit-Minutely-Remaining") == Some(0) {
            let wait = until_reset(header_u64(headers, "X-RateLimit-Minutely-Reset"), minute);
            if let Some(c) = charges
                .iter()
                .find(|c| c.bucket.name().ends_with(":minute"))
            {
                self.budget.pause(c.bucket.name(), wait).await?;
                paused = Some(wait);
            }
        }
        if header_u64(headers, "X-RateLimit-Remaining") == Some(0) {
            let wait = until_reset(
                header_u64(headers, "X-RateLimit-Reset"),
                self.budget.max_wait(),
            );
            if let Some(c) = charges.iter().find(|c| c.bucket.name().ends_with(":day")) {
                self.budget.pause(c.bucket.name(), wait).await?;
                paused = Some(paused.map_or(wait, |p: Duration| p.max(wait)));
            }
        }
        Ok(paused)
    }

    /// Whether `token` is alive: `current/Me` (no division, not counted by Exact) answers 200.
    async fn token_is_alive(&self, token: &AccessToken) -> Result<bool> {
        let url = self.urls.me()?;
        let r = self
            .http
            .get(url)
            .bearer_auth(token.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                exact_error(
                    ErrorKind::Unavailable,
                    format!("Exact could not be reached: {}", e.without_url()),
                    "check_token",
                )
            })?;
        Ok(r.status().is_success())
    }

    /// One call with retries of temporary failures (`backon` through the core runtime). An error
    /// whose write outcome is uncertain is returned at once, never retried: the caller looks the
    /// entry up by its natural key before writing again.
    pub async fn call(
        &self,
        op: &'static str,
        method: Method<'_>,
        url: &ApiUrl,
    ) -> Result<Response> {
        let policy = self.retry;
        retry_without_check(&policy, || self.attempt(op, method, url)).await
    }

    /// One call, the whole 401 dance included, no retries.
    async fn attempt(
        &self,
        op: &'static str,
        method: Method<'_>,
        url: &ApiUrl,
    ) -> Result<Response> {
        let charges = self.charges(url.division());
        let minute = match charges.first().map(|c| c.bucket.limit()) {
            Some(grootboek_core::runtime::Limit::Rate { window, .. }) => window,
            _ => Duration::from_secs(60),
        };
        let mut token = self.tokens.access().await?;
        let mut renewed = false;
        loop {
            let permit = self.budget.acquire(&charges).await?;
            Stats::bump(&self.stats.requests);
            let sent = self.send(method, url, &token).await;
            drop(permit);
            let (status, headers, body) = match sent {
                Ok(r) => r,
                Err(e) => return Err(e.with_operation(op)),
            };
            let paused = self.feed_rate_headers(&headers, &charges, minute).await?;
            tracing::debug!(
                method = method.name(),
                path = url.url().path(),
                status,
                "exact call"
            );
            match status {
                200..=299 => return Ok(Response { body }),
                401 => {
                    Stats::bump(&self.stats.unauthorized);
                    if renewed {
                        return Err(self.status_error(op, method, status, &headers, &body));
                    }
                    if self.check_token_on_401 && self.token_is_alive(&token).await? {
                        // Q08: the token is fine, so this 401 is about the URL (e.g. no division),
                        // not an expired token: no refresh is burned on it.
                        Stats::bump(&self.stats.unauthorized_not_token);
                        let e = self.status_error(op, method, status, &headers, &body);
                        return Err(exact_error(
                            ErrorKind::Unauthenticated,
                            format!(
                                "Exact answered 401 to {} {} although the access token is valid \
                                 (Q08: Exact answers 401 to URLs it cannot route, e.g. without a division)",
                                method.name(),
                                url.url().path()
                            ),
                            op,
                        )
                        .with_vendor_error(e.vendor_error().cloned().unwrap_or_default()));
                    }
                    token = self.tokens.rejected(&token).await?;
                    renewed = true;
                }
                429 => {
                    Stats::bump(&self.stats.rate_limited);
                    // No headers (seen in traffic) or headers with room left (also seen): pause
                    // the minute bucket for a while anyway, so every worker backs off.
                    let wait = match paused {
                        Some(w) => w,
                        None => {
                            let w = grootboek_core::runtime::parse_retry_after(
                                header(&headers, "Retry-After").unwrap_or_default(),
                                std::time::SystemTime::now(),
                            )
                            .unwrap_or(minute / 6)
                            .min(minute);
                            if let Some(c) = charges.first() {
                                self.budget.pause(c.bucket.name(), w).await?;
                            }
                            w
                        }
                    };
                    let e = self.status_error(op, method, status, &headers, &body);
                    return Err(with_retry_after(e, wait));
                }
                _ => return Err(self.status_error(op, method, status, &headers, &body)),
            }
        }
    }

    async fn send(
        &self,
        method: Method<'_>,
        url: &ApiUrl,
        token: &AccessToken,
    ) -> Result<(u16, HeaderMap, Vec<u8>)> {
        let builder = match method {
            Method::Get => self.http.get(url.url().clone()),
            Method::Post(b) => self
                .http
                .post(url.url().clone())
                .header("Prefer", "return=representation")
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_string()),
            Method::Put(b) => self
                .http
                .put(url.url().clone())
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_string()),
        };
        let sent = builder
            .bearer_auth(token.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(method, &e)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_bytes {
                        return Err(Error::protocol(format!(
                            "Exact's answer is larger than {} bytes",
                            self.max_bytes
                        ))
                        .with_vendor(Vendor::Exact)
                        .with_outcome(
                            if method.is_write() && (200..300).contains(&status) {
                                WriteOutcome::Applied
                            } else {
                                WriteOutcome::NotApplied
                            },
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(self.transport_error(method, &e)),
            }
        }
        Ok((status, headers, body))
    }

    fn transport_error(&self, method: Method<'_>, e: &reqwest::Error) -> Error {
        // A connection that never opened sent nothing; anything later may have reached Exact.
        let outcome = if method.is_write() && !e.is_connect() {
            WriteOutcome::Uncertain
        } else {
            WriteOutcome::NotApplied
        };
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "lost the connection"
        };
        Error::new(
            ErrorKind::Unavailable,
            format!("the request to Exact {what}: {e}"),
        )
        .with_vendor(Vendor::Exact)
        .with_outcome(outcome)
    }

    fn status_error(
        &self,
        op: &'static str,
        method: Method<'_>,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Error {
        let (code, message) = odata::parse_error(body);
        let reason = header(headers, "Reason").map(str::to_string);
        let text = message.clone().unwrap_or_default();
        let kind = match status {
            400 => ErrorKind::Validation,
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            405 => ErrorKind::Unsupported,
            429 => ErrorKind::RateLimited { retry_after: None },
            500 if method.is_write()
                && !text.is_empty()
                && !text.starts_with("A problem has occurred") =>
            {
                // Exact reports business validation with 500 (reference §5).
                ErrorKind::Validation
            }
            s if s >= 500 => ErrorKind::Unavailable,
            _ => ErrorKind::Protocol,
        };
        let outcome = match (method.is_write(), status) {
            (true, 502) | (true, 504) => WriteOutcome::Uncertain,
            _ => WriteOutcome::NotApplied,
        };
        let summary = match &message {
            Some(m) => format!("Exact answered {status}: {m}"),
            None => format!("Exact answered {status}"),
        };
        exact_error(kind, summary, op)
            .with_outcome(outcome)
            .with_vendor_error(VendorError {
                code: code.or_else(|| Some(status.to_string())),
                message,
                location: None,
                reference: reason,
            })
    }

    /// GET one page.
    pub async fn page(&self, op: &'static str, url: &ApiUrl) -> Result<ODataPage> {
        let r = self.call(op, Method::Get, url).await?;
        odata::parse_page(&r.body).map_err(|e| e.with_vendor(Vendor::Exact).with_operation(op))
    }

    /// GET a listing and follow `__next` to the end (Q07). With the Q07 defence off, the first
    /// page is taken as the whole listing (what a naive client that trusts the page size does).
    pub async fn all(
        &self,
        op: &'static str,
        division: Division,
        endpoint: Endpoint,
        query: &Query,
    ) -> Result<Vec<Row>> {
        let mut url = self.urls.collection(division, endpoint, query)?;
        let mut rows = Vec::new();
        for _ in 0..grootboek_core::traits::MAX_PAGES {
            let page = self.page(op, &url).await?;
            rows.extend(page.rows);
            match page.next {
                Some(next) if self.follow_next => url = self.urls.next_page(division, &next)?,
                _ => return Ok(rows),
            }
        }
        Err(exact_error(
            ErrorKind::Protocol,
            "Exact's listing did not end",
            op,
        ))
    }

    /// GET one entity by key; `None` when Exact answers 404 or an empty result.
    pub async fn get_entity(
        &self,
        op: &'static str,
        division: Division,
        endpoint: Endpoint,
        key: &str,
        query: &Query,
    ) -> Result<Option<Row>> {
        let url = self.urls.entity(division, endpoint, key, Some(query))?;
        match self.call(op, Method::Get, &url).await {
            Ok(r) => odata::parse_single(&r.body)
                .map_err(|e| e.with_vendor(Vendor::Exact).with_operation(op)),
            Err(e) if *e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// POST a JSON body to an entity set; the created row (Exact answers with it).
    pub async fn post(
        &self,
        op: &'static str,
        division: Division,
        endpoint: Endpoint,
        body: &JsonOut,
    ) -> Result<Option<Row>> {
        let url = self
            .urls
            .collection(division, endpoint, &Query::default())?;
        let text = body.to_json();
        let r = self.call(op, Method::Post(&text), &url).await?;
        if r.body.is_empty() {
            return Ok(None);
        }
        odata::parse_single(&r.body).map_err(|e| {
            e.with_vendor(Vendor::Exact)
                .with_operation(op)
                .with_outcome(WriteOutcome::Applied)
        })
    }

    /// PUT a JSON body to a URL (Exact answers 204 with no body).
    pub async fn put(&self, op: &'static str, url: &ApiUrl, body: &JsonOut) -> Result<()> {
        let text = body.to_json();
        self.call(op, Method::Put(&text), url).await.map(|_| ())
    }
}

fn with_retry_after(e: Error, wait: Duration) -> Error {
    let mut out = Error::new(
        ErrorKind::RateLimited {
            retry_after: Some(wait),
        },
        e.message().to_string(),
    )
    .with_outcome(e.outcome());
    if let Some(v) = e.vendor() {
        out = out.with_vendor(v);
    }
    if let Some(op) = e.operation() {
        out = out.with_operation(op);
    }
    if let Some(ve) = e.vendor_error() {
        out = out.with_vendor_error(ve.clone());
    }
    out
}
