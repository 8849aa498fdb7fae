//! [`MemoryBudget`]: rate buckets ([`WindowModel`]: a sliding-window log and a pacer) and concurrency caps (tokio semaphores) for
//! the workers of one process. Time is `tokio::time::Instant`, so tests may pause tokio's clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::window::{WindowModel, WindowParams};
use super::{merge, over_max_wait, Admission, Bucket, Budget, Charge, Limit, Permit};
use crate::error::Result;

/// How often a request denied only by a concurrency cap looks again in `try_acquire`.
const SLOT_POLL: Duration = Duration::from_millis(5);

/// Every this many admissions, the state of idle buckets is dropped.
const SWEEP_EVERY: u32 = 4096;

/// A budget shared by the tasks of one process.
pub struct MemoryBudget {
    state: Mutex<State>,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
    queues: Mutex<HashMap<String, Arc<Queue>>>,
    base: Instant,
    max_wait: Duration,
}

/// The requests with the same set of rate buckets, admitted in arrival order: the head holds
/// `turn` while it waits. A request cheaper than the waiting head may take credits the head
/// cannot use yet, as long as fewer credits than the head's own overtake it: a gap left by a
/// 3-credit write is filled by reads, and the write waits at most two credits longer.
#[derive(Default)]
struct Queue {
    turn: tokio::sync::Mutex<()>,
    head: Mutex<Head>,
    /// Woken when a head starts to wait (the others look whether they may overtake it).
    waits: tokio::sync::Notify,
}

#[derive(Default)]
struct Head {
    /// The credits of the head while it waits.
    waiting: Option<u64>,
    /// Credits that overtook it.
    overtaken: u64,
}

/// Marks the head as waiting until dropped (also when its `acquire` is cancelled).
struct Waiting<'a>(&'a Queue);

impl<'a> Waiting<'a> {
    fn start(queue: &'a Queue, credits: u64) -> Self {
        *lock(&queue.head) = Head {
            waiting: Some(credits),
            overtaken: 0,
        };
        queue.waits.notify_waiters();
        Self(queue)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        lock(&self.0.head).waiting = None;
    }
}

#[derive(Default)]
struct State {
    model: WindowModel,
    /// Admissions since the idle buckets were last forgotten.
    since_sweep: u32,
    paused_until: HashMap<String, Instant>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for MemoryBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBudget {
    /// An empty budget; [`Budget::acquire`] waits at most 120 s.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            semaphores: Mutex::new(HashMap::new()),
            queues: Mutex::new(HashMap::new()),
            base: Instant::now(),
            max_wait: Duration::from_secs(120),
        }
    }

    /// Set how long [`Budget::acquire`] may wait before answering `RateLimited`.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    fn semaphore(&self, bucket: &Bucket, max: u32) -> Arc<Semaphore> {
        lock(&self.semaphores)
            .entry(bucket.name().to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(max as usize)))
            .clone()
    }

    /// The FIFO queue of requests with the same set of rate buckets, so that waiting workers
    /// are admitted in arrival order rather than whoever wakes first (no starvation).
    fn queue(&self, merged: &[(Bucket, u64)]) -> Arc<Queue> {
        let key: Vec<&str> = merged
            .iter()
            .filter(|(b, _)| matches!(b.limit(), Limit::Rate { .. }))
            .map(|(b, _)| b.name())
            .collect();
        lock(&self.queues)
            .entry(key.join("\n"))
            .or_default()
            .clone()
    }

    /// Take credits ahead of the waiting head of `queue`, if the rule of [`Queue`] allows it:
    /// `Some(Ok(()))` taken, `Some(Err(wait))` allowed but not yet fitting, `None` not allowed.
    fn overtake(
        &self,
        queue: &Queue,
        merged: &[(Bucket, u64)],
        credits: u64,
    ) -> Option<std::result::Result<(), Duration>> {
        let mut head = lock(&queue.head);
        match head.waiting {
            Some(need) if head.overtaken + credits < need => {
                let taken = self.take_rates(merged);
                if taken.is_ok() {
                    head.overtaken += credits;
                }
                Some(taken)
            }
            _ => None,
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX / 4)
    }

    /// Take the rate charges (and check pauses), or say how long to wait.
    fn take_rates(&self, merged: &[(Bucket, u64)]) -> std::result::Result<(), Duration> {
        let now = Instant::now();
        let mut state = lock(&self.state);
        let paused = merged
            .iter()
            .filter_map(|(b, _)| state.paused_until.get(b.name()))
            .filter(|until| **until > now)
            .map(|until| *until - now)
            .max();
        if let Some(wait) = paused {
            return Err(wait);
        }
        let rates: Vec<(&str, u64, WindowParams)> = merged
            .iter()
            .filter_map(|(b, cost)| match b.limit() {
                Limit::Rate {
                    capacity,
                    window,
                    burst,
                } => Some((b.name(), *cost, WindowParams::new(capacity, window, burst))),
                Limit::Concurrent { .. } => None,
            })
            .collect();
        let now_us = self.now_us();
        let admitted = state.model.admit(now_us, &rates);
        if admitted.is_ok() {
            // Buckets of organisations no longer called would otherwise stay for good.
            state.since_sweep += 1;
            if state.since_sweep >= SWEEP_EVERY {
                state.since_sweep = 0;
                state.model.forget_idle(now_us);
                state.paused_until.retain(|_, until| *until > now);
            }
        }
        admitted.map_err(Duration::from_micros)
    }
}

impl fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBudget")
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Budget for MemoryBudget {
    async fn try_acquire(&self, charges: &[Charge]) -> Result<Admission> {
        let merged = merge(charges)?;
        let mut slots: Vec<OwnedSemaphorePermit> = Vec::new();
        for (b, _) in &merged {
            if let Limit::Concurrent { max } = b.limit() {
                match self.semaphore(b, max).try_acquire_owned() {
                    Ok(p) => slots.push(p),
                    Err(_) => {
                        return Ok(Admission::Denied {
                            retry_after: SLOT_POLL,
                        })
                    }
                }
            }
        }
        Ok(match self.take_rates(&merged) {
            Ok(()) => Admission::Granted(Permit::with_slots(slots)),
            Err(retry_after) => Admission::Denied { retry_after },
        })
    }

    async fn acquire(&self, charges: &[Charge]) -> Result<Permit> {
        let merged = merge(charges)?;
        let deadline = Instant::now() + self.max_wait;
        // Concurrency slots first, in name order (no deadlock between requests), waiting fairly.
        let mut slots = Vec::new();
        for (b, _) in &merged {
            if let Limit::Concurrent { max } = b.limit() {
                let sem = self.semaphore(b, max);
                match tokio::time::timeout_at(deadline, sem.acquire_owned()).await {
                    Ok(Ok(p)) => slots.push(p),
                    _ => return Err(over_max_wait(charges, self.max_wait)),
                }
            }
        }
        let queue = self.queue(&merged);
        let credits = merged
            .iter()
            .filter(|(b, _)| matches!(b.limit(), Limit::Rate { .. }))
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(0);
        // Wait for the turn (keeping the place in the line), trying to overtake the head
        // whenever the credits it cannot use yet would fit this request.
        let turn = queue.turn.lock();
        tokio::pin!(turn);
        let _turn = loop {
            let head_waits = queue.waits.notified();
            tokio::pin!(head_waits);
            head_waits.as_mut().enable();
            let retry = match self.overtake(&queue, &merged, credits) {
                Some(Ok(())) => return Ok(Permit::with_slots(slots)),
                Some(Err(wait)) => Some(Instant::now() + wait),
                None => None,
            };
            let wake = retry.unwrap_or(deadline).min(deadline);
            tokio::select! {
                biased;
                t = &mut turn => break t,
                () = &mut head_waits => {}
                () = tokio::time::sleep_until(wake) => {
                    if retry.is_none() || wake >= deadline {
                        return Err(over_max_wait(charges, self.max_wait));
                    }
                }
            }
        };
        let mut waiting = None;
        loop {
            match self.take_rates(&merged) {
                Ok(()) => return Ok(Permit::with_slots(slots)),
                Err(wait) => {
                    if waiting.is_none() {
                        waiting = Some(Waiting::start(&queue, credits));
                    }
                    let wake = Instant::now() + wait;
                    if wake > deadline {
                        return Err(over_max_wait(charges, wait));
                    }
                    tokio::time::sleep_until(wake).await;
                }
            }
        }
    }

    async fn pause(&self, bucket: &str, duration: Duration) -> Result<()> {
        let until = Instant::now() + duration;
        let mut state = lock(&self.state);
        let entry = state.paused_until.entry(bucket.to_owned()).or_insert(until);
        if *entry < until {
            *entry = until;
        }
        Ok(())
    }

    fn max_wait(&self) -> Duration {
        self.max_wait
    }
}
