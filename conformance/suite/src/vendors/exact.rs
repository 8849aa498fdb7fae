//! Exact Online: `grootboek-exact` wired to the Exact Online simulator.

use grootboek_core::runtime::RuntimeConfig;
use std::any::Any;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::runtime::clock::Clock;
use grootboek_core::runtime::TokenPair;
use grootboek_core::{Defences, Ledger, Vendor};
use grootboek_exact::{Budgets, ExactConfig, ExactLedger};
use grootboek_sim::exact::{
    ClientApp, ExactSeed, ExactSim, RateLimits, SeedAccount, SeedBankEntry, SeedBankLine,
    SeedDivision, SeedGlAccount, SeedJournal, SeedSalesEntry, SeedSalesLine, SeedVatCode,
};
use rust_decimal::Decimal;

use crate::case::Failure;
use crate::harness::{
    Burst, Fixture, Harness, SeedOpenItem, SeededVat, SimulatedTime, VendorBinding,
};
use crate::vendors::{logged_requests, state_changing_requests};

const CLIENT: &str = "grootboek-conformance";
const SECRET: &str = "conformance-secret";
const WEBHOOK_SECRET: &str = "conformance-webhook-secret";
const REDIRECT: &str = "http://127.0.0.1/callback";
const DIVISION: i32 = 1_100_001;
const OTHER_DIVISION: i32 = 1_100_002;

/// Registers Exact Online with the suite.
pub struct ExactBinding;

/// The Exact adapter on a fresh Exact simulator. The adapter reads the simulator's clock.
pub struct ExactHarness {
    sim: ExactSim,
    ledger: Arc<ExactLedger>,
    fixture: Fixture,
    defences: Defences,
    redis: Option<String>,
    clock: Arc<SimulatedTime>,
}

/// Two divisions: the main one with domestic, ICP and export codes, the other with a 9 % code the
/// main division does not have (Q03); customers in NL, BE and the US.
fn world() -> ExactSeed {
    let mut seed = ExactSeed {
        divisions: [
            (DIVISION, "Praktijk Nijmegen"),
            (OTHER_DIVISION, "Vestiging Arnhem"),
        ]
        .into_iter()
        .map(|(code, name)| SeedDivision {
            code,
            description: Some(name.into()),
            country: Some("NL".into()),
            currency: Some("EUR".into()),
        })
        .collect(),
        current_division: Some(DIVISION),
        apps: vec![ClientApp {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_uri: REDIRECT.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            divisions: None,
        }],
        ..Default::default()
    };
    for division in [DIVISION, OTHER_DIVISION] {
        for (code, name, country) in [
            ("C1", "Bakkerij De Korenschoof BV", "NL"),
            ("C2", "Machinebouw Brussel NV", "BE"),
            ("C3", "Acme Corp", "US"),
        ] {
            seed.accounts.push(SeedAccount {
                division,
                code: Some(code.into()),
                name: name.into(),
                country: Some(country.into()),
                ..Default::default()
            });
        }
        for (code, description, type_, balance) in [
            ("8000", "Omzet", 110, "W"),
            ("1100", "Bank", 12, "B"),
            ("1300", "Debiteuren", 20, "B"),
        ] {
            seed.gl_accounts.push(SeedGlAccount {
                division,
                code: code.into(),
                description: description.into(),
                type_: Some(type_),
                balance_type: Some(balance.into()),
                ..Default::default()
            });
        }
        for (code, description, type_) in [("70", "Verkoopboek", 20), ("20", "Bank", 12)] {
            seed.journals.push(SeedJournal {
                division,
                code: code.into(),
                description: description.into(),
                type_: Some(type_),
                ..Default::default()
            });
        }
        let mut codes = vec![
            ("2", "BTW hoog", Decimal::new(21, 2), "N"),
            ("0", "BTW 0%", Decimal::ZERO, "N"),
        ];
        if division == DIVISION {
            codes.push(("ICP", "Verlegd binnen EU", Decimal::ZERO, "L"));
            codes.push(("EX", "Export buiten EU", Decimal::ZERO, "N"));
        } else {
            codes.push(("1", "BTW laag", Decimal::new(9, 2), "N"));
        }
        for (code, description, percentage, listing) in codes {
            seed.vat_codes.push(SeedVatCode {
                division,
                code: code.into(),
                description: description.into(),
                percentage,
                eu_sales_listing: Some(listing.into()),
                ..Default::default()
            });
        }
    }
    seed
}

fn config(
    sim: &ExactSim,
    defences: Defences,
    redis: Option<&str>,
    clock: Arc<SimulatedTime>,
) -> ExactConfig {
    let mut config = ExactConfig::new(CLIENT, SECRET)
        .with_clock(clock)
        .with_base_url(sim.base_url())
        .with_redirect_uri(REDIRECT)
        .with_webhook_secret(WEBHOOK_SECRET)
        .with_division(DIVISION)
        .with_connection_id(format!("exact:conformance:{}", uuid::Uuid::new_v4()))
        // One run against the simulator's consent: tokens in memory, knowingly.
        .with_ephemeral_tokens(true)
        .with_defences(defences)
        // The cases are about correctness, not pacing: the simulator's limits are lifted too.
        .with_budgets(Budgets {
            per_minute: 100_000,
            per_day: 1_000_000,
            ..Budgets::default()
        });
    if let Some(url) = redis {
        config = config.with_redis(url.to_string());
    }
    config
}

#[async_trait]
impl VendorBinding for ExactBinding {
    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    async fn harness(
        &self,
        defences: Defences,
        redis: Option<&str>,
    ) -> Result<Box<dyn Harness>, Failure> {
        let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .map_err(|e| Failure(format!("cannot start the Exact simulator: {e}")))?;
        sim.set_rate_limits(RateLimits {
            minutely: 100_000,
            daily: 1_000_000,
        });
        sim.seed(world())
            .map_err(|e| Failure(format!("cannot seed the Exact simulator: {e}")))?;
        let clock = Arc::new(SimulatedTime(sim.core().clone()));
        let ledger = grootboek_exact::connect(config(&sim, defences.clone(), redis, clock.clone()))
            .await
            .map_err(|e| Failure(format!("cannot connect the Exact adapter: {e}")))?;
        let tokens = sim
            .issue_tokens(CLIENT)
            .map_err(|e| Failure(format!("cannot issue Exact tokens: {e}")))?;
        ledger
            .store_tokens(TokenPair::from_expires_in(
                tokens.access_token.clone(),
                tokens.refresh_token.clone(),
                clock.now(),
                Duration::from_secs(tokens.expires_in),
            ))
            .await
            .map_err(|e| Failure(format!("cannot store Exact tokens: {e}")))?;
        let fixture = Fixture {
            administration: DIVISION.to_string(),
            other_administration: Some(OTHER_DIVISION.to_string()),
            other_administration_only_vat: Some(SeededVat::new("1", 9)),
            sales_journal: "70".into(),
            revenue_account: "8000".into(),
            padded_account: None,
            domestic_customer: "C1".into(),
            icp_customer: "C2".into(),
            export_customer: "C3".into(),
            vat_high: SeededVat::new("2", 21),
            vat_icp: SeededVat::new("ICP", 0),
            vat_export: SeededVat::new("EX", 0),
        };
        Ok(Box::new(ExactHarness {
            sim,
            ledger: Arc::new(ledger),
            fixture,
            defences,
            redis: redis.map(str::to_string),
            clock,
        }))
    }
}

impl ExactHarness {
    /// The simulator (control handle: seeding, request log, clock, webhooks).
    pub fn sim(&self) -> &ExactSim {
        &self.sim
    }

    /// The adapter under test with its Exact-only operations.
    pub fn exact(&self) -> &ExactLedger {
        &self.ledger
    }

    /// The main division.
    pub fn division(&self) -> i32 {
        DIVISION
    }

    /// The app's client id.
    pub fn client_id(&self) -> &'static str {
        CLIENT
    }

    /// The configuration the harness connected with (same defences, simulator, clock and
    /// connection id, sharing the harness's token broker), for a variant of the adapter.
    pub fn shared_config(&self) -> ExactConfig {
        let config = config(&self.sim, self.defences.clone(), None, self.clock.clone())
            .with_connection_id(self.ledger.connection_id().as_str());
        match &self.redis {
            Some(url) => config.with_redis(url.clone()),
            None => config.with_token_broker(self.ledger.token_broker()),
        }
    }

    /// Another adapter instance built from [`ExactHarness::shared_config`] changed by `change`.
    pub async fn variant(
        &self,
        change: impl FnOnce(ExactConfig) -> ExactConfig,
    ) -> Result<ExactLedger, Failure> {
        grootboek_exact::connect(change(self.shared_config()))
            .await
            .map_err(|e| Failure(format!("cannot connect a second Exact adapter: {e}")))
    }
}

#[async_trait]
impl Harness for ExactHarness {
    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    fn ledger(&self) -> Arc<dyn Ledger> {
        self.ledger.clone()
    }

    fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    fn write_requests(&self) -> usize {
        // The token endpoint's POSTs change no books.
        state_changing_requests(self.sim.core())
            - logged_requests(self.sim.core())
                .iter()
                .filter(|(m, p, _)| m == "POST" && p.starts_with("/api/oauth2/"))
                .count()
    }

    fn requests(&self) -> Vec<(String, String, u16)> {
        logged_requests(self.sim.core())
    }

    async fn seed_journals(&self, n: usize) -> Result<(), Failure> {
        let journals = (0..n)
            .map(|i| SeedJournal {
                division: DIVISION,
                code: format!("M{i:03}"),
                description: format!("Memoriaal {i}"),
                type_: Some(90),
                ..Default::default()
            })
            .collect();
        self.sim
            .seed(ExactSeed {
                journals,
                ..Default::default()
            })
            .map(|_| ())
            .map_err(|e| Failure(format!("cannot seed journals: {e}")))
    }

    fn vendor_journal_count(&self) -> usize {
        self.sim.journals(DIVISION).len()
    }

    async fn seed_open_items(&self, items: &[SeedOpenItem]) -> Result<(), Failure> {
        // Exact has no match flag: an invoice is open until bank lines that name its invoice
        // number pay it (payments are negative amounts).
        let date = NaiveDate::from_ymd_opt(2026, 4, 1);
        let mut seed = ExactSeed::default();
        for (n, i) in items.iter().enumerate() {
            let invoice_number = 900_000 + n as i32;
            seed.sales_entries.push(SeedSalesEntry {
                division: DIVISION,
                invoice_number: Some(invoice_number),
                type_: Some(20),
                journal: "70".into(),
                customer_code: Some(i.customer.clone()),
                your_ref: Some(i.reference.clone()),
                entry_date: date,
                lines: vec![SeedSalesLine {
                    gl_account_code: Some("8000".into()),
                    amount: i.amount,
                    vat_code: Some("0".into()),
                    vat_amount: Some(Decimal::ZERO),
                    ..Default::default()
                }],
                ..Default::default()
            });
            let paid = i.amount - i.open_amount;
            if !paid.is_zero() {
                seed.bank_entries.push(SeedBankEntry {
                    division: DIVISION,
                    journal_code: "20".into(),
                    lines: vec![SeedBankLine {
                        amount: -paid,
                        date,
                        our_ref: Some(invoice_number),
                        ..Default::default()
                    }],
                    ..Default::default()
                });
            }
        }
        self.sim
            .seed(seed)
            .map(|_| ())
            .map_err(|e| Failure(format!("cannot seed open items: {e}")))
    }

    fn set_quirk(&self, id: &str, on: bool) -> bool {
        self.sim.core().switches.set(id, on)
    }

    fn advance_clock(&self, by: Duration) -> bool {
        self.sim.core().clock.advance(by);
        true
    }

    fn access_token_lifetime(&self) -> Option<Duration> {
        Some(Duration::from_secs(
            grootboek_sim::exact::oauth::ACCESS_TOKEN_SECS as u64,
        ))
    }

    async fn second_connection(&self) -> Result<Arc<dyn Ledger>, Failure> {
        Ok(Arc::new(self.variant(|c| c).await?))
    }

    async fn refresh_count(&self) -> Result<u64, Failure> {
        Ok(self.sim.refresh_count(CLIENT))
    }

    fn token_endpoint_requests(&self) -> Result<usize, Failure> {
        Ok(logged_requests(self.sim.core())
            .iter()
            .filter(|(m, p, _)| m == "POST" && p.starts_with("/api/oauth2/token"))
            .count())
    }

    fn revoke_grant(&self) -> bool {
        self.sim.revoke_grant(CLIENT)
    }

    async fn budgeted_ledger(&self) -> Result<Burst, Failure> {
        // Exact's real limits (60 a minute, 5,000 a day per app and division) on a simulated
        // clock running 60 times real time: an Exact minute lasts one real second, and the
        // adapter's budget windows are scaled the same way.
        self.sim.set_rate_limits(RateLimits {
            minutely: 60,
            daily: 5_000,
        });
        self.sim.core().clock.set_speed_milli(60_000);
        let ledger = self
            .variant(|c| {
                c.with_budgets(Budgets {
                    per_minute: 60,
                    per_day: 5_000,
                    minute: Duration::from_secs(1),
                    day: Duration::from_secs(24 * 60),
                })
            })
            .await?;
        Ok(Burst {
            ledger: Arc::new(ledger),
            reads: 120,
            concurrency: 4,
            limit: "60 calls a minute per app and division".into(),
        })
    }

    fn sim_faults(&self) -> Option<&grootboek_sim::common::Faults> {
        Some(&self.sim.core().faults)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
