//! `grootboek soak` in CI: 300 operations per vendor at a 15 % fault rate, fixed seed, judged
//! against each simulator's own state. Nothing lost, duplicated, corrupted or phantom; no panic.

use std::time::Duration;

use grootboek_conformance::soak::{self, SoakConfig, SoakReport};
use grootboek_core::Vendor;

const SEED: u64 = 14;

async fn soak(vendor: Vendor) -> SoakReport {
    let binding = grootboek_conformance::bindings()
        .into_iter()
        .find(|b| b.vendor() == vendor)
        .expect("the vendor is compiled in");
    let config = SoakConfig {
        ops: 300,
        fault_rate: 0.15,
        seed: SEED,
        op_deadline: Duration::from_secs(60),
    };
    let report = soak::run(binding.as_ref(), &config)
        .await
        .unwrap_or_else(|e| panic!("{vendor}: the soak could not run: {e}"));
    println!("{}", report.table());
    report
}

fn assert_clean(report: &SoakReport) {
    assert_eq!(report.ops, 300);
    assert!(
        report.faults.values().sum::<usize>() > 0,
        "the soak pushed no fault"
    );
    assert!(
        report.is_clean(),
        "{} soak (seed {SEED}) failed: {}\n{}",
        report.vendor,
        report.failing_counts().join(", "),
        report.table()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_twinfield() {
    assert_clean(&soak(Vendor::Twinfield).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_exact() {
    assert_clean(&soak(Vendor::Exact).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_afas() {
    assert_clean(&soak(Vendor::Afas).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_operations_and_faults() {
    let binding = grootboek_conformance::bindings()
        .into_iter()
        .find(|b| b.vendor() == Vendor::Afas)
        .expect("AFAS is compiled in");
    let config = SoakConfig {
        ops: 40,
        fault_rate: 0.3,
        seed: 7,
        op_deadline: Duration::from_secs(60),
    };
    let a = soak::run(binding.as_ref(), &config).await.unwrap();
    let b = soak::run(binding.as_ref(), &config).await.unwrap();
    assert_eq!(a.operations, b.operations);
    assert_eq!(a.faults, b.faults);
}
