//! Locks per key (R03): several tasks or processes creating the same new code at once must not
//! both pass Q15's "does it exist?" check. A create takes the lock of (connection, administration,
//! kind, code) around check-and-create.
//!
//! [`MemoryKeyLock`] serialises the tasks of one process ([`MemoryKeyLock::process`] is the one
//! every connection of the process shares); `RedisKeyLock` (feature `redis`) serialises every
//! process sharing a Redis: `SET key owner NX PX ttl`, released by a compare-and-delete script so
//! that an expired holder never deletes its successor's lock.

#[cfg(feature = "redis")]
pub mod redis;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use async_trait::async_trait;

use crate::error::Result;

/// A held lock; dropping it releases the lock.
#[must_use = "dropping the guard releases the lock at once"]
pub struct LockGuard {
    release: Option<Box<dyn FnOnce() + Send>>,
}

impl LockGuard {
    /// A guard that runs `release` when dropped.
    pub fn new(release: impl FnOnce() + Send + 'static) -> Self {
        Self {
            release: Some(Box::new(release)),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockGuard")
    }
}

/// Mutual exclusion per key.
#[async_trait]
pub trait KeyLock: Send + Sync + fmt::Debug {
    /// Wait for and take the lock of `key`; it is held until the guard is dropped.
    async fn lock(&self, key: &str) -> Result<LockGuard>;
}

/// Locks per key within one process.
#[derive(Debug, Default)]
pub struct MemoryKeyLock {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl MemoryKeyLock {
    /// A lock table of its own.
    pub fn new() -> Self {
        Self::default()
    }

    /// The lock table every connection of this process shares, so that two ledger instances of
    /// one connection exclude each other too.
    pub fn process() -> Arc<MemoryKeyLock> {
        static PROCESS: OnceLock<Arc<MemoryKeyLock>> = OnceLock::new();
        PROCESS
            .get_or_init(|| Arc::new(MemoryKeyLock::new()))
            .clone()
    }

    fn mutex_of(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = locks.get(key).and_then(Weak::upgrade) {
            return m;
        }
        // Forget keys nobody holds any more, so the table does not grow without bound.
        locks.retain(|_, w| w.strong_count() > 0);
        let m = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(key.to_string(), Arc::downgrade(&m));
        m
    }
}

#[async_trait]
impl KeyLock for MemoryKeyLock {
    async fn lock(&self, key: &str) -> Result<LockGuard> {
        let guard = self.mutex_of(key).lock_owned().await;
        Ok(LockGuard::new(move || drop(guard)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn one_holder_per_key_and_keys_are_independent() {
        let lock = Arc::new(MemoryKeyLock::new());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (lock, inside, most) = (lock.clone(), inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _g = lock.lock("a").await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        // Another key is not blocked by "a".
        let _b = tokio::time::timeout(Duration::from_secs(1), lock.lock("b"))
            .await
            .expect("key b is free")
            .unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }
}
