//! Limits and control: 8 parallel calls, 75 MB, injected faults, seed/reset/clock/log over
//! `/__sim/`.
#![cfg(feature = "afas")]

mod afas_support;

use std::time::Duration;

use afas_support::{assert_afas_error, reply, Harness};
use grootboek_sim::afas::{Load, DEFAULT_MAX_REQUEST_BYTES};

#[tokio::test]
async fn more_than_8_parallel_calls_get_503_with_retry_after() {
    let h = Harness::start().await;
    h.sim.set_load(Load {
        background_calls: 0,
        retry_after_secs: 3,
        processing_delay_ms: 1500,
    });
    let calls = (0..12).map(|_| h.get("/connectors/Profit_Debtor"));
    let replies = futures_util::future::join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!((1..=8).contains(&ok), "{ok} calls succeeded at once");
    assert_eq!(ok + busy.len(), 12);
    assert!(busy.len() >= 4);
    for r in busy {
        assert_eq!(r.strict().expect("json")["retry_after"], 3);
        assert_eq!(
            r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("3")
        );
    }
    assert_eq!(h.sim.in_flight(), 0, "slots are released");
}

#[tokio::test]
async fn injected_background_load_gives_503_until_lifted() {
    let h = Harness::start().await;
    let r = h
        .control(
            "/__sim/load",
            serde_json::json!({"background_calls": 7, "retry_after_secs": 30}),
        )
        .await;
    assert_eq!(r.status, 200);
    // One slot left: a single call passes.
    assert_eq!(h.get("/metainfo").await.status, 200);
    h.control(
        "/__sim/load",
        serde_json::json!({"background_calls": 8, "retry_after_secs": 30}),
    )
    .await;
    let r = h.get("/metainfo").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.strict().expect("json")["retry_after"], 30);
    h.control("/__sim/load", serde_json::json!({})).await;
    assert_eq!(h.get("/metainfo").await.status, 200);
}

#[tokio::test]
async fn request_over_75_mb_is_a_413() {
    let h = Harness::start().await;
    assert_eq!(DEFAULT_MAX_REQUEST_BYTES, 75 * 1024 * 1024);
    let big = format!(
        r#"{{"KnSalesRelationOrg":{{"Element":{{"Fields":{{"CuId":"EUR","Iban":"{}"}}}}}}}}"#,
        "A".repeat(DEFAULT_MAX_REQUEST_BYTES + 1024)
    );
    let r = h.post("/connectors/KnSalesRelationOrg", &big).await;
    assert_afas_error(&r, 413, "75 MB");
    // The limit is configurable so other tests stay small.
    h.sim.set_max_request_bytes(1000);
    let r = h
        .post("/connectors/KnSalesRelationOrg", &"x".repeat(2000))
        .await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn injected_faults_look_like_afas() {
    let h = Harness::start().await;
    let rule = serde_json::json!({"method": "GET", "path_contains": "Profit_Debtor", "times": 1,
        "fault": {"kind": "status", "status": 503, "retry_after_secs": 9}});
    assert_eq!(h.control("/__sim/faults", rule).await.status, 204);
    let r = h.get("/connectors/Profit_Debtor").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.strict().expect("json")["retry_after"], 9);
    assert_eq!(h.get("/connectors/Profit_Debtor").await.status, 200);

    let rule = serde_json::json!({"times": 1, "fault": {"kind": "status", "status": 429, "retry_after_secs": 2}});
    h.control("/__sim/faults", rule).await;
    let r = h.get("/connectors/Profit_Debtor").await;
    assert_afas_error(&r, 429, "Injected fault");
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("2")
    );

    let rule = serde_json::json!({"times": 1, "fault": {"kind": "status", "status": 500}});
    h.control("/__sim/faults", rule).await;
    assert_afas_error(&h.get("/metainfo").await, 500, "Injected fault");
}

#[tokio::test]
async fn dropped_response_after_commit_still_books_the_entry() {
    let h = Harness::start().await;
    let rule = serde_json::json!({"method": "POST", "path_contains": "FiEntries", "times": 1, "fault": {"kind": "drop_response"}});
    h.control("/__sim/faults", rule).await;
    let body = r#"{"FiEntryPar":{"Element":{"Fields":{"Year":"2026","Peri":"1","UnId":"1","JoCo":"90"},"Objects":{"FiEntries":{"Element":[
        {"Fields":{"VaAs":"1","AcNr":"1100","EnDa":"2026-01-31","AmDe":"10","AmCr":"0"}},
        {"Fields":{"VaAs":"1","AcNr":"8900","EnDa":"2026-01-31","AmDe":"0","AmCr":"10"}}]}}}}}"#;
    let sent = h
        .http
        .post(h.profit("/connectors/FiEntries"))
        .header("Authorization", h.sim.authorization_header())
        .body(body)
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(failed, "the client must not get a complete answer");
    assert_eq!(h.sim.entries().len(), 1, "the write committed");
    let log = h.sim.core().log.snapshot();
    assert!(log
        .iter()
        .any(|r| r.path.ends_with("/connectors/FiEntries") && r.status == 0));
}

#[tokio::test]
async fn latency_fault_delays_the_answer() {
    let h = Harness::start().await;
    let rule = serde_json::json!({"times": 1, "fault": {"kind": "latency", "ms": 300}});
    h.control("/__sim/faults", rule).await;
    let started = std::time::Instant::now();
    assert_eq!(h.get("/metainfo").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn seed_reset_state_counts_and_log_over_http() {
    let h = Harness::start().await;
    let seed = serde_json::json!({
        "debtors": [{"debtor_id": "40001", "name": "Seed BV", "country": "L"}],
        "open_items": [{"debtor_id": "40001", "invoice_nr": "S1", "voucher_date": "2026-02-01", "amount": "99.95"}],
        "bulk_open_items": {"count": 20, "debtor_ids": ["40001"], "invoice_prefix": "SB"}
    });
    let r = h.control("/__sim/seed", seed).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.strict().expect("json")["seeded"]["open_items"], 21);
    let r = h
        .control(
            "/__sim/seed",
            serde_json::json!({"debtors": [{"debtor_id": "X", "country": "LU"}]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("use 'L'"), "{}", r.text);

    let rows = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId&filtervalues=40001&operatortypes=1&take=1000")
        .await
        .rows();
    assert_eq!(rows.len(), 21);
    assert_eq!(h.sim.request_count("Profit_Debtor_Invoices"), 1);
    let counts = reply(
        h.http
            .get(format!("{}/__sim/counts", h.sim.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(counts.strict().expect("json")["Profit_Debtor_Invoices"], 1);
    let state = reply(
        h.http
            .get(format!("{}/__sim/state", h.sim.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let state = state.strict().expect("json");
    assert!(state["debtors"]
        .as_array()
        .expect("debtors")
        .iter()
        .any(|d| d["debtor_id"] == "40001"));
    let log = reply(
        h.http
            .get(format!("{}/__sim/requests", h.sim.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert!(log.text.contains("Profit_Debtor_Invoices"));
    assert!(
        !log.text.contains(&h.sim.authorization_header()),
        "the token is never logged"
    );

    h.switch("Q10", false).await;
    let r = h.control("/__sim/reset", serde_json::json!({})).await;
    assert_eq!(r.status, 204);
    assert!(h.sim.debtor("40001").is_none());
    assert!(h.sim.core().quirk("Q10"));
    assert_eq!(h.sim.open_items().len(), 3);
}

#[tokio::test]
async fn clock_control_moves_created_stamps() {
    let h = Harness::start().await;
    let r = h
        .control(
            "/__sim/clock",
            serde_json::json!({"set": "2026-12-31T22:59:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = h
        .post(
            "/connectors/KnSalesRelationOrg",
            r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"50001","Fields":{"CuId":"EUR"}}}}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = h
        .sim
        .debtor("50001")
        .and_then(|d| d.created)
        .expect("created");
    assert_eq!(
        created.format("%Y-%m-%d %H:%M").to_string(),
        "2026-12-31 23:59"
    );
}
