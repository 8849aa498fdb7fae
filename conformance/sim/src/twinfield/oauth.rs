//! The login host: OpenID Connect on `/auth/authentication/connect/*`.
//!
//! - `GET authorize` — authorization code flow only. Needs a registered `client_id`, a
//!   `redirect_uri` equal byte for byte to a registered one, `response_type=code`, a `scope`
//!   containing `twf.organisationUser` and a `nonce`. No login page: the organisation that
//!   consents is `sim_organisation` (a simulator parameter) or else the first one seeded.
//!   Answers `302` to the redirect URI with `code` and `state` (or `error`).
//! - `POST token` — `Authorization: Basic base64(client_id:client_secret)` or `client_id` and
//!   `client_secret` in the form body, form body;
//!   `grant_type=authorization_code` (code single-use, 5 minutes, same `redirect_uri`) or
//!   `grant_type=refresh_token`. Access tokens live 3600 s on the simulated clock; the refresh
//!   token (with `offline_access`) never expires but dies on revocation (T04): `invalid_grant`.
//! - `GET accesstokenvalidation?token=…` — the claims, with `twf.clusterUrl` when the
//!   `twf.organisation` scope was granted; `400 {"error":"invalid_token"}` otherwise.
//! - `GET userinfo` — bearer token; the user and organisation claims.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::model::TokenSet;
use super::state::{new_token, AuthCode, State as SimState, ACCESS_TOKEN_SECS, AUTH_CODE_SECS};
use super::Shared;

const SCOPES: &[&str] = &[
    "openid",
    "twf.user",
    "twf.organisation",
    "twf.organisationUser",
    "offline_access",
];

/// The login host's routes.
pub(crate) fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route("/auth/authentication/connect/authorize", get(authorize))
        .route(
            "/auth/authentication/connect/token",
            axum::routing::post(token),
        )
        .route(
            "/auth/authentication/connect/accesstokenvalidation",
            get(validate).post(validate),
        )
        .route("/auth/authentication/connect/userinfo", get(userinfo))
        .with_state(sh)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut loc = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        loc.push(sep);
        loc.push_str(k);
        loc.push('=');
        loc.push_str(&percent_encode(v));
        sep = '&';
    }
    (StatusCode::FOUND, [(header::LOCATION, loc)]).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn authorize(
    State(sh): State<Arc<Shared>>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let now = sh.core.clock.now();
    let mut st = sh.lock();
    let client_id = get("client_id");
    let Some(client) = st.clients.get(client_id) else {
        return (
            StatusCode::BAD_REQUEST,
            "The client application is not known or is not authorized (invalid_client).",
        )
            .into_response();
    };
    let redirect_uri = get("redirect_uri");
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return (
            StatusCode::BAD_REQUEST,
            "The redirect URI is not known or is not authorized (invalid redirect_uri).",
        )
            .into_response();
    }
    let state_param = get("state").to_string();
    let fail = |error: &str, desc: &str| {
        let mut p = vec![("error", error), ("error_description", desc)];
        if !state_param.is_empty() {
            p.push(("state", state_param.as_str()));
        }
        redirect(redirect_uri, &p)
    };
    if get("response_type") != "code" {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let scopes: Vec<String> = get("scope")
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return fail("invalid_scope", &format!("unknown scope {bad}"));
    }
    if !scopes.iter().any(|s| s == "twf.organisationUser") {
        return fail("invalid_scope", "scope twf.organisationUser is mandatory");
    }
    let nonce = get("nonce");
    if nonce.is_empty() {
        return fail("invalid_request", "nonce is required");
    }
    let org = match q.get("sim_organisation") {
        Some(o) if st.orgs.contains_key(o) => o.clone(),
        Some(_) => return fail("access_denied", "unknown organisation"),
        None => match st.orgs.keys().next() {
            Some(o) => o.clone(),
            None => return fail("access_denied", "no organisation"),
        },
    };
    let code = new_token();
    st.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            org,
            scopes,
            nonce: nonce.to_string(),
            expires: now + chrono::Duration::seconds(AUTH_CODE_SECS),
        },
    );
    let mut p = vec![("code", code.as_str())];
    if !state_param.is_empty() {
        p.push(("state", state_param.as_str()));
    }
    redirect(redirect_uri, &p)
}

fn basic_client(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = raw.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn b64url(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// Issue an access token (and return the grant's refresh token) for grant `idx`.
pub(crate) fn issue(
    st: &mut SimState,
    idx: usize,
    now: DateTime<Utc>,
    with_id_token: bool,
) -> TokenSet {
    let access = st.issue_access(idx, now);
    let (refresh, id_token) = match st.grants.get(idx) {
        Some(g) => {
            let id_token = (with_id_token && g.scopes.iter().any(|s| s == "openid")).then(|| {
                let user = st
                    .orgs
                    .get(&g.org)
                    .map(|o| o.user_code.clone())
                    .unwrap_or_default();
                let payload = json!({
                    "iss": format!("{}/auth/authentication", st.login_url),
                    "aud": g.client_id,
                    "exp": (now + chrono::Duration::seconds(ACCESS_TOKEN_SECS)).timestamp(),
                    "nbf": now.timestamp(),
                    "iat": now.timestamp(),
                    "nonce": g.nonce,
                    "sub": subject(&g.org, &user),
                    "auth_time": g.auth_time.timestamp(),
                    "twf.organisationCode": g.org,
                    "twf.organisationUserCode": user,
                });
                format!(
                    "{}.{}.c2ltdWxhdG9y",
                    b64url(&json!({"alg": "RS256", "typ": "JWT", "kid": "sim"})),
                    b64url(&payload)
                )
            });
            (g.refresh_token.clone().unwrap_or_default(), id_token)
        }
        None => (String::new(), None),
    };
    TokenSet {
        access_token: access,
        refresh_token: refresh,
        expires_in: u64::try_from(ACCESS_TOKEN_SECS).unwrap_or(3600),
        id_token,
    }
}

fn token_json(t: &TokenSet) -> Response {
    let mut body = json!({
        "access_token": t.access_token,
        "expires_in": t.expires_in,
        "token_type": "Bearer",
    });
    if !t.refresh_token.is_empty() {
        body["refresh_token"] = json!(t.refresh_token);
    }
    if let Some(id) = &t.id_token {
        body["id_token"] = json!(id);
    }
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

async fn token(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "form body expected",
        );
    };
    let now = sh.core.clock.now();
    let mut st = sh.lock();
    // Client credentials as Basic authentication, or in the form body (`client_secret_post`),
    // as Twinfield's IdentityServer login host takes either.
    let from_form = || match (form.get("client_id"), form.get("client_secret")) {
        (Some(id), Some(secret)) if !id.is_empty() => Some((id.clone(), secret.clone())),
        _ => None,
    };
    let Some((client_id, secret)) = basic_client(&headers).or_else(from_form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication required (Basic, or client_id and client_secret in the form)",
        );
    };
    let authenticated = st
        .clients
        .get(&client_id)
        .is_some_and(|c| c.secret == secret);
    if !authenticated {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    match get("grant_type") {
        "authorization_code" => {
            let Some(code) = st.codes.remove(get("code")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            if code.client_id != client_id || code.expires <= now {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code expired or issued to another client",
                );
            }
            if code.redirect_uri != get("redirect_uri") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match",
                );
            }
            let idx = st.new_grant(&client_id, &code.org, code.scopes, code.nonce, now);
            let t = issue(&mut st, idx, now, true);
            token_json(&t)
        }
        "refresh_token" => {
            let idx = st.refresh.get(get("refresh_token")).copied();
            let live = idx.and_then(|i| st.grants.get(i).map(|g| (i, g)));
            match live {
                Some((i, g)) if !g.revoked && g.client_id == client_id => {
                    let t = issue(&mut st, i, now, false);
                    token_json(&t)
                }
                _ => oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid refresh token",
                ),
            }
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant type {other} is not supported"),
        ),
    }
}

fn subject(org: &str, user: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{{\"MemberId\":\"{org}:{user}\"}}"))
}

/// The claims of a live access token (also used by `userinfo`).
pub(crate) fn claims(st: &SimState, token: &str, now: DateTime<Utc>) -> Option<Value> {
    let (at, g) = st.valid_access(token, now)?;
    let org = st.orgs.get(&g.org)?;
    let mut c = json!({
        "aud": format!("{}/auth/authentication/resources", st.login_url),
        "iss": format!("{}/auth/authentication", st.login_url),
        "nbf": at.issued.timestamp().to_string(),
        "exp": at.expires.timestamp().to_string(),
        "client_id": g.client_id,
        "scope": g.scopes,
        "sub": subject(&org.code, &org.user_code),
        "auth_time": g.auth_time.timestamp().to_string(),
        "idp": "AAA",
        "amr": "external",
    });
    let has = |s: &str| g.scopes.iter().any(|x| x == s);
    if has("twf.user") || has("twf.organisationUser") {
        c["twf.organisationUserCode"] = json!(org.user_code);
        c["twf.organisationId"] = json!(org.id);
        c["twf.organisationCode"] = json!(org.code);
    }
    if has("twf.user") {
        c["twf.id"] = json!(format!("{}-{}", org.code, org.user_code));
    }
    if has("twf.organisation") {
        c["twf.organisationCode"] = json!(org.code);
        c["twf.organisationId"] = json!(org.id);
        if let Some(url) = st.cluster_url_of(&org.code) {
            c["twf.clusterUrl"] = json!(url);
        }
    }
    Some(c)
}

async fn validate(
    State(sh): State<Arc<Shared>>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let now = sh.core.clock.now();
    let st = sh.lock();
    match q.get("token").and_then(|t| claims(&st, t, now)) {
        Some(c) => Json(c).into_response(),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "token invalid or expired",
        ),
    }
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = raw.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_string())
}

async fn userinfo(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let now = sh.core.clock.now();
    let st = sh.lock();
    match bearer(&headers).and_then(|t| claims(&st, &t, now)) {
        Some(c) => {
            let mut out = json!({"sub": c["sub"]});
            if let Some(map) = c.as_object() {
                for (k, v) in map {
                    if k.starts_with("twf.") {
                        out[k] = v.clone();
                    }
                }
            }
            Json(out).into_response()
        }
        None => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response(),
    }
}
