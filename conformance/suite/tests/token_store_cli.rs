//! Issue 19 through the real binary: two consecutive `grootboek open-items --vendor exact` runs
//! against the Exact simulator keep the consent when the tokens live in a durable store (a file
//! directory, Redis), and a memory store is refused unless `--ephemeral` says so — in which case
//! the second run indeed finds the consent used up.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Output;

use grootboek_sim::exact::{ClientApp, ExactSeed, ExactSim, SeedDivision};

const BIN: &str = env!("CARGO_BIN_EXE_grootboek");
const CLIENT_ID: &str = "grootboek-cli-app";
const CLIENT_SECRET: &str = "cli-secret-DO-NOT-LEAK";
const DIVISION: i32 = 1_200_001;

async fn start() -> (ExactSim, String) {
    let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("start the Exact simulator");
    sim.seed(ExactSeed {
        divisions: vec![SeedDivision {
            code: DIVISION,
            description: Some("CLI BV".into()),
            country: Some("NL".into()),
            currency: Some("EUR".into()),
        }],
        apps: vec![ClientApp {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: "http://localhost:8080/cb".into(),
            webhook_secret: "w".into(),
            divisions: None,
        }],
        ..ExactSeed::default()
    })
    .expect("seed");
    let refresh = sim.issue_tokens(CLIENT_ID).expect("tokens").refresh_token;
    // The consent was given a while ago: its access token has expired (the CLI holds only the
    // refresh token) and Exact's minimum refresh interval has passed.
    eleven_minutes_later(&sim);
    (sim, refresh)
}

fn eleven_minutes_later(sim: &ExactSim) {
    sim.core()
        .clock
        .advance(std::time::Duration::from_secs(11 * 60));
}

async fn open_items(sim: &ExactSim, refresh: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let division = DIVISION.to_string();
    let base = sim.base_url();
    let mut args = vec![
        "open-items",
        "--vendor",
        "exact",
        "--administration",
        division.as_str(),
        "--base-url",
        base.as_str(),
    ];
    args.extend_from_slice(extra);
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(&args)
        .env_clear()
        .env("GROOTBOEK_EXACT_CLIENT_ID", CLIENT_ID)
        .env("GROOTBOEK_EXACT_CLIENT_SECRET", CLIENT_SECRET)
        .env("GROOTBOEK_EXACT_REFRESH_TOKEN", refresh);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("the grootboek binary runs")
}

fn succeeded(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["open_items"].is_array(), "{v}");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn two_runs_on_a_file_store_keep_the_consent() {
    let (sim, refresh) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    for run in 1..=2 {
        let out = open_items(&sim, &refresh, &["--token-store", &store], &[]).await;
        succeeded(&out);
        // The first run refreshes the configured token once; the second reuses the stored,
        // still valid access token: no re-consent, no early-refresh refusal.
        assert_eq!(sim.refresh_count(CLIENT_ID), 1, "run {run}");
    }
    // The stored file holds no token in clear when a key is configured.
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let dir2 = tempfile::tempdir().unwrap();
    let store2 = format!("file:{}", dir2.path().display());
    let (sim2, refresh2) = start().await;
    let out = open_items(
        &sim2,
        &refresh2,
        &["--token-store", &store2],
        &[("GROOTBOEK_TOKEN_KEY", key)],
    )
    .await;
    succeeded(&out);
    for entry in std::fs::read_dir(dir2.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&refresh2),
            "the seeded refresh token is in clear"
        );
    }
}

#[tokio::test]
async fn two_runs_on_a_redis_store_keep_the_consent() {
    let (sim, refresh) = start().await;
    let redis = std::env::var("GROOTBOEK_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string());
    for run in 1..=2 {
        // A fresh connection id per test run, so that earlier runs' pairs do not interfere.
        let out = open_items(
            &sim,
            &refresh,
            &["--token-store", &redis],
            &[(
                "GROOTBOEK_EXACT_CONNECTION_ID",
                &format!("exact:cli-test:{}", sim.base_url().replace([':', '/'], "_")),
            )],
        )
        .await;
        succeeded(&out);
        assert_eq!(sim.refresh_count(CLIENT_ID), 1, "run {run}");
    }
}

#[tokio::test]
async fn a_memory_store_is_refused_on_exact_unless_ephemeral_and_then_the_consent_dies() {
    let (sim, refresh) = start().await;
    let out = open_items(&sim, &refresh, &[], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rotates its refresh token"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        sim.refresh_count(CLIENT_ID),
        0,
        "refused before any refresh"
    );
    // Knowingly ephemeral: the first run works, the second finds the rotated token lost.
    succeeded(&open_items(&sim, &refresh, &["--ephemeral"], &[]).await);
    eleven_minutes_later(&sim);
    let out = open_items(&sim, &refresh, &["--ephemeral"], &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("consent again"), "{}", stderr(&out));
}
