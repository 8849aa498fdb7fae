//! The middleware every simulator router is wrapped in: it records each request in the log and
//! applies injected faults (see [`super::faults`] for what each fault does and when).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use super::faults::When;
use super::server::ConnectionHandle;
use super::{Fault, RequestInfo, RequestRecord, SimCore};

/// Largest request body a simulator reads (AFAS documents 75 MB; the others are smaller).
pub const MAX_BODY_BYTES: usize = 80 * 1024 * 1024;
const LOGGED_BODY_BYTES: usize = 64 * 1024;

/// Wrap `router` so that every request is logged and faults are applied.
pub fn instrument(router: Router, core: Arc<SimCore>) -> Router {
    router.layer(middleware::from_fn_with_state(core, instrument_request))
}

/// What is known of a request for its log record.
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
}

async fn instrument_request(
    State(core): State<Arc<SimCore>>,
    req: Request,
    next: Next,
) -> Response {
    let seen = Seen {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        headers: loggable_headers(req.headers()),
    };
    let conn = req
        .extensions()
        .get::<ConnectInfo<ConnectionHandle>>()
        .map(|c| c.0.clone());
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let resp = core.flavour.error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
                None,
            );
            record(&core, &seen, &[], resp.status().as_u16(), None, None);
            return resp;
        }
    };
    let action = soap_action(&parts.headers);
    let faults = core.faults.take_request(&RequestInfo {
        method: &seen.method,
        path: &seen.path,
        soap_action: action.as_deref(),
        body: &bytes,
    });
    let label = (!faults.is_empty()).then(|| {
        faults
            .iter()
            .map(Fault::describe)
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut after_commit: Option<Fault> = None;
    let mut delay_after = 0u64;
    for fault in &faults {
        match fault {
            Fault::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Fault::LatencyAfterCommit { ms } => delay_after = delay_after.saturating_add(*ms),
            Fault::Pass => {}
            Fault::Status {
                status,
                retry_after_secs,
            } => {
                let status =
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let resp = core
                    .flavour
                    .error_response(status, "Injected fault", *retry_after_secs);
                record(&core, &seen, &bytes, status.as_u16(), label, None);
                return resp;
            }
            Fault::Respond {
                when: When::BeforeHandling,
                ..
            } => {
                let resp = respond(&core, fault);
                record(&core, &seen, &bytes, resp.status().as_u16(), label, None);
                return resp;
            }
            Fault::Redirect {
                status,
                location,
                keep_path,
            } => {
                let resp = redirect(*status, location, *keep_path, &parts.uri);
                record(&core, &seen, &bytes, resp.status().as_u16(), label, None);
                return resp;
            }
            Fault::Respond {
                when: When::AfterCommit,
                ..
            }
            | Fault::DropResponse => after_commit = Some(fault.clone()),
        }
    }
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let resp = next.run(req).await;
    if delay_after > 0 {
        tokio::time::sleep(Duration::from_millis(delay_after)).await;
    }
    let handled = resp.status().as_u16();
    match after_commit {
        Some(Fault::DropResponse) => {
            record(&core, &seen, &bytes, 0, label, Some(handled));
            match conn {
                Some(conn) => {
                    conn.reset();
                    Response::new(Body::empty())
                }
                None => broken_response(),
            }
        }
        Some(fault) => {
            drop(resp);
            let resp = respond(&core, &fault);
            record(
                &core,
                &seen,
                &bytes,
                resp.status().as_u16(),
                label,
                Some(handled),
            );
            resp
        }
        None => {
            record(&core, &seen, &bytes, handled, label, None);
            resp
        }
    }
}

/// The answer of a [`Fault::Respond`]: the vendor's error body unless a body is given, then
/// the given headers and `Retry-After`.
fn respond(core: &SimCore, fault: &Fault) -> Response {
    let Fault::Respond {
        status,
        body,
        headers,
        retry_after,
        ..
    } = fault
    else {
        return Response::new(Body::empty());
    };
    let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut resp = match body {
        None => core.flavour.error_response(status, "Injected fault", None),
        Some(text) => {
            let mut r = Response::new(Body::from(text.clone()));
            *r.status_mut() = status;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
    };
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    if let Some(ra) = retry_after {
        if let Ok(v) = HeaderValue::from_str(&ra.header_value()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// The answer of a [`Fault::Redirect`].
fn redirect(status: u16, location: &str, keep_path: bool, uri: &axum::http::Uri) -> Response {
    let target = if keep_path {
        let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        format!("{}{pq}", location.trim_end_matches('/'))
    } else {
        location.to_string()
    };
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
    if let Ok(v) = HeaderValue::from_str(&target) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The SOAP action of a request: the `SOAPAction` header (SOAP 1.1) or the `action` parameter
/// of the `Content-Type` (SOAP 1.2), without quotes.
fn soap_action(headers: &HeaderMap) -> Option<String> {
    let clean = |v: &str| v.trim().trim_matches('"').to_string();
    if let Some(v) = headers.get("soapaction").and_then(|v| v.to_str().ok()) {
        return Some(clean(v)).filter(|v| !v.is_empty());
    }
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("action")).then(|| clean(v))
    })
}

/// A response whose body fails at once, so the connection is cut before a complete answer
/// reaches the client: the fallback of [`Fault::DropResponse`] when the router is not served
/// by [`RunningServer`](super::RunningServer) (no connection to reset).
fn broken_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "response dropped by fault injection",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-length", "1024")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn record(
    core: &SimCore,
    seen: &Seen,
    body: &[u8],
    status: u16,
    fault: Option<String>,
    handler_status: Option<u16>,
) {
    let cut = body.len().min(LOGGED_BODY_BYTES);
    core.log.push(RequestRecord {
        at: core.clock.now().to_rfc3339(),
        method: seen.method.clone(),
        path: seen.path.clone(),
        query: seen.query.as_deref().map(redact_query),
        headers: seen.headers.clone(),
        body: if seen.path.starts_with("/__sim/") && seen.path.contains("token") && !body.is_empty()
        {
            // Control routes that set tokens (AFAS `/__sim/token` takes the token data itself).
            "***".to_string()
        } else {
            redact_secrets(&String::from_utf8_lossy(&body[..cut]))
        },
        status,
        fault,
        handler_status,
    });
}

/// Whether a header of this (lower-case) name carries a credential.
fn is_secret_header(name: &str) -> bool {
    matches!(
        name,
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || name.contains("token")
        || name.contains("secret")
        || name.contains("password")
        || name.contains("api-key")
        || name.contains("apikey")
        || name.contains("session")
}

/// The request headers as they may be logged: names lower case, repeated headers joined with
/// `, `, credentials replaced by `***` (an `Authorization` value keeps its scheme:
/// `Bearer ***`, `AfasToken ***`, `Basic ***`).
pub fn loggable_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        let text = String::from_utf8_lossy(value.as_bytes()).to_string();
        let shown = if !is_secret_header(n) {
            text
        } else if n.ends_with("authorization") {
            match text.trim().split_once(char::is_whitespace) {
                Some((scheme, _)) => format!("{scheme} ***"),
                None => "***".to_string(),
            }
        } else {
            "***".to_string()
        };
        out.entry(n.to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&shown);
            })
            .or_insert(shown);
    }
    out
}

/// A query string as it may be logged: the values of credential-like parameters (`token`,
/// `access_token`, `refresh_token`, `id_token_hint`, `code`, `code_verifier`, `client_secret`,
/// `password`, …; names compared after percent-decoding, case-insensitively) are replaced by
/// `***`. Everything else is kept as sent, OData's `$skiptoken` paging cursor included.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_query_name(&percent_decode(k)) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether a query parameter of this name carries a credential. OData's `$skiptoken` (a
/// paging cursor) does not.
fn is_secret_query_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.trim_start_matches('$') != "skiptoken" && is_secret_name(&n, true)
}

/// `%XX` and `+` decoded (lossy), for comparing parameter names.
fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let decoded = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                i += 3;
            }
            None => {
                out.push(if b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a form or JSON member of this name carries a credential.
fn is_secret_name(name: &str, form: bool) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("secret")
        || n.contains("token")
        || n.contains("password")
        || (form && matches!(n.as_str(), "code" | "code_verifier" | "assertion"))
}

/// The request body as it may be logged: the values of credential-like members of a
/// form-encoded or JSON body (`client_secret`, `refresh_token`, an OAuth `code`, …) are
/// replaced by `***`, so secrets never reach the request log. Other bodies are unchanged.
pub fn redact_secrets(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
            return text.to_string();
        };
        fn walk(v: &mut serde_json::Value) -> bool {
            let mut changed = false;
            match v {
                serde_json::Value::Object(map) => {
                    for (k, item) in map.iter_mut() {
                        if is_secret_name(k, false) && item.is_string() {
                            *item = serde_json::Value::String("***".into());
                            changed = true;
                        } else {
                            changed |= walk(item);
                        }
                    }
                }
                serde_json::Value::Array(items) => {
                    for item in items {
                        changed |= walk(item);
                    }
                }
                _ => {}
            }
            changed
        }
        if walk(&mut value) {
            return value.to_string();
        }
        return text.to_string();
    }
    if trimmed.starts_with('<') {
        return redact_xml(text);
    }
    if !text.contains('=') {
        return text.to_string();
    }
    redact_query(text)
}

/// An XML body (SOAP) as it may be logged: the text of elements whose local name carries a
/// credential (`AccessToken`, `SessionID`, `…Secret`, `password`) is replaced by `***`.
fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let (before, from_tag) = rest.split_at(lt);
        out.push_str(before);
        let Some(gt) = from_tag.find('>') else {
            out.push_str(from_tag);
            return out;
        };
        let (tag, after) = from_tag.split_at(gt + 1);
        out.push_str(tag);
        rest = after;
        let inner = tag.trim_start_matches('<');
        if inner.starts_with(['/', '!', '?']) || tag.ends_with("/>") {
            continue;
        }
        let name = inner
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase();
        if is_secret_name(&local, false) || local == "sessionid" {
            let end = rest.find('<').unwrap_or(rest.len());
            if end > 0 {
                out.push_str("***");
            }
            rest = rest.get(end..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    #[test]
    fn secrets_are_redacted_from_logged_soap_bodies() {
        let soap = r#"<soap:Envelope><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>abc123</AccessToken><CompanyCode>NLA000001</CompanyCode><SessionID>s-1</SessionID></Header></soap:Header><soap:Body><x/></soap:Body></soap:Envelope>"#;
        let out = redact_secrets(soap);
        assert!(!out.contains("abc123") && !out.contains("s-1"), "{out}");
        assert!(
            out.contains("<AccessToken>***</AccessToken>") && out.contains("NLA000001"),
            "{out}"
        );
    }

    #[test]
    fn secrets_are_redacted_from_logged_queries_and_headers() {
        assert_eq!(super::redact_query("token=abc.def&x=1"), "token=***&x=1");
        assert_eq!(
            super::redact_query(
                "%24top=1&Access%5FToken=a&id_token_hint=h&$skiptoken=guid'1'&code=c"
            ),
            "%24top=1&Access%5FToken=***&id_token_hint=***&$skiptoken=guid'1'&code=***"
        );
        let mut h = axum::http::HeaderMap::new();
        h.insert("authorization", "Bearer eyJabc".parse().unwrap());
        h.insert("x-api-token", "t0k".parse().unwrap());
        h.insert("cookie", "sid=1".parse().unwrap());
        h.insert("soapaction", "\"x\"".parse().unwrap());
        let logged = super::loggable_headers(&h);
        assert_eq!(logged["authorization"], "Bearer ***");
        assert_eq!(logged["x-api-token"], "***");
        assert_eq!(logged["cookie"], "***");
        assert_eq!(logged["soapaction"], "\"x\"");
    }

    #[test]
    fn secrets_are_redacted_from_logged_bodies() {
        let form =
            "grant_type=refresh_token&refresh_token=Gcp7%21abc&client_id=app&client_secret=s3cr3t";
        assert_eq!(
            redact_secrets(form),
            "grant_type=refresh_token&refresh_token=***&client_id=app&client_secret=***"
        );
        let json =
            r#"{"client_id":"app","client_secret":"s3cr3t","nested":[{"webhook_secret":"w"}]}"#;
        let out = redact_secrets(json);
        assert!(
            !out.contains("s3cr3t") && !out.contains("\"w\"") && out.contains("app"),
            "{out}"
        );
        let plain = r#"{"Code":"1","AmountFC":12.10}"#;
        assert_eq!(redact_secrets(plain), plain);
    }
}
