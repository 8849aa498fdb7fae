//! AFAS Profit: `grootboek-afas` wired to the AFAS simulator.

use grootboek_core::runtime::RuntimeConfig;
use std::any::Any;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use grootboek_afas::{AfasConfig, AfasLedger, DocumentDate};
use grootboek_core::runtime::clock::ManualClock;
use grootboek_core::runtime::Budget;
use grootboek_core::{Defences, Ledger, Vendor};
use grootboek_sim::afas::{
    AfasSeed, AfasSim, Debtor, Journal, SeedOpenItem as AfasOpenItem, Unit, MAX_CONCURRENT_CALLS,
};

use crate::case::Failure;
use crate::harness::{Burst, Fixture, Harness, SeedOpenItem, SeededVat, VendorBinding};
use crate::vendors::{logged_requests, state_changing_requests};

/// The AFAS administration the simulator's demo environment holds.
const UNIT: u32 = 1;
/// A second administration the harness adds to the environment (T03).
const OTHER_UNIT: u32 = 2;

/// Registers AFAS Profit with the suite.
pub struct AfasBinding;

/// The AFAS adapter on a fresh AFAS simulator.
pub struct AfasHarness {
    sim: AfasSim,
    clock: Arc<ManualClock>,
    ledger: RwLock<Arc<AfasLedger>>,
    /// The same connection dating documents by the write instant (Q14), built up front.
    write_instant_ledger: Arc<AfasLedger>,
    fixture: Fixture,
}

fn fail(what: &str) -> impl Fn(grootboek_core::Error) -> Failure + '_ {
    move |e| Failure(format!("{what}: {e}"))
}

async fn ledger_for(
    sim: &AfasSim,
    defences: &Defences,
    clock: &Arc<ManualClock>,
    dating: DocumentDate,
    budget: Option<&Arc<dyn Budget>>,
) -> Result<AfasLedger, Failure> {
    let mut config = AfasConfig::new(sim.token_xml())
        .with_base_url(&sim.base_url())
        .map_err(fail("AFAS configuration"))?
        .with_defences(defences.clone())
        .with_document_date(dating)
        .with_clock(clock.clone());
    if let Some(budget) = budget {
        config = config.with_budget(budget.clone());
    }
    AfasLedger::new(config).await.map_err(fail("AFAS adapter"))
}

#[async_trait]
impl VendorBinding for AfasBinding {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    async fn harness(
        &self,
        defences: Defences,
        redis: Option<&str>,
    ) -> Result<Box<dyn Harness>, Failure> {
        // AFAS uses a static token: with Redis only the budget (the 8-call cap) is shared.
        let budget = crate::vendors::shared_budget(redis).await?;
        let sim = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .map_err(|e| Failure(format!("cannot start the AFAS simulator: {e}")))?;
        // The demo environment has debtors 10001 (NL) and 10002 (BE); add one outside the EU,
        // and a second administration with its own sales journal (debtors, ledger accounts and
        // VAT codes are environment-wide in AFAS).
        sim.seed(AfasSeed {
            debtors: vec![Debtor {
                debtor_id: "10004".into(),
                name: Some("Acme Machinery Inc.".into()),
                country: Some("USA".into()),
                ..Default::default()
            }],
            units: vec![Unit {
                unit_id: OTHER_UNIT,
                name: "Grootboek Vestiging BV".into(),
                code: "GVB".into(),
                country: "NL".into(),
            }],
            journals: vec![Journal {
                unit_id: OTHER_UNIT,
                journal_id: "10".into(),
                description: "Verkoopboek".into(),
                journal_type: "Verkoop".into(),
                blocked: false,
            }],
            ..Default::default()
        })
        .map_err(|e| Failure(format!("cannot seed the AFAS simulator: {e}")))?;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let ledger = ledger_for(
            &sim,
            &defences,
            &clock,
            DocumentDate::AsGiven,
            budget.as_ref(),
        )
        .await?;
        let write_instant_ledger = Arc::new(
            ledger_for(
                &sim,
                &defences,
                &clock,
                DocumentDate::WriteInstant,
                budget.as_ref(),
            )
            .await?,
        );
        let fixture = Fixture {
            administration: UNIT.to_string(),
            other_administration: Some(OTHER_UNIT.to_string()),
            other_administration_only_vat: None,
            sales_journal: "10".into(),
            revenue_account: "8000".into(),
            padded_account: None,
            domestic_customer: "10001".into(),
            icp_customer: "10002".into(),
            export_customer: "10004".into(),
            vat_high: SeededVat::new("1", 21),
            vat_icp: SeededVat::new("4", 0),
            vat_export: SeededVat::new("6", 0),
        };
        Ok(Box::new(AfasHarness {
            sim,
            clock,
            ledger: RwLock::new(Arc::new(ledger)),
            write_instant_ledger,
            fixture,
        }))
    }
}

impl AfasHarness {
    /// The simulator (control handle: seeding, stored state, request log).
    pub fn sim(&self) -> &AfasSim {
        &self.sim
    }
}

#[async_trait]
impl Harness for AfasHarness {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    fn ledger(&self) -> Arc<dyn Ledger> {
        self.ledger
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    fn write_requests(&self) -> usize {
        state_changing_requests(self.sim.core())
    }

    fn requests(&self) -> Vec<(String, String, u16)> {
        logged_requests(self.sim.core())
    }

    async fn seed_journals(&self, n: usize) -> Result<(), Failure> {
        let journals = (0..n)
            .map(|i| Journal {
                unit_id: UNIT,
                journal_id: format!("M{i:04}"),
                description: format!("Memoriaal {i}"),
                journal_type: "Memoriaal".into(),
                blocked: false,
            })
            .collect();
        self.sim
            .seed(AfasSeed {
                journals,
                ..Default::default()
            })
            .map(|_| ())
            .map_err(|e| Failure(format!("cannot seed journals: {e}")))
    }

    fn vendor_journal_count(&self) -> usize {
        self.sim.journals(UNIT).len()
    }

    async fn seed_open_items(&self, items: &[SeedOpenItem]) -> Result<(), Failure> {
        // AFAS has no match-status flag: an open item's state is its balance.
        let open_items = items
            .iter()
            .map(|i| AfasOpenItem {
                unit_id: UNIT,
                debtor_id: i.customer.clone(),
                invoice_nr: i.reference.clone(),
                voucher_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
                due_date: None,
                currency: None,
                amount: i.amount,
                open_amount: Some(i.open_amount),
                description: None,
            })
            .collect();
        self.sim
            .seed(AfasSeed {
                open_items,
                ..Default::default()
            })
            .map(|_| ())
            .map_err(|e| Failure(format!("cannot seed open items: {e}")))
    }

    fn set_quirk(&self, id: &str, on: bool) -> bool {
        self.sim.core().switches.set(id, on)
    }

    async fn budgeted_ledger(&self) -> Result<Burst, Failure> {
        // AFAS has no per-minute budget; it answers 503 when more than 8 calls are in flight.
        // The adapter under test already runs with its real cap.
        Ok(Burst {
            ledger: self.ledger(),
            reads: 3 * MAX_CONCURRENT_CALLS,
            concurrency: 3 * MAX_CONCURRENT_CALLS,
            limit: format!("at most {MAX_CONCURRENT_CALLS} calls in flight"),
        })
    }

    fn set_write_instant(&self, instant: DateTime<Utc>) -> bool {
        self.clock.set(instant);
        let mut ledger = self.ledger.write().unwrap_or_else(|p| p.into_inner());
        if ledger.config().document_date != DocumentDate::WriteInstant {
            *ledger = self.write_instant_ledger.clone();
        }
        true
    }

    fn sim_faults(&self) -> Option<&grootboek_sim::common::Faults> {
        Some(&self.sim.core().faults)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
