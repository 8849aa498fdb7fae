//! [`MemoryTokenBroker`]: the token broker for one process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    add, classify_refresh_error, dead, freshness, no_pair, too_early, AccessToken, BrokerConfig,
    ConnectionId, Freshness, TokenBroker, TokenPair, TokenRefresher,
};
use crate::error::{ErrorKind, Result};

/// A token broker in process memory: one refresh gate per connection, so concurrent callers
/// wait for the one refresh in flight and then read its result.
pub struct MemoryTokenBroker {
    refresher: Arc<dyn TokenRefresher>,
    config: BrokerConfig,
    slots: Mutex<HashMap<ConnectionId, Arc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    gate: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct SlotState {
    pair: Option<TokenPair>,
    generation: u64,
    refreshes: u64,
    dead: bool,
}

/// What the caller wants refreshed.
enum Want<'a> {
    /// Refresh only if the stored pair is due.
    IfDue,
    /// Refresh only if the stored access token is still this rejected one.
    IfStill(&'a AccessToken),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MemoryTokenBroker {
    /// A broker refreshing through `refresher`.
    pub fn new(refresher: Arc<dyn TokenRefresher>, config: BrokerConfig) -> Self {
        Self {
            refresher,
            config,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, conn: &ConnectionId) -> Arc<Slot> {
        lock(&self.slots).entry(conn.clone()).or_default().clone()
    }

    /// Decide from the current state; `Ok(Some(token))` means use it, `Ok(None)` means refresh.
    fn decide(
        &self,
        conn: &ConnectionId,
        state: &SlotState,
        want: &Want<'_>,
    ) -> Result<Option<AccessToken>> {
        if state.dead {
            return Err(dead(conn));
        }
        let pair = state.pair.as_ref().ok_or_else(|| no_pair(conn))?;
        let now = self.config.clock.now();
        let min = self.refresher.min_refresh_interval();
        match want {
            Want::IfStill(rejected) if !rejected.same_secret(&pair.access_token) => {
                Ok(Some(pair.access(state.generation)))
            }
            Want::IfStill(_) => {
                // The rejected token is the stored one: refresh as soon as the vendor allows.
                let allowed = add(pair.issued_at, min);
                if now >= allowed {
                    Ok(None)
                } else {
                    Err(too_early(
                        conn,
                        (allowed - now).to_std().unwrap_or_default(),
                    ))
                }
            }
            Want::IfDue => match freshness(pair, now, self.config.skew, min) {
                Freshness::Fresh => Ok(Some(pair.access(state.generation))),
                Freshness::Refresh => Ok(None),
                Freshness::TooEarly(wait) => Err(too_early(conn, wait)),
            },
        }
    }

    async fn get(&self, conn: &ConnectionId, want: Want<'_>) -> Result<AccessToken> {
        let slot = self.slot(conn);
        if let Some(tok) = self.decide(conn, &lock(&slot.state), &want)? {
            return Ok(tok);
        }
        let _gate = slot.gate.lock().await;
        // Re-check under the gate: another caller may have refreshed meanwhile.
        let (current, generation) = {
            let state = lock(&slot.state);
            if let Some(tok) = self.decide(conn, &state, &want)? {
                return Ok(tok);
            }
            match &state.pair {
                Some(p) => (p.clone(), state.generation),
                None => return Err(no_pair(conn)),
            }
        };
        tracing::debug!(connection = %conn, "refreshing access token");
        let result = self.refresher.refresh(&current).await;
        let mut state = lock(&slot.state);
        match result {
            Ok(mut pair) => {
                pair.issued_at = self.config.clock.now();
                if state.generation != generation {
                    // `store` replaced the pair while we refreshed: it wins.
                    tracing::warn!(connection = %conn, "refreshed pair discarded: a newer pair was stored");
                    return self
                        .decide(conn, &state, &Want::IfDue)?
                        .ok_or_else(|| no_pair(conn));
                }
                state.generation += 1;
                state.refreshes += 1;
                let tok = pair.access(state.generation);
                state.pair = Some(pair);
                Ok(tok)
            }
            Err(e) => {
                let e = classify_refresh_error(e);
                if *e.kind() == ErrorKind::ReconsentRequired && state.generation == generation {
                    state.dead = true;
                }
                Err(e)
            }
        }
    }
}

impl fmt::Debug for MemoryTokenBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenBroker")
            .field("config", &self.config)
            .field("connections", &lock(&self.slots).len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenBroker for MemoryTokenBroker {
    async fn access_token(&self, conn: &ConnectionId) -> Result<AccessToken> {
        self.get(conn, Want::IfDue).await
    }

    async fn store(&self, conn: &ConnectionId, pair: TokenPair) -> Result<()> {
        let slot = self.slot(conn);
        let mut state = lock(&slot.state);
        state.pair = Some(pair);
        state.generation += 1;
        state.dead = false;
        Ok(())
    }

    async fn store_if_absent(&self, conn: &ConnectionId, pair: TokenPair) -> Result<bool> {
        let slot = self.slot(conn);
        let mut state = lock(&slot.state);
        if state.pair.is_some() {
            return Ok(false);
        }
        state.pair = Some(pair);
        state.generation += 1;
        state.dead = false;
        Ok(true)
    }

    async fn current(&self, conn: &ConnectionId) -> Result<Option<TokenPair>> {
        Ok(lock(&self.slot(conn).state).pair.clone())
    }

    async fn rejected(&self, conn: &ConnectionId, rejected: &AccessToken) -> Result<AccessToken> {
        self.get(conn, Want::IfStill(rejected)).await
    }

    async fn refresh_count(&self, conn: &ConnectionId) -> Result<u64> {
        Ok(lock(&self.slot(conn).state).refreshes)
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        lock(&self.slots).remove(conn);
        Ok(())
    }
}
