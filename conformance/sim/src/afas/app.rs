//! What every AFAS route shares: the generic core, the state and the in-flight counter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDateTime;

use super::dates::amsterdam_local;
use super::state::{AfasState, MAX_CONCURRENT_CALLS};
use crate::common::SimCore;

/// Shared by the routes and the handle.
pub struct Shared {
    /// Clock, switches, faults, request log.
    pub core: Arc<SimCore>,
    /// The data (never held across an await).
    pub state: Mutex<AfasState>,
    in_flight: AtomicUsize,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("vendor", &self.core.vendor)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

/// A slot among the 8 parallel calls; released on drop.
#[derive(Debug)]
pub struct Slot<'a> {
    counter: &'a AtomicUsize,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shared {
    /// A fresh shared state around `core`.
    pub fn new(core: Arc<SimCore>, state: AfasState) -> Self {
        Self {
            core,
            state: Mutex::new(state),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Lock the state (a poisoned lock is taken over: the data is plain values).
    pub fn lock(&self) -> MutexGuard<'_, AfasState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Amsterdam local time on the simulated clock.
    pub fn now_local(&self) -> NaiveDateTime {
        amsterdam_local(self.core.clock.now())
    }

    /// Take one of the 8 parallel slots, counting the injected background calls; `None` when
    /// every slot is taken.
    pub fn enter(&self, background: usize) -> Option<Slot<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::SeqCst);
        if before + background >= MAX_CONCURRENT_CALLS {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot {
            counter: &self.in_flight,
        })
    }

    /// Calls in flight right now (without the injected ones).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}
