//! Configuration: from code (builder-style setters) or from the environment
//! ([`TwinfieldConfig::from_env`], variables prefixed `GROOTBOEK_TWINFIELD_`).
//!
//! Secrets (client secret, refresh token) are [`SecretString`]s; `Debug` redacts them.

use std::fmt;
use std::time::Duration;

use grootboek_core::runtime::http::checked_url;
use grootboek_core::runtime::{ConnectionRuntime, EnvReader, RuntimeConfig};
use grootboek_core::{CountryCode, Currency, Error, Result, Vendor};
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
    /// The hosts a cluster named by `twf.clusterUrl` may be on: each a domain whose subdomains
    /// are allowed over https (default `twinfield.com`), or a loopback name for the simulators.
    /// A cluster elsewhere, or over plain HTTP, is refused: it would receive every token (R02).
    pub cluster_hosts: Vec<String>,
    /// The egress IP the per-IP credit bucket is named after.
    pub egress_ip: String,
    /// The length of Twinfield's credit minute; shorter only against a simulator whose clock runs
    /// fast (a `Retry-After` is scaled by the same factor).
    pub minute: Duration,
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
    /// Tokens, budget, retry, timeouts, size cap (default 32 MiB), verification, the clock (of
    /// token expiry, the Q12 window and VAT dates) and defences: the part every vendor shares.
    pub runtime: ConnectionRuntime,
}

impl RuntimeConfig for TwinfieldConfig {
    fn runtime_mut(&mut self) -> &mut ConnectionRuntime {
        &mut self.runtime
    }
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
            cluster_hosts: vec!["twinfield.com".to_string()],
            egress_ip: "default".to_string(),
            minute: Duration::from_secs(60),
            batch_size: 25,
            max_lines: 500,
            destiny: Destiny::Temporary,
            receivables_account: "1300".to_string(),
            office_country: CountryCode::NL,
            office_currency: Currency::EUR,
            read_your_writes: Duration::from_secs(60),
            runtime: ConnectionRuntime::with_max_response_bytes(32 * 1024 * 1024),
        }
    }

    /// Set the hosts a cluster may be on (see [`TwinfieldConfig::cluster_hosts`]).
    pub fn with_cluster_hosts<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        hosts: I,
    ) -> Self {
        self.cluster_hosts = hosts.into_iter().map(Into::into).collect();
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
        self.runtime.defence(id)
    }

    /// Read the configuration from `GROOTBOEK_TWINFIELD_*` variables (and the common ones of
    /// [`grootboek_core::runtime::connection`]: tokens, budget, retry, timeouts, size cap,
    /// verification):
    ///
    /// | variable | field | default |
    /// |---|---|---|
    /// | `GROOTBOEK_TWINFIELD_CLIENT_ID` | `client_id` | required |
    /// | `GROOTBOEK_TWINFIELD_CLIENT_SECRET` | `client_secret` | required |
    /// | `GROOTBOEK_TWINFIELD_REDIRECT_URI` | `redirect_uri` | required |
    /// | `GROOTBOEK_TWINFIELD_ORGANISATION` | `organisation` | required |
    /// | `GROOTBOEK_TWINFIELD_LOGIN_URL` | `login_url` (https, or http on loopback) | `https://login.twinfield.com` |
    /// | `GROOTBOEK_TWINFIELD_CLUSTER_HOSTS` | `cluster_hosts` (comma separated) | `twinfield.com` |
    /// | `GROOTBOEK_TWINFIELD_SCOPES` | `scopes` (space separated) | the five of T01 |
    /// | `GROOTBOEK_TWINFIELD_CERTIFIED` | `certified` | `false` |
    /// | `GROOTBOEK_TWINFIELD_REFRESH_TOKEN` | `refresh_token` | none |
    /// | `GROOTBOEK_TWINFIELD_EGRESS_IP` | `egress_ip` | `default` |
    /// | `GROOTBOEK_TWINFIELD_MINUTE_MS` | `minute` | `60000` |
    /// | `GROOTBOEK_TWINFIELD_BATCH_SIZE` | `batch_size` | `25` |
    /// | `GROOTBOEK_TWINFIELD_DESTINY` | `destiny` (`temporary`/`final`) | `temporary` |
    /// | `GROOTBOEK_TWINFIELD_RECEIVABLES_ACCOUNT` | `receivables_account` | `1300` |
    /// | `GROOTBOEK_TWINFIELD_OFFICE_COUNTRY` | `office_country` | `NL` |
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`TwinfieldConfig::from_env`] over any lookup (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = EnvReader::new(Vendor::Twinfield, &get);
        let var = |name: &str| env.vendor_var(name);
        let mut c = Self::new(
            env.required("CLIENT_ID")?,
            env.required("CLIENT_SECRET")?,
            env.required("REDIRECT_URI")?,
            env.required("ORGANISATION")?,
        );
        if let Some(v) = var("LOGIN_URL") {
            c.login_url = checked_url(&env.name("LOGIN_URL"), &v)?
                .as_str()
                .trim_end_matches('/')
                .to_string();
        }
        if let Some(v) = var("CLUSTER_HOSTS") {
            c.cluster_hosts = v
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = var("SCOPES") {
            c.scopes = v.split_whitespace().map(str::to_string).collect();
        }
        if let Some(v) = env.boolean("CERTIFIED")? {
            c.certified = v;
        }
        if let Some(v) = var("REFRESH_TOKEN") {
            c.refresh_token = Some(SecretString::from(v));
        }
        if let Some(v) = var("EGRESS_IP") {
            c.egress_ip = v;
        }
        if let Some(v) = env.number("MINUTE_MS")? {
            c.minute = Duration::from_millis(v.max(1));
        }
        if let Some(v) = env.number("BATCH_SIZE")? {
            c = c.with_batch_size(v as usize);
        }
        if let Some(v) = var("DESTINY") {
            c.destiny = match v.as_str() {
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
            c.receivables_account = v;
        }
        if let Some(v) = var("OFFICE_COUNTRY") {
            c.office_country = v.parse()?;
        }
        c.runtime = c.runtime.read_env(&env)?;
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
            .field("cluster_hosts", &self.cluster_hosts)
            .field("egress_ip", &self.egress_ip)
            .field("minute", &self.minute)
            .field("batch_size", &self.batch_size)
            .field("max_lines", &self.max_lines)
            .field("destiny", &self.destiny)
            .field("receivables_account", &self.receivables_account)
            .field("office_country", &self.office_country)
            .field("office_currency", &self.office_currency)
            .field("read_your_writes", &self.read_your_writes)
            .field("runtime", &self.runtime)
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
            ("MINUTE_MS", "1000"),
            ("DESTINY", "final"),
            ("BATCH_SIZE", "0"),
        ]))
        .unwrap();
        assert_eq!(c.redirect_uri, "https://app.example/cb");
        assert!(c.certified);
        assert!(c.defence("Q03") && c.defence("T02") && c.defence("Q12"));
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
            ("LOGIN_URL", "http://login.twinfield.com"),
        ]))
        .is_err());
    }
}
