//! Configuration of an Exact Online connection: where Exact lives (a region or explicit URLs),
//! the app's credentials (secret types, redacted `Debug`), the division, the token broker, the
//! budgets, retry, verification and the quirk defences. Built in code with setters or from
//! environment variables ([`ExactConfig::from_env`]).
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `GROOTBOEK_EXACT_REGION` | `nl`, `be`, `de`, `uk`, `us`, `es`, `fr` | `nl` |
//! | `GROOTBOEK_EXACT_BASE_URL` | host serving `/api/v1`, `/api/oauth2/auth` and `/api/oauth2/token` (overrides the region; https, or http on loopback) | the region's host |
//! | `GROOTBOEK_EXACT_AUTH_URL` | authorize endpoint | `{base}/api/oauth2/auth` |
//! | `GROOTBOEK_EXACT_TOKEN_URL` | token endpoint | `{base}/api/oauth2/token` |
//! | `GROOTBOEK_EXACT_CLIENT_ID` | the app's client id | required |
//! | `GROOTBOEK_EXACT_CLIENT_SECRET` | the app's client secret | required |
//! | `GROOTBOEK_EXACT_REDIRECT_URI` | the registered redirect URI | none (needed for the consent flow) |
//! | `GROOTBOEK_EXACT_WEBHOOK_SECRET` | the App Center webhook secret (not the client secret) | none |
//! | `GROOTBOEK_EXACT_DIVISION` | default division | none |
//! | `GROOTBOEK_EXACT_REFRESH_TOKEN` | a refresh token to start from (stored in the broker at connect) | none |
//! | `GROOTBOEK_EXACT_CONNECTION_ID` | the broker key of this consent | `exact:{client id}` |
//! | `GROOTBOEK_EXACT_MINUTELY_LIMIT` / `GROOTBOEK_EXACT_DAILY_LIMIT` | calls per division per minute / day | `60` / `5000` |
//!
//! Tokens, budgets, retry, timeouts, the size cap and verification are read by the one reader
//! of every vendor ([`grootboek_core::runtime::connection`]: `GROOTBOEK_TOKEN_STORE`,
//! `GROOTBOEK_TIMEOUT_SECS`, …, each also as `GROOTBOEK_EXACT_…`).

use std::fmt;
use std::time::Duration;

use grootboek_core::runtime::http::checked_url;
use grootboek_core::runtime::{ConnectionRuntime, EnvReader, RuntimeConfig};
use grootboek_core::{Error, Result, Vendor};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Exact Online's country hosts (reference §1.1). Each serves authorize, token and REST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `https://start.exactonline.nl`
    #[default]
    Netherlands,
    /// `https://start.exactonline.be`
    Belgium,
    /// `https://start.exactonline.de`
    Germany,
    /// `https://start.exactonline.co.uk`
    UnitedKingdom,
    /// `https://start.exactonline.com`
    UnitedStates,
    /// `https://start.exactonline.es`
    Spain,
    /// `https://start.exactonline.fr`
    France,
}

impl Region {
    /// The region's host.
    pub fn base_url(&self) -> &'static str {
        match self {
            Region::Netherlands => "https://start.exactonline.nl",
            Region::Belgium => "https://start.exactonline.be",
            Region::Germany => "https://start.exactonline.de",
            Region::UnitedKingdom => "https://start.exactonline.co.uk",
            Region::UnitedStates => "https://start.exactonline.com",
            Region::Spain => "https://start.exactonline.es",
            Region::France => "https://start.exactonline.fr",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "nl" => Region::Netherlands,
            "be" => Region::Belgium,
            "de" => Region::Germany,
            "uk" | "gb" | "co.uk" => Region::UnitedKingdom,
            "us" | "com" => Region::UnitedStates,
            "es" => Region::Spain,
            "fr" => Region::France,
            other => {
                return Err(Error::config(format!(
                    "unknown Exact region `{other}` (nl, be, de, uk, us, es, fr)"
                )))
            }
        })
    }
}

/// Exact's documented call budgets per app and division (reference §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// Calls per division per minute (60).
    pub per_minute: u32,
    /// Calls per division per day (5,000).
    pub per_day: u32,
    /// The length of Exact's "minute" (shorter only in tests against a simulator whose clock runs
    /// fast).
    pub minute: Duration,
    /// The length of Exact's "day".
    pub day: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            per_minute: 60,
            per_day: 5_000,
            minute: Duration::from_secs(60),
            day: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// How a webhook's entity is fetched when it is not readable yet (Q16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookFetch {
    /// Give up after this long.
    pub deadline: Duration,
    /// The first wait between attempts; doubles up to `max_delay`.
    pub first_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for WebhookFetch {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(15),
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// The configuration of one Exact Online connection (one consent of one user for one app).
#[derive(Clone)]
pub struct ExactConfig {
    /// The region whose host is used when no base URL is given.
    pub region: Region,
    /// The host serving REST and OAuth (overrides `region`), e.g. a simulator's URL.
    pub base_url: Option<String>,
    /// The authorize endpoint (default `{base}/api/oauth2/auth`).
    pub auth_url: Option<String>,
    /// The token endpoint (default `{base}/api/oauth2/token`).
    pub token_url: Option<String>,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: SecretString,
    /// The redirect URI registered with the app.
    pub redirect_uri: Option<String>,
    /// The webhook secret from the App Center registration (signs `HashCode`).
    pub webhook_secret: Option<SecretString>,
    /// The default division (used by [`grootboek_core::Ledger::administrations`] and the helpers
    /// when no division is named).
    pub division: Option<i32>,
    /// A refresh token to start from; stored in the broker at connect when it holds no pair.
    pub refresh_token: Option<SecretString>,
    /// The broker key of this consent (default `exact:{client_id}`).
    pub connection_id: Option<String>,
    /// The call budgets.
    pub budgets: Budgets,
    /// The webhook fetch policy (Q16).
    pub webhook_fetch: WebhookFetch,
    /// Tokens, budget, retry, timeouts, size cap (Exact's own cap is 38 MB), verification, clock
    /// and defences: the part every vendor shares.
    pub runtime: ConnectionRuntime,
}

impl RuntimeConfig for ExactConfig {
    fn runtime_mut(&mut self) -> &mut ConnectionRuntime {
        &mut self.runtime
    }
}

impl fmt::Debug for ExactConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<SecretString>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("ExactConfig")
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.redirect_uri)
            .field("webhook_secret", &redacted(&self.webhook_secret))
            .field("division", &self.division)
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("connection_id", &self.connection_id)
            .field("budgets", &self.budgets)
            .field("webhook_fetch", &self.webhook_fetch)
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl ExactConfig {
    /// A configuration for the app `client_id` / `client_secret`, everything else default.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            region: Region::default(),
            base_url: None,
            auth_url: None,
            token_url: None,
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri: None,
            webhook_secret: None,
            division: None,
            refresh_token: None,
            connection_id: None,
            budgets: Budgets::default(),
            webhook_fetch: WebhookFetch::default(),
            runtime: ConnectionRuntime {
                refresh_skew: Duration::from_secs(30),
                ..ConnectionRuntime::with_max_response_bytes(38 * 1024 * 1024)
            },
        }
    }

    /// Use a region's host.
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Use this host for REST and OAuth (e.g. a simulator).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Use this authorize endpoint.
    pub fn with_auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// Use this token endpoint.
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Set the registered redirect URI.
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Set the webhook secret.
    pub fn with_webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Set the default division.
    pub fn with_division(mut self, division: i32) -> Self {
        self.division = Some(division);
        self
    }

    /// Start from this refresh token.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }

    /// Set the broker key of this consent.
    pub fn with_connection_id(mut self, id: impl Into<String>) -> Self {
        self.connection_id = Some(id.into());
        self
    }

    /// Set the budgets.
    pub fn with_budgets(mut self, budgets: Budgets) -> Self {
        self.budgets = budgets;
        self
    }

    /// Set the webhook fetch policy.
    pub fn with_webhook_fetch(mut self, fetch: WebhookFetch) -> Self {
        self.webhook_fetch = fetch;
        self
    }

    /// Read the configuration from the process environment (see the module docs for the names).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the configuration through `lookup` (a variable name to its value), so it can be
    /// tested without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = EnvReader::new(Vendor::Exact, &lookup);
        let mut c = Self::new(env.required("CLIENT_ID")?, env.required("CLIENT_SECRET")?);
        if let Some(r) = env.vendor_var("REGION") {
            c.region = r.parse()?;
        }
        c.base_url = env.vendor_var("BASE_URL");
        c.auth_url = env.vendor_var("AUTH_URL");
        c.token_url = env.vendor_var("TOKEN_URL");
        c.redirect_uri = env.vendor_var("REDIRECT_URI");
        c.webhook_secret = env.vendor_var("WEBHOOK_SECRET").map(SecretString::from);
        c.refresh_token = env.vendor_var("REFRESH_TOKEN").map(SecretString::from);
        c.connection_id = env.vendor_var("CONNECTION_ID");
        if let Some(d) = env.vendor_var("DIVISION") {
            c.division = Some(d.parse().map_err(|_| {
                Error::config("GROOTBOEK_EXACT_DIVISION must be a division number")
            })?);
        }
        if let Some(n) = env.number("MINUTELY_LIMIT")? {
            c.budgets.per_minute = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(n) = env.number("DAILY_LIMIT")? {
            c.budgets.per_day = u32::try_from(n).unwrap_or(u32::MAX);
        }
        c.runtime = c.runtime.read_env(&env)?;
        c.base()?;
        Ok(c)
    }

    /// The host serving REST and OAuth, without a trailing slash.
    pub fn base(&self) -> Result<Url> {
        let raw = self.base_url.as_deref().unwrap_or(self.region.base_url());
        checked_url("the Exact base URL", raw.trim_end_matches('/'))
    }

    /// The authorize endpoint.
    pub fn authorize_endpoint(&self) -> Result<String> {
        self.endpoint(&self.auth_url, "/api/oauth2/auth")
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> Result<String> {
        self.endpoint(&self.token_url, "/api/oauth2/token")
    }

    fn endpoint(&self, explicit: &Option<String>, path: &str) -> Result<String> {
        match explicit {
            Some(u) => Ok(checked_url("an Exact OAuth endpoint", u)?.to_string()),
            None => Ok(format!(
                "{}{path}",
                self.base()?.as_str().trim_end_matches('/')
            )),
        }
    }

    /// The broker key of this consent.
    pub fn connection(&self) -> String {
        self.connection_id
            .clone()
            .unwrap_or_else(|| format!("exact:{}", self.client_id))
    }

    /// Check the configuration is complete.
    pub fn validate(&self) -> Result<()> {
        if self.client_id.trim().is_empty() {
            return Err(Error::config("the Exact client id is empty"));
        }
        if self.client_secret.expose_secret().trim().is_empty() {
            return Err(Error::config("the Exact client secret is empty"));
        }
        self.base()?;
        if self.budgets.per_minute == 0 || self.budgets.per_day == 0 {
            return Err(Error::config("Exact budgets must be above zero"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = ExactConfig::new("app", "CLIENT-SECRET-TEXT")
            .with_webhook_secret("WEBHOOK-SECRET-TEXT")
            .with_refresh_token("REFRESH-TOKEN-TEXT")
            .with_redis("redis://:REDIS-PASSWORD@h/");
        let s = format!("{c:?}");
        for secret in [
            "CLIENT-SECRET",
            "WEBHOOK-SECRET",
            "REFRESH-TOKEN",
            "REDIS-PASSWORD",
        ] {
            assert!(!s.contains(secret), "{secret} leaked: {s}");
        }
        assert!(s.contains("[REDACTED]"));
    }

    /// Needs the `redis` feature: the variables name a Redis token store.
    #[cfg(feature = "redis")]
    #[test]
    fn from_env_reads_every_variable() {
        let c = ExactConfig::from_lookup(env(&[
            ("GROOTBOEK_EXACT_CLIENT_ID", "app"),
            ("GROOTBOEK_EXACT_CLIENT_SECRET", "s"),
            ("GROOTBOEK_EXACT_REGION", "be"),
            ("GROOTBOEK_EXACT_DIVISION", "4133185"),
            ("GROOTBOEK_TOKEN_STORE", "redis"),
            ("GROOTBOEK_REDIS_URL", "redis://127.0.0.1:6379/3"),
            ("GROOTBOEK_EXACT_MINUTELY_LIMIT", "100"),
            ("GROOTBOEK_EXACT_VERIFY", "false"),
        ]))
        .unwrap();
        assert_eq!(c.region, Region::Belgium);
        assert_eq!(c.division, Some(4133185));
        assert!(matches!(
            c.runtime.tokens,
            grootboek_core::runtime::TokenSetting::Store(ref s) if s.is_durable()
        ));
        assert_eq!(c.budgets.per_minute, 100);
        assert_eq!(c.budgets.per_day, 5000);
        assert!(!c.runtime.verify);
        assert_eq!(
            c.token_endpoint().unwrap(),
            "https://start.exactonline.be/api/oauth2/token"
        );
        assert_eq!(c.connection(), "exact:app");
    }

    #[test]
    fn from_env_refuses_missing_or_bad_values() {
        assert!(ExactConfig::from_lookup(env(&[])).is_err());
        let bad = ExactConfig::from_lookup(env(&[
            ("GROOTBOEK_EXACT_CLIENT_ID", "app"),
            ("GROOTBOEK_EXACT_CLIENT_SECRET", "s"),
            ("GROOTBOEK_EXACT_DIVISION", "abc"),
        ]));
        assert!(bad.is_err());
        let bad = ExactConfig::from_lookup(env(&[
            ("GROOTBOEK_EXACT_CLIENT_ID", "app"),
            ("GROOTBOEK_EXACT_CLIENT_SECRET", "s"),
            ("GROOTBOEK_EXACT_BASE_URL", "http://start.exactonline.nl"),
        ]))
        .unwrap_err();
        assert!(
            bad.message().contains("http://start.exactonline.nl"),
            "{bad}"
        );
    }

    #[test]
    fn explicit_urls_win_over_the_region() {
        let c = ExactConfig::new("a", "s").with_base_url("http://127.0.0.1:9999/");
        assert_eq!(
            c.authorize_endpoint().unwrap(),
            "http://127.0.0.1:9999/api/oauth2/auth"
        );
        let c = c.with_token_url("https://t.example/token");
        assert_eq!(c.token_endpoint().unwrap(), "https://t.example/token");
        let c = c.with_token_url("http://t.example/token");
        assert!(
            c.token_endpoint().is_err(),
            "plain http to another host is refused"
        );
        assert!(ExactConfig::new("a", "s")
            .with_base_url("ftp://x")
            .validate()
            .is_err());
    }
}
