//! Q04 / P4 across OS processes: two processes share one Exact connection through the Redis
//! token broker and budget, and both work through three token expiries with zero 401s and
//! exactly one refresh per expiry.
//!
//! Needs Redis: `GROOTBOEK_REDIS_URL`, else `redis://127.0.0.1:6379`. When Redis is not there
//! the test fails; it is never skipped. Run with `--features redis`.

#![cfg(feature = "redis")]

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::*;
use grootboek_core::runtime::{Clock, TokenPair};
use grootboek_core::Ledger;
use grootboek_exact::{Budgets, ExactConfig};
use grootboek_sim::exact::ClientApp;

/// Simulated seconds per real second in this test: Exact's 600 s token lives 3 real seconds.
const SPEED: u64 = 200;
const WORKER_ENV: &str = "GROOTBOEK_EXACT_TEST_WORKER";

fn redis_url() -> String {
    std::env::var("GROOTBOEK_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// A clock that follows the simulator's: its time and speed read once, then extrapolated.
#[derive(Debug)]
struct SimLinkedClock {
    sim_at_anchor: DateTime<Utc>,
    anchor: Instant,
    speed_milli: u64,
}

impl SimLinkedClock {
    async fn of(base_url: &str) -> Self {
        let v: serde_json::Value = reqwest::get(format!("{base_url}/__sim/clock"))
            .await
            .expect("read the simulator clock")
            .json()
            .await
            .expect("clock JSON");
        let now = v["now"].as_str().expect("now");
        Self {
            sim_at_anchor: DateTime::parse_from_rfc3339(now)
                .expect("RFC 3339")
                .with_timezone(&Utc),
            anchor: Instant::now(),
            speed_milli: v["speed_milli"].as_u64().expect("speed"),
        }
    }
}

impl Clock for SimLinkedClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.anchor.elapsed();
        let sim = Duration::from_secs_f64(real.as_secs_f64() * self.speed_milli as f64 / 1000.0);
        self.sim_at_anchor + chrono::Duration::from_std(sim).unwrap_or_default()
    }
}

fn worker_config(
    base_url: &str,
    client_id: &str,
    conn: &str,
    clock: Arc<dyn Clock>,
) -> ExactConfig {
    let minute = Duration::from_millis(60_000 / SPEED);
    ExactConfig::new(client_id, CLIENT_SECRET)
        .with_base_url(base_url)
        .with_division(NL)
        .with_connection_id(conn)
        .with_redis(redis_url())
        .with_clock(clock)
        .with_refresh_skew(Duration::from_secs(30))
        .with_budgets(Budgets {
            per_minute: 60,
            per_day: 5_000,
            minute,
            day: minute * 60 * 24,
        })
}

#[tokio::test]
async fn q04_p4_two_processes_share_one_connection_through_redis() {
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let client_id = format!("grootboek-2proc-{run}");
    sim.register_app(ClientApp {
        client_id: client_id.clone(),
        ..app()
    });
    sim.set_rate_limits(grootboek_sim::exact::RateLimits {
        minutely: 60,
        daily: 5_000,
    });
    sim.core().clock.set_speed_milli(SPEED * 1000);
    let conn = format!("exact:2proc:{run}");
    let clock: Arc<dyn Clock> = Arc::new(SimLinkedClock::of(&sim.base_url()).await);
    let parent = grootboek_exact::connect(worker_config(
        &sim.base_url(),
        &client_id,
        &conn,
        clock.clone(),
    ))
    .await
    .expect("Redis must be reachable at GROOTBOEK_REDIS_URL or 127.0.0.1:6379");
    let t = sim.issue_tokens(&client_id).unwrap();
    parent
        .store_tokens(TokenPair::from_expires_in(
            t.access_token,
            t.refresh_token,
            clock.now(),
            Duration::from_secs(t.expires_in),
        ))
        .await
        .unwrap();
    let until = clock.now() + chrono::Duration::seconds(3 * 600 + 90);
    let job = serde_json::json!({
        "base_url": sim.base_url(),
        "client_id": client_id,
        "conn": conn,
        "until": until.to_rfc3339(),
    });
    let exe = std::env::current_exe().unwrap();
    let mut children = Vec::new();
    for _ in 0..2 {
        children.push(
            tokio::process::Command::new(&exe)
                .args([
                    "--exact",
                    "worker_process",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(WORKER_ENV, job.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("spawn a worker process"),
        );
    }
    let mut results = Vec::new();
    for child in children {
        let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
            .await
            .expect("the worker finished in time")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "worker failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("WORKER_RESULT ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("no result line: {stdout}"))
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        results.push(v);
    }
    for r in &results {
        assert_eq!(r["errors"], 0, "{results:?}");
        assert!(r["calls"].as_u64().unwrap_or(0) >= 20, "{results:?}");
        assert_eq!(r["unauthorized"], 0, "{results:?}");
    }
    let log = requests(&sim);
    assert_eq!(
        log.iter().filter(|r| r.status == 401).count(),
        0,
        "zero 401s over HTTP"
    );
    assert_eq!(
        sim.refresh_count(&client_id),
        3,
        "exactly one refresh per expiry"
    );
    assert_eq!(parent.refresh_count().await.unwrap(), 3);
    let _ = parent.token_broker().remove(parent.connection_id()).await;
}

/// The body of a worker process (run only by the test above, through `WORKER_ENV`).
#[tokio::test]
#[ignore = "started as a child process by q04_p4_two_processes_share_one_connection_through_redis"]
async fn worker_process() {
    let job: serde_json::Value = serde_json::from_str(
        &std::env::var(WORKER_ENV).expect("only the parent test starts this worker"),
    )
    .unwrap();
    let base_url = job["base_url"].as_str().unwrap();
    let until = DateTime::parse_from_rfc3339(job["until"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let clock: Arc<dyn Clock> = Arc::new(SimLinkedClock::of(base_url).await);
    let ledger = grootboek_exact::connect(worker_config(
        base_url,
        job["client_id"].as_str().unwrap(),
        job["conn"].as_str().unwrap(),
        clock.clone(),
    ))
    .await
    .unwrap();
    let (mut calls, mut errors) = (0u64, 0u64);
    while clock.now() < until {
        match ledger.list_journals(&NL.to_string(), None).await {
            Ok(_) => calls += 1,
            Err(e) => {
                errors += 1;
                eprintln!("worker error: {e}");
            }
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let unauthorized = ledger.stats().unauthorized;
    println!(
        "WORKER_RESULT {}",
        serde_json::json!({"calls": calls, "errors": errors, "unauthorized": unauthorized})
    );
}
