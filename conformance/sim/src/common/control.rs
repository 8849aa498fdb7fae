//! The generic `/__sim/` control routes every simulator serves: health, quirk switches, faults,
//! clock and request log. Vendor modules add their own seeding routes beside these.
//!
//! | route | method | body / answer |
//! |---|---|---|
//! | `/__sim/health` | GET | `{"status":"ok","vendor":"exact"}` |
//! | `/__sim/switches` | GET / PUT | `{"Q01":true,…}`; PUT a partial map to flip switches |
//! | `/__sim/faults` | GET / POST / DELETE | POST a [`FaultSpec`] (or an array of them; a [`FaultRule`] is one); 204, or 400 `{"error":"…"}` for an invalid rule (nothing added). GET: the pending rules with what is left of them. DELETE clears them |
//! | `/__sim/clock` | GET / POST | `{"now":"…","speed_milli":1000}`; POST `{"advance_secs":600}`, `{"speed_milli":60000}` or `{"set":"RFC 3339"}` |
//! | `/__sim/requests` | GET / DELETE | the request log |

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

#[cfg(doc)]
use super::FaultRule;
use super::{FaultSpec, SimCore};

/// The generic control routes for `core`.
pub fn router(core: Arc<SimCore>) -> Router {
    Router::new()
        .route("/__sim/health", get(health))
        .route("/__sim/switches", get(get_switches).put(put_switches))
        .route(
            "/__sim/faults",
            get(get_faults).post(post_fault).delete(delete_faults),
        )
        .route("/__sim/clock", get(get_clock).post(post_clock))
        .route("/__sim/requests", get(get_requests).delete(delete_requests))
        .with_state(core)
}

async fn health(State(core): State<Arc<SimCore>>) -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "vendor": core.vendor}))
}

async fn get_switches(State(core): State<Arc<SimCore>>) -> Json<BTreeMap<String, bool>> {
    Json(core.switches.snapshot())
}

async fn put_switches(
    State(core): State<Arc<SimCore>>,
    Json(changes): Json<BTreeMap<String, bool>>,
) -> Response {
    let unknown: Vec<&String> = changes
        .keys()
        .filter(|k| !core.switches.snapshot().contains_key(*k))
        .collect();
    if !unknown.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("unknown quirk switches: {unknown:?}")})),
        )
            .into_response();
    }
    for (id, on) in &changes {
        core.switches.set(id, *on);
    }
    Json(core.switches.snapshot()).into_response()
}

async fn get_faults(State(core): State<Arc<SimCore>>) -> Json<Vec<FaultSpec>> {
    Json(core.faults.snapshot())
}

async fn post_fault(State(core): State<Arc<SimCore>>, body: axum::body::Bytes) -> Response {
    let bad =
        |msg: String| (StatusCode::BAD_REQUEST, Json(json!({ "error": msg }))).into_response();
    // An array of rules, or one rule.
    let parsed = if body.trim_ascii_start().starts_with(b"[") {
        serde_json::from_slice::<Vec<FaultSpec>>(&body)
    } else {
        serde_json::from_slice::<FaultSpec>(&body).map(|r| vec![r])
    };
    let rules = match parsed {
        Ok(r) => r,
        Err(e) => return bad(e.to_string()),
    };
    for (i, rule) in rules.iter().enumerate() {
        if let Err(e) = rule.validate() {
            return bad(if rules.len() > 1 {
                format!("rule {i}: {e}")
            } else {
                e
            });
        }
    }
    for rule in rules {
        core.faults.push(rule);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn delete_faults(State(core): State<Arc<SimCore>>) -> StatusCode {
    core.faults.clear();
    StatusCode::NO_CONTENT
}

fn clock_json(core: &SimCore) -> Json<serde_json::Value> {
    Json(json!({"now": core.clock.now().to_rfc3339(), "speed_milli": core.clock.speed_milli()}))
}

async fn get_clock(State(core): State<Arc<SimCore>>) -> Json<serde_json::Value> {
    clock_json(&core)
}

/// A clock change: any combination of the three, applied in the order set, speed, advance.
#[derive(Debug, Deserialize)]
struct ClockChange {
    #[serde(default)]
    set: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    speed_milli: Option<u64>,
    #[serde(default)]
    advance_secs: Option<u64>,
}

async fn post_clock(
    State(core): State<Arc<SimCore>>,
    Json(change): Json<ClockChange>,
) -> Json<serde_json::Value> {
    if let Some(at) = change.set {
        core.clock.set(at);
    }
    if let Some(speed) = change.speed_milli {
        core.clock.set_speed_milli(speed);
    }
    if let Some(secs) = change.advance_secs {
        core.clock.advance(Duration::from_secs(secs));
    }
    clock_json(&core)
}

async fn get_requests(State(core): State<Arc<SimCore>>) -> Json<serde_json::Value> {
    Json(json!(core.log.snapshot()))
}

async fn delete_requests(State(core): State<Arc<SimCore>>) -> StatusCode {
    core.log.clear();
    StatusCode::NO_CONTENT
}
