//! Shared helpers for the tests against the AFAS simulator.
#![allow(dead_code)]

use grootboek_core::runtime::RuntimeConfig;
use std::sync::Arc;

use chrono::NaiveDate;
use grootboek_afas::{connect, AfasConfig, AfasLedger};
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::{Defences, Invoice, QuirkId, SalesLine};
use grootboek_sim::afas::AfasSim;
use grootboek_sim::common::RequestRecord;
use rust_decimal::Decimal;
use serde_json::Value;

pub async fn sim() -> AfasSim {
    AfasSim::start("127.0.0.1".parse().expect("ip"))
        .await
        .expect("simulator starts")
}

pub fn config(sim: &AfasSim) -> AfasConfig {
    AfasConfig::new(sim.token_xml())
        .with_base_url(&sim.base_url())
        .expect("base url")
        .with_retry(RetryPolicy::default().with_delays(
            std::time::Duration::from_millis(5),
            std::time::Duration::from_millis(50),
        ))
}

pub fn without(ids: &[&str]) -> Defences {
    Defences::without(ids.iter().map(|i| i.parse::<QuirkId>().expect("quirk id")))
}

pub async fn ledger(sim: &AfasSim) -> AfasLedger {
    connect(config(sim)).await.expect("connect")
}

pub async fn ledger_with(
    sim: &AfasSim,
    f: impl FnOnce(AfasConfig) -> AfasConfig,
) -> Arc<AfasLedger> {
    Arc::new(connect(f(config(sim))).await.expect("connect"))
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A domestic invoice to debtor 10001 in sales journal 10 of administration 1.
pub fn invoice(reference: &str, customer: &str, lines: Vec<SalesLine>) -> Invoice {
    let mut inv = Invoice::new("1", "10", customer, reference, date(2026, 3, 2))
        .with_due_date(date(2026, 4, 1));
    for l in lines {
        inv = inv.with_line(l);
    }
    inv
}

pub fn line(account: &str, net: Decimal, code: Option<&str>, rate: Decimal) -> SalesLine {
    SalesLine::new(account, "regel", net, code, rate)
}

/// Requests the simulator logged for a method and a path fragment.
pub fn requests(sim: &AfasSim, method: &str, path: &str) -> Vec<RequestRecord> {
    sim.core()
        .log
        .snapshot()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains(path))
        .collect()
}

/// The JSON bodies of the logged requests for a method and path fragment.
pub fn bodies(sim: &AfasSim, method: &str, path: &str) -> Vec<Value> {
    requests(sim, method, path)
        .iter()
        .map(|r| serde_json::from_str(&r.body).expect("request body is JSON"))
        .collect()
}
