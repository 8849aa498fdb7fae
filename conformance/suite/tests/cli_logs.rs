//! `RUST_LOG=debug grootboek open-items …` shows every HTTP call, on every vendor, with its
//! method, path, status and duration — and never a token or secret.

#![cfg(all(feature = "twinfield", feature = "exact", feature = "afas"))]

use std::net::{IpAddr, Ipv4Addr};
use std::process::Output;

use grootboek_sim::afas::AfasSim;
use grootboek_sim::exact::{ClientApp, ExactSeed, ExactSim, SeedDivision};
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};

const BIN: &str = env!("CARGO_BIN_EXE_grootboek");

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args).env_clear().env("RUST_LOG", "debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("the grootboek binary runs")
}

/// The `http call` events of `vendor` in the log, each checked for status and duration.
fn http_calls(out: &Output, vendor: &str, secrets: &[&str]) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    for s in secrets {
        assert!(!stderr.contains(s), "a secret is in the log: {stderr}");
    }
    let calls: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains("grootboek::http") && l.contains("http call"))
        .filter(|l| l.contains(&format!("vendor={vendor}")))
        .map(str::to_string)
        .collect();
    assert!(
        !calls.is_empty(),
        "no HTTP call logged for {vendor}: {stderr}"
    );
    for c in &calls {
        for field in ["method=", "path=", "status=", "duration_ms=", "bytes="] {
            assert!(c.contains(field), "{field} missing in: {c}");
        }
        assert!(
            !c.contains('?'),
            "a query string (it may hold a token) is logged: {c}"
        );
    }
    calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_http_call_is_logged_with_its_duration_on_every_vendor() {
    // AFAS
    let afas = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let token = afas.token_xml();
    let out = run(
        &["open-items", "--vendor", "afas", "--administration", "1"],
        &[
            ("GROOTBOEK_AFAS_TOKEN", token.as_str()),
            ("GROOTBOEK_AFAS_BASE_URL", afas.base_url().as_str()),
        ],
    )
    .await;
    let calls = http_calls(&out, "afas", &[&afas.authorization_header()]);
    assert!(calls.iter().any(|c| c.contains("method=GET")), "{calls:?}");

    // Twinfield: the token refresh, the cluster resolution and the SOAP calls.
    let tw = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    tw.seed(TwinfieldSeed::demo()).unwrap();
    let refresh = tw
        .issue_tokens("grootboek-demo", "ORG-A")
        .unwrap()
        .refresh_token;
    let out = run(
        &[
            "open-items",
            "--vendor",
            "twinfield",
            "--administration",
            "NLA000001",
            "--base-url",
            &tw.login_url(),
        ],
        &[
            ("GROOTBOEK_TWINFIELD_CLIENT_ID", "grootboek-demo"),
            ("GROOTBOEK_TWINFIELD_CLIENT_SECRET", "demo-secret"),
            (
                "GROOTBOEK_TWINFIELD_REDIRECT_URI",
                "http://localhost:8080/callback",
            ),
            ("GROOTBOEK_TWINFIELD_ORGANISATION", "ORG-A"),
            ("GROOTBOEK_TWINFIELD_REFRESH_TOKEN", refresh.as_str()),
        ],
    )
    .await;
    let calls = http_calls(&out, "twinfield", &[refresh.as_str(), "demo-secret"]);
    for path in ["/token", "accesstokenvalidation", "processxml.asmx"] {
        assert!(
            calls.iter().any(|c| c.contains(path)),
            "{path} not logged: {calls:?}"
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("uncertified"),
        "an uncertified Twinfield connection says so: {stderr}"
    );

    // Exact: the refresh and the API calls.
    let exact = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    exact
        .seed(ExactSeed {
            divisions: vec![SeedDivision {
                code: 1_300_001,
                description: Some("Log BV".into()),
                country: Some("NL".into()),
                currency: Some("EUR".into()),
            }],
            apps: vec![ClientApp {
                client_id: "log-app".into(),
                client_secret: "log-secret".into(),
                redirect_uri: "http://localhost:8080/cb".into(),
                webhook_secret: "w".into(),
                divisions: None,
            }],
            ..ExactSeed::default()
        })
        .unwrap();
    let refresh = exact.issue_tokens("log-app").unwrap().refresh_token;
    exact
        .core()
        .clock
        .advance(std::time::Duration::from_secs(11 * 60));
    let out = run(
        &[
            "open-items",
            "--vendor",
            "exact",
            "--administration",
            "1300001",
            "--base-url",
            &exact.base_url(),
            "--ephemeral",
        ],
        &[
            ("GROOTBOEK_EXACT_CLIENT_ID", "log-app"),
            ("GROOTBOEK_EXACT_CLIENT_SECRET", "log-secret"),
            ("GROOTBOEK_EXACT_REFRESH_TOKEN", refresh.as_str()),
        ],
    )
    .await;
    let calls = http_calls(&out, "exact", &[refresh.as_str(), "log-secret"]);
    assert!(
        calls.iter().any(|c| c.contains("/api/oauth2/token")),
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.contains("/api/v1/1300001/")),
        "{calls:?}"
    );
}
