//! The adapter's wire behaviour against the AFAS simulator: request bodies (insta snapshots),
//! errors, retry, uncertain writes, the concurrency cap, country codes, decimals and secrets.

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::time::Duration;

use common::*;
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::{
    CreditNote, CreditNotes, Dimension, DimensionKind, Dimensions, DocumentKind, ErrorKind,
    Invoices, Ledger, WriteOutcome,
};
use grootboek_sim::afas::Load;
use grootboek_sim::common::{Fault, FaultRule, FaultSpec};
use rust_decimal_macros::dec;

#[tokio::test]
async fn invoice_and_credit_note_bodies_are_fientries_with_the_receivable_on_the_right_side() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    let inv = invoice(
        "F-2026-001",
        "10001",
        vec![
            line("8000", dec!(100), Some("1"), dec!(21)),
            line("8100", dec!(50), Some("2"), dec!(9)),
        ],
    )
    .with_description("Levering maart");
    let posted = l.create_invoice(&inv).await.expect("invoice");
    assert_eq!(posted.document.kind, DocumentKind::Invoice);
    let mut cn = CreditNote::new("1", "10", "10001", "C-2026-001", date(2026, 3, 3));
    cn = cn.with_line(line("8000", dec!(40), Some("1"), dec!(21)));
    let posted_cn = l.create_credit_note(&cn).await.expect("credit note");
    assert_eq!(posted_cn.document.kind, DocumentKind::CreditNote);
    let entry = sim
        .entry(1, posted_cn.id.key.parse().expect("EnNo"))
        .expect("entry");
    let debtor_line = entry
        .lines
        .iter()
        .find(|l| l.debtor_id.is_some())
        .expect("debtor line");
    assert_eq!(
        (debtor_line.debit, debtor_line.credit),
        (dec!(0), dec!(48.40))
    );
    // Found by reference, each with its own kind.
    assert_eq!(
        l.find_invoices("1", "F-2026-001")
            .await
            .expect("find")
            .len(),
        1
    );
    assert_eq!(
        l.find_credit_notes("1", "C-2026-001")
            .await
            .expect("find")
            .len(),
        1
    );
    assert!(
        l.get_credit_note(&posted.id).await.is_err(),
        "an invoice is not a credit note"
    );
    insta::assert_json_snapshot!(
        "fientries_invoice_and_credit_note_bodies",
        bodies(&sim, "POST", "FiEntries")
    );
}

#[tokio::test]
async fn debtor_create_body_and_afas_country_codes_round_trip() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    for (code, iso, afas) in [
        ("40001", "BE", "B"),
        ("40002", "DE", "D"),
        ("40003", "US", "USA"),
        ("40004", "IE", "IRL"),
        ("40005", "NL", "NL"),
    ] {
        let mut d = Dimension::customer(code, format!("Klant {iso}"), iso.parse().expect("iso"));
        d.vat_number = Some(format!("{iso}0000000001"));
        let back = l.create_dimension("1", &d).await.expect("create");
        assert_eq!(back.country.map(|c| c.to_string()).as_deref(), Some(iso));
        assert_eq!(
            sim.debtor(code).and_then(|d| d.country).as_deref(),
            Some(afas)
        );
        assert_eq!(
            l.get_dimension("1", DimensionKind::Customer, code)
                .await
                .expect("get")
                .country,
            d.country
        );
    }
    let first = bodies(&sim, "POST", "KnSalesRelationOrg")
        .into_iter()
        .next();
    insta::assert_json_snapshot!("kn_sales_relation_org_create_body", first);
}

#[tokio::test]
async fn reference_data_reads_and_legacy_decimals() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    let admins = l.administrations().await.expect("administrations");
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].code, "1");
    let journals = l.all_journals("1").await.expect("journals");
    assert!(journals
        .iter()
        .any(|j| j.code == "10" && j.kind == grootboek_core::JournalKind::Sales));
    let vat = l.vat_codes("1").await.expect("vat");
    assert!(vat
        .iter()
        .any(|v| v.code == "4" && v.kind == grootboek_core::VatKind::IntraCommunity));
    let accounts = l
        .all_dimensions("1", DimensionKind::ProfitAndLossAccount)
        .await
        .expect("accounts");
    assert!(accounts.iter().any(|a| a.code == "8000"));
    let customers = l
        .all_dimensions("1", DimensionKind::Customer)
        .await
        .expect("customers");
    assert!(customers
        .iter()
        .any(|c| c.code == "10002" && c.country.map(|c| c.to_string()).as_deref() == Some("BE")));
    for legacy in [true, false] {
        sim.set_legacy_decimals(legacy);
        let items = l.all_open_items("1").await.expect("open items");
        let credit = items
            .iter()
            .find(|o| o.relation == "10002")
            .expect("the -.5 item");
        assert_eq!(credit.open_amount.amount, dec!(-0.5), "legacy = {legacy}");
    }
}

#[tokio::test]
async fn afas_errors_keep_external_message_error_number_and_log_reference() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    // An account AFAS does not have: AFAS refuses the entry with its own error.
    let inv = invoice(
        "ERR-1",
        "10001",
        vec![line("9999", dec!(100), Some("1"), dec!(21))],
    );
    let err = l.create_invoice(&inv).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
    assert_eq!(err.outcome(), WriteOutcome::NotApplied);
    let ve = err.vendor_error().expect("vendor error kept");
    assert!(
        ve.message.as_deref().is_some_and(|m| !m.is_empty()),
        "{ve:?}"
    );
    assert!(
        ve.code.as_deref().is_some_and(|c| c.starts_with('-')),
        "errorNumber: {ve:?}"
    );
    assert!(
        ve.reference.as_deref().is_some_and(|r| r.len() == 32),
        "profitLogReference: {ve:?}"
    );
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    sim.core().faults.push(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("Profit_Journals".into()),
        times: Some(1),
        fault: Fault::Status {
            status: 503,
            retry_after_secs: Some(1),
        },
    });
    let journals = l.all_journals("1").await.expect("retried after the 503");
    assert_eq!(journals.len(), 3);
    let statuses: Vec<u16> = requests(&sim, "GET", "Profit_Journals")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.first(), Some(&503));
    assert!(statuses.iter().skip(1).all(|s| *s == 200), "{statuses:?}");
}

#[tokio::test]
async fn a_503_asking_for_longer_than_the_policy_allows_is_returned_with_retry_after() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    sim.set_load(Load {
        background_calls: 8,
        retry_after_secs: 7200,
        processing_delay_ms: 0,
    });
    let err = l.all_journals("1").await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7200)), "{err}");
    assert!(err.is_retryable());
    assert_eq!(
        requests(&sim, "GET", "Profit_Journals").len(),
        1,
        "not waited for two hours"
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_write_is_uncertain_and_resolved_by_looking_the_entry_up() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    sim.core().faults.push(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("FiEntries".into()),
        times: Some(1),
        fault: Fault::DropResponse,
    });
    let inv = invoice(
        "LOST-1",
        "10001",
        vec![line("8000", dec!(100), Some("1"), dec!(21))],
    );
    let posted = l
        .create_invoice(&inv)
        .await
        .expect("resolved: the write had landed");
    assert_eq!(
        requests(&sim, "POST", "FiEntries").len(),
        1,
        "never posted twice"
    );
    let booked: Vec<_> = sim
        .entries()
        .into_iter()
        .filter(|e| {
            e.lines
                .iter()
                .any(|l| l.invoice_id.as_deref() == Some("LOST-1"))
        })
        .collect();
    assert_eq!(booked.len(), 1);
    assert_eq!(posted.id.key, booked[0].entry_no.to_string());
}

#[tokio::test]
async fn a_lost_write_with_retries_off_is_resolved_by_its_invoice_number() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| {
        c.with_retry(RetryPolicy::default().with_max_attempts(1))
    })
    .await;
    sim.core().faults.push(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("FiEntries".into()),
        times: Some(1),
        fault: Fault::DropResponse,
    });
    let inv = invoice(
        "LOST-3",
        "10001",
        vec![line("8000", dec!(100), Some("1"), dec!(21))],
    );
    // R01: the look-up by invoice number finds the entry that landed; nothing is sent again.
    let posted = l.create_invoice(&inv).await.unwrap();
    let booked = sim
        .entries()
        .into_iter()
        .filter(|e| {
            e.lines
                .iter()
                .any(|l| l.invoice_id.as_deref() == Some("LOST-3"))
        })
        .count();
    assert_eq!(booked, 1);
    assert_eq!(requests(&sim, "POST", "FiEntries").len(), 1);
    assert_eq!(posted.document.reference, "LOST-3");
}

#[tokio::test]
async fn a_lost_write_whose_look_up_fails_is_reported_uncertain() {
    let sim = sim().await;
    let l = ledger_with(&sim, |c| {
        c.with_retry(RetryPolicy::default().with_max_attempts(1))
    })
    .await;
    sim.core().faults.push(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("FiEntries".into()),
        times: Some(1),
        fault: Fault::DropResponse,
    });
    // The look-up before the write goes through; the one after it fails.
    sim.core().faults.push(
        FaultSpec::new(Fault::before_handling(500))
            .method("GET")
            .path_contains("Profit_Transactions")
            .skip(1),
    );
    let inv = invoice(
        "LOST-2",
        "10001",
        vec![line("8000", dec!(100), Some("1"), dec!(21))],
    );
    let err = l.create_invoice(&inv).await.unwrap_err();
    assert_eq!(err.outcome(), WriteOutcome::Uncertain, "{err}");
    assert_eq!(
        requests(&sim, "POST", "FiEntries").len(),
        1,
        "no second post on a guess"
    );
}

#[tokio::test]
async fn never_more_than_8_calls_in_flight() {
    let sim = sim().await;
    sim.set_load(Load {
        background_calls: 0,
        retry_after_secs: 1,
        processing_delay_ms: 30,
    });
    let l = ledger_with(&sim, |c| {
        c.with_retry(RetryPolicy::default().with_max_attempts(1))
    })
    .await;
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let l = l.clone();
        tasks.push(tokio::spawn(
            async move { l.list_journals("1", None).await },
        ));
    }
    for t in tasks {
        t.await
            .expect("task")
            .expect("no 503: the budget kept us at 8");
    }
    assert!(requests(&sim, "GET", "Profit_Journals")
        .iter()
        .all(|r| r.status == 200));
    assert_eq!(l.capabilities().max_concurrent_requests, Some(8));
    assert!(!l.capabilities().webhooks && !l.capabilities().oauth_refresh);
}

#[tokio::test]
async fn a_bad_token_is_unauthenticated_and_never_shown() {
    let sim = sim().await;
    let secret = "0123456789ABCDEF0123456789ABCDEF";
    let l = grootboek_afas::connect(
        grootboek_afas::AfasConfig::new(secret)
            .with_base_url(&sim.base_url())
            .expect("url"),
    )
    .await
    .expect("connect");
    let err = l.administrations().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthenticated, "{err}");
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{l:?}"),
        format!("{:?}", l.config()),
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn credit_note_naming_an_invoice_is_unsupported_and_updates_are_unsupported() {
    let sim = sim().await;
    let l = ledger(&sim).await;
    let inv = invoice(
        "F-LINK",
        "10001",
        vec![line("8000", dec!(100), Some("1"), dec!(21))],
    );
    let posted = l.create_invoice(&inv).await.expect("invoice");
    let cn = CreditNote::new("1", "10", "10001", "C-LINK", date(2026, 3, 3))
        .with_line(line("8000", dec!(100), Some("1"), dec!(21)))
        .crediting(posted.id.clone());
    assert_eq!(
        l.create_credit_note(&cn).await.unwrap_err().kind(),
        &ErrorKind::Unsupported
    );
    let err = l
        .update_invoice(&posted.id, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    assert!(!l.capabilities().document_update && !l.capabilities().credit_note_links_invoice);
}
