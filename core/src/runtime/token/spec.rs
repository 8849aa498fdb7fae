//! One setting for where tokens live, shared by every vendor: [`TokenStoreSpec`].
//!
//! | `GROOTBOEK_TOKEN_STORE` | store | durable |
//! |---|---|---|
//! | `memory` | in this process ([`MemoryTokenBroker`]) | no |
//! | `file:DIR` (or `file:///abs/dir`) | one file per connection in `DIR` ([`FileTokenStore`]), shared by the processes of one machine | yes |
//! | `redis://…`, `rediss://…`, `redis+unix://…`, `unix://…` | Redis (`RedisTokenBroker`, feature `redis`), shared by every machine | yes |
//!
//! `GROOTBOEK_TOKEN_KEY` (32 bytes, base64) seals the tokens in files and in Redis
//! ([`TokenKey`]). A team's own database plugs in as [`TokenStoreSpec::custom`].
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use grootboek_core::runtime::{BrokerConfig, TokenRefresher, TokenStoreSpec};
//! # async fn f(refresher: Arc<dyn TokenRefresher>) -> grootboek_core::Result<()> {
//! let spec = TokenStoreSpec::from_env()?.unwrap_or_else(TokenStoreSpec::memory);
//! if !spec.is_durable() {
//!     // Exact: refuse unless the user said `ephemeral` (rotated refresh tokens would be lost).
//! }
//! let broker = spec.build(refresher, BrokerConfig::default()).await?;
//! # let _ = broker; Ok(()) }
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::file::FileTokenStore;
use super::seal::{SealedTokenStore, TokenKey, TOKEN_KEY_ENV};
use super::store::{StoreBrokerConfig, StoreTokenBroker, TokenStore};
use super::{BrokerConfig, MemoryTokenBroker, TokenBroker, TokenRefresher};
use crate::error::{Error, Result};

/// The environment variable naming the token store (see the [module docs](self)).
pub const TOKEN_STORE_ENV: &str = "GROOTBOEK_TOKEN_STORE";

/// Where the tokens live.
#[derive(Clone)]
pub enum TokenStoreLocation {
    /// In process memory: lost when the process ends.
    Memory,
    /// One file per connection in this directory.
    File(PathBuf),
    /// Redis at this URL (which may hold a password; never shown).
    Redis(SecretString),
    /// A team's own store.
    Custom(Arc<dyn TokenStore>),
}

impl fmt::Debug for TokenStoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.write_str("Memory"),
            Self::File(dir) => f.debug_tuple("File").field(dir).finish(),
            Self::Redis(_) => f.write_str("Redis([REDACTED])"),
            Self::Custom(store) => f.debug_tuple("Custom").field(store).finish(),
        }
    }
}

/// The token store setting of a connection: a location, an optional [`TokenKey`] sealing the
/// tokens at rest, and the Redis key prefix. `Debug` and `Display` never show the Redis URL or
/// the key.
#[derive(Clone, Debug)]
pub struct TokenStoreSpec {
    location: TokenStoreLocation,
    key: Option<TokenKey>,
    redis_prefix: String,
}

impl TokenStoreSpec {
    fn at(location: TokenStoreLocation) -> Self {
        Self {
            location,
            key: None,
            redis_prefix: "grootboek".to_owned(),
        }
    }

    /// Tokens in process memory (not durable).
    pub fn memory() -> Self {
        Self::at(TokenStoreLocation::Memory)
    }

    /// Tokens in files under `dir`.
    pub fn file(dir: impl Into<PathBuf>) -> Self {
        Self::at(TokenStoreLocation::File(dir.into()))
    }

    /// Tokens in Redis at `url`.
    pub fn redis(url: impl Into<String>) -> Self {
        Self::at(TokenStoreLocation::Redis(SecretString::from(url.into())))
    }

    /// Tokens in a team's own store.
    pub fn custom(store: Arc<dyn TokenStore>) -> Self {
        Self::at(TokenStoreLocation::Custom(store))
    }

    /// Parse `memory`, `file:DIR` (also `file://DIR`) or a Redis URL (`redis://`, `rediss://`,
    /// `redis+unix://`, `unix://`). Anything else, an empty directory, or a Redis URL in a build
    /// without the `redis` feature is an [`ErrorKind::Config`](crate::ErrorKind::Config) error
    /// that does not repeat the text (it may hold a password).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("memory") {
            return Ok(Self::memory());
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("file:") {
            let rest = &text["file:".len()..];
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(Error::config(format!(
                    "{TOKEN_STORE_ENV} `file:` needs a directory, e.g. `file:/var/lib/grootboek/tokens`"
                )));
            }
            return Ok(Self::file(path));
        }
        if ["redis://", "rediss://", "redis+unix://", "unix://"]
            .iter()
            .any(|s| lower.starts_with(s))
        {
            if !cfg!(feature = "redis") {
                return Err(Error::config(format!(
                    "{TOKEN_STORE_ENV} names Redis, but this build has no Redis support \
                     (feature `redis` of grootboek-core)"
                )));
            }
            return Ok(Self::redis(text));
        }
        Err(Error::config(format!(
            "{TOKEN_STORE_ENV} must be `memory`, `file:DIR` or a `redis://` URL"
        )))
    }

    /// The spec from `GROOTBOEK_TOKEN_STORE` and `GROOTBOEK_TOKEN_KEY`; `None` when
    /// `GROOTBOEK_TOKEN_STORE` is unset or empty (a malformed key is an error even then).
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let key = match lookup(TOKEN_KEY_ENV) {
            Some(k) if !k.trim().is_empty() => Some(TokenKey::from_base64(&k)?),
            _ => None,
        };
        match lookup(TOKEN_STORE_ENV) {
            Some(s) if !s.trim().is_empty() => Ok(Some(Self::parse(&s)?.with_key(key))),
            _ => Ok(None),
        }
    }

    /// Seal the tokens with `key` (`None`: in clear). Memory keeps nothing at rest and ignores it.
    pub fn with_key(mut self, key: Option<TokenKey>) -> Self {
        self.key = key;
        self
    }

    /// The prefix of the Redis keys (default `grootboek`).
    pub fn with_redis_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.redis_prefix = prefix.into();
        self
    }

    /// Where the tokens live.
    pub fn location(&self) -> &TokenStoreLocation {
        &self.location
    }

    /// The key sealing the tokens, if any.
    pub fn key(&self) -> Option<&TokenKey> {
        self.key.as_ref()
    }

    /// Whether the tokens outlive the process. Exact must refuse a store that is not durable
    /// unless told `ephemeral`: its refresh token rotates on every refresh, and the rotated one
    /// would die with the process.
    pub fn is_durable(&self) -> bool {
        match &self.location {
            TokenStoreLocation::Memory => false,
            TokenStoreLocation::File(_) | TokenStoreLocation::Redis(_) => true,
            TokenStoreLocation::Custom(store) => store.is_durable(),
        }
    }

    /// `Ok` for a durable store; otherwise the [`ErrorKind::Config`](crate::ErrorKind::Config)
    /// error a vendor with rotating refresh tokens (Exact) gives when the user did not allow an
    /// ephemeral store explicitly (`ephemeral`, `--ephemeral`): it explains that the rotated
    /// refresh token would die with the process.
    pub fn require_durable(&self, vendor: &str) -> Result<()> {
        if self.is_durable() {
            return Ok(());
        }
        Err(Error::config(format!(
            "{vendor} rotates its refresh token on every refresh: with the token store `{self}` \
             the rotated token is lost when this process ends, and the next run needs a new \
             consent (\"Old refresh token used\"). Set {TOKEN_STORE_ENV}=file:DIR or a redis:// \
             URL, or allow an ephemeral store explicitly (`ephemeral` / `--ephemeral`)"
        )))
    }

    /// Build the broker for this spec: memory → [`MemoryTokenBroker`]; file →
    /// [`StoreTokenBroker`] over a [`FileTokenStore`]; Redis → `RedisTokenBroker` (connecting
    /// now); custom → [`StoreTokenBroker`] over the store (sealed by a [`SealedTokenStore`] when a
    /// key is set).
    pub async fn build(
        &self,
        refresher: Arc<dyn TokenRefresher>,
        config: BrokerConfig,
    ) -> Result<Arc<dyn TokenBroker>> {
        match &self.location {
            TokenStoreLocation::Memory => Ok(Arc::new(MemoryTokenBroker::new(refresher, config))),
            TokenStoreLocation::File(dir) => {
                let store = FileTokenStore::new(dir.clone())?.with_key(self.key.clone());
                Ok(Arc::new(StoreTokenBroker::new(
                    Arc::new(store),
                    refresher,
                    StoreBrokerConfig::new(config),
                )))
            }
            TokenStoreLocation::Custom(store) => {
                let store: Arc<dyn TokenStore> = match &self.key {
                    Some(key) => Arc::new(SealedTokenStore::new(store.clone(), key.clone())),
                    None => store.clone(),
                };
                Ok(Arc::new(StoreTokenBroker::new(
                    store,
                    refresher,
                    StoreBrokerConfig::new(config),
                )))
            }
            TokenStoreLocation::Redis(url) => self.build_redis(url, refresher, config).await,
        }
    }

    #[cfg(feature = "redis")]
    async fn build_redis(
        &self,
        url: &SecretString,
        refresher: Arc<dyn TokenRefresher>,
        config: BrokerConfig,
    ) -> Result<Arc<dyn TokenBroker>> {
        let cfg = super::redis::RedisBrokerConfig::default()
            .with_prefix(self.redis_prefix.clone())
            .with_broker(config)
            .with_key(self.key.clone());
        let broker =
            super::redis::RedisTokenBroker::connect(url.expose_secret(), refresher, cfg).await?;
        Ok(Arc::new(broker))
    }

    #[cfg(not(feature = "redis"))]
    async fn build_redis(
        &self,
        url: &SecretString,
        _refresher: Arc<dyn TokenRefresher>,
        _config: BrokerConfig,
    ) -> Result<Arc<dyn TokenBroker>> {
        let _ = url.expose_secret();
        Err(Error::config(
            "a Redis token store needs the `redis` feature of grootboek-core",
        ))
    }
}

impl std::str::FromStr for TokenStoreSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for TokenStoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            TokenStoreLocation::Memory => f.write_str("memory")?,
            TokenStoreLocation::File(dir) => write!(f, "file:{}", dir.display())?,
            TokenStoreLocation::Redis(_) => f.write_str("redis (URL not shown)")?,
            TokenStoreLocation::Custom(_) => f.write_str("custom")?,
        }
        if let Some(key) = &self.key {
            write!(f, ", sealed with key {}", key.id())?;
        }
        Ok(())
    }
}

/// Build the broker of `spec` (same as [`TokenStoreSpec::build`]).
pub async fn build_token_broker(
    spec: &TokenStoreSpec,
    refresher: Arc<dyn TokenRefresher>,
    config: BrokerConfig,
) -> Result<Arc<dyn TokenBroker>> {
    spec.build(refresher, config).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_the_three_forms_and_refuses_others_without_echo() {
        assert!(matches!(
            TokenStoreSpec::parse(" Memory ").map(|s| s.location),
            Ok(TokenStoreLocation::Memory)
        ));
        for (text, dir) in [
            ("file:/var/tok", "/var/tok"),
            ("file:///var/tok", "/var/tok"),
            ("file:rel/dir", "rel/dir"),
        ] {
            match TokenStoreSpec::parse(text).map(|s| s.location) {
                Ok(TokenStoreLocation::File(p)) => assert_eq!(p, PathBuf::from(dir)),
                other => panic!("{text}: {other:?}"),
            }
        }
        let redis = TokenStoreSpec::parse("redis://:PASSWORD@127.0.0.1:6379/2");
        if cfg!(feature = "redis") {
            let spec = redis.expect("redis");
            assert!(spec.is_durable());
            let shown = format!("{spec} {spec:?}");
            assert!(!shown.contains("PASSWORD"), "{shown}");
        } else {
            assert_eq!(*redis.expect_err("no feature").kind(), ErrorKind::Config);
        }
        for bad in ["", "file:", "postgres://u:PASSWORD@h/db", "mem"] {
            let e = TokenStoreSpec::parse(bad).expect_err(bad);
            assert_eq!(*e.kind(), ErrorKind::Config);
            assert!(!e.to_string().contains("PASSWORD"), "{e}");
        }
        assert!(!TokenStoreSpec::memory().is_durable());
        assert!(TokenStoreSpec::file("/x").is_durable());
        assert!(TokenStoreSpec::file("/x").require_durable("Exact").is_ok());
        let e = TokenStoreSpec::memory()
            .require_durable("Exact")
            .expect_err("memory is not durable");
        assert_eq!(*e.kind(), ErrorKind::Config);
        assert!(e.message().contains("ephemeral"), "{e}");
    }

    #[test]
    fn from_lookup_reads_store_and_key() {
        let key = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
        let env = |store: Option<&'static str>, k: Option<&'static str>| {
            move |name: &str| match name {
                TOKEN_STORE_ENV => store.map(str::to_owned),
                TOKEN_KEY_ENV => k.map(str::to_owned),
                _ => None,
            }
        };
        assert!(TokenStoreSpec::from_lookup(env(None, None))
            .expect("ok")
            .is_none());
        let spec = TokenStoreSpec::from_lookup(env(Some("file:/t"), Some(key)))
            .expect("ok")
            .expect("spec");
        assert!(spec.key().is_some());
        assert!(spec.to_string().starts_with("file:/t, sealed with key "));
        assert!(!format!("{spec:?}").contains(key));
        let e = TokenStoreSpec::from_lookup(env(Some("file:/t"), Some("c2hvcnQ=")))
            .expect_err("short key");
        assert_eq!(*e.kind(), ErrorKind::Config);
    }
}
