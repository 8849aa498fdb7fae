//! `RedisBudget` against a real Redis: the Lua script equals the Rust model (sliding-window log
//! and pacer), workers on
//! several connections share one limit, a 429 pauses everyone, concurrency caps hold (T05).
#![cfg(feature = "redis")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::redis_server::test_redis;
use common::unique_prefix;
use grootboek_core::runtime::budget::window::{WindowModel, WindowParams};
use grootboek_core::runtime::{
    parse_retry_after, AfasBudget, Bucket, Budget, Charge, Limit, RedisBudget, RedisBudgetConfig,
    TwinfieldBudget, TwinfieldOperation,
};
use proptest::prelude::*;

async fn budget(url: &str, prefix: &str) -> RedisBudget {
    RedisBudget::connect(url, RedisBudgetConfig::default().with_prefix(prefix))
        .await
        .expect("connect the budget to redis")
}

fn micros(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Server times (µs) of the admissions of `workers` tasks, spread over the given budgets (each
/// its own Redis connection, like separate processes), until `run_for` has passed.
async fn admissions(
    budgets: &[Arc<RedisBudget>],
    charges: &[Charge],
    workers: usize,
    run_for: Duration,
) -> Vec<u64> {
    let deadline = tokio::time::Instant::now() + run_for;
    let mut handles = Vec::new();
    for i in 0..workers {
        let (b, ch) = (budgets[i % budgets.len()].clone(), charges.to_vec());
        handles.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while tokio::time::Instant::now() < deadline {
                let permit = b.acquire(&ch).await.expect("acquire");
                times.push(micros(permit.admitted_at().expect("server time")));
            }
            times
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("join"));
    }
    all.sort_unstable();
    all
}

fn max_in_any_window(times: &[u64], window_us: u64) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t < times[i] + window_us)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_budget_workers_share_the_limit_over_several_windows() {
    let redis = test_redis().await;
    let prefix = unique_prefix("share");
    // Three "processes" (connections), 12 workers, a "minute" of half a second, 100 per window.
    let budgets: Vec<Arc<RedisBudget>> = futures_join(&redis.url, &prefix, 3).await;
    let window_us = 500_000;
    let bucket = Bucket::rate("exact:app:1:minute", 100, Duration::from_millis(500));
    let times = admissions(
        &budgets,
        &[Charge::new(bucket, 1)],
        12,
        Duration::from_millis(2150),
    )
    .await;
    let worst = max_in_any_window(&times, window_us);
    assert!(worst <= 100, "{worst} admitted within one window");
    // Under demand the whole capacity is used once per span (the window plus its slack, here
    // the 50 ms minimum).
    let span_us = 550_000;
    let t0 = *times.first().expect("admissions");
    for w in 0..3 {
        let n = times.iter().filter(|t| (**t - t0) / span_us == w).count();
        assert!(n >= 95, "span {w}: only {n} of 100 admitted under demand");
    }
    redis.delete_prefix(&prefix).await;
}

async fn futures_join(url: &str, prefix: &str, n: usize) -> Vec<Arc<RedisBudget>> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(Arc::new(budget(url, prefix).await));
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_budget_twinfield_layout_across_connections() {
    let redis = test_redis().await;
    let prefix = unique_prefix("twinfield");
    let budgets = futures_join(&redis.url, &prefix, 2).await;
    let layout = TwinfieldBudget::new("app", "10.0.0.1")
        .certified(false)
        .with_minute(Duration::from_millis(500));
    let writes = admissions(
        &budgets,
        &layout.charges("ORG1", TwinfieldOperation::Write),
        6,
        Duration::from_millis(1600),
    )
    .await;
    // 25 credits per "minute" for client+organisation: at most 8 writes (24 credits) per window.
    assert!(max_in_any_window(&writes, 500_000) * 3 <= 25, "{writes:?}");
    assert!(writes.len() >= 3 * 7, "{} writes", writes.len());
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_budget_429_with_retry_after_pauses_every_worker() {
    let redis = test_redis().await;
    let prefix = unique_prefix("pause");
    let budgets = futures_join(&redis.url, &prefix, 2).await;
    let charges = vec![Charge::new(
        Bucket::rate("exact:app:9:minute", 1000, Duration::from_secs(1)),
        1,
    )];
    let client = redis::Client::open(redis.url.as_str()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");

    let workers = {
        let (b, ch) = (budgets.clone(), charges.clone());
        tokio::spawn(async move { admissions(&b, &ch, 4, Duration::from_millis(2000)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // One worker got "429 Too Many Requests" with "Retry-After: 1".
    let wait = parse_retry_after("1", SystemTime::now()).expect("retry-after");
    budgets[0]
        .pause_charges(&charges, wait)
        .await
        .expect("pause");
    let (secs, us): (u64, u64) = redis::cmd("TIME")
        .query_async(&mut conn)
        .await
        .expect("time");
    let paused_at = secs * 1_000_000 + us;
    let times = workers.await.expect("join");

    let during = times
        .iter()
        .filter(|t| **t > paused_at && **t < paused_at + 950_000)
        .count();
    assert_eq!(during, 0, "admitted during the pause");
    assert!(times.iter().any(|t| *t < paused_at), "work before the 429");
    assert!(
        times.iter().any(|t| *t >= paused_at + 1_000_000),
        "work resumed after Retry-After"
    );
    // A shorter pause does not shorten a longer one.
    budgets[1]
        .pause("exact:app:9:minute", Duration::from_secs(5))
        .await
        .expect("pause");
    budgets[0]
        .pause("exact:app:9:minute", Duration::from_millis(10))
        .await
        .expect("pause");
    match budgets[0].try_acquire(&charges).await.expect("try") {
        grootboek_core::runtime::Admission::Denied { retry_after } => {
            assert!(retry_after > Duration::from_secs(4), "{retry_after:?}")
        }
        other => panic!("admitted during a pause: {other:?}"),
    }
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_budget_concurrency_cap_holds_across_connections() {
    let redis = test_redis().await;
    let prefix = unique_prefix("inflight");
    let budgets = futures_join(&redis.url, &prefix, 3).await;
    let charges = AfasBudget::new("O1").charges();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut handles = Vec::new();
    for i in 0..24 {
        let (b, ch, now, max) = (
            budgets[i % 3].clone(),
            charges.clone(),
            now.clone(),
            max.clone(),
        );
        handles.push(tokio::spawn(async move {
            for _ in 0..3 {
                let permit = b.acquire(&ch).await.expect("acquire");
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(40)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
            }
        }));
    }
    for h in handles {
        h.await.expect("join");
    }
    assert_eq!(
        max.load(Ordering::SeqCst),
        8,
        "never more than 8 in flight, and 8 reached"
    );
    redis.delete_prefix(&prefix).await;
}

/// A step of the model test: move the clock (by an amount, or to the moment the oldest log
/// entry of a bucket stops counting, give or take a microsecond), then charge some of three
/// buckets.
/// (advance µs, jump to the expiry of a bucket's oldest entry ± µs, charges (bucket, credits))
type Step = (u64, Option<(usize, u64)>, Vec<(usize, u64)>);

fn step() -> impl Strategy<Value = Step> {
    (
        0u64..400_000,
        proptest::option::of((0usize..3, 0u64..3)),
        proptest::collection::vec((0usize..3, 1u64..4), 1..4),
    )
}

/// 48 cases; no regression file is written into the source tree.
fn model_config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(model_config())]

    /// The Lua script and the Rust model give the same answer (admitted, wait in µs) and keep
    /// the same state (pacer TAT, log entries, credits in use), step for step, on a real Redis.
    #[test]
    fn redis_budget_lua_script_matches_rust_model(
        caps in proptest::collection::vec((3u32..80, 50u64..3_000, 0.0f64..=1.0), 3),
        steps in proptest::collection::vec(step(), 1..60),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let redis = test_redis().await;
            let prefix = unique_prefix("model");
            let b = budget(&redis.url, &prefix).await;
            let buckets: Vec<Bucket> = caps
                .iter()
                .enumerate()
                .map(|(i, (cap, ms, share))| {
                    let burst = ((f64::from(*cap) * share) as u32).max(3);
                    Bucket::rate_with_burst(format!("b{i}"), *cap, Duration::from_millis(*ms), burst)
                })
                .collect();
            let mut model = WindowModel::new();
            let mut now: u64 = 1_750_000_000_000_000; // a realistic epoch in µs
            let client = redis::Client::open(redis.url.as_str()).expect("client");
            let mut conn = client.get_multiplexed_async_connection().await.expect("conn");
            for (advance, jump, picks) in steps {
                now += advance;
                if let Some((i, off)) = jump {
                    let Limit::Rate { capacity, window, burst } = buckets[i].limit() else { unreachable!() };
                    let span = WindowParams::new(capacity, window, burst).span_us;
                    let oldest = model.state(buckets[i].name()).and_then(|s| s.log.front().copied());
                    if let Some((q, _)) = oldest {
                        now = now.max(q + span + off - 1);
                    }
                }
                let mut picks = picks;
                picks.sort_unstable_by_key(|p| p.0);
                picks.dedup_by_key(|p| p.0);
                let charges: Vec<Charge> = picks.iter().map(|(i, c)| Charge::new(buckets[*i].clone(), *c as u32)).collect();
                let model_charges: Vec<(&str, u64, WindowParams)> = picks
                    .iter()
                    .map(|(i, c)| {
                        let Limit::Rate { capacity, window, burst } = buckets[*i].limit() else { unreachable!() };
                        (buckets[*i].name(), *c, WindowParams::new(capacity, window, burst))
                    })
                    .collect();
                let expected = model.admit(now, &model_charges);
                let got = b.evaluate(&charges, Some(now), "m").await.expect("script");
                prop_assert_eq!(got.now_us, now);
                match expected {
                    Ok(()) => prop_assert!(got.admitted && got.wait_us == 0, "model admits, script {:?}", got),
                    Err(w) => prop_assert!(!got.admitted && got.wait_us == w, "model waits {}, script {:?}", w, got),
                }
                for bucket in &buckets {
                    let key = |kind: &str| format!("{{{prefix}}}:{kind}:{}", bucket.name());
                    let stored: Option<u64> = redis::cmd("GET").arg(key("rl")).query_async(&mut conn).await.expect("get");
                    // An expired key and a TAT in the past mean the same: idle.
                    let idle = |t: Option<u64>| t.filter(|t| *t > now);
                    prop_assert_eq!(idle(stored), idle(model.tat(bucket.name())));
                    let log: Vec<String> = redis::cmd("LRANGE").arg(key("log")).arg(0).arg(-1).query_async(&mut conn).await.expect("lrange");
                    let used: Option<u64> = redis::cmd("GET").arg(key("used")).query_async(&mut conn).await.expect("get");
                    let state = model.state(bucket.name()).cloned().unwrap_or_default();
                    let model_log: Vec<String> = state.log.iter().map(|(q, c)| format!("{q}:{c}")).collect();
                    prop_assert_eq!(&log, &model_log, "log of {}", bucket.name());
                    prop_assert_eq!(used.unwrap_or(0), state.used, "credits in use in {}", bucket.name());
                }
            }
            redis.delete_prefix(&prefix).await;
            Ok(())
        })?;
    }
}
