//! [`RedisTokenBroker`]: one token pair per connection shared by every process through Redis
//! (Q04; `reference/ecosystem.md` §5a).
//!
//! Keys (all of one connection share the hash tag `{conn}`, so the scripts work on a cluster):
//! `<prefix>:tok:{conn}` (hash: access, refresh, exp_ms, iat_ms, meta, gen, refreshes, dead),
//! `<prefix>:lock:{conn}` (owner value, `SET NX PX`), `<prefix>:fence:{conn}` (fencing counter),
//! `<prefix>:orphan:{conn}` (a refreshed pair whose commit was refused, kept for recovery).
//! `remove` leaves a day-long tombstone with a new fencing token in the hash.
//!
//! 1. Read the hash; a fresh token is returned at once (nearly every call).
//! 2. Otherwise take the lock (`SET NX PX` + `INCR fence`, one script). Losers re-read with
//!    backoff until the winner's pair appears; they never refresh themselves.
//! 3. The winner re-reads (someone may have refreshed meanwhile), renews its lease, calls the
//!    vendor with a timeout below the lease, and commits with a compare-and-set script that
//!    checks both the owner value and that its fencing token is newer than the stored pair's.
//!    Only then is the new access token handed out.
//! 4. The lock is released by its owner only.
//!
//! Fencing protects only this store: a holder that stalls past its lease cannot overwrite a newer
//! pair, but the vendor may already have rotated the refresh token it used (Exact); the refused
//! pair is kept in the orphan key for 24 hours. Token values are never logged; with a key
//! ([`RedisBrokerConfig::key`], `GROOTBOEK_TOKEN_KEY`) the `access` and `refresh` fields (and the
//! orphan's) hold only sealed values ([`seal`](super::seal)), and a wrong key is a `Config` error
//! that never leads to a refresh.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use redis::Script;
use secrecy::SecretString;

use super::seal::{open, seal, TokenKey};
use super::{
    add, classify_refresh_error, dead, freshness, no_pair, too_early, AccessToken, BrokerConfig,
    ConnectionId, Freshness, TokenBroker, TokenPair, TokenRefresher,
};
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::redis_error::{check_prefix, connect, redis_error};

const ORPHAN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Settings of a [`RedisTokenBroker`].
#[derive(Debug, Clone)]
pub struct RedisBrokerConfig {
    /// Skew and clock ([`BrokerConfig`]); the clock should be the system clock when several
    /// machines share the broker.
    pub broker: BrokerConfig,
    /// Prefix of every key (default `grootboek`); no braces.
    pub key_prefix: String,
    /// The refresh lock's lease (default 30 s). Renewed just before the vendor call.
    pub lease: Duration,
    /// The longest a vendor refresh may take (default 10 s); keep it well below the lease.
    pub refresh_timeout: Duration,
    /// How long a caller waits for another worker's refresh before giving up with
    /// `Unavailable` (default 40 s).
    pub wait_timeout: Duration,
    /// The first and the longest pause between re-reads while another worker refreshes
    /// (default 10 ms and 250 ms).
    pub poll: (Duration, Duration),
    /// Seals the access and refresh tokens (and orphans) in Redis when set
    /// (`GROOTBOEK_TOKEN_KEY`); `None` (the default) stores them in clear.
    pub key: Option<TokenKey>,
}

impl Default for RedisBrokerConfig {
    fn default() -> Self {
        Self {
            broker: BrokerConfig::default(),
            key_prefix: "grootboek".to_owned(),
            lease: Duration::from_secs(30),
            refresh_timeout: Duration::from_secs(10),
            wait_timeout: Duration::from_secs(40),
            poll: (Duration::from_millis(10), Duration::from_millis(250)),
            key: None,
        }
    }
}

impl RedisBrokerConfig {
    /// Set the key prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Set skew and clock.
    pub fn with_broker(mut self, broker: BrokerConfig) -> Self {
        self.broker = broker;
        self
    }

    /// Seal the tokens with `key` (`None`: in clear).
    pub fn with_key(mut self, key: Option<TokenKey>) -> Self {
        self.key = key;
        self
    }

    /// Set the lock lease and the vendor refresh timeout.
    pub fn with_lease(mut self, lease: Duration, refresh_timeout: Duration) -> Self {
        self.lease = lease;
        self.refresh_timeout = refresh_timeout;
        self
    }
}

struct Scripts {
    acquire: Script,
    commit: Script,
    release: Script,
    renew: Script,
    mark_dead: Script,
    store: Script,
    remove: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            acquire: Script::new(include_str!("../redis_scripts/token_acquire.lua")),
            commit: Script::new(include_str!("../redis_scripts/token_commit.lua")),
            release: Script::new(include_str!("../redis_scripts/token_release.lua")),
            renew: Script::new(include_str!("../redis_scripts/token_renew.lua")),
            mark_dead: Script::new(include_str!("../redis_scripts/token_mark_dead.lua")),
            store: Script::new(include_str!("../redis_scripts/token_store.lua")),
            remove: Script::new(include_str!("../redis_scripts/token_remove.lua")),
        }
    }
}

/// The keys of one connection.
struct Keys {
    tok: String,
    lock: String,
    fence: String,
    orphan: String,
}

/// The stored state of one connection.
struct Stored {
    pair: TokenPair,
    generation: u64,
    dead: bool,
}

/// What the caller wants refreshed.
enum Want<'a> {
    IfDue,
    IfStill(&'a AccessToken),
}

enum Decision {
    Use(AccessToken),
    Refresh,
}

enum HolderOutcome {
    Done(Result<AccessToken>),
    Again,
}

/// A token broker shared through Redis by every task and process of a connection.
pub struct RedisTokenBroker {
    conn: ConnectionManager,
    refresher: Arc<dyn TokenRefresher>,
    config: RedisBrokerConfig,
    scripts: Scripts,
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(conn: &ConnectionId, ms: Option<&String>) -> Result<DateTime<Utc>> {
    ms.and_then(|s| s.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(|| malformed(conn))
}

fn malformed(conn: &ConnectionId) -> Error {
    Error::protocol(format!(
        "the stored token pair of connection {conn} is malformed"
    ))
    .with_operation("read_token")
}

impl RedisTokenBroker {
    /// A broker on an open connection manager.
    pub fn new(
        conn: ConnectionManager,
        refresher: Arc<dyn TokenRefresher>,
        config: RedisBrokerConfig,
    ) -> Result<Self> {
        check_prefix(&config.key_prefix)?;
        Ok(Self {
            conn,
            refresher,
            config,
            scripts: Scripts::new(),
        })
    }

    /// Connect to `url` (e.g. `redis://127.0.0.1:6379`) and build a broker.
    pub async fn connect(
        url: &str,
        refresher: Arc<dyn TokenRefresher>,
        config: RedisBrokerConfig,
    ) -> Result<Self> {
        check_prefix(&config.key_prefix)?;
        Self::new(connect(url).await?, refresher, config)
    }

    /// A token value as stored: sealed when a key is configured.
    fn seal(&self, conn: &ConnectionId, field: &str, secret: &SecretString) -> String {
        seal(self.config.key.as_ref(), conn, field, secret)
    }

    fn keys(&self, conn: &ConnectionId) -> Keys {
        let p = &self.config.key_prefix;
        Keys {
            tok: format!("{p}:tok:{{{conn}}}"),
            lock: format!("{p}:lock:{{{conn}}}"),
            fence: format!("{p}:fence:{{{conn}}}"),
            orphan: format!("{p}:orphan:{{{conn}}}"),
        }
    }

    async fn read(&self, conn: &ConnectionId, keys: &Keys) -> Result<Option<Stored>> {
        let mut c = self.conn.clone();
        let h: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(&keys.tok)
            .query_async(&mut c)
            .await
            .map_err(|e| redis_error("read_token", e))?;
        // Missing, or only the tombstone of a removed connection.
        let Some(access) = h.get("access") else {
            return Ok(None);
        };
        let refresh = h.get("refresh").ok_or_else(|| malformed(conn))?;
        let metadata: BTreeMap<String, String> = match h.get("meta") {
            Some(m) if !m.is_empty() => serde_json::from_str(m).map_err(|_| malformed(conn))?,
            _ => BTreeMap::new(),
        };
        let key = self.config.key.as_ref();
        let pair = TokenPair {
            access_token: open(key, conn, "access", access)?,
            refresh_token: open(key, conn, "refresh", refresh)?,
            expires_at: from_millis(conn, h.get("exp_ms"))?,
            issued_at: from_millis(conn, h.get("iat_ms"))?,
            metadata,
        };
        let generation = h.get("gen").and_then(|g| g.parse().ok()).unwrap_or(0);
        Ok(Some(Stored {
            pair,
            generation,
            dead: h.contains_key("dead"),
        }))
    }

    fn decide(
        &self,
        conn: &ConnectionId,
        stored: Option<&Stored>,
        want: &Want<'_>,
    ) -> Result<Decision> {
        let stored = stored.ok_or_else(|| no_pair(conn))?;
        if stored.dead {
            return Err(dead(conn));
        }
        let pair = &stored.pair;
        let now = self.config.broker.clock.now();
        let min = self.refresher.min_refresh_interval();
        match want {
            Want::IfStill(rejected) if !rejected.same_secret(&pair.access_token) => {
                Ok(Decision::Use(pair.access(stored.generation)))
            }
            Want::IfStill(_) => {
                let allowed = add(pair.issued_at, min);
                if now >= allowed {
                    Ok(Decision::Refresh)
                } else {
                    Err(too_early(
                        conn,
                        (allowed - now).to_std().unwrap_or_default(),
                    ))
                }
            }
            Want::IfDue => match freshness(pair, now, self.config.broker.skew, min) {
                Freshness::Fresh => Ok(Decision::Use(pair.access(stored.generation))),
                Freshness::Refresh => Ok(Decision::Refresh),
                Freshness::TooEarly(wait) => Err(too_early(conn, wait)),
            },
        }
    }

    async fn get(&self, conn: &ConnectionId, want: Want<'_>) -> Result<AccessToken> {
        let keys = self.keys(conn);
        let deadline = tokio::time::Instant::now() + self.config.wait_timeout;
        let (poll_min, poll_max) = self.config.poll;
        let mut poll = poll_min;
        loop {
            let stored = self.read(conn, &keys).await?;
            match self.decide(conn, stored.as_ref(), &want)? {
                Decision::Use(tok) => return Ok(tok),
                Decision::Refresh => {}
            }
            let owner = uuid::Uuid::new_v4().to_string();
            let mut c = self.conn.clone();
            let fence: u64 = self
                .scripts
                .acquire
                .key(&keys.lock)
                .key(&keys.fence)
                .key(&keys.tok)
                .arg(&owner)
                .arg(lease_ms(self.config.lease))
                .invoke_async(&mut c)
                .await
                .map_err(|e| redis_error("lock_refresh", e))?;
            if fence > 0 {
                let outcome = self.as_holder(conn, &keys, &owner, fence, &want).await;
                self.release(&keys, &owner).await;
                match outcome {
                    HolderOutcome::Done(r) => return r,
                    HolderOutcome::Again => continue,
                }
            }
            // Another worker is refreshing: wait for its pair instead of refreshing.
            if tokio::time::Instant::now() + poll > deadline {
                return Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("timed out waiting for another worker to refresh connection {conn}"),
                )
                .with_operation("access_token"));
            }
            let jitter = rand::random_range(0..=poll.as_micros() as u64 / 4);
            tokio::time::sleep(poll + Duration::from_micros(jitter)).await;
            poll = (poll * 2).min(poll_max);
        }
    }

    async fn as_holder(
        &self,
        conn: &ConnectionId,
        keys: &Keys,
        owner: &str,
        fence: u64,
        want: &Want<'_>,
    ) -> HolderOutcome {
        // Re-check under the lock: another worker may have refreshed between read and lock.
        let stored = match self.read(conn, keys).await {
            Ok(s) => s,
            Err(e) => return HolderOutcome::Done(Err(e)),
        };
        let current = match self.decide(conn, stored.as_ref(), want) {
            Ok(Decision::Use(tok)) => return HolderOutcome::Done(Ok(tok)),
            Err(e) => return HolderOutcome::Done(Err(e)),
            Ok(Decision::Refresh) => match stored {
                Some(s) => s.pair,
                None => return HolderOutcome::Done(Err(no_pair(conn))),
            },
        };
        // A full lease for the vendor call; if the lock is already lost, start over.
        let mut c = self.conn.clone();
        let renewed: std::result::Result<i64, _> = self
            .scripts
            .renew
            .key(&keys.lock)
            .arg(owner)
            .arg(lease_ms(self.config.lease))
            .invoke_async(&mut c)
            .await;
        match renewed {
            Ok(1) => {}
            Ok(_) => return HolderOutcome::Again,
            Err(e) => return HolderOutcome::Done(Err(redis_error("renew_lock", e))),
        }
        tracing::debug!(connection = %conn, fence, "refreshing access token");
        let refreshed = tokio::time::timeout(
            self.config.refresh_timeout,
            self.refresher.refresh(&current),
        )
        .await;
        let mut pair = match refreshed {
            Err(_) => {
                return HolderOutcome::Done(Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("the token refresh of connection {conn} timed out"),
                )
                .with_operation("refresh_token")))
            }
            Ok(Err(e)) => {
                let e = classify_refresh_error(e);
                if *e.kind() == ErrorKind::ReconsentRequired {
                    let marked: std::result::Result<i64, _> = self
                        .scripts
                        .mark_dead
                        .key(&keys.lock)
                        .key(&keys.tok)
                        .arg(owner)
                        .arg(fence)
                        .invoke_async(&mut c)
                        .await;
                    if let Err(re) = marked {
                        tracing::warn!(connection = %conn, error = %re, "could not mark the grant dead");
                    }
                }
                return HolderOutcome::Done(Err(e));
            }
            Ok(Ok(p)) => p,
        };
        pair.issued_at = self.config.broker.clock.now();
        let meta = serde_json::to_string(&pair.metadata).unwrap_or_else(|_| "{}".to_owned());
        let committed: std::result::Result<i64, _> = self
            .scripts
            .commit
            .key(&keys.lock)
            .key(&keys.tok)
            .key(&keys.orphan)
            .arg(owner)
            .arg(fence)
            .arg(self.seal(conn, "access", &pair.access_token))
            .arg(self.seal(conn, "refresh", &pair.refresh_token))
            .arg(millis(pair.expires_at))
            .arg(millis(pair.issued_at))
            .arg(meta)
            .arg(lease_ms(ORPHAN_TTL))
            .invoke_async(&mut c)
            .await;
        match committed {
            Ok(1) => HolderOutcome::Done(Ok(pair.access(fence))),
            Ok(_) => {
                tracing::warn!(
                    connection = %conn,
                    fence,
                    "refreshed pair refused: the lease was lost or a newer pair is stored; kept as orphan"
                );
                // Hand out the newer stored pair if it is usable; never the refused one.
                let stored = match self.read(conn, keys).await {
                    Ok(s) => s,
                    Err(e) => return HolderOutcome::Done(Err(e)),
                };
                match self.decide(conn, stored.as_ref(), &Want::IfDue) {
                    Ok(Decision::Use(tok)) => HolderOutcome::Done(Ok(tok)),
                    Ok(Decision::Refresh) => HolderOutcome::Done(Err(Error::new(
                        ErrorKind::Unavailable,
                        format!("the token refresh of connection {conn} lost its lease"),
                    )
                    .with_operation("refresh_token"))),
                    Err(e) => HolderOutcome::Done(Err(e)),
                }
            }
            // The vendor rotated the pair but Redis did not take it: keep nothing in memory,
            // surface the failure (the refreshed refresh token may now be the only valid one).
            Err(e) => HolderOutcome::Done(Err(redis_error("commit_token", e))),
        }
    }

    /// Store a pair (from a consent), or only when none is stored; whether it was stored.
    async fn store_pair(
        &self,
        conn: &ConnectionId,
        pair: TokenPair,
        only_if_absent: bool,
    ) -> Result<bool> {
        let keys = self.keys(conn);
        let meta = serde_json::to_string(&pair.metadata).unwrap_or_else(|_| "{}".to_owned());
        let mut c = self.conn.clone();
        let fence: u64 = self
            .scripts
            .store
            .key(&keys.tok)
            .key(&keys.fence)
            .arg(self.seal(conn, "access", &pair.access_token))
            .arg(self.seal(conn, "refresh", &pair.refresh_token))
            .arg(millis(pair.expires_at))
            .arg(millis(pair.issued_at))
            .arg(meta)
            .arg(if only_if_absent { "1" } else { "0" })
            .invoke_async(&mut c)
            .await
            .map_err(|e| redis_error("store_token", e))?;
        Ok(fence > 0)
    }

    async fn release(&self, keys: &Keys, owner: &str) {
        let mut c = self.conn.clone();
        let released: std::result::Result<i64, _> = self
            .scripts
            .release
            .key(&keys.lock)
            .arg(owner)
            .invoke_async(&mut c)
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not release the refresh lock; it expires with its lease");
        }
    }
}

fn lease_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 4).max(1)
}

impl fmt::Debug for RedisTokenBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenBroker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenBroker for RedisTokenBroker {
    async fn access_token(&self, conn: &ConnectionId) -> Result<AccessToken> {
        self.get(conn, Want::IfDue).await
    }

    async fn store(&self, conn: &ConnectionId, pair: TokenPair) -> Result<()> {
        self.store_pair(conn, pair, false).await.map(|_| ())
    }

    async fn store_if_absent(&self, conn: &ConnectionId, pair: TokenPair) -> Result<bool> {
        self.store_pair(conn, pair, true).await
    }

    async fn current(&self, conn: &ConnectionId) -> Result<Option<TokenPair>> {
        Ok(self.read(conn, &self.keys(conn)).await?.map(|s| s.pair))
    }

    async fn rejected(&self, conn: &ConnectionId, rejected: &AccessToken) -> Result<AccessToken> {
        self.get(conn, Want::IfStill(rejected)).await
    }

    async fn refresh_count(&self, conn: &ConnectionId) -> Result<u64> {
        let mut c = self.conn.clone();
        let n: Option<u64> = redis::cmd("HGET")
            .arg(self.keys(conn).tok)
            .arg("refreshes")
            .query_async(&mut c)
            .await
            .map_err(|e| redis_error("refresh_count", e))?;
        Ok(n.unwrap_or(0))
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        let keys = self.keys(conn);
        let mut c = self.conn.clone();
        let _fence: u64 = self
            .scripts
            .remove
            .key(&keys.tok)
            .key(&keys.fence)
            .key(&keys.orphan)
            .invoke_async(&mut c)
            .await
            .map_err(|e| redis_error("remove_token", e))?;
        Ok(())
    }
}
