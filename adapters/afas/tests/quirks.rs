//! One test per AFAS quirk, over HTTP against the AFAS simulator. Each test name starts with the
//! quirk's catalog ID; the `*_without_defence_*` tests prove the switch (and the quirk) by showing
//! the corruption when the defence is off.

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use common::*;
use grootboek_afas::DocumentDate;
use grootboek_core::runtime::ManualClock;
use grootboek_core::{
    Dimension, DimensionKind, DimensionPatch, Dimensions, ErrorKind, Invoices, Ledger, Patch,
    WriteOutcome,
};
use grootboek_sim::afas::BulkOpenItems;
use rust_decimal_macros::dec;

// ---------- Q02: ICP line without VAT code ----------

#[tokio::test]
async fn q02_icp_invoice_without_vat_code_is_refused_before_the_wire() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    // 10002 is in Belgium; the administration is Dutch: 0% without a code is an ICP line.
    let inv = invoice(
        "ICP-1",
        "10002",
        vec![line("8000", dec!(14200), None, dec!(0))],
    );
    let err = l.create_invoice(&inv).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
    assert!(err.message().contains("Opgaaf ICP"), "{err}");
    assert_eq!(err.outcome(), WriteOutcome::NotApplied);
    assert!(
        requests(&sim, "POST", "FiEntries").is_empty(),
        "nothing reaches AFAS"
    );
}

#[tokio::test]
async fn q02_icp_invoice_with_its_code_round_trips_with_the_code() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    let inv = invoice(
        "ICP-2",
        "10002",
        vec![line("8000", dec!(14200), Some("4"), dec!(0))],
    );
    let posted = l
        .create_invoice(&inv)
        .await
        .expect("ICP invoice with code posts");
    assert_eq!(posted.document.lines[0].vat_code.as_deref(), Some("4"));
    let key: u64 = posted.id.key.parse().expect("numeric EnNo");
    let entry = sim.entry(1, key).expect("entry stored");
    let revenue = entry
        .lines
        .iter()
        .find(|l| l.account_no == "8000")
        .expect("revenue line");
    assert_eq!(revenue.vat_code.as_deref(), Some("4"));
    // The read-back assert sees the code: a second read returns it too.
    let again = l.get_invoice(&posted.id).await.expect("read");
    assert_eq!(again.document.lines[0].vat_code.as_deref(), Some("4"));
}

#[tokio::test]
async fn q02_without_defence_the_codeless_icp_line_is_booked_without_code() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| c.with_defences(without(&["Q02"]))).await;
    let inv = invoice(
        "ICP-3",
        "10002",
        vec![line("8000", dec!(14200), None, dec!(0))],
    );
    let posted = l
        .create_invoice(&inv)
        .await
        .expect("no client-side refusal without Q02");
    let entry = sim
        .entry(1, posted.id.key.parse().expect("EnNo"))
        .expect("entry");
    assert!(
        entry.lines.iter().all(|l| l.vat_code.is_none()),
        "booked with no VAT code: never on the Opgaaf ICP"
    );
}

// ---------- Q05: skip past 10,000 is an empty page ----------

fn seed_25000(sim: &grootboek_sim::afas::AfasSim) -> BTreeSet<(String, String)> {
    let added = sim.seed_open_items(
        25_000,
        BulkOpenItems {
            invoice_prefix: "BLK".into(),
            ..Default::default()
        },
    );
    assert_eq!(added, 25_000);
    sim.open_items()
        .into_iter()
        .filter(|o| o.unit_id == 1 && !o.open_amount.is_zero())
        .map(|o| (o.debtor_id, o.invoice_nr))
        .collect()
}

#[tokio::test]
async fn q05_listing_25000_open_items_returns_each_exactly_once() {
    let sim = sim().await;
    let expected = seed_25000(&sim);
    assert!(expected.len() >= 25_000);
    let l = ledger(&sim).await;
    l.reset_request_count();
    let started = Instant::now();
    let items = l.all_open_items("1").await.expect("listing");
    let elapsed = started.elapsed();
    let requests = l.request_count();
    let got: Vec<(String, String)> = items
        .iter()
        .map(|o| (o.relation.clone(), o.reference.clone()))
        .collect();
    let unique: BTreeSet<_> = got.iter().cloned().collect();
    assert_eq!(
        got.len(),
        expected.len(),
        "each item once: no duplicates, none lost"
    );
    assert_eq!(unique, expected);
    let sim_requests = sim.request_count("Profit_Debtor_Invoices");
    assert_eq!(
        sim_requests, requests,
        "the adapter's counter matches the simulator's"
    );
    // No request ever skipped deep.
    for r in requests_of(&sim) {
        let skip = r
            .split('&')
            .find_map(|p| p.strip_prefix("skip="))
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        assert!(skip < 10_000, "skip {skip} in {r}");
    }
    println!(
        "Q05: listed {} open items in {:?} with {} GetConnector requests (page size 1000)",
        items.len(),
        elapsed,
        requests
    );
}

fn requests_of(sim: &grootboek_sim::afas::AfasSim) -> Vec<String> {
    requests(sim, "GET", "Profit_Debtor_Invoices")
        .into_iter()
        .filter_map(|r| r.query)
        .collect()
}

#[tokio::test]
async fn q05_without_defence_naive_paging_silently_stops_at_10000() {
    let sim = sim().await;
    let expected = seed_25000(&sim);
    let l = ledger_with(&sim, |c| c.with_defences(without(&["Q05"]))).await;
    let items = l
        .all_open_items("1")
        .await
        .expect("listing ends without error");
    assert_eq!(
        items.len(),
        10_000,
        "the tail past skip 10,000 is lost without a word"
    );
    assert!(items.len() < expected.len());
}

#[tokio::test]
async fn q05_key_windows_page_a_small_listing_with_tiny_skips() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| c.with_page_size(2)).await;
    let items = l.all_open_items("1").await.expect("listing");
    let expected = sim
        .open_items()
        .into_iter()
        .filter(|o| o.unit_id == 1 && !o.open_amount.is_zero())
        .count();
    assert_eq!(items.len(), expected);
    insta::assert_json_snapshot!("q05_window_queries", requests_of(&sim));
}

// ---------- Q09: "" leaves unchanged, only null clears ----------

async fn customer_with_email(l: &grootboek_afas::AfasLedger, code: &str) -> Dimension {
    let mut d = Dimension::customer(code, "Klant Q09", "NL".parse().expect("iso"));
    d.email = Some("facturen@klant.nl".into());
    d.coc_number = Some("12345678".into());
    d.vat_number = Some("NL001234567B02".into());
    l.create_dimension("1", &d).await.expect("create")
}

fn clear_email() -> DimensionPatch {
    DimensionPatch {
        email: Patch::Clear,
        vat_number: Patch::Clear,
        ..Default::default()
    }
}

#[tokio::test]
async fn q09_clearing_a_debtor_field_sends_null_and_really_clears() {
    for documented in [false, true] {
        let sim = sim().await;
        // Off = AFAS's documented behaviour ("" clears too): the defence must work under both.
        sim.core().switches.set("Q09", !documented);
        let l = ledger(&sim).await;
        customer_with_email(&l, "30001").await;
        let after = l
            .update_dimension("1", DimensionKind::Customer, "30001", &clear_email())
            .await
            .expect("update");
        assert_eq!(after.email, None);
        assert_eq!(after.vat_number, None);
        assert_eq!(
            after.coc_number.as_deref(),
            Some("12345678"),
            "unrelated field untouched"
        );
        assert_eq!(after.name, "Klant Q09");
        let stored = sim.debtor("30001").expect("stored");
        assert_eq!((stored.email, stored.vat_number), (None, None));
        let put = bodies(&sim, "PUT", "KnSalesRelationOrg");
        let text = serde_json::to_string(&put).unwrap_or_default();
        assert!(!text.contains("\"\""), "never an empty string: {text}");
        if !documented {
            insta::assert_json_snapshot!("q09_patch_put_body", put);
        }
    }
}

#[tokio::test]
async fn q09_without_defence_clear_is_sent_as_empty_string_and_nothing_clears() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| c.with_defences(without(&["Q09"]))).await;
    customer_with_email(&l, "30002").await;
    let err = l
        .update_dimension("1", DimensionKind::Customer, "30002", &clear_email())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::VerificationFailed { .. }),
        "{err}"
    );
    assert_eq!(
        sim.debtor("30002").and_then(|d| d.email).as_deref(),
        Some("facturen@klant.nl"),
        "AFAS left it unchanged"
    );
}

// ---------- Q10: the balance endpoint rounds ----------

#[tokio::test]
async fn q10_customer_balance_is_summed_from_open_items_to_the_cent() {
    let sim = sim().await;
    // Profit 6 style decimals, so that the `-.5` below is read from its legacy text.
    sim.set_legacy_decimals(true);
    let l = ledger(&sim).await;
    assert_eq!(
        l.customer_balance("1", "10001")
            .await
            .expect("balance")
            .amount,
        dec!(1234.56)
    );
    // A legacy `-.5` decimal is read exactly.
    assert_eq!(
        l.customer_balance("1", "10002")
            .await
            .expect("balance")
            .amount,
        dec!(-0.5)
    );
    assert!(requests(&sim, "GET", "Profit_Debtor_Balance").is_empty());
}

#[tokio::test]
async fn q10_without_defence_the_rounded_endpoint_loses_the_cents() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| c.with_defences(without(&["Q10"]))).await;
    assert_eq!(
        l.customer_balance("1", "10001")
            .await
            .expect("balance")
            .amount,
        dec!(1235)
    );
}

// ---------- Q14: dates are Amsterdam civil dates ----------

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

async fn book_at(
    sim: &grootboek_sim::afas::AfasSim,
    instant: DateTime<Utc>,
    q14: bool,
    reference: &str,
) -> (String, String) {
    let clock = Arc::new(ManualClock::new(instant));
    let l = ledger_with(sim, |c| {
        let c = c
            .with_document_date(DocumentDate::WriteInstant)
            .with_clock(clock);
        if q14 {
            c
        } else {
            c.with_defences(without(&["Q14"]))
        }
    })
    .await;
    let mut inv = invoice(
        reference,
        "10001",
        vec![line("8000", dec!(100), Some("1"), dec!(21))],
    );
    inv.document_mut().due_date = None;
    let posted = l.create_invoice(&inv).await.expect("post");
    let entry = sim
        .entry(1, posted.id.key.parse().expect("EnNo"))
        .expect("entry");
    (
        posted.document.date.to_string(),
        entry.lines[0].entry_date.to_string(),
    )
}

#[tokio::test]
async fn q14_invoice_written_late_evening_is_booked_on_the_amsterdam_date() {
    let sim = sim().await;
    // (instant, Amsterdam civil date): 23:30 and 00:30 local, winter and summer, both sides of
    // the 2026 DST changes (29 March, 25 October).
    let cases = [
        ("2026-03-28T22:30:00Z", "2026-03-28"), // Sat 23:30 CET
        ("2026-03-28T23:30:00Z", "2026-03-29"), // Sun 00:30 CET
        ("2026-03-29T21:30:00Z", "2026-03-29"), // Sun 23:30 CEST
        ("2026-03-29T22:30:00Z", "2026-03-30"), // Mon 00:30 CEST
        ("2026-10-24T21:30:00Z", "2026-10-24"), // Sat 23:30 CEST
        ("2026-10-25T22:30:00Z", "2026-10-25"), // Sun 23:30 CET
        ("2026-10-25T23:30:00Z", "2026-10-26"), // Mon 00:30 CET
    ];
    for (i, (instant, local)) in cases.iter().enumerate() {
        let (doc_date, booked) = book_at(&sim, at(instant), true, &format!("Q14-{i}")).await;
        assert_eq!(
            (doc_date.as_str(), booked.as_str()),
            (*local, *local),
            "{instant}"
        );
    }
    // Outgoing dates are plain YYYY-MM-DD.
    for body in bodies(&sim, "POST", "FiEntries") {
        let text = body.to_string();
        assert!(!text.contains("T00:") && !text.contains('Z'), "{text}");
    }
}

#[tokio::test]
async fn q14_without_defence_a_write_just_after_local_midnight_lands_on_the_utc_day() {
    let sim = sim().await;
    let (_, booked) = book_at(&sim, at("2026-03-28T23:30:00Z"), false, "Q14-naive").await;
    assert_eq!(
        booked, "2026-03-28",
        "00:30 on the 29th in Amsterdam booked on the 28th"
    );
}

// ---------- Q15 / P5: create must not overwrite ----------

#[tokio::test]
async fn q15_creating_a_customer_with_a_taken_code_is_refused_and_the_existing_one_unchanged() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    let before = sim.debtor("10001").expect("demo debtor");
    let err = l
        .create_dimension(
            "1",
            &Dimension::customer("10001", "Overschreven BV", "NL".parse().expect("iso")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::AlreadyExists, "{err}");
    assert!(requests(&sim, "POST", "KnSalesRelationOrg").is_empty());
    assert_eq!(sim.debtor("10001"), Some(before));
    // Overwriting is explicit.
    let up = l
        .upsert_dimension(
            "1",
            &Dimension::customer(
                "10001",
                "Bewust Overschreven BV",
                "NL".parse().expect("iso"),
            ),
        )
        .await
        .expect("upsert");
    assert_eq!(up.name, "Bewust Overschreven BV");
    insta::assert_json_snapshot!(
        "q15_upsert_put_body",
        bodies(&sim, "PUT", "KnSalesRelationOrg")
    );
}

#[tokio::test]
async fn q15_without_defence_create_posts_blindly() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| c.with_defences(without(&["Q15"]))).await;
    let refused = l
        .create_dimension(
            "1",
            &Dimension::customer("10001", "Overschreven BV", "NL".parse().expect("iso")),
        )
        .await
        .unwrap_err();
    assert_eq!(
        requests(&sim, "POST", "KnSalesRelationOrg").len(),
        1,
        "the create went to AFAS without a read first"
    );
    // AFAS refuses the taken number itself: the adapter reports it as AlreadyExists (R03).
    assert_eq!(refused.kind(), &ErrorKind::AlreadyExists, "{refused}");
}
