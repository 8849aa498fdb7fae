//! HTTP to AFAS Profit: GetConnector reads and UpdateConnector writes, with the concurrency cap,
//! retry of temporary failures, a response size cap, a request counter, and the mapping of
//! AFAS's errors (`externalMessage`, `errorNumber`, `profitLogReference`) into the core [`Error`].

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use grootboek_core::runtime::http::{
    retry_after, status_error as core_status_error, Answer, Call, HostPolicy, HttpClient, Method,
    Protocol, Request, StatsSnapshot, Transport,
};
use grootboek_core::runtime::Charge;
use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError, WriteOutcome};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use serde_json::Value;
use url::Url;

use crate::auth::authorization_header;
use crate::config::AfasConfig;
use crate::wire::json::parse_lenient;
use crate::wire::row::Row;

/// Longest query string AFAS accepts (longer answers 404).
pub const MAX_QUERY_CHARS: usize = 2049;

/// A GetConnector filter operator (`operatortypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` (1).
    Eq = 1,
    /// `>=` (2).
    Ge = 2,
    /// `>` (4).
    Gt = 4,
}

/// One `field op value` condition; conditions of a query are ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The GetConnector field id.
    pub field: String,
    /// The operator.
    pub op: Op,
    /// The value, as text.
    pub value: String,
}

impl Filter {
    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            op: Op::Eq,
            value: value.into(),
        }
    }
    /// `field >= value`.
    pub fn ge(field: &str, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            op: Op::Ge,
            value: value.into(),
        }
    }
    /// `field > value`.
    pub fn gt(field: &str, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            op: Op::Gt,
            value: value.into(),
        }
    }
}

/// A GetConnector request: filters (AND), order, skip and take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetQuery {
    /// Conditions, ANDed.
    pub filters: Vec<Filter>,
    /// Field ids to order by, ascending.
    pub order_by: Vec<String>,
    /// Rows to skip.
    pub skip: u64,
    /// Rows to take.
    pub take: u64,
}

impl GetQuery {
    fn to_pairs(&self) -> Result<Vec<(&'static str, String)>> {
        let mut pairs = vec![
            ("skip", self.skip.to_string()),
            ("take", self.take.to_string()),
        ];
        if !self.order_by.is_empty() {
            pairs.push(("orderbyfieldids", self.order_by.join(",")));
        }
        if !self.filters.is_empty() {
            for f in &self.filters {
                if f.value.contains([',', ';']) || f.field.contains([',', ';']) {
                    return Err(Error::validation(format!(
                        "AFAS filters cannot carry `,` or `;` (they separate conditions): `{}`",
                        f.value
                    )));
                }
            }
            let join = |g: &dyn Fn(&Filter) -> String| {
                self.filters.iter().map(g).collect::<Vec<_>>().join(",")
            };
            pairs.push(("filterfieldids", join(&|f| f.field.clone())));
            pairs.push(("filtervalues", join(&|f| f.value.clone())));
            pairs.push(("operatortypes", join(&|f| (f.op as u8).to_string())));
        }
        Ok(pairs)
    }
}

/// One GetConnector answer.
#[derive(Debug, Clone, Default)]
pub struct GetPage {
    /// The rows.
    pub rows: Vec<Row>,
}

/// AFAS's side of the core transport: a static token (no refresh: a 401 is final), and AFAS's
/// error bodies and statuses.
pub struct AfasProtocol;

#[async_trait]
impl Protocol for AfasProtocol {
    type Credential = ();

    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    async fn credential(&self, _http: &HttpClient) -> Result<()> {
        Ok(())
    }

    fn classify(&self, call: &Call, answer: &Answer) -> Result<()> {
        if answer.is_success() {
            return Ok(());
        }
        let profit_error = answer
            .header("X-PROFIT-ERROR")
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let text = String::from_utf8_lossy(&answer.body);
        let (vendor, body_retry_after) = parse_error_body(answer.status, &text, profit_error);
        Err(status_error(
            call,
            answer,
            body_retry_after.or_else(|| retry_after(answer)),
            vendor,
        ))
    }
}

/// The HTTP client of one AFAS connection.
pub struct AfasClient {
    transport: Transport<AfasProtocol>,
    base: Url,
    charges: Vec<Charge>,
    headers: HeaderMap,
}

impl std::fmt::Debug for AfasClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasClient")
            .field("base", &self.base.as_str())
            .field("stats", &self.transport.stats().snapshot())
            .finish_non_exhaustive()
    }
}

fn afas_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message).with_vendor(Vendor::Afas)
}

impl AfasClient {
    /// A client for the configured connection (its budget built from the configuration).
    pub async fn new(config: &AfasConfig) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization_header(config.token())?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(lang) = &config.accept_language {
            let v = HeaderValue::from_str(lang)
                .map_err(|_| Error::config(format!("bad Accept-Language `{lang}`")))?;
            headers.insert("Accept-Language", v);
        }
        if let Some(id) = &config.integration_id {
            let v = HeaderValue::from_str(id)
                .map_err(|_| Error::config(format!("bad IntegrationId `{id}`")))?;
            headers.insert("IntegrationId", v);
        }
        let base = config.resolved_base_url()?;
        let policy = HostPolicy::new();
        policy.allow_origin("the AFAS base URL", &base)?;
        let http = HttpClient::new(Vendor::Afas, config.runtime.http, policy)?;
        let budget = config.runtime.shared_budget().await?;
        Ok(Self {
            transport: Transport::new(http, AfasProtocol, budget, config.runtime.retry),
            base,
            charges: config.charges(),
            headers,
        })
    }

    /// The counters (every attempt counts).
    pub fn stats(&self) -> StatsSnapshot {
        self.transport.stats().snapshot()
    }

    /// Set the counters back to zero.
    pub fn reset_stats(&self) {
        self.transport.stats().reset()
    }

    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.base.clone();
        {
            let mut s = url
                .path_segments_mut()
                .map_err(|_| Error::config("the AFAS base URL cannot carry a path"))?;
            s.pop_if_empty();
            for seg in segments {
                s.push(seg);
            }
        }
        Ok(url)
    }

    fn request(&self, method: Method, url: &Url, body: Option<&str>) -> Request {
        let mut r = match body {
            Some(b) => Request::with_body(
                method,
                url.clone(),
                "application/json;charset=utf-8",
                b.to_string(),
            ),
            None => Request::new(method, url.clone()),
        };
        for (k, v) in &self.headers {
            r.headers.insert(k.clone(), v.clone());
        }
        r
    }

    /// Read one page of a GetConnector. Temporary failures are retried.
    pub async fn get(&self, connector: &str, query: &GetQuery) -> Result<GetPage> {
        let mut url = self.url(&["connectors", connector])?;
        {
            let pairs = query.to_pairs()?;
            let mut q = url.query_pairs_mut();
            for (k, v) in &pairs {
                q.append_pair(k, v);
            }
        }
        if url.query().map_or(0, str::len) + 1 > MAX_QUERY_CHARS {
            return Err(afas_error(
                ErrorKind::Validation,
                format!(
                    "the query for {connector} is longer than AFAS's {MAX_QUERY_CHARS} characters"
                ),
            ));
        }
        let call = Call::read("get_connector", self.charges.clone());
        let build = |_: &()| Ok(self.request(Method::GET, &url, None));
        let answer = self.transport.send(&call, &build).await?;
        let body = String::from_utf8_lossy(&answer.body);
        let mut v = parse_lenient(&body).map_err(|e| e.with_vendor(Vendor::Afas))?;
        // The rows are moved out of the parsed answer, never copied.
        let rows = match v.get_mut("rows").map(Value::take) {
            Some(Value::Array(rows)) => rows
                .into_iter()
                .map(|r| match r {
                    Value::Object(m) => Ok(Row(m)),
                    _ => Err(afas_error(
                        ErrorKind::Protocol,
                        format!("{connector}: a row is not an object"),
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(Value::Null) | None => {
                return Err(afas_error(
                    ErrorKind::Protocol,
                    format!("{connector}: the answer has no `rows`"),
                ))
            }
            Some(_) => {
                return Err(afas_error(
                    ErrorKind::Protocol,
                    format!("{connector}: `rows` is not a list"),
                ))
            }
        };
        Ok(GetPage { rows })
    }

    /// Read a `metainfo` document (`/metainfo`, `/metainfo/get/{id}`, `/metainfo/update/{id}`):
    /// what the App Connector offers, without touching data. Temporary failures are retried.
    pub async fn metainfo(&self, path: &[&str]) -> Result<Value> {
        let mut segments = vec!["metainfo"];
        segments.extend_from_slice(path);
        let url = self.url(&segments)?;
        let call = Call::read("metainfo", self.charges.clone());
        let build = |_: &()| Ok(self.request(Method::GET, &url, None));
        let answer = self.transport.send(&call, &build).await?;
        parse_lenient(&String::from_utf8_lossy(&answer.body))
            .map_err(|e| e.with_vendor(Vendor::Afas))
    }

    /// Send an UpdateConnector request (POST inserts, PUT updates) once. A timeout or a lost
    /// answer comes back as an error with [`WriteOutcome::Uncertain`]: the caller retries through
    /// [`grootboek_core::runtime::retry()`] with a check that looks the entry up first.
    pub async fn update(&self, method: Method, connector: &str, body: &Value) -> Result<Value> {
        let url = self.url(&["connectors", connector])?;
        let text = serde_json::to_string(body)
            .map_err(|e| Error::protocol(format!("cannot serialise the request: {e}")))?;
        let call = Call::write("update_connector", self.charges.clone());
        let build = |_: &()| Ok(self.request(method.clone(), &url, Some(&text)));
        let answer = self.transport.send_once(&call, &build).await?;
        let answer = String::from_utf8_lossy(&answer.body);
        if answer.trim().is_empty() {
            return Ok(Value::Null);
        }
        parse_lenient(&answer).map_err(|e| {
            e.with_vendor(Vendor::Afas)
                .with_outcome(WriteOutcome::Applied)
        })
    }
}

/// Read AFAS's error body: `{"externalMessage","errorNumber","profitLogReference"}`, the 503
/// maintenance body `{"error":{"code","message"},"retry_after"}`, `{"message"}`, or the
/// base64 `X-PROFIT-ERROR` header.
pub(crate) fn parse_error_body(
    status: u16,
    text: &str,
    header: Option<String>,
) -> (VendorError, Option<Duration>) {
    let mut ve = VendorError {
        code: Some(status.to_string()),
        ..Default::default()
    };
    let mut retry_after = None;
    let v = parse_lenient(text).ok();
    let as_text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    if let Some(Value::Object(m)) = &v {
        if let Some(msg) = m.get("externalMessage").and_then(as_text) {
            ve.message = Some(msg);
        }
        if let Some(n) = m.get("errorNumber").and_then(as_text) {
            ve.code = Some(n);
        }
        if let Some(r) = m.get("profitLogReference").and_then(as_text) {
            ve.reference = Some(r);
        }
        if ve.message.is_none() {
            if let Some(msg) = m.get("message").and_then(as_text) {
                ve.message = Some(msg);
            }
        }
        if let Some(Value::Object(err)) = m.get("error") {
            let pick = |v: &Value| match v {
                Value::Object(o) => o.get("example").and_then(as_text),
                other => as_text(other),
            };
            if ve.message.is_none() {
                ve.message = err.get("message").and_then(pick);
            }
        }
        retry_after = m
            .get("retry_after")
            .and_then(as_text)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs(s.min(86_400.0) as u64));
    }
    if ve.message.is_none() {
        ve.message = header.or_else(|| {
            let t = text.trim();
            (!t.is_empty()).then(|| t.chars().take(500).collect())
        });
    }
    (ve, retry_after)
}

fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    let h = haystack.to_lowercase();
    needles.iter().any(|n| h.contains(n))
}

/// AFAS's refinement of the core mapping ([`core_status_error`]): its messages, the
/// `retry_after` of its bodies, and what its 500s mean (a refused write, a missing connector, a
/// locked booking layout, a time-out on its side).
fn status_error(
    call: &Call,
    answer: &Answer,
    retry_after: Option<Duration>,
    vendor: VendorError,
) -> Error {
    let write = call.write;
    let base = core_status_error(Vendor::Afas, call, answer, vendor.clone());
    let status = answer.status;
    let msg = vendor.message.clone().unwrap_or_default();
    let s = status;
    let core_outcome = base.outcome();
    let (kind, text, outcome) = match s {
        400 | 500 if write && contains_any(&msg, &["already exists", "bestaat al"]) => (
            ErrorKind::AlreadyExists,
            "AFAS refused a code that is taken".into(),
            WriteOutcome::NotApplied,
        ),
        400 => (
            ErrorKind::Validation,
            "AFAS refused the request".to_string(),
            WriteOutcome::NotApplied,
        ),
        401 => (
            ErrorKind::Unauthenticated,
            "AFAS did not accept the token".into(),
            WriteOutcome::NotApplied,
        ),
        403 => (
            ErrorKind::PermissionDenied,
            "AFAS refused access (IP restriction on the App Connector?)".into(),
            WriteOutcome::NotApplied,
        ),
        404 => (
            ErrorKind::NotFound,
            "AFAS does not know this URL (connector name, or query too long)".into(),
            WriteOutcome::NotApplied,
        ),
        413 => (
            ErrorKind::Validation,
            "the request is too large for AFAS".into(),
            WriteOutcome::NotApplied,
        ),
        429 => (
            ErrorKind::RateLimited { retry_after },
            "AFAS asked to slow down".into(),
            core_outcome,
        ),
        // AFAS answers 503 with `retry_after` for maintenance and when more than 8 calls are in
        // flight: unavailable, with the wait carried to the retry and the budget pause.
        503 => match retry_after {
            Some(w) => (
                ErrorKind::Unavailable,
                format!("AFAS is unavailable; retry after {} s", w.as_secs()),
                core_outcome,
            ),
            None => (
                ErrorKind::Unavailable,
                "AFAS is unavailable".into(),
                core_outcome,
            ),
        },
        500 if contains_any(
            &msg,
            &[
                "niet ondersteund",
                "not supported",
                "niet geautoriseerd",
                "not authorized",
            ],
        ) =>
        {
            (
                ErrorKind::PermissionDenied,
                "the connector is not in the App Connector or the user may not use it".into(),
                WriteOutcome::NotApplied,
            )
        }
        500 if contains_any(&msg, &["vergrendeld", "locked"]) => (
            ErrorKind::Unavailable,
            "AFAS is busy (the booking layout is locked); try again later".into(),
            WriteOutcome::NotApplied,
        ),
        500 if contains_any(&msg, &["maximale tijdsduur", "maximum duration"]) => (
            ErrorKind::Unavailable,
            "AFAS timed out on its side".into(),
            if write {
                WriteOutcome::Uncertain
            } else {
                WriteOutcome::NotApplied
            },
        ),
        // AFAS refuses content with 500 and its `externalMessage` — but a gateway's 500 after
        // the commit looks the same: uncertain until the write driver's look-up settles it (R01).
        500 if write => (
            ErrorKind::Validation,
            "AFAS refused the write".into(),
            WriteOutcome::Uncertain,
        ),
        500 => (
            ErrorKind::Protocol,
            "AFAS could not answer the read".into(),
            WriteOutcome::NotApplied,
        ),
        502 | 504 => (
            ErrorKind::Unavailable,
            "no answer from AFAS (gateway)".into(),
            core_outcome,
        ),
        _ => (
            base.kind().clone(),
            base.message().to_string(),
            core_outcome,
        ),
    };
    let full = if msg.is_empty() {
        text
    } else {
        format!("{text}: {msg}")
    };
    let retryable = matches!(s, 429 | 503 | 502 | 504)
        || (s == 500
            && contains_any(
                &msg,
                &[
                    "vergrendeld",
                    "locked",
                    "maximale tijdsduur",
                    "maximum duration",
                ],
            ));
    let e = afas_error(kind, full)
        .with_operation(call.operation)
        .with_vendor_error(vendor)
        .with_outcome(outcome)
        .with_retryable(retryable);
    match retry_after {
        Some(w) => e.with_retry_after(w),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_error(
        status: u16,
        retry_after: Option<Duration>,
        vendor: VendorError,
        write: bool,
    ) -> Error {
        let call = if write {
            Call::write("t", vec![])
        } else {
            Call::read("t", vec![])
        };
        let answer = Answer {
            status,
            headers: HeaderMap::new(),
            body: Default::default(),
        };
        super::status_error(&call, &answer, retry_after, vendor)
    }

    #[test]
    fn error_body_keeps_message_number_and_log_reference() {
        let body = r#"{"externalMessage": "The entered value for 'Employee' does not exist.","errorNumber": -2147220469,"profitLogReference": "B8213AF1C3C54E579686406A8DE71C6C"}"#;
        let (ve, ra) = parse_error_body(500, body, None);
        assert_eq!(ve.code.as_deref(), Some("-2147220469"));
        assert_eq!(
            ve.reference.as_deref(),
            Some("B8213AF1C3C54E579686406A8DE71C6C")
        );
        assert!(ve
            .message
            .as_deref()
            .unwrap_or("")
            .contains("does not exist"));
        assert_eq!(ra, None);
        let e = status_error(500, None, ve, true);
        assert_eq!(e.kind(), &ErrorKind::Validation);
        // A 500 may also come from a gateway after the commit: uncertain until the write
        // driver's look-up by invoice number settles it (R01).
        assert_eq!(e.outcome(), WriteOutcome::Uncertain);
        assert!(e.to_string().contains("does not exist"));
    }

    #[test]
    fn maintenance_503_carries_retry_after_in_either_shape() {
        let documented = r#"{"error": {"code": {"example": "503"}, "message": {"example": "Service temporarily unavailable due to scheduled maintenance."}}, "retry_after": 7200}"#;
        let (ve, ra) = parse_error_body(503, documented, None);
        assert_eq!(ra, Some(Duration::from_secs(7200)));
        assert!(ve.message.unwrap_or_default().contains("maintenance"));
        let plain = r#"{"error":{"code":"503","message":"down"},"retry_after":3}"#;
        let (ve, ra) = parse_error_body(503, plain, None);
        assert_eq!(ra, Some(Duration::from_secs(3)));
        assert_eq!(ve.message.as_deref(), Some("down"));
        let e = status_error(503, ra, ve, false);
        assert!(e.is_retryable());
        assert_eq!(
            e.kind(),
            &ErrorKind::Unavailable,
            "a 503 is unavailable, not rate limited"
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn other_shapes_and_garbage() {
        let (ve, _) = parse_error_body(400, r#"{"message":"Invalid json"}"#, None);
        assert_eq!(ve.message.as_deref(), Some("Invalid json"));
        let (ve, _) = parse_error_body(500, "<html>", Some("from header".into()));
        assert_eq!(ve.message.as_deref(), Some("from header"));
        let e = status_error(401, None, VendorError::default(), false);
        assert_eq!(e.kind(), &ErrorKind::Unauthenticated);
        assert!(!e.is_retryable());
        let locked = VendorError {
            message: Some("De boekingslayout is vergrendeld".into()),
            ..Default::default()
        };
        let e = status_error(500, None, locked, true);
        assert_eq!(e.kind(), &ErrorKind::Unavailable);
        assert_eq!(e.outcome(), WriteOutcome::NotApplied);
        assert!(e.is_retryable());
    }

    #[test]
    fn queries_encode_filters_and_refuse_separators() {
        let q = GetQuery {
            filters: vec![Filter::eq("UnitId", "1"), Filter::ge("InvoiceNr", "F-10")],
            order_by: vec!["InvoiceNr".into(), "DebtorId".into()],
            skip: 1,
            take: 1000,
        };
        let pairs = q.to_pairs().unwrap();
        assert!(pairs.contains(&("filterfieldids", "UnitId,InvoiceNr".into())));
        assert!(pairs.contains(&("filtervalues", "1,F-10".into())));
        assert!(pairs.contains(&("operatortypes", "1,2".into())));
        assert!(pairs.contains(&("orderbyfieldids", "InvoiceNr,DebtorId".into())));
        let bad = GetQuery {
            filters: vec![Filter::eq("DebtorId", "a,b")],
            ..Default::default()
        };
        assert!(bad.to_pairs().is_err());
    }
}
