//! Twinfield: `grootboek-twinfield` wired to the Twinfield simulator (login host and two clusters).

use grootboek_core::runtime::RuntimeConfig;
use std::any::Any;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::runtime::clock::Clock;
use grootboek_core::runtime::{BrokerConfig, MemoryTokenBroker, TokenBroker, TokenPair};
use grootboek_core::{Defences, Ledger, Vendor};
use grootboek_sim::twinfield::{
    DayBook, Dimension, SeedClient, SeedOffice, SeedOrganisation, Transaction, TransactionLine,
    TwinfieldSeed, TwinfieldSim, VatCode,
};
use grootboek_twinfield::{TwinfieldConfig, TwinfieldLedger, TwinfieldRefresher};
use rust_decimal::Decimal;

use crate::case::Failure;
use crate::harness::{
    Burst, Fixture, Harness, SeedOpenItem, SeededVat, SimulatedTime, VendorBinding,
};
use crate::vendors::logged_requests;

const CLIENT: &str = "grootboek-conformance";
const SECRET: &str = "conformance-secret";
const REDIRECT: &str = "http://localhost:8080/callback";
const ORGANISATION: &str = "ORG-A";
const OFFICE: &str = "NLA000001";
const OTHER_OFFICE: &str = "NLA000002";

/// Registers Twinfield with the suite.
pub struct TwinfieldBinding;

/// The Twinfield adapter on a fresh Twinfield simulator. The adapter reads the simulator's clock
/// and keeps its tokens in a broker the harness holds, so a second instance can share it.
pub struct TwinfieldHarness {
    sim: TwinfieldSim,
    ledger: Arc<TwinfieldLedger>,
    fixture: Fixture,
    config: TwinfieldConfig,
}

fn vat(code: &str, name: &str, percentage: i64) -> VatCode {
    VatCode {
        code: code.into(),
        name: name.into(),
        percentage: Decimal::from(percentage),
        vat_type: "sales".into(),
        ..Default::default()
    }
}

fn customer(office: &str, code: &str, name: &str, country: &str) -> Dimension {
    Dimension {
        office: office.into(),
        dim_type: "DEB".into(),
        code: code.into(),
        name: name.into(),
        country: country.into(),
        ..Default::default()
    }
}

/// Two offices of one organisation: the main one with domestic, ICP and export codes, the other
/// with a 9 % code the main office does not have (Q03); customers in NL, DE and the US.
fn world() -> TwinfieldSeed {
    let office = |code: &str, name: &str, codes: Vec<VatCode>| SeedOffice {
        organisation: ORGANISATION.into(),
        code: code.into(),
        name: name.into(),
        country: "NL".into(),
        currency: "EUR".into(),
        vat_codes: codes,
        default_vat_code: Some("VN".into()),
        ..Default::default()
    };
    let mut dimensions = Vec::new();
    for o in [OFFICE, OTHER_OFFICE] {
        dimensions.push(customer(o, "1000", "Bakkerij Jansen", "NL"));
        dimensions.push(customer(o, "1001", "Maschinenbau Köln GmbH", "DE"));
        dimensions.push(customer(o, "1002", "Acme Machinery Inc.", "US"));
        // A fixed-asset account stored with a leading zero (Q25).
        dimensions.push(Dimension {
            office: o.into(),
            dim_type: "BAS".into(),
            code: "0110".into(),
            name: "Inventaris".into(),
            ..Default::default()
        });
    }
    TwinfieldSeed {
        clients: vec![SeedClient {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
            certified: Some(true),
        }],
        organisations: vec![SeedOrganisation {
            code: ORGANISATION.into(),
            id: "org-a".into(),
            cluster: 1,
            user_code: "ALICE".into(),
            language: "nl".into(),
        }],
        offices: vec![
            office(
                OFFICE,
                "Hoofdkantoor",
                vec![
                    vat("VH", "BTW hoog", 21),
                    vat("VN", "BTW 0%", 0),
                    vat("ICP", "ICP levering binnen EU", 0),
                    vat("EXP", "Export buiten EU", 0),
                ],
            ),
            office(
                OTHER_OFFICE,
                "Vestiging",
                vec![
                    vat("VH", "BTW hoog", 21),
                    vat("VN", "BTW 0%", 0),
                    vat("VL", "BTW laag", 9),
                ],
            ),
        ],
        dimensions,
        ..Default::default()
    }
}

/// The connection's token broker: in memory, or on Redis (`--redis`) under a key prefix of its own,
/// so that runs on fresh simulators never read each other's tokens.
async fn broker(
    refresher: Arc<dyn grootboek_core::runtime::TokenRefresher>,
    config: BrokerConfig,
    redis: Option<&str>,
) -> Result<Arc<dyn TokenBroker>, Failure> {
    match redis {
        None => Ok(Arc::new(MemoryTokenBroker::new(refresher, config))),
        #[cfg(feature = "redis")]
        Some(url) => {
            use grootboek_core::runtime::{RedisBrokerConfig, RedisTokenBroker};
            let config = RedisBrokerConfig::default()
                .with_broker(config)
                .with_prefix(format!(
                    "grootboek-conformance-{}",
                    uuid::Uuid::new_v4().simple()
                ));
            let broker = RedisTokenBroker::connect(url, refresher, config)
                .await
                .map_err(|e| Failure(format!("cannot use Redis at {url}: {e}")))?;
            Ok(Arc::new(broker))
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => Err(Failure(
            "this build of the suite has no Redis support (feature `redis`)".into(),
        )),
    }
}

#[async_trait]
impl VendorBinding for TwinfieldBinding {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    async fn harness(
        &self,
        defences: Defences,
        redis: Option<&str>,
    ) -> Result<Box<dyn Harness>, Failure> {
        let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .map_err(|e| Failure(format!("cannot start the Twinfield simulator: {e}")))?;
        sim.seed(world())
            .map_err(|e| Failure(format!("cannot seed the Twinfield simulator: {e}")))?;
        let clock: Arc<dyn Clock> = Arc::new(SimulatedTime(sim.core().clone()));
        let base = TwinfieldConfig::new(CLIENT, SECRET, REDIRECT, ORGANISATION)
            .with_login_url(sim.login_url())
            .with_certified(true)
            .with_cluster_hosts(["127.0.0.1"])
            .with_defences(defences)
            .with_clock(clock.clone());
        // One broker for the connection, held here so that a second adapter instance (a second
        // process) can share it (Q04). The refresher needs an HTTP client of its own.
        let refresher = TwinfieldRefresher::from_config(&base)
            .map_err(|e| Failure(format!("cannot build the Twinfield refresher: {e}")))?;
        let broker = broker(
            Arc::new(refresher),
            BrokerConfig::default().with_clock(clock.clone()),
            redis,
        )
        .await?;
        let mut config = base.with_token_broker(broker);
        if let Some(budget) = crate::vendors::shared_budget(redis).await? {
            config = config.with_budget(budget);
        }
        let ledger = grootboek_twinfield::connect(config.clone())
            .await
            .map_err(|e| Failure(format!("cannot connect the Twinfield adapter: {e}")))?;
        let tokens = sim
            .issue_tokens(CLIENT, ORGANISATION)
            .map_err(|e| Failure(format!("cannot issue Twinfield tokens: {e}")))?;
        ledger
            .store_tokens(TokenPair::from_expires_in(
                tokens.access_token.clone(),
                tokens.refresh_token.clone(),
                clock.now(),
                Duration::from_secs(tokens.expires_in),
            ))
            .await
            .map_err(|e| Failure(format!("cannot store Twinfield tokens: {e}")))?;
        let fixture = Fixture {
            administration: OFFICE.into(),
            other_administration: Some(OTHER_OFFICE.into()),
            other_administration_only_vat: Some(SeededVat::new("VL", 9)),
            sales_journal: "VRK".into(),
            revenue_account: "8000".into(),
            padded_account: Some("0110".into()),
            domestic_customer: "1000".into(),
            icp_customer: "1001".into(),
            export_customer: "1002".into(),
            vat_high: SeededVat::new("VH", 21),
            vat_icp: SeededVat::new("ICP", 0),
            vat_export: SeededVat::new("EXP", 0),
        };
        Ok(Box::new(TwinfieldHarness {
            sim,
            ledger: Arc::new(ledger),
            fixture,
            config,
        }))
    }
}

impl TwinfieldHarness {
    /// The simulator (control handle: seeding, request log, clock, clusters).
    pub fn sim(&self) -> &TwinfieldSim {
        &self.sim
    }

    /// The adapter under test with its Twinfield-only operations.
    pub fn twinfield(&self) -> &TwinfieldLedger {
        &self.ledger
    }

    /// The organisation of the connection.
    pub fn organisation(&self) -> &'static str {
        ORGANISATION
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &'static str {
        CLIENT
    }

    /// The redirect URI registered for the client.
    pub fn redirect_uri(&self) -> &'static str {
        REDIRECT
    }

    /// The configuration the harness connected with (same defences, simulator, clock and token
    /// broker), for a variant of the adapter.
    pub fn shared_config(&self) -> TwinfieldConfig {
        self.config.clone()
    }

    /// Another adapter instance built from [`TwinfieldHarness::shared_config`] changed by
    /// `change`.
    pub async fn variant(
        &self,
        change: impl FnOnce(TwinfieldConfig) -> TwinfieldConfig,
    ) -> Result<TwinfieldLedger, Failure> {
        grootboek_twinfield::connect(change(self.shared_config()))
            .await
            .map_err(|e| Failure(format!("cannot connect a second Twinfield adapter: {e}")))
    }

    /// A fresh token pair for the organisation, issued by the simulator (no consent dance).
    pub fn issue_pair(&self) -> Result<TokenPair, Failure> {
        let tokens = self
            .sim
            .issue_tokens(CLIENT, ORGANISATION)
            .map_err(|e| Failure(format!("cannot issue Twinfield tokens: {e}")))?;
        Ok(TokenPair::from_expires_in(
            tokens.access_token,
            tokens.refresh_token,
            self.sim.core().clock.now(),
            Duration::from_secs(tokens.expires_in),
        ))
    }
}

#[async_trait]
impl Harness for TwinfieldHarness {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    fn ledger(&self) -> Arc<dyn Ledger> {
        self.ledger.clone()
    }

    fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    fn write_requests(&self) -> usize {
        // Every ProcessXml call is a POST; a write is a call whose document is not a read, a list
        // or a browse (ProcessXmlString carries the document escaped, ProcessXmlDocument as is).
        let is_read = |body: &str| {
            ["read", "list", "columns"]
                .iter()
                .any(|m| body.contains(&format!("<{m}")) || body.contains(&format!("&lt;{m}")))
        };
        self.sim
            .core()
            .log
            .snapshot()
            .iter()
            .filter(|r| r.path.ends_with("processxml.asmx") && !is_read(&r.body))
            .count()
    }

    fn requests(&self) -> Vec<(String, String, u16)> {
        logged_requests(self.sim.core())
    }

    async fn seed_journals(&self, n: usize) -> Result<(), Failure> {
        let books = (0..n)
            .map(|i| DayBook {
                code: format!("M{i:04}"),
                name: format!("Memoriaal {i}"),
                kind: "journal".into(),
            })
            .collect();
        if self.sim.add_day_books(OFFICE, books) {
            Ok(())
        } else {
            Err(Failure(format!(
                "office {OFFICE} is missing from the simulator"
            )))
        }
    }

    fn vendor_journal_count(&self) -> usize {
        self.sim.day_books(OFFICE).len()
    }

    async fn seed_open_items(&self, items: &[SeedOpenItem]) -> Result<(), Failure> {
        let date = NaiveDate::from_ymd_opt(2026, 4, 1);
        let transactions = items
            .iter()
            .map(|i| Transaction {
                office: OFFICE.into(),
                code: "VRK".into(),
                status: "final".into(),
                date,
                currency: "EUR".into(),
                invoice_number: i.reference.clone(),
                lines: vec![
                    TransactionLine {
                        line_type: "total".into(),
                        dim1: "1300".into(),
                        dim2: i.customer.clone(),
                        debit_credit: "debit".into(),
                        value: i.amount,
                        invoice_number: i.reference.clone(),
                        open_value: Some(i.open_amount),
                        // Q06: the stored status says matched although money is still open.
                        match_status: if i.flagged_settled {
                            "matched".into()
                        } else {
                            String::new()
                        },
                        ..Default::default()
                    },
                    TransactionLine {
                        line_type: "detail".into(),
                        dim1: "8000".into(),
                        debit_credit: "credit".into(),
                        value: i.amount,
                        vat_code: "VN".into(),
                        vat_value: Some(Decimal::ZERO),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            })
            .collect();
        self.sim
            .seed(TwinfieldSeed {
                transactions,
                ..Default::default()
            })
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
        // The login host's access tokens live one hour (T01).
        Some(Duration::from_secs(3600))
    }

    async fn second_connection(&self) -> Result<Arc<dyn Ledger>, Failure> {
        Ok(Arc::new(self.variant(|c| c).await?))
    }

    async fn refresh_count(&self) -> Result<u64, Failure> {
        // The simulator does not count refreshes per client; the shared broker does.
        self.ledger
            .refresh_count()
            .await
            .map_err(|e| Failure(format!("cannot read the broker's refresh count: {e}")))
    }

    fn token_endpoint_requests(&self) -> Result<usize, Failure> {
        Ok(self
            .sim
            .core()
            .log
            .snapshot()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/connect/token"))
            .count())
    }

    fn revoke_grant(&self) -> bool {
        self.sim.revoke_grants(CLIENT, ORGANISATION) > 0
    }

    async fn budgeted_ledger(&self) -> Result<Burst, Failure> {
        // The budget of an uncertified app (5 %: 25 credits a minute per client and
        // organisation, at most 10 requests at once) on a simulated clock running 60 times real
        // time: a Twinfield minute lasts one real second, and the adapter's minute is scaled the
        // same way. Faster clocks magnify loopback jitter (1 ms real = 60 ms simulated) until it
        // reaches the budget's spacing of 2.6 simulated seconds per credit.
        const SPEED_MILLI: u64 = 60_000;
        self.sim.set_client_certified(CLIENT, false);
        self.sim.core().clock.set_speed_milli(SPEED_MILLI);
        let minute = Duration::from_millis(60_000 * 1000 / SPEED_MILLI);
        let ledger = self
            .variant(|c| c.with_certified(false).with_minute(minute))
            .await?;
        Ok(Burst {
            ledger: Arc::new(ledger),
            reads: 36,
            concurrency: 12,
            limit:
                "uncertified: 25 credits a minute per client and organisation, 10 requests at once"
                    .into(),
        })
    }

    fn sim_faults(&self) -> Option<&grootboek_sim::common::Faults> {
        Some(&self.sim.core().faults)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
