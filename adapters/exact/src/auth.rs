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

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use grootboek_core::runtime::http::{token_error, HttpClient, OAuthHttp};
use grootboek_core::runtime::{Clock, TokenPair, TokenRefresher};
use grootboek_core::{Error, ErrorKind, Result, Vendor};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, RedirectUrl, RefreshToken, Scope, StandardRevocableToken, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};
use subtle::ConstantTimeEq;

use crate::config::ExactConfig;

/// Exact's minimum interval between two refreshes of one chain (reference §1.6).
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(570);

/// Exact's access token lifetime when a response leaves `expires_in` out (reference §1.5).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

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

/// The OAuth side of one Exact app: consent URL, code exchange and refresh.
#[derive(Clone)]
pub struct ExactOAuth {
    client: OAuthClient,
    http: HttpClient,
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
    pub fn new(config: &ExactConfig, http: HttpClient) -> Result<Self> {
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
            clock: config.runtime.clock.clone(),
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
        let recorder = OAuthHttp::new(&self.http);
        let issued_at = self.clock.now();
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .request_async(&recorder)
            .await;
        let response =
            answer.map_err(|e| token_error(Vendor::Exact, "exchange_code", e, &recorder.seen()))?;
        pair_of(response, issued_at, None, "exchange_code")
    }

    /// Refresh a pair (the rotation: the answer holds a new refresh token).
    pub async fn refresh_pair(&self, current: &TokenPair) -> Result<TokenPair> {
        let recorder = OAuthHttp::new(&self.http);
        let issued_at = self.clock.now();
        let refresh = RefreshToken::new(current.refresh_token.expose_secret().to_string());
        let answer = self
            .client
            .exchange_refresh_token(&refresh)
            .request_async(&recorder)
            .await;
        let response =
            answer.map_err(|e| token_error(Vendor::Exact, "refresh_token", e, &recorder.seen()))?;
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
    fn redirects_are_parsed() {
        let (c, s) = parse_redirect("https://app/cb?code=XTzM%21IAAA&state=abc").unwrap();
        assert_eq!((c.as_str(), s.as_str()), ("XTzM!IAAA", "abc"));
        assert!(parse_redirect("https://app/cb?error=access_denied").is_err());
        assert!(parse_redirect("https://app/cb").is_err());
    }
}
