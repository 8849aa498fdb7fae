//! Exact-specific control routes under `/__sim/` (beside the generic ones of
//! [`crate::common::control`]):
//!
//! | route | method | body / answer |
//! |---|---|---|
//! | `/__sim/seed` | POST | an [`ExactSeed`] as JSON → the [`crate::exact::SeedReport`] |
//! | `/__sim/reset` | POST | empties the simulator, switches on, clock real |
//! | `/__sim/apps` | POST | a [`ClientApp`] (`client_id`, `client_secret`, `redirect_uri`, `webhook_secret`, `divisions`) |
//! | `/__sim/tokens` | POST | `{"client_id":"…","user":"…"?}` → `{"access_token","refresh_token","expires_in"}` (no authorize dance) |
//! | `/__sim/revoke` | POST | `{"client_id":"…","user":"…"?}` or `{"refresh_token":"…"}` → `{"revoked":true}` (T04) |
//! | `/__sim/refreshes` | GET | `?client_id=…` → `{"client_id":"…","refreshes":n}` |
//! | `/__sim/webhooks` | GET / DELETE | the notifications produced (pull) / forget them |
//! | `/__sim/q16` | PUT | `{"delay_ms":3000}` |
//! | `/__sim/rate-limits` | PUT | `{"minutely":60,"daily":5000}` |
//! | `/__sim/current-division` | PUT | `{"division":123}` |
//! | `/__sim/state` | GET | every row, for assertions (amounts as strings) |

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json as AxumJson, Router};
use serde::Deserialize;
use serde_json::json;

use crate::exact::json::Json;
use crate::exact::oauth::DEFAULT_USER;
use crate::exact::odata::decoded_pairs;
use crate::exact::seed::{ClientApp, ExactSeed};
use crate::exact::state::{Inner, Shared};

/// The Exact control routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__sim/seed", post(seed))
        .route("/__sim/reset", post(reset))
        .route("/__sim/apps", post(apps))
        .route("/__sim/tokens", post(tokens))
        .route("/__sim/revoke", post(revoke))
        .route("/__sim/refreshes", get(refreshes))
        .route("/__sim/webhooks", get(webhooks).delete(clear_webhooks))
        .route("/__sim/q16", put(q16))
        .route("/__sim/rate-limits", put(rate_limits))
        .route("/__sim/current-division", put(current_division))
        .route("/__sim/state", get(state))
        .with_state(shared)
}

fn bad(msg: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        AxumJson(json!({"error": msg.to_string()})),
    )
        .into_response()
}

/// Parse a control body without passing amounts through a float.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    let j = Json::parse(text)?;
    serde_json::from_value(j.to_serde_lossless()).map_err(|e| e.to_string())
}

async fn seed(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let seed: ExactSeed = match parse_body(&body) {
        Ok(s) => s,
        Err(e) => return bad(e),
    };
    let now = shared.core.clock.now();
    let mut inner = shared.lock();
    let mut attempt = inner.store.clone();
    let apps = seed.apps.clone();
    match attempt.apply_seed(seed, now) {
        Ok(report) => {
            inner.store = attempt;
            for app in apps {
                inner.oauth.register(app);
            }
            AxumJson(json!(report)).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.core.reset();
    *shared.lock() = Inner::default();
    StatusCode::NO_CONTENT
}

async fn apps(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let app: ClientApp = match parse_body(&body) {
        Ok(a) => a,
        Err(e) => return bad(e),
    };
    if app.client_id.is_empty() {
        return bad("client_id is required");
    }
    shared.lock().oauth.register(app);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Who {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
}

async fn tokens(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let who: Who = match parse_body(&body) {
        Ok(w) => w,
        Err(e) => return bad(e),
    };
    let Some(client_id) = who.client_id else {
        return bad("client_id is required");
    };
    let now = shared.core.clock.now();
    let mut inner = shared.lock();
    if inner.oauth.app(&client_id).is_none() {
        return bad(format!("unknown client app {client_id}"));
    }
    let t = inner
        .oauth
        .new_grant(&client_id, who.user.as_deref().unwrap_or(DEFAULT_USER), now);
    AxumJson(json!({
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "expires_in": t.expires_in,
    }))
    .into_response()
}

async fn revoke(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let who: Who = match parse_body(&body) {
        Ok(w) => w,
        Err(e) => return bad(e),
    };
    let mut inner = shared.lock();
    let revoked = match (who.refresh_token, who.client_id) {
        (Some(rt), _) => inner.oauth.revoke_by_refresh_token(&rt),
        (None, Some(c)) => inner
            .oauth
            .revoke(&c, who.user.as_deref().unwrap_or(DEFAULT_USER)),
        (None, None) => return bad("client_id or refresh_token is required"),
    };
    AxumJson(json!({ "revoked": revoked })).into_response()
}

async fn refreshes(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let pairs = decoded_pairs(uri.query());
    let Some((_, client_id)) = pairs.iter().find(|(k, _)| k == "client_id") else {
        return bad("client_id is required");
    };
    let n = shared.lock().oauth.refresh_count(client_id);
    AxumJson(json!({ "client_id": client_id, "refreshes": n })).into_response()
}

async fn webhooks(State(shared): State<Arc<Shared>>) -> Response {
    AxumJson(json!(shared.lock().outbox)).into_response()
}

async fn clear_webhooks(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().outbox.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Q16 {
    delay_ms: u64,
}

async fn q16(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let q: Q16 = match parse_body(&body) {
        Ok(q) => q,
        Err(e) => return bad(e),
    };
    shared.lock().q16_delay = Duration::from_millis(q.delay_ms);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Limits {
    minutely: u32,
    daily: u32,
}

async fn rate_limits(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let l: Limits = match parse_body(&body) {
        Ok(l) => l,
        Err(e) => return bad(e),
    };
    shared.lock().limiter.limits = crate::exact::rate_limit::RateLimits {
        minutely: l.minutely,
        daily: l.daily,
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Current {
    division: i32,
}

async fn current_division(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let c: Current = match parse_body(&body) {
        Ok(c) => c,
        Err(e) => return bad(e),
    };
    let mut inner = shared.lock();
    if !inner.store.divisions.contains_key(&c.division) {
        return bad(format!("unknown division {}", c.division));
    }
    inner.store.current_division = Some(c.division);
    StatusCode::NO_CONTENT.into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let inner = shared.lock();
    let s = &inner.store;
    AxumJson(json!({
        "divisions": s.divisions.values().collect::<Vec<_>>(),
        "current_division": s.current_division,
        "accounts": s.accounts,
        "gl_accounts": s.gl_accounts,
        "journals": s.journals,
        "vat_codes": s.vat_codes,
        "sales_entries": s.sales_entries,
        "bank_entries": s.bank_entries,
        "subscriptions": s.subscriptions,
        "webhook_subscriptions": s.webhook_subscriptions,
        "receivables": s.divisions.keys().flat_map(|d| s.receivables(*d)).collect::<Vec<_>>(),
    }))
    .into_response()
}
