//! AFAS Profit's error shapes.
//!
//! Functional and validation errors are HTTP 500 (sometimes 400/401/404/413) with
//! `{"externalMessage": "…", "errorNumber": -2147…, "profitLogReference": "<32 hex>"}` and the same
//! text base64-encoded in the (obsolete) `X-PROFIT-ERROR` header. Overload and maintenance are a
//! 503 with `{"error":{"code":"503","message":"…"},"retry_after":N}` and a `Retry-After` header.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::common::ErrorFlavour;

/// The generic "unexpected error" number AFAS answers for most failures.
pub const ERR_UNEXPECTED: i64 = -2_147_180_999;
/// The number AFAS uses for validation messages ("The entered value … does not exist").
pub const ERR_VALIDATION: i64 = -2_147_220_469;
/// The number AFAS uses for "connector not supported / not authorised" and general messages.
pub const ERR_GENERAL: i64 = -2_147_180_996;

/// An error answered in AFAS's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfasError {
    /// HTTP status (500 for nearly everything functional).
    pub status: StatusCode,
    /// The `externalMessage` text.
    pub message: String,
    /// The `errorNumber`.
    pub error_number: i64,
    /// Answer the bare `{"message": "…"}` shape AFAS uses for unparsable JSON instead.
    pub plain: bool,
}

impl AfasError {
    /// A functional error: HTTP 500 with the validation error number.
    pub fn validation(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
            error_number: ERR_VALIDATION,
            plain: false,
        }
    }

    /// A generic failure: HTTP 500, "unexpected error" number.
    pub fn unexpected(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
            error_number: ERR_UNEXPECTED,
            plain: false,
        }
    }

    /// A general message (connector not supported, not authorised): HTTP 500.
    pub fn general(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
            error_number: ERR_GENERAL,
            plain: false,
        }
    }

    /// The `{"message":"Invalid json"}` answer (HTTP 400) to a body that is not JSON.
    pub fn invalid_json() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "Invalid json".to_string(),
            error_number: ERR_UNEXPECTED,
            plain: true,
        }
    }

    /// Any status with the AFAS body.
    pub fn with_status(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            error_number: ERR_UNEXPECTED,
            plain: false,
        }
    }
}

/// A fresh `profitLogReference`: 32 upper-case hex characters.
pub fn log_reference() -> String {
    uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase()
}

/// The AFAS error body for `message`.
pub fn error_body(message: &str, error_number: i64) -> serde_json::Value {
    serde_json::json!({
        "externalMessage": message,
        "errorNumber": error_number,
        "profitLogReference": log_reference(),
    })
}

impl IntoResponse for AfasError {
    fn into_response(self) -> Response {
        if self.plain {
            let body = serde_json::json!({"message": self.message});
            return (self.status, axum::Json(body)).into_response();
        }
        let body = error_body(&self.message, self.error_number);
        let mut resp = (self.status, axum::Json(body)).into_response();
        let encoded = base64::engine::general_purpose::STANDARD.encode(self.message.as_bytes());
        if let Ok(v) = HeaderValue::from_str(&encoded) {
            resp.headers_mut().insert("x-profit-error", v);
        }
        resp
    }
}

/// The 503 AFAS answers under load or maintenance, with `retry_after` seconds in the body and
/// the `Retry-After` header.
pub fn unavailable(message: &str, retry_after_secs: u64) -> Response {
    let body = serde_json::json!({
        "error": {"code": "503", "message": message},
        "retry_after": retry_after_secs,
    });
    let mut resp = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    resp.headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after_secs));
    resp
}

/// How injected faults look on the AFAS simulator: a 503 in the maintenance/overload shape,
/// anything else in the `externalMessage` shape (with `Retry-After` when given).
#[derive(Debug, Clone, Copy, Default)]
pub struct AfasFlavour;

impl ErrorFlavour for AfasFlavour {
    fn error_response(
        &self,
        status: StatusCode,
        message: &str,
        retry_after_secs: Option<u64>,
    ) -> Response {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return unavailable(message, retry_after_secs.unwrap_or(1));
        }
        let mut resp = AfasError {
            status,
            message: message.to_string(),
            error_number: ERR_UNEXPECTED,
            plain: false,
        }
        .into_response();
        if let Some(secs) = retry_after_secs {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }
}
