//! Test harness: a Twinfield simulator seeded with the demo world and a ledger connected to it.
#![allow(dead_code)]

use grootboek_core::runtime::RuntimeConfig;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use grootboek_core::runtime::{Clock, TokenPair};
use grootboek_core::{Defences, Invoice, SalesLine};
use grootboek_sim::common::SimCore;
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use grootboek_twinfield::{connect, TwinfieldConfig, TwinfieldLedger};
use rust_decimal::Decimal;

pub const CLIENT: &str = "grootboek-demo";
pub const SECRET: &str = "demo-secret";
pub const REDIRECT: &str = "http://localhost:8080/callback";
pub const ORG: &str = "ORG-A";
pub const OFFICE: &str = "NLA000001";
pub const OFFICE2: &str = "NLA000002";

/// The simulator's clock as the adapter's clock.
pub struct SimTime(pub Arc<SimCore>);

impl std::fmt::Debug for SimTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SimTime")
    }
}

impl Clock for SimTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

pub struct Env {
    pub sim: TwinfieldSim,
    pub ledger: TwinfieldLedger,
}

pub async fn sim() -> TwinfieldSim {
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    sim
}

pub fn config(sim: &TwinfieldSim) -> TwinfieldConfig {
    TwinfieldConfig::new(CLIENT, SECRET, REDIRECT, ORG)
        .with_login_url(sim.login_url())
        .with_cluster_hosts(["127.0.0.1"])
        .with_clock(Arc::new(SimTime(sim.core().clone())))
        .with_retry(
            grootboek_core::runtime::RetryPolicy::default()
                .with_delays(Duration::from_millis(5), Duration::from_millis(50)),
        )
        .with_certified(true)
        // The simulator's fair-use windows are far above what these tests send; a short budget
        // minute keeps the in-process limiter from pacing them in real time.
        .with_minute(Duration::from_secs(1))
}

/// A ledger holding tokens issued by the simulator (no browser dance).
pub async fn connect_with_tokens(sim: &TwinfieldSim, cfg: TwinfieldConfig) -> TwinfieldLedger {
    let tokens = sim.issue_tokens(CLIENT, ORG).unwrap();
    let ledger = connect(cfg).await.unwrap();
    let now = sim.core().clock.now();
    ledger
        .store_tokens(TokenPair::from_expires_in(
            tokens.access_token,
            tokens.refresh_token,
            now,
            Duration::from_secs(tokens.expires_in),
        ))
        .await
        .unwrap();
    ledger
}

pub async fn env_with(defences: Defences) -> Env {
    let sim = sim().await;
    let cfg = config(&sim).with_defences(defences);
    let ledger = connect_with_tokens(&sim, cfg).await;
    Env { sim, ledger }
}

pub async fn env() -> Env {
    env_with(Defences::all()).await
}

pub fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()
}

pub fn invoice(
    office: &str,
    customer: &str,
    reference: &str,
    net: Decimal,
    code: Option<&str>,
    rate: Decimal,
) -> Invoice {
    Invoice::new(office, "VRK", customer, reference, date()).with_line(SalesLine::new(
        "8020",
        "Brood en banket",
        net,
        code,
        rate,
    ))
}

/// The ProcessXml documents (unescaped `xmlRequest`) the simulator received, in order.
pub fn process_xml_documents(sim: &TwinfieldSim) -> Vec<String> {
    sim.core()
        .log
        .snapshot()
        .into_iter()
        .filter(|r| r.path.ends_with("processxml.asmx"))
        .filter_map(|r| {
            let env = grootboek_twinfield::xml::parse_document(&r.body).ok()?;
            env.text_at("Body/ProcessXmlString/xmlRequest")
                .map(str::to_string)
        })
        .collect()
}
