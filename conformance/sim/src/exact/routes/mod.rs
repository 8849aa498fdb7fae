//! The Exact simulator's HTTP surface: OAuth, the REST API and the control routes, wrapped in
//! the common request log and fault injection.

pub mod api;
pub mod control;
pub mod oauth;

use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use crate::common::{control as common_control, layer};

use super::state::Shared;

/// The complete router of one Exact simulator.
pub fn router(shared: Arc<Shared>) -> Router {
    let core = shared.core.clone();
    let vendor = Router::new()
        .route("/api/oauth2/auth", get(oauth::authorize))
        .route("/api/oauth2/token", post(oauth::token))
        .route("/api/v1/{*rest}", any(api::api))
        .with_state(shared.clone())
        .merge(control::router(shared))
        .merge(common_control::router(core.clone()));
    layer::instrument(vendor, core)
}
