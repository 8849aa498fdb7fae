//! Token broker: one valid access token per connection, refreshed at most once per expiry (Q04),
//! with dead grants surfaced as [`ErrorKind::ReconsentRequired`] and never retried (T04).
//!
//! An adapter implements [`TokenRefresher`] (the vendor's refresh call) and asks a
//! [`TokenBroker`] for a token before every request:
//!
//! ```no_run
//! # use grootboek_core::runtime::{TokenBroker, ConnectionId};
//! # async fn call(broker: &dyn TokenBroker, conn: &ConnectionId) -> grootboek_core::Result<()> {
//! let token = broker.access_token(conn).await?;
//! // … send the request with `token.expose_secret()` …
//! // On a 401, first ask the broker whether the token was the problem (Q08):
//! let newer = broker.rejected(conn, &token).await?;
//! # let _ = newer; Ok(()) }
//! ```

pub mod file;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis;
pub mod seal;
pub mod spec;
pub mod store;
pub mod summary;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind, Result};

pub use file::FileTokenStore;
pub use memory::MemoryTokenBroker;
pub use seal::{SealedTokenStore, TokenKey, TOKEN_KEY_ENV};
pub use spec::{build_token_broker, TokenStoreLocation, TokenStoreSpec, TOKEN_STORE_ENV};
pub use store::{
    MemoryTokenStore, RefreshLease, RefreshLock, StoreBrokerConfig, StoreTokenBroker, TokenRecord,
    TokenStore,
};
pub use summary::TokenSummary;

/// The identity of one vendor connection (one consent): e.g. `exact:acme` or
/// `twinfield:org-42`. Used in Redis keys, so it is restricted to
/// `A-Z a-z 0-9 . _ - : @ /` and at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// A connection id, refused (`ErrorKind::Config`) when empty, too long or holding other
    /// characters than `A-Z a-z 0-9 . _ - : @ /`.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || ".-_:@/".contains(c);
        if id.is_empty() || id.len() > 200 || !id.chars().all(ok_char) {
            return Err(Error::config(format!(
                "connection id `{}` must be 1..=200 characters of A-Z a-z 0-9 . _ - : @ /",
                id.escape_debug()
            )));
        }
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An access token and refresh token with the access token's lifetime. The secrets are
/// [`SecretString`]s and `Debug` never shows them.
#[derive(Clone)]
pub struct TokenPair {
    /// The access token sent with every request.
    pub access_token: SecretString,
    /// The refresh token (Exact rotates it on every use; Twinfield keeps it long-lived).
    pub refresh_token: SecretString,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// When the pair was issued. The broker sets it to its own clock's time when a refresh
    /// returns, so the vendor's minimum refresh interval is counted from there.
    pub issued_at: DateTime<Utc>,
    /// Non-secret values kept with the pair (e.g. Twinfield's `twf.clusterUrl`, T02).
    pub metadata: BTreeMap<String, String>,
}

impl TokenPair {
    /// A pair issued at `issued_at` whose access token expires at `expires_at`.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: impl Into<String>,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            access_token: SecretString::from(access_token.into()),
            refresh_token: SecretString::from(refresh_token.into()),
            expires_at,
            issued_at,
            metadata: BTreeMap::new(),
        }
    }

    /// A pair issued at `issued_at` whose access token lives `expires_in` (the OAuth
    /// `expires_in`, already parsed from number or string, T01).
    pub fn from_expires_in(
        access_token: impl Into<String>,
        refresh_token: impl Into<String>,
        issued_at: DateTime<Utc>,
        expires_in: Duration,
    ) -> Self {
        let expires_at = issued_at
            .checked_add_signed(chrono::Duration::from_std(expires_in).unwrap_or_default())
            .unwrap_or(issued_at);
        Self::new(access_token, refresh_token, issued_at, expires_at)
    }

    /// Add a non-secret metadata value.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The access token as an [`AccessToken`] of `generation`.
    pub fn access(&self, generation: u64) -> AccessToken {
        AccessToken {
            secret: self.access_token.clone(),
            expires_at: self.expires_at,
            generation,
        }
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// An access token handed out by a [`TokenBroker`]. `Debug` never shows the secret.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: DateTime<Utc>,
    generation: u64,
}

impl AccessToken {
    /// The token text, for the `Authorization` header. Never log it.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The token as a [`SecretString`].
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// When the token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Which stored pair this token came from: grows by one (or more) with every stored pair.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether two tokens carry the same secret text.
    pub fn same_secret(&self, other: &SecretString) -> bool {
        self.secret.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("generation", &self.generation)
            .finish()
    }
}

/// The vendor's refresh call, implemented by each adapter (object safe).
///
/// Map the vendor's "the grant is dead" answers (`invalid_grant`, `invalid_request`, Exact's
/// `Old refresh token used`) to [`ErrorKind::ReconsentRequired`] (or keep them in the error's
/// vendor code/message: the broker passes every refresh error through
/// [`classify_refresh_error`]). Transport failures are [`ErrorKind::Unavailable`].
#[async_trait]
pub trait TokenRefresher: Send + Sync {
    /// Exchange `current.refresh_token` for a new pair. `issued_at` of the result is overwritten
    /// by the broker with its own clock's time.
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair>;

    /// The vendor's minimum interval between refreshes (Exact: about 570 s,
    /// `TooEarlyToRefreshTokens`). The broker never refreshes earlier than `issued_at` plus this.
    fn min_refresh_interval(&self) -> Duration {
        Duration::ZERO
    }
}

/// Hands out a valid access token per connection, refreshing through a [`TokenRefresher`]:
/// at most one refresh per expiry, the new pair stored before its access token is handed out.
#[async_trait]
pub trait TokenBroker: Send + Sync + fmt::Debug {
    /// A valid access token for `conn`, refreshed first when it expires within the configured
    /// skew. Errors: `ReconsentRequired` when no pair is stored or the grant is dead;
    /// `RateLimited` when the token expired before the vendor's minimum refresh interval
    /// passed; the refresher's own (temporary) errors otherwise.
    async fn access_token(&self, conn: &ConnectionId) -> Result<AccessToken>;

    /// Store the pair from the code exchange (or a re-consent), replacing any pair and clearing
    /// the dead-grant mark. A refresh in flight for `conn` can no longer commit over it.
    async fn store(&self, conn: &ConnectionId, pair: TokenPair) -> Result<()>;

    /// Store `pair` only when no pair is stored for `conn` (e.g. a refresh token from the
    /// configuration, seeded at start-up): a pair that another process stored or rotated meanwhile
    /// is never overwritten. Returns whether `pair` was stored. The default (read, then store) is
    /// not atomic; the brokers of this crate override it with an atomic one.
    async fn store_if_absent(&self, conn: &ConnectionId, pair: TokenPair) -> Result<bool> {
        if self.current(conn).await?.is_some() {
            return Ok(false);
        }
        self.store(conn, pair).await?;
        Ok(true)
    }

    /// The currently stored pair, if any.
    async fn current(&self, conn: &ConnectionId) -> Result<Option<TokenPair>>;

    /// The vendor answered 401 to `rejected`. Refreshes only if the stored access token is still
    /// that one (at most once, however many callers report it); when a newer token is stored it is
    /// returned without a refresh. A 401 that is not a token problem (Exact Q08) therefore burns
    /// no refresh once the adapter retried with the newer token.
    async fn rejected(&self, conn: &ConnectionId, rejected: &AccessToken) -> Result<AccessToken>;

    /// How many refreshes the broker committed for `conn` (observable in tests and metrics).
    async fn refresh_count(&self, conn: &ConnectionId) -> Result<u64>;

    /// Forget everything stored for `conn`.
    async fn remove(&self, conn: &ConnectionId) -> Result<()>;
}

/// Settings shared by the brokers.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Refresh this long before the access token expires (default 60 s).
    pub skew: Duration,
    /// The clock for expiry decisions (default [`SystemClock`]).
    pub clock: Arc<dyn Clock>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            skew: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
        }
    }
}

impl BrokerConfig {
    /// Set the refresh skew.
    pub fn with_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// Set the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// The vendor answers that mean the grant is dead and a person must consent again (T04).
const DEAD_GRANT_MARKERS: [&str; 3] =
    ["invalid_grant", "old refresh token used", "invalid_request"];

/// Whether a vendor code or message says the grant is dead (`invalid_grant`,
/// `Old refresh token used`, `invalid_request`; case-insensitive).
pub fn is_dead_grant(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    DEAD_GRANT_MARKERS.iter().any(|m| lower.contains(m))
}

/// Turn a refresh failure whose kind, vendor code or vendor message says the grant is dead into
/// a non-retryable [`ErrorKind::ReconsentRequired`] (keeping vendor and raw vendor error);
/// other errors are returned unchanged.
pub fn classify_refresh_error(err: Error) -> Error {
    if *err.kind() == ErrorKind::ReconsentRequired {
        return err.with_retryable(false);
    }
    let vendor_says_dead = err.vendor_error().is_some_and(|ve| {
        ve.code.as_deref().is_some_and(is_dead_grant)
            || ve.message.as_deref().is_some_and(is_dead_grant)
    });
    if !vendor_says_dead && !is_dead_grant(err.message()) {
        return err;
    }
    let mut out = Error::new(
        ErrorKind::ReconsentRequired,
        format!(
            "the refresh token was refused, consent again: {}",
            err.message()
        ),
    )
    .with_operation(err.operation().unwrap_or("refresh_token"))
    .with_retryable(false);
    if let Some(v) = err.vendor() {
        out = out.with_vendor(v);
    }
    if let Some(ve) = err.vendor_error() {
        out = out.with_vendor_error(ve.clone());
    }
    out.with_source(err)
}

/// `at + by`, saturating at the end of time.
pub(crate) fn add(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// When a stored pair must be refreshed, and whether that is allowed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Use the stored access token.
    Fresh,
    /// Refresh now.
    Refresh,
    /// Expired, but the vendor's minimum refresh interval has not passed: wait this long.
    TooEarly(Duration),
}

/// Decide what to do with `pair` at `now`: refresh from `expires_at - skew` on, but never before
/// `issued_at + min_interval`; while refreshing is not yet allowed the token is used as long as
/// it has not expired.
pub(crate) fn freshness(
    pair: &TokenPair,
    now: DateTime<Utc>,
    skew: Duration,
    min_interval: Duration,
) -> Freshness {
    let skew = chrono::Duration::from_std(skew).unwrap_or(chrono::Duration::MAX);
    let min_interval = chrono::Duration::from_std(min_interval).unwrap_or(chrono::Duration::MAX);
    let refresh_from = pair
        .expires_at
        .checked_sub_signed(skew)
        .unwrap_or(pair.expires_at);
    if now < refresh_from {
        return Freshness::Fresh;
    }
    let allowed_from = pair
        .issued_at
        .checked_add_signed(min_interval)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if now >= allowed_from {
        Freshness::Refresh
    } else if now < pair.expires_at {
        Freshness::Fresh
    } else {
        Freshness::TooEarly((allowed_from - now).to_std().unwrap_or_default())
    }
}

/// The error when a token expired before the vendor allows the next refresh.
pub(crate) fn too_early(conn: &ConnectionId, wait: Duration) -> Error {
    Error::new(
        ErrorKind::RateLimited {
            retry_after: Some(wait),
        },
        format!(
            "the access token of connection {conn} expired before the vendor's minimum refresh \
             interval passed; refreshing is allowed in {} ms",
            wait.as_millis()
        ),
    )
    .with_operation("refresh_token")
}

/// The error when no pair is stored for a connection.
pub(crate) fn no_pair(conn: &ConnectionId) -> Error {
    Error::new(
        ErrorKind::ReconsentRequired,
        format!("no token pair stored for connection {conn}: complete the consent flow first"),
    )
    .with_operation("access_token")
}

/// The error when a connection's grant was marked dead by an earlier refresh.
pub(crate) fn dead(conn: &ConnectionId) -> Error {
    Error::new(
        ErrorKind::ReconsentRequired,
        format!("the grant of connection {conn} is dead (refresh refused): consent again"),
    )
    .with_operation("access_token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::VendorError;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn connection_ids_are_restricted() {
        assert!(ConnectionId::new("exact:acme-1").is_ok());
        assert!(ConnectionId::new("").is_err());
        assert!(ConnectionId::new("a}b").is_err());
        assert!(ConnectionId::new("a b").is_err());
    }

    #[test]
    fn debug_of_pair_and_token_hides_secrets() {
        let p = TokenPair::new("acc-SECRET-1", "ref-SECRET-2", t(0), t(600));
        let s = format!("{p:?} {:?}", p.access(3));
        assert!(!s.contains("SECRET"), "{s}");
        assert!(s.contains("REDACTED"));
    }

    #[test]
    fn freshness_respects_skew_and_minimum_interval() {
        // Exact-like: 600 s token, 570 s minimum interval, 60 s skew.
        let p = TokenPair::new("a", "r", t(0), t(600));
        let (skew, min) = (Duration::from_secs(60), Duration::from_secs(570));
        assert_eq!(freshness(&p, t(100), skew, min), Freshness::Fresh);
        // Inside the skew but before the minimum interval: keep using the valid token.
        assert_eq!(freshness(&p, t(550), skew, min), Freshness::Fresh);
        assert_eq!(freshness(&p, t(570), skew, min), Freshness::Refresh);
        // A token that expires early (vendor shortened it) cannot be refreshed before 570 s.
        let short = TokenPair::new("a", "r", t(0), t(300));
        assert_eq!(
            freshness(&short, t(400), skew, min),
            Freshness::TooEarly(Duration::from_secs(170))
        );
    }

    #[test]
    fn dead_grants_become_reconsent_required() {
        let e = Error::new(ErrorKind::Unauthenticated, "refresh refused").with_vendor_error(
            VendorError {
                code: Some("401".into()),
                message: Some("Old refresh token used.".into()),
                ..Default::default()
            },
        );
        let c = classify_refresh_error(e);
        assert_eq!(*c.kind(), ErrorKind::ReconsentRequired);
        assert!(!c.is_retryable());
        let c = classify_refresh_error(Error::protocol("error=invalid_grant"));
        assert_eq!(*c.kind(), ErrorKind::ReconsentRequired);
        let c = classify_refresh_error(Error::new(ErrorKind::Unavailable, "timeout"));
        assert_eq!(*c.kind(), ErrorKind::Unavailable);
        assert!(c.is_retryable());
    }
}
