//! Twinfield's own `/__sim/` control routes, served by the login host and every cluster (they
//! share one state), beside the generic ones of [`crate::common::control`].
//!
//! | route | method | body / answer |
//! |---|---|---|
//! | `/__sim/seed` | POST | a [`TwinfieldSeed`] as JSON → 204, or 400 `{"error"}` |
//! | `/__sim/demo` | POST | apply [`TwinfieldSeed::demo`] → 204 |
//! | `/__sim/reset` | POST | everything back to a fresh, empty simulator → 204 |
//! | `/__sim/tokens` | POST | `{"client_id","organisation"}` → a [`TokenSet`] without the browser dance |
//! | `/__sim/revoke` | POST | `{"refresh_token"}` or `{"client_id","organisation"}` → `{"revoked":n}` (T04) |
//! | `/__sim/credits` | GET / DELETE | the [`super::CreditReport`]; DELETE zeroes the counters |
//! | `/__sim/limits` | GET / PUT | the [`super::RateLimitConfig`]; PUT a partial object to change fields |
//! | `/__sim/clients/{client_id}/certified` | PUT | `{"certified":false}` |
//! | `/__sim/dimensions?office=X` | GET | the stored [`super::Dimension`]s of office X |
//! | `/__sim/transactions?office=X` | GET | the stored [`super::Transaction`]s of office X |
//! | `/__sim/offices/withheld` | GET / POST | GET `{"withheld": [office…]}`; POST `{"withhold": [office…], "restore": [office…]}` withholds the user's right on offices or gives it back (T14) |

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::model::{RateLimitConfig, TwinfieldSeed};
use super::{Shared, TwinfieldSim};

/// The vendor control routes.
pub(crate) fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route("/__sim/seed", post(seed))
        .route("/__sim/demo", post(demo))
        .route("/__sim/reset", post(reset))
        .route("/__sim/tokens", post(tokens))
        .route("/__sim/revoke", post(revoke))
        .route("/__sim/credits", get(credits).delete(reset_credits))
        .route("/__sim/limits", get(limits).put(put_limits))
        .route("/__sim/clients/{client_id}/certified", put(certified))
        .route("/__sim/dimensions", get(dimensions))
        .route("/__sim/transactions", get(transactions))
        .route(
            "/__sim/offices/withheld",
            get(withheld_offices).post(change_withheld_offices),
        )
        .with_state(sh)
}

async fn withheld_offices(State(sh): State<Arc<Shared>>) -> Json<Value> {
    let offices: Vec<String> = sh.lock().withheld_offices.iter().cloned().collect();
    Json(json!({ "withheld": offices }))
}

/// `POST /__sim/offices/withheld`: offices whose right to withhold or give back (T14).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WithheldOffices {
    withhold: Vec<String>,
    restore: Vec<String>,
}

async fn change_withheld_offices(
    State(sh): State<Arc<Shared>>,
    Json(change): Json<WithheldOffices>,
) -> StatusCode {
    let mut st = sh.lock();
    for office in change.withhold {
        st.withheld_offices.insert(office);
    }
    for office in change.restore {
        st.withheld_offices.remove(&office);
    }
    StatusCode::NO_CONTENT
}

fn bad_request(msg: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": msg.to_string()})),
    )
        .into_response()
}

async fn seed(State(sh): State<Arc<Shared>>, Json(seed): Json<TwinfieldSeed>) -> Response {
    match TwinfieldSim::apply_seed(&sh, seed) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad_request(e),
    }
}

async fn demo(State(sh): State<Arc<Shared>>) -> Response {
    match TwinfieldSim::apply_seed(&sh, TwinfieldSeed::demo()) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad_request(e),
    }
}

async fn reset(State(sh): State<Arc<Shared>>) -> StatusCode {
    TwinfieldSim::reset_shared(&sh);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenRequest {
    client_id: String,
    organisation: String,
}

async fn tokens(State(sh): State<Arc<Shared>>, Json(req): Json<TokenRequest>) -> Response {
    match TwinfieldSim::issue_tokens_shared(&sh, &req.client_id, &req.organisation) {
        Ok(t) => Json(t).into_response(),
        Err(e) => bad_request(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeRequest {
    refresh_token: Option<String>,
    client_id: Option<String>,
    organisation: Option<String>,
}

async fn revoke(State(sh): State<Arc<Shared>>, Json(req): Json<RevokeRequest>) -> Response {
    let mut st = sh.lock();
    let n = match (req.refresh_token, req.client_id, req.organisation) {
        (Some(rt), _, _) => usize::from(st.revoke_refresh(&rt)),
        (None, Some(c), Some(o)) => st.revoke_client_org(&c, &o),
        _ => return bad_request("give refresh_token, or client_id and organisation"),
    };
    Json(json!({"revoked": n})).into_response()
}

async fn credits(State(sh): State<Arc<Shared>>) -> Response {
    Json(sh.limiter.report(sh.core.clock.now())).into_response()
}

async fn reset_credits(State(sh): State<Arc<Shared>>) -> StatusCode {
    sh.limiter.reset_counters();
    StatusCode::NO_CONTENT
}

async fn limits(State(sh): State<Arc<Shared>>) -> Json<RateLimitConfig> {
    Json(sh.limiter.config())
}

async fn put_limits(State(sh): State<Arc<Shared>>, Json(patch): Json<Value>) -> Response {
    let mut current = match serde_json::to_value(sh.limiter.config()) {
        Ok(v) => v,
        Err(e) => return bad_request(e),
    };
    let (Some(cur), Some(p)) = (current.as_object_mut(), patch.as_object()) else {
        return bad_request("a JSON object is expected");
    };
    for (k, v) in p {
        if !cur.contains_key(k) {
            return bad_request(format!("unknown field {k}"));
        }
        cur.insert(k.clone(), v.clone());
    }
    match serde_json::from_value::<RateLimitConfig>(current) {
        Ok(cfg) => {
            sh.limiter.set_config(cfg.clone());
            Json(cfg).into_response()
        }
        Err(e) => bad_request(e),
    }
}

#[derive(Deserialize)]
struct Certified {
    certified: bool,
}

async fn certified(
    State(sh): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    Json(body): Json<Certified>,
) -> StatusCode {
    sh.limiter.set_client_certified(&client_id, body.certified);
    StatusCode::NO_CONTENT
}

async fn dimensions(
    State(sh): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let office = q.get("office").cloned().unwrap_or_default();
    let st = sh.lock();
    match st.offices.get(&office) {
        Some(o) => Json(o.dims.values().cloned().collect::<Vec<_>>()).into_response(),
        None => bad_request(format!("unknown office {office}")),
    }
}

async fn transactions(
    State(sh): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let office = q.get("office").cloned().unwrap_or_default();
    let st = sh.lock();
    match st.offices.get(&office) {
        Some(o) => Json(o.txs.values().map(|t| t.tx.clone()).collect::<Vec<_>>()).into_response(),
        None => bad_request(format!("unknown office {office}")),
    }
}
