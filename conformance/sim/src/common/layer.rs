//! The middleware every simulator router is wrapped in: it records each request in the log and
//! applies injected faults (latency, an error status, a dropped response after commit).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use super::{Fault, RequestRecord, SimCore};

/// Largest request body a simulator reads (AFAS documents 75 MB; the others are smaller).
pub const MAX_BODY_BYTES: usize = 80 * 1024 * 1024;
const LOGGED_BODY_BYTES: usize = 64 * 1024;

/// Wrap `router` so that every request is logged and faults are applied.
pub fn instrument(router: Router, core: Arc<SimCore>) -> Router {
    router.layer(middleware::from_fn_with_state(core, instrument_request))
}

async fn instrument_request(
    State(core): State<Arc<SimCore>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let resp = core.flavour.error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
                None,
            );
            record(&core, &method, &path, query, &[], resp.status().as_u16());
            return resp;
        }
    };
    let faults = core.faults.take(&method, &path);
    let mut drop_response = false;
    for fault in &faults {
        match fault {
            Fault::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Fault::Status {
                status,
                retry_after_secs,
            } => {
                let status =
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let resp = core
                    .flavour
                    .error_response(status, "Injected fault", *retry_after_secs);
                record(&core, &method, &path, query, &bytes, status.as_u16());
                return resp;
            }
            Fault::DropResponse => drop_response = true,
        }
    }
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let resp = next.run(req).await;
    if drop_response {
        record(&core, &method, &path, query, &bytes, 0);
        return broken_response();
    }
    record(&core, &method, &path, query, &bytes, resp.status().as_u16());
    resp
}

/// A response whose body fails at once, so the connection is cut before a complete answer
/// reaches the client: the write behind it has committed, the client cannot know.
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
    method: &str,
    path: &str,
    query: Option<String>,
    body: &[u8],
    status: u16,
) {
    let cut = body.len().min(LOGGED_BODY_BYTES);
    core.log.push(RequestRecord {
        at: core.clock.now().to_rfc3339(),
        method: method.to_string(),
        path: path.to_string(),
        query,
        body: redact_secrets(&String::from_utf8_lossy(&body[..cut])),
        status,
    });
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
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_name(k, true) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
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
