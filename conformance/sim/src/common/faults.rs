//! Fault injection: rules that pick requests by kind and make them slow, fail before they are
//! handled, fail *after* the write committed, lose their answer, or redirect elsewhere — the
//! things real servers and the gateways in front of them do.
//!
//! A rule is a [`FaultSpec`]: which requests it matches (method, path, Twinfield `SOAPAction`,
//! ProcessXml root element, body substring — all optional, ANDed) and what happens to them
//! (one [`Fault`] `times` times after `skip` untouched requests, or a `sequence` of outcomes
//! for successive matching requests). The older [`FaultRule`] shape still works and converts
//! into a [`FaultSpec`]. See the crate docs for the JSON shapes of `/__sim/faults`.
//!
//! ## When a fault happens
//!
//! | fault | phase | the handler runs? | the client sees |
//! |---|---|---|---|
//! | [`Fault::Latency`] | before | yes, after the delay | the normal answer, late |
//! | [`Fault::Status`] | before | no (nothing written) | the status, vendor-styled body |
//! | [`Fault::Respond`] `before_handling` | before | no | the status, your body/headers |
//! | [`Fault::Redirect`] | before | no | a 30x with your `Location` |
//! | [`Fault::Respond`] `after_commit` | after | yes (the write commits) | the status, your body/headers |
//! | [`Fault::LatencyAfterCommit`] | after | yes | the normal answer, late (a client timeout) |
//! | [`Fault::DropResponse`] | after | yes | a TCP reset, not one byte of an answer |
//! | [`Fault::Pass`] | — | yes | the normal answer (a step of a sequence) |
//!
//! ## Several rules
//!
//! Rules are tried in the order they were added. Every matching rule whose next outcome is a
//! latency applies it (delays add up); the first matching rule whose next outcome is a
//! terminal fault (status, respond, redirect, drop) applies it, and later rules that would
//! also answer the request are left untouched (their counts do not move). A rule in its `skip`
//! phase or at a `pass` step uses up that step and leaves the request to later rules. A rule
//! is removed once it has nothing left to do. Control routes (`/__sim/…`) are never faulted.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What to do to a matching request.
///
/// JSON: internally tagged by `kind` (snake case), e.g. `{"kind": "drop_response"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer after this many real milliseconds (the request is then handled normally).
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answer with this status instead of handling the request (nothing is written), in the
    /// vendor's own error format. A 429 or 503 carries `Retry-After` when `retry_after_secs`
    /// is set. For a body, headers or an HTTP-date `Retry-After` use [`Fault::Respond`].
    Status {
        /// HTTP status to answer with.
        status: u16,
        /// Seconds for the `Retry-After` header.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Handle the request (the write commits), then reset the TCP connection before one byte
    /// of the answer is sent: the client sees a connection reset (`ECONNRESET`) and cannot tell
    /// whether its write landed. The request log records status `0`.
    ///
    /// The reset is real (`SO_LINGER` 0, then close) when the router is served by
    /// [`RunningServer`](super::RunningServer), as every simulator is. A router served some
    /// other way falls back to a `200` header followed by a body that breaks off.
    DropResponse,
    /// No fault: handle the request normally. Only useful as a step of a sequence.
    Pass,
    /// Answer with `status`, either instead of handling the request or after the handler ran
    /// and its write committed (a gateway that timed out while the backend finished).
    Respond {
        /// HTTP status (200–599), e.g. 500, 502, 503, 504, 429.
        status: u16,
        /// Before handling (nothing written) or after commit (the write landed).
        when: When,
        /// The body; absent: the vendor's own error body for `status` (Exact JSON error,
        /// Twinfield SOAP fault, AFAS JSON error).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// Extra headers, set after the body's own (so a `content-type` here wins). A body
        /// without a `content-type` here is sent as `text/plain; charset=utf-8`.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
        /// A `Retry-After` header (replaces one the vendor's error body would carry).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
    },
    /// Answer with a redirect instead of handling the request (nothing is written).
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// The `Location` header, e.g. `http://127.0.0.2:8080` (another host).
        location: String,
        /// Append the request's path and query to `location` (so `http://other:1` +
        /// `/api/v1/1/x?y` becomes `http://other:1/api/v1/1/x?y`).
        #[serde(default)]
        keep_path: bool,
    },
    /// Handle the request (the write commits), then wait this many real milliseconds before
    /// answering normally: with a client timeout shorter than `ms`, the write landed and the
    /// client timed out.
    LatencyAfterCommit {
        /// Delay in milliseconds.
        ms: u64,
    },
}

/// When a [`Fault::Respond`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Instead of handling the request: nothing is written.
    BeforeHandling,
    /// After the handler ran: its write committed, its answer is replaced. (The handler's own
    /// status is kept in the request log as `handler_status`.)
    AfterCommit,
}

/// A `Retry-After` header value.
///
/// JSON: `{"seconds": 5}`, `{"date_in": 5}` or `{"raw": "Wed, 21 Oct 2015 07:28:00 GMT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryAfter {
    /// Delay in seconds: `Retry-After: 5`.
    Seconds(u64),
    /// An HTTP date (IMF-fixdate, `Fri, 04 Dec 2026 21:30:05 GMT`) this many seconds after the
    /// moment of the answer, by the real wall clock — the clock of the `Date` header the server
    /// sends and of the client — not the simulated clock. Rounded up to a whole second, so the
    /// date is between `n` and `n + 1` seconds away when it is sent.
    DateIn(u64),
    /// This exact header text (an absolute date, a past date, garbage…).
    Raw(String),
}

impl RetryAfter {
    /// The header value to send now.
    pub fn header_value(&self) -> String {
        match self {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::DateIn(s) => {
                let now = chrono::Utc::now();
                // Round up: the date is between `s` and `s + 1` seconds away.
                let ahead = i64::try_from(*s)
                    .unwrap_or(i64::MAX)
                    .min(100 * 365 * 86_400);
                let secs = now.timestamp() + 1 + ahead;
                let at = chrono::DateTime::from_timestamp(secs, 0).unwrap_or(now);
                http_date(at)
            }
            RetryAfter::Raw(text) => text.clone(),
        }
    }
}

/// `at` as an HTTP date (RFC 9110 IMF-fixdate): `Fri, 04 Dec 2026 21:30:05 GMT`.
pub fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

impl Fault {
    /// A [`Fault::Respond`] answered after the handler committed: `status` with the vendor's
    /// error body (add a body, headers or `Retry-After` with the `with_*` methods).
    pub fn after_commit(status: u16) -> Self {
        Fault::Respond {
            status,
            when: When::AfterCommit,
            body: None,
            headers: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// A [`Fault::Respond`] answered instead of handling the request: nothing is written.
    pub fn before_handling(status: u16) -> Self {
        Fault::Respond {
            status,
            when: When::BeforeHandling,
            body: None,
            headers: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// The write commits, then the connection is reset before any answer ([`Fault::DropResponse`]).
    pub fn reset_after_commit() -> Self {
        Fault::DropResponse
    }

    /// A redirect (`status` 301/302/303/307/308) to `location`, before handling.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Fault::Redirect {
            status,
            location: location.into(),
            keep_path: false,
        }
    }

    /// For a [`Fault::Respond`]: send this body. Other kinds are returned unchanged.
    pub fn with_body(mut self, text: impl Into<String>) -> Self {
        if let Fault::Respond { body, .. } = &mut self {
            *body = Some(text.into());
        }
        self
    }

    /// For a [`Fault::Respond`]: add a header. Other kinds are returned unchanged.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Fault::Respond { headers, .. } = &mut self {
            headers.insert(name.into(), value.into());
        }
        self
    }

    /// For a [`Fault::Respond`]: send this `Retry-After`. Other kinds are returned unchanged.
    pub fn with_retry_after(mut self, value: RetryAfter) -> Self {
        if let Fault::Respond { retry_after, .. } = &mut self {
            *retry_after = Some(value);
        }
        self
    }

    /// For a [`Fault::Redirect`]: append the request's path and query to the location.
    /// Other kinds are returned unchanged.
    pub fn keeping_path(mut self) -> Self {
        if let Fault::Redirect { keep_path, .. } = &mut self {
            *keep_path = true;
        }
        self
    }

    /// Whether this fault only delays the request (it combines with another rule's fault).
    pub fn is_delay(&self) -> bool {
        matches!(
            self,
            Fault::Latency { .. } | Fault::LatencyAfterCommit { .. }
        )
    }

    /// Whether the handler runs (and a write commits) under this fault.
    pub fn handler_runs(&self) -> bool {
        match self {
            Fault::Status { .. } | Fault::Redirect { .. } => false,
            Fault::Respond { when, .. } => *when == When::AfterCommit,
            _ => true,
        }
    }

    /// A short label for the request log and reports: `status 503`, `respond 502 after_commit`,
    /// `drop_response`, `redirect 307`, `latency 200ms`, …
    pub fn describe(&self) -> String {
        match self {
            Fault::Latency { ms } => format!("latency {ms}ms"),
            Fault::Status { status, .. } => format!("status {status}"),
            Fault::DropResponse => "drop_response".to_string(),
            Fault::Pass => "pass".to_string(),
            Fault::Respond { status, when, .. } => match when {
                When::BeforeHandling => format!("respond {status} before_handling"),
                When::AfterCommit => format!("respond {status} after_commit"),
            },
            Fault::Redirect { status, .. } => format!("redirect {status}"),
            Fault::LatencyAfterCommit { ms } => format!("latency_after_commit {ms}ms"),
        }
    }

    /// Why this fault cannot be served, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Fault::Status { status, .. } | Fault::Respond { status, .. }
                if !(200..=599).contains(status) =>
            {
                Err(format!(
                    "status {status} is not a final HTTP status (200-599)"
                ))
            }
            Fault::Redirect { status, .. } if ![301, 302, 303, 307, 308].contains(status) => Err(
                format!("redirect status {status} is not one of 301, 302, 303, 307, 308"),
            ),
            Fault::Redirect { location, .. } if location.is_empty() => {
                Err("a redirect needs a location".to_string())
            }
            Fault::Respond { headers, .. } => {
                for (k, v) in headers {
                    if axum::http::HeaderName::from_bytes(k.as_bytes()).is_err()
                        || axum::http::HeaderValue::from_str(v).is_err()
                    {
                        return Err(format!("header {k:?}: {v:?} is not a valid HTTP header"));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// A fault and the requests it applies to: the original shape, matching by method and path
/// only. Still accepted everywhere; it converts into a [`FaultSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path contains this text (any when absent).
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests it applies to (every one when absent).
    #[serde(default)]
    pub times: Option<u32>,
    /// What happens to them.
    pub fault: Fault,
}

impl From<FaultRule> for FaultSpec {
    fn from(rule: FaultRule) -> Self {
        FaultSpec {
            method: rule.method,
            path_contains: rule.path_contains,
            times: rule.times,
            fault: Some(rule.fault),
            ..FaultSpec::default()
        }
    }
}

/// One fault rule: which requests (every condition that is set must hold) and what happens
/// to them — either `fault` applied to `times` matching requests (every one when absent) after
/// `skip` untouched ones, or `sequence`, one outcome per successive matching request (after
/// `skip`), the rule ending after the last.
///
/// Build one in Rust with [`FaultSpec::new`] / [`FaultSpec::sequence_of`] and the builder
/// methods; over HTTP POST its JSON to `/__sim/faults`. A JSON [`FaultRule`] is a valid
/// `FaultSpec`. Unknown JSON members are refused (a misspelt condition would otherwise match
/// every request).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Only requests with this HTTP method (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path (without the query) contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// Only requests with this SOAP action (Twinfield): the `SOAPAction` header, or the
    /// `action` parameter of a SOAP 1.2 `Content-Type`, without quotes. Either the full URI
    /// (`http://www.twinfield.com/ProcessXmlString`) or its last segment (`ProcessXmlString`,
    /// `Search`); case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soap_action: Option<String>,
    /// Only ProcessXml requests (Twinfield) whose inner document — the content of
    /// `xmlRequest`, entity-escaped, in CDATA or inline — has this root element, by local
    /// name: `transaction`, `transactions`, `dimension`, `dimensions`, `read`, `list`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_element: Option<String>,
    /// Only requests whose body contains this text: the raw body, or for a ProcessXml request
    /// also the unescaped inner document (so `<invoicenumber>INV-1` matches an entity-escaped
    /// `ProcessXmlString`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// Let this many matching requests through untouched first.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u32,
    /// With `fault`: how many matching requests (after `skip`) get it; every one when absent.
    /// Not allowed with `sequence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// The fault to apply (exactly one of `fault` and `sequence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Outcomes for successive matching requests (after `skip`), in order; use
    /// [`Fault::Pass`] to let one through. The rule is removed after the last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequence: Vec<Fault>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FaultSpec {
    /// A rule applying `fault` to every request (narrow it with the builder methods).
    pub fn new(fault: Fault) -> Self {
        FaultSpec {
            fault: Some(fault),
            ..FaultSpec::default()
        }
    }

    /// A rule giving successive matching requests these outcomes, then ending:
    /// `sequence_of([Fault::after_commit(503), Fault::after_commit(503)])` fails twice, then
    /// the requests succeed.
    pub fn sequence_of(outcomes: impl IntoIterator<Item = Fault>) -> Self {
        FaultSpec {
            sequence: outcomes.into_iter().collect(),
            ..FaultSpec::default()
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Only requests whose path contains this text.
    pub fn path_contains(mut self, text: impl Into<String>) -> Self {
        self.path_contains = Some(text.into());
        self
    }

    /// Only requests with this SOAP action (full URI or last segment).
    pub fn soap_action(mut self, action: impl Into<String>) -> Self {
        self.soap_action = Some(action.into());
        self
    }

    /// Only ProcessXml requests whose inner document has this root element.
    pub fn root_element(mut self, name: impl Into<String>) -> Self {
        self.root_element = Some(name.into());
        self
    }

    /// Only requests whose body contains this text.
    pub fn body_contains(mut self, text: impl Into<String>) -> Self {
        self.body_contains = Some(text.into());
        self
    }

    /// Let `n` matching requests through first.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// Apply the fault to `n` matching requests, then end.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Why this rule cannot be served, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.fault, self.sequence.is_empty()) {
            (Some(_), false) => return Err("give either `fault` or `sequence`, not both".into()),
            (None, true) => return Err("a rule needs a `fault` or a non-empty `sequence`".into()),
            (None, false) if self.times.is_some() => {
                return Err(
                    "`times` goes with `fault`; a `sequence` ends after its last step".into(),
                )
            }
            _ => {}
        }
        if let Some(m) = &self.method {
            if axum::http::Method::from_bytes(m.as_bytes()).is_err() {
                return Err(format!("method {m:?} is not an HTTP method"));
            }
        }
        for f in self.fault.iter().chain(&self.sequence) {
            f.validate()?;
        }
        Ok(())
    }

    /// Whether the rule has nothing left to do.
    fn exhausted(&self) -> bool {
        match &self.fault {
            Some(_) => self.times == Some(0),
            None => self.sequence.is_empty(),
        }
    }

    /// The outcome this rule gives the next matching request (`None`: let it through).
    fn peek(&self) -> Option<&Fault> {
        if self.skip > 0 {
            return None;
        }
        match &self.fault {
            Some(f) => Some(f),
            None => self.sequence.first(),
        }
    }

    /// Use up the step [`Self::peek`] showed.
    fn advance(&mut self) {
        if self.skip > 0 {
            self.skip -= 1;
        } else if self.fault.is_some() {
            if let Some(t) = self.times.as_mut() {
                *t = t.saturating_sub(1);
            }
        } else if !self.sequence.is_empty() {
            self.sequence.remove(0);
        }
    }

    fn matches(&self, req: &RequestInfo<'_>, inner: &mut InnerDoc<'_>) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(req.method) {
                return false;
            }
        }
        if let Some(p) = &self.path_contains {
            if !req.path.contains(p.as_str()) {
                return false;
            }
        }
        if let Some(want) = &self.soap_action {
            if !req
                .soap_action
                .is_some_and(|have| soap_action_is(have, want))
            {
                return false;
            }
        }
        if let Some(want) = &self.root_element {
            let root = inner.get().and_then(|d| root_name(d));
            if !root.is_some_and(|r| r.eq_ignore_ascii_case(want)) {
                return false;
            }
        }
        if let Some(want) = &self.body_contains {
            let raw = String::from_utf8_lossy(req.body);
            if !raw.contains(want.as_str())
                && !inner.get().is_some_and(|d| d.contains(want.as_str()))
            {
                return false;
            }
        }
        true
    }
}

/// What a rule can match a request on.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path without the query.
    pub path: &'a str,
    /// The SOAP action (header or SOAP 1.2 content-type parameter), without quotes.
    pub soap_action: Option<&'a str>,
    /// The request body.
    pub body: &'a [u8],
}

/// The ProcessXml inner document of a request, decoded at most once.
struct InnerDoc<'a> {
    body: &'a [u8],
    doc: Option<Option<String>>,
}

impl InnerDoc<'_> {
    fn get(&mut self) -> Option<&str> {
        if self.doc.is_none() {
            self.doc = Some(processxml_document(&String::from_utf8_lossy(self.body)));
        }
        self.doc.as_ref().and_then(|d| d.as_deref())
    }
}

fn soap_action_is(have: &str, want: &str) -> bool {
    let want = want.trim().trim_matches('"');
    have.eq_ignore_ascii_case(want)
        || have
            .rsplit(['/', '#'])
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case(want))
}

/// The inner document of a Twinfield ProcessXml request: the content of its `xmlRequest`
/// element (any namespace prefix), unwrapped from CDATA or entity-unescaped. `None` when the
/// body has no `xmlRequest`.
pub fn processxml_document(body: &str) -> Option<String> {
    let mut at = 0;
    let content_start = loop {
        let lt = at + body.get(at..)?.find('<')?;
        let rest = &body[lt + 1..];
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        let gt = lt + 1 + rest.find('>')?;
        if local == "xmlRequest" && !body[..gt].ends_with('/') {
            break gt + 1;
        }
        at = gt + 1;
    };
    let content = &body[content_start..];
    // The closing tag of xmlRequest (an inline document has closing tags of its own).
    let end = content
        .rfind("xmlRequest>")
        .and_then(|i| content[..i].rfind("</"))
        .unwrap_or(content.len());
    let inner = content[..end].trim();
    if let Some(cdata) = inner.strip_prefix("<![CDATA[") {
        return Some(cdata.strip_suffix("]]>").unwrap_or(cdata).to_string());
    }
    if inner.starts_with('<') {
        return Some(inner.to_string());
    }
    Some(unescape_xml(inner))
}

/// The local name of the root element of an XML document (after any declaration, comments
/// and processing instructions).
pub fn root_name(doc: &str) -> Option<&str> {
    let mut rest = doc.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.get(r.find("?>")? + 2..)?.trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.get(r.find("-->")? + 3..)?.trim_start();
        } else {
            break;
        }
    }
    let r = rest.strip_prefix('<')?;
    let end = r
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(r.len());
    let name = &r[..end];
    let local = name.rsplit(':').next().unwrap_or(name);
    (!local.is_empty()).then_some(local)
}

/// Undo XML entity escaping (`&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&#…;`).
fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let ch = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The pending fault rules of one simulator.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultSpec>>,
}

impl Faults {
    /// Add a rule (a [`FaultSpec`] or a [`FaultRule`]); rules are tried in the order they were
    /// added. The rule is not checked: see [`Faults::try_push`].
    pub fn push(&self, rule: impl Into<FaultSpec>) {
        let rule = rule.into();
        if rule.exhausted() {
            return;
        }
        self.lock().push(rule);
    }

    /// Add a rule after checking it ([`FaultSpec::validate`]), as `POST /__sim/faults` does.
    pub fn try_push(&self, rule: impl Into<FaultSpec>) -> Result<(), String> {
        let rule = rule.into();
        rule.validate()?;
        self.push(rule);
        Ok(())
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The pending rules, with what is left of them (`skip`, `times`, `sequence` count down).
    pub fn snapshot(&self) -> Vec<FaultSpec> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultSpec>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The faults that apply to a request known only by method and path (rules that need a
    /// SOAP action, root element or body do not match it). See [`Faults::take_request`].
    pub fn take(&self, method: &str, path: &str) -> Vec<Fault> {
        self.take_request(&RequestInfo {
            method,
            path,
            soap_action: None,
            body: &[],
        })
    }

    /// The faults that apply to this request, using up one step of each rule involved: every
    /// delay of a matching rule, and the first terminal fault. Never [`Fault::Pass`].
    /// Control routes (`/__sim…`) are never faulted.
    pub fn take_request(&self, req: &RequestInfo<'_>) -> Vec<Fault> {
        if req.path.starts_with("/__sim") {
            return Vec::new();
        }
        let mut inner = InnerDoc {
            body: req.body,
            doc: None,
        };
        let mut rules = self.lock();
        let mut out: Vec<Fault> = Vec::new();
        for rule in rules.iter_mut() {
            if rule.exhausted() || !rule.matches(req, &mut inner) {
                continue;
            }
            match rule.peek().cloned() {
                None | Some(Fault::Pass) => rule.advance(),
                Some(f) if f.is_delay() => {
                    rule.advance();
                    out.push(f);
                }
                Some(f) => {
                    if out.iter().any(|o| !o.is_delay()) {
                        continue;
                    }
                    rule.advance();
                    out.push(f);
                }
            }
        }
        rules.retain(|r| !r.exhausted());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_and_run_out() {
        let f = Faults::default();
        f.push(FaultRule {
            method: Some("POST".into()),
            path_contains: Some("SalesEntries".into()),
            times: Some(1),
            fault: Fault::Status {
                status: 503,
                retry_after_secs: Some(2),
            },
        });
        assert!(f
            .take("GET", "/api/v1/1/salesentry/SalesEntries")
            .is_empty());
        assert_eq!(f.take("POST", "/api/v1/1/salesentry/SalesEntries").len(), 1);
        assert!(f
            .take("POST", "/api/v1/1/salesentry/SalesEntries")
            .is_empty());
        assert!(f.snapshot().is_empty());
    }

    #[test]
    fn control_routes_are_never_faulted() {
        let f = Faults::default();
        f.push(FaultRule {
            method: None,
            path_contains: None,
            times: None,
            fault: Fault::DropResponse,
        });
        assert!(f.take("GET", "/__sim/health").is_empty());
        assert_eq!(f.take("GET", "/x"), vec![Fault::DropResponse]);
    }

    #[test]
    fn skip_then_times_then_gone() {
        let f = Faults::default();
        f.push(FaultSpec::new(Fault::after_commit(503)).skip(1).times(2));
        assert!(f.take("POST", "/x").is_empty(), "skipped");
        assert_eq!(f.take("POST", "/x"), vec![Fault::after_commit(503)]);
        assert_eq!(
            f.snapshot()[0].times,
            Some(1),
            "snapshot shows what is left"
        );
        assert_eq!(f.take("POST", "/x"), vec![Fault::after_commit(503)]);
        assert!(f.take("POST", "/x").is_empty());
        assert!(f.snapshot().is_empty());
    }

    #[test]
    fn a_sequence_gives_each_request_its_outcome() {
        let f = Faults::default();
        f.push(FaultSpec::sequence_of([
            Fault::before_handling(429),
            Fault::Pass,
            Fault::DropResponse,
        ]));
        assert_eq!(f.take("GET", "/a"), vec![Fault::before_handling(429)]);
        assert!(f.take("GET", "/a").is_empty());
        assert_eq!(f.take("GET", "/a"), vec![Fault::DropResponse]);
        assert!(f.take("GET", "/a").is_empty());
        assert!(f.snapshot().is_empty());
    }

    #[test]
    fn delays_combine_and_the_first_terminal_fault_wins() {
        let f = Faults::default();
        f.push(FaultSpec::new(Fault::Latency { ms: 1 }).times(1));
        f.push(FaultSpec::new(Fault::after_commit(502)).times(1));
        f.push(FaultSpec::new(Fault::after_commit(504)).times(1));
        assert_eq!(
            f.take("GET", "/a"),
            vec![Fault::Latency { ms: 1 }, Fault::after_commit(502)]
        );
        assert_eq!(f.take("GET", "/a"), vec![Fault::after_commit(504)]);
    }

    #[test]
    fn matching_by_soap_action_root_element_and_body() {
        let f = Faults::default();
        f.push(
            FaultSpec::new(Fault::DropResponse)
                .soap_action("ProcessXmlString")
                .root_element("transaction")
                .body_contains("<invoicenumber>INV-7<"),
        );
        let escaped = "<soap:Envelope><soap:Body><ProcessXmlString xmlns=\"http://www.twinfield.com/\"><xmlRequest>&lt;?xml version=\"1.0\"?&gt;&lt;transaction destiny=\"final\"&gt;&lt;header&gt;&lt;invoicenumber&gt;INV-7&lt;/invoicenumber&gt;&lt;/header&gt;&lt;/transaction&gt;</xmlRequest></ProcessXmlString></soap:Body></soap:Envelope>";
        let req = |action: Option<&'static str>, body: &'static str| RequestInfo {
            method: "POST",
            path: "/webservices/processxml.asmx",
            soap_action: action,
            body: body.as_bytes(),
        };
        let action = Some("http://www.twinfield.com/ProcessXmlString");
        assert!(f.take_request(&req(None, escaped)).is_empty(), "no action");
        assert!(f
            .take_request(&req(Some("http://www.twinfield.com/Search"), escaped))
            .is_empty());
        let other = escaped.replace("INV-7", "INV-8");
        let other: &'static str = Box::leak(other.into_boxed_str());
        assert!(f.take_request(&req(action, other)).is_empty(), "other body");
        let read = "<Envelope><Body><ProcessXmlDocument><xmlRequest><read><type>dimensions</type></read></xmlRequest></ProcessXmlDocument></Body></Envelope>";
        assert!(f.take_request(&req(action, read)).is_empty(), "other root");
        assert_eq!(
            f.take_request(&req(action, escaped)),
            vec![Fault::DropResponse]
        );
    }

    #[test]
    fn inner_documents_are_found_in_every_form() {
        let cdata = "<s:Body><t:xmlRequest><![CDATA[<list><type>offices</type></list>]]></t:xmlRequest></s:Body>";
        assert_eq!(
            processxml_document(cdata).as_deref(),
            Some("<list><type>offices</type></list>")
        );
        let inline = "<Body><xmlRequest>\n  <dimensions><dimension>x</dimension></dimensions>\n</xmlRequest></Body>";
        let doc = processxml_document(inline).unwrap();
        assert_eq!(root_name(&doc), Some("dimensions"));
        let esc = "<xmlRequest>&lt;!-- c --&gt;&lt;read&gt;&amp;&#65;&lt;/read&gt;</xmlRequest>";
        let doc = processxml_document(esc).unwrap();
        assert_eq!(doc, "<!-- c --><read>&A</read>");
        assert_eq!(root_name(&doc), Some("read"));
        assert_eq!(processxml_document("{\"a\":1}"), None);
    }

    #[test]
    fn json_shapes_old_and_new() {
        let old: FaultSpec = serde_json::from_str(
            r#"{"method":"POST","path_contains":"x","times":1,"fault":{"kind":"status","status":503,"retry_after_secs":7}}"#,
        )
        .unwrap();
        assert_eq!(old.times, Some(1));
        let new: FaultSpec = serde_json::from_str(
            r#"{"soap_action":"ProcessXmlString","root_element":"transactions","skip":1,
                "sequence":[{"kind":"respond","status":503,"when":"after_commit","retry_after":{"date_in":30}},
                            {"kind":"pass"},
                            {"kind":"redirect","status":307,"location":"http://other:1","keep_path":true},
                            {"kind":"respond","status":502,"when":"before_handling","body":"<html>Bad gateway</html>","headers":{"content-type":"text/html"}},
                            {"kind":"latency_after_commit","ms":50}]}"#,
        )
        .unwrap();
        assert!(new.validate().is_ok());
        assert_eq!(new.sequence.len(), 5);
        let back: FaultSpec = serde_json::from_value(serde_json::to_value(&new).unwrap()).unwrap();
        assert_eq!(back, new);
        for bad in [
            r#"{"soapaction":"x","fault":{"kind":"pass"}}"#,
            r#"{"fault":{"kind":"respond","status":503}}"#,
            r#"{"fault":{"kind":"status","status":503,"retry_after":5}}"#,
        ] {
            assert!(serde_json::from_str::<FaultSpec>(bad).is_err(), "{bad}");
        }
        for invalid in [
            r#"{}"#,
            r#"{"fault":{"kind":"pass"},"sequence":[{"kind":"pass"}]}"#,
            r#"{"times":2,"sequence":[{"kind":"pass"}]}"#,
            r#"{"fault":{"kind":"redirect","status":200,"location":"x"}}"#,
            r#"{"fault":{"kind":"respond","status":1000,"when":"after_commit"}}"#,
        ] {
            let spec: FaultSpec = serde_json::from_str(invalid).unwrap();
            assert!(spec.validate().is_err(), "{invalid}");
        }
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(RetryAfter::Seconds(5).header_value(), "5");
        assert_eq!(RetryAfter::Raw("x".into()).header_value(), "x");
        let v = RetryAfter::DateIn(30).header_value();
        assert!(v.ends_with(" GMT") && v.len() == 29, "{v}");
        let at = chrono::DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).unwrap();
        let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
        assert!((29..=31).contains(&secs), "{secs}");
    }
}
