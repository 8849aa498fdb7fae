//! [`Transport`]: the one request pipeline of every adapter. Budget, credential, send, the
//! vendor's classification, the pause of every worker on 429/503, one recovery from an
//! authentication failure, and retry of what is safe to repeat.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;

use super::client::{Answer, HttpClient, HttpStats, Request};
use super::policy::without_query;
use crate::error::{Error, ErrorKind, Result, VendorError, WriteOutcome};
use crate::runtime::budget::{parse_retry_after, Budget, Charge, Limit};
use crate::runtime::retry::{retry_without_check, RetryPolicy};
use crate::vendor::Vendor;

/// What one request is: its name for errors and logs, whether it writes, and its budget charges.
#[derive(Debug, Clone)]
pub struct Call {
    /// The ledger operation it serves (`create_invoice`, `list_open_items`…).
    pub operation: &'static str,
    /// Whether it changes data at the vendor.
    pub write: bool,
    /// What it costs against the budget.
    pub charges: Vec<Charge>,
}

impl Call {
    /// A read.
    pub fn read(operation: &'static str, charges: Vec<Charge>) -> Self {
        Self {
            operation,
            write: false,
            charges,
        }
    }

    /// A write.
    pub fn write(operation: &'static str, charges: Vec<Charge>) -> Self {
        Self {
            operation,
            write: true,
            charges,
        }
    }

    /// The credits the vendor counts for it: the largest rate charge.
    pub fn credits(&self) -> u64 {
        self.charges
            .iter()
            .filter(|c| matches!(c.bucket.limit(), Limit::Rate { .. }))
            .map(|c| u64::from(c.cost))
            .max()
            .unwrap_or(0)
    }
}

/// What a vendor plugs into the [`Transport`]: how a request is authorised, how an answer is
/// classified, and what an authentication failure triggers.
#[async_trait]
pub trait Protocol: Send + Sync + 'static {
    /// What a request is authorised with (a bearer token; a token and a cluster; nothing).
    type Credential: Send + Sync;

    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// The credential for the next request (from the token broker, typically).
    async fn credential(&self, http: &HttpClient) -> Result<Self::Credential>;

    /// The vendor refused `rejected` with an [`ErrorKind::Unauthenticated`] `error`: return a
    /// credential to try once more (a refreshed token, a re-resolved cluster), or `None` to give
    /// up with the error. The default gives up.
    async fn recover(
        &self,
        http: &HttpClient,
        rejected: &Self::Credential,
        error: &Error,
    ) -> Result<Option<Self::Credential>> {
        let _ = (http, rejected, error);
        Ok(None)
    }

    /// `Ok` when the answer is a success; otherwise the error it means (kind, message, the raw
    /// vendor error, the write outcome, a retry-after). [`status_error`] is the common mapping.
    fn classify(&self, call: &Call, answer: &Answer) -> Result<()>;

    /// See every answer before it is classified (e.g. Exact's `X-RateLimit-*` headers) and pause
    /// buckets of `budget` as the vendor asks; returns the longest pause set.
    async fn observe(
        &self,
        budget: &dyn Budget,
        call: &Call,
        answer: &Answer,
    ) -> Result<Option<Duration>> {
        let _ = (budget, call, answer);
        Ok(None)
    }
}

/// The HTTP status as a normalised kind: the one mapping every vendor starts from.
pub fn status_kind(status: u16) -> ErrorKind {
    match status {
        400 | 422 => ErrorKind::Validation,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 | 410 => ErrorKind::NotFound,
        405 | 501 => ErrorKind::Unsupported,
        409 => ErrorKind::AlreadyExists,
        408 => ErrorKind::Unavailable,
        429 => ErrorKind::RateLimited { retry_after: None },
        s if s >= 500 => ErrorKind::Unavailable,
        _ => ErrorKind::Protocol,
    }
}

/// What a failed write did, from its status alone (R01): the vendor refused the content (4xx
/// other than 408 and 429) means not applied; a 429, 408, 3xx or 5xx may come from a gateway
/// after the vendor committed, so it is uncertain. Reads are never "applied".
pub fn status_outcome(write: bool, status: u16) -> WriteOutcome {
    if !write {
        return WriteOutcome::NotApplied;
    }
    match status {
        408 | 429 => WriteOutcome::Uncertain,
        400..=499 => WriteOutcome::NotApplied,
        _ => WriteOutcome::Uncertain,
    }
}

/// The `Retry-After` of an answer, in seconds or as an HTTP date.
pub fn retry_after(answer: &Answer) -> Option<Duration> {
    answer
        .header("Retry-After")
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

/// The common error of a failed answer: the kind from [`status_kind`] (a redirect is a
/// `Protocol` error naming its target, never followed to another host: R02), the outcome from
/// [`status_outcome`], the `Retry-After`, and the vendor's raw code and message. A vendor
/// passes what it parsed from the body; `message` defaults to the status.
pub fn status_error(
    vendor: Vendor,
    call: &Call,
    answer: &Answer,
    vendor_error: VendorError,
) -> Error {
    let status = answer.status;
    let summary = if answer.is_redirect() {
        let to = answer
            .header("Location")
            .and_then(|l| url::Url::parse(l).ok())
            .map(|u| without_query(&u))
            .unwrap_or_else(|| "an unnamed location".to_string());
        format!("{vendor} answered {status}, a redirect to {to}; not followed (R02)")
    } else {
        match &vendor_error.message {
            Some(m) => format!("{vendor} answered {status}: {m}"),
            None => format!("{vendor} answered {status}"),
        }
    };
    let mut vendor_error = vendor_error;
    if vendor_error.code.is_none() {
        vendor_error.code = Some(status.to_string());
    }
    let mut e = Error::new(status_kind(status), summary)
        .with_vendor(vendor)
        .with_operation(call.operation)
        .with_outcome(status_outcome(call.write, status))
        .with_vendor_error(vendor_error);
    if let Some(wait) = retry_after(answer) {
        e = e.with_retry_after(wait);
    }
    e
}

/// The request pipeline of one connection: budget, credential, send, classification, pauses,
/// one authentication recovery, retry.
pub struct Transport<P: Protocol> {
    http: HttpClient,
    protocol: P,
    budget: Arc<dyn Budget>,
    retry: RetryPolicy,
}

impl<P: Protocol> std::fmt::Debug for Transport<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("http", &self.http)
            .field("budget", &self.budget)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Builds the request of a call from the credential (the token may live in the body, as in
/// Twinfield's SOAP header).
pub type Build<'a, C> = dyn Fn(&C) -> Result<Request> + Send + Sync + 'a;

impl<P: Protocol> Transport<P> {
    /// A transport over `http` for `protocol`, charging `budget`, retrying per `retry`.
    pub fn new(http: HttpClient, protocol: P, budget: Arc<dyn Budget>, retry: RetryPolicy) -> Self {
        Self {
            http,
            protocol,
            budget,
            retry,
        }
    }

    /// The HTTP client (for calls outside the budget, such as a token endpoint).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The vendor's protocol.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// The budget.
    pub fn budget(&self) -> &Arc<dyn Budget> {
        &self.budget
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The counters.
    pub fn stats(&self) -> &HttpStats {
        self.http.stats()
    }

    /// [`Transport::send_once`], retried per the policy while the error is temporary and the
    /// write (if any) provably did not land; an uncertain write is returned at once for the
    /// caller to resolve by its natural key.
    pub async fn send(&self, call: &Call, build: &Build<'_, P::Credential>) -> Result<Answer> {
        retry_without_check(&self.retry, || self.send_once(call, build)).await
    }

    /// One request: take the budget (waits are logged), get the credential, send, let the vendor
    /// observe and classify the answer; on 429/503 with a wait, pause every worker on the call's
    /// buckets; on an authentication failure, let the vendor recover once.
    pub async fn send_once(&self, call: &Call, build: &Build<'_, P::Credential>) -> Result<Answer> {
        let vendor = self.protocol.vendor();
        let attach = |e: Error| {
            let e = if e.vendor().is_none() {
                e.with_vendor(vendor)
            } else {
                e
            };
            if e.operation().is_none() {
                e.with_operation(call.operation)
            } else {
                e
            }
        };
        let mut credential = self.protocol.credential(&self.http).await.map_err(attach)?;
        let mut recovered = false;
        loop {
            let request = build(&credential).map_err(attach)?;
            let answer = {
                let _permit = self.acquire(call).await.map_err(attach)?;
                self.http.stats().sent(call.write, call.credits());
                self.http
                    .execute(request, call.write)
                    .await
                    .map_err(attach)?
            };
            let paused = self
                .protocol
                .observe(self.budget.as_ref(), call, &answer)
                .await
                .map_err(attach)?;
            let err = match self.protocol.classify(call, &answer) {
                Ok(()) => return Ok(answer),
                Err(e) => attach(e),
            };
            let err = match (err.retry_after(), paused) {
                (None, Some(p)) if matches!(answer.status, 429 | 503) => err.with_retry_after(p),
                _ => err,
            };
            if matches!(answer.status, 429 | 503) {
                let wait = err.retry_after();
                if let Some(wait) = wait.filter(|w| *w <= self.retry.max_retry_after) {
                    if paused.is_none() {
                        self.budget.pause_charges(&call.charges, wait).await?;
                    }
                    tracing::info!(
                        target: "grootboek::budget",
                        vendor = %vendor,
                        status = answer.status,
                        wait_s = wait.as_secs_f64(),
                        "the vendor asked to wait; every worker on these buckets pauses"
                    );
                }
            }
            if *err.kind() == ErrorKind::Unauthenticated && !recovered {
                if let Some(fresh) = self
                    .protocol
                    .recover(&self.http, &credential, &err)
                    .await
                    .map_err(attach)?
                {
                    credential = fresh;
                    recovered = true;
                    continue;
                }
            }
            return Err(err);
        }
    }

    async fn acquire(&self, call: &Call) -> Result<crate::runtime::budget::Permit> {
        let started = Instant::now();
        let permit = self.budget.acquire(&call.charges).await?;
        let waited = started.elapsed();
        if waited >= Duration::from_millis(5) {
            self.http.stats().waited(waited);
            let buckets = call
                .charges
                .iter()
                .map(|c| c.bucket.name())
                .collect::<Vec<_>>()
                .join(",");
            if waited >= Duration::from_secs(1) {
                tracing::info!(target: "grootboek::budget", vendor = %self.protocol.vendor(), operation = call.operation, buckets = %buckets, wait_s = waited.as_secs_f64(), "waited for budget");
            } else {
                tracing::debug!(target: "grootboek::budget", vendor = %self.protocol.vendor(), operation = call.operation, buckets = %buckets, wait_s = waited.as_secs_f64(), "waited for budget");
            }
        }
        Ok(permit)
    }
}
