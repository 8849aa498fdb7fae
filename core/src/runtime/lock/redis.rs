//! [`RedisKeyLock`]: a lock per key shared by every process on one Redis.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::Script;

use super::{KeyLock, LockGuard};
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::redis_error::{check_prefix, connect, redis_error};

const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// Locks per key on Redis (`SET NX PX`, released by compare-and-delete).
#[derive(Clone)]
pub struct RedisKeyLock {
    conn: ConnectionManager,
    prefix: String,
    /// How long a lock lives if its holder dies without releasing it.
    ttl: Duration,
    /// How long a caller waits for a lock before giving up.
    wait: Duration,
}

impl std::fmt::Debug for RedisKeyLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKeyLock")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl RedisKeyLock {
    /// Locks on an open connection, keys under `prefix` (default `grootboek`), held at most 30 s
    /// by a dead holder, waited for at most 60 s.
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Result<Self> {
        let prefix = prefix.into();
        check_prefix(&prefix)?;
        Ok(Self {
            conn,
            prefix,
            ttl: Duration::from_secs(30),
            wait: Duration::from_secs(60),
        })
    }

    /// Connect to `url` with the default prefix.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::new(connect(url).await?, "grootboek")
    }

    /// Set how long a dead holder keeps a lock and how long a caller waits.
    pub fn with_times(mut self, ttl: Duration, wait: Duration) -> Self {
        self.ttl = ttl;
        self.wait = wait;
        self
    }
}

#[async_trait]
impl KeyLock for RedisKeyLock {
    async fn lock(&self, key: &str) -> Result<LockGuard> {
        let redis_key = format!("{{{}}}:lock:{key}", self.prefix);
        let owner = uuid::Uuid::new_v4().to_string();
        let deadline = tokio::time::Instant::now() + self.wait;
        let mut delay = Duration::from_millis(5);
        let mut conn = self.conn.clone();
        loop {
            let taken: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(self.ttl.as_millis() as u64)
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("lock", e))?;
            if taken.is_some() {
                let mut conn = self.conn.clone();
                return Ok(LockGuard::new(move || {
                    // Release in the background: drop cannot wait. The compare-and-delete
                    // never removes a successor's lock; a lost release expires after the ttl.
                    if let Ok(handle) = tokio::runtime::Handle::try_current() {
                        handle.spawn(async move {
                            let _: redis::RedisResult<i64> = Script::new(RELEASE)
                                .key(redis_key)
                                .arg(owner)
                                .invoke_async(&mut conn)
                                .await;
                        });
                    }
                }));
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("the lock `{key}` stayed taken for {:?}", self.wait),
                )
                .with_operation("lock"));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(200));
        }
    }
}
