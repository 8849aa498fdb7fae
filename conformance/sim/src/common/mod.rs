//! Machinery shared by every vendor simulator: a controllable clock, quirk switches, fault
//! injection, a request log, the `/__sim/` control routes and a loopback server handle.
//!
//! A vendor module owns its own state and wire format; it builds its axum router, wraps it with
//! [`layer::instrument`] (request log + faults) and merges [`control::router`] for the generic
//! control endpoints, adding its own `/__sim/seed` and friends.

pub mod clock;
pub mod control;
pub mod faults;
pub mod layer;
pub mod log;
pub mod server;
pub mod switches;

use std::sync::Arc;

pub use clock::SimClock;
pub use faults::{Fault, FaultRule, FaultSpec, Faults, RequestInfo, RetryAfter, When};
pub use log::{RequestLog, RequestRecord};
pub use server::{ConnectionHandle, RunningServer};
pub use switches::Switches;

/// How a vendor renders an error that the fault injector (or a generic check) produces, so that
/// injected failures look like the vendor's own (Exact JSON, Twinfield SOAP fault, AFAS JSON).
pub trait ErrorFlavour: Send + Sync + 'static {
    /// Render an error response with `status`, a human message and an optional `Retry-After`
    /// in seconds.
    fn error_response(
        &self,
        status: axum::http::StatusCode,
        message: &str,
        retry_after_secs: Option<u64>,
    ) -> axum::response::Response;
}

/// The generic parts of one simulator: its name, clock, switches, faults and request log.
/// Shared by `Arc` between the vendor state, the middleware and the control routes.
pub struct SimCore {
    /// The vendor's name as used in URLs and reports (`exact`, `twinfield`, `afas`).
    pub vendor: &'static str,
    /// Simulated time; every expiry and rate window reads it.
    pub clock: SimClock,
    /// Quirk switches, keyed by catalog ID (`Q01`, …), each on by default.
    pub switches: Switches,
    /// Faults to inject into the next matching requests.
    pub faults: Faults,
    /// Every request the simulator answered, in order.
    pub log: RequestLog,
    /// How injected errors are rendered for this vendor.
    pub flavour: Box<dyn ErrorFlavour>,
}

impl SimCore {
    /// A fresh core for `vendor` whose quirk switches are the given IDs, all on.
    pub fn new(
        vendor: &'static str,
        quirks: &[&'static str],
        flavour: impl ErrorFlavour,
    ) -> Arc<Self> {
        Arc::new(Self {
            vendor,
            clock: SimClock::new(),
            switches: Switches::new(quirks),
            faults: Faults::default(),
            log: RequestLog::default(),
            flavour: Box::new(flavour),
        })
    }

    /// Whether the quirk with this catalog ID is currently reproduced.
    pub fn quirk(&self, id: &str) -> bool {
        self.switches.is_on(id)
    }

    /// Reset the generic parts: switches back on, faults cleared, log emptied, clock to real time.
    pub fn reset(&self) {
        self.switches.reset();
        self.faults.clear();
        self.log.clear();
        self.clock.reset();
    }
}
