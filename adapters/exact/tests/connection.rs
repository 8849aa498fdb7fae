//! OAuth, tokens, budgets and webhooks over HTTP against the Exact simulator
//! (Q16, T01, T04, T05), and the promise that secrets never leak.

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use grootboek_core::runtime::{Clock, ManualClock, TokenPair};
use grootboek_core::{Defences, Dimension, Dimensions, ErrorKind, Ledger};
use grootboek_exact::{Budgets, ExactConfig};
use grootboek_sim::common::{Fault, FaultRule};
use grootboek_sim::exact::RateLimits;

async fn q16_env(defences: Defences) -> Env {
    let env = start_with_config(|c| c.with_verify(false).with_defences(defences)).await;
    let callback = callback_server().await;
    env.ledger
        .create_webhook_subscription(&NL.to_string(), "Accounts", &callback)
        .await
        .expect("subscribe");
    env.sim.set_q16_delay(Duration::from_millis(1500));
    env.sim.take_webhook_deliveries();
    env
}

#[tokio::test]
async fn q16_a_webhook_entity_is_fetched_once_readable_and_forgeries_are_refused() {
    let env = q16_env(Defences::all()).await;
    let d = Dimension::customer("C9", "Nieuwe Klant BV", "DE".parse().unwrap());
    env.ledger
        .create_dimension(&NL.to_string(), &d)
        .await
        .unwrap();
    let deliveries = env.sim.take_webhook_deliveries();
    let delivery = deliveries
        .iter()
        .find(|w| w.topic == "Accounts")
        .unwrap_or_else(|| panic!("an Accounts notification: {deliveries:?}"));

    let event = env
        .ledger
        .handle_webhook(delivery.body.as_bytes())
        .await
        .unwrap()
        .unwrap();
    assert!(
        event.attempts >= 2,
        "the entity was not readable at first ({} attempts)",
        event.attempts
    );
    let entity = event.entity.expect("the entity");
    assert_eq!(entity["Code"].as_str().map(str::trim), Some("C9"));
    assert_eq!(event.content.division, NL);

    let at = delivery.body.rfind("\"HashCode\":\"").unwrap() + 12;
    let mut forged = delivery.body.clone();
    forged.replace_range(at..at + 64, &"A".repeat(64));
    let e = env
        .ledger
        .handle_webhook(forged.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::Unauthenticated, "{e}");
    let tampered = delivery.body.replace("\"Create\"", "\"Delete\"");
    assert!(env
        .ledger
        .handle_webhook(tampered.as_bytes())
        .await
        .is_err());
    // The empty validation POST Exact sends on subscribe is acknowledged.
    assert!(env.ledger.handle_webhook(b"").await.unwrap().is_none());
}

#[tokio::test]
async fn q16_without_the_defence_one_fetch_finds_nothing() {
    let env = q16_env(Defences::without(["Q16".parse().unwrap()])).await;
    let d = Dimension::customer("C9", "Nieuwe Klant BV", "DE".parse().unwrap());
    env.ledger
        .create_dimension(&NL.to_string(), &d)
        .await
        .unwrap();
    let delivery = env
        .sim
        .take_webhook_deliveries()
        .into_iter()
        .find(|w| w.topic == "Accounts")
        .expect("an Accounts notification");
    let e = env
        .ledger
        .handle_webhook(delivery.body.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn t01_consent_flow_with_state_and_string_expires_in() {
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    let ledger = grootboek_exact::connect(config(&sim, Defences::all()))
        .await
        .unwrap();
    let consent = ledger.authorize_url();
    let query: std::collections::HashMap<String, String> = consent
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(query.get("response_type").map(String::as_str), Some("code"));
    assert_eq!(
        query.get("redirect_uri").map(String::as_str),
        Some(REDIRECT)
    );
    assert_eq!(query.get("state"), Some(&consent.state));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(consent.url.clone()).send().await.unwrap();
    assert!(
        r.status().is_redirection(),
        "authorize answered {}",
        r.status()
    );
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (code, state) = grootboek_exact::parse_redirect(&location).unwrap();

    // A forged state is refused before the code is spent.
    let e = ledger
        .complete_consent(&code, "forged", &consent.state)
        .await
        .unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::Unauthenticated);
    ledger
        .complete_consent(&code, &state, &consent.state)
        .await
        .unwrap();
    let pair = ledger
        .token_broker()
        .current(ledger.connection_id())
        .await
        .unwrap()
        .unwrap();
    let lifetime = pair.expires_at - pair.issued_at;
    assert_eq!(
        lifetime.num_seconds(),
        600,
        "expires_in \"600\" read as 600 s"
    );
    assert_eq!(ledger.all_journals(&NL.to_string()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn t04_a_dead_grant_is_reconsent_required_and_other_connections_keep_working() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    let connect = |user: &'static str| {
        let sim = &sim;
        let clock = clock.clone();
        async move {
            let l =
                grootboek_exact::connect(config(sim, Defences::all()).with_clock(clock.clone()))
                    .await
                    .unwrap();
            let t = sim.issue_tokens_as(CLIENT_ID, user).unwrap();
            l.store_tokens(TokenPair::from_expires_in(
                t.access_token,
                t.refresh_token,
                clock.now(),
                Duration::from_secs(600),
            ))
            .await
            .unwrap();
            l
        }
    };
    let alice = connect("alice").await;
    let bob = connect("bob").await;
    assert!(sim.revoke_grant_as(CLIENT_ID, "alice"));
    clock.advance(Duration::from_secs(580));
    sim.core().clock.advance(Duration::from_secs(580));
    let e = alice.all_journals(&NL.to_string()).await.unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
    assert!(!e.is_retryable());
    let again = alice.all_journals(&NL.to_string()).await.unwrap_err();
    assert_eq!(
        *again.kind(),
        ErrorKind::ReconsentRequired,
        "never retried into a new refresh"
    );
    bob.all_journals(&NL.to_string()).await.unwrap();
}

fn t05_config(sim: &grootboek_sim::exact::ExactSim) -> ExactConfig {
    // The simulator's clock runs 60 times real time, so Exact's minute lasts one real second;
    // the adapter's budget uses the same windows.
    config(sim, Defences::all()).with_budgets(Budgets {
        per_minute: 60,
        per_day: 5_000,
        minute: Duration::from_secs(1),
        day: Duration::from_secs(24 * 60),
    })
}

#[tokio::test]
async fn t05_the_budget_keeps_every_worker_under_exacts_limits() {
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    sim.set_rate_limits(RateLimits {
        minutely: 60,
        daily: 5_000,
    });
    sim.core().clock.set_speed_milli(60_000);
    let ledger = grootboek_exact::connect(t05_config(&sim)).await.unwrap();
    ledger.store_tokens(issue(&sim).await).await.unwrap();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let l = ledger.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..30 {
                l.list_journals(&NL.to_string(), None).await?;
            }
            Ok::<_, grootboek_core::Error>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let rejected = requests(&sim).iter().filter(|r| r.status == 429).count();
    assert_eq!(rejected, 0, "no 429 in normal operation");
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "120 calls need two Exact minutes"
    );
}

#[tokio::test]
async fn t05_a_429_pauses_the_bucket_and_the_call_goes_through_after() {
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    let ledger = grootboek_exact::connect(t05_config(&sim)).await.unwrap();
    ledger.store_tokens(issue(&sim).await).await.unwrap();
    sim.core().faults.push(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("financial/Journals".into()),
        times: Some(1),
        fault: Fault::Status {
            status: 429,
            retry_after_secs: None,
        },
    });
    let journals = ledger.all_journals(&NL.to_string()).await.unwrap();
    assert_eq!(journals.len(), 2);
    assert_eq!(ledger.stats().rate_limited, 1);
    let statuses: Vec<u16> = requests(&sim)
        .iter()
        .filter(|r| r.path.contains("financial/Journals"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 200]);
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let sim = start_sim().await;
    sim.seed(seed()).unwrap();
    let t = sim.issue_tokens(CLIENT_ID).unwrap();
    let cfg = config(&sim, Defences::all()).with_refresh_token(t.refresh_token.clone());
    let wrong = ExactConfig {
        client_secret: "WRONG-client-secret-DO-NOT-LEAK".to_string().into(),
        ..cfg.clone()
    };
    let ledger = grootboek_exact::connect(wrong).await.unwrap();
    let e = ledger.all_journals(&NL.to_string()).await.unwrap_err();
    let shown = format!("{e} {e:?} {:?} {ledger:?} {cfg:?}", ledger.token_broker());
    for secret in [
        CLIENT_SECRET,
        WEBHOOK_SECRET,
        "WRONG-client-secret",
        &t.refresh_token,
        &t.access_token,
    ] {
        assert!(!shown.contains(secret), "a secret leaked: {shown}");
    }
    assert!(shown.contains("REDACTED"));
}
