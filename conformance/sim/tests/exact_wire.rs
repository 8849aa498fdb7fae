//! Wire format: the simulator's answers against the samples in `fixtures/exact/`, and the
//! OData behaviour an adapter relies on (`$select`, `$filter`, `$top`, `__next`, bulk pages,
//! errors, rate limits).
#![cfg(feature = "exact")]

mod exact_support;

use exact_support::*;
use grootboek_sim::exact::json::Json;
use grootboek_sim::exact::*;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

const ENTRY: Uuid = Uuid::from_u128(0x9c0e5a3b_2f4d_4e6a_8b1c_0d2e3f4a5b6c);
const LINE: Uuid = Uuid::from_u128(0x1d2c3b4a_5e6f_4a7b_8c9d_0e1f2a3b4c5d);

/// The base seed plus one invoice of 100 + 21 % VAT, partly paid (21.00) by a bank line.
fn ledger_seed() -> ExactSeed {
    let mut seed = base_seed();
    let mut invoice = sale(24_700_001, 20, "PO-4711", "100.00");
    invoice.entry_id = Some(ENTRY);
    invoice.lines[0].id = Some(LINE);
    seed.sales_entries = vec![invoice];
    seed.bank_entries = vec![SeedBankEntry {
        division: DIV,
        journal_code: "20".into(),
        lines: vec![SeedBankLine {
            account: Some(CUSTOMER),
            gl_account: Some(GL_RECEIVABLE),
            amount: dec("-21.00"),
            date: Some(date("2024-03-10")),
            description: Some("Part payment PO-4711".into()),
            our_ref: Some(24_700_001),
            ..Default::default()
        }],
        ..Default::default()
    }];
    seed
}

fn api_base(env: &Env) -> String {
    env.base.clone()
}

#[tokio::test]
async fn wire_accounts_list_matches_fixture_with_padded_code_and_country() {
    let env = Env::frozen(base_seed()).await;
    let r = env.get("crm/Accounts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    assert_matches_fixture(&r.json(), "accounts_list.json", &api_base(&env));
}

#[tokio::test]
async fn wire_glaccount_by_key_matches_fixture() {
    let env = Env::frozen(base_seed()).await;
    let r = env
        .get(&format!("financial/GLAccounts(guid'{GL_REVENUE}')"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(&r.json(), "glaccount_single.json", &api_base(&env));
}

#[tokio::test]
async fn wire_sales_entry_with_expanded_lines_matches_fixture() {
    let env = Env::frozen(ledger_seed()).await;
    let r = env
        .get(&format!(
            "salesentry/SalesEntries(guid'{ENTRY}')?$expand=SalesEntryLines"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(&r.json(), "sales_entry_expanded.json", &api_base(&env));
}

#[tokio::test]
async fn wire_sales_entries_select_keeps_lines_deferred_matches_fixture() {
    let env = Env::frozen(ledger_seed()).await;
    let r = env
        .get("salesentry/SalesEntries?$select=EntryID,EntryNumber,Type,Journal,YourRef,Status,SalesEntryLines")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(
        &r.json(),
        "sales_entries_deferred_select.json",
        &api_base(&env),
    );
    // The deferred URI answers with the lines in a list envelope.
    let lines = env
        .get(&format!(
            "salesentry/SalesEntries(guid'{ENTRY}')/SalesEntryLines"
        ))
        .await
        .results();
    assert_eq!(lines.len(), 1);
    assert_eq!(d(&lines[0], "VATPercentage"), dec("0.21"));
}

#[tokio::test]
async fn wire_vat_codes_have_fractional_percentages_and_padded_codes() {
    let env = Env::frozen(base_seed()).await;
    let r = env.get("vat/VATCodes").await;
    assert_matches_fixture(&r.json(), "vat_codes_list.json", &api_base(&env));
}

#[tokio::test]
async fn wire_receivables_list_counts_cash_not_flags() {
    let env = Env::frozen(ledger_seed()).await;
    let r = env.get("read/financial/ReceivablesList").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(&r.json(), "receivables_list.json", &api_base(&env));
    assert_eq!(env.sim.open_amount(ENTRY), Some(dec("100")));

    // The rest is paid through the API; the item disappears from the list.
    let pay = format!(
        r#"{{"JournalCode": "20", "BankEntryLines": [{{"Account": "{CUSTOMER}", "GLAccount": "{GL_RECEIVABLE}",
           "AmountFC": -100.00, "Date": "2024-03-15T00:00:00", "OurRef": 24700001, "Description": "Rest"}}]}}"#
    );
    let posted = env
        .send(
            Method::POST,
            &env.url("financialtransaction/BankEntries"),
            &pay,
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text);
    let after = env.get("read/financial/ReceivablesList").await.results();
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(env.sim.open_amount(ENTRY), Some(dec("0")));
    // The status flag of the entry did not move: openness comes from cash.
    assert_eq!(env.sim.sales_entry(ENTRY).map(|e| e.status), Some(20));
}

#[tokio::test]
async fn wire_current_me_comes_in_the_list_envelope_without_rate_limit_headers() {
    let env = Env::frozen(base_seed()).await;
    let r = env
        .get_abs(&format!(
            "{}/api/v1/current/Me?$select=CurrentDivision,UserID",
            env.base
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(&r.json(), "me.json", &api_base(&env));
    assert!(
        r.header("x-ratelimit-remaining").is_none(),
        "division-less URLs carry no limit headers"
    );
    assert!(env
        .get("crm/Accounts")
        .await
        .header("x-ratelimit-remaining")
        .is_some());
}

#[tokio::test]
async fn wire_bulk_requires_select_and_pages_at_1000() {
    let mut seed = base_seed();
    seed.accounts.extend((0..1100).map(|k| SeedAccount {
        division: DIV,
        code: Some(format!("{}", 1000 + k)),
        name: format!("Klant {k}"),
        ..Default::default()
    }));
    let env = Env::with_seed(seed).await;
    let refused = env.get("bulk/CRM/Accounts").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_matches_fixture(
        &refused.json(),
        "error_select_required.json",
        &api_base(&env),
    );

    let first = env.get("bulk/CRM/Accounts?$select=ID,Code,Name").await;
    assert_eq!(first.results().len(), 1000);
    let next = first.next().expect("__next");
    assert!(
        next.contains("/bulk/CRM/Accounts?$select=ID,Code,Name&$skiptoken=guid'"),
        "{next}"
    );
    let second = env.get_abs(&next).await;
    assert_eq!(second.results().len(), 101);
    assert!(second.next().is_none());
    // $select really selects.
    let row = &first.results()[0];
    let Json::Obj(pairs) = row else { panic!("row") };
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, vec!["__metadata", "Code", "ID", "Name"]);
}

async fn filter_count(env: &Env, set: &str, filter: &str) -> usize {
    let url = format!("{}?$filter={}", env.url(set), filter.replace(' ', "%20"));
    let r = env.get_abs(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{filter}: {}", r.text);
    r.results().len()
}

#[tokio::test]
async fn wire_filter_operators_and_literals_on_key_fields() {
    let mut seed = ledger_seed();
    seed.sales_entries
        .push(sale(24_700_002, 21, "PO-4711", "-40.00"));
    seed.sales_entries
        .push(sale(24_700_003, 20, "PO-9", "10.00"));
    let env = Env::with_seed(seed).await;
    let set = "salesentry/SalesEntries";
    assert_eq!(
        filter_count(&env, set, &format!("EntryID eq guid'{ENTRY}'")).await,
        1
    );
    assert_eq!(
        filter_count(&env, set, &format!("EntryID ne guid'{ENTRY}'")).await,
        2
    );
    assert_eq!(filter_count(&env, set, "EntryNumber gt 24700001").await, 2);
    assert_eq!(
        filter_count(
            &env,
            set,
            "EntryNumber ge 24700001 and EntryNumber lt 24700003"
        )
        .await,
        2
    );
    assert_eq!(
        filter_count(&env, set, "EntryNumber le 24700001 or Type eq 21").await,
        2
    );
    assert_eq!(
        filter_count(&env, set, "YourRef eq 'PO-4711' and Type eq 20").await,
        1
    );
    assert_eq!(
        filter_count(&env, set, "AmountDC lt -48.39 and AmountDC gt -48.41").await,
        1
    );
    assert_eq!(
        filter_count(
            &env,
            set,
            "EntryDate ge datetime'2024-03-01' and EntryDate lt datetime'2024-03-02T00:00:00'"
        )
        .await,
        3
    );
    assert_eq!(
        filter_count(&env, set, &format!("Customer eq guid'{CUSTOMER}'")).await,
        3
    );
    assert_eq!(
        filter_count(&env, "crm/Accounts", "Code eq '                 8'").await,
        1
    );
    assert_eq!(
        filter_count(&env, "crm/Accounts", "trim(Code) eq '8'").await,
        1
    );
    assert_eq!(
        filter_count(&env, "crm/Accounts", "Code eq '8'").await,
        0,
        "unpadded code finds nothing"
    );

    let bad = env
        .get("salesentry/SalesEntries?$filter=Nope%20eq%201")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.error_message().contains("Nope"));
    let syntax = env
        .get("salesentry/SalesEntries?$filter=EntryNumber%20eq")
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        syntax.error_message(),
        "Bad Request - Error in query syntax."
    );
    let mismatch = env
        .get("salesentry/SalesEntries?$filter=EntryNumber%20eq%20'x'")
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wire_top_next_inlinecount_and_count() {
    let mut seed = base_seed();
    seed.sales_entries = (0..130)
        .map(|k| sale(1000 + k, 20, &format!("R{k}"), "1.00"))
        .collect();
    let env = Env::with_seed(seed).await;
    let top = env.get("salesentry/SalesEntries?$top=5").await;
    assert_eq!(top.results().len(), 5);
    assert!(top.next().is_none(), "$top within a page has no __next");

    let first = env.get("salesentry/SalesEntries?$select=EntryNumber&$filter=EntryNumber%20ge%201010&$top=90&$inlinecount=allpages").await;
    assert_eq!(first.results().len(), 60);
    assert_eq!(
        first.json().get("d").and_then(|d| d.get("__count")),
        Some(&Json::str("120"))
    );
    let next = first.next().expect("__next");
    assert!(
        next.starts_with(&env.url("salesentry/SalesEntries?")),
        "{next}"
    );
    assert!(
        next.contains("$select=EntryNumber") && next.contains("$filter=EntryNumber%20ge%201010"),
        "{next}"
    );
    assert!(
        next.contains("$top=30") && next.contains("$skiptoken=guid'"),
        "{next}"
    );
    let second = env.get_abs(&next).await;
    assert_eq!(second.results().len(), 30);
    assert!(second.next().is_none());

    let count = env
        .get("salesentry/SalesEntries/$count?$filter=EntryNumber%20lt%201010")
        .await;
    assert_eq!(count.text, "10");
}

#[tokio::test]
async fn wire_post_answers_with_the_key_only_unless_representation_is_preferred() {
    let env = Env::new().await;
    let body = format!(
        r#"{{"Customer": "{CUSTOMER}", "Journal": "70", "YourRef": "EXACT-1",
           "SalesEntryLines": [{{"GLAccount": "{GL_REVENUE}", "AmountFC": 1234567.89, "VATCode": "2"}},
                               {{"GLAccount": "{GL_REVENUE}", "AmountFC": 0.01, "VATAmountFC": 0}}]}}"#
    );
    let bare = env
        .http
        .post(env.url("salesentry/SalesEntries"))
        .bearer_auth(&env.access)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(bare.status(), StatusCode::CREATED);
    let bare = Json::parse(&bare.text().await.expect("text")).expect("json");
    let d0 = bare.get("d").expect("d");
    assert!(Uuid::parse_str(&s(d0, "EntryID")).is_ok());
    assert_eq!(
        d0.get("AmountFC"),
        Some(&Json::Null),
        "without Prefer most properties are null"
    );

    let full = env
        .send(
            Method::POST,
            &env.url("salesentry/SalesEntries"),
            &body.replace("EXACT-1", "EXACT-2"),
        )
        .await;
    assert_eq!(full.status, StatusCode::CREATED, "{}", full.text);
    let d1 = full.json().get("d").expect("d").clone();
    // 1234567.89 + 259259.2569 → VAT 259259.26; + 0.01: amounts survive without a float.
    assert_eq!(d(&d1, "AmountFC"), dec("1493827.16"));
    assert_eq!(d(&d1, "VATAmountFC"), dec("259259.26"));
    assert_eq!(i(&d1, "Type"), 20);
    assert_eq!(i(&d1, "Status"), 20);
    let e = env
        .sim
        .sales_entry(Uuid::parse_str(&s(&d1, "EntryID")).expect("id"))
        .expect("stored");
    assert_eq!(e.lines[0].amount, dec("1234567.89"));
    assert_eq!(e.lines[1].amount, dec("0.01"));
}

#[tokio::test]
async fn wire_errors_have_exact_shape_and_status() {
    let env = Env::new().await;
    let unknown_prop = env
        .send(
            Method::POST,
            &env.url("crm/Accounts"),
            r#"{"Name": "X", "Naam": "typo"}"#,
        )
        .await;
    assert_eq!(unknown_prop.status, StatusCode::BAD_REQUEST);
    assert!(unknown_prop.error_message().contains("'Naam'"));
    let json = unknown_prop.json();
    assert_eq!(
        json.get("error").and_then(|e| e.get("code")),
        Some(&Json::str(""))
    );

    let not_json = env.send(Method::POST, &env.url("crm/Accounts"), "{").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let dup = env
        .send(
            Method::POST,
            &env.url("crm/Accounts"),
            r#"{"Name": "Dup", "Code": "8"}"#,
        )
        .await;
    assert_eq!(
        dup.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "duplicate code refused, not overwritten"
    );
    assert_eq!(env.sim.accounts(DIV).len(), 1);

    let missing = env
        .send(
            Method::DELETE,
            &env.url(&format!("crm/Accounts(guid'{}')", Uuid::new_v4())),
            "",
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::FORBIDDEN,
        "Exact answers a DELETE of an unknown GUID with 403"
    );

    let put_collection = env
        .send(Method::PUT, &env.url("crm/Accounts"), r#"{"Name": "X"}"#)
        .await;
    assert_eq!(put_collection.status, StatusCode::BAD_REQUEST);

    let unknown_set = env.get("crm/Nope").await;
    assert_eq!(unknown_set.status, StatusCode::NOT_FOUND);
    let by_key_missing = env
        .get(&format!("crm/Accounts(guid'{}')", Uuid::new_v4()))
        .await;
    assert_eq!(by_key_missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wire_divisions_outside_the_consent_answer_403_with_reason() {
    let mut seed = base_seed();
    seed.apps = vec![ClientApp {
        divisions: Some(vec![DIV]),
        ..app()
    }];
    let env = Env::with_seed(seed).await;
    let other = env
        .get_abs(&format!("{}/api/v1/{OTHER_DIV}/crm/Accounts", env.base))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.header("reason").as_deref(), Some("NoDivisionAccess"));
    let unknown = env
        .get_abs(&format!("{}/api/v1/999/crm/Accounts", env.base))
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    assert_eq!(env.get("crm/Accounts").await.status, StatusCode::OK);
}

#[tokio::test]
async fn wire_rate_limits_per_app_and_division_with_exact_headers() {
    let env = Env::new().await;
    env.sim.set_rate_limits(RateLimits {
        minutely: 3,
        daily: 5,
    });
    // Start at a whole minute so the window is predictable.
    env.sim.core().clock.set(fixed_time());
    for remaining in (0..3).rev() {
        let r = env.get("crm/Accounts").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("x-ratelimit-minutely-limit").as_deref(), Some("3"));
        assert_eq!(
            r.header("x-ratelimit-minutely-remaining"),
            Some(remaining.to_string())
        );
        assert_eq!(
            r.header("x-ratelimit-minutely-reset").as_deref(),
            Some("1710496860000")
        );
        assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("5"));
        assert_eq!(
            r.header("x-ratelimit-reset").as_deref(),
            Some("1710547200000")
        );
    }
    let limited = env.get("crm/Accounts").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.header("x-ratelimit-minutely-remaining").as_deref(),
        Some("0")
    );
    assert!(
        limited.header("x-ratelimit-remaining").is_none(),
        "only the exhausted window's headers"
    );
    // Another division has its own budget; current/Me is not counted.
    assert_eq!(
        env.get_abs(&format!("{}/api/v1/{OTHER_DIV}/crm/Accounts", env.base))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        env.get_abs(&format!("{}/api/v1/current/Me", env.base))
            .await
            .status,
        StatusCode::OK
    );
    // Next minute: two more calls until the daily limit.
    env.advance(60);
    assert_eq!(env.get("crm/Accounts").await.status, StatusCode::OK);
    assert_eq!(env.get("crm/Accounts").await.status, StatusCode::OK);
    let daily = env.get("crm/Accounts").await;
    assert_eq!(daily.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(daily.header("x-ratelimit-remaining").as_deref(), Some("0"));
    assert!(daily.header("x-ratelimit-minutely-remaining").is_none());
}

#[tokio::test]
async fn wire_webhook_notification_matches_fixture() {
    let env = Env::new().await;
    let sub = r#"{"CallbackURL": "https://hooks.example.invalid/exact", "Topic": "FinancialTransactions"}"#;
    let created = env
        .send(Method::POST, &env.url("webhooks/WebhookSubscriptions"), sub)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let d0 = created.json().get("d").expect("d").clone();
    assert_eq!(s(&d0, "Topic"), "FinancialTransactions");
    assert_eq!(i(&d0, "Division"), i64::from(DIV));
    let dup = env
        .send(Method::POST, &env.url("webhooks/WebhookSubscriptions"), sub)
        .await;
    assert_eq!(dup.status, StatusCode::INTERNAL_SERVER_ERROR);

    let body = format!(
        r#"{{"Customer": "{CUSTOMER}", "Journal": "70", "SalesEntryLines": [{{"GLAccount": "{GL_REVENUE}", "AmountFC": 10}}]}}"#
    );
    assert_eq!(
        env.send(Method::POST, &env.url("salesentry/SalesEntries"), &body)
            .await
            .status,
        StatusCode::CREATED
    );
    let deliveries = env.sim.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    let raw = &deliveries[0].body;
    assert!(
        !raw.contains(' ') || raw.contains("EventCreatedOn"),
        "compact JSON"
    );
    let parsed = Json::parse(raw).expect("json");
    assert_matches_fixture(&parsed, "webhook_notification.json", &api_base(&env));
    let content = parsed.get("Content").expect("content");
    assert_eq!(s(content, "Key"), deliveries[0].key.to_string());
    assert!(s(content, "ExactOnlineEndpoint").ends_with(&format!(
        "/api/v1/{DIV}/salesentry/SalesEntries(guid'{}')",
        deliveries[0].key
    )));
    let hash = s(&parsed, "HashCode");
    assert_eq!(hash.len(), 64);
    assert_eq!(hash, hash.to_uppercase());
}

/// `hrm/Divisions` answers the smaller HRM model of the company's divisions: `Code`,
/// `Description`, `Main` (only the main division true), in the `d.results` envelope with
/// `__metadata`, and `$select` of a field it does not have is refused as Exact refuses it.
#[tokio::test]
async fn hrm_divisions_list_the_company_with_its_main_division() {
    let env = Env::frozen(base_seed()).await;
    let r = env.get("hrm/Divisions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let rows = v["d"]["results"].as_array().expect("d.results");
    let got: Vec<(i64, &str, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["Code"].as_i64().unwrap(),
                r["Description"].as_str().unwrap(),
                r["Main"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (i64::from(DIV), "Grootboek Test B.V.", true),
            (i64::from(OTHER_DIV), "Other B.V.", false)
        ]
    );
    assert_eq!(
        rows[0]["__metadata"]["type"],
        "Exact.Web.Api.Models.HRM.Division"
    );
    // The system model's `Current` is not part of the HRM model.
    assert!(rows[0].get("Current").is_none());
    let r = env.get("hrm/Divisions?$select=Current").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}

/// A `$select` of a property Exact documents for `crm/Accounts` but the simulator does not model
/// is answered as Exact answers an empty property (`null`), not refused; an unknown name is
/// refused with Exact's message, and `$filter` on an unmodelled property stays refused.
#[tokio::test]
async fn select_of_a_documented_unmodelled_property_answers_null() {
    let env = Env::frozen(base_seed()).await;
    let r = env.get("crm/Accounts?$select=Code,Phone,Website").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let row = &v["d"]["results"][0];
    assert!(row["Code"].is_string(), "{row}");
    assert!(row.get("Phone").is_some_and(|p| p.is_null()), "{row}");
    assert!(row.get("Website").is_some_and(|p| p.is_null()), "{row}");
    assert!(row.get("Name").is_none(), "only what was selected: {row}");
    let r = env.get("crm/Accounts?$select=Code,NoSuchProperty").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.text.contains("No property 'NoSuchProperty'"),
        "{}",
        r.text
    );
    let r = env.get("crm/Accounts?$filter=Phone%20eq%20'1'").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // The same for `salesentry/SalesEntries` (e.g. `PaymentCondition`, which the simulator
    // does not model).
    let body = format!(
        r#"{{"Customer": "{CUSTOMER}", "Journal": "70", "SalesEntryLines": [{{"GLAccount": "{GL_REVENUE}", "AmountFC": 10}}]}}"#
    );
    let created = env
        .send(Method::POST, &env.url("salesentry/SalesEntries"), &body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let r = env
        .get("salesentry/SalesEntries?$select=EntryID,PaymentCondition")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let rows = v["d"]["results"].as_array().unwrap();
    assert!(!rows.is_empty(), "the seed has sales entries");
    // And for the reference sets, each with one property it does not model.
    for (set, key, documented) in [
        ("financial/GLAccounts", "Code", "Compress"),
        ("vat/VATCodes", "Code", "LegalText"),
        ("financial/Journals", "Code", "BankAccountIBAN"),
    ] {
        let r = env.get(&format!("{set}?$select={key},{documented}")).await;
        assert_eq!(r.status, StatusCode::OK, "{set}: {}", r.text);
        let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
        let listed = v["d"]["results"].as_array().unwrap();
        assert!(!listed.is_empty(), "{set}: the seed has rows");
        for row in listed {
            assert!(row[key].is_string(), "{set}: {row}");
            assert!(
                row.get(documented).is_some_and(|p| p.is_null()),
                "{set}: {row}"
            );
        }
    }
    for row in rows {
        assert!(row["EntryID"].is_string(), "{row}");
        assert!(
            row.get("PaymentCondition").is_some_and(|p| p.is_null()),
            "{row}"
        );
    }
}
