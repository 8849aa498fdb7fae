//! A durable token store under a broker: [`TokenStore`] (load, compare-and-swap by generation,
//! remove) and [`StoreTokenBroker`], the [`TokenBroker`] over any store.
//!
//! A store keeps one [`TokenRecord`] per connection: the refresh token, the access token with
//! its expiry, when the pair was issued, its metadata and a generation (the fencing counter that
//! grows with every write). Because the access token is kept, a restarted process reuses a still
//! valid access token instead of refreshing (Exact refuses a refresh within ~570 s of the last one:
//! `TooEarlyToRefreshTokens`, Q04).
//!
//! One refresh per expiry across processes:
//!
//! - A store with a lock of its own ([`TokenStore::lock_refresh`], e.g. the OS file lock of
//!   [`FileTokenStore`](super::file::FileTokenStore)) is refreshed under that lock: the holder
//!   re-reads, refreshes, commits by compare-and-swap and releases; waiting processes then re-read
//!   the new pair instead of refreshing. The OS drops the lock of a killed process.
//! - A store without one (the default for a team's own database) gets a lease written into the
//!   record by compare-and-swap: the process whose swap wins refreshes; the others re-read until
//!   the new pair is there, or the lease has run out (its holder died) and one of them takes over.
//!
//! Within one process a gate per connection lets one task go to the store while the others wait.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::seal::{is_sealed, TOKEN_KEY_ENV};
use super::{
    add, classify_refresh_error, dead, freshness, no_pair, too_early, AccessToken, BrokerConfig,
    ConnectionId, Freshness, TokenBroker, TokenPair, TokenRefresher,
};
use crate::error::{Error, ErrorKind, Result};

/// A claim on the right to refresh one connection, kept in the record by stores without a lock of
/// their own (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshLease {
    /// A random id of the claiming broker call.
    pub owner: String,
    /// Until when the claim holds (system clock); after that another process may take over.
    pub until: DateTime<Utc>,
}

/// What a [`TokenStore`] keeps for one connection. `Debug` never shows the tokens.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// The pair: access token with expiry, refresh token, issued-at, metadata.
    pub pair: TokenPair,
    /// The fencing counter: grows with every write of the record (store, refresh, lease, dead
    /// mark). [`TokenStore::compare_and_swap`] compares it.
    pub generation: u64,
    /// How many refreshes were committed for the connection.
    pub refreshes: u64,
    /// The grant is dead (a refresh was refused for good): nothing refreshes it again until a new
    /// pair is stored (T04).
    pub dead: bool,
    /// A refresh claimed by a broker on a store without its own lock.
    pub lease: Option<RefreshLease>,
}

/// The exclusive right to refresh one connection, held across processes; released when dropped
/// (and by the OS when its process dies, for an OS lock).
pub struct RefreshLock {
    _guard: Box<dyn Send + Sync>,
}

impl RefreshLock {
    /// A lock released when `guard` is dropped.
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        Self {
            _guard: Box::new(guard),
        }
    }
}

impl fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshLock")
    }
}

/// Where a connection's [`TokenRecord`] lives: implement this for your own database to keep
/// tokens there (object safe; wrap it in a [`StoreTokenBroker`]).
///
/// A store keeps the secrets it is given: seal them with
/// [`seal`](super::seal::seal)/[`open`](super::seal::open) when the database is not trusted with
/// refresh tokens in clear.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The record of `conn`, `None` when nothing is stored. A record that cannot be read
    /// (corrupted, sealed with another key) is an error, never `None`: a broker must not refresh
    /// over it.
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>>;

    /// Write `record` only if the stored generation is `expected` (`None`: nothing is stored),
    /// atomically with respect to every other writer of this store. `Ok(false)` when the stored
    /// generation differs. `record.generation` is always greater than `expected`.
    async fn compare_and_swap(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        record: &TokenRecord,
    ) -> Result<bool>;

    /// Forget the record of `conn` (nothing stored is fine).
    async fn remove(&self, conn: &ConnectionId) -> Result<()>;

    /// The stored generation of `conn` without opening its secrets, for replacing a record that
    /// cannot be read (a consent over a corrupted file). The default loads the record; a store
    /// that can tell a generation of an unreadable record returns it here (see
    /// [`compare_and_swap`](Self::compare_and_swap)).
    async fn generation(&self, conn: &ConnectionId) -> Result<Option<u64>> {
        Ok(self.load(conn).await?.map(|r| r.generation))
    }

    /// Take the store's own cross-process refresh lock of `conn`, waiting at most `wait`
    /// (`Unavailable` after that). `Ok(None)` (the default): the store has none, and the broker
    /// claims a [`RefreshLease`] in the record instead.
    async fn lock_refresh(
        &self,
        _conn: &ConnectionId,
        _wait: Duration,
    ) -> Result<Option<RefreshLock>> {
        Ok(None)
    }

    /// Whether the records outlive the process (`true` unless the store is in memory). Exact
    /// needs a durable store: its refresh token rotates on every refresh.
    fn is_durable(&self) -> bool {
        true
    }
}

#[async_trait]
impl<S: TokenStore + ?Sized> TokenStore for Arc<S> {
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>> {
        (**self).load(conn).await
    }
    async fn compare_and_swap(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        record: &TokenRecord,
    ) -> Result<bool> {
        (**self).compare_and_swap(conn, expected, record).await
    }
    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        (**self).remove(conn).await
    }
    async fn generation(&self, conn: &ConnectionId) -> Result<Option<u64>> {
        (**self).generation(conn).await
    }
    async fn lock_refresh(
        &self,
        conn: &ConnectionId,
        wait: Duration,
    ) -> Result<Option<RefreshLock>> {
        (**self).lock_refresh(conn, wait).await
    }
    fn is_durable(&self) -> bool {
        (**self).is_durable()
    }
}

/// A [`TokenStore`] in process memory: not durable, no lock of its own (so brokers sharing it
/// use leases). For tests, and as the smallest example of a store.
#[derive(Default)]
pub struct MemoryTokenStore {
    records: Mutex<HashMap<ConnectionId, TokenRecord>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("connections", &lock(&self.records).len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>> {
        Ok(lock(&self.records).get(conn).cloned())
    }

    async fn compare_and_swap(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        record: &TokenRecord,
    ) -> Result<bool> {
        let mut records = lock(&self.records);
        if records.get(conn).map(|r| r.generation) != expected {
            return Ok(false);
        }
        records.insert(conn.clone(), record.clone());
        Ok(true)
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        lock(&self.records).remove(conn);
        Ok(())
    }

    fn is_durable(&self) -> bool {
        false
    }
}

/// Settings of a [`StoreTokenBroker`].
#[derive(Debug, Clone)]
pub struct StoreBrokerConfig {
    /// Skew and clock ([`BrokerConfig`]).
    pub broker: BrokerConfig,
    /// The longest a vendor refresh may take (default 10 s); then `Unavailable`.
    pub refresh_timeout: Duration,
    /// How long a caller waits for another process's refresh (default 40 s); then `Unavailable`.
    pub wait_timeout: Duration,
    /// How long a [`RefreshLease`] holds (default 30 s, at least `refresh_timeout` + 1 s); only
    /// for stores without a lock of their own.
    pub lease: Duration,
    /// The first and the longest pause between re-reads while another process refreshes
    /// (default 10 ms and 250 ms).
    pub poll: (Duration, Duration),
}

impl Default for StoreBrokerConfig {
    fn default() -> Self {
        Self {
            broker: BrokerConfig::default(),
            refresh_timeout: Duration::from_secs(10),
            wait_timeout: Duration::from_secs(40),
            lease: Duration::from_secs(30),
            poll: (Duration::from_millis(10), Duration::from_millis(250)),
        }
    }
}

impl StoreBrokerConfig {
    /// Settings with this skew and clock and the other defaults.
    pub fn new(broker: BrokerConfig) -> Self {
        Self {
            broker,
            ..Self::default()
        }
    }

    /// Set the vendor refresh timeout and the wait for another process's refresh.
    pub fn with_timeouts(mut self, refresh_timeout: Duration, wait_timeout: Duration) -> Self {
        self.refresh_timeout = refresh_timeout;
        self.wait_timeout = wait_timeout;
        self
    }

    /// Set the lease of stores without a lock of their own.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }
}

/// What the caller wants refreshed.
enum Want<'a> {
    IfDue,
    IfStill(&'a AccessToken),
}

enum Decision {
    Use(AccessToken),
    Refresh(TokenRecord),
}

/// A [`TokenBroker`] over any [`TokenStore`] (file, a team's database, memory), with the
/// semantics of [`MemoryTokenBroker`](super::MemoryTokenBroker) and the Redis broker: at most
/// one refresh per expiry across every task and process sharing the store, the new pair stored
/// before its access token is handed out, dead grants marked and never refreshed again, the
/// vendor's minimum refresh interval respected.
pub struct StoreTokenBroker<S: TokenStore + ?Sized = dyn TokenStore> {
    store: Arc<S>,
    refresher: Arc<dyn TokenRefresher>,
    config: StoreBrokerConfig,
    gates: Mutex<HashMap<ConnectionId, Arc<tokio::sync::Mutex<()>>>>,
}

impl<S: TokenStore + ?Sized> StoreTokenBroker<S> {
    /// A broker on `store`, refreshing through `refresher`.
    pub fn new(
        store: Arc<S>,
        refresher: Arc<dyn TokenRefresher>,
        config: StoreBrokerConfig,
    ) -> Self {
        Self {
            store,
            refresher,
            config,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The store beneath.
    pub fn token_store(&self) -> &Arc<S> {
        &self.store
    }

    /// The stored record; sealed values reaching the broker unopened mean no key is configured
    /// for a store that holds sealed tokens: a configuration error, never a refresh with them.
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>> {
        let record = self.store.load(conn).await?;
        if let Some(r) = &record {
            if is_sealed(r.pair.access_token.expose_secret())
                || is_sealed(r.pair.refresh_token.expose_secret())
            {
                return Err(Error::config(format!(
                    "the stored tokens of connection {conn} are sealed, but no key is configured: \
                     set {TOKEN_KEY_ENV} to the key they were sealed with"
                ))
                .with_operation("open_token"));
            }
        }
        Ok(record)
    }

    fn gate(&self, conn: &ConnectionId) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.gates).entry(conn.clone()).or_default().clone()
    }

    fn decide(
        &self,
        conn: &ConnectionId,
        record: Option<TokenRecord>,
        want: &Want<'_>,
    ) -> Result<Decision> {
        let record = record.ok_or_else(|| no_pair(conn))?;
        if record.dead {
            return Err(dead(conn));
        }
        let pair = &record.pair;
        let now = self.config.broker.clock.now();
        let min = self.refresher.min_refresh_interval();
        match want {
            Want::IfStill(rejected) if !rejected.same_secret(&pair.access_token) => {
                Ok(Decision::Use(pair.access(record.generation)))
            }
            Want::IfStill(_) => {
                let allowed = add(pair.issued_at, min);
                if now >= allowed {
                    Ok(Decision::Refresh(record))
                } else {
                    Err(too_early(
                        conn,
                        (allowed - now).to_std().unwrap_or_default(),
                    ))
                }
            }
            Want::IfDue => match freshness(pair, now, self.config.broker.skew, min) {
                Freshness::Fresh => Ok(Decision::Use(pair.access(record.generation))),
                Freshness::Refresh => Ok(Decision::Refresh(record)),
                Freshness::TooEarly(wait) => Err(too_early(conn, wait)),
            },
        }
    }

    async fn get(&self, conn: &ConnectionId, want: Want<'_>) -> Result<AccessToken> {
        if let Decision::Use(tok) = self.decide(conn, self.load(conn).await?, &want)? {
            return Ok(tok);
        }
        let gate = self.gate(conn);
        let _gate = gate.lock().await;
        match self
            .store
            .lock_refresh(conn, self.config.wait_timeout)
            .await?
        {
            Some(held) => {
                let out = self.refresh_locked(conn, &want).await;
                drop(held);
                out
            }
            None => self.refresh_leased(conn, &want).await,
        }
    }

    /// The vendor call with the timeout; `issued_at` set to the broker's clock.
    async fn call_vendor(&self, conn: &ConnectionId, current: &TokenPair) -> Result<TokenPair> {
        tracing::debug!(connection = %conn, "refreshing access token");
        match tokio::time::timeout(self.config.refresh_timeout, self.refresher.refresh(current))
            .await
        {
            Err(_) => Err(Error::new(
                ErrorKind::Unavailable,
                format!("the token refresh of connection {conn} timed out"),
            )
            .with_operation("refresh_token")),
            Ok(Err(e)) => Err(classify_refresh_error(e)),
            Ok(Ok(mut pair)) => {
                pair.issued_at = self.config.broker.clock.now();
                Ok(pair)
            }
        }
    }

    /// After a commit was refused (a pair was stored or removed meanwhile): hand out the stored
    /// pair if it is usable, never the refused one.
    async fn after_lost_commit(&self, conn: &ConnectionId) -> Result<AccessToken> {
        tracing::warn!(connection = %conn, "refreshed pair discarded: a newer pair was stored");
        match self.decide(conn, self.load(conn).await?, &Want::IfDue)? {
            Decision::Use(tok) => Ok(tok),
            Decision::Refresh(_) => Err(Error::new(
                ErrorKind::Unavailable,
                format!("the token refresh of connection {conn} was overtaken by another write"),
            )
            .with_operation("refresh_token")),
        }
    }

    /// Refresh under the store's own lock: re-read, refresh, commit.
    async fn refresh_locked(&self, conn: &ConnectionId, want: &Want<'_>) -> Result<AccessToken> {
        let record = match self.decide(conn, self.load(conn).await?, want)? {
            Decision::Use(tok) => return Ok(tok),
            Decision::Refresh(r) => r,
        };
        match self.call_vendor(conn, &record.pair).await {
            Ok(pair) => self.commit_refreshed(conn, &record, pair).await,
            Err(e) => {
                if *e.kind() == ErrorKind::ReconsentRequired {
                    let marked = TokenRecord {
                        generation: record.generation + 1,
                        dead: true,
                        lease: None,
                        ..record.clone()
                    };
                    self.mark(conn, Some(record.generation), &marked).await;
                }
                Err(e)
            }
        }
    }

    /// Refresh under a lease claimed in the record (stores without a lock of their own).
    async fn refresh_leased(&self, conn: &ConnectionId, want: &Want<'_>) -> Result<AccessToken> {
        let deadline = tokio::time::Instant::now() + self.config.wait_timeout;
        let (poll_min, poll_max) = self.config.poll;
        let mut poll = poll_min;
        let lease = self
            .config
            .lease
            .max(self.config.refresh_timeout + Duration::from_secs(1));
        let owner = uuid::Uuid::new_v4().to_string();
        loop {
            let record = match self.decide(conn, self.load(conn).await?, want)? {
                Decision::Use(tok) => return Ok(tok),
                Decision::Refresh(r) => r,
            };
            let now = Utc::now();
            let held_by_other = record.lease.as_ref().is_some_and(|l| l.until > now);
            if !held_by_other {
                let claimed = TokenRecord {
                    generation: record.generation + 1,
                    lease: Some(RefreshLease {
                        owner: owner.clone(),
                        until: add(now, lease),
                    }),
                    ..record.clone()
                };
                if self
                    .store
                    .compare_and_swap(conn, Some(record.generation), &claimed)
                    .await?
                {
                    return self.refresh_claimed(conn, claimed).await;
                }
            }
            // Another process refreshes (or won the claim): wait for its pair.
            if tokio::time::Instant::now() + poll > deadline {
                return Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("timed out waiting for another process to refresh connection {conn}"),
                )
                .with_operation("access_token"));
            }
            let jitter = rand::random_range(0..=poll.as_micros() as u64 / 4);
            tokio::time::sleep(poll + Duration::from_micros(jitter)).await;
            poll = (poll * 2).min(poll_max);
        }
    }

    /// Commit the pair a refresh of `from` returned, by compare-and-swap on `from`'s generation;
    /// a lost commit hands out what the winner stored.
    async fn commit_refreshed(
        &self,
        conn: &ConnectionId,
        from: &TokenRecord,
        pair: TokenPair,
    ) -> Result<AccessToken> {
        let next = TokenRecord {
            pair,
            generation: from.generation + 1,
            refreshes: from.refreshes + 1,
            dead: false,
            lease: None,
        };
        if self
            .store
            .compare_and_swap(conn, Some(from.generation), &next)
            .await?
        {
            Ok(next.pair.access(next.generation))
        } else {
            self.after_lost_commit(conn).await
        }
    }

    async fn refresh_claimed(
        &self,
        conn: &ConnectionId,
        claimed: TokenRecord,
    ) -> Result<AccessToken> {
        match self.call_vendor(conn, &claimed.pair).await {
            Ok(pair) => self.commit_refreshed(conn, &claimed, pair).await,
            Err(e) => {
                // Release the lease (and mark a dead grant) so others need not wait it out.
                let released = TokenRecord {
                    generation: claimed.generation + 1,
                    dead: *e.kind() == ErrorKind::ReconsentRequired,
                    lease: None,
                    ..claimed.clone()
                };
                self.mark(conn, Some(claimed.generation), &released).await;
                Err(e)
            }
        }
    }

    async fn mark(&self, conn: &ConnectionId, expected: Option<u64>, record: &TokenRecord) {
        match self.store.compare_and_swap(conn, expected, record).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(connection = %conn, "record changed meanwhile; not marked")
            }
            Err(e) => {
                tracing::warn!(connection = %conn, error = %e, "could not update the token record")
            }
        }
    }
}

impl<S: TokenStore + ?Sized> fmt::Debug for StoreTokenBroker<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreTokenBroker")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The generation of a newly stored pair: one past the stored one, or, when nothing is stored,
/// the current time in microseconds, so a generation is never reused after a `remove` and a
/// refresh in flight can never commit over a later consent.
fn next_generation(stored: Option<u64>) -> u64 {
    match stored {
        Some(g) => g.saturating_add(1),
        None => u64::try_from(Utc::now().timestamp_micros())
            .unwrap_or(1)
            .max(1),
    }
}

#[async_trait]
impl<S: TokenStore + ?Sized> TokenBroker for StoreTokenBroker<S> {
    async fn access_token(&self, conn: &ConnectionId) -> Result<AccessToken> {
        self.get(conn, Want::IfDue).await
    }

    async fn store(&self, conn: &ConnectionId, pair: TokenPair) -> Result<()> {
        for _ in 0..16 {
            // The refresh count survives a re-consent; a record that cannot be read (corrupt,
            // other key) is replaced.
            let (expected, refreshes) = match self.load(conn).await {
                Ok(r) => (
                    r.as_ref().map(|r| r.generation),
                    r.map_or(0, |r| r.refreshes),
                ),
                Err(e) if matches!(e.kind(), ErrorKind::Config | ErrorKind::Protocol) => {
                    (self.store.generation(conn).await?, 0)
                }
                Err(e) => return Err(e),
            };
            let record = TokenRecord {
                pair: pair.clone(),
                generation: next_generation(expected),
                refreshes,
                dead: false,
                lease: None,
            };
            if self.store.compare_and_swap(conn, expected, &record).await? {
                return Ok(());
            }
        }
        Err(Error::new(
            ErrorKind::Unavailable,
            format!("the token record of connection {conn} kept changing; the pair was not stored"),
        )
        .with_operation("store_token"))
    }

    async fn store_if_absent(&self, conn: &ConnectionId, pair: TokenPair) -> Result<bool> {
        // A record that cannot be read is an error here: a seed never replaces it.
        if self.load(conn).await?.is_some() {
            return Ok(false);
        }
        let record = TokenRecord {
            pair,
            generation: next_generation(None),
            refreshes: 0,
            dead: false,
            lease: None,
        };
        self.store.compare_and_swap(conn, None, &record).await
    }

    async fn current(&self, conn: &ConnectionId) -> Result<Option<TokenPair>> {
        Ok(self.load(conn).await?.map(|r| r.pair))
    }

    async fn rejected(&self, conn: &ConnectionId, rejected: &AccessToken) -> Result<AccessToken> {
        self.get(conn, Want::IfStill(rejected)).await
    }

    async fn refresh_count(&self, conn: &ConnectionId) -> Result<u64> {
        Ok(self.load(conn).await?.map_or(0, |r| r.refreshes))
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        self.store.remove(conn).await?;
        lock(&self.gates).remove(conn);
        Ok(())
    }
}
