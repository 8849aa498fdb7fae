//! The HTTP side over the core [`CoreTransport`]: Twinfield's [`Protocol`] — the access token
//! from the broker and the organisation's cluster (T02: resolved once, re-resolved after an
//! authentication fault), 429s with a `Retry-After` scaled to the configured minute, SOAP faults
//! mapped to core errors — and the SOAP, Finder, REST-status and download calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::runtime::http::{
    checked_url, retry_after, status_error, Answer, Call, HostPolicy, HttpClient, Method, Protocol,
    Request, Transport as CoreTransport,
};
use grootboek_core::runtime::{
    AccessToken, Budget, ConnectionId, RetryPolicy, TokenBroker, TwinfieldBudget,
    TwinfieldOperation,
};
use grootboek_core::{EntryId, Error, ErrorKind, Result, Vendor, VendorError};
use serde::Deserialize;
use url::Url;

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
    /// Milliseconds spent waiting for budget.
    pub budget_wait_ms: u64,
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

/// The HTTP client of a configuration: it reaches the login host and the clusters on
/// `cluster_hosts`, nothing else (R02).
pub fn http_client(config: &TwinfieldConfig) -> Result<HttpClient> {
    let login = checked_url("the Twinfield login URL", &config.login_url)
        .map_err(|e| e.with_vendor(Vendor::Twinfield))?;
    let policy = HostPolicy::new();
    policy.allow_origin("the Twinfield login URL", &login)?;
    for host in &config.cluster_hosts {
        policy.allow_host(host);
    }
    HttpClient::new(Vendor::Twinfield, config.runtime.http, policy)
}

fn tf(kind: ErrorKind, msg: impl Into<String>, operation: &'static str) -> Error {
    Error::new(kind, msg.into())
        .with_vendor(Vendor::Twinfield)
        .with_operation(operation)
}

/// What a Twinfield request is authorised with: the access token and the organisation's cluster.
pub(crate) struct Credential {
    token: AccessToken,
    cluster: String,
}

/// Twinfield's side of the core transport.
pub(crate) struct TwinfieldProtocol {
    broker: Arc<dyn TokenBroker>,
    conn: ConnectionId,
    resolver: ClusterResolver,
    cluster: RwLock<Option<String>>,
    /// Held while the cluster is being resolved, so concurrent callers resolve it once (T02).
    resolving: tokio::sync::Mutex<()>,
    cluster_resolutions: AtomicU64,
    /// T02 defence: re-resolve the cluster after an authentication fault.
    reroute: bool,
    /// Twinfield's minute as configured (a `Retry-After` is scaled by the same factor).
    minute: Duration,
}

impl TwinfieldProtocol {
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
    async fn cluster_for(&self, token: &AccessToken) -> Result<String> {
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
                // A cluster stored with the tokens is checked like a resolved one (R02).
                self.resolver.check_cluster(c)?;
                self.set_cluster(c.clone());
                return Ok(c.clone());
            }
        }
        self.resolve_and_store(token).await
    }

    /// Resolve the cluster of `token` and cache it (in process and with the tokens).
    async fn resolve_and_store(&self, token: &AccessToken) -> Result<String> {
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
        let factor = self.minute.as_secs_f64() / 60.0;
        Duration::from_secs_f64((d.as_secs_f64() * factor).max(0.0))
    }
}

#[async_trait]
impl Protocol for TwinfieldProtocol {
    type Credential = Credential;

    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    async fn credential(&self, _http: &HttpClient) -> Result<Credential> {
        let token = self.broker.access_token(&self.conn).await?;
        let cluster = self.cluster_for(&token).await?;
        Ok(Credential { token, cluster })
    }

    /// T02: an authentication fault may mean a stale cluster. Re-resolve it; if it is the same
    /// cluster, the token itself was refused: refresh it and resolve the cluster of the new one.
    /// Without the T02 defence only the token is renewed and the cached cluster trusted.
    async fn recover(
        &self,
        _http: &HttpClient,
        rejected: &Credential,
        _error: &Error,
    ) -> Result<Option<Credential>> {
        let token = &rejected.token;
        if !self.reroute {
            let fresh = match self.broker.rejected(&self.conn, token).await {
                Ok(t) if t.generation() != token.generation() => t,
                _ => return Ok(None),
            };
            return Ok(Some(Credential {
                token: fresh,
                cluster: rejected.cluster.clone(),
            }));
        }
        self.cluster_resolutions.fetch_add(1, Ordering::Relaxed);
        match self.resolver.resolve(token.expose_secret()).await {
            Ok(info) if info.cluster_url != rejected.cluster => {
                tracing::info!(cluster = %info.cluster_url, "organisation answered from another cluster; re-routed (T02)");
                self.set_cluster(info.cluster_url.clone());
                let _ = self.resolve_and_store(token).await;
                Ok(Some(Credential {
                    token: token.clone(),
                    cluster: info.cluster_url,
                }))
            }
            Ok(_) | Err(_) => {
                let fresh = self.broker.rejected(&self.conn, token).await?;
                let cluster = self.resolve_and_store(&fresh).await?;
                Ok(Some(Credential {
                    token: fresh,
                    cluster,
                }))
            }
        }
    }

    /// 2xx is a success (a `result="0"` inside is the caller's to read); 429 is Twinfield's rate
    /// limiter, which answers before processing (T05) with a `Retry-After`; a SOAP fault maps by
    /// its code; anything else by the common status mapping. A write that failed is never
    /// repeated by the transport unless Twinfield refused it unprocessed (429).
    fn classify(&self, call: &Call, answer: &Answer) -> Result<()> {
        if answer.is_success() {
            return Ok(());
        }
        let e = if answer.status == 429 {
            let after = self.scale(retry_after(answer).unwrap_or(Duration::from_secs(1)));
            tf(
                ErrorKind::RateLimited {
                    retry_after: Some(after),
                },
                "Twinfield answered 429 Too Many Requests",
                call.operation,
            )
            // Twinfield's own 429 comes before processing (T05), but a proxy's 429 after a
            // commit looks the same: a write is uncertain (R01), a read simply retried.
            .with_outcome(grootboek_core::runtime::http::status_outcome(
                call.write, 429,
            ))
            .with_vendor_error(VendorError {
                code: Some("429".into()),
                ..Default::default()
            })
        } else {
            match process_xml_reply(&answer.body) {
                Ok(Reply::Fault(f)) => {
                    let e = fault_error(answer.status, &f, call.operation);
                    // A token or office refused is refused before processing; any other fault on
                    // a write may come after the commit (R01).
                    let outcome = match e.kind() {
                        ErrorKind::Unauthenticated | ErrorKind::PermissionDenied => {
                            grootboek_core::WriteOutcome::NotApplied
                        }
                        _ => {
                            grootboek_core::runtime::http::status_outcome(call.write, answer.status)
                        }
                    };
                    e.with_outcome(outcome)
                }
                _ => status_error(Vendor::Twinfield, call, answer, VendorError::default()),
            }
        };
        Err(e)
    }
}

/// One connection's transport.
pub struct Transport {
    pub(crate) cfg: TwinfieldConfig,
    core: CoreTransport<TwinfieldProtocol>,
    layout: TwinfieldBudget,
}

impl Transport {
    pub(crate) fn new(
        cfg: TwinfieldConfig,
        http: HttpClient,
        broker: Arc<dyn TokenBroker>,
        conn: ConnectionId,
        budget: Arc<dyn Budget>,
    ) -> Self {
        let layout = TwinfieldBudget::new(cfg.client_id.clone(), cfg.egress_ip.clone())
            .certified(cfg.certified)
            .with_minute(cfg.minute);
        let protocol = TwinfieldProtocol {
            broker,
            conn,
            resolver: ClusterResolver::new(&cfg, http.clone()),
            cluster: RwLock::new(None),
            resolving: tokio::sync::Mutex::new(()),
            cluster_resolutions: AtomicU64::new(0),
            reroute: cfg.runtime.defence("T02"),
            minute: cfg.minute,
        };
        let factor = cfg.minute.as_secs_f64() / 60.0;
        let retry = cfg
            .runtime
            .retry
            .with_max_retry_after(Duration::from_secs_f64(120.0 * factor));
        Self {
            core: CoreTransport::new(http, protocol, budget, retry),
            layout,
            cfg,
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> TransportStats {
        let s = self.core.stats().snapshot();
        TransportStats {
            requests: s.requests,
            reads: s.reads,
            writes: s.writes,
            credits: s.credits,
            rate_limited: s.rate_limited,
            cluster_resolutions: self
                .core
                .protocol()
                .cluster_resolutions
                .load(Ordering::Relaxed),
            budget_wait_ms: s.budget_wait_ms,
        }
    }

    pub(crate) fn broker(&self) -> &Arc<dyn TokenBroker> {
        &self.core.protocol().broker
    }

    pub(crate) fn conn(&self) -> &ConnectionId {
        &self.core.protocol().conn
    }

    /// The retry policy of this connection (its longest `Retry-After` scaled to the minute).
    pub fn retry_policy(&self) -> RetryPolicy {
        *self.core.retry_policy()
    }

    /// Resolve the cluster of `token` and cache it (in process and with the tokens).
    pub async fn resolve_and_store(&self, token: &AccessToken) -> Result<String> {
        self.core.protocol().resolve_and_store(token).await
    }

    fn call(&self, op: TwinfieldOperation, operation: &'static str) -> Call {
        Call {
            operation,
            write: op == TwinfieldOperation::Write,
            charges: self.layout.charges(&self.cfg.organisation, op),
        }
    }

    fn soap(cluster: &str, service: &str, action: &str, envelope: String) -> Result<Request> {
        let url = Url::parse(&format!("{cluster}/webservices/{service}"))
            .map_err(|e| Error::config(format!("the cluster URL is not a URL: {e}")))?;
        Request::with_body(Method::POST, url, "text/xml; charset=utf-8", envelope)
            .header("soapaction", &format!("\"{action}\""))
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
        let build = |c: &Credential| {
            let env = process_xml_envelope(
                Header {
                    access_token: c.token.expose_secret(),
                    company_code: office,
                },
                payload,
            );
            Self::soap(&c.cluster, "processxml.asmx", PROCESS_XML_ACTION, env)
        };
        let call = self.call(op, operation);
        // A write is sent once: the write driver (or the batch's caller) owns what happens next.
        let answer = if call.write {
            self.core.send_once(&call, &build).await?
        } else {
            self.core.send(&call, &build).await?
        };
        match process_xml_reply(&answer.body)? {
            Reply::Ok(doc) => Ok(doc),
            Reply::Fault(f) => Err(fault_error(answer.status, &f, operation)),
        }
    }

    /// A Finder search in `office`.
    pub async fn finder(
        &self,
        office: &str,
        q: &FinderQuery<'_>,
        operation: &'static str,
    ) -> Result<FinderPage> {
        let build = |c: &Credential| {
            let env = finder_envelope(
                Header {
                    access_token: c.token.expose_secret(),
                    company_code: Some(office),
                },
                q,
            );
            Self::soap(&c.cluster, "finder.asmx", SEARCH_ACTION, env)
        };
        let call = self.call(TwinfieldOperation::Read, operation);
        let answer = self.core.send(&call, &build).await?;
        match finder_reply(&answer.body)? {
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
            Reply::Fault(f) => Err(fault_error(answer.status, &f, operation)),
        }
    }

    /// The REST-style status read of a transaction (Q12: lags SOAP for ~30 s after a write).
    pub async fn rest_status(&self, id: &EntryId) -> Result<RestStatus> {
        let path = format!(
            "/api/v1/offices/{}/transactions/{}/{}",
            urlencode(&id.administration),
            urlencode(&id.journal),
            urlencode(&id.key)
        );
        let build = |c: &Credential| {
            let url = Url::parse(&format!("{}{path}", c.cluster))
                .map_err(|e| Error::config(format!("the cluster URL is not a URL: {e}")))?;
            Request::get(url).bearer(c.token.expose_secret())
        };
        let call = self.call(TwinfieldOperation::Read, "transaction_status");
        let answer = self.core.send(&call, &build).await?;
        serde_json::from_slice::<RestStatus>(&answer.body).map_err(|e| {
            tf(
                ErrorKind::Protocol,
                format!("status read: {e}"),
                "transaction_status",
            )
        })
    }

    /// Download a document (an invoice PDF) by absolute URL; costs a read. The URL must be on a
    /// host this connection may reach (R02); no token is sent with it.
    pub async fn download(&self, url: &str, operation: &'static str) -> Result<Vec<u8>> {
        let url = Url::parse(url).map_err(|e| {
            tf(
                ErrorKind::Protocol,
                format!("the document link is not a URL: {e}"),
                operation,
            )
        })?;
        let build = |_: &Credential| Ok(Request::get(url.clone()));
        let call = self.call(TwinfieldOperation::Read, operation);
        match self.core.send(&call, &build).await {
            Ok(answer) => Ok(answer.body.to_vec()),
            Err(e)
                if matches!(
                    e.vendor_error().and_then(|v| v.code.as_deref()),
                    Some("403" | "410")
                ) =>
            {
                Err(tf(
                    ErrorKind::NotFound,
                    "the document link has expired",
                    operation,
                ))
            }
            Err(e) => Err(e),
        }
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
