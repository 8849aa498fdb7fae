//! The HTTP side: SOAP calls to the organisation's cluster with the access token from the broker,
//! the office in the header, credits taken from the budget first (T05), a response size cap,
//! faults mapped to core errors, and the authentication-fault recovery of T02.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use grootboek_core::runtime::{
    parse_retry_after, retry, AccessToken, Budget, ConnectionId, Landed, TokenBroker,
    TwinfieldBudget, TwinfieldOperation,
};
use grootboek_core::{EntryId, Error, ErrorKind, Result, Vendor, VendorError, WriteOutcome};
use serde::Deserialize;

use crate::auth::CLUSTER_KEY;
use crate::cluster::ClusterResolver;
use crate::config::TwinfieldConfig;
use crate::mapping::errors::fault_error;
use crate::xml::soap::{finder_reply, process_xml_reply, FinderPage, Reply};
use crate::xml::write::{finder_envelope, process_xml_envelope, FinderQuery, Header};

/// SOAP action of `ProcessXmlString`.
pub const PROCESS_XML_ACTION: &str = "http://www.twinfield.com/ProcessXmlString";
/// SOAP action of the Finder's `Search`.
pub const SEARCH_ACTION: &str = "http://www.twinfield.com/Search";

/// Counters of what this connection sent (for budget measurements and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// Requests sent to a cluster.
    pub requests: u64,
    /// Of which reads (1 credit).
    pub reads: u64,
    /// Of which writes (3 credits).
    pub writes: u64,
    /// Credits spent (as Twinfield counts them).
    pub credits: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Cluster resolutions after an authentication fault (T02).
    pub cluster_resolutions: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
    credits: AtomicU64,
    rate_limited: AtomicU64,
    cluster_resolutions: AtomicU64,
}

/// The REST-style status of a transaction (lags SOAP after a write: Q12).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RestStatus {
    /// `temporary` / `final`.
    pub status: String,
    /// The match status of the relation line.
    #[serde(rename = "matchStatus", default)]
    pub match_status: String,
    /// The open amount of the relation line.
    #[serde(rename = "openValue", default)]
    pub open_value: Option<rust_decimal::Decimal>,
}

/// One connection's transport.
pub struct Transport {
    pub(crate) cfg: TwinfieldConfig,
    http: reqwest::Client,
    broker: Arc<dyn TokenBroker>,
    conn: ConnectionId,
    budget: Arc<dyn Budget>,
    layout: TwinfieldBudget,
    resolver: ClusterResolver,
    cluster: RwLock<Option<String>>,
    /// Held while the cluster is being resolved, so concurrent callers resolve it once (T02).
    resolving: tokio::sync::Mutex<()>,
    counters: Counters,
}

fn tf(kind: ErrorKind, msg: impl Into<String>, operation: &'static str) -> Error {
    Error::new(kind, msg.into())
        .with_vendor(Vendor::Twinfield)
        .with_operation(operation)
}

impl Transport {
    pub(crate) fn new(
        cfg: TwinfieldConfig,
        http: reqwest::Client,
        broker: Arc<dyn TokenBroker>,
        conn: ConnectionId,
        budget: Arc<dyn Budget>,
    ) -> Self {
        let layout = TwinfieldBudget::new(cfg.client_id.clone(), cfg.egress_ip.clone())
            .certified(cfg.certified)
            .with_minute(cfg.minute);
        let resolver = ClusterResolver::new(&cfg, http.clone());
        Self {
            cfg,
            http,
            broker,
            conn,
            budget,
            layout,
            resolver,
            cluster: RwLock::new(None),
            resolving: tokio::sync::Mutex::new(()),
            counters: Counters::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> TransportStats {
        let c = &self.counters;
        TransportStats {
            requests: c.requests.load(Ordering::Relaxed),
            reads: c.reads.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            credits: c.credits.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            cluster_resolutions: c.cluster_resolutions.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn broker(&self) -> &Arc<dyn TokenBroker> {
        &self.broker
    }

    pub(crate) fn conn(&self) -> &ConnectionId {
        &self.conn
    }

    fn cached_cluster(&self) -> Option<String> {
        self.cluster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_cluster(&self, url: String) {
        *self.cluster.write().unwrap_or_else(|p| p.into_inner()) = Some(url);
    }

    /// The cluster for `token`: the cache, else the one stored with the tokens, else resolved.
    pub async fn cluster_for(&self, token: &AccessToken) -> Result<String> {
        if let Some(c) = self.cached_cluster() {
            return Ok(c);
        }
        // One resolution per organisation however many tasks start at once: the others wait
        // here and find it cached.
        let _resolving = self.resolving.lock().await;
        if let Some(c) = self.cached_cluster() {
            return Ok(c);
        }
        if let Some(pair) = self.broker.current(&self.conn).await? {
            if let Some(c) = pair.metadata.get(CLUSTER_KEY) {
                self.set_cluster(c.clone());
                return Ok(c.clone());
            }
        }
        self.resolve_and_store(token).await
    }

    /// Resolve the cluster of `token` and cache it (in process and with the tokens).
    pub async fn resolve_and_store(&self, token: &AccessToken) -> Result<String> {
        let info = self.resolver.resolve(token.expose_secret()).await?;
        self.set_cluster(info.cluster_url.clone());
        if let Some(mut pair) = self.broker.current(&self.conn).await? {
            if token.same_secret(&pair.access_token)
                && pair.metadata.get(CLUSTER_KEY) != Some(&info.cluster_url)
            {
                pair.metadata
                    .insert(CLUSTER_KEY.to_string(), info.cluster_url.clone());
                self.broker.store(&self.conn, pair).await?;
            }
        }
        Ok(info.cluster_url)
    }

    fn scale(&self, d: Duration) -> Duration {
        // Retry-After is in Twinfield's seconds; our minute may be shorter (fast simulator clock).
        let factor = self.cfg.minute.as_secs_f64() / 60.0;
        Duration::from_secs_f64((d.as_secs_f64() * factor).max(0.0))
    }

    /// Send one request with the budget, the token and the cluster; recover from an
    /// authentication fault once (T02: re-resolve the cluster; and refresh a rejected token).
    async fn attempt<T>(
        &self,
        op: TwinfieldOperation,
        operation: &'static str,
        build: &(dyn Fn(&reqwest::Client, &str, &str) -> reqwest::RequestBuilder + Send + Sync),
        parse: &(dyn Fn(u16, &[u8]) -> Result<T> + Send + Sync),
    ) -> Result<T> {
        let token = self.broker.access_token(&self.conn).await?;
        let cluster = self.cluster_for(&token).await?;
        let first = self
            .send(op, operation, &token, &cluster, build, parse)
            .await;
        let err = match first {
            Err(e) if e.kind() == &ErrorKind::Unauthenticated => e,
            other => return other,
        };
        if self.cfg.defence("T02") {
            self.counters
                .cluster_resolutions
                .fetch_add(1, Ordering::Relaxed);
            let (token, cluster) = match self.resolver.resolve(token.expose_secret()).await {
                Ok(info) if info.cluster_url != cluster => {
                    tracing::info!(cluster = %info.cluster_url, "organisation answered from another cluster; re-routed (T02)");
                    self.set_cluster(info.cluster_url.clone());
                    let _ = self.resolve_and_store(&token).await;
                    (token, info.cluster_url)
                }
                Ok(_) | Err(_) => {
                    // Same cluster, or the token itself is no longer valid: refresh it, then
                    // resolve the cluster of the new token.
                    let fresh = self.broker.rejected(&self.conn, &token).await?;
                    let cluster = self.resolve_and_store(&fresh).await?;
                    (fresh, cluster)
                }
            };
            self.send(op, operation, &token, &cluster, build, parse)
                .await
        } else {
            // Without T02 only the token is renewed; the cached cluster is trusted.
            let fresh = match self.broker.rejected(&self.conn, &token).await {
                Ok(t) => t,
                Err(_) => return Err(err),
            };
            if fresh.generation() == token.generation() {
                return Err(err);
            }
            self.send(op, operation, &fresh, &cluster, build, parse)
                .await
        }
    }

    async fn send<T>(
        &self,
        op: TwinfieldOperation,
        operation: &'static str,
        token: &AccessToken,
        cluster: &str,
        build: &(dyn Fn(&reqwest::Client, &str, &str) -> reqwest::RequestBuilder + Send + Sync),
        parse: &(dyn Fn(u16, &[u8]) -> Result<T> + Send + Sync),
    ) -> Result<T> {
        let charges = self.layout.charges(&self.cfg.organisation, op);
        let permit = self.budget.acquire(&charges).await?;
        let is_write = op == TwinfieldOperation::Write;
        let c = &self.counters;
        c.requests.fetch_add(1, Ordering::Relaxed);
        if is_write {
            c.writes.fetch_add(1, Ordering::Relaxed);
        } else {
            c.reads.fetch_add(1, Ordering::Relaxed);
        }
        c.credits
            .fetch_add(u64::from(op.credits()), Ordering::Relaxed);
        let req = build(&self.http, cluster, token.expose_secret()).timeout(self.cfg.timeout);
        let resp = req.send().await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                let sent = !(e.is_connect() || e.is_builder());
                let outcome = if is_write && sent {
                    WriteOutcome::Uncertain
                } else {
                    WriteOutcome::NotApplied
                };
                return Err(tf(
                    ErrorKind::Unavailable,
                    format!("request failed: {}", e.without_url()),
                    operation,
                )
                .with_outcome(outcome));
            }
        };
        let status = resp.status().as_u16();
        if status == 429 {
            c.rate_limited.fetch_add(1, Ordering::Relaxed);
            let after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
                .unwrap_or(Duration::from_secs(1));
            let after = self.scale(after);
            self.budget.pause_charges(&charges, after).await?;
            drop(permit);
            return Err(tf(
                ErrorKind::RateLimited {
                    retry_after: Some(after),
                },
                "Twinfield answered 429 Too Many Requests (not processed)",
                operation,
            )
            .with_vendor_error(VendorError {
                code: Some("429".into()),
                ..Default::default()
            }));
        }
        let body = read_capped(resp, self.cfg.max_response_bytes, operation)
            .await
            .map_err(|e| {
                if is_write && e.kind() == &ErrorKind::Unavailable {
                    e.with_outcome(WriteOutcome::Uncertain)
                } else {
                    e
                }
            });
        drop(permit);
        parse(status, &body?)
    }

    /// A ProcessXml call; `office` goes into `CompanyCode` (only `list offices` goes without).
    /// Reads are retried on temporary failures; writes only after a 429 (Twinfield did not
    /// process them).
    pub async fn process_xml(
        &self,
        office: Option<&str>,
        payload: &str,
        op: TwinfieldOperation,
        operation: &'static str,
    ) -> Result<String> {
        let office = office.map(str::to_string);
        let payload = payload.to_string();
        let build = move |http: &reqwest::Client, cluster: &str, token: &str| {
            let env = process_xml_envelope(
                Header {
                    access_token: token,
                    company_code: office.as_deref(),
                },
                &payload,
            );
            http.post(format!("{cluster}/webservices/processxml.asmx"))
                .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                .header("SOAPAction", format!("\"{PROCESS_XML_ACTION}\""))
                .body(env)
        };
        let parse = move |status: u16, body: &[u8]| match process_xml_reply(body)? {
            Reply::Ok(doc) => Ok(doc),
            Reply::Fault(f) => Err(fault_error(status, &f, operation)),
        };
        self.with_retry(op, operation, &build, &parse).await
    }

    /// A Finder search in `office`.
    pub async fn finder(
        &self,
        office: &str,
        q: &FinderQuery<'_>,
        operation: &'static str,
    ) -> Result<FinderPage> {
        let office = office.to_string();
        let kind = q.kind.to_string();
        let pattern = q.pattern.to_string();
        let (field, first_row, max_rows) = (q.field, q.first_row, q.max_rows);
        let options: Vec<(String, String)> = q
            .options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let build = move |http: &reqwest::Client, cluster: &str, token: &str| {
            let q = FinderQuery {
                kind: &kind,
                pattern: &pattern,
                field,
                first_row,
                max_rows,
                options: options
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            };
            let env = finder_envelope(
                Header {
                    access_token: token,
                    company_code: Some(&office),
                },
                &q,
            );
            http.post(format!("{cluster}/webservices/finder.asmx"))
                .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                .header("SOAPAction", format!("\"{SEARCH_ACTION}\""))
                .body(env)
        };
        let parse = move |status: u16, body: &[u8]| match finder_reply(body)? {
            Reply::Ok(page) => {
                if let Some(m) = page.messages.iter().find(|m| m.kind == "Error") {
                    let kind = if m.code == "NoAccessToOffice" {
                        ErrorKind::PermissionDenied
                    } else {
                        ErrorKind::Validation
                    };
                    return Err(tf(
                        kind,
                        format!("Finder refused: {} {}", m.code, m.text),
                        operation,
                    )
                    .with_vendor_error(VendorError {
                        code: Some(m.code.clone()),
                        message: Some(m.text.clone()),
                        ..Default::default()
                    }));
                }
                Ok(page)
            }
            Reply::Fault(f) => Err(fault_error(status, &f, operation)),
        };
        self.with_retry(TwinfieldOperation::Read, operation, &build, &parse)
            .await
    }

    /// The REST-style status read of a transaction (Q12: lags SOAP for ~30 s after a write).
    pub async fn rest_status(&self, id: &EntryId) -> Result<RestStatus> {
        let path = format!(
            "/api/v1/offices/{}/transactions/{}/{}",
            urlencode(&id.administration),
            urlencode(&id.journal),
            urlencode(&id.key)
        );
        let build = move |http: &reqwest::Client, cluster: &str, token: &str| {
            http.get(format!("{cluster}{path}")).bearer_auth(token)
        };
        let parse = |status: u16, body: &[u8]| {
            let op = "transaction_status";
            match status {
                200 => serde_json::from_slice::<RestStatus>(body)
                    .map_err(|e| tf(ErrorKind::Protocol, format!("status read: {e}"), op)),
                401 => Err(tf(
                    ErrorKind::Unauthenticated,
                    "status read: token refused",
                    op,
                )),
                403 => Err(tf(
                    ErrorKind::PermissionDenied,
                    "status read: no access to the office",
                    op,
                )),
                404 => Err(tf(
                    ErrorKind::NotFound,
                    "status read: transaction not found",
                    op,
                )),
                s => Err(tf(
                    ErrorKind::Unavailable,
                    format!("status read answered {s}"),
                    op,
                )),
            }
        };
        self.with_retry(
            TwinfieldOperation::Read,
            "transaction_status",
            &build,
            &parse,
        )
        .await
    }

    /// Download a document (an invoice PDF) by absolute URL; costs a read.
    pub async fn download(&self, url: &str, operation: &'static str) -> Result<Vec<u8>> {
        let charges = self
            .layout
            .charges(&self.cfg.organisation, TwinfieldOperation::Read);
        let permit = self.budget.acquire(&charges).await?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        self.counters.reads.fetch_add(1, Ordering::Relaxed);
        self.counters.credits.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .http
            .get(url)
            .timeout(self.cfg.timeout)
            .send()
            .await
            .map_err(|e| {
                tf(
                    ErrorKind::Unavailable,
                    format!("download failed: {}", e.without_url()),
                    operation,
                )
            })?;
        let status = resp.status().as_u16();
        let body = read_capped(resp, self.cfg.max_response_bytes, operation).await?;
        drop(permit);
        match status {
            200 => Ok(body),
            403 | 410 => Err(tf(
                ErrorKind::NotFound,
                "the document link has expired",
                operation,
            )),
            404 => Err(tf(
                ErrorKind::NotFound,
                "the document does not exist",
                operation,
            )),
            429 => Err(tf(
                ErrorKind::RateLimited { retry_after: None },
                "429 on download",
                operation,
            )),
            s => Err(tf(
                ErrorKind::Unavailable,
                format!("download answered {s}"),
                operation,
            )),
        }
    }

    async fn with_retry<T>(
        &self,
        op: TwinfieldOperation,
        operation: &'static str,
        build: &(dyn Fn(&reqwest::Client, &str, &str) -> reqwest::RequestBuilder + Send + Sync),
        parse: &(dyn Fn(u16, &[u8]) -> Result<T> + Send + Sync),
    ) -> Result<T> {
        let is_write = op == TwinfieldOperation::Write;
        let policy = self
            .cfg
            .retry
            .with_max_retry_after(self.scale(Duration::from_secs(120)));
        retry(
            &policy,
            || async {
                match self.attempt(op, operation, build, parse).await {
                    // A write is retried only when Twinfield refused it unprocessed (429);
                    // anything else goes back to the caller (batch splitting, uncertainty).
                    Err(e) if is_write && !matches!(e.kind(), ErrorKind::RateLimited { .. }) => {
                        Err(e.with_retryable(false))
                    }
                    other => other,
                }
            },
            || async { Ok(Landed::No) },
        )
        .await
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
    operation: &'static str,
) -> Result<Vec<u8>> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(tf(
            ErrorKind::Protocol,
            format!("the response is larger than the {cap}-byte cap; refused before parsing"),
            operation,
        ));
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        tf(
            ErrorKind::Unavailable,
            format!("reading the response failed: {}", e.without_url()),
            operation,
        )
    })? {
        if buf.len() + chunk.len() > cap {
            return Err(tf(
                ErrorKind::Protocol,
                format!("the response is larger than the {cap}-byte cap; refused before parsing"),
                operation,
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}
