//! R03 across two OS processes sharing Redis: four creates of one new Twinfield customer code —
//! two in this process, two in a child process — give exactly one success and three
//! `AlreadyExists`, and the customer keeps the winner's name. Twinfield overwrites an existing
//! code on "create" (Q15), so without a lock shared by both processes both would pass the check
//! and both would "succeed". A missing Redis fails the test.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::sync::Arc;

use grootboek_core::runtime::LockSetting;
use grootboek_core::{CountryCode, Dimension, Dimensions, ErrorKind};
use grootboek_sim::common::{Fault, FaultSpec};
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use grootboek_twinfield::TwinfieldConfig;
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const CLIENT: &str = "grootboek-demo";
const SECRET: &str = "demo-secret";
const ORG: &str = "ORG-A";
const OFFICE: &str = "NLA000001";

fn redis_url() -> String {
    std::env::var("GROOTBOEK_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn ledger(login: &str, refresh: &str) -> grootboek_twinfield::TwinfieldLedger {
    let mut config = TwinfieldConfig::new(CLIENT, SECRET, "http://localhost:8080/callback", ORG)
        .with_login_url(login)
        .with_cluster_hosts(["127.0.0.1"])
        .with_refresh_token(refresh)
        .with_minute(std::time::Duration::from_secs(1));
    config.runtime.locks = LockSetting::Redis(SecretString::from(redis_url()));
    grootboek_twinfield::connect(config).await.expect("connect")
}

/// Two concurrent creates of `code`; one line per outcome on stdout: `OK name` or `EXISTS`.
async fn two_creates(
    l: Arc<grootboek_twinfield::TwinfieldLedger>,
    code: &str,
    who: &str,
) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..2 {
        let l = l.clone();
        let d = Dimension::customer(code, format!("{who} {i} BV"), CountryCode::NL);
        tasks.push(tokio::spawn(
            async move { l.create_dimension(OFFICE, &d).await },
        ));
    }
    let mut out = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(d) => out.push(format!("OK {}", d.name)),
            Err(e) if e.kind() == &ErrorKind::AlreadyExists => out.push("EXISTS".to_string()),
            Err(e) => out.push(format!("ERROR {e}")),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r03_four_creates_across_two_processes_on_redis() {
    let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let code = format!("{}", 60_000 + uuid::Uuid::new_v4().as_u128() % 30_000);
    let child_refresh = sim.issue_tokens(CLIENT, ORG).unwrap().refresh_token;
    let own_refresh = sim.issue_tokens(CLIENT, ORG).unwrap().refresh_token;
    // Every look-up of a dimension takes 1.5 s: without one lock for both processes, all four
    // creators would see the code free before any of them writes it.
    sim.core()
        .faults
        .push(FaultSpec::new(Fault::Latency { ms: 1500 }).root_element("read"));
    let me = std::env::current_exe().unwrap();
    let mut child = tokio::process::Command::new(me)
        .args(["--exact", "child_creates", "--ignored", "--nocapture"])
        .env("R03_LOGIN", sim.login_url())
        .env("R03_REFRESH", &child_refresh)
        .env("R03_CODE", &code)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child process starts");
    let parent = Arc::new(ledger(&sim.login_url(), &own_refresh).await);
    // Start together: the child says READY once connected, and waits for GO.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the child says READY");
        if line == "READY" {
            break;
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"GO\n").await.unwrap();
    drop(stdin);
    let own = two_creates(parent, &code, "Parent").await;
    let mut theirs = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("OK ") || line == "EXISTS" || line.starts_with("ERROR ") {
            theirs.push(line);
        }
    }
    let child = child.wait().await.unwrap();
    assert!(child.success(), "the child failed");
    assert_eq!(theirs.len(), 2, "the child reported {theirs:?}");
    let all: Vec<&String> = own.iter().chain(&theirs).collect();
    assert!(
        !all.iter().any(|l| l.starts_with("ERROR")),
        "unexpected failures: {all:?}"
    );
    let winners: Vec<&&String> = all.iter().filter(|l| l.starts_with("OK ")).collect();
    assert_eq!(winners.len(), 1, "outcomes: {all:?}");
    let stored = sim
        .dimension(OFFICE, "DEB", &code)
        .expect("the customer exists");
    assert_eq!(
        format!("OK {}", stored.name),
        **winners[0],
        "the winner's name stays"
    );
}

/// The child half: started by the test above with its simulator and code in the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started as a child process by r03_four_creates_across_two_processes_on_redis"]
async fn child_creates() {
    let (Ok(login), Ok(refresh), Ok(code)) = (
        std::env::var("R03_LOGIN"),
        std::env::var("R03_REFRESH"),
        std::env::var("R03_CODE"),
    ) else {
        panic!("child_creates runs only as the child of r03_four_creates_across_two_processes_on_redis");
    };
    let l = Arc::new(ledger(&login, &refresh).await);
    println!("READY");
    let mut go = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut go)
        .await
        .expect("GO from the parent");
    for line in two_creates(l, &code, "Child").await {
        println!("{line}");
    }
}
