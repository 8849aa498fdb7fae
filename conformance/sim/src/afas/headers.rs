//! The headers AFAS Profit's proxy puts on its answers, as its OpenAPI description documents
//! them for the connector responses (AFASSoftware/OASContent `OpenApiSpecs/profit/en/Mutaties.json`,
//! `components.responses`): caching off, HSTS, the proxy's version, and the two
//! content-sniffing and framing guards. A client that reads them (or chokes on them) meets them
//! here as it would at AFAS.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

/// The documented headers, in the order the description lists them.
pub const PROFIT_HEADERS: &[(&str, &str)] = &[
    ("cache-control", "no-store, no-cache"),
    ("strict-transport-security", "max-age=31536000"),
    ("x-afas-proxy-version", "4.3.0.0"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "deny"),
];

/// Add [`PROFIT_HEADERS`] to an answer that does not carry them yet.
pub(crate) async fn profit_headers(mut resp: Response) -> Response {
    let headers = resp.headers_mut();
    for (name, value) in PROFIT_HEADERS {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}
