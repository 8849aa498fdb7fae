//! OpenID Connect with the `oauth2` crate (T01, T04): the authorize URL with `state` and
//! `nonce`, callback verification, the code exchange and refresh with HTTP Basic client
//! authentication, and [`TwinfieldRefresher`] for the token broker (Q04: one refresh per expiry,
//! shared by every task and, on Redis, every process).
//!
//! A dead grant (`invalid_grant`, `invalid_request`) is
//! [`ErrorKind::ReconsentRequired`]: never retried.

use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::runtime::http::{token_error, HttpClient, OAuthHttp};
use grootboek_core::runtime::{TokenPair, TokenRefresher};
use grootboek_core::{Error, ErrorKind, Result, Vendor};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    RedirectUrl, RefreshToken, Scope, TokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;

use crate::cluster::ClusterResolver;
use crate::config::TwinfieldConfig;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Metadata key of the cluster URL kept with the tokens (T02).
pub const CLUSTER_KEY: &str = "twf.clusterUrl";

/// The path of the OAuth endpoints under the login host.
pub const CONNECT_PATH: &str = "/auth/authentication/connect";

/// An authorize URL with the `state` and `nonce` to remember until the callback.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// Where to send the user.
    pub url: String,
    /// The `state` the callback must carry back.
    pub state: String,
    /// The OpenID `nonce` (Twinfield requires it).
    pub nonce: String,
}

impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Twinfield's OAuth client.
#[derive(Clone)]
pub struct OAuth {
    client: Client,
    http: HttpClient,
    scopes: Vec<String>,
    clock: std::sync::Arc<dyn grootboek_core::runtime::Clock>,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

fn config_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::config(format!("{what}: {e}")).with_vendor(Vendor::Twinfield)
}

impl OAuth {
    /// The OAuth client of a configuration.
    pub fn new(cfg: &TwinfieldConfig, http: HttpClient) -> Result<Self> {
        let base = cfg.login_url.trim_end_matches('/');
        let client = BasicClient::new(ClientId::new(cfg.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                cfg.client_secret.expose_secret().to_string(),
            ))
            .set_auth_uri(
                AuthUrl::new(format!("{base}{CONNECT_PATH}/authorize"))
                    .map_err(|e| config_error("login URL", e))?,
            )
            .set_token_uri(
                TokenUrl::new(format!("{base}{CONNECT_PATH}/token"))
                    .map_err(|e| config_error("login URL", e))?,
            )
            // RedirectUrl keeps the string exactly as given: it is sent byte for byte (T01).
            .set_redirect_uri(
                RedirectUrl::new(cfg.redirect_uri.clone())
                    .map_err(|e| config_error("redirect URI", e))?,
            );
        Ok(Self {
            client,
            http,
            scopes: cfg.scopes.clone(),
            clock: cfg.runtime.clock.clone(),
        })
    }

    /// The authorize URL (authorization code flow) with a fresh random `state` and `nonce`.
    pub fn authorize_url(&self) -> AuthorizeRequest {
        let nonce = CsrfToken::new_random().secret().to_string();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .add_extra_param("nonce", nonce.clone())
            .url();
        AuthorizeRequest {
            url: url.to_string(),
            state: state.secret().to_string(),
            nonce,
        }
    }

    /// Check the callback (its full URL or query string) against the `state` sent, and return the
    /// authorization code. An `error` parameter or a state mismatch is refused.
    pub fn verify_callback(expected_state: &str, callback: &str) -> Result<String> {
        let query = match callback.split_once('?') {
            Some((_, q)) => q,
            None => callback,
        };
        let query = query.split('#').next().unwrap_or_default();
        let mut code = None;
        let mut state = None;
        let mut error = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                _ => {}
            }
        }
        let refuse = |m: String| {
            Error::new(ErrorKind::Unauthenticated, m)
                .with_vendor(Vendor::Twinfield)
                .with_operation("verify_callback")
        };
        if let Some(e) = error {
            return Err(refuse(format!("the authorization was refused: {e}")));
        }
        match state {
            Some(s) if s == expected_state => {}
            _ => {
                return Err(refuse(
                    "the callback's state does not match the state sent (possible CSRF)".into(),
                ))
            }
        }
        code.filter(|c| !c.is_empty())
            .ok_or_else(|| refuse("the callback carries no code".into()))
    }

    /// Exchange an authorization code for a token pair.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenPair> {
        let recorder = OAuthHttp::new(&self.http);
        let resp = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .request_async(&recorder)
            .await
            .map_err(|e| token_error(Vendor::Twinfield, "exchange_code", e, &recorder.seen()))?;
        pair_from(&resp, None, self.clock.now())
    }

    /// Refresh: exchange the refresh token for a new access token (Twinfield keeps the refresh
    /// token; a rotated one is stored if returned).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        let recorder = OAuthHttp::new(&self.http);
        let rt = RefreshToken::new(refresh_token.to_string());
        let resp = self
            .client
            .exchange_refresh_token(&rt)
            .request_async(&recorder)
            .await
            .map_err(|e| token_error(Vendor::Twinfield, "refresh_token", e, &recorder.seen()))?;
        pair_from(&resp, Some(refresh_token), self.clock.now())
    }
}

fn pair_from(
    resp: &oauth2::basic::BasicTokenResponse,
    current_refresh: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<TokenPair> {
    let refresh = resp
        .refresh_token()
        .map(|r| r.secret().to_string())
        .or_else(|| current_refresh.map(str::to_string))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::ReconsentRequired,
                "the token answer has no refresh token (was offline_access granted?)",
            )
            .with_vendor(Vendor::Twinfield)
        })?;
    let expires_in = resp.expires_in().unwrap_or(Duration::from_secs(3600));
    Ok(TokenPair::from_expires_in(
        resp.access_token().secret().to_string(),
        refresh,
        now,
        expires_in,
    ))
}

/// The broker's refresher: refreshes through [`OAuth`] and resolves the cluster of the new
/// access token, kept in the pair's metadata (`twf.clusterUrl`, T02).
#[derive(Debug, Clone)]
pub struct TwinfieldRefresher {
    oauth: OAuth,
    resolver: ClusterResolver,
}

impl TwinfieldRefresher {
    /// A refresher for a configuration with an HTTP client of its own (for a broker built
    /// outside [`crate::connect`]).
    pub fn from_config(cfg: &TwinfieldConfig) -> Result<Self> {
        Self::new(cfg, crate::client::http_client(cfg)?)
    }

    /// A refresher for a configuration.
    pub fn new(cfg: &TwinfieldConfig, http: HttpClient) -> Result<Self> {
        Ok(Self {
            oauth: OAuth::new(cfg, http.clone())?,
            resolver: ClusterResolver::new(cfg, http),
        })
    }
}

#[async_trait]
impl TokenRefresher for TwinfieldRefresher {
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair> {
        let mut pair = self
            .oauth
            .refresh(current.refresh_token.expose_secret())
            .await?;
        pair.metadata = current.metadata.clone();
        match self
            .resolver
            .resolve(pair.access_token.expose_secret())
            .await
        {
            Ok(info) => {
                pair.metadata
                    .insert(CLUSTER_KEY.to_string(), info.cluster_url);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cluster resolution after refresh failed; resolving on first use")
            }
        }
        Ok(pair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TwinfieldConfig {
        TwinfieldConfig::new("cid", "secret", "https://app.example/cb", "ORG")
    }

    #[test]
    fn t01_authorize_url_has_state_nonce_scopes_and_the_exact_redirect() {
        let http = HttpClient::new(
            Vendor::Twinfield,
            Default::default(),
            grootboek_core::runtime::http::HostPolicy::new(),
        )
        .unwrap();
        let o = OAuth::new(&cfg(), http).unwrap();
        let a = o.authorize_url();
        assert!(
            a.url
                .starts_with("https://login.twinfield.com/auth/authentication/connect/authorize?"),
            "{}",
            a.url
        );
        assert!(a.url.contains("response_type=code"));
        assert!(a.url.contains(&format!("state={}", a.state)));
        assert!(a.url.contains(&format!("nonce={}", a.nonce)));
        assert!(
            a.url
                .contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb&"),
            "{}",
            a.url
        );
        assert!(a.url.contains("twf.organisationUser"));
        assert!(a.url.contains("offline_access"));
        assert_ne!(a.state, a.nonce);
    }

    #[test]
    fn t01_callback_state_is_verified() {
        assert_eq!(
            OAuth::verify_callback("s1", "https://app.example/cb?code=abc&state=s1").unwrap(),
            "abc"
        );
        assert!(OAuth::verify_callback("s1", "code=abc&state=s2").is_err());
        assert!(OAuth::verify_callback("s1", "code=abc").is_err());
        assert!(OAuth::verify_callback("s1", "error=access_denied&state=s1").is_err());
    }
}
