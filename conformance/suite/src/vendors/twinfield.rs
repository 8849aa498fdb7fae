//! Twinfield: `grootboek-twinfield` wired to the Twinfield simulator (login host and two clusters).

use std::any::Any;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::{Defences, Ledger, Vendor};
use grootboek_sim::twinfield::{
    DayBook, Dimension, SeedClient, SeedOffice, SeedOrganisation, Transaction, TransactionLine,
    TwinfieldSeed, TwinfieldSim, VatCode,
};
use grootboek_twinfield::{TwinfieldConfig, TwinfieldLedger};
use rust_decimal::Decimal;

use crate::case::Failure;
use crate::harness::{Fixture, Harness, SeedOpenItem, SeededVat, VendorBinding};
use crate::vendors::logged_requests;

const CLIENT: &str = "grootboek-conformance";
const SECRET: &str = "conformance-secret";
const REDIRECT: &str = "http://localhost:8080/callback";
const ORGANISATION: &str = "ORG-A";
const OFFICE: &str = "NLA000001";
const OTHER_OFFICE: &str = "NLA000002";

/// Registers Twinfield with the suite.
pub struct TwinfieldBinding;

/// The Twinfield adapter on a fresh Twinfield simulator.
pub struct TwinfieldHarness {
    sim: TwinfieldSim,
    ledger: Arc<TwinfieldLedger>,
    fixture: Fixture,
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

#[async_trait]
impl VendorBinding for TwinfieldBinding {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    async fn harness(
        &self,
        defences: Defences,
        _redis: Option<&str>,
    ) -> Result<Box<dyn Harness>, Failure> {
        let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .map_err(|e| Failure(format!("cannot start the Twinfield simulator: {e}")))?;
        sim.seed(world())
            .map_err(|e| Failure(format!("cannot seed the Twinfield simulator: {e}")))?;
        let tokens = sim
            .issue_tokens(CLIENT, ORGANISATION)
            .map_err(|e| Failure(format!("cannot issue Twinfield tokens: {e}")))?;
        let config = TwinfieldConfig::new(CLIENT, SECRET, REDIRECT, ORGANISATION)
            .with_login_url(sim.login_url())
            .with_refresh_token(tokens.refresh_token.clone())
            .with_certified(true)
            .with_defences(defences);
        let ledger = grootboek_twinfield::connect(config)
            .await
            .map_err(|e| Failure(format!("cannot connect the Twinfield adapter: {e}")))?;
        let seeded = |code: &str, rate: i64| SeededVat {
            code: code.into(),
            rate: Decimal::from(rate),
        };
        let fixture = Fixture {
            administration: OFFICE.into(),
            other_administration: Some(OTHER_OFFICE.into()),
            other_administration_only_vat: Some(seeded("VL", 9)),
            sales_journal: "VRK".into(),
            revenue_account: "8000".into(),
            domestic_customer: "1000".into(),
            icp_customer: "1001".into(),
            export_customer: "1002".into(),
            vat_high: seeded("VH", 21),
            vat_icp: seeded("ICP", 0),
            vat_export: seeded("EXP", 0),
        };
        Ok(Box::new(TwinfieldHarness {
            sim,
            ledger: Arc::new(ledger),
            fixture,
        }))
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}
