//! R03 across two OS processes sharing Redis, on every vendor: four creates of one new customer
//! code — two in this process, two in a child process — give exactly one success and three
//! `AlreadyExists`, and the customer keeps the winner's name. Both processes start together and
//! every look-up of a customer is slowed, so all four creators would see the code free without
//! one lock for both processes (on Twinfield, which overwrites a taken code on "create" (Q15),
//! two would then "succeed"). A missing Redis fails the test.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use grootboek_core::runtime::{LockSetting, RuntimeConfig};
use grootboek_core::{CountryCode, Dimension, ErrorKind, Ledger};
use grootboek_sim::afas::AfasSim;
use grootboek_sim::common::{Fault, FaultSpec};
use grootboek_sim::exact::{ClientApp, ExactSeed, ExactSim, SeedDivision};
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const TW_CLIENT: &str = "grootboek-demo";
const TW_SECRET: &str = "demo-secret";
const TW_ORG: &str = "ORG-A";
const TW_OFFICE: &str = "NLA000001";
const EX_CLIENT: &str = "r03-app";
const EX_SECRET: &str = "r03-secret";
const EX_DIVISION: i32 = 1_400_001;

fn redis_url() -> String {
    std::env::var("GROOTBOEK_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn locks() -> LockSetting {
    LockSetting::Redis(SecretString::from(redis_url()))
}

/// A ledger of `vendor` on the simulator at `url`, with `credential` (a refresh token or the
/// AFAS token), and its administration.
async fn ledger(vendor: &str, url: &str, credential: &str) -> (Arc<dyn Ledger>, String) {
    match vendor {
        "twinfield" => {
            let mut c = grootboek_twinfield::TwinfieldConfig::new(
                TW_CLIENT,
                TW_SECRET,
                "http://localhost:8080/callback",
                TW_ORG,
            )
            .with_login_url(url)
            .with_cluster_hosts(["127.0.0.1"])
            .with_refresh_token(credential)
            .with_minute(Duration::from_secs(1));
            c.runtime.locks = locks();
            let l = grootboek_twinfield::connect(c).await.expect("connect");
            (Arc::new(l), TW_OFFICE.to_string())
        }
        "exact" => {
            // One consent shared by both processes through Redis, as production shares it (Exact
            // rotates refresh tokens: a second consent would end the first).
            let c = grootboek_exact::ExactConfig::new(EX_CLIENT, EX_SECRET)
                .with_base_url(url)
                .with_division(EX_DIVISION)
                .with_refresh_token(credential)
                .with_connection_id(format!("exact:r03:{}", url.replace([':', '/'], "_")))
                .with_redis(redis_url());
            let l = grootboek_exact::connect(c).await.expect("connect");
            (Arc::new(l), EX_DIVISION.to_string())
        }
        _ => {
            let mut c = grootboek_afas::AfasConfig::new(credential)
                .with_base_url(url)
                .expect("base url");
            c.runtime.locks = locks();
            let l = grootboek_afas::connect(c).await.expect("connect");
            (Arc::new(l), "1".to_string())
        }
    }
}

/// Two concurrent creates of `code`; one line per outcome: `OK name`, `EXISTS` or `ERROR …`.
async fn two_creates(
    l: Arc<dyn Ledger>,
    administration: &str,
    code: &str,
    who: &str,
) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..2 {
        let (l, administration) = (l.clone(), administration.to_string());
        let d = Dimension::customer(code, format!("{who} {i} BV"), CountryCode::NL);
        tasks.push(tokio::spawn(async move {
            l.create_dimension(&administration, &d).await
        }));
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

/// Run the race for `vendor`: the parent's and the child's outcomes.
async fn race(vendor: &str, url: &str, own: &str, theirs: &str, code: &str) -> Vec<String> {
    let me = std::env::current_exe().unwrap();
    let mut child = tokio::process::Command::new(me)
        .args(["--exact", "child_creates", "--ignored", "--nocapture"])
        .env("R03_VENDOR", vendor)
        .env("R03_URL", url)
        .env("R03_CREDENTIAL", theirs)
        .env("R03_CODE", code)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child process starts");
    let (parent, administration) = ledger(vendor, url, own).await;
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
    let mut all = two_creates(parent, &administration, code, "Parent").await;
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("OK ") || line == "EXISTS" || line.starts_with("ERROR ") {
            all.push(line);
        }
    }
    assert!(child.wait().await.unwrap().success(), "the child failed");
    assert_eq!(all.len(), 4, "outcomes: {all:?}");
    assert!(
        !all.iter().any(|l| l.starts_with("ERROR")),
        "{vendor}: unexpected failures: {all:?}"
    );
    let winners: Vec<&String> = all.iter().filter(|l| l.starts_with("OK ")).collect();
    assert_eq!(winners.len(), 1, "{vendor}: outcomes {all:?}");
    all
}

fn code() -> String {
    format!("{}", 60_000 + uuid::Uuid::new_v4().as_u128() % 30_000)
}

/// Every customer look-up of the simulator's takes `ms`.
fn slow_lookups(faults: &grootboek_sim::common::Faults, spec: FaultSpec) {
    faults.push(spec);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r03_twinfield_across_two_processes_on_redis() {
    let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let (a, b) = (
        sim.issue_tokens(TW_CLIENT, TW_ORG).unwrap().refresh_token,
        sim.issue_tokens(TW_CLIENT, TW_ORG).unwrap().refresh_token,
    );
    slow_lookups(
        &sim.core().faults,
        FaultSpec::new(Fault::Latency { ms: 1500 }).root_element("read"),
    );
    let code = code();
    let all = race("twinfield", &sim.login_url(), &a, &b, &code).await;
    let stored = sim
        .dimension(TW_OFFICE, "DEB", &code)
        .expect("the customer exists");
    let winner = all.iter().find(|l| l.starts_with("OK ")).unwrap();
    assert_eq!(
        &format!("OK {}", stored.name),
        winner,
        "the winner's name stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r03_afas_across_two_processes_on_redis() {
    let sim = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    slow_lookups(
        &sim.core().faults,
        FaultSpec::new(Fault::Latency { ms: 1500 })
            .method("GET")
            .path_contains("Profit_Debtor"),
    );
    let code = code();
    let token = sim.token_xml();
    let all = race("afas", &sim.base_url(), &token, &token, &code).await;
    let stored = sim.debtor(&code).expect("the debtor exists");
    let winner = all.iter().find(|l| l.starts_with("OK ")).unwrap();
    let name = stored.name.unwrap_or_default();
    assert_eq!(winner, &format!("OK {name}"), "the winner's name stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r03_exact_across_two_processes_on_redis() {
    let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    sim.seed(ExactSeed {
        divisions: vec![SeedDivision {
            code: EX_DIVISION,
            description: Some("R03 BV".into()),
            country: Some("NL".into()),
            currency: Some("EUR".into()),
        }],
        apps: vec![ClientApp {
            client_id: EX_CLIENT.into(),
            client_secret: EX_SECRET.into(),
            redirect_uri: "http://localhost:8080/cb".into(),
            webhook_secret: "w".into(),
            divisions: None,
        }],
        ..ExactSeed::default()
    })
    .unwrap();
    let refresh = sim.issue_tokens(EX_CLIENT).unwrap().refresh_token;
    // The consent was given a while ago: refreshing now is allowed.
    sim.core().clock.advance(Duration::from_secs(11 * 60));
    slow_lookups(
        &sim.core().faults,
        FaultSpec::new(Fault::Latency { ms: 1500 })
            .method("GET")
            .path_contains("crm/Accounts"),
    );
    let code = code();
    race("exact", &sim.base_url(), &refresh, &refresh, &code).await;
}

/// The child half: started by the tests above with its simulator and code in the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started as a child process by the r03_*_across_two_processes_on_redis tests"]
async fn child_creates() {
    let (Ok(vendor), Ok(url), Ok(credential), Ok(code)) = (
        std::env::var("R03_VENDOR"),
        std::env::var("R03_URL"),
        std::env::var("R03_CREDENTIAL"),
        std::env::var("R03_CODE"),
    ) else {
        panic!(
            "child_creates runs only as the child of an r03_*_across_two_processes_on_redis test"
        );
    };
    let (l, administration) = ledger(&vendor, &url, &credential).await;
    println!("READY");
    let mut go = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut go)
        .await
        .expect("GO from the parent");
    for line in two_creates(l, &administration, &code, "Child").await {
        println!("{line}");
    }
}
