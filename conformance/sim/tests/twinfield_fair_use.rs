//! Fair use (T05), batch limits and partial batches (T06), and business errors (T07).
#![cfg(feature = "twinfield")]

mod twinfield_support;

use std::time::Duration;

use grootboek_sim::twinfield::RateLimitConfig;
use twinfield_support::*;

fn read_customer() -> String {
    format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>1000</code></read>")
}

#[tokio::test]
async fn t05_reads_cost_one_credit_writes_three_and_headers_tell() {
    let env = env().await;
    let read = env.px_a(OFFICE_A1, &read_customer()).await;
    assert_eq!(read.header("x-ratelimit-credited").as_deref(), Some("1"));
    let write = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary"),
        )
        .await;
    assert_eq!(write.header("x-ratelimit-credited").as_deref(), Some("3"));
    // Tightest bucket is client+organisation (500 certified): 500 - 4.
    assert_eq!(write.header("x-ratelimit-limit").as_deref(), Some("500"));
    assert_eq!(
        write.header("x-ratelimit-remaining").as_deref(),
        Some("496")
    );
    let report = env.sim.credits();
    let bucket =
        |kind: &str, key: &str| report.bucket(kind, key).map(|b| (b.used, b.total_charged));
    assert_eq!(
        bucket("client_organisation", &format!("{CLIENT}|ORG-A")),
        Some((4, 4))
    );
    assert_eq!(bucket("client", CLIENT), Some((4, 4)));
    assert_eq!(bucket("organisation", "ORG-A"), Some((4, 4)));
    assert_eq!(bucket("ip", "127.0.0.1"), Some((4, 4)));
    // The same over HTTP.
    let http = env
        .control(
            reqwest::Method::GET,
            "/__sim/credits",
            serde_json::Value::Null,
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&http.body).unwrap();
    assert!(
        json["buckets"].as_array().is_some_and(|b| b.len() == 4),
        "{json}"
    );
}

/// An uncertified client gets 25 credits a minute per organisation: the ninth write in a
/// minute is refused with 429, Retry-After and X-RateLimit-*, and is not processed; a naive
/// client that retries at once is refused again.
#[tokio::test]
async fn t05_uncertified_client_hits_429_and_is_not_processed() {
    let env = env().await;
    env.sim.set_certified(false);
    let invoice = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary");
    for _ in 0..8 {
        let ok = env.px_a(OFFICE_A1, &invoice).await;
        assert_eq!(ok.status, 200);
    }
    env.sim.core().clock.advance(Duration::from_secs(20));
    let refused = env.px_a(OFFICE_A1, &invoice).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after").as_deref(), Some("40"));
    assert_eq!(refused.header("x-ratelimit-limit").as_deref(), Some("25"));
    assert_eq!(
        refused.header("x-ratelimit-remaining").as_deref(),
        Some("1")
    );
    assert_eq!(
        env.sim.transactions(OFFICE_A1).len(),
        8,
        "the refused write did nothing"
    );
    let again = env.px_a(OFFICE_A1, &invoice).await;
    assert_eq!(again.status, 429, "retrying at once does not help");
    // A 1-credit read still fits.
    assert_eq!(env.px_a(OFFICE_A1, &read_customer()).await.status, 200);
    env.sim.core().clock.advance(Duration::from_secs(40));
    assert_eq!(env.px_a(OFFICE_A1, &invoice).await.status, 200);
    let report = env.sim.credits();
    assert_eq!(report.rejected_total, 2);
    let co = report
        .bucket("client_organisation", &format!("{CLIENT}|ORG-A"))
        .unwrap();
    assert_eq!((co.limit, co.total_charged, co.rejected), (25, 28, 2));
}

#[tokio::test]
async fn t05_paced_client_uses_96_percent_of_the_uncertified_budget_without_429() {
    let env = env().await;
    env.sim.set_certified(false);
    let invoice = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary");
    // 8 writes per 60 s = 24 of 25 credits, spread over four minutes.
    for i in 0..32 {
        if i > 0 {
            env.sim.core().clock.advance(Duration::from_millis(7_500));
        }
        let ans = env.px_a(OFFICE_A1, &invoice).await;
        assert_eq!(ans.status, 200, "no 429 when paced");
    }
    let report = env.sim.credits();
    assert_eq!(report.rejected_total, 0);
    let co = report
        .bucket("client_organisation", &format!("{CLIENT}|ORG-A"))
        .unwrap();
    assert_eq!(co.total_charged, 96);
    assert!(
        co.used * 100 >= co.limit * 90,
        "used {} of {}",
        co.used,
        co.limit
    );
}

#[tokio::test]
async fn t05_concurrency_cap_per_client_and_organisation() {
    let env = env().await;
    env.sim.set_rate_limits(RateLimitConfig {
        processing_delay_ms: 400,
        ..RateLimitConfig::default()
    });
    let payload = read_customer();
    let calls = (0..12).map(|_| env.px_a(OFFICE_A1, &payload));
    let answers = futures_util::future::join_all(calls).await;
    let refused = answers.iter().filter(|a| a.status == 429).count();
    assert!(
        refused >= 2,
        "12 concurrent calls, cap 10: {refused} refused"
    );
    assert!(answers
        .iter()
        .filter(|a| a.status == 429)
        .all(|a| a.header("retry-after").is_some()));
    assert!(env.sim.credits().rejected_concurrency >= 2);
    // With enforcement off nothing is refused, counters still run.
    let mut off = env.sim.rate_limits();
    off.enabled = false;
    env.sim.set_rate_limits(off);
    let calls = (0..12).map(|_| env.px_a(OFFICE_A1, &payload));
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.status == 200));
}

#[tokio::test]
async fn t05_limits_are_configurable_over_http() {
    let env = env().await;
    let r = env
        .control(
            reqwest::Method::PUT,
            "/__sim/limits",
            serde_json::json!({"certified": false, "window_secs": 10}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cfg: RateLimitConfig = serde_json::from_str(&r.body).unwrap();
    assert!(!cfg.certified);
    assert_eq!(cfg.window_secs, 10);
    assert_eq!(cfg.per_client_organisation, 500);
    for _ in 0..25 {
        assert_eq!(env.px_a(OFFICE_A1, &read_customer()).await.status, 200);
    }
    assert_eq!(env.px_a(OFFICE_A1, &read_customer()).await.status, 429);
    env.sim.core().clock.advance(Duration::from_secs(10));
    assert_eq!(env.px_a(OFFICE_A1, &read_customer()).await.status, 200);
}

fn batch(n: usize) -> String {
    let one = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary");
    format!("<transactions>{}</transactions>", one.repeat(n))
}

#[tokio::test]
async fn t06_more_than_25_children_fail_with_a_generic_error() {
    let env = env().await;
    let ans = env.px_a(OFFICE_A1, &batch(26)).await;
    assert_eq!(ans.status, 400);
    assert_eq!(ans.fault_code().as_deref(), Some("100"));
    assert!(ans.body.contains("An error occurred on the server"));
    assert!(
        env.sim.transactions(OFFICE_A1).is_empty(),
        "nothing written"
    );
    // 25 is fine, and the batch is one request of 3 credits.
    env.sim.reset_credits();
    let ok = env.px_a(OFFICE_A1, &batch(25)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.doc().attr("result"), Some("1"));
    assert_eq!(env.sim.transactions(OFFICE_A1).len(), 25);
    assert_eq!(ok.header("x-ratelimit-credited").as_deref(), Some("3"));
}

#[tokio::test]
async fn t06_more_than_1000_lines_fail_with_a_generic_error() {
    let env = env().await;
    let mut lines = String::from(
        "<line type=\"total\"><dim1>1300</dim1><dim2>1000</dim2><debitcredit>debit</debitcredit><value>1000.00</value></line>",
    );
    for _ in 0..1000 {
        lines.push_str("<line type=\"detail\"><dim1>8000</dim1><debitcredit>credit</debitcredit><value>1.00</value></line>");
    }
    let tx = format!(
        "<transaction destiny=\"temporary\"><header><office>{OFFICE_A1}</office><code>VRK</code><date>20240315</date></header><lines>{lines}</lines></transaction>"
    );
    let ans = env.px_a(OFFICE_A1, &tx).await;
    assert_eq!(ans.status, 400);
    assert_eq!(ans.fault_code().as_deref(), Some("100"));
    // 1000 lines exactly: 999 details of 1.00.
    let ok_tx = tx
        .replace("<value>1000.00</value>", "<value>999.00</value>")
        .replacen("<line type=\"detail\"><dim1>8000</dim1><debitcredit>credit</debitcredit><value>1.00</value></line>", "", 1);
    let ok = env.px_a(OFFICE_A1, &ok_tx).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.doc().attr("result"), Some("1"));
}

/// A batch where one child fails: root result="0", the others are booked with numbers, the
/// failed one echoes the input with its errors and no number. A naive client that reads only
/// the root flag thinks nothing was booked and posts everything again.
#[tokio::test]
async fn t06_partial_batch_books_the_good_children() {
    let env = env().await;
    let good = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary");
    let bad = sales_invoice(OFFICE_A1, "9999", "100.00", "121.00", "VH", "temporary");
    let doc = env
        .px_a(
            OFFICE_A1,
            &format!("<transactions>{good}{bad}{good}</transactions>"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    let children: Vec<_> = doc.children_named("transaction").collect();
    assert_eq!(children.len(), 3);
    assert_eq!(children[0].attr("result"), Some("1"));
    assert_eq!(children[2].attr("result"), Some("1"));
    assert_eq!(children[1].attr("result"), Some("0"));
    assert!(!number_of(children[0]).is_empty() && !number_of(children[2]).is_empty());
    assert!(
        number_of(children[1]).is_empty(),
        "a failed child has no number"
    );
    assert_ne!(number_of(children[0]), number_of(children[2]));
    let dim2 = children[1]
        .path(&["lines"])
        .and_then(|l| l.children_named("line").next())
        .and_then(|l| l.child("dim2"))
        .unwrap();
    assert_eq!(dim2.attr("msg"), Some("Dimensie 9999 bestaat niet."));
    assert_eq!(env.sim.transactions(OFFICE_A1).len(), 2);
}

/// Inconsistent VAT code and amounts (total 121.00 with a 9% code): result="0" and a message
/// that reads like a balance/schema problem, three parts joined by "//"; localised.
#[tokio::test]
async fn t07_vat_inconsistency_is_a_balance_error_joined_with_slashes() {
    let env = env().await;
    let doc = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VL", "final"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    assert_eq!(doc.attr("msgtype"), Some("error"));
    let msg = doc.attr("msg").unwrap_or_default().to_string();
    let parts: Vec<&str> = msg.split("//").collect();
    assert_eq!(parts.len(), 3, "{msg}");
    assert_eq!(
        parts[0],
        "De boeking is niet in balans. Er ontbreekt 12.00 credit."
    );
    assert!(parts[1].contains("basisvaluta") && parts[2].contains("rapportagevaluta"));
    // ORG-B's user reads English.
    let doc = env
        .px_b(
            OFFICE_B1,
            &sales_invoice(OFFICE_B1, "1000", "100.00", "130.00", "VH", "final"),
        )
        .await
        .doc();
    assert!(doc
        .attr("msg")
        .is_some_and(|m| m.starts_with("The booking is not balanced. There is no 9.00 credit.//")));
}

#[tokio::test]
async fn t07_errors_sit_on_the_failing_element_with_ancestors_marked() {
    let env = env().await;
    let tx = format!(
        "<transaction destiny=\"temporary\"><header><office>{OFFICE_A1}</office><code>MEMO</code><date>20240315</date></header><lines><line type=\"detail\"><dim2>1000</dim2><debitcredit>credit</debitcredit><value>10.00</value></line><line type=\"detail\"><dim1>4000</dim1><debitcredit>debit</debitcredit><value>10.00</value></line></lines></transaction>"
    );
    let doc = env.px_a(OFFICE_A1, &tx).await.doc();
    assert_eq!(doc.attr("result"), Some("0"));
    let lines = doc.child("lines").unwrap();
    assert_eq!(lines.attr("result"), Some("0"));
    let first = lines.children_named("line").next().unwrap();
    assert_eq!(first.attr("result"), Some("0"));
    let dim1 = first.child("dim1").expect("dim1 added to carry the error");
    assert_eq!(
        dim1.attr("msg"),
        Some("Dimensie 1 moet altijd worden ingevuld.//De dimensie 1 mag niet leeg zijn als dimensie 2 gevuld is.")
    );
    let second = lines.children_named("line").nth(1).unwrap();
    assert_eq!(second.attr("result"), None, "the good line is untouched");
}
