//! Memory of streaming a very large Twinfield office's open items (issue 15). The simulator
//! runs in its own process (`grootboek sim --vendor twinfield`), seeded with generated invoices
//! (`bulk_invoices`, all open, over twenty book years); this process lists them through the
//! adapter's stream (`Ledger::open_items_stream`, one page — one book year or part of one — held
//! at a time) and prints the count, the open total, the time and its own peak resident set
//! (`VmHWM`), which therefore holds the client side only.
//!
//! ```text
//! cargo bench -p grootboek-conformance --features twinfield --bench stream_open_items -- 1000000
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use grootboek_core::runtime::{RuntimeConfig, TokenPair};
use grootboek_core::Ledger;
use grootboek_twinfield::{connect, TwinfieldConfig};
use rust_decimal::Decimal;

const OFFICE: &str = "NLA000001";

/// The peak resident set of this process in MiB (Linux `VmHWM`), if the platform tells.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let lines: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.replace(['_', ','], "").parse().ok())
        .unwrap_or(1_000_000);
    let mut sim = Command::new(env!("CARGO_BIN_EXE_grootboek"))
        .args(["sim", "--vendor", "twinfield"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("grootboek sim starts");
    let mut login = None;
    let mut out = BufReader::new(sim.stdout.take().expect("piped stdout")).lines();
    while login.is_none() {
        let line = out.next().expect("sim prints its urls").expect("readable");
        if let Some(url) = line.strip_prefix("twinfield login: ") {
            login = Some(url.trim().to_string());
        }
    }
    let login = login.expect("login url");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(run(&login, lines));
    let _ = sim.kill();
    let _ = sim.wait();
    if let Err(e) = result {
        eprintln!("stream_open_items: {e}");
        std::process::exit(1);
    }
}

async fn run(login: &str, lines: u32) -> Result<(), String> {
    let http = reqwest::Client::new();
    let seeded = Instant::now();
    let seed = serde_json::json!({"bulk_invoices": [{
        "office": OFFICE, "count": lines, "first_year": 2007, "years": 20,
        "customers": ["1000", "1001"],
    }]});
    let answer = http
        .post(format!("{login}/__sim/seed"))
        .json(&seed)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("seed answered {}", answer.status()));
    }
    let seeded = seeded.elapsed();
    let tokens: serde_json::Value = http
        .post(format!("{login}/__sim/tokens"))
        .json(&serde_json::json!({"client_id": "grootboek-demo", "organisation": "ORG-A"}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let text = |k: &str| tokens[k].as_str().unwrap_or_default().to_string();
    let cfg = TwinfieldConfig::new(
        "grootboek-demo",
        "demo-secret",
        "http://localhost:8080/callback",
        "ORG-A",
    )
    .with_login_url(login)
    .with_cluster_hosts(["127.0.0.1"])
    .with_certified(true)
    .with_minute(Duration::from_secs(1))
    .with_timeout(Duration::from_secs(600));
    let ledger = connect(cfg).await.map_err(|e| e.to_string())?;
    ledger
        .store_tokens(TokenPair::from_expires_in(
            text("access_token"),
            text("refresh_token"),
            chrono::Utc::now(),
            Duration::from_secs(3600),
        ))
        .await
        .map_err(|e| e.to_string())?;
    let before = peak_rss_mib();
    let started = Instant::now();
    let mut stream = ledger.open_items_stream(OFFICE);
    let (mut count, mut total) = (0u64, Decimal::ZERO);
    while let Some(item) = stream.next().await {
        let item = item.map_err(|e| e.to_string())?;
        count += 1;
        total += item.open_amount.amount;
    }
    let took = started.elapsed();
    let stats = ledger.stats();
    let mib = |v: Option<f64>| v.map_or("n/a".to_string(), |m| format!("{m:.1} MiB"));
    println!(
        "{lines} generated invoices (seeded in {seeded:.1?}): streamed {count} open items, open total {total}, \
         in {took:.1?} and {} requests; peak RSS of this process {} (before listing {})",
        stats.requests,
        mib(peak_rss_mib()),
        mib(before)
    );
    if count != u64::from(lines) {
        return Err(format!("{count} items streamed, {lines} generated"));
    }
    Ok(())
}
