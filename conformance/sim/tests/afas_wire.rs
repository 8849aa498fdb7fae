//! Wire-format tests: the simulator's answers against the samples in `fixtures/afas/`.
#![cfg(feature = "afas")]

mod afas_support;

use afas_support::{assert_matches, fixture, fixture_json, Harness};

#[tokio::test]
async fn metainfo_matches_fixture() {
    let h = Harness::start().await;
    let r = h.get("/metainfo").await;
    assert_eq!(r.status, 200);
    assert_matches(&fixture_json("metainfo.json"), &r.strict().expect("json"));
    let r = h.get("/metainfo/get/Profit_Accounts").await;
    assert_eq!(r.status, 200);
    assert_matches(
        &fixture_json("metainfo_get_profit_accounts.json"),
        &r.strict().expect("json"),
    );
}

#[tokio::test]
async fn open_items_match_fixture() {
    let h = Harness::start().await;
    h.sim.set_legacy_decimals(false);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId&filtervalues=10001&operatortypes=1&orderbyfieldids=InvoiceNr")
        .await;
    assert_eq!(r.status, 200);
    assert_matches(
        &fixture_json("get_debtor_invoices_10001.json"),
        &r.strict().expect("json"),
    );
}

#[tokio::test]
async fn legacy_decimal_text_matches_fixture_byte_for_byte() {
    let h = Harness::start().await;
    let r = h
        .control("/__sim/seed", serde_json::json!({"legacy_decimals": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId&filtervalues=10002&operatortypes=1")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text,
        fixture("get_debtor_invoices_legacy_decimal.txt").trim_end()
    );
    // A strict parser (serde_json) refuses the Profit-6 `-.5`; clients need a lenient pass.
    assert!(r.strict().is_err());
}

#[tokio::test]
async fn error_shape_matches_fixture() {
    let h = Harness::start().await;
    let r = h.get("/connectors/Profit_Debtor?skip=2&take=-1").await;
    assert_eq!(r.status, 500);
    assert_matches(
        &fixture_json("error_invalid_skip_take.json"),
        &r.strict().expect("json"),
    );
    assert!(r.headers.contains_key("x-profit-error"));
}

#[tokio::test]
async fn unavailable_shape_matches_fixture() {
    let h = Harness::start().await;
    let r = h
        .control(
            "/__sim/load",
            serde_json::json!({"background_calls": 8, "retry_after_secs": 7}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = h.get("/metainfo").await;
    assert_eq!(r.status, 503);
    assert_matches(
        &fixture_json("unavailable_503.json"),
        &r.strict().expect("json"),
    );
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );
}

#[tokio::test]
async fn fientries_sample_posts_and_reads_back_as_fixture() {
    let h = Harness::start().await;
    h.sim.set_legacy_decimals(false);
    let r = h
        .post(
            "/connectors/FiEntries",
            &fixture("fientries_sales_with_vat_request.json"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_matches(
        &fixture_json("fientries_sales_with_vat_response.json"),
        &r.strict().expect("json"),
    );
    let r = h
        .get("/connectors/Profit_Transactions?filterfieldids=EntryNo&filtervalues=1&operatortypes=1&orderbyfieldids=SeqNo")
        .await;
    assert_eq!(r.status, 200);
    assert_matches(
        &fixture_json("transactions_sales_with_vat.json"),
        &r.strict().expect("json"),
    );
    // The invoice is an open item of 12,100 until the payment sample settles… a different one.
    let item = h
        .sim
        .open_item(1, "1")
        .expect("open item for generated invoice 1");
    assert_eq!(item.open_amount.to_string(), "12100");
    let r = h
        .post(
            "/connectors/FiEntries",
            &fixture("fientries_debtor_payment_request.json"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(h
        .sim
        .open_item(1, "IH000101")
        .expect("item")
        .open_amount
        .is_zero());
}

#[tokio::test]
async fn debtor_sample_posts_and_reads_back_as_fixture() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/connectors/KnSalesRelationOrg",
            &fixture("kn_sales_relation_org_post_request.json"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_matches(
        &fixture_json("kn_sales_relation_org_post_response.json"),
        &r.strict().expect("json"),
    );
    let r = h
        .get("/connectors/Profit_Debtor?filterfieldids=DebtorId&filtervalues=20010&operatortypes=1")
        .await;
    assert_eq!(r.status, 200);
    assert_matches(
        &fixture_json("debtor_20010_readback.json"),
        &r.strict().expect("json"),
    );
}

#[test]
fn fixture_matcher_detects_differences() {
    let expected = serde_json::json!({"a": 1, "b": "{{hex32}}", "c": [true]});
    let good = serde_json::json!({"a": 1, "b": "0123456789ABCDEF0123456789ABCDEF", "c": [true]});
    assert_matches(&expected, &good);
    for bad in [
        serde_json::json!({"a": 2, "b": "0123456789ABCDEF0123456789ABCDEF", "c": [true]}),
        serde_json::json!({"a": 1, "b": "xyz", "c": [true]}),
        serde_json::json!({"a": 1, "b": "0123456789ABCDEF0123456789ABCDEF", "c": []}),
        serde_json::json!({"a": 1, "b": "0123456789ABCDEF0123456789ABCDEF", "c": [true], "d": null}),
    ] {
        let result = std::panic::catch_unwind(|| assert_matches(&expected, &bad));
        assert!(result.is_err(), "{bad} should not match");
    }
}

/// Every Profit answer, data or error, carries the headers AFAS's proxy documents
/// (`Mutaties.json` `components.responses`): caching off, HSTS, the proxy version, nosniff and
/// deny-framing.
#[tokio::test]
async fn answers_carry_the_documented_proxy_headers() {
    let h = Harness::start().await;
    let ok = h.get("/connectors/Profit_Debtor?skip=0&take=1").await;
    assert_eq!(ok.status, 200);
    let err = h.get("/connectors/Profit_Debtor?skip=2&take=-1").await;
    assert_eq!(err.status, 500);
    for r in [&ok, &err] {
        for (name, value) in grootboek_sim::afas::headers::PROFIT_HEADERS {
            assert_eq!(
                r.headers.get(*name).and_then(|v| v.to_str().ok()),
                Some(*value),
                "{name} on a {} answer",
                r.status
            );
        }
    }
}
