//! Budget use under sustained demand (issue 15, T05, T10): `MemoryBudget` on tokio's paused
//! clock, workers that never stop asking, network delays and vendor processing times drawn at
//! random, and a vendor that counts every bucket both as a sliding window and as fixed windows
//! at its own alignment. Prints the figures; asserts ≥ 97 % of the binding bucket and no
//! would-be 429.
//!
//! ```text
//! cargo test -p grootboek-core --all-features --test budget_utilisation -- --nocapture --test-threads 1
//! ```

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::vendor_windows::{judge, Report, Sent};
use grootboek_core::runtime::{
    Budget, Charge, ExactBudget, MemoryBudget, TwinfieldBudget, TwinfieldOperation,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(86_400);

/// The vendor's clock when the run starts: 10:00:37.25 on some day, so its fixed minutes and
/// days do not line up with the budget's start.
const VENDOR_OFFSET_US: u64 = (10 * 3600 + 37) * 1_000_000 + 250_000;

/// The charges of a worker's next request (worker index, its random source).
type MakeCharges = Arc<dyn Fn(usize, &mut StdRng) -> Vec<Charge> + Send + Sync>;

struct Scenario {
    title: &'static str,
    workers: usize,
    run: Duration,
    /// One-way network delay: `min..=max` ms (the spread stays within the slack of a minute).
    delay_ms: (u64, u64),
    /// Vendor processing time: `min..=max` ms.
    processing_ms: (u64, u64),
    charges: MakeCharges,
}

/// Run `scenario` on the paused clock and judge it as the vendor would.
async fn run(scenario: Scenario) -> Report {
    let budget = Arc::new(MemoryBudget::new().with_max_wait(3 * DAY));
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let start = Instant::now();
    let run_for = scenario.run;
    let mut handles = Vec::new();
    for w in 0..scenario.workers {
        let (budget, sent, make) = (budget.clone(), sent.clone(), scenario.charges.clone());
        let (delay, processing) = (scenario.delay_ms, scenario.processing_ms);
        handles.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(15 + w as u64);
            loop {
                let charges = make(w, &mut rng);
                let permit = budget.acquire(&charges).await.expect("acquire");
                if start.elapsed() >= run_for {
                    break;
                }
                let ms = |r: &mut StdRng, (lo, hi): (u64, u64)| {
                    Duration::from_millis(r.random_range(lo..=hi))
                };
                tokio::time::sleep(ms(&mut rng, delay)).await;
                let arrival = start.elapsed();
                tokio::time::sleep(ms(&mut rng, processing)).await;
                let done = start.elapsed();
                tokio::time::sleep(ms(&mut rng, delay)).await;
                drop(permit);
                sent.lock().expect("lock").push(Sent::new(
                    arrival.as_micros() as u64,
                    done.as_micros() as u64,
                    &charges,
                ));
            }
        }));
    }
    for h in handles {
        h.await.expect("worker");
    }
    let sent = sent.lock().expect("lock").clone();
    let report = judge(&sent, run_for.as_micros() as u64, VENDOR_OFFSET_US);
    println!("{}", report.render(scenario.title));
    report
}

fn check(report: &Report) {
    let b = report.binding();
    assert!(
        b.utilisation >= 0.97,
        "{} used {:.2}% of its limit",
        b.name,
        b.utilisation * 100.0
    );
    assert_eq!(
        report.would_be_429(),
        0,
        "the vendor would have refused some"
    );
    for r in &report.rates {
        assert!(r.max_sliding <= r.capacity && r.max_fixed <= r.capacity);
    }
}

/// Reads (1 credit) and writes (3 credits) to one organisation, half and half.
fn twinfield_mixed(layout: TwinfieldBudget) -> MakeCharges {
    Arc::new(move |_: usize, rng: &mut StdRng| {
        let op = if rng.random_bool(0.5) {
            TwinfieldOperation::Write
        } else {
            TwinfieldOperation::Read
        };
        layout.charges("ORG1", op)
    })
}

#[tokio::test(start_paused = true)]
async fn twinfield_uncertified_mixed_60_minutes() {
    let report = run(Scenario {
        title: "Twinfield uncertified (25 credits/min per client+org), reads and writes, 60 min",
        workers: 12,
        run: 60 * MINUTE,
        delay_ms: (20, 500),
        processing_ms: (50, 400),
        charges: twinfield_mixed(TwinfieldBudget::new("app", "203.0.113.7").certified(false)),
    })
    .await;
    assert!(report.binding().name.starts_with("twinfield:client-org:"));
    check(&report);
}

#[tokio::test(start_paused = true)]
async fn twinfield_certified_mixed_60_minutes() {
    let report = run(Scenario {
        title: "Twinfield certified (500 credits/min per client+org), reads and writes, 60 min",
        workers: 12,
        run: 60 * MINUTE,
        delay_ms: (20, 500),
        processing_ms: (50, 400),
        charges: twinfield_mixed(TwinfieldBudget::new("app", "203.0.113.7")),
    })
    .await;
    assert!(report.binding().name.starts_with("twinfield:client-org:"));
    check(&report);
}

#[tokio::test(start_paused = true)]
async fn twinfield_uncertified_two_organisations_60_minutes() {
    // Two organisations at 25 each fill the client's 50 together.
    let layout = TwinfieldBudget::new("app", "203.0.113.7").certified(false);
    let report = run(Scenario {
        title: "Twinfield uncertified, two organisations (50 credits/min per client), 60 min",
        workers: 16,
        run: 60 * MINUTE,
        delay_ms: (20, 500),
        processing_ms: (50, 400),
        // Each worker keeps to one organisation, so that both always have demand.
        charges: Arc::new(move |w: usize, rng: &mut StdRng| {
            let org = if w.is_multiple_of(2) { "ORG1" } else { "ORG2" };
            let op = if rng.random_bool(0.5) {
                TwinfieldOperation::Write
            } else {
                TwinfieldOperation::Read
            };
            layout.charges(org, op)
        }),
    })
    .await;
    check(&report);
}

#[tokio::test(start_paused = true)]
async fn exact_minute_60_minutes() {
    // The whole day may be spent at full speed, so the minute is what binds (the default layout
    // spends half the day at full speed, then paces the rest over the day).
    let layout = ExactBudget::new("app").with_day_burst(5000);
    let report = run(Scenario {
        title: "Exact minute (60 calls/min per division; 5,000/day not reached), 60 min",
        workers: 6,
        run: 60 * MINUTE,
        delay_ms: (20, 500),
        processing_ms: (50, 400),
        charges: Arc::new(move |_: usize, _: &mut StdRng| layout.charges("123")),
    })
    .await;
    assert!(report.binding().name.ends_with(":minute"));
    check(&report);
}

#[tokio::test(start_paused = true)]
async fn exact_day_seven_days() {
    let layout = ExactBudget::new("app");
    let report = run(Scenario {
        title: "Exact day (5,000 calls/day per division, 60/min), 7 days",
        workers: 6,
        run: 7 * DAY,
        delay_ms: (20, 500),
        processing_ms: (50, 400),
        charges: Arc::new(move |_: usize, _: &mut StdRng| layout.charges("123")),
    })
    .await;
    assert!(report.binding().name.ends_with(":day"));
    check(&report);
}
