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
    // The client and IP buckets (50 a minute each) are charged by every organisation: writes
    // to ORG1 and reads to three other organisations, together, never exceed 50 credits in a
    // minute although each organisation alone may use 25.
    let budget = Arc::new(MemoryBudget::new());
    let read = |org: &str| layout.charges(org, TwinfieldOperation::Read);
    let (w, r2, r3, r4) = tokio::join!(
        admissions(
            budget.clone(),
            layout.charges("ORG1", TwinfieldOperation::Write),
            2,
            minute * 3
        ),
        admissions(budget.clone(), read("ORG2"), 2, minute * 3),
        admissions(budget.clone(), read("ORG3"), 2, minute * 3),
        admissions(budget.clone(), read("ORG4"), 2, minute * 3),
    );
    let mut credits: Vec<u64> = w.iter().flat_map(|t| [*t; 3]).collect();
    credits.extend(r2.iter().chain(&r3).chain(&r4));
    credits.sort_unstable();
    let worst = max_in_any_window(&credits, 60_000_000);
    assert!(worst <= 50, "{worst} credits in a minute");
    assert!(
        credits.len() >= 3 * 48,
        "{} credits in 3 minutes",
        credits.len()
    );
    assert!(!w.is_empty() && !r2.is_empty() && !r3.is_empty() && !r4.is_empty());
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

#[tokio::test(start_paused = true)]
async fn memory_budget_reads_fill_a_waiting_writes_gap_but_never_starve_it() {
    // 10 credits a second, credits spent one by one 100 ms apart: a write (3) must wait for
    // three of them to stop counting. Twenty readers keep asking all along; at most two reads
    // may overtake the write, so it is admitted by the fifth expiry (0.4 s + 1.05 s).
    let bucket = Bucket::rate_with_burst("gap", 10, Duration::from_secs(1), 10);
    let budget = Arc::new(MemoryBudget::new());
    let start = Instant::now();
    for i in 0..10u64 {
        tokio::time::sleep_until(start + Duration::from_millis(100 * i)).await;
        drop(
            budget
                .acquire(&[Charge::new(bucket.clone(), 1)])
                .await
                .expect("read"),
        );
    }
    // The write comes first and waits; then the readers come, and keep coming.
    let write = {
        let (b, ch) = (budget.clone(), vec![Charge::new(bucket.clone(), 3)]);
        tokio::spawn(async move {
            drop(b.acquire(&ch).await.expect("write"));
            start.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    let reads = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for _ in 0..20 {
        let (b, ch, reads) = (
            budget.clone(),
            vec![Charge::new(bucket.clone(), 1)],
            reads.clone(),
        );
        readers.push(tokio::spawn(async move {
            loop {
                drop(b.acquire(&ch).await.expect("read"));
                reads.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let admitted = write.await.expect("write");
    let overtaking = reads.load(Ordering::SeqCst);
    for r in readers {
        r.abort();
    }
    assert!(
        admitted <= Duration::from_millis(1451),
        "write admitted at {admitted:?}"
    );
    assert!(overtaking <= 2, "{overtaking} reads overtook the write");
    assert!(
        overtaking >= 1,
        "no read filled the gap the write could not use"
    );
}
