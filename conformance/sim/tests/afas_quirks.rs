//! The AFAS quirks, each shown with a naive raw-HTTP client (switch on: the corruption happens)
//! and with the switch off (it does not).
#![cfg(feature = "afas")]

mod afas_support;

use std::collections::HashSet;
use std::str::FromStr;

use afas_support::{assert_afas_error, Harness};
use chrono::NaiveDate;
use grootboek_sim::afas::{AfasSeed, BulkOpenItems, Debtor, Unit};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// An ICP sale to Brussels (debtor 10002, AFAS country `B`) whose revenue line has VAT
/// percentage 0 and an empty VAT code, as a naive client sends it.
fn icp_entry(vat_code: &str) -> String {
    format!(
        r#"{{"FiEntryPar":{{"Element":{{"Fields":{{"Year":"2026","Peri":"3","UnId":"1","JoCo":"10"}},"Objects":{{"FiEntries":{{"Element":[
        {{"Fields":{{"VaAs":"2","AcNr":"10002","EnDa":"2026-03-10","BpDa":"2026-03-10","InId":"ICP0001","AmDe":"14200.00","AmCr":"0"}}}},
        {{"Fields":{{"VaAs":"1","AcNr":"8100","EnDa":"2026-03-10","BpDa":"2026-03-10","AmDe":"0","AmCr":"14200.00","VaPe":"0","VaId":"{vat_code}"}}}}]}}}}}}}}}}"#
    )
}

async fn transaction_lines(h: &Harness, entry_no: &str) -> Vec<Value> {
    h.get(&format!(
        "/connectors/Profit_Transactions?filterfieldids=EntryNo&filtervalues={entry_no}&operatortypes=1&orderbyfieldids=SeqNo"
    ))
    .await
    .rows()
}

#[tokio::test]
async fn q02_icp_line_without_vat_code_is_booked_without_code() {
    let h = Harness::start().await;
    let r = h.post("/connectors/FiEntries", &icp_entry("")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let en_no = r.lenient()["results"]["FiEntryPar"]["EnNo"]
        .as_str()
        .expect("EnNo")
        .to_string();
    // The corruption: the revenue line was accepted and has no VAT code at all.
    let lines = transaction_lines(&h, &en_no).await;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["AccountNo"], "8100");
    assert_eq!(lines[1]["VatCode"], Value::Null);
    let stored = h
        .sim
        .entry(1, en_no.parse().expect("number"))
        .expect("stored");
    assert_eq!(stored.lines[1].vat_code, None);
}

#[tokio::test]
async fn q02_missing_code_is_booked_too_and_explicit_code_round_trips() {
    let h = Harness::start().await;
    let body = icp_entry("").replace(r#","VaId":"""#, "");
    assert!(!body.contains("VaId"));
    let r = h.post("/connectors/FiEntries", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let with_code = icp_entry("4").replace("ICP0001", "ICP0002");
    let r = h.post("/connectors/FiEntries", &with_code).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let en_no = r.lenient()["results"]["FiEntryPar"]["EnNo"]
        .as_str()
        .expect("EnNo")
        .to_string();
    assert_eq!(transaction_lines(&h, &en_no).await[1]["VatCode"], "4");
}

#[tokio::test]
async fn q02_switch_off_refuses_the_line_with_the_afas_error() {
    let h = Harness::start().await;
    h.switch("Q02", false).await;
    let r = h.post("/connectors/FiEntries", &icp_entry("")).await;
    assert_afas_error(&r, 500, "VAT code is mandatory");
    assert!(h.sim.entries().is_empty(), "nothing was stored");
    assert!(h.sim.open_item(1, "ICP0001").is_none());
    // With the ICP code it is accepted under the switch too.
    let r = h.post("/connectors/FiEntries", &icp_entry("4")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A domestic sale without VAT code is not an ICP line and is not refused.
    let domestic = icp_entry("")
        .replace("10002", "10001")
        .replace("ICP0001", "NL0001");
    let r = h.post("/connectors/FiEntries", &domestic).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn seed_25k(h: &Harness) {
    h.sim
        .seed(AfasSeed {
            replace: true,
            units: vec![Unit {
                unit_id: 1,
                name: "Bulk BV".into(),
                code: "BLK".into(),
                country: "NL".into(),
            }],
            debtors: (1..=50)
                .map(|i| Debtor {
                    debtor_id: format!("{}", 20000 + i),
                    name: Some(format!("Debiteur {i}")),
                    ..Debtor::default()
                })
                .collect(),
            ..AfasSeed::default()
        })
        .expect("seed");
    let n = h.sim.seed_open_items(25_000, BulkOpenItems::default());
    assert_eq!(n, 25_000);
}

/// A naive client pages with skip/take until it gets a short or empty page.
async fn naive_listing(h: &Harness) -> Vec<String> {
    let mut all = Vec::new();
    let mut skip = 0;
    loop {
        let r = h
            .get(&format!(
                "/connectors/Profit_Debtor_Invoices?skip={skip}&take=1000&orderbyfieldids=InvoiceNr"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = r.rows();
        all.extend(
            rows.iter()
                .map(|row| row["InvoiceNr"].as_str().expect("nr").to_string()),
        );
        if rows.len() < 1000 {
            return all;
        }
        skip += 1000;
    }
}

#[tokio::test]
async fn q05_naive_skip_paging_silently_stops_at_10000() {
    let h = Harness::start().await;
    seed_25k(&h).await;
    let got = naive_listing(&h).await;
    // The corruption: an ordinary empty page at skip 10,000, the tail is lost without error.
    assert_eq!(got.len(), 10_000);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?skip=10000&take=100&orderbyfieldids=InvoiceNr")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.lenient()["skip"], "10000");
    assert!(r.rows().is_empty());
}

#[tokio::test]
async fn q05_key_windows_list_all_25000_each_once() {
    let h = Harness::start().await;
    seed_25k(&h).await;
    let started = std::time::Instant::now();
    let mut seen = HashSet::new();
    let mut last: Option<String> = None;
    loop {
        let filter = match &last {
            Some(k) => format!("&filterfieldids=InvoiceNr&filtervalues={k}&operatortypes=4"),
            None => String::new(),
        };
        let r = h
            .get(&format!("/connectors/Profit_Debtor_Invoices?skip=0&take=1000&orderbyfieldids=InvoiceNr{filter}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = r.rows();
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let nr = row["InvoiceNr"].as_str().expect("nr").to_string();
            assert!(seen.insert(nr.clone()), "{nr} listed twice");
            last = Some(nr);
        }
    }
    assert_eq!(seen.len(), 25_000);
    assert!(
        started.elapsed().as_secs() < 30,
        "windowed listing too slow: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn q05_switch_off_deep_skips_work() {
    let h = Harness::start().await;
    seed_25k(&h).await;
    h.switch("Q05", false).await;
    let got = naive_listing(&h).await;
    assert_eq!(got.len(), 25_000);
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 25_000);
}

const CLEAR_EMAIL_BY_EMPTY: &str = r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"10001","Fields":{"PaCd":"14"},"Objects":{"KnOrganisation":{"Element":{"Fields":{"MatchOga":"0","EmAd":""}}}}}}}"#;
const CLEAR_EMAIL_BY_NULL: &str = r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"10001","Fields":{},"Objects":{"KnOrganisation":{"Element":{"Fields":{"MatchOga":"0","EmAd":null}}}}}}}"#;

async fn give_email(h: &Harness) {
    let r = h
        .put(
            "/connectors/KnSalesRelationOrg",
            r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"10001","Objects":{"KnOrganisation":{"Element":{"Fields":{"EmAd":"boekhouding@korenschoof.nl"}}}}}}}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        h.sim.debtor("10001").and_then(|d| d.email).as_deref(),
        Some("boekhouding@korenschoof.nl")
    );
}

async fn email_read_back(h: &Harness) -> Value {
    let r = h
        .get("/connectors/Profit_Debtor?filterfieldids=DebtorId&filtervalues=10001&operatortypes=1")
        .await;
    r.rows()[0]["Email"].clone()
}

#[tokio::test]
async fn q09_empty_string_leaves_the_field_unchanged() {
    let h = Harness::start().await;
    give_email(&h).await;
    let r = h
        .put("/connectors/KnSalesRelationOrg", CLEAR_EMAIL_BY_EMPTY)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The corruption: the naive "clear" did nothing (but the other field did change).
    assert_eq!(email_read_back(&h).await, "boekhouding@korenschoof.nl");
    let d = h.sim.debtor("10001").expect("debtor");
    assert_eq!(d.payment_condition.as_deref(), Some("14"));
    assert_eq!(d.name.as_deref(), Some("Bakkerij De Korenschoof"));
    // Only null clears.
    let r = h
        .put("/connectors/KnSalesRelationOrg", CLEAR_EMAIL_BY_NULL)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(email_read_back(&h).await, Value::Null);
    assert_eq!(
        h.sim.debtor("10001").and_then(|d| d.name).as_deref(),
        Some("Bakkerij De Korenschoof")
    );
}

#[tokio::test]
async fn q09_switch_off_empty_string_clears_as_documented() {
    let h = Harness::start().await;
    h.switch("Q09", false).await;
    give_email(&h).await;
    let r = h
        .put("/connectors/KnSalesRelationOrg", CLEAR_EMAIL_BY_EMPTY)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(email_read_back(&h).await, Value::Null);
    let d = h.sim.debtor("10001").expect("debtor");
    assert_eq!(d.payment_condition.as_deref(), Some("14"));
    assert_eq!(d.city.as_deref(), Some("Utrecht"));
    // null clears under both positions.
    give_email(&h).await;
    let r = h
        .put("/connectors/KnSalesRelationOrg", CLEAR_EMAIL_BY_NULL)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(email_read_back(&h).await, Value::Null);
}

async fn balance_of_10001(h: &Harness) -> Decimal {
    let r = h
        .get("/connectors/Profit_Debtor_Balance?filterfieldids=DebtorId&filtervalues=10001&operatortypes=1")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.rows();
    assert_eq!(rows.len(), 1);
    dec(rows[0]["Balance"].as_str().expect("balance text"))
}

async fn open_items_total_10001(h: &Harness) -> Decimal {
    h.get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId&filtervalues=10001&operatortypes=1")
        .await
        .rows()
        .iter()
        .map(|r| dec(r["Balance"].as_str().expect("balance")))
        .sum()
}

#[tokio::test]
async fn q10_balance_endpoint_rounds_to_whole_euros() {
    let h = Harness::start().await;
    // The ledger truth: 121.00 + 1113.56.
    assert_eq!(open_items_total_10001(&h).await, dec("1234.56"));
    // The corruption: the convenience endpoint says 1235.
    assert_eq!(balance_of_10001(&h).await, dec("1235"));
    assert_eq!(h.sim.debtor_balance(1, "10001"), dec("1234.56"));
}

#[tokio::test]
async fn q10_switch_off_balance_endpoint_is_exact() {
    let h = Harness::start().await;
    h.switch("Q10", false).await;
    assert_eq!(balance_of_10001(&h).await, dec("1234.56"));
}

/// A sales entry whose dates are an instant sent as UTC.
fn dated_entry(invoice: &str, when: &str) -> String {
    format!(
        r#"{{"FiEntryPar":{{"Element":{{"Fields":{{"UnId":1,"JoCo":"10"}},"Objects":[{{"FiEntries":{{"Element":[
        {{"Fields":{{"VaAs":"2","AcNr":"10001","EnDa":"{when}","BpDa":"{when}","InId":"{invoice}","AmDe":121,"AmCr":0}}}},
        {{"Fields":{{"VaAs":"1","AcNr":"8000","EnDa":"{when}","BpDa":"{when}","AmDe":0,"AmCr":100,"VaId":"1"}}}},
        {{"Fields":{{"VaAs":"1","AcNr":"1510","EnDa":"{when}","BpDa":"{when}","AmDe":0,"AmCr":21,"VaId":"1"}}}}]}}}}]}}}}}}"#
    )
}

async fn booked_date(h: &Harness, invoice: &str, when: &str) -> (NaiveDate, String, String) {
    let r = h
        .post("/connectors/FiEntries", &dated_entry(invoice, when))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let en_no = r.lenient()["results"]["FiEntryPar"]["EnNo"]
        .as_str()
        .expect("EnNo")
        .to_string();
    let stored = h.sim.entry(1, en_no.parse().expect("n")).expect("entry");
    let lines = transaction_lines(h, &en_no).await;
    let item = h
        .get(&format!("/connectors/Profit_Debtor_Invoices?filterfieldids=InvoiceNr&filtervalues={invoice}&operatortypes=1"))
        .await
        .rows();
    (
        stored.lines[0].entry_date,
        lines[0]["EntryDate"]
            .as_str()
            .expect("EntryDate")
            .to_string(),
        item[0]["NookPieceDate"].as_str().expect("date").to_string(),
    )
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[tokio::test]
async fn q14_utc_instant_is_booked_on_the_wrong_day() {
    let h = Harness::start().await;
    // 00:30 on Sunday 29 March 2026 in Amsterdam (still CET) is 23:30 UTC on the 28th.
    let (stored, entry_date, voucher) = booked_date(&h, "Q14WINTER", "2026-03-28T23:30:00Z").await;
    assert_eq!(
        stored,
        date("2026-03-28"),
        "booked on the UTC date part, a day early"
    );
    assert_eq!(entry_date, "2026-03-28T00:00:00Z");
    assert_eq!(voucher, "2026-03-28T00:00:00Z");
    // Summer time: 00:30 on 1 July (CEST) is 22:30 UTC on 30 June: lands in the previous month.
    let (stored, entry_date, _) = booked_date(&h, "Q14SUMMER", "2026-06-30T22:30:00+00:00").await;
    assert_eq!(stored, date("2026-06-30"));
    assert_eq!(entry_date, "2026-06-30T00:00:00Z");
    // The plain local date, as the defence sends it, is right.
    let (stored, _, _) = booked_date(&h, "Q14PLAIN", "2026-03-29").await;
    assert_eq!(stored, date("2026-03-29"));
}

#[tokio::test]
async fn q14_switch_off_converts_the_instant_to_the_amsterdam_date() {
    let h = Harness::start().await;
    h.switch("Q14", false).await;
    let (stored, entry_date, voucher) = booked_date(&h, "Q14WINTER", "2026-03-28T23:30:00Z").await;
    assert_eq!(stored, date("2026-03-29"));
    assert_eq!(entry_date, "2026-03-29T00:00:00Z");
    assert_eq!(voucher, "2026-03-29T00:00:00Z");
    let (stored, _, _) = booked_date(&h, "Q14SUMMER", "2026-06-30T22:30:00+00:00").await;
    assert_eq!(stored, date("2026-07-01"));
    // 23:30 Amsterdam written with its own offset stays on its date.
    let (stored, _, _) = booked_date(&h, "Q14LOCAL", "2026-03-28T23:30:00+01:00").await;
    assert_eq!(stored, date("2026-03-28"));
}
