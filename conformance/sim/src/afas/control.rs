//! AFAS-specific control routes under `/__sim/` (beside the generic ones of
//! [`crate::common::control`]):
//!
//! | route | method | body / answer |
//! |---|---|---|
//! | `/__sim/seed` | POST | an [`AfasSeed`] → `{"seeded": SeedSummary}`; 400 `{"error"}` when invalid |
//! | `/__sim/reset` | POST | back to the demo environment, default token, switches on, log and faults cleared |
//! | `/__sim/token` | GET / POST | GET `{"token": xml, "authorization": header}`; POST `{"data": "HEX"}` rotates the token |
//! | `/__sim/load` | GET / POST | a [`Load`]: background calls occupying the 8 slots, `retry_after_secs`, `processing_delay_ms` |
//! | `/__sim/state` | GET | `{"debtors": […], "entries": […], "open_items": […]}` for assertions |
//! | `/__sim/counts` | GET | requests per connector id |
//! | `/__sim/connectors` | GET / POST | GET `{"withheld": [id…]}`; POST `{"withhold": [id…], "restore": [id…]}` leaves connectors out of the App Connector or puts them back (T15) |

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::app::Shared;
use super::auth;
use super::model::AfasSeed;
use super::state::{AfasState, Load};

/// The AFAS control routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sim/seed", post(seed))
        .route("/__sim/reset", post(reset))
        .route("/__sim/token", get(get_token).post(post_token))
        .route("/__sim/load", get(get_load).post(post_load))
        .route("/__sim/state", get(get_state))
        .route("/__sim/counts", get(get_counts))
        .route("/__sim/connectors", get(get_withheld).post(post_withheld))
}

async fn get_withheld(State(app): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let withheld: Vec<String> = app.lock().withheld.iter().cloned().collect();
    Json(json!({ "withheld": withheld }))
}

/// `POST /__sim/connectors`: connectors to withhold and to restore (T15).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WithheldChange {
    withhold: Vec<String>,
    restore: Vec<String>,
}

async fn post_withheld(
    State(app): State<Arc<Shared>>,
    Json(change): Json<WithheldChange>,
) -> StatusCode {
    let mut state = app.lock();
    for id in change.withhold {
        state.withheld.insert(id.to_ascii_lowercase());
    }
    for id in change.restore {
        state.withheld.remove(&id.to_ascii_lowercase());
    }
    StatusCode::NO_CONTENT
}

/// Reset the state to a fresh demo environment.
pub fn reset_state(app: &Shared) {
    let now = app.now_local();
    let mut fresh = AfasState::empty();
    // The demo seed is valid by construction; an error would leave an empty state.
    let _ = fresh.apply_seed(AfasSeed::demo(), now);
    *app.lock() = fresh;
}

async fn seed(State(app): State<Arc<Shared>>, Json(seed): Json<AfasSeed>) -> Response {
    let now = app.now_local();
    match app.lock().apply_seed(seed, now) {
        Ok(summary) => Json(json!({"seeded": summary})).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    }
}

async fn reset(State(app): State<Arc<Shared>>) -> StatusCode {
    app.core.reset();
    reset_state(&app);
    StatusCode::NO_CONTENT
}

async fn get_token(State(app): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let data = app.lock().token_data.clone();
    Json(
        json!({"token": auth::token_xml(&data), "authorization": auth::authorization_header(&data)}),
    )
}

#[derive(Debug, Deserialize)]
struct TokenChange {
    data: String,
}

async fn post_token(State(app): State<Arc<Shared>>, Json(change): Json<TokenChange>) -> StatusCode {
    app.lock().token_data = change.data;
    StatusCode::NO_CONTENT
}

async fn get_load(State(app): State<Arc<Shared>>) -> Json<Load> {
    Json(app.lock().load)
}

async fn post_load(State(app): State<Arc<Shared>>, Json(load): Json<Load>) -> Json<Load> {
    app.lock().load = load;
    Json(load)
}

async fn get_state(State(app): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let s = app.lock();
    Json(json!({
        "debtors": s.debtors.values().collect::<Vec<_>>(),
        "entries": s.entries.values().collect::<Vec<_>>(),
        "open_items": s.open_items.values().collect::<Vec<_>>(),
    }))
}

async fn get_counts(State(app): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(json!(app.lock().request_counts))
}
