//! HTTP to Exact over the core [`Transport`]: Exact's [`Protocol`] — bearer tokens from the
//! broker, the 401 check (Q08) before a token is treated as dead, the `X-RateLimit-*` headers
//! fed into the per-division budget (T05, T10), and Exact's error bodies — plus OData paging
//! (Q07).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::json::JsonOut;
use grootboek_core::runtime::http::{
    retry_after, status_error, Answer, Call, HttpClient, Protocol, Request, Transport,
};
#[cfg(feature = "without-defences")]
use grootboek_core::runtime::{classify_refresh_error, TokenPair};
use grootboek_core::runtime::{
    AccessToken, Budget, Charge, ConnectionId, ExactBudget, Limit, TokenBroker,
};
use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError, WriteOutcome};
#[cfg(feature = "without-defences")]
use tokio::sync::Mutex;

#[cfg(feature = "without-defences")]
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
    fn is_write(&self) -> bool {
        !matches!(self, Method::Get)
    }
}

/// Where access tokens come from.
pub(crate) enum Tokens {
    /// Through the shared broker (the Q04 defence).
    Broker {
        broker: Arc<dyn TokenBroker>,
        conn: ConnectionId,
    },
    /// Q04 defence off (only in `without-defences` builds): a private copy of the pair,
    /// refreshed without any lock, as two naive processes would.
    #[cfg(feature = "without-defences")]
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
    pub(crate) async fn access(&self) -> Result<AccessToken> {
        match self {
            Tokens::Broker { broker, conn } => broker.access_token(conn).await,
            #[cfg(feature = "without-defences")]
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
                    ));
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
            #[cfg(feature = "without-defences")]
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
                    return Err(Error::new(
                        ErrorKind::ReconsentRequired,
                        "no token pair stored",
                    ));
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

/// The request of a call, authorised with `token`.
fn build(method: Method<'_>, url: &ApiUrl, token: &AccessToken) -> Result<Request> {
    let target = url.url().clone();
    let request = match method {
        Method::Get => Request::get(target),
        Method::Post(b) => Request::with_body(
            grootboek_core::runtime::http::Method::POST,
            target,
            "application/json",
            b.to_string(),
        )
        .static_header("prefer", "return=representation"),
        Method::Put(b) => Request::with_body(
            grootboek_core::runtime::http::Method::PUT,
            target,
            "application/json",
            b.to_string(),
        ),
    };
    request
        .static_header("accept", "application/json")
        .bearer(token.expose_secret())
}

/// Exact's side of the transport.
pub(crate) struct ExactProtocol {
    pub tokens: Tokens,
    pub urls: ApiUrls,
    /// Q08 defence: check the token before treating a 401 as expiry.
    pub check_token_on_401: bool,
    /// 401s that the token check showed were not about the token (Q08).
    pub unauthorized_not_token: AtomicU64,
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

fn header_u64(answer: &Answer, name: &str) -> Option<u64> {
    answer.header(name).and_then(|v| v.parse().ok())
}

/// The length of the minute bucket among `charges` (Exact's minute; shorter against a fast
/// simulator clock).
fn minute_of(charges: &[Charge]) -> Duration {
    match charges.first().map(|c| c.bucket.limit()) {
        Some(Limit::Rate { window, .. }) => window,
        _ => Duration::from_secs(60),
    }
}

impl ExactProtocol {
    /// Whether `token` is alive: `current/Me` (no division, not counted by Exact) answers 200.
    async fn token_is_alive(&self, http: &HttpClient, token: &AccessToken) -> Result<bool> {
        let request = Request::get(self.urls.me()?)
            .static_header("accept", "application/json")
            .bearer(token.expose_secret())?;
        Ok(http.execute(request, false).await?.is_success())
    }
}

#[async_trait]
impl Protocol for ExactProtocol {
    type Credential = AccessToken;

    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    async fn credential(&self, _http: &HttpClient) -> Result<AccessToken> {
        self.tokens.access().await
    }

    async fn recover(
        &self,
        http: &HttpClient,
        rejected: &AccessToken,
        error: &Error,
    ) -> Result<Option<AccessToken>> {
        if self.check_token_on_401 && self.token_is_alive(http, rejected).await? {
            // Q08: the token is fine, so this 401 is about the URL (e.g. no division), not an
            // expired token: no refresh is burned on it.
            self.unauthorized_not_token.fetch_add(1, Ordering::Relaxed);
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "Exact answered 401 although the access token is valid (Q08: Exact answers \
                     401 to URLs it cannot route, e.g. without a division): {}",
                    error.message()
                ),
            )
            .with_vendor_error(error.vendor_error().cloned().unwrap_or_default()));
        }
        Ok(Some(self.tokens.rejected(rejected).await?))
    }

    fn classify(&self, call: &Call, answer: &Answer) -> Result<()> {
        if answer.is_success() {
            return Ok(());
        }
        let (code, message) = odata::parse_error(&answer.body);
        let text = message.clone().unwrap_or_default();
        let e = status_error(
            Vendor::Exact,
            call,
            answer,
            VendorError {
                code,
                message,
                location: None,
                reference: answer.header("Reason").map(str::to_string),
                ..Default::default()
            },
        );
        if call.write
            && matches!(answer.status, 400 | 500)
            && text.to_ascii_lowercase().contains("already exists")
        {
            // "Code: 1000 - Already exists", "Data already exists": a taken code (R03).
            return Err(
                Error::new(ErrorKind::AlreadyExists, e.message().to_string())
                    .with_vendor(Vendor::Exact)
                    .with_operation(call.operation)
                    .with_outcome(WriteOutcome::NotApplied)
                    .with_vendor_error(e.vendor_error().cloned().unwrap_or_default()),
            );
        }
        if answer.status == 500
            && call.write
            && !text.is_empty()
            && !text.starts_with("A problem has occurred")
        {
            // Exact reports business validation with 500 (reference §5) — but a gateway's 500
            // after the commit looks the same: a validation error whose outcome stays
            // uncertain until the write driver's look-up settles it (R01).
            return Err(Error::new(ErrorKind::Validation, e.message().to_string())
                .with_vendor(Vendor::Exact)
                .with_operation(call.operation)
                .with_outcome(WriteOutcome::Uncertain)
                .with_vendor_error(e.vendor_error().cloned().unwrap_or_default()));
        }
        Err(e)
    }

    /// Feed the `X-RateLimit-*` headers into the budget: a window with nothing left pauses its
    /// bucket until Exact's reset, for every worker sharing the budget. A 429 without such
    /// headers (seen in traffic), or with room left (also seen), pauses the minute bucket for its
    /// `Retry-After` or a sixth of a minute (T10).
    async fn observe(
        &self,
        budget: &dyn Budget,
        call: &Call,
        answer: &Answer,
    ) -> Result<Option<Duration>> {
        let minute = minute_of(&call.charges);
        let mut paused = None;
        if header_u64(answer, "X-RateLimit-Minutely-Remaining") == Some(0) {
            let wait = until_reset(header_u64(answer, "X-RateLimit-Minutely-Reset"), minute);
            if let Some(c) = call
                .charges
                .iter()
                .find(|c| c.bucket.name().ends_with(":minute"))
            {
                budget.pause(c.bucket.name(), wait).await?;
                paused = Some(wait);
            }
        }
        if header_u64(answer, "X-RateLimit-Remaining") == Some(0) {
            let wait = until_reset(header_u64(answer, "X-RateLimit-Reset"), budget.max_wait());
            if let Some(c) = call
                .charges
                .iter()
                .find(|c| c.bucket.name().ends_with(":day"))
            {
                budget.pause(c.bucket.name(), wait).await?;
                paused = Some(paused.map_or(wait, |p: Duration| p.max(wait)));
            }
        }
        if answer.status == 429 && paused.is_none() {
            let wait = retry_after(answer).unwrap_or(minute / 6).min(minute);
            if let Some(c) = call.charges.first() {
                budget.pause(c.bucket.name(), wait).await?;
            }
            paused = Some(wait);
        }
        Ok(paused)
    }
}

/// The REST client of one connection.
pub(crate) struct Client {
    pub transport: Transport<ExactProtocol>,
    pub layout: ExactBudget,
    /// Q07 defence: follow `__next` to the end.
    pub follow_next: bool,
}

impl Client {
    pub fn urls(&self) -> &ApiUrls {
        &self.transport.protocol().urls
    }

    /// One attempt of a write, for the write driver that owns the retries of documents.
    pub async fn call_once(
        &self,
        op: &'static str,
        method: Method<'_>,
        url: &ApiUrl,
    ) -> Result<Answer> {
        let call = Call {
            operation: op,
            write: method.is_write(),
            charges: self.layout.charges(&url.division().to_string()),
        };
        self.transport
            .send_once(&call, &|token: &AccessToken| build(method, url, token))
            .await
    }

    /// One call with retries of temporary failures (the core transport). An error whose write
    /// outcome is uncertain is returned at once, never retried: the caller looks the entry up by
    /// its natural key before writing again.
    pub async fn call(&self, op: &'static str, method: Method<'_>, url: &ApiUrl) -> Result<Answer> {
        let call = Call {
            operation: op,
            write: method.is_write(),
            charges: self.layout.charges(&url.division().to_string()),
        };
        self.transport
            .send(&call, &|token: &AccessToken| build(method, url, token))
            .await
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
        let mut url = self.urls().collection(division, endpoint, query)?;
        let mut rows = Vec::new();
        for _ in 0..grootboek_core::traits::MAX_PAGES {
            let page = self.page(op, &url).await?;
            rows.extend(page.rows);
            match page.next {
                Some(next) if self.follow_next => url = self.urls().next_page(division, &next)?,
                _ => return Ok(rows),
            }
        }
        Err(Error::protocol("Exact's listing did not end")
            .with_vendor(Vendor::Exact)
            .with_operation(op))
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
        let url = self.urls().entity(division, endpoint, key, Some(query))?;
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
        self.post_with(op, division, endpoint, body, false).await
    }

    /// [`Client::post`] sent once, for the write driver.
    pub async fn post_once(
        &self,
        op: &'static str,
        division: Division,
        endpoint: Endpoint,
        body: &JsonOut,
    ) -> Result<Option<Row>> {
        self.post_with(op, division, endpoint, body, true).await
    }

    async fn post_with(
        &self,
        op: &'static str,
        division: Division,
        endpoint: Endpoint,
        body: &JsonOut,
        once: bool,
    ) -> Result<Option<Row>> {
        let url = self
            .urls()
            .collection(division, endpoint, &Query::default())?;
        let text = body.to_json();
        let r = if once {
            self.call_once(op, Method::Post(&text), &url).await?
        } else {
            self.call(op, Method::Post(&text), &url).await?
        };
        created_row(&r, op)
    }

    /// [`Client::put`] sent once, for the write driver.
    pub async fn put_once(&self, op: &'static str, url: &ApiUrl, body: &JsonOut) -> Result<()> {
        let text = body.to_json();
        self.call_once(op, Method::Put(&text), url)
            .await
            .map(|_| ())
    }

    /// PUT a JSON body to a URL (Exact answers 204 with no body).
    pub async fn put(&self, op: &'static str, url: &ApiUrl, body: &JsonOut) -> Result<()> {
        let text = body.to_json();
        self.call(op, Method::Put(&text), url).await.map(|_| ())
    }
}

/// The row Exact answers a POST with (none for an empty answer); a body that does not parse is
/// a protocol error of a write that landed.
fn created_row(answer: &Answer, op: &'static str) -> Result<Option<Row>> {
    if answer.body.is_empty() {
        return Ok(None);
    }
    odata::parse_single(&answer.body).map_err(|e| {
        e.with_vendor(Vendor::Exact)
            .with_operation(op)
            .with_outcome(WriteOutcome::Applied)
    })
}
