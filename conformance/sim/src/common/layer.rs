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
        body: String::from_utf8_lossy(&body[..cut]).into_owned(),
        status,
    });
}
