//! Configuration: from code (builder-style setters) or from the environment
//! ([`TwinfieldConfig::from_env`], variables prefixed `GROOTBOEK_TWINFIELD_`).
//!
//! Secrets (client secret, refresh token) are [`SecretString`]s; `Debug` redacts them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use grootboek_core::runtime::{Budget, Clock, RetryPolicy, SystemClock, TokenBroker};
use grootboek_core::{CountryCode, Currency, Defences, Error, QuirkId, Result};
use secrecy::SecretString;

use crate::mapping::transaction::Destiny;

/// Twinfield's identity host.
pub const DEFAULT_LOGIN_URL: &str = "https://login.twinfield.com";

/// The scopes a server-side integration needs (T01): identity, organisation (for the cluster
/// claim), organisation user (mandatory) and `offline_access` (refresh tokens).
pub const DEFAULT_SCOPES: &[&str] = &[
    "openid",
    "twf.user",
    "twf.organisation",
    "twf.organisationUser",
    "offline_access",
];

/// Environment variable prefix.
pub const ENV_PREFIX: &str = "GROOTBOEK_TWINFIELD_";

/// Everything a Twinfield connection needs.
#[derive(Clone)]
pub struct TwinfieldConfig {
    /// Identity host (`https://login.twinfield.com`); the OAuth endpoints live under
    /// `/auth/authentication/connect/`.
    pub login_url: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret (sent with HTTP Basic authentication).
    pub client_secret: SecretString,
    /// The redirect URI exactly as registered: sent byte for byte, never normalised (T01).
    pub redirect_uri: String,
    /// Scopes asked in the authorize URL.
    pub scopes: Vec<String>,
    /// Whether the app is certified (uncertified apps get 5 % of the credits, T05).
    pub certified: bool,
    /// The organisation (the consent's key for the token broker and the cluster cache).
    pub organisation: String,
    /// A refresh token to start from (from a previous consent); without it, complete the OAuth
    /// flow with [`crate::TwinfieldLedger::exchange_code`].
    pub refresh_token: Option<SecretString>,
    /// The token broker; `None` builds an in-memory one at connect.
    pub token_broker: Option<Arc<dyn TokenBroker>>,
    /// The budget shared with other connections/processes; `None` builds an in-memory one.
    pub budget: Option<Arc<dyn Budget>>,
    /// The egress IP the per-IP credit bucket is named after.
    pub egress_ip: String,
    /// The length of Twinfield's credit minute; shorter only against a simulator whose clock runs
    /// fast (a `Retry-After` is scaled by the same factor).
    pub minute: Duration,
    /// Retry policy for temporary failures.
    pub retry: RetryPolicy,
    /// Read back and verify every write (on by default).
    pub verify: bool,
    /// Quirk defences (all on by default).
    pub defences: Defences,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Largest response body accepted before parsing (default 32 MiB).
    pub max_response_bytes: usize,
    /// Most transactions per `<transactions>` request (default 25, Twinfield's limit, T06). A
    /// larger value is allowed; a batch Twinfield refuses as oversize is split and retried.
    pub batch_size: usize,
    /// Most lines per transaction (default 500, T06).
    pub max_lines: usize,
    /// Destiny of posted sales transactions (default temporary: they can still be updated).
    pub destiny: Destiny,
    /// The receivables account of the total line when the customer names none (default `1300`).
    pub receivables_account: String,
    /// The country of every office (the office listing does not say; default NL).
    pub office_country: CountryCode,
    /// The base currency of every office (default EUR).
    pub office_currency: Currency,
    /// How long writes are read back through ProcessXml (Q12; default 60 s).
    pub read_your_writes: Duration,
    /// The wall clock for token expiry, the Q12 window and VAT dates (default the system clock;
    /// a simulator's clock in tests).
    pub clock: Arc<dyn Clock>,
}

impl TwinfieldConfig {
    /// A configuration with the required values and every default.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
        organisation: impl Into<String>,
    ) -> Self {
        Self {
            login_url: DEFAULT_LOGIN_URL.to_string(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri: redirect_uri.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            certified: false,
            organisation: organisation.into(),
            refresh_token: None,
            token_broker: None,
            budget: None,
            egress_ip: "default".to_string(),
            minute: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            verify: true,
            defences: Defences::all(),
            timeout: Duration::from_secs(60),
            max_response_bytes: 32 * 1024 * 1024,
            batch_size: 25,
            max_lines: 500,
            destiny: Destiny::Temporary,
            receivables_account: "1300".to_string(),
            office_country: CountryCode::NL,
            office_currency: Currency::EUR,
            read_your_writes: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
        }
    }

    /// Set the clock (a simulator's clock in tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Set the identity host.
    pub fn with_login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = url.into();
        self
    }
    /// Set the scopes.
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Set whether the app is certified.
    pub fn with_certified(mut self, certified: bool) -> Self {
        self.certified = certified;
        self
    }
    /// Start from a stored refresh token.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }
    /// Use a shared token broker (e.g. Redis).
    pub fn with_token_broker(mut self, broker: Arc<dyn TokenBroker>) -> Self {
        self.token_broker = Some(broker);
        self
    }
    /// Use a shared budget (e.g. Redis).
    pub fn with_budget(mut self, budget: Arc<dyn Budget>) -> Self {
        self.budget = Some(budget);
        self
    }
    /// Set the egress IP of the per-IP bucket.
    pub fn with_egress_ip(mut self, ip: impl Into<String>) -> Self {
        self.egress_ip = ip.into();
        self
    }
    /// Set the length of the credit minute (tests against a fast simulator clock).
    pub fn with_minute(mut self, minute: Duration) -> Self {
        self.minute = minute.max(Duration::from_millis(1));
        self
    }
    /// Set the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Turn read-back verification on or off.
    pub fn with_verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }
    /// Set the quirk defences.
    pub fn with_defences(mut self, defences: Defences) -> Self {
        self.defences = defences;
        self
    }
    /// Set the request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Set the response size cap.
    pub fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }
    /// Set the batch size (at least 1, at most 1000).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, 1000);
        self
    }
    /// Set the destiny of posted transactions.
    pub fn with_destiny(mut self, destiny: Destiny) -> Self {
        self.destiny = destiny;
        self
    }
    /// Set the default receivables account.
    pub fn with_receivables_account(mut self, account: impl Into<String>) -> Self {
        self.receivables_account = account.into();
        self
    }
    /// Set the country of the offices.
    pub fn with_office_country(mut self, country: CountryCode) -> Self {
        self.office_country = country;
        self
    }

    /// Whether the defence for quirk `id` is on.
    pub fn defence(&self, id: &str) -> bool {
        self.defences.is_on(id)
    }

    /// Read the configuration from `GROOTBOEK_TWINFIELD_*` variables:
    ///
    /// | variable | field | default |
    /// |---|---|---|
    /// | `GROOTBOEK_TWINFIELD_CLIENT_ID` | `client_id` | required |
    /// | `GROOTBOEK_TWINFIELD_CLIENT_SECRET` | `client_secret` | required |
    /// | `GROOTBOEK_TWINFIELD_REDIRECT_URI` | `redirect_uri` | required |
    /// | `GROOTBOEK_TWINFIELD_ORGANISATION` | `organisation` | required |
    /// | `GROOTBOEK_TWINFIELD_LOGIN_URL` | `login_url` | `https://login.twinfield.com` |
    /// | `GROOTBOEK_TWINFIELD_SCOPES` | `scopes` (space separated) | the five of T01 |
    /// | `GROOTBOEK_TWINFIELD_CERTIFIED` | `certified` | `false` |
    /// | `GROOTBOEK_TWINFIELD_REFRESH_TOKEN` | `refresh_token` | none |
    /// | `GROOTBOEK_TWINFIELD_EGRESS_IP` | `egress_ip` | `default` |
    /// | `GROOTBOEK_TWINFIELD_MINUTE_MS` | `minute` | `60000` |
    /// | `GROOTBOEK_TWINFIELD_RETRY_MAX_ATTEMPTS` | `retry.max_attempts` | `4` |
    /// | `GROOTBOEK_TWINFIELD_VERIFY` | `verify` | `true` |
    /// | `GROOTBOEK_TWINFIELD_WITHOUT_DEFENCES` | `defences` (comma-separated IDs) | none |
    /// | `GROOTBOEK_TWINFIELD_TIMEOUT_SECS` | `timeout` | `60` |
    /// | `GROOTBOEK_TWINFIELD_MAX_RESPONSE_BYTES` | `max_response_bytes` | `33554432` |
    /// | `GROOTBOEK_TWINFIELD_BATCH_SIZE` | `batch_size` | `25` |
    /// | `GROOTBOEK_TWINFIELD_DESTINY` | `destiny` (`temporary`/`final`) | `temporary` |
    /// | `GROOTBOEK_TWINFIELD_RECEIVABLES_ACCOUNT` | `receivables_account` | `1300` |
    /// | `GROOTBOEK_TWINFIELD_OFFICE_COUNTRY` | `office_country` | `NL` |
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`TwinfieldConfig::from_env`] over any lookup (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let var = |name: &str| get(&format!("{ENV_PREFIX}{name}")).filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            var(name).ok_or_else(|| Error::config(format!("{ENV_PREFIX}{name} is not set")))
        };
        let parse_bool = |name: &str, v: String| match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(Error::config(format!(
                "{ENV_PREFIX}{name}: `{v}` is not a boolean"
            ))),
        };
        let parse_num = |name: &str, v: String| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| Error::config(format!("{ENV_PREFIX}{name}: `{v}` is not a number")))
        };
        let mut c = Self::new(
            required("CLIENT_ID")?,
            required("CLIENT_SECRET")?,
            get(&format!("{ENV_PREFIX}REDIRECT_URI"))
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::config(format!("{ENV_PREFIX}REDIRECT_URI is not set")))?,
            required("ORGANISATION")?,
        );
        if let Some(v) = var("LOGIN_URL") {
            c.login_url = v.trim().to_string();
        }
        if let Some(v) = var("SCOPES") {
            c.scopes = v.split_whitespace().map(str::to_string).collect();
        }
        if let Some(v) = var("CERTIFIED") {
            c.certified = parse_bool("CERTIFIED", v)?;
        }
        if let Some(v) = var("REFRESH_TOKEN") {
            c.refresh_token = Some(SecretString::from(v.trim().to_string()));
        }
        if let Some(v) = var("EGRESS_IP") {
            c.egress_ip = v.trim().to_string();
        }
        if let Some(v) = var("MINUTE_MS") {
            c.minute = Duration::from_millis(parse_num("MINUTE_MS", v)?.max(1));
        }
        if let Some(v) = var("RETRY_MAX_ATTEMPTS") {
            c.retry = c
                .retry
                .with_max_attempts(parse_num("RETRY_MAX_ATTEMPTS", v)? as usize);
        }
        if let Some(v) = var("VERIFY") {
            c.verify = parse_bool("VERIFY", v)?;
        }
        if let Some(v) = var("WITHOUT_DEFENCES") {
            let ids = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::parse::<QuirkId>)
                .collect::<Result<Vec<_>>>()?;
            c.defences = Defences::without(ids);
        }
        if let Some(v) = var("TIMEOUT_SECS") {
            c.timeout = Duration::from_secs(parse_num("TIMEOUT_SECS", v)?);
        }
        if let Some(v) = var("MAX_RESPONSE_BYTES") {
            c.max_response_bytes = parse_num("MAX_RESPONSE_BYTES", v)? as usize;
        }
        if let Some(v) = var("BATCH_SIZE") {
            c = c.with_batch_size(parse_num("BATCH_SIZE", v)? as usize);
        }
        if let Some(v) = var("DESTINY") {
            c.destiny = match v.trim() {
                "temporary" => Destiny::Temporary,
                "final" => Destiny::Final,
                other => {
                    return Err(Error::config(format!(
                        "{ENV_PREFIX}DESTINY: `{other}` is not temporary or final"
                    )))
                }
            };
        }
        if let Some(v) = var("RECEIVABLES_ACCOUNT") {
            c.receivables_account = v.trim().to_string();
        }
        if let Some(v) = var("OFFICE_COUNTRY") {
            c.office_country = v.parse()?;
        }
        Ok(c)
    }
}

impl fmt::Debug for TwinfieldConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwinfieldConfig")
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("certified", &self.certified)
            .field("organisation", &self.organisation)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("token_broker", &self.token_broker.is_some())
            .field("budget", &self.budget.is_some())
            .field("egress_ip", &self.egress_ip)
            .field("minute", &self.minute)
            .field("retry", &self.retry)
            .field("verify", &self.verify)
            .field("defences", &self.defences)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("batch_size", &self.batch_size)
            .field("max_lines", &self.max_lines)
            .field("destiny", &self.destiny)
            .field("receivables_account", &self.receivables_account)
            .field("office_country", &self.office_country)
            .field("office_currency", &self.office_currency)
            .field("read_your_writes", &self.read_your_writes)
            .field("clock", &self.clock)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (format!("{ENV_PREFIX}{k}"), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = TwinfieldConfig::new("cid", "s3cr3t-value", "https://app.example/cb/", "ORG")
            .with_refresh_token("rt-very-secret");
        let d = format!("{c:?}");
        assert!(!d.contains("s3cr3t-value"), "{d}");
        assert!(!d.contains("rt-very-secret"), "{d}");
        assert!(d.contains("[REDACTED]"));
        assert!(d.contains("https://app.example/cb/"));
    }

    #[test]
    fn from_env_reads_every_variable_and_keeps_the_redirect_uri_exact() {
        let c = TwinfieldConfig::from_lookup(env(&[
            ("CLIENT_ID", "cid"),
            ("CLIENT_SECRET", "sec"),
            ("REDIRECT_URI", "https://app.example/cb"),
            ("ORGANISATION", "ORG"),
            ("CERTIFIED", "true"),
            ("WITHOUT_DEFENCES", "q03, T02"),
            ("MINUTE_MS", "1000"),
            ("DESTINY", "final"),
            ("BATCH_SIZE", "0"),
        ]))
        .unwrap();
        assert_eq!(c.redirect_uri, "https://app.example/cb");
        assert!(c.certified);
        assert!(!c.defence("Q03") && !c.defence("T02") && c.defence("Q12"));
        assert_eq!(c.minute, Duration::from_millis(1000));
        assert_eq!(c.destiny, Destiny::Final);
        assert_eq!(c.batch_size, 1);
        let e = TwinfieldConfig::from_lookup(env(&[("CLIENT_ID", "x")])).unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Config);
        assert!(TwinfieldConfig::from_lookup(env(&[
            ("CLIENT_ID", "cid"),
            ("CLIENT_SECRET", "sec"),
            ("REDIRECT_URI", "u"),
            ("ORGANISATION", "O"),
            ("WITHOUT_DEFENCES", "Q99"),
        ]))
        .is_err());
    }
}
