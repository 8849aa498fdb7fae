//! The Exact quirks, each shown with a naive raw-HTTP client: with the switch on (default) the
//! corruption or failure happens, with the switch off it does not.
#![cfg(feature = "exact")]

mod exact_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use exact_support::*;
use grootboek_sim::exact::json::Json;
use grootboek_sim::exact::webhooks::hash_code;
use grootboek_sim::exact::*;
use reqwest::{Method, StatusCode};

// ---------------------------------------------------------------------------------------
// Q01 — an update addressed by reference lands on the sibling with the lowest EntryNumber.

const INVOICE_NO: i32 = 24_700_001;
const CREDIT_NO: i32 = 24_700_002;

async fn q01_env() -> (Env, uuid::Uuid, uuid::Uuid) {
    let mut seed = base_seed();
    seed.sales_entries = vec![
        sale(INVOICE_NO, 20, "PO-4711", "100.00"),
        sale(CREDIT_NO, 21, "PO-4711", "-100.00"),
    ];
    let env = Env::with_seed(seed).await;
    let entries = env.sim.sales_entries(DIV);
    let id = |n: i32| {
        entries
            .iter()
            .find(|e| e.entry_number == n)
            .expect("entry")
            .entry_id
    };
    let (invoice, credit) = (id(INVOICE_NO), id(CREDIT_NO));
    (env, invoice, credit)
}

/// The naive client closes the credit note by its document reference (YourRef), sending the
/// credit note's Type and the processed status.
const CLOSE_CREDIT_NOTE: &str =
    r#"{"Type": 21, "Status": 50, "Description": "Credit note processed"}"#;

#[tokio::test]
async fn q01_update_by_reference_lands_on_the_invoice_and_leaves_the_credit_note_open() {
    let (env, invoice, credit) = q01_env().await;
    let url = format!(
        "{}?$filter=YourRef%20eq%20'PO-4711'",
        env.url("salesentry/SalesEntries")
    );
    let r = env.send(Method::PUT, &url, CLOSE_CREDIT_NOTE).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    // The corruption: the invoice (lowest EntryNumber) took the change, Type included ...
    let inv = env.sim.sales_entry(invoice).expect("invoice");
    assert_eq!(
        (inv.type_, inv.status),
        (21, 50),
        "the invoice was turned into a processed credit note"
    );
    assert_eq!(inv.description.as_deref(), Some("Credit note processed"));
    // ... and the credit note never closed.
    let cn = env.sim.sales_entry(credit).expect("credit note");
    assert_eq!(
        (cn.type_, cn.status),
        (21, 20),
        "the credit note is still open"
    );
    assert_eq!(
        cn.description.as_deref(),
        Some(&*format!("Entry {CREDIT_NO}"))
    );

    // What the naive client reads back by reference confirms nothing is where it should be.
    let rows = env.get("salesentry/SalesEntries?$filter=YourRef%20eq%20'PO-4711'&$select=EntryNumber,Type,Status").await.results();
    let by_number = |n: i64| {
        rows.iter()
            .find(|r| i(r, "EntryNumber") == n)
            .expect("row")
            .clone()
    };
    assert_eq!(i(&by_number(INVOICE_NO.into()), "Type"), 21);
    assert_eq!(i(&by_number(CREDIT_NO.into()), "Status"), 20);
}

#[tokio::test]
async fn q01_body_only_reference_match_also_lands_on_the_lowest_entry_number() {
    let (env, invoice, credit) = q01_env().await;
    let r = env
        .send(
            Method::PATCH,
            &env.url("salesentry/SalesEntries"),
            r#"{"YourRef": "PO-4711", "Status": 50}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(env.sim.sales_entry(invoice).expect("invoice").status, 50);
    assert_eq!(env.sim.sales_entry(credit).expect("credit note").status, 20);
}

#[tokio::test]
async fn q01_update_addressed_by_entry_id_changes_only_the_credit_note() {
    // The defence works with the switch on: address the GUID, carry Type and Journal.
    let (env, invoice, credit) = q01_env().await;
    let url = env.url(&format!("salesentry/SalesEntries(guid'{credit}')"));
    let body = format!(r#"{{"EntryID": "{credit}", "Type": 21, "Journal": "70", "Status": 50}}"#);
    let r = env.send(Method::PUT, &url, &body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        env.sim.sales_entry(credit).map(|e| (e.type_, e.status)),
        Some((21, 50))
    );
    assert_eq!(
        env.sim.sales_entry(invoice).map(|e| (e.type_, e.status)),
        Some((20, 20))
    );
}

#[tokio::test]
async fn q01_switch_off_refuses_an_update_without_the_key() {
    let (env, invoice, credit) = q01_env().await;
    env.switch("Q01", false);
    let url = format!(
        "{}?$filter=YourRef%20eq%20'PO-4711'",
        env.url("salesentry/SalesEntries")
    );
    let r = env.send(Method::PUT, &url, CLOSE_CREDIT_NOTE).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error_message().contains("key"), "{}", r.text);
    let r = env
        .send(
            Method::PATCH,
            &env.url("salesentry/SalesEntries"),
            r#"{"YourRef": "PO-4711", "Status": 50}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        env.sim.sales_entry(invoice).map(|e| (e.type_, e.status)),
        Some((20, 20))
    );
    assert_eq!(
        env.sim.sales_entry(credit).map(|e| (e.type_, e.status)),
        Some((21, 20))
    );
}

// ---------------------------------------------------------------------------------------
// Q04 — refresh tokens rotate; two processes sharing one break each other.

#[tokio::test]
async fn q04_second_process_refreshing_the_shared_token_gets_401_old_refresh_token_used() {
    let env = Env::new().await;
    let shared_refresh = env.refresh.clone(); // both processes loaded the same stored pair
    env.advance(600); // the access token expired for both

    let a = env.refresh_with(&shared_refresh).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let b = env.refresh_with(&shared_refresh).await;
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
    let body = b.json();
    assert_eq!(
        body.get("error").and_then(Json::as_str),
        Some("unauthorized_client")
    );
    assert_eq!(
        body.get("error_description").and_then(Json::as_str),
        Some("Old refresh token used.")
    );
    // The second process is locked out for good with what it holds.
    assert_eq!(
        env.refresh_with(&shared_refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(env.sim.refresh_count(CLIENT_ID), 1);
}

#[tokio::test]
async fn q04_switch_off_the_old_refresh_token_works_until_the_new_one_is_used() {
    let env = Env::new().await;
    env.switch("Q04", false);
    let shared_refresh = env.refresh.clone();
    env.advance(600);

    let a = env.refresh_with(&shared_refresh).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let b = env.refresh_with(&shared_refresh).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    let (ja, jb) = (a.json(), b.json());
    assert_eq!(
        s(&ja, "refresh_token"),
        s(&jb, "refresh_token"),
        "both processes end on one chain"
    );
    for access in [s(&ja, "access_token"), s(&jb, "access_token")] {
        let r = env
            .http
            .get(env.url("crm/Accounts"))
            .bearer_auth(access)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Once the new refresh token is redeemed, the old one is finally dead.
    env.advance(600);
    assert_eq!(
        env.refresh_with(&s(&ja, "refresh_token")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        env.refresh_with(&shared_refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
}

// ---------------------------------------------------------------------------------------
// Q07 — pages of 60 rows, not the documented 100.

fn journals_seed(n: usize) -> ExactSeed {
    let mut seed = base_seed();
    seed.journals.extend((0..n).map(|k| SeedJournal {
        division: DIV,
        code: format!("J{k:03}"),
        description: format!("Dagboek {k}"),
        type_: Some(90),
        ..Default::default()
    }));
    seed
}

async fn walk(env: &Env, first: &str) -> (usize, Vec<usize>) {
    let mut url = env.url(first);
    let mut pages = Vec::new();
    loop {
        let r = env.get_abs(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        pages.push(r.results().len());
        match r.next() {
            Some(n) => url = n,
            None => break,
        }
    }
    (pages.iter().sum(), pages)
}

#[tokio::test]
async fn q07_journals_come_in_pages_of_60_where_100_were_expected() {
    let env = Env::with_seed(journals_seed(248)).await; // 250 journals in all
    let first = env.get("financial/Journals").await;
    // The naive client asks for the documented 100 and stops at a short page.
    assert_eq!(first.results().len(), 60, "60 rows where 100 were expected");
    assert!(
        first.next().is_some_and(|n| n.contains("$skiptoken=guid'")),
        "{}",
        first.text
    );
    let naive_total = if first.results().len() < 100 {
        first.results().len()
    } else {
        usize::MAX
    };
    assert_eq!(
        naive_total, 60,
        "a client that infers the end from the page size loses 190 journals"
    );
    // Following __next gets all of them.
    let (total, pages) = walk(&env, "financial/Journals").await;
    assert_eq!(total, 250);
    assert_eq!(pages, vec![60, 60, 60, 60, 10]);
}

#[tokio::test]
async fn q07_switch_off_pages_at_the_documented_100() {
    let env = Env::with_seed(journals_seed(248)).await;
    env.switch("Q07", false);
    let (total, pages) = walk(&env, "financial/Journals").await;
    assert_eq!(total, 250);
    assert_eq!(pages, vec![100, 100, 50]);
}

// ---------------------------------------------------------------------------------------
// Q08 — no division in the URL answers 401, like an expired token.

#[tokio::test]
async fn q08_bank_entries_without_division_answer_401_exactly_like_an_expired_token() {
    let env = Env::new().await;
    let no_division = env
        .get_abs(&format!(
            "{}/api/v1/financialtransaction/BankEntries",
            env.base
        ))
        .await;
    assert_eq!(no_division.status, StatusCode::UNAUTHORIZED);

    // The token is fine: the same token reads with the division.
    assert_eq!(
        env.get("financialtransaction/BankEntries").await.status,
        StatusCode::OK
    );

    // The naive client concludes its token died and refreshes: refused, it is too early.
    let refresh = env.refresh_with(&env.refresh).await;
    assert_eq!(refresh.status, StatusCode::BAD_REQUEST);
    assert!(refresh
        .header("reason")
        .is_some_and(|r| r.starts_with("TooEarlyToRefreshTokens")));

    // Indistinguishable from a really expired token.
    env.advance(601);
    let expired = env.get("financialtransaction/BankEntries").await;
    assert_eq!(expired.status, no_division.status);
    assert_eq!(expired.text, no_division.text);
    assert_eq!(
        expired.header("www-authenticate"),
        no_division.header("www-authenticate")
    );

    // The request log shows the division-less path (what the conformance suite checks).
    let log = env.sim.core().log.snapshot();
    assert!(log
        .iter()
        .any(|r| r.path == "/api/v1/financialtransaction/BankEntries" && r.status == 401));
    assert!(
        log.iter().all(|r| !r.body.contains(CLIENT_SECRET)),
        "no secret in the request log"
    );
}

#[tokio::test]
async fn q08_switch_off_answers_400_naming_the_missing_division() {
    let env = Env::new().await;
    env.switch("Q08", false);
    let r = env
        .get_abs(&format!(
            "{}/api/v1/financialtransaction/BankEntries",
            env.base
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error_message().contains("division"), "{}", r.text);
}

// ---------------------------------------------------------------------------------------
// Q13 — `Status eq 1` omits subscriptions in their grace period.

async fn q13_env() -> Env {
    let mut seed = base_seed();
    let sub =
        |desc: &str, start: &str, end: Option<&str>, cancelled: Option<&str>| SeedSubscription {
            division: DIV,
            description: Some(desc.into()),
            ordered_by: CUSTOMER,
            start_date: Some(date(start)),
            end_date: end.map(date),
            cancellation_date: cancelled.map(date),
            ..Default::default()
        };
    // Today is 2024-03-15.
    seed.subscriptions = vec![
        sub("running", "2023-01-01", None, None),
        sub(
            "grace",
            "2023-01-01",
            Some("2024-03-31"),
            Some("2024-03-01"),
        ),
        sub("ended", "2022-01-01", Some("2023-12-31"), None),
    ];
    Env::with_seed(seed).await
}

fn descriptions(rows: &[Json]) -> Vec<String> {
    let mut d: Vec<String> = rows.iter().map(|r| s(r, "Description")).collect();
    d.sort();
    d
}

#[tokio::test]
async fn q13_status_eq_1_omits_subscriptions_in_their_grace_period() {
    let env = q13_env().await;
    let numeric = env
        .get("subscription/Subscriptions?$filter=Status%20eq%201")
        .await
        .results();
    assert_eq!(
        descriptions(&numeric),
        vec!["running"],
        "the grace-period subscription is missing"
    );
    let by_text = env
        .get("subscription/Subscriptions?$filter=StatusDescription%20eq%20'Active'")
        .await
        .results();
    assert_eq!(descriptions(&by_text), vec!["grace", "running"]);
}

#[tokio::test]
async fn q13_switch_off_status_eq_1_includes_the_grace_period() {
    let env = q13_env().await;
    env.switch("Q13", false);
    let numeric = env
        .get("subscription/Subscriptions?$filter=Status%20eq%201")
        .await
        .results();
    assert_eq!(descriptions(&numeric), vec!["grace", "running"]);
}

// ---------------------------------------------------------------------------------------
// Q16 — the webhook arrives before the entity is readable.

const NEW_SALE: &str = r#"{"Customer": "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64", "Journal": "70", "Type": 20,
  "YourRef": "WH-1", "EntryDate": "2024-03-15T00:00:00",
  "SalesEntryLines": [{"GLAccount": "8e2d4b61-3a7c-4f19-b5e0-27c9d1a6f483", "AmountFC": 250.10, "VATCode": "2"}]}"#;

async fn subscribe(env: &Env, callback: &str) {
    let body = format!(r#"{{"CallbackURL": "{callback}", "Topic": "FinancialTransactions"}}"#);
    let r = env
        .send(
            Method::POST,
            &env.url("webhooks/WebhookSubscriptions"),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// Split a notification body into its raw `Content` text and `HashCode`.
fn split_notification(body: &str) -> (String, String) {
    let rest = body.strip_prefix("{\"Content\":").expect("Content first");
    let (content, hash) = rest.split_once(",\"HashCode\":\"").expect("HashCode");
    (
        content.to_string(),
        hash.strip_suffix("\"}").expect("end").to_string(),
    )
}

#[tokio::test]
async fn q16_webhook_arrives_before_the_entity_is_readable() {
    let env = Env::new().await;
    subscribe(&env, "https://hooks.example.invalid/exact").await;
    let created = env
        .send(Method::POST, &env.url("salesentry/SalesEntries"), NEW_SALE)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let deliveries = env.sim.take_webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    let (content, hash) = split_notification(&deliveries[0].body);
    assert_eq!(
        hash,
        hash_code(WEBHOOK_SECRET, &content),
        "HashCode = HMAC-SHA256 over the raw Content"
    );
    assert_ne!(
        hash,
        hash_code("forged-secret", &content),
        "a forged secret does not verify"
    );
    let endpoint = s(
        &Json::parse(&content).expect("content"),
        "ExactOnlineEndpoint",
    );

    // The naive client fetches at once: not there.
    let now = env.get_abs(&endpoint).await;
    assert_eq!(now.status, StatusCode::NOT_FOUND, "{}", now.text);
    let list = env
        .get("salesentry/SalesEntries?$filter=YourRef%20eq%20'WH-1'")
        .await
        .results();
    assert!(list.is_empty(), "not listed either");

    // Three simulated seconds later it is.
    env.advance(3);
    let later = env.get_abs(&endpoint).await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.text);
    assert_eq!(
        d(later.json().get("d").expect("d"), "AmountFC"),
        dec("302.62")
    );
}

#[tokio::test]
async fn q16_switch_off_the_entity_is_readable_at_once() {
    let env = Env::new().await;
    env.switch("Q16", false);
    subscribe(&env, "https://hooks.example.invalid/exact").await;
    let created = env
        .send(Method::POST, &env.url("salesentry/SalesEntries"), NEW_SALE)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let deliveries = env.sim.take_webhook_deliveries();
    let (content, _) = split_notification(&deliveries[0].body);
    let endpoint = s(
        &Json::parse(&content).expect("content"),
        "ExactOnlineEndpoint",
    );
    assert_eq!(env.get_abs(&endpoint).await.status, StatusCode::OK);
}

#[tokio::test]
async fn q16_notifications_are_pushed_to_http_callbacks_with_a_validation_post_first() {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().expect("lock").push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let env = Env::new().await;
    env.sim.set_q16_delay(Duration::from_secs(5));
    subscribe(&env, &format!("http://{addr}/hook")).await;
    let created = env
        .send(Method::POST, &env.url("salesentry/SalesEntries"), NEW_SALE)
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let pulled = env.sim.webhook_deliveries();
    assert_eq!(pulled.len(), 1);
    for _ in 0..100 {
        if received.lock().expect("lock").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = received.lock().expect("lock").clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[0], "",
        "the subscription was validated with an empty POST"
    );
    assert_eq!(
        got[1], pulled[0].body,
        "the pushed body is byte-identical to the pulled one"
    );
    assert_eq!(pulled[0].readable_from, Some(fixed_time_plus(&env, 5)));
}

fn fixed_time_plus(env: &Env, secs: i64) -> chrono::DateTime<chrono::Utc> {
    // The delivery was created at the simulated now (which started at fixed_time and runs at
    // real speed), so compare against the recorded creation time.
    let created = env.sim.webhook_deliveries()[0].created_at;
    created + chrono::Duration::seconds(secs)
}

#[tokio::test]
async fn q16_a_failing_callback_refuses_the_subscription() {
    let env = Env::new().await;
    // Nothing listens on port 9 of loopback.
    let body = r#"{"CallbackURL": "http://127.0.0.1:9/hook", "Topic": "Accounts"}"#;
    let r = env
        .send(
            Method::POST,
            &env.url("webhooks/WebhookSubscriptions"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        r.error_message()
            .starts_with("Invalid: Post to callback URL endpoint"),
        "{}",
        r.text
    );
}

/// A sale of one line meant at 0% (an exempt supply), sent without a `VATCode`.
const ZERO_RATED_WITHOUT_CODE: &str = r#"{"Customer": "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64", "Journal": "70", "Type": 20,
  "YourRef": "Q24-1", "EntryDate": "2024-03-15T00:00:00",
  "SalesEntryLines": [{"GLAccount": "8e2d4b61-3a7c-4f19-b5e0-27c9d1a6f483", "AmountFC": 100.00}]}"#;

async fn q24_booked_line(env: &Env) -> Json {
    let created = env
        .send(
            Method::POST,
            &env.url("salesentry/SalesEntries"),
            ZERO_RATED_WITHOUT_CODE,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let rows = env
        .get("salesentry/SalesEntries?$filter=YourRef%20eq%20'Q24-1'&$expand=SalesEntryLines&$select=AmountFC,SalesEntryLines/VATCode,SalesEntryLines/VATPercentage,SalesEntryLines/VATAmountFC")
        .await
        .results();
    assert_eq!(rows.len(), 1);
    let lines = rows[0]
        .get("SalesEntryLines")
        .and_then(|l| l.get("results"))
        .and_then(|r| r.as_array())
        .expect("expanded lines")
        .to_vec();
    lines[0].clone()
}

#[tokio::test]
async fn q24_a_line_without_vat_code_is_booked_with_the_default_code_not_at_zero() {
    let env = Env::new().await;
    let line = q24_booked_line(&env).await;
    // The naive client meant 0% and sent no code: Exact booked the account's 21% code.
    assert_eq!(s(&line, "VATCode").trim(), "2", "{line:?}");
    assert_eq!(d(&line, "VATAmountFC"), dec("21.00"));
}

#[tokio::test]
async fn q24_switch_off_a_line_without_vat_code_stays_at_zero() {
    let env = Env::new().await;
    env.switch("Q24", false);
    let line = q24_booked_line(&env).await;
    assert_eq!(d(&line, "VATAmountFC"), dec("0"));
}
