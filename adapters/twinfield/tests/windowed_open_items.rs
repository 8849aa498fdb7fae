//! T12 / issue 15: an office whose open-items browse is larger than the response cap is listed
//! by book year, newest first, a year too large for one answer in halves of its periods — every
//! open item exactly once, none lost to the cap.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::*;
use grootboek_core::page::collect_all;
use grootboek_core::runtime::RuntimeConfig;
use grootboek_core::{Ledger, OpenItem};
use rust_decimal_macros::dec;

/// Invoices over eight book years (2019–2026), most of them in 2024.
fn spread_invoices() -> Vec<grootboek_core::SalesDocument> {
    let mut docs = Vec::new();
    for year in 2019..=2026 {
        let count = if year == 2024 { 40 } else { 4 };
        for i in 0..count {
            let mut d = invoice(
                OFFICE,
                if i % 2 == 0 { "1000" } else { "1001" },
                &format!("W{year}-{i:03}"),
                dec!(100) + rust_decimal::Decimal::from(i),
                Some("VH"),
                dec!(21),
            )
            .into_document();
            let month = 1 + (i % 12);
            d.date = NaiveDate::from_ymd_opt(year, month, 10).unwrap();
            d.due_date = None;
            docs.push(d);
        }
    }
    docs
}

fn by_entry(items: &[OpenItem]) -> BTreeMap<String, rust_decimal::Decimal> {
    items
        .iter()
        .map(|i| (format!("{:?}", i.entry), i.open_amount.amount))
        .collect()
}

#[tokio::test]
async fn a_listing_over_the_response_cap_is_read_by_book_year_and_loses_nothing() {
    let e = env().await;
    let docs = spread_invoices();
    let posted = e.ledger.post_documents(&docs).await;
    assert!(posted.iter().all(Result::is_ok), "{posted:?}");

    // The whole listing in one answer, with the default cap: the reference.
    let whole = e.ledger.list_open_items(OFFICE, None).await.unwrap();
    assert!(whole.next.is_none());
    assert_eq!(whole.items.len(), docs.len());

    // A cap that the whole listing and the busy year 2024 exceed, but a quiet year does not.
    let small =
        connect_with_tokens(&e.sim, config(&e.sim).with_max_response_bytes(24 * 1024)).await;
    let first = small.list_open_items(OFFICE, None).await.unwrap();
    assert!(first.next.is_some(), "the listing is windowed");
    let mut pages = 0;
    let windowed = collect_all(100, |cursor| {
        pages += 1;
        let small = &small;
        async move { small.list_open_items(OFFICE, cursor).await }
    })
    .await
    .unwrap();
    assert_eq!(
        windowed.len(),
        whole.items.len(),
        "every open item once ({pages} pages)"
    );
    assert_eq!(by_entry(&windowed), by_entry(&whole.items));
    // The same through the stream, one page held at a time.
    let streamed: Vec<OpenItem> =
        futures_util::TryStreamExt::try_collect(small.open_items_stream(OFFICE))
            .await
            .unwrap();
    assert_eq!(by_entry(&streamed), by_entry(&whole.items));
    assert_eq!(streamed.len(), whole.items.len());

    let browses: Vec<String> = process_xml_documents(&e.sim)
        .into_iter()
        .filter(|d| d.contains("fin.trs.head.yearperiod"))
        .collect();
    assert!(
        browses
            .iter()
            .any(|d| d.contains("<from>2024/28</from><to>2024/55</to>")),
        "2024 was read in halves"
    );
    assert!(
        browses
            .iter()
            .any(|d| d.contains("<from>2019/00</from><to>2019/55</to>")
                || d.contains("<from></from><to>2019/55</to>")
                || d.contains("<from></from><to>2020/55</to>")
                || d.contains("<from></from><to>2021/55</to>")),
        "the oldest years were reached"
    );
}

/// Issue 15's office: 35,000 open customer lines over five book years, whose one-answer browse
/// is larger than the default 32 MiB cap, lists every item with the default settings.
#[tokio::test]
async fn an_office_of_35000_lines_lists_every_open_item_with_the_default_cap() {
    use grootboek_sim::twinfield::{Transaction, TransactionLine, TwinfieldSeed};
    let e = env().await;
    let mut seed = TwinfieldSeed::default();
    for n in 0..35_000u32 {
        let year = 2022 + (n % 5) as i32;
        let month = 1 + (n / 5) % 12;
        let value = dec!(100) + rust_decimal::Decimal::from(n % 1000);
        seed.transactions.push(Transaction {
            office: OFFICE.into(),
            code: "VRK".into(),
            status: "final".into(),
            date: NaiveDate::from_ymd_opt(year, month, 1 + (n % 28)),
            currency: "EUR".into(),
            invoice_number: format!("BIG-{n:05}"),
            lines: vec![
                TransactionLine {
                    line_type: "total".into(),
                    dim1: "1300".into(),
                    dim2: if n % 2 == 0 { "1000" } else { "1001" }.into(),
                    debit_credit: "debit".into(),
                    value,
                    open_value: Some(value),
                    match_status: "available".into(),
                    ..Default::default()
                },
                TransactionLine {
                    line_type: "detail".into(),
                    dim1: "8020".into(),
                    debit_credit: "credit".into(),
                    value,
                    ..Default::default()
                },
            ],
            ..Default::default()
        });
    }
    e.sim.seed(seed).unwrap();
    let started = std::time::Instant::now();
    let items = e.ledger.all_open_items(OFFICE).await.unwrap();
    println!(
        "35,000 lines listed in {:.1?} ({} requests)",
        started.elapsed(),
        e.ledger.stats().requests
    );
    assert_eq!(items.len(), 35_000);
    assert!(
        process_xml_documents(&e.sim)
            .iter()
            .any(|d| d.contains("fin.trs.head.yearperiod")),
        "the one-answer browse was over the cap and the listing went by book year"
    );
    let total: rust_decimal::Decimal = items.iter().map(|i| i.open_amount.amount).sum();
    let expected: rust_decimal::Decimal = (0..35_000u32)
        .map(|n| dec!(100) + rust_decimal::Decimal::from(n % 1000))
        .sum();
    assert_eq!(total, expected);
}

/// T12: a browse of a large office that times out (here: the first eight browses answered after
/// the client's timeout) is read narrower instead of failing the listing, and nothing is lost.
#[tokio::test]
async fn browses_that_time_out_are_read_by_book_year() {
    use grootboek_sim::common::{Fault, FaultSpec};
    let e = env().await;
    let docs = spread_invoices();
    assert!(e
        .ledger
        .post_documents(&docs)
        .await
        .iter()
        .all(Result::is_ok));
    let whole = e.ledger.all_open_items(OFFICE).await.unwrap();
    let impatient = connect_with_tokens(
        &e.sim,
        config(&e.sim).with_timeout(std::time::Duration::from_millis(300)),
    )
    .await;
    e.sim.core().faults.push(
        FaultSpec::new(Fault::LatencyAfterCommit { ms: 700 })
            .root_element("columns")
            .times(8),
    );
    let listed = impatient.all_open_items(OFFICE).await.unwrap();
    e.sim.core().faults.clear();
    assert_eq!(by_entry(&listed), by_entry(&whole));
    assert!(
        process_xml_documents(&e.sim)
            .iter()
            .any(|d| d.contains("fin.trs.head.yearperiod")),
        "the listing went by book year"
    );
}
