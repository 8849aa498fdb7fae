//! OAuth 2 with Exact Online through the `oauth2` crate (reference §1, T01, T04, Q04).
//!
//! - [`ExactOAuth::authorize_url`]: the consent URL with a fresh `state` (and `force_login=0`);
//!   [`ExactOAuth::exchange_code`] checks the `state` the redirect brought back (constant time),
//!   decodes the `%21` Exact leaves in codes, and exchanges the single-use code.
//! - [`ExactOAuth`] is the [`TokenRefresher`] of the core token broker: the broker serialises
//!   refreshes per connection (in memory or through Redis across processes) and stores the
//!   rotated pair before anyone uses it (Q04). Exact refuses refreshes within 570 s of the
//!   previous one, which [`TokenRefresher::min_refresh_interval`] tells the broker.
//! - Token responses are read with a tolerant `expires_in` (Exact sends the string `"600"`; a
//!   number is accepted too) and a case-insensitive `token_type` (T01).
//! - A dead grant (`Old refresh token used`, `invalid_grant`, an expired refresh token) is
//!   [`ErrorKind::ReconsentRequired`], never retried (T04). Tokens never appear in errors.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use grootboek_core::runtime::{Clock, TokenPair, TokenRefresher};
use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};
use subtle::ConstantTimeEq;

use crate::config::ExactConfig;

/// Exact's minimum interval between two refreshes of one chain (reference §1.6).
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(570);

/// Exact's access token lifetime when a response leaves `expires_in` out (reference §1.5).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// Largest token endpoint response read.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

/// Exact's token response: `expires_in` as a string or a number, `token_type` in any case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExactTokenResponse {
    access_token: oauth2::AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "seconds_string_or_number")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(skip)]
    scopes: Option<Vec<Scope>>,
}

fn seconds_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Float(f64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Float(f)) if f.is_finite() && f >= 0.0 => Ok(Some(f.trunc() as u64)),
        Some(Raw::Float(_)) => Err(serde::de::Error::custom("expires_in is not a duration")),
        Some(Raw::Text(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expires_in is not a number of seconds")),
    }
}

impl oauth2::TokenResponse for ExactTokenResponse {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    ExactTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the token endpoint answered, kept for error mapping (status, `Reason` header, body text).
#[derive(Debug, Default, Clone)]
struct Seen {
    status: Option<u16>,
    reason: Option<String>,
    error_body: Option<String>,
}

/// The `oauth2` HTTP client: reqwest, with a response size cap, recording what came back.
struct Recorder<'a> {
    http: &'a reqwest::Client,
    seen: Mutex<Seen>,
}

/// A transport failure talking to the token endpoint (no secrets in its text).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(String);

impl<'c> oauth2::AsyncHttpClient<'c> for Recorder<'_> {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TransportError(format!("cannot build the token request: {e}")))?;
            let mut response = self.http.execute(request).await.map_err(|e| {
                TransportError(format!(
                    "the token endpoint could not be reached: {}",
                    e.without_url()
                ))
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| TransportError(format!("token response lost: {}", e.without_url())))?
            {
                if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
                    return Err(TransportError("the token response is too large".into()));
                }
                body.extend_from_slice(&chunk);
            }
            if let Ok(mut seen) = self.seen.lock() {
                seen.status = Some(status.as_u16());
                seen.reason = headers
                    .get("Reason")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if !status.is_success() {
                    let text: String = String::from_utf8_lossy(&body).chars().take(500).collect();
                    seen.error_body = Some(text);
                }
            }
            let mut out = http_response(status.as_u16(), body)?;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

fn http_response(status: u16, body: Vec<u8>) -> Result<HttpResponse, TransportError> {
    oauth2::http::Response::builder()
        .status(status)
        .body(body)
        .map_err(|e| TransportError(format!("bad token response: {e}")))
}

/// The OAuth side of one Exact app: consent URL, code exchange and refresh.
#[derive(Clone)]
pub struct ExactOAuth {
    client: OAuthClient,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ExactOAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactOAuth")
            .field("client_id", &self.client.client_id().as_str())
            .field("token_url", &self.client.token_uri().as_str())
            .finish_non_exhaustive()
    }
}

/// The consent URL and the `state` to expect back on the redirect.
#[derive(Debug, Clone)]
pub struct Consent {
    /// Send the user's browser here.
    pub url: url::Url,
    /// The `state` the redirect must carry; keep it in the user's session.
    pub state: String,
}

impl ExactOAuth {
    /// The OAuth client of `config`'s app, sending through `http`.
    pub fn new(config: &ExactConfig, http: reqwest::Client) -> Result<Self> {
        let auth = AuthUrl::new(config.authorize_endpoint()?)
            .map_err(|e| Error::config(format!("Exact authorize URL: {e}")))?;
        let token = TokenUrl::new(config.token_endpoint()?)
            .map_err(|e| Error::config(format!("Exact token URL: {e}")))?;
        let mut client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_string(),
            ))
            .set_auth_uri(auth)
            .set_token_uri(token)
            // Exact wants the credentials in the form body, not HTTP Basic (reference §1.3).
            .set_auth_type(AuthType::RequestBody);
        if let Some(r) = &config.redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(r.clone())
                    .map_err(|e| Error::config(format!("Exact redirect URI: {e}")))?,
            );
        }
        Ok(Self {
            client,
            http,
            clock: config.clock.clone(),
        })
    }

    /// The consent URL with a fresh random `state`.
    pub fn authorize_url(&self) -> Consent {
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_extra_param("force_login", "0")
            .url();
        Consent {
            url,
            state: state.secret().clone(),
        }
    }

    /// Exchange the code of a redirect for a token pair, after checking that the redirect's
    /// `state` is the one [`ExactOAuth::authorize_url`] handed out (constant-time compare).
    /// Exact's codes hold `!`, which may arrive encoded as `%21`: it is decoded first.
    pub async fn exchange_code(
        &self,
        code: &str,
        returned_state: &str,
        expected_state: &str,
    ) -> Result<TokenPair> {
        let same: bool = returned_state
            .as_bytes()
            .ct_eq(expected_state.as_bytes())
            .into();
        if !same || expected_state.is_empty() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the consent redirect carries another state than the one handed out",
            )
            .with_vendor(Vendor::Exact)
            .with_operation("exchange_code"));
        }
        let code = code.trim().replace("%21", "!");
        let recorder = Recorder {
            http: &self.http,
            seen: Mutex::new(Seen::default()),
        };
        let issued_at = self.clock.now();
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .request_async(&recorder)
            .await;
        let seen = recorder.seen.lock().map(|s| s.clone()).unwrap_or_default();
        let response = answer.map_err(|e| map_token_error(e, &seen, "exchange_code"))?;
        pair_of(response, issued_at, None, "exchange_code")
    }

    /// Refresh a pair (the rotation: the answer holds a new refresh token).
    pub async fn refresh_pair(&self, current: &TokenPair) -> Result<TokenPair> {
        let recorder = Recorder {
            http: &self.http,
            seen: Mutex::new(Seen::default()),
        };
        let issued_at = self.clock.now();
        let refresh = RefreshToken::new(current.refresh_token.expose_secret().to_string());
        let answer = self
            .client
            .exchange_refresh_token(&refresh)
            .request_async(&recorder)
            .await;
        let seen = recorder.seen.lock().map(|s| s.clone()).unwrap_or_default();
        let response = answer.map_err(|e| map_token_error(e, &seen, "refresh_token"))?;
        pair_of(response, issued_at, Some(current), "refresh_token")
    }
}

fn pair_of(
    r: ExactTokenResponse,
    issued_at: chrono::DateTime<Utc>,
    previous: Option<&TokenPair>,
    operation: &'static str,
) -> Result<TokenPair> {
    use oauth2::TokenResponse;
    let access = r.access_token().secret().clone();
    if access.trim().is_empty() {
        return Err(
            Error::protocol("Exact's token response holds an empty access token")
                .with_vendor(Vendor::Exact)
                .with_operation(operation),
        );
    }
    let refresh = match (r.refresh_token(), previous) {
        (Some(t), _) => t.secret().clone(),
        // Exact always rotates; a missing refresh token would leave us without a grant.
        (None, _) => {
            return Err(
                Error::protocol("Exact's token response holds no refresh token")
                    .with_vendor(Vendor::Exact)
                    .with_operation(operation),
            )
        }
    };
    let lifetime = r.expires_in().unwrap_or(DEFAULT_LIFETIME);
    let mut pair = TokenPair::from_expires_in(access, refresh, issued_at, lifetime);
    if let Some(p) = previous {
        pair.metadata = p.metadata.clone();
    }
    Ok(pair)
}

fn map_token_error(
    e: RequestTokenError<TransportError, BasicErrorResponse>,
    seen: &Seen,
    operation: &'static str,
) -> Error {
    let status = seen.status;
    let reason = seen.reason.clone();
    let (code, description) = match &e {
        RequestTokenError::ServerResponse(r) => (
            Some(r.error().as_ref().to_string()),
            r.error_description().cloned(),
        ),
        _ => (None, seen.error_body.clone()),
    };
    let vendor_error = VendorError {
        code: code.clone().or_else(|| status.map(|s| s.to_string())),
        message: description.clone().or_else(|| reason.clone()),
        location: None,
        reference: reason.clone(),
    };
    let text = format!(
        "{} {}",
        code.as_deref().unwrap_or_default(),
        description.as_deref().unwrap_or_default()
    );
    let too_early = reason
        .as_deref()
        .is_some_and(|r| r.contains("TooEarlyToRefreshTokens"))
        || text.contains("access_token not expired");
    let kind = match &e {
        RequestTokenError::Request(_) => ErrorKind::Unavailable,
        _ if too_early => ErrorKind::RateLimited { retry_after: None },
        _ if grootboek_core::runtime::is_dead_grant(&text) => ErrorKind::ReconsentRequired,
        _ if operation == "refresh_token"
            && matches!(status, Some(400) | Some(401))
            && text.to_ascii_lowercase().contains("expired") =>
        {
            ErrorKind::ReconsentRequired
        }
        _ if operation == "exchange_code" && status == Some(400) => ErrorKind::Unauthenticated,
        _ if matches!(status, Some(401) | Some(403)) => ErrorKind::Unauthenticated,
        _ if status.is_some_and(|s| s >= 500) => ErrorKind::Unavailable,
        _ => ErrorKind::Protocol,
    };
    let message = match (&e, &kind) {
        (_, ErrorKind::ReconsentRequired) => {
            "Exact refused the refresh token: the grant is dead, a person must consent again"
                .to_string()
        }
        (_, ErrorKind::RateLimited { .. }) => {
            "Exact refused a refresh within 570 s of the previous one (TooEarlyToRefreshTokens)"
                .to_string()
        }
        (RequestTokenError::Request(t), _) => t.0.clone(),
        // The body of a response that did not parse may hold tokens: never repeat it.
        (RequestTokenError::Parse(..), _) => format!(
            "Exact's token endpoint answered {} with a body that is not a token response",
            status.map(|s| s.to_string()).unwrap_or_default()
        ),
        (RequestTokenError::Other(o), _) => format!("Exact's token endpoint: {o}"),
        (RequestTokenError::ServerResponse(_), _) => format!(
            "Exact's token endpoint refused the request ({})",
            code.as_deref().unwrap_or("error")
        ),
    };
    Error::new(kind, message)
        .with_vendor(Vendor::Exact)
        .with_operation(operation)
        .with_vendor_error(vendor_error)
}

#[async_trait]
impl TokenRefresher for ExactOAuth {
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair> {
        self.refresh_pair(current).await
    }

    fn min_refresh_interval(&self) -> Duration {
        MIN_REFRESH_INTERVAL
    }
}

/// Pull `code` and `state` out of a redirect URL (`…?code=…&state=…`).
pub fn parse_redirect(redirect: &str) -> Result<(String, String)> {
    let url = url::Url::parse(redirect)
        .map_err(|e| Error::validation(format!("the redirect is not a URL: {e}")))?;
    let mut code = None;
    let mut state = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    format!("the consent was refused: {v}"),
                )
                .with_vendor(Vendor::Exact)
                .with_operation("authorize"))
            }
            _ => {}
        }
    }
    match (code, state) {
        (Some(c), Some(s)) => Ok((c, s)),
        _ => Err(Error::validation("the redirect carries no code and state")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::TokenResponse;

    #[test]
    fn t01_expires_in_as_string_or_number_and_any_token_type_case() {
        let s: ExactTokenResponse = serde_json::from_str(
            r#"{"access_token":"AAEAAGxW","token_type":"bearer","expires_in":"600","refresh_token":"Gcp7!IAAA"}"#,
        )
        .unwrap();
        assert_eq!(s.expires_in(), Some(Duration::from_secs(600)));
        assert_eq!(s.token_type(), &BasicTokenType::Bearer);
        let n: ExactTokenResponse = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":600,"refresh_token":"r"}"#,
        )
        .unwrap();
        assert_eq!(n.expires_in(), Some(Duration::from_secs(600)));
        let none: ExactTokenResponse =
            serde_json::from_str(r#"{"access_token":"a","token_type":"Bearer"}"#).unwrap();
        assert_eq!(none.expires_in(), None);
        assert!(serde_json::from_str::<ExactTokenResponse>(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"ten minutes"}"#
        )
        .is_err());
        // Debug of the response never shows the token text.
        assert!(!format!("{s:?}").contains("AAEAAGxW"));
    }

    #[test]
    fn t04_dead_grants_are_reconsent_required() {
        let seen = Seen {
            status: Some(401),
            reason: None,
            error_body: None,
        };
        let body: BasicErrorResponse = serde_json::from_str(
            r#"{"error":"unauthorized_client","error_description":"Old refresh token used."}"#,
        )
        .unwrap();
        let e = map_token_error(
            RequestTokenError::ServerResponse(body),
            &seen,
            "refresh_token",
        );
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
        assert!(!e.is_retryable());
        let body: BasicErrorResponse = serde_json::from_str(
            r#"{ "error":"invalid_grant","error_description":"Token is not allowed, because of invalid or empty chainId" }"#,
        )
        .unwrap();
        let seen400 = Seen {
            status: Some(400),
            ..seen.clone()
        };
        let e = map_token_error(
            RequestTokenError::ServerResponse(body),
            &seen400,
            "refresh_token",
        );
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
        let body: BasicErrorResponse = serde_json::from_str(
            r#"{ "error":"access_denied","error_description":"Rate limit exceeded: access_token not expired" }"#,
        )
        .unwrap();
        let early = Seen {
            status: Some(400),
            reason: Some(
                "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired".into(),
            ),
            error_body: None,
        };
        let e = map_token_error(
            RequestTokenError::ServerResponse(body),
            &early,
            "refresh_token",
        );
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
    }

    #[test]
    fn redirects_are_parsed() {
        let (c, s) = parse_redirect("https://app/cb?code=XTzM%21IAAA&state=abc").unwrap();
        assert_eq!((c.as_str(), s.as_str()), ("XTzM!IAAA", "abc"));
        assert!(parse_redirect("https://app/cb?error=access_denied").is_err());
        assert!(parse_redirect("https://app/cb").is_err());
    }
}
