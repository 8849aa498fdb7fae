//! The `/__sim/` control surface: seed, reset, tokens, injected faults (latency, 5xx, 429,
//! dropped responses after commit), the request log, state lookups.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use std::net::{IpAddr, Ipv4Addr};

use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use reqwest::Method;
use serde_json::json;
use twinfield_support::*;

#[tokio::test]
async fn seed_tokens_and_reset_over_http() {
    let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let login = sim.login_url();
    let seed = serde_json::to_value(TwinfieldSeed::demo()).unwrap();
    // Any of the three hosts takes control calls; use cluster 2.
    let base = sim.cluster_url(2).unwrap();
    let r = http
        .post(format!("{base}/__sim/seed"))
        .json(&seed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = http
        .post(format!("{login}/__sim/tokens"))
        .json(&json!({"client_id": CLIENT, "organisation": "ORG-B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tokens: serde_json::Value = r.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let r = http
        .post(format!("{base}/webservices/processxml.asmx"))
        .header(
            "SOAPAction",
            "\"http://www.twinfield.com/ProcessXmlString\"",
        )
        .body(envelope(access, None, "<list><type>offices</type></list>"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let dims: serde_json::Value = http
        .get(format!("{login}/__sim/dimensions?office={OFFICE_B1}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(dims
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x["name"] == "Müller GmbH")));
    // A bad seed is refused with a reason.
    let r = http
        .post(format!("{login}/__sim/seed"))
        .json(&json!({"offices": [{"organisation": "NOPE", "code": "X"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Reset empties everything.
    let r = http
        .post(format!("{login}/__sim/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(sim.dimensions(OFFICE_B1).is_empty());
    let r = http
        .post(format!("{base}/webservices/processxml.asmx"))
        .body(envelope(access, None, "<list><type>offices</type></list>"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "tokens are gone after reset");
    sim.shutdown().await;
}

#[tokio::test]
async fn injected_503_is_a_soap_fault_with_retry_after() {
    let env = env().await;
    let r = env
        .control(
            Method::POST,
            "/__sim/faults",
            json!({"path_contains": "processxml", "times": 1, "fault": {"kind": "status", "status": 503, "retry_after_secs": 7}}),
        )
        .await;
    assert_eq!(r.status, 204);
    let invoice = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final");
    let failed = env.px_a(OFFICE_A1, &invoice).await;
    assert_eq!(failed.status, 503);
    assert_eq!(failed.header("retry-after").as_deref(), Some("7"));
    assert!(failed.body.contains("soap:Fault"));
    assert!(
        env.sim.transactions(OFFICE_A1).is_empty(),
        "nothing written"
    );
    assert_eq!(env.px_a(OFFICE_A1, &invoice).await.status, 200, "only once");
}

#[tokio::test]
async fn injected_429_looks_like_fair_use() {
    let env = env().await;
    env.sim
        .core()
        .faults
        .push(grootboek_sim::common::FaultRule {
            method: None,
            path_contains: Some("processxml".into()),
            times: Some(1),
            fault: grootboek_sim::common::Fault::Status {
                status: 429,
                retry_after_secs: Some(3),
            },
        });
    let r = env
        .px_a(OFFICE_A1, "<list><type>offices</type></list>")
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after").as_deref(), Some("3"));
}

/// The write commits, then the connection is cut: a naive client that retries books twice.
#[tokio::test]
async fn dropped_response_after_commit_leaves_the_write_in_place() {
    let env = env().await;
    env.sim
        .core()
        .faults
        .push(grootboek_sim::common::FaultRule {
            method: Some("POST".into()),
            path_contains: Some("processxml".into()),
            times: Some(1),
            fault: grootboek_sim::common::Fault::DropResponse,
        });
    let invoice = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final");
    let resp = env
        .http
        .post(format!("{}/webservices/processxml.asmx", env.cluster(1)))
        .header(
            "SOAPAction",
            "\"http://www.twinfield.com/ProcessXmlString\"",
        )
        .body(envelope(&env.a.access_token, Some(OFFICE_A1), &invoice))
        .send()
        .await;
    let failed = match resp {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(failed, "the client gets no answer");
    assert_eq!(
        env.sim.transactions(OFFICE_A1).len(),
        1,
        "but the write committed"
    );
    let retry = env.px_a(OFFICE_A1, &invoice).await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        env.sim.transactions(OFFICE_A1).len(),
        2,
        "a blind retry books twice"
    );
    let log = env.sim.core().log.snapshot();
    assert!(log
        .iter()
        .any(|r| r.status == 0 && r.path == "/webservices/processxml.asmx"));
}

#[tokio::test]
async fn request_log_switches_and_clock_are_served() {
    let env = env().await;
    env.px_a(OFFICE_A1, "<list><type>offices</type></list>")
        .await;
    let log = env
        .control(Method::GET, "/__sim/requests", serde_json::Value::Null)
        .await;
    let entries: serde_json::Value = serde_json::from_str(&log.body).unwrap();
    assert!(entries.as_array().is_some_and(|e| e
        .iter()
        .any(|r| r["path"] == "/webservices/processxml.asmx" && r["status"] == 200)));
    let sw = env
        .control(Method::GET, "/__sim/switches", serde_json::Value::Null)
        .await;
    let sw: serde_json::Value = serde_json::from_str(&sw.body).unwrap();
    for id in ["Q03", "Q06", "Q11", "Q12", "Q15"] {
        assert_eq!(sw[id], true, "{id} on by default");
    }
    let r = env
        .control(Method::PUT, "/__sim/switches", json!({"Q15": false}))
        .await;
    assert_eq!(r.status, 200);
    assert!(!env.sim.core().quirk("Q15"));
    let before = env.sim.core().clock.now();
    let r = env
        .control(Method::POST, "/__sim/clock", json!({"advance_secs": 3600}))
        .await;
    assert_eq!(r.status, 200);
    assert!(env.sim.core().clock.now() - before >= chrono::Duration::seconds(3600));
    let health = env
        .control(Method::GET, "/__sim/health", serde_json::Value::Null)
        .await;
    assert!(health.body.contains("twinfield"));
}

#[tokio::test]
async fn urls_name_login_and_two_clusters() {
    let env = env().await;
    let urls = env.sim.urls();
    let names: Vec<&str> = urls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "twinfield login",
            "twinfield cluster 1",
            "twinfield cluster 2"
        ]
    );
    let distinct: std::collections::BTreeSet<&str> = urls.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(distinct.len(), 3);
    assert_eq!(env.sim.cluster_url_of("ORG-B"), env.sim.cluster_url(2));
}

#[tokio::test]
async fn request_log_never_holds_tokens() {
    let env = env().await;
    env.px_a(OFFICE_A1, "<list><type>offices</type></list>")
        .await;
    let r = env
        .http
        .post(format!(
            "{}/auth/authentication/connect/token",
            env.sim.login_url()
        ))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", env.a.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let log = serde_json::to_string(&env.sim.core().log.snapshot()).unwrap();
    assert!(log.contains("processxml.asmx") && log.contains("connect/token"));
    assert!(!log.contains(&env.a.access_token), "access token logged");
    assert!(!log.contains(&env.a.refresh_token), "refresh token logged");
    assert!(!format!("{:?}", env.sim).contains(&env.a.access_token));
    assert!(!format!("{:?}", env.a).contains(&env.a.refresh_token));
}

/// `bulk_invoices` in a seed POSTed to `/__sim/seed`: the simulator makes the invoices as its
/// documentation says (dates, customers, amounts, numbers), all open; a bulk without customers
/// is refused and adds nothing.
#[tokio::test]
async fn bulk_invoices_are_generated_as_documented() {
    let env = env().await;
    let seed = serde_json::json!({"bulk_invoices": [{
        "office": OFFICE_A2, "count": 30, "first_year": 2020, "years": 3,
        "customers": ["1000", "1001"],
    }]});
    let r = env
        .control(reqwest::Method::POST, "/__sim/seed", seed)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let txs = env.sim.transactions(OFFICE_A2);
    assert_eq!(txs.len(), 30);
    let seventh = txs
        .iter()
        .find(|t| t.invoice_number == "BULK-7")
        .expect("BULK-7");
    // n = 7: year 2020 + 7 % 3 = 2021, month 1 + (7 / 3) % 12 = 3, day 1 + 7 % 28 = 8,
    // customer 1001, 107 euros, open in full.
    assert_eq!(seventh.date, chrono::NaiveDate::from_ymd_opt(2021, 3, 8));
    assert_eq!(seventh.status, "final");
    let total = &seventh.lines[0];
    assert_eq!(
        (total.dim2.as_str(), total.value, total.open_value),
        (
            "1001",
            rust_decimal::Decimal::from(107),
            Some(rust_decimal::Decimal::from(107))
        )
    );
    let refused = env
        .control(
            reqwest::Method::POST,
            "/__sim/seed",
            serde_json::json!({"bulk_invoices": [{"office": OFFICE_A2, "count": 5, "first_year": 2020, "years": 1}]}),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(env.sim.transactions(OFFICE_A2).len(), 30);
}
