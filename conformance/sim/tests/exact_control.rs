//! The Exact simulator's control surface over HTTP (`/__sim/…`), fault injection, and the
//! `grootboek-sim` binary.
#![cfg(feature = "exact")]

mod exact_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use exact_support::*;
use grootboek_sim::exact::ExactSeed;
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn control(env: &Env, method: Method, path: &str, body: &str) -> (StatusCode, String) {
    let r = env
        .http
        .request(method, format!("{}/__sim/{path}", env.base))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    let status = r.status();
    (status, r.text().await.expect("text"))
}

#[tokio::test]
async fn control_seed_tokens_switches_clock_and_log_over_http() {
    let env = Env::with_seed(ExactSeed {
        apps: vec![app()],
        ..Default::default()
    })
    .await;
    let (status, text) = control(&env, Method::GET, "health", "").await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, r#"{"status":"ok","vendor":"exact"}"#)
    );

    // Seed over HTTP, amounts as JSON numbers: read without a float.
    let seed = r#"{
      "divisions": [{"code": 777}],
      "apps": [{"client_id": "app2", "client_secret": "s2", "redirect_uri": "http://cb", "webhook_secret": "w2"}],
      "accounts": [{"division": 777, "code": "1", "name": "Klant"}],
      "gl_accounts": [{"division": 777, "code": "8000", "description": "Omzet"}],
      "journals": [{"division": 777, "code": "70", "description": "Verkoop"}],
      "vat_codes": [{"division": 777, "code": "2", "description": "Hoog", "percentage": 0.21}],
      "sales_entries": [{"division": 777, "journal": "70", "customer_code": "1",
                         "lines": [{"gl_account_code": "8000", "amount": 0.1, "vat_code": "2"},
                                   {"gl_account_code": "8000", "amount": 12345678901.23}]}]
    }"#;
    let (status, report) = control(&env, Method::POST, "seed", seed).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let report: Value = serde_json::from_str(&report).expect("report");
    assert_eq!(report["sales_entries"].as_array().map(Vec::len), Some(1));
    let entries = env.sim.sales_entries(777);
    assert_eq!(entries[0].lines[0].amount, dec("0.1"));
    assert_eq!(entries[0].lines[1].amount, dec("12345678901.23"));
    assert_eq!(entries[0].lines[0].vat_amount, dec("0.02"));

    // A broken seed changes nothing.
    let (status, _) = control(
        &env,
        Method::POST,
        "seed",
        r#"{"accounts": [{"division": 1, "name": "x"}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = control(&env, Method::POST, "seed", r#"{"nonsense": 1}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Tokens without the authorize dance; the API answers with them.
    let (status, tokens) = control(&env, Method::POST, "tokens", r#"{"client_id": "app2"}"#).await;
    assert_eq!(status, StatusCode::OK);
    let tokens: Value = serde_json::from_str(&tokens).expect("tokens");
    let access = tokens["access_token"].as_str().expect("access").to_string();
    let accounts = env
        .http
        .get(format!("{}/api/v1/777/crm/Accounts", env.base))
        .bearer_auth(&access)
        .send()
        .await
        .expect("send");
    assert_eq!(accounts.status(), StatusCode::OK);

    // Switches and clock.
    let (status, switches) = control(&env, Method::PUT, "switches", r#"{"Q07": false}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        switches.contains(r#""Q07":false"#) && switches.contains(r#""Q01":true"#),
        "{switches}"
    );
    assert!(!env.sim.core().quirk("Q07"));
    let before = env.sim.core().clock.now();
    let (status, _) = control(&env, Method::POST, "clock", r#"{"advance_secs": 600}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert!(env.sim.core().clock.now() - before >= chrono::Duration::seconds(600));
    let expired = env
        .http
        .get(format!("{}/api/v1/777/crm/Accounts", env.base))
        .bearer_auth(&access)
        .send()
        .await
        .expect("send");
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);

    // Refresh count over HTTP.
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id=app2&client_secret=s2",
        grootboek_sim::exact::routes::oauth::encode_component(
            tokens["refresh_token"].as_str().expect("rt")
        )
    );
    let refreshed = env
        .http
        .post(format!("{}/api/oauth2/token", env.base))
        .body(form)
        .send()
        .await
        .expect("send");
    assert_eq!(refreshed.status(), StatusCode::OK);
    let (_, count) = control(&env, Method::GET, "refreshes?client_id=app2", "").await;
    assert_eq!(count, r#"{"client_id":"app2","refreshes":1}"#);

    // The request log has every path, and no secret.
    let (_, log) = control(&env, Method::GET, "requests", "").await;
    assert!(log.contains("/api/v1/777/crm/Accounts") && log.contains("/api/oauth2/token"));
    assert!(
        !log.contains("client_secret=s2") && !log.contains("\"s2\"") && !log.contains("\"w2\""),
        "{log}"
    );

    // State dump and reset.
    let (_, state) = control(&env, Method::GET, "state", "").await;
    assert!(state.contains("12345678901.23"), "amounts as exact strings");
    let (status, _) = control(&env, Method::POST, "reset", "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(env.sim.sales_entries(777).is_empty());
    assert!(env.sim.core().quirk("Q07"), "switches back on");
}

#[tokio::test]
async fn control_q16_delay_rate_limits_and_webhook_outbox_over_http() {
    let env = Env::new().await;
    let (status, _) = control(&env, Method::PUT, "q16", r#"{"delay_ms": 10000}"#).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let sub = r#"{"CallbackURL": "https://hooks.example.invalid/x", "Topic": "Accounts"}"#;
    assert_eq!(
        env.send(Method::POST, &env.url("webhooks/WebhookSubscriptions"), sub)
            .await
            .status,
        StatusCode::CREATED
    );
    let created = env
        .send(
            Method::POST,
            &env.url("crm/Accounts"),
            r#"{"Name": "Nieuw"}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = s(created.json().get("d").expect("d"), "ID");
    env.advance(3);
    assert_eq!(
        env.get(&format!("crm/Accounts(guid'{id}')")).await.status,
        StatusCode::NOT_FOUND
    );
    env.advance(8);
    assert_eq!(
        env.get(&format!("crm/Accounts(guid'{id}')")).await.status,
        StatusCode::OK
    );

    let (_, outbox) = control(&env, Method::GET, "webhooks", "").await;
    let outbox: Value = serde_json::from_str(&outbox).expect("outbox");
    assert_eq!(outbox.as_array().map(Vec::len), Some(1));
    assert_eq!(outbox[0]["topic"], "Accounts");
    assert_eq!(
        control(&env, Method::DELETE, "webhooks", "").await.0,
        StatusCode::NO_CONTENT
    );
    assert!(env.sim.webhook_deliveries().is_empty());

    let (status, _) = control(
        &env,
        Method::PUT,
        "rate-limits",
        r#"{"minutely": 1, "daily": 100}"#,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    env.sim
        .core()
        .clock
        .set(fixed_time() + chrono::Duration::minutes(5));
    assert_eq!(env.get("crm/Accounts").await.status, StatusCode::OK);
    assert_eq!(
        env.get("crm/Accounts").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn control_faults_look_like_exact_and_a_dropped_response_still_commits() {
    let env = Env::new().await;
    let rule = r#"{"method": "GET", "path_contains": "crm/Accounts", "times": 1,
                   "fault": {"kind": "status", "status": 503, "retry_after_secs": 7}}"#;
    assert_eq!(
        control(&env, Method::POST, "faults", rule).await.0,
        StatusCode::NO_CONTENT
    );
    let r = env.get("crm/Accounts").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
    assert_eq!(r.error_message(), "Injected fault");
    assert_eq!(
        env.get("crm/Accounts").await.status,
        StatusCode::OK,
        "used up"
    );

    let drop = r#"{"method": "POST", "path_contains": "salesentry/SalesEntries", "times": 1, "fault": {"kind": "drop_response"}}"#;
    assert_eq!(
        control(&env, Method::POST, "faults", drop).await.0,
        StatusCode::NO_CONTENT
    );
    let body = format!(
        r#"{{"Customer": "{CUSTOMER}", "Journal": "70", "YourRef": "DROP-1", "SalesEntryLines": [{{"GLAccount": "{GL_REVENUE}", "AmountFC": 5}}]}}"#
    );
    let sent = env
        .http
        .post(env.url("salesentry/SalesEntries"))
        .bearer_auth(&env.access)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(failed, "the client never sees an answer");
    let stored = env.sim.sales_entries(DIV);
    assert!(
        stored
            .iter()
            .any(|e| e.your_ref.as_deref() == Some("DROP-1")),
        "but the write committed"
    );

    let limited = r#"{"path_contains": "financial/Journals", "times": 1, "fault": {"kind": "status", "status": 429}}"#;
    control(&env, Method::POST, "faults", limited).await;
    let r = env.get("financial/Journals").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_message(), "Too many requests");
}

#[tokio::test]
async fn binary_prints_its_url_and_answers_health() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grootboek-sim"))
        .args(["--vendor", "exact", "--bind", "127.0.0.1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn grootboek-sim");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(20), line).await;
    let result = async {
        let line = line
            .map_err(|_| "no output in time".to_string())?
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let url = line
            .trim()
            .strip_prefix("exact: ")
            .ok_or_else(|| format!("unexpected line {line:?}"))?
            .to_string();
        let health = reqwest::get(format!("{url}/__sim/health"))
            .await
            .map_err(|e| e.to_string())?;
        let text = health.text().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(text)
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(result.as_deref(), Ok(r#"{"status":"ok","vendor":"exact"}"#));
}
