//! [`ConnectionRuntime`]: the part of every vendor configuration that is not about the vendor —
//! where tokens and budgets live, retry, timeouts, the size cap, verification, the clock — with
//! one environment reader ([`EnvReader`]) that every vendor uses with the same variable names.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `GROOTBOEK_TOKEN_STORE` | where token pairs live: `memory`, `file:DIR`, `redis` (at `GROOTBOEK_REDIS_URL`) or a `redis://` URL | `memory` |
//! | `GROOTBOEK_TOKEN_KEY` | 32 bytes in base64: tokens in files and Redis are sealed (XChaCha20-Poly1305) | none |
//! | `GROOTBOEK_EPHEMERAL_TOKENS` | allow a store that does not outlive the process for a vendor whose refresh token rotates (Exact) | `false` |
//! | `GROOTBOEK_BUDGET` | where rate budgets live: `memory` or `redis` | `memory` |
//! | `GROOTBOEK_LOCKS` | where the locks of creates live (R03): `memory` (this process) or `redis` (every process) | `memory` |
//! | `GROOTBOEK_REDIS_URL` | Redis for `redis` tokens and budgets (feature `redis`) | `redis://127.0.0.1:6379` |
//! | `GROOTBOEK_RETRY_MAX_ATTEMPTS` | attempts per request for temporary failures, the first included | `4` |
//! | `GROOTBOEK_RETRY_MAX_WAIT_SECS` | the longest `Retry-After` waited; a longer one is returned as an error | `60` |
//! | `GROOTBOEK_TIMEOUT_SECS` | per-request timeout | `60` |
//! | `GROOTBOEK_MAX_RESPONSE_BYTES` | the largest response body read | vendor's (Twinfield 32 MiB, Exact 38 MB, AFAS 32 MiB) |
//! | `GROOTBOEK_VERIFY` | read back and verify every write | `true` |
//! | `GROOTBOEK_REFRESH_SKEW_SECS` | refresh an access token this long before it expires | `60` |
//!
//! Each may be given per vendor with the vendor's name after `GROOTBOEK_`
//! (`GROOTBOEK_EXACT_TIMEOUT_SECS`), which wins over the plain name. Builds with the
//! `without-defences` feature (the conformance suite only) also read `GROOTBOEK_WITHOUT_DEFENCES`;
//! any other build refuses a configuration that sets it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::budget::{Budget, MemoryBudget};
use super::clock::{Clock, SystemClock};
use super::http::HttpSettings;
use super::lock::{KeyLock, MemoryKeyLock};
use super::retry::RetryPolicy;
use super::token::{
    BrokerConfig, ConnectionId, TokenBroker, TokenKey, TokenPair, TokenRefresher, TokenStoreSpec,
};
use crate::error::{Error, Result};
use crate::vendor::{Defences, Vendor};

/// The default Redis URL when `redis` is chosen without one.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Where a connection's token pairs live.
#[derive(Clone)]
pub enum TokenSetting {
    /// A store named by a [`TokenStoreSpec`] (memory, a file directory, Redis, a team's own),
    /// with its sealing key; the broker is built at connect.
    Store(TokenStoreSpec),
    /// A broker built by the caller (shared by several ledgers).
    Broker(Arc<dyn TokenBroker>),
}

impl Default for TokenSetting {
    fn default() -> Self {
        TokenSetting::Store(TokenStoreSpec::memory())
    }
}

impl fmt::Debug for TokenSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSetting::Store(spec) => f.debug_tuple("Store").field(spec).finish(),
            TokenSetting::Broker(b) => f.debug_tuple("Broker").field(b).finish(),
        }
    }
}

/// Where a connection's rate budgets live.
#[derive(Clone, Default)]
pub enum BudgetSetting {
    /// In this process only.
    #[default]
    Memory,
    /// In Redis, shared by every process (feature `redis`).
    Redis(SecretString),
    /// A budget built by the caller (shared by several connections).
    Shared(Arc<dyn Budget>),
}

impl fmt::Debug for BudgetSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetSetting::Memory => f.write_str("Memory"),
            BudgetSetting::Redis(_) => f.write_str("Redis([REDACTED])"),
            BudgetSetting::Shared(b) => f.debug_tuple("Shared").field(b).finish(),
        }
    }
}

/// Where the locks around check-and-create live (R03).
#[derive(Clone, Default)]
pub enum LockSetting {
    /// The lock table of this process ([`MemoryKeyLock::process`]).
    #[default]
    Process,
    /// On Redis, for every process sharing it (feature `redis`).
    Redis(SecretString),
    /// Locks built by the caller.
    Shared(Arc<dyn KeyLock>),
}

impl fmt::Debug for LockSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockSetting::Process => f.write_str("Process"),
            LockSetting::Redis(_) => f.write_str("Redis([REDACTED])"),
            LockSetting::Shared(l) => f.debug_tuple("Shared").field(l).finish(),
        }
    }
}

/// What every vendor configuration embeds: tokens, budget, retry, timeouts, size cap,
/// verification, the clock and the quirk defences.
#[derive(Clone, Debug)]
pub struct ConnectionRuntime {
    /// Where token pairs live.
    pub tokens: TokenSetting,
    /// Allow a token store that does not outlive the process for a vendor whose refresh token
    /// rotates (Exact): the consent is then used up when the process ends. Off by default.
    pub ephemeral_tokens: bool,
    /// Where budgets live.
    pub budget: BudgetSetting,
    /// Where the locks around creates live (R03).
    pub locks: LockSetting,
    /// Retry of temporary failures.
    pub retry: RetryPolicy,
    /// Timeouts and the response size cap.
    pub http: HttpSettings,
    /// Read back and verify every write (default on). Off, a write is still checked for
    /// having landed, but its fields are not compared.
    pub verify: bool,
    /// Refresh an access token this long before it expires.
    pub refresh_skew: Duration,
    /// The wall clock for token expiry and "today" (a simulator's clock in tests).
    pub clock: Arc<dyn Clock>,
    /// The quirk defences: all on, and only a `without-defences` build can turn one off.
    pub defences: Defences,
}

impl Default for ConnectionRuntime {
    fn default() -> Self {
        Self {
            tokens: TokenSetting::default(),
            ephemeral_tokens: false,
            budget: BudgetSetting::Memory,
            locks: LockSetting::Process,
            retry: RetryPolicy::default(),
            http: HttpSettings::default(),
            verify: true,
            refresh_skew: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            defences: Defences::all(),
        }
    }
}

impl ConnectionRuntime {
    /// The defaults with a vendor's own response size cap.
    pub fn with_max_response_bytes(max: usize) -> Self {
        let mut r = Self::default();
        r.http.max_response_bytes = max;
        r
    }

    /// Whether the defence for quirk `id` is on (always, unless built with `without-defences`).
    pub fn defence(&self, id: &str) -> bool {
        self.defences.is_on(id)
    }

    /// Read the variables of the table above through `env`, over the defaults in `self`.
    pub fn read_env(mut self, env: &EnvReader<'_>) -> Result<Self> {
        let redis_url = || {
            SecretString::from(
                env.var("REDIS_URL")
                    .unwrap_or_else(|| DEFAULT_REDIS_URL.to_string()),
            )
        };
        let key = env
            .var("TOKEN_KEY")
            .map(|k| TokenKey::from_base64(&k))
            .transpose()?;
        if let Some(v) = env.var("TOKEN_STORE") {
            let spec = if v.eq_ignore_ascii_case("redis") {
                TokenStoreSpec::parse(redis_url().expose_secret())?
            } else {
                TokenStoreSpec::parse(&v)?
            };
            self.tokens = TokenSetting::Store(spec.with_key(key));
        } else if let (Some(key), TokenSetting::Store(spec)) = (key, &self.tokens) {
            self.tokens = TokenSetting::Store(spec.clone().with_key(Some(key)));
        }
        if let Some(b) = env.boolean("EPHEMERAL_TOKENS")? {
            self.ephemeral_tokens = b;
        }
        if let Some(v) = env.var("BUDGET") {
            self.budget = match v.to_ascii_lowercase().as_str() {
                "memory" => BudgetSetting::Memory,
                "redis" => BudgetSetting::Redis(redis_url()),
                _ => {
                    return Err(Error::config(format!(
                        "{}: `{v}` is not memory or redis",
                        env.name("BUDGET")
                    )))
                }
            };
        }
        if let Some(v) = env.var("LOCKS") {
            self.locks = match v.to_ascii_lowercase().as_str() {
                "memory" => LockSetting::Process,
                "redis" => LockSetting::Redis(redis_url()),
                _ => {
                    return Err(Error::config(format!(
                        "{}: `{v}` is not memory or redis",
                        env.name("LOCKS")
                    )))
                }
            };
        }
        if let Some(n) = env.number("RETRY_MAX_ATTEMPTS")? {
            self.retry = self.retry.with_max_attempts(n as usize);
        }
        if let Some(n) = env.number("RETRY_MAX_WAIT_SECS")? {
            self.retry = self.retry.with_max_retry_after(Duration::from_secs(n));
        }
        if let Some(n) = env.number("TIMEOUT_SECS")? {
            self.http.timeout = Duration::from_secs(n.max(1));
        }
        if let Some(n) = env.number("MAX_RESPONSE_BYTES")? {
            self.http.max_response_bytes = n as usize;
        }
        if let Some(b) = env.boolean("VERIFY")? {
            self.verify = b;
        }
        if let Some(n) = env.number("REFRESH_SKEW_SECS")? {
            self.refresh_skew = Duration::from_secs(n);
        }
        if let Some(v) = env.var("WITHOUT_DEFENCES") {
            self.defences = defences_from_env(&env.name("WITHOUT_DEFENCES"), &v)?;
        }
        Ok(self)
    }

    /// The token broker of this connection, from its store (memory, file, Redis, a team's own)
    /// or the caller's broker.
    pub async fn token_broker(
        &self,
        refresher: Arc<dyn TokenRefresher>,
    ) -> Result<Arc<dyn TokenBroker>> {
        let config = BrokerConfig::default()
            .with_skew(self.refresh_skew)
            .with_clock(self.clock.clone());
        match &self.tokens {
            TokenSetting::Store(spec) => spec.build(refresher, config).await,
            TokenSetting::Broker(b) => Ok(b.clone()),
        }
    }

    /// For a vendor whose refresh token rotates on every refresh (Exact): refuse a token store
    /// that dies with the process unless [`ConnectionRuntime::ephemeral_tokens`] allows it. A
    /// broker built by the caller is the caller's responsibility.
    pub fn require_durable_tokens(&self, vendor: Vendor) -> Result<()> {
        match &self.tokens {
            TokenSetting::Store(spec) if !self.ephemeral_tokens => spec
                .require_durable(vendor.as_str())
                .map_err(|e| e.with_vendor(vendor)),
            _ => Ok(()),
        }
    }

    /// The locks around creates (R03): this process's table, Redis, or the caller's.
    pub async fn key_lock(&self) -> Result<Arc<dyn KeyLock>> {
        match &self.locks {
            LockSetting::Process => Ok(MemoryKeyLock::process()),
            LockSetting::Shared(l) => Ok(l.clone()),
            #[cfg(feature = "redis")]
            LockSetting::Redis(url) => Ok(Arc::new(
                super::lock::redis::RedisKeyLock::connect(url.expose_secret()).await?,
            )),
            #[cfg(not(feature = "redis"))]
            LockSetting::Redis(url) => {
                let _ = url.expose_secret();
                Err(Error::config(
                    "locks on Redis need the `redis` feature of grootboek (and of the adapter)",
                ))
            }
        }
    }

    /// The budget of this connection: in memory, on Redis, or the caller's.
    pub async fn shared_budget(&self) -> Result<Arc<dyn Budget>> {
        match &self.budget {
            BudgetSetting::Memory => Ok(Arc::new(MemoryBudget::new())),
            BudgetSetting::Shared(b) => Ok(b.clone()),
            #[cfg(feature = "redis")]
            BudgetSetting::Redis(url) => {
                use super::budget::redis::{RedisBudget, RedisBudgetConfig};
                Ok(Arc::new(
                    RedisBudget::connect(url.expose_secret(), RedisBudgetConfig::default()).await?,
                ))
            }
            #[cfg(not(feature = "redis"))]
            BudgetSetting::Redis(url) => {
                let _ = url.expose_secret();
                Err(Error::config(
                    "budgets on Redis need the `redis` feature of grootboek (and of the adapter)",
                ))
            }
        }
    }
}

/// Store `refresh_token` for `conn` when the broker holds no pair yet: an expired pair holding
/// only the refresh token, so the first call refreshes. A stored pair (perhaps rotated by another
/// process a moment ago) is never overwritten: the broker's atomic `store_if_absent`.
pub async fn seed_refresh_token(
    broker: &dyn TokenBroker,
    conn: &ConnectionId,
    refresh_token: Option<&SecretString>,
) -> Result<()> {
    let Some(refresh) = refresh_token else {
        return Ok(());
    };
    let long_ago = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let pair = TokenPair::new(
        String::new(),
        refresh.expose_secret().to_string(),
        long_ago,
        long_ago,
    );
    broker.store_if_absent(conn, pair).await.map(|_| ())
}

#[cfg(feature = "without-defences")]
fn defences_from_env(_name: &str, value: &str) -> Result<Defences> {
    let ids = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse::<crate::vendor::QuirkId>)
        .collect::<Result<Vec<_>>>()?;
    Ok(Defences::without(ids))
}

#[cfg(not(feature = "without-defences"))]
fn defences_from_env(name: &str, _value: &str) -> Result<Defences> {
    Err(Error::config(format!(
        "{name} is set, but this build cannot turn quirk defences off (only a build with the \
         `without-defences` feature, used by the conformance suite, can): unset it"
    )))
}

/// Reads `GROOTBOEK_{VENDOR}_{NAME}`, else `GROOTBOEK_{NAME}`: the one environment reader of
/// every vendor configuration. Empty values count as unset.
pub struct EnvReader<'a> {
    vendor: Vendor,
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> EnvReader<'a> {
    /// A reader for `vendor` over `get` (`|k| std::env::var(k).ok()`, or a map in tests).
    pub fn new(vendor: Vendor, get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { vendor, get }
    }

    fn vendor_prefix(&self) -> String {
        format!("GROOTBOEK_{}_", self.vendor.as_str().to_ascii_uppercase())
    }

    /// The vendor-specific variable name of `name` (for messages).
    pub fn name(&self, name: &str) -> String {
        format!("{}{name}", self.vendor_prefix())
    }

    fn lookup(&self, key: &str) -> Option<String> {
        (self.get)(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The vendor's own value of `name`, else the common one.
    pub fn var(&self, name: &str) -> Option<String> {
        self.lookup(&self.name(name))
            .or_else(|| self.lookup(&format!("GROOTBOEK_{name}")))
    }

    /// Only the vendor's own value of `name` (vendor settings such as the client id).
    pub fn vendor_var(&self, name: &str) -> Option<String> {
        self.lookup(&self.name(name))
    }

    /// The vendor's own value of `name`, or a `Config` error naming the variable.
    pub fn required(&self, name: &str) -> Result<String> {
        self.vendor_var(name)
            .ok_or_else(|| Error::config(format!("{} is not set", self.name(name))))
    }

    /// A boolean (`true/false/1/0/yes/no/on/off`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>> {
        self.var(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(Error::config(format!(
                    "{}: `{v}` is not a boolean",
                    self.name(name)
                ))),
            })
            .transpose()
    }

    /// A whole number.
    pub fn number(&self, name: &str) -> Result<Option<u64>> {
        self.var(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    Error::config(format!("{}: `{v}` is not a number", self.name(name)))
                })
            })
            .transpose()
    }
}

/// Builder methods every vendor configuration has, with the same names and meanings
/// (implemented once, here, over [`ConnectionRuntime`]).
pub trait RuntimeConfig: Sized {
    /// The embedded runtime part.
    fn runtime_mut(&mut self) -> &mut ConnectionRuntime;

    /// Use this clock for token expiry and "today".
    fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.runtime_mut().clock = clock;
        self
    }
    /// Turn read-back verification on or off.
    fn with_verify(mut self, verify: bool) -> Self {
        self.runtime_mut().verify = verify;
        self
    }
    /// Set the retry policy.
    fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.runtime_mut().retry = retry;
        self
    }
    /// Set the per-request timeout.
    fn with_timeout(mut self, timeout: Duration) -> Self {
        self.runtime_mut().http.timeout = timeout;
        self
    }
    /// Set the response size cap.
    fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.runtime_mut().http.max_response_bytes = max;
        self
    }
    /// Set the refresh skew.
    fn with_refresh_skew(mut self, skew: Duration) -> Self {
        self.runtime_mut().refresh_skew = skew;
        self
    }
    /// Use a token broker built elsewhere (shared by several ledgers).
    fn with_token_broker(mut self, broker: Arc<dyn TokenBroker>) -> Self {
        self.runtime_mut().tokens = TokenSetting::Broker(broker);
        self
    }
    /// Use a budget built elsewhere (shared by several connections).
    fn with_budget(mut self, budget: Arc<dyn Budget>) -> Self {
        self.runtime_mut().budget = BudgetSetting::Shared(budget);
        self
    }
    /// Keep tokens and budgets on Redis at `url` (feature `redis`).
    fn with_redis(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        let r = self.runtime_mut();
        r.tokens = TokenSetting::Store(TokenStoreSpec::redis(url.clone()));
        r.budget = BudgetSetting::Redis(SecretString::from(url.clone()));
        r.locks = LockSetting::Redis(SecretString::from(url));
        self
    }
    /// Keep token pairs in this store (a file directory, Redis, a team's own).
    fn with_token_store(mut self, spec: TokenStoreSpec) -> Self {
        self.runtime_mut().tokens = TokenSetting::Store(spec);
        self
    }
    /// Allow a token store that dies with the process, knowingly (see
    /// [`ConnectionRuntime::ephemeral_tokens`]).
    fn with_ephemeral_tokens(mut self, ephemeral: bool) -> Self {
        self.runtime_mut().ephemeral_tokens = ephemeral;
        self
    }
    /// Turn quirk defences off (the conformance suite shows what each one prevents).
    #[cfg(feature = "without-defences")]
    fn with_defences(mut self, defences: Defences) -> Self {
        self.runtime_mut().defences = defences;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn reader(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn the_vendor_name_wins_over_the_common_one() {
        let get = reader(&[
            ("GROOTBOEK_TIMEOUT_SECS", "5"),
            ("GROOTBOEK_EXACT_TIMEOUT_SECS", "7"),
            ("GROOTBOEK_VERIFY", "off"),
            ("GROOTBOEK_RETRY_MAX_ATTEMPTS", "2"),
            ("GROOTBOEK_TOKEN_STORE", "redis"),
            ("GROOTBOEK_REDIS_URL", "redis://10.1.2.3:6379/1"),
        ]);
        let exact = ConnectionRuntime::default()
            .read_env(&EnvReader::new(Vendor::Exact, &get))
            .unwrap();
        let afas = ConnectionRuntime::default()
            .read_env(&EnvReader::new(Vendor::Afas, &get))
            .unwrap();
        assert_eq!(exact.http.timeout, Duration::from_secs(7));
        assert_eq!(afas.http.timeout, Duration::from_secs(5));
        assert!(!exact.verify && !afas.verify);
        assert_eq!(afas.retry.max_attempts, 2);
        assert!(matches!(afas.tokens, TokenSetting::Store(ref s) if s.is_durable()));
        assert!(
            !format!("{afas:?}").contains("10.1.2.3"),
            "the Redis URL is a secret"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let get = reader(&[("GROOTBOEK_TWINFIELD_TIMEOUT_SECS", "soon")]);
        let e = ConnectionRuntime::default()
            .read_env(&EnvReader::new(Vendor::Twinfield, &get))
            .unwrap_err();
        assert!(
            e.message().contains("GROOTBOEK_TWINFIELD_TIMEOUT_SECS"),
            "{e}"
        );
    }

    #[cfg(not(feature = "without-defences"))]
    #[test]
    fn a_production_build_refuses_to_turn_a_defence_off() {
        let get = reader(&[("GROOTBOEK_WITHOUT_DEFENCES", "Q01")]);
        let e = ConnectionRuntime::default()
            .read_env(&EnvReader::new(Vendor::Exact, &get))
            .unwrap_err();
        assert!(
            e.message().contains("cannot turn quirk defences off"),
            "{e}"
        );
    }
}
