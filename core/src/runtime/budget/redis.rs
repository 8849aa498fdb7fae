//! [`RedisBudget`]: rate buckets and concurrency caps shared by every process through one Lua
//! script (`redis_scripts/budget_acquire.lua`) on the Redis server's clock (`TIME`), so worker
//! clock skew does not matter (`reference/ecosystem.md` §5b).
//!
//! Keys, all under the hash tag `{<prefix>}` so one script can touch them on a cluster:
//! `{<prefix>}:rl:<bucket>` (the pacer's theoretical arrival time in µs),
//! `{<prefix>}:log:<bucket>` (the sliding-window log: a list of `q:credits`, `q` in µs,
//! ascending), `{<prefix>}:used:<bucket>` (the sum of the log's credits),
//! `{<prefix>}:inflight:<bucket>` (a sorted set of slot leases, score = lease end in µs),
//! `{<prefix>}:pause:<bucket>` (set with `PX` while a vendor 429 pauses the bucket).
//!
//! The rate algorithm is [`window`](super::window): one `EVALSHA` per attempt, a handful of list
//! operations per bucket (a log holds at most about a thousand entries).
//!
//! Concurrency caps are lease-based: a slot is released when its [`Permit`] drops (an async
//! `ZREM` spawned on the current tokio runtime) or, if the process dies, when its lease ends.

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::Script;

use super::window::WindowParams;
use super::{merge, Admission, Bucket, Budget, Charge, Limit, Permit};
use crate::error::Result;
use crate::runtime::redis_error::{check_prefix, connect, redis_error};

/// Settings of a [`RedisBudget`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisBudgetConfig {
    /// Prefix of every key (default `grootboek:budget`); no braces.
    pub key_prefix: String,
    /// The longest [`Budget::acquire`] waits (default 120 s).
    pub max_wait: Duration,
    /// How long a concurrency slot is held if its permit is never dropped (a crashed process;
    /// default 120 s). Keep it above the slowest vendor call.
    pub slot_lease: Duration,
}

impl Default for RedisBudgetConfig {
    fn default() -> Self {
        Self {
            key_prefix: "grootboek:budget".to_owned(),
            max_wait: Duration::from_secs(120),
            slot_lease: Duration::from_secs(120),
        }
    }
}

impl RedisBudgetConfig {
    /// Set the key prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Set the longest wait of [`Budget::acquire`].
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// The raw answer of the acquire script, exposed for tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptVerdict {
    /// Whether every charge was taken.
    pub admitted: bool,
    /// µs until the charges may fit (0 when admitted).
    pub wait_us: u64,
    /// The clock the script used, in µs since the Unix epoch.
    pub now_us: u64,
}

/// A budget shared by every process through Redis.
pub struct RedisBudget {
    conn: ConnectionManager,
    config: RedisBudgetConfig,
    acquire_script: Script,
    pause_script: Script,
}

impl RedisBudget {
    /// A budget on an open connection manager.
    pub fn new(conn: ConnectionManager, config: RedisBudgetConfig) -> Result<Self> {
        check_prefix(&config.key_prefix)?;
        Ok(Self {
            conn,
            config,
            acquire_script: Script::new(include_str!("../redis_scripts/budget_acquire.lua")),
            pause_script: Script::new(include_str!("../redis_scripts/budget_pause.lua")),
        })
    }

    /// Connect to `url` (e.g. `redis://127.0.0.1:6379`) and build a budget.
    pub async fn connect(url: &str, config: RedisBudgetConfig) -> Result<Self> {
        check_prefix(&config.key_prefix)?;
        Self::new(connect(url).await?, config)
    }

    fn key(&self, kind: &str, bucket: &str) -> String {
        format!("{{{}}}:{kind}:{bucket}", self.config.key_prefix)
    }

    /// Run the acquire script once. `now_us` = `None` uses the server's `TIME`; tests pass an
    /// explicit clock to compare the script with the [`window`](super::window) model. On admission
    /// the concurrency slots are held under `member` until [`RedisBudget::release_slots`].
    pub async fn evaluate(
        &self,
        charges: &[Charge],
        now_us: Option<u64>,
        member: &str,
    ) -> Result<ScriptVerdict> {
        let merged = merge(charges)?;
        let rates: Vec<&(Bucket, u64)> = merged
            .iter()
            .filter(|(b, _)| matches!(b.limit(), Limit::Rate { .. }))
            .collect();
        let caps: Vec<&(Bucket, u64)> = merged
            .iter()
            .filter(|(b, _)| matches!(b.limit(), Limit::Concurrent { .. }))
            .collect();
        let mut inv = self.acquire_script.prepare_invoke();
        for kind in ["rl", "log", "used"] {
            for (b, _) in &rates {
                inv.key(self.key(kind, b.name()));
            }
        }
        for (b, _) in &caps {
            inv.key(self.key("inflight", b.name()));
        }
        for (b, _) in rates.iter().chain(caps.iter()) {
            inv.key(self.key("pause", b.name()));
        }
        inv.arg(rates.len())
            .arg(caps.len())
            .arg(now_us.unwrap_or(0))
            .arg(member);
        for (b, cost) in &rates {
            if let Limit::Rate {
                capacity,
                window,
                burst,
            } = b.limit()
            {
                let p = WindowParams::new(capacity, window, burst);
                inv.arg(*cost)
                    .arg(p.pacer.emission_us)
                    .arg(p.pacer.tolerance_us)
                    .arg(p.capacity)
                    .arg(p.span_us)
                    .arg(p.quantum_us);
            }
        }
        let lease_us = u64::try_from(self.config.slot_lease.as_micros()).unwrap_or(u64::MAX / 4);
        for (b, _) in &caps {
            if let Limit::Concurrent { max } = b.limit() {
                inv.arg(max).arg(lease_us);
            }
        }
        let mut c = self.conn.clone();
        let (admitted, wait_us, now_us): (i64, i64, i64) = inv
            .invoke_async(&mut c)
            .await
            .map_err(|e| redis_error("acquire_budget", e))?;
        Ok(ScriptVerdict {
            admitted: admitted == 1,
            wait_us: u64::try_from(wait_us).unwrap_or(0),
            now_us: u64::try_from(now_us).unwrap_or(0),
        })
    }

    /// Release the concurrency slots that `member` holds in the caps of `charges`.
    pub async fn release_slots(&self, charges: &[Charge], member: &str) -> Result<()> {
        let keys = self.cap_keys(charges);
        if keys.is_empty() {
            return Ok(());
        }
        let mut c = self.conn.clone();
        release(&mut c, &keys, member)
            .await
            .map_err(|e| redis_error("release_slots", e))
    }

    fn cap_keys(&self, charges: &[Charge]) -> Vec<String> {
        let mut keys: Vec<String> = charges
            .iter()
            .filter(|c| matches!(c.bucket.limit(), Limit::Concurrent { .. }))
            .map(|c| self.key("inflight", c.bucket.name()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

async fn release(
    c: &mut ConnectionManager,
    keys: &[String],
    member: &str,
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    for k in keys {
        pipe.cmd("ZREM").arg(k).arg(member).ignore();
    }
    pipe.query_async::<()>(c).await
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Budget for RedisBudget {
    async fn try_acquire(&self, charges: &[Charge]) -> Result<Admission> {
        let member = uuid::Uuid::new_v4().to_string();
        let v = self.evaluate(charges, None, &member).await?;
        if !v.admitted {
            return Ok(Admission::Denied {
                retry_after: Duration::from_micros(v.wait_us.max(1)),
            });
        }
        let admitted_at = SystemTime::UNIX_EPOCH + Duration::from_micros(v.now_us);
        let keys = self.cap_keys(charges);
        let on_release: Box<dyn FnOnce() + Send + Sync> = if keys.is_empty() {
            Box::new(|| {})
        } else {
            let conn = self.conn.clone();
            Box::new(move || {
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        let mut conn = conn;
                        if let Err(e) = release(&mut conn, &keys, &member).await {
                            tracing::warn!(error = %e, "could not release concurrency slots; they expire with their lease");
                        }
                    });
                }
            })
        };
        Ok(Admission::Granted(Permit::with_release(
            on_release,
            admitted_at,
        )))
    }

    async fn pause(&self, bucket: &str, duration: Duration) -> Result<()> {
        let ms = u64::try_from(duration.as_millis())
            .unwrap_or(u64::MAX / 4)
            .max(1);
        let mut c = self.conn.clone();
        let _remaining: i64 = self
            .pause_script
            .key(self.key("pause", bucket))
            .arg(ms)
            .invoke_async(&mut c)
            .await
            .map_err(|e| redis_error("pause_budget", e))?;
        Ok(())
    }

    fn max_wait(&self) -> Duration {
        self.config.max_wait
    }
}
