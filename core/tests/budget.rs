//! `MemoryBudget` on tokio's paused clock: limits per window, all-or-nothing charges, concurrency
//! caps, pauses from a vendor 429 (T05).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use grootboek_core::runtime::{
    parse_retry_after, AfasBudget, Bucket, Budget, Charge, ExactBudget, MemoryBudget,
    TwinfieldBudget, TwinfieldOperation,
};
use grootboek_core::ErrorKind;
use tokio::time::Instant;

/// Admission times (ms since start) of `workers` tasks charging `charges` until `run_for`.
async fn admissions(
    budget: Arc<MemoryBudget>,
    charges: Vec<Charge>,
    workers: usize,
    run_for: Duration,
) -> Vec<u64> {
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let (b, ch) = (budget.clone(), charges.clone());
        handles.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let permit = b.acquire(&ch).await.expect("acquire");
                let t = start.elapsed();
                if t >= run_for {
                    break;
                }
                times.push(t.as_micros() as u64);
                drop(permit);
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

/// The largest number of admissions in any interval shorter than `window_us`.
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

#[tokio::test(start_paused = true)]
async fn memory_budget_admits_at_most_the_limit_and_at_least_95_percent_per_window() {
    let window = Duration::from_secs(60);
    let bucket = Bucket::rate("exact:app:1:minute", 60, window);
    let times = admissions(
        Arc::new(MemoryBudget::new()),
        vec![Charge::new(bucket, 1)],
        8,
        window * 5,
    )
    .await;
    assert!(
        max_in_any_window(&times, 60_000_000) <= 60,
        "over the limit"
    );
    for w in 0..5u64 {
        let n = times.iter().filter(|t| **t / 60_000_000 == w).count();
        assert!((57..=60).contains(&n), "window {w}: {n} admitted");
    }
}

#[tokio::test(start_paused = true)]
async fn memory_budget_twinfield_write_charges_every_bucket_all_or_nothing() {
    let minute = Duration::from_secs(60);
    let layout = TwinfieldBudget::new("app", "10.0.0.1")
        .certified(false)
        .with_minute(minute);
    let budget = Arc::new(MemoryBudget::new());
    // Writes to one organisation: the client+organisation bucket (25 credits) is the narrowest.
    let writes = admissions(
        budget.clone(),
        layout.charges("ORG1", TwinfieldOperation::Write),
        4,
        minute * 3,
    )
    .await;
    assert!(max_in_any_window(&writes, 60_000_000) * 3 <= 25);
    assert!(
        writes.len() >= 3 * 7,
        "{} writes in 3 minutes",
        writes.len()
    );
    // The client bucket (50 a minute, burst 3) was charged too: right after a write a read to
    // another organisation waits for it, a moment later it fits.
    let read = layout.charges("ORG2", TwinfieldOperation::Read);
    let write = layout.charges("ORG1", TwinfieldOperation::Write);
    tokio::time::sleep(Duration::from_secs(10)).await;
    drop(budget.acquire(&write).await.expect("write"));
    assert!(matches!(
        budget.try_acquire(&read).await,
        Ok(grootboek_core::runtime::Admission::Denied { .. })
    ));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(matches!(
        budget.try_acquire(&read).await,
        Ok(grootboek_core::runtime::Admission::Granted(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn memory_budget_concurrency_cap_afas_8() {
    let budget = Arc::new(MemoryBudget::new());
    let charges = AfasBudget::new("O1").charges();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut handles = Vec::new();
    for _ in 0..30 {
        let (b, ch, now, max) = (budget.clone(), charges.clone(), now.clone(), max.clone());
        handles.push(tokio::spawn(async move {
            for _ in 0..3 {
                let permit = b.acquire(&ch).await.expect("acquire");
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
            }
        }));
    }
    for h in handles {
        h.await.expect("join");
    }
    assert_eq!(max.load(Ordering::SeqCst), 8);
}

#[tokio::test(start_paused = true)]
async fn memory_budget_429_pauses_every_worker_until_retry_after() {
    let budget = Arc::new(MemoryBudget::new());
    let charges = ExactBudget::new("app").charges("42");
    let _first = budget.acquire(&charges).await.expect("acquire");
    // The vendor said 429 with an HTTP date 30 s ahead.
    let now = SystemTime::now();
    let header = httpdate::fmt_http_date(now + Duration::from_secs(30));
    let wait = parse_retry_after(&header, now).expect("retry-after");
    assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
    let paused_at = Instant::now();
    budget.pause_charges(&charges, wait).await.expect("pause");
    let mut handles = Vec::new();
    for _ in 0..4 {
        let (b, ch) = (budget.clone(), charges.clone());
        handles.push(tokio::spawn(async move {
            let _p = b.acquire(&ch).await.expect("acquire");
            Instant::now()
        }));
    }
    for h in handles {
        let admitted = h.await.expect("join");
        assert!(admitted - paused_at >= wait, "admitted during the pause");
    }
}

#[tokio::test(start_paused = true)]
async fn memory_budget_spent_daily_quota_is_rate_limited_not_a_long_wait() {
    let budget = MemoryBudget::new().with_max_wait(Duration::from_secs(60));
    let layout = ExactBudget::new("app")
        .with_limits(1000, 10)
        .with_day_burst(10);
    let charges = layout.charges("7");
    for _ in 0..10 {
        drop(budget.acquire(&charges).await.expect("within the day"));
    }
    let started = Instant::now();
    let e = budget.acquire(&charges).await.expect_err("day spent");
    assert!(
        matches!(e.kind(), ErrorKind::RateLimited { retry_after: Some(d) } if *d > Duration::from_secs(3600)),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "returned without waiting"
    );
    // A charge that can never fit is a configuration error, not an endless wait.
    let huge = Charge::new(
        Bucket::rate_with_burst("tiny", 5, Duration::from_secs(1), 2),
        3,
    );
    assert_eq!(
        *budget
            .acquire(&[huge])
            .await
            .expect_err("never fits")
            .kind(),
        ErrorKind::Config
    );
}
