//! `GET /api/oauth2/auth` and `POST /api/oauth2/token`, form-encoded with the client
//! credentials in the body, as Exact does.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::exact::errors::json_response;
use crate::exact::json::Json;
use crate::exact::oauth::{IssuedTokens, TokenError};
use crate::exact::odata::decoded_pairs;
use crate::exact::state::Shared;

/// Percent-encode a query value (everything but RFC 3986 unreserved characters).
pub fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn plain_bad_request() -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "text/plain; charset=utf-8")],
        "Bad Request",
    )
        .into_response()
}

/// `GET /api/oauth2/auth`: consent is given at once; the browser is redirected with a code.
pub async fn authorize(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let pairs = decoded_pairs(uri.query());
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (Some(client_id), Some(redirect_uri)) = (get("client_id"), get("redirect_uri")) else {
        return plain_bad_request();
    };
    if get("response_type").as_deref() != Some("code") {
        return plain_bad_request();
    }
    let now = shared.core.clock.now();
    let Some(code) = shared
        .lock()
        .oauth
        .authorize(&client_id, &redirect_uri, now)
    else {
        return plain_bad_request();
    };
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect_uri}{sep}code={}", encode_component(&code));
    if let Some(state) = get("state") {
        location.push_str(&format!("&state={}", encode_component(&state)));
    }
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::FOUND;
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            resp.headers_mut().insert("location", v);
            resp
        }
        Err(_) => plain_bad_request(),
    }
}

fn token_ok(t: &IssuedTokens) -> Response {
    let body = Json::obj([
        ("access_token", Json::str(&t.access_token)),
        ("token_type", Json::str("bearer")),
        ("expires_in", Json::Str(t.expires_in.to_string())),
        ("refresh_token", Json::str(&t.refresh_token)),
    ]);
    let mut resp = json_response(StatusCode::OK, &body);
    resp.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    resp
}

fn token_err(e: &TokenError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = match e.error {
        None => plain_bad_request(),
        Some(error) => {
            let mut pairs = vec![("error", Json::str(error))];
            if let Some(d) = &e.description {
                pairs.push(("error_description", Json::str(d)));
            }
            json_response(status, &Json::obj(pairs))
        }
    };
    if let Some(reason) = e
        .reason
        .as_deref()
        .and_then(|r| HeaderValue::from_str(r).ok())
    {
        resp.headers_mut().insert("reason", reason);
    }
    resp
}

/// `POST /api/oauth2/token`: `authorization_code` and `refresh_token` grants.
pub async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let pairs = decoded_pairs(Some(&text));
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let now = shared.core.clock.now();
    let strict = shared.core.quirk("Q04");
    let result = match get("grant_type").as_str() {
        "authorization_code" => shared.lock().oauth.exchange_code(
            &get("code"),
            &get("redirect_uri"),
            &get("client_id"),
            &get("client_secret"),
            now,
        ),
        "refresh_token" => {
            let rt = get("refresh_token");
            if rt.is_empty() {
                return token_err(&TokenError {
                    status: 400,
                    error: Some("invalid_request"),
                    description: None,
                    reason: None,
                });
            }
            shared
                .lock()
                .oauth
                .refresh(&rt, &get("client_id"), &get("client_secret"), now, strict)
        }
        "" => Err(TokenError {
            status: 400,
            error: Some("invalid_request"),
            description: None,
            reason: None,
        }),
        _ => Err(TokenError {
            status: 400,
            error: Some("unsupported_grant_type"),
            description: None,
            reason: None,
        }),
    };
    match result {
        Ok(t) => token_ok(&t),
        Err(e) => token_err(&e),
    }
}
