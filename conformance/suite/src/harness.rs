//! The harness: one adapter wired to a fresh simulator, plus the seeding and observation that
//! cases need. A new adapter joins the suite by implementing [`Harness`] and registering one
//! [`VendorBinding`].

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use grootboek_core::{Defences, Ledger, Vendor};
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

    /// The concrete harness, for cases about one vendor's own behaviour.
    fn as_any(&self) -> &dyn Any;
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
