//! Exact's error shapes: the OData error body of the REST API, the OAuth error bodies of the
//! token endpoint, and the simulator's own in-process error type.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::json::Json;

/// `{"error":{"code":"","message":{"lang":"","value":"…"}}}` — Exact's REST error body.
pub fn error_body(message: &str) -> Json {
    Json::obj([(
        "error",
        Json::obj([
            ("code", Json::str("")),
            (
                "message",
                Json::obj([("lang", Json::str("")), ("value", Json::str(message))]),
            ),
        ]),
    )])
}

/// A JSON response with Exact's content type.
pub fn json_response(status: StatusCode, body: &Json) -> Response {
    let mut resp = Response::new(Body::from(body.to_text()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// An error answered by the REST API, rendered with Exact's error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error.message.value` text.
    pub message: String,
    /// Extra response headers (`Reason`, `WWW-Authenticate`, rate-limit headers).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 500, as Exact answers business validation failures.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 404 for an entity that does not exist (or is not readable yet).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found")
    }

    /// The 401 Exact gives for a missing, unknown or expired access token.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized").with_header(
            "www-authenticate",
            "Bearer realm=\"Exact Online\", error=\"invalid_token\"",
        )
    }

    /// Add a response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &error_body(&self.message));
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                resp.headers_mut().insert(*name, v);
            }
        }
        resp
    }
}

/// The injected-fault flavour: faults look like Exact's own errors.
pub struct ExactFlavour;

impl crate::common::ErrorFlavour for ExactFlavour {
    fn error_response(
        &self,
        status: StatusCode,
        message: &str,
        retry_after_secs: Option<u64>,
    ) -> Response {
        let message = if status == StatusCode::TOO_MANY_REQUESTS {
            "Too many requests"
        } else {
            message
        };
        let mut err = ApiError::new(status, message);
        if let Some(secs) = retry_after_secs {
            err = err.with_header("retry-after", secs.to_string());
        }
        err.into_response()
    }
}

/// What an in-process call on [`super::ExactSim`] can fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExactSimError {
    /// The division was never seeded.
    #[error("unknown division {0}")]
    UnknownDivision(i32),
    /// No app with this client id is registered.
    #[error("unknown client app {0}")]
    UnknownClient(String),
    /// The seed refers to something missing or is inconsistent.
    #[error("invalid seed: {0}")]
    Invalid(String),
}
