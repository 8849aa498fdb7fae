//! Budget use of the Redis script under sustained demand: the same scenarios as
//! `budget_utilisation.rs`, run as a discrete-event simulation against a real Redis with an
//! explicit clock (`RedisBudget::evaluate(.., Some(now), ..)`), so an hour takes seconds. Workers
//! share nothing but Redis: a denied worker tries again when the script says (plus up to 2 ms
//! of jitter, like `Budget::acquire`), whoever asks first when credits free up gets them.
//! Prints the figures; asserts ≥ 97 % of the binding bucket and no would-be 429.
//!
//! ```text
//! cargo test -p grootboek-core --all-features --test redis_budget_utilisation -- --nocapture --test-threads 1
//! ```
#![cfg(feature = "redis")]

mod common;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use common::redis_server::test_redis;
use common::unique_prefix;
use common::vendor_windows::{judge, Report, Sent};
use grootboek_core::runtime::{
    Charge, ExactBudget, RedisBudget, RedisBudgetConfig, TwinfieldBudget, TwinfieldOperation,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MINUTE_US: u64 = 60_000_000;
/// The simulated clock starts here (µs since the epoch; 10:00:37.25 UTC on some day).
const EPOCH_US: u64 = 1_750_000_000_000_000 - 1_750_000_000_000_000 % 86_400_000_000
    + (10 * 3600 + 37) * 1_000_000
    + 250_000;

type MakeCharges = Box<dyn Fn(usize, &mut StdRng) -> Vec<Charge>>;

enum Event {
    Attempt,
    Release(Vec<Charge>, String),
}

async fn run(title: &str, workers: usize, run_us: u64, make: MakeCharges) -> Report {
    let redis = test_redis().await;
    let prefix = unique_prefix("utilisation");
    let budget = RedisBudget::connect(
        &redis.url,
        RedisBudgetConfig::default().with_prefix(&prefix),
    )
    .await
    .expect("connect the budget to redis");
    let mut rng = StdRng::seed_from_u64(15);
    // (time, order: releases first, sequence) → (worker, event)
    let mut queue: BinaryHeap<Reverse<(u64, u8, u64)>> = BinaryHeap::new();
    let mut events: Vec<(usize, Event)> = Vec::new();
    let mut pending: Vec<Vec<Charge>> = Vec::new();
    for w in 0..workers {
        pending.push(make(w, &mut rng));
        queue.push(Reverse((0, 1, events.len() as u64)));
        events.push((w, Event::Attempt));
    }
    let mut sent = Vec::new();
    let mut attempts = 0u64;
    let ms = |r: &mut StdRng, lo: u64, hi: u64| r.random_range(lo..=hi) * 1000;
    while let Some(Reverse((t, _, seq))) = queue.pop() {
        let (w, event) = std::mem::replace(&mut events[seq as usize], (0, Event::Attempt));
        match event {
            Event::Release(charges, member) => {
                budget
                    .release_slots(&charges, &member)
                    .await
                    .expect("release");
            }
            Event::Attempt => {
                if t >= run_us {
                    continue;
                }
                attempts += 1;
                let member = format!("w{w}:{seq}");
                let v = budget
                    .evaluate(&pending[w], Some(EPOCH_US + t), &member)
                    .await
                    .expect("script");
                let (next, order) = if v.admitted {
                    let arrival = t + ms(&mut rng, 20, 500);
                    let done = arrival + ms(&mut rng, 50, 400);
                    let back = done + ms(&mut rng, 20, 500);
                    sent.push(Sent::new(arrival, done, &pending[w]));
                    let charges = std::mem::replace(&mut pending[w], make(w, &mut rng));
                    queue.push(Reverse((back, 0, events.len() as u64)));
                    events.push((w, Event::Release(charges, member)));
                    (back, 1)
                } else {
                    (t + v.wait_us + rng.random_range(0..=2000), 1)
                };
                queue.push(Reverse((next, order, events.len() as u64)));
                events.push((w, Event::Attempt));
            }
        }
    }
    redis.delete_prefix(&prefix).await;
    let report = judge(&sent, run_us, EPOCH_US);
    println!(
        "{}  ({attempts} script calls)",
        report.render(&format!("Redis: {title}"))
    );
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
}

fn twinfield_mixed(layout: TwinfieldBudget) -> MakeCharges {
    Box::new(move |_: usize, rng: &mut StdRng| {
        let op = if rng.random_bool(0.5) {
            TwinfieldOperation::Write
        } else {
            TwinfieldOperation::Read
        };
        layout.charges("ORG1", op)
    })
}

#[tokio::test]
async fn redis_twinfield_uncertified_mixed_60_minutes() {
    let layout = TwinfieldBudget::new("app", "203.0.113.7").certified(false);
    let report = run(
        "Twinfield uncertified (25 credits/min per client+org), reads and writes, 60 min",
        12,
        60 * MINUTE_US,
        twinfield_mixed(layout),
    )
    .await;
    check(&report);
}

#[tokio::test]
async fn redis_twinfield_certified_mixed_60_minutes() {
    let layout = TwinfieldBudget::new("app", "203.0.113.7");
    let report = run(
        "Twinfield certified (500 credits/min per client+org), reads and writes, 60 min",
        12,
        60 * MINUTE_US,
        twinfield_mixed(layout),
    )
    .await;
    check(&report);
}

#[tokio::test]
async fn redis_exact_minute_60_minutes() {
    let layout = ExactBudget::new("app").with_day_burst(5000);
    let report = run(
        "Exact minute (60 calls/min per division), 60 min",
        6,
        60 * MINUTE_US,
        Box::new(move |_: usize, _: &mut StdRng| layout.charges("123")),
    )
    .await;
    check(&report);
}

#[tokio::test]
async fn redis_exact_day_three_days() {
    let layout = ExactBudget::new("app");
    let report = run(
        "Exact day (5,000 calls/day per division, 60/min), 3 days",
        2,
        3 * 24 * 60 * MINUTE_US,
        Box::new(move |_: usize, _: &mut StdRng| layout.charges("123")),
    )
    .await;
    check(&report);
}
