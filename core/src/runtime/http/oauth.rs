//! OAuth token requests through the connection's [`HttpClient`] (host policy, no cross-host
//! redirects, size cap, tracing), and the one mapping of token-endpoint failures to core errors
//! used by every vendor that speaks OAuth.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use oauth2::{HttpRequest, HttpResponse, RequestTokenError};
use reqwest::Method;

use super::client::{HttpClient, Request};
use crate::error::{Error, ErrorKind, VendorError};
use crate::runtime::token::is_dead_grant;
use crate::vendor::Vendor;

/// What the token endpoint answered, kept for the error mapping.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The HTTP status.
    pub status: Option<u16>,
    /// Exact's `Reason` header (`TooEarlyToRefreshTokens`…).
    pub reason: Option<String>,
    /// The first 500 characters of an error body (never of a success: it holds tokens).
    pub error_body: Option<String>,
}

/// The `oauth2` crate's HTTP client over an [`HttpClient`], recording what came back.
pub struct OAuthHttp<'a> {
    http: &'a HttpClient,
    seen: Mutex<Seen>,
}

impl<'a> OAuthHttp<'a> {
    /// A recorder sending through `http`.
    pub fn new(http: &'a HttpClient) -> Self {
        Self {
            http,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// What the endpoint answered.
    pub fn seen(&self) -> Seen {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp<'_> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = url::Url::parse(&parts.uri.to_string())
                .map_err(|e| Error::config(format!("the token endpoint is not a URL: {e}")))?;
            let method = Method::from_bytes(parts.method.as_str().as_bytes())
                .map_err(|_| Error::config("bad token request method"))?;
            let mut req = Request::new(method, url);
            req.headers = parts.headers;
            for v in req.headers.values_mut() {
                v.set_sensitive(true);
            }
            req.body = Some(body.into());
            // A token request changes the grant (Exact rotates it), but it is not a ledger write:
            // an uncertain refresh is the broker's to resolve.
            let answer = self.http.execute(req, false).await?;
            if let Ok(mut seen) = self.seen.lock() {
                seen.status = Some(answer.status);
                seen.reason = answer.header("Reason").map(str::to_string);
                if !answer.is_success() {
                    seen.error_body = Some(
                        String::from_utf8_lossy(&answer.body)
                            .chars()
                            .take(500)
                            .collect(),
                    );
                }
            }
            let mut out = oauth2::http::Response::builder()
                .status(answer.status)
                .body(answer.body.to_vec())
                .map_err(|e| Error::protocol(format!("bad token response: {e}")))?;
            *out.headers_mut() = answer.headers;
            Ok(out)
        })
    }
}

/// Map a failed token request to a core error, the same way for every vendor:
///
/// 1. a transport failure is the transport's error (`Unavailable`, its cause as source);
/// 2. a dead grant (`invalid_grant`, `invalid_request`, `Old refresh token used`, or an expired
///    refresh token) is `ReconsentRequired` — whatever else the answer says (T04);
/// 3. a refresh refused as too early (Exact's `TooEarlyToRefreshTokens`) is `RateLimited`;
/// 4. a client the endpoint does not know (`invalid_client`, `unauthorized_client`) is `Config`;
/// 5. other 400/401/403 answers are `Unauthenticated`, 5xx `Unavailable`, anything else
///    `Protocol`. The body of an answer that is not a token response is never repeated (it may
///    hold tokens).
pub fn token_error<T: oauth2::ErrorResponse + 'static>(
    vendor: Vendor,
    operation: &'static str,
    e: RequestTokenError<Error, T>,
    seen: &Seen,
) -> Error {
    let status = seen.status;
    let e = match e {
        RequestTokenError::Request(inner) => {
            return inner.with_vendor(vendor).with_operation(operation)
        }
        other => other,
    };
    let (code, description) = match &e {
        RequestTokenError::ServerResponse(r) => error_fields(r),
        _ => (None, seen.error_body.clone()),
    };
    let text = format!(
        "{} {}",
        code.as_deref().unwrap_or_default(),
        description.as_deref().unwrap_or_default()
    );
    let refresh = operation == "refresh_token";
    let too_early = seen
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("TooEarlyToRefreshTokens"))
        || text.contains("access_token not expired");
    // The vendor's dead-grant words win over everything; an "expired" refresh token counts when
    // the answer is not the too-early one (whose text says "not expired").
    let dead = is_dead_grant(&text)
        || (refresh
            && !too_early
            && matches!(status, Some(400) | Some(401))
            && text.to_ascii_lowercase().contains("expired"));
    let kind = if dead {
        ErrorKind::ReconsentRequired
    } else if too_early {
        ErrorKind::RateLimited { retry_after: None }
    } else if matches!(
        code.as_deref(),
        Some("invalid_client") | Some("unauthorized_client")
    ) {
        ErrorKind::Config
    } else {
        match status {
            Some(400) | Some(401) | Some(403) => ErrorKind::Unauthenticated,
            Some(s) if s >= 500 => ErrorKind::Unavailable,
            _ => ErrorKind::Protocol,
        }
    };
    let message = match (&kind, &e) {
        (ErrorKind::ReconsentRequired, _) => format!(
            "{vendor} refused the refresh token: the grant is dead, a person must consent again"
        ),
        (ErrorKind::RateLimited { .. }, _) => format!(
            "{vendor} refused a refresh this soon after the previous one (TooEarlyToRefreshTokens)"
        ),
        (_, RequestTokenError::Parse(..)) => format!(
            "{vendor}'s token endpoint answered {} with a body that is not a token response",
            status.map(|s| s.to_string()).unwrap_or_default()
        ),
        (_, RequestTokenError::Other(o)) => format!("{vendor}'s token endpoint: {o}"),
        _ => format!(
            "{vendor}'s token endpoint refused the request ({})",
            code.as_deref().unwrap_or("error")
        ),
    };
    Error::new(kind, message)
        .with_vendor(vendor)
        .with_operation(operation)
        .with_vendor_error(VendorError {
            code: code.or_else(|| status.map(|s| s.to_string())),
            message: description.or_else(|| seen.reason.clone()),
            location: None,
            reference: seen.reason.clone(),
            ..Default::default()
        })
}

fn error_fields<T: oauth2::ErrorResponse>(r: &T) -> (Option<String>, Option<String>) {
    // `ErrorResponse` only promises Serialize: read the standard fields from its JSON form.
    let v = serde_json::to_value(r).unwrap_or_default();
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    (s("error"), s("error_description"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::basic::BasicErrorResponse;

    fn refused(body: &str, status: u16, reason: Option<&str>) -> Error {
        let body: BasicErrorResponse = serde_json::from_str(body).unwrap();
        let seen = Seen {
            status: Some(status),
            reason: reason.map(str::to_string),
            error_body: None,
        };
        token_error(
            Vendor::Exact,
            "refresh_token",
            RequestTokenError::ServerResponse(body),
            &seen,
        )
    }

    #[test]
    fn t04_dead_grants_are_reconsent_required_on_every_vendor() {
        let e = refused(
            r#"{"error":"unauthorized_client","error_description":"Old refresh token used."}"#,
            401,
            None,
        );
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
        assert!(!e.is_retryable());
        let e = refused(
            r#"{ "error":"invalid_grant","error_description":"Token is not allowed, because of invalid or empty chainId" }"#,
            400,
            None,
        );
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
        // Twinfield's answer to a revoked refresh token.
        let e = refused(r#"{"error":"invalid_request"}"#, 400, None);
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
    }

    #[test]
    fn a_revoked_grant_within_the_refresh_interval_is_still_reconsent() {
        // Exact answers a dead grant with the TooEarly reason when it comes within 570 s: it is
        // the grant that is dead, not a wait of 570 s that would help.
        let e = refused(
            r#"{"error":"invalid_grant","error_description":"Old refresh token used."}"#,
            400,
            Some("TooEarlyToRefreshTokens: Rate limit exceeded"),
        );
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
    }

    #[test]
    fn too_early_is_rate_limited_and_bad_clients_are_config() {
        let e = refused(
            r#"{ "error":"access_denied","error_description":"Rate limit exceeded: access_token not expired" }"#,
            400,
            Some("TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"),
        );
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        let e = refused(r#"{"error":"invalid_client"}"#, 401, None);
        assert_eq!(*e.kind(), ErrorKind::Config);
    }
}
