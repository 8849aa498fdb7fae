//! The harness: one adapter wired to a fresh simulator, plus the seeding and observation that
//! cases need. A new adapter joins the suite by implementing [`Harness`] and registering one
//! [`VendorBinding`].

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::runtime::clock::Clock;
use grootboek_core::{Defences, Ledger, Vendor};
use grootboek_sim::common::{Faults, SimCore};
use rust_decimal::Decimal;

use crate::case::Failure;

/// A VAT code of the seeded administration and its percentage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededVat {
    /// The vendor's code.
    pub code: String,
    /// Its percentage (21 for 21 %).
    pub rate: Decimal,
}

impl SeededVat {
    /// A code with a whole-number percentage.
    pub fn new(code: &str, rate: i64) -> Self {
        Self {
            code: code.into(),
            rate: Decimal::from(rate),
        }
    }
}

/// What every harness seeds before a case runs: an administration in the Netherlands with a
/// sales journal, a revenue account, VAT codes and customers in three kinds of country.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The main administration (country NL).
    pub administration: String,
    /// A second administration with its own VAT codes, when the vendor has several.
    pub other_administration: Option<String>,
    /// A VAT code that exists only in the other administration (Q03).
    pub other_administration_only_vat: Option<SeededVat>,
    /// The sales journal (day book) code.
    pub sales_journal: String,
    /// A revenue ledger account.
    pub revenue_account: String,
    /// A ledger account whose stored code starts with a zero (`0110`), where the vendor has one
    /// (Q25).
    pub padded_account: Option<String>,
    /// A customer in the Netherlands.
    pub domestic_customer: String,
    /// A business customer in another EU country (intra-community supplies, Q02).
    pub icp_customer: String,
    /// A customer outside the EU.
    pub export_customer: String,
    /// Domestic high rate (21 %).
    pub vat_high: SeededVat,
    /// Intra-community zero rate (ICP, BTW verlegd binnen EU).
    pub vat_icp: SeededVat,
    /// Export outside the EU, zero rate.
    pub vat_export: SeededVat,
}

/// One open item to seed directly in the simulator.
#[derive(Debug, Clone)]
pub struct SeedOpenItem {
    /// Customer code.
    pub customer: String,
    /// Invoice number.
    pub reference: String,
    /// Original amount, VAT included.
    pub amount: Decimal,
    /// Still open.
    pub open_amount: Decimal,
    /// The vendor's own "settled" flag says matched/paid although money is still open (Q06).
    pub flagged_settled: bool,
}

/// One adapter wired to a fresh simulator.
#[async_trait]
pub trait Harness: Send + Sync {
    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// The adapter under test, as the traits see it.
    fn ledger(&self) -> Arc<dyn Ledger>;

    /// What was seeded.
    fn fixture(&self) -> &Fixture;

    /// How many write requests (anything that can change vendor state) the simulator answered.
    fn write_requests(&self) -> usize;

    /// Method and path (with query) of every request the simulator answered, in order.
    fn requests(&self) -> Vec<(String, String, u16)>;

    /// Seed `n` extra journals (day books) in the main administration.
    async fn seed_journals(&self, n: usize) -> Result<(), Failure>;

    /// The vendor's own count of journals in the main administration, read from the simulator.
    fn vendor_journal_count(&self) -> usize;

    /// Seed open items directly in the simulator.
    async fn seed_open_items(&self, items: &[SeedOpenItem]) -> Result<(), Failure>;

    /// Turn a simulator quirk switch on or off; false when the simulator has no such switch.
    fn set_quirk(&self, id: &str, on: bool) -> bool;

    /// Make the adapter's next writes happen at `instant`, for adapters that date documents from
    /// the moment of writing (Q14). Returns false when the adapter takes document dates as given.
    fn set_write_instant(&self, _instant: chrono::DateTime<chrono::Utc>) -> bool {
        false
    }

    /// Move the simulated clock forward by `by`; the adapter reads the same clock (token expiry,
    /// Q04, T04, Q11). Returns false when this harness cannot.
    fn advance_clock(&self, _by: Duration) -> bool {
        false
    }

    /// How long the vendor's access tokens live, for vendors with OAuth access tokens.
    fn access_token_lifetime(&self) -> Option<Duration> {
        None
    }

    /// Another adapter instance for the same connection, as a second process would hold it: its
    /// own HTTP client and caches, the same token broker (Q04, P4).
    async fn second_connection(&self) -> Result<Arc<dyn Ledger>, Failure> {
        Err(Failure(
            "this harness cannot open a second connection to the same grant".into(),
        ))
    }

    /// How many token refreshes the vendor (or, where the vendor does not count, the shared
    /// token broker) performed for this connection so far.
    async fn refresh_count(&self) -> Result<u64, Failure> {
        Err(Failure(
            "this harness does not count token refreshes".into(),
        ))
    }

    /// How many requests reached the vendor's token endpoint so far (code exchanges and
    /// refreshes, refused ones included).
    fn token_endpoint_requests(&self) -> Result<usize, Failure> {
        Err(Failure(
            "this harness cannot see the vendor's token endpoint".into(),
        ))
    }

    /// Revoke this connection's grant at the vendor, as a password change or a disabled user
    /// does (T04). Returns false when this harness cannot.
    fn revoke_grant(&self) -> bool {
        false
    }

    /// A fresh adapter instance with the vendor's real call budget, against this simulator with
    /// the vendor's real limits switched on (on a fast simulated clock where the limits are per
    /// minute), and the size of a burst that exceeds one limit window (T05).
    async fn budgeted_ledger(&self) -> Result<Burst, Failure> {
        Err(Failure(
            "this harness cannot run the adapter with the vendor's real budget".into(),
        ))
    }

    /// The simulator's fault rules (R01, R02): faults pushed here apply to the requests the
    /// adapter sends next. `None` when this harness has no simulator to fault.
    fn sim_faults(&self) -> Option<&Faults> {
        None
    }

    /// The concrete harness, for cases about one vendor's own behaviour.
    fn as_any(&self) -> &dyn Any;
}

/// An adapter instance with the vendor's real budget and how hard to push it (T05).
pub struct Burst {
    /// The adapter.
    pub ledger: Arc<dyn Ledger>,
    /// How many reads the burst makes in total: more than one limit window admits.
    pub reads: usize,
    /// How many tasks read at once.
    pub concurrency: usize,
    /// What the vendor limits, in words, for the report.
    pub limit: String,
}

/// A simulator's clock as the adapter's clock, so that advancing simulated time moves token
/// expiry and "today" for the adapter too.
pub struct SimulatedTime(pub Arc<SimCore>);

impl std::fmt::Debug for SimulatedTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimulatedTime({})", self.0.vendor)
    }
}

impl Clock for SimulatedTime {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.clock.now()
    }
}

/// How the runner makes harnesses for one vendor. Registering an adapter is one of these.
#[async_trait]
pub trait VendorBinding: Send + Sync {
    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// A fresh simulator with the fixture seeded and the adapter connected to it, with the given
    /// defences, and the Redis token broker and budgets when `redis` names a server.
    async fn harness(
        &self,
        defences: Defences,
        redis: Option<&str>,
    ) -> Result<Box<dyn Harness>, Failure>;
}
