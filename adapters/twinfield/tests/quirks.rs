//! One test per Twinfield quirk of the catalog, over HTTP against the Twinfield simulator.

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::time::Duration;

use common::*;
use grootboek_core::runtime::TokenPair;
use grootboek_core::{
    CreditNote, CreditNotes, Defences, Dimension, DimensionKind, Dimensions, ErrorKind, Invoices,
    Ledger, QuirkId, SalesLine, WriteOutcome,
};
use grootboek_sim::common::{Fault, FaultRule};
use grootboek_sim::twinfield::{Transaction, TransactionLine, TwinfieldSeed};
use grootboek_twinfield::{connect, TwinfieldLedger};
use rust_decimal_macros::dec;

fn without(id: &str) -> Defences {
    Defences::without([id.parse::<QuirkId>().unwrap()])
}

fn posted_count(e: &Env, office: &str) -> usize {
    e.sim.transactions(office).len()
}

#[tokio::test]
async fn q02_icp_line_without_vat_code_is_refused_before_the_wire() {
    let e = env().await;
    // Customer 1001 is in Germany: a 0 % line to it is an intra-community supply.
    let inv = invoice(OFFICE, "1001", "ICP-1", dec!(14200), None, dec!(0));
    let err = e.ledger.create_invoice(&inv).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
    assert!(err.message().contains("Opgaaf ICP"), "{err}");
    assert_eq!(err.outcome(), WriteOutcome::NotApplied);
    assert_eq!(posted_count(&e, OFFICE), 0, "nothing may reach Twinfield");
    assert!(!process_xml_documents(&e.sim)
        .iter()
        .any(|d| d.starts_with("<transactions>")));
}

#[tokio::test]
async fn q03_vat_code_is_checked_against_the_target_office() {
    let e = env().await;
    // VL exists in office 1 only. Working in office 1 first must not leak into office 2.
    let ok = e
        .ledger
        .create_invoice(&invoice(
            OFFICE,
            "1000",
            "A-1",
            dec!(10),
            Some("VL"),
            dec!(9),
        ))
        .await
        .unwrap();
    assert_eq!(ok.document.lines[0].vat_code.as_deref(), Some("VL"));
    let err = e
        .ledger
        .create_invoice(&invoice(
            OFFICE2,
            "1000",
            "B-1",
            dec!(10),
            Some("VL"),
            dec!(9),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
    assert!(err.message().contains("does not exist"), "{err}");
    assert_eq!(posted_count(&e, OFFICE2), 0);
    // Every office-2 request names office 2 in its header.
    for r in e.sim.core().log.snapshot() {
        if r.body.contains("&lt;office&gt;NLA000002&lt;/office&gt;") {
            assert!(
                r.body.contains("<CompanyCode>NLA000002</CompanyCode>"),
                "{}",
                r.body
            );
        }
    }
}

#[tokio::test]
async fn q03_without_the_defence_the_swapped_code_is_caught_by_verification() {
    let e = env_with(without("Q03")).await;
    let err = e
        .ledger
        .create_invoice(&invoice(
            OFFICE2,
            "1000",
            "B-1",
            dec!(10),
            Some("VL"),
            dec!(9),
        ))
        .await
        .unwrap_err();
    // The code reached Twinfield, which swapped VL for the office default VN: the booking is
    // refused as unbalanced (or, had it balanced, the read-back would have caught the swap).
    assert!(
        process_xml_documents(&e.sim)
            .iter()
            .any(|d| d.starts_with("<transactions>") && d.contains("<vatcode>VL</vatcode>")),
        "the code went over the wire"
    );
    match err.kind() {
        ErrorKind::VerificationFailed { field, .. } => assert_eq!(field, "lines[0].vat_code"),
        ErrorKind::Validation => {
            assert!(err.vendor_error().is_some(), "refused by the vendor: {err}")
        }
        other => panic!("{other:?}: {err}"),
    }
}

#[tokio::test]
async fn q04_long_lived_refresh_token_one_hour_access_token_one_refresh_per_expiry() {
    let e = env().await;
    e.ledger.administrations().await.unwrap();
    let before = e.ledger.tokens().await.unwrap().unwrap();
    let refresh_before = secrecy::ExposeSecret::expose_secret(&before.refresh_token).to_string();
    assert_eq!(e.ledger.refresh_count().await.unwrap(), 0);
    for hour in 1..=3u64 {
        e.sim.core().clock.advance(Duration::from_secs(3600));
        // Many tasks at once after the expiry: exactly one refresh.
        let calls = (0..8).map(|_| e.ledger.administrations());
        for r in futures_util::future::join_all(calls).await {
            r.unwrap();
        }
        assert_eq!(e.ledger.refresh_count().await.unwrap(), hour);
    }
    // The refresh token is long-lived: still the same one, still working after 30 days.
    e.sim
        .core()
        .clock
        .advance(Duration::from_secs(30 * 24 * 3600));
    e.ledger.administrations().await.unwrap();
    let after = e.ledger.tokens().await.unwrap().unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&after.refresh_token),
        refresh_before
    );
    let stats = e.ledger.stats();
    assert_eq!(stats.rate_limited, 0);
}

fn matched_but_open_seed() -> TwinfieldSeed {
    let mut seed = TwinfieldSeed::demo();
    seed.transactions.push(Transaction {
        office: OFFICE.into(),
        code: "VRK".into(),
        status: "final".into(),
        date: Some(date()),
        currency: "EUR".into(),
        invoice_number: "Q06-1".into(),
        lines: vec![
            TransactionLine {
                line_type: "total".into(),
                dim1: "1300".into(),
                dim2: "1000".into(),
                debit_credit: "debit".into(),
                value: dec!(121),
                open_value: Some(dec!(121)),
                match_status: "matched".into(),
                ..Default::default()
            },
            TransactionLine {
                line_type: "detail".into(),
                dim1: "8020".into(),
                debit_credit: "credit".into(),
                value: dec!(100),
                vat_code: "VH".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    seed
}

async fn q06_env(defences: Defences) -> Env {
    let sim = grootboek_sim::twinfield::TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(matched_but_open_seed()).unwrap();
    let ledger = connect_with_tokens(&sim, config(&sim).with_defences(defences)).await;
    Env { sim, ledger }
}

#[tokio::test]
async fn q06_matched_line_with_open_amount_is_open() {
    let e = q06_env(Defences::all()).await;
    let items = e.ledger.all_open_items(OFFICE).await.unwrap();
    let item = items
        .iter()
        .find(|i| i.reference == "Q06-1")
        .expect("the matched-but-open item is listed");
    assert_eq!(item.open_amount.amount, dec!(121));
    assert!(item.is_open());
    assert_eq!(
        e.ledger
            .customer_balance(OFFICE, "1000")
            .await
            .unwrap()
            .amount,
        dec!(121)
    );
    // Without the defence the status flag is trusted and the money disappears.
    let naive = q06_env(without("Q06")).await;
    let items = naive.ledger.all_open_items(OFFICE).await.unwrap();
    assert!(!items.iter().any(|i| i.reference == "Q06-1"));
}

#[tokio::test]
async fn q11_invoice_pdf_is_served_from_cache_after_the_url_expired() {
    let e = env().await;
    let p = e
        .ledger
        .create_invoice(&invoice(
            OFFICE,
            "1000",
            "PDF-1",
            dec!(50),
            Some("VH"),
            dec!(21),
        ))
        .await
        .unwrap();
    let first = e.ledger.invoice_pdf(&p.id).await.unwrap();
    assert!(first.starts_with(b"%PDF"), "not a PDF");
    e.sim.core().clock.advance(Duration::from_secs(61 * 60));
    let requests = e.sim.core().log.snapshot().len();
    let again = e.ledger.invoice_pdf(&p.id).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(
        e.sim.core().log.snapshot().len(),
        requests,
        "served from the cache"
    );

    let naive = env_with(without("Q11")).await;
    let p = naive
        .ledger
        .create_invoice(&invoice(
            OFFICE,
            "1000",
            "PDF-1",
            dec!(50),
            Some("VH"),
            dec!(21),
        ))
        .await
        .unwrap();
    naive.ledger.invoice_pdf(&p.id).await.unwrap();
    naive.sim.core().clock.advance(Duration::from_secs(61 * 60));
    assert!(
        naive.ledger.invoice_pdf(&p.id).await.is_err(),
        "the cached URL expired"
    );
}

#[tokio::test]
async fn q12_read_your_writes_through_processxml_for_the_first_minute() {
    let e = env().await;
    let p = e
        .ledger
        .create_invoice(&invoice(
            OFFICE,
            "1000",
            "RYW-1",
            dec!(50),
            Some("VH"),
            dec!(21),
        ))
        .await
        .unwrap();
    assert_eq!(
        e.ledger.transaction_status(&p.id).await.unwrap(),
        "temporary"
    );
    assert_eq!(
        e.ledger.get_invoice(&p.id).await.unwrap().status.as_deref(),
        Some("temporary")
    );
    // After the window the REST-style read has caught up and is used.
    e.sim.core().clock.advance(Duration::from_secs(61));
    assert_eq!(
        e.ledger.transaction_status(&p.id).await.unwrap(),
        "temporary"
    );

    let naive = env_with(without("Q12")).await;
    let p = naive
        .ledger
        .create_invoice(&invoice(
            OFFICE,
            "1000",
            "RYW-1",
            dec!(50),
            Some("VH"),
            dec!(21),
        ))
        .await
        .unwrap();
    // The REST-style read does not show the write yet.
    assert!(naive.ledger.transaction_status(&p.id).await.is_err());
}

#[tokio::test]
async fn q15_create_refuses_an_existing_code_and_upsert_is_explicit() {
    let e = env().await;
    let taken = Dimension::customer("1000", "Overwritten BV", "NL".parse().unwrap());
    let err = e.ledger.create_dimension(OFFICE, &taken).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::AlreadyExists, "{err}");
    assert_eq!(
        e.sim.dimension(OFFICE, "DEB", "1000").unwrap().name,
        "Bakkerij De Vries"
    );
    // A new code is created and read back.
    let new = Dimension::customer("1002", "Bakker Bart", "BE".parse().unwrap());
    assert_eq!(e.ledger.create_dimension(OFFICE, &new).await.unwrap(), new);
    // Overwriting is explicit.
    let renamed = e.ledger.upsert_dimension(OFFICE, &taken).await.unwrap();
    assert_eq!(renamed.name, "Overwritten BV");

    let naive = env_with(without("Q15")).await;
    naive.ledger.create_dimension(OFFICE, &taken).await.unwrap();
    assert_eq!(
        naive.sim.dimension(OFFICE, "DEB", "1000").unwrap().name,
        "Overwritten BV"
    );
}

#[tokio::test]
async fn t01_authorization_code_flow_with_state_nonce_and_exact_redirect() {
    let sim = sim().await;
    let ledger = connect(config(&sim)).await.unwrap();
    let auth = ledger.authorize_url();
    assert!(auth.url.contains("nonce=") && auth.url.contains("state="));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(&auth.url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");
    // A forged state is refused; the real one yields the code.
    assert!(TwinfieldLedger::verify_callback("forged", &location).is_err());
    let code = TwinfieldLedger::verify_callback(&auth.state, &location).unwrap();
    ledger.exchange_code(&code).await.unwrap();
    let pair = ledger.tokens().await.unwrap().unwrap();
    let lifetime = pair.expires_at - pair.issued_at;
    assert!(
        (3590..=3600).contains(&lifetime.num_seconds()),
        "access token lives 1 h: {lifetime}"
    );
    assert!(pair
        .metadata
        .contains_key(TwinfieldLedger::cluster_metadata_key()));
    assert!(!ledger.administrations().await.unwrap().is_empty());
    // The code is single-use; a redirect URI that differs by one byte is refused.
    assert!(ledger.exchange_code(&code).await.is_err());
    let slash = connect(
        config(&sim).with_scopes(grootboek_twinfield::config::DEFAULT_SCOPES.iter().copied()),
    )
    .await
    .unwrap();
    let mut cfg = config(&sim);
    cfg.redirect_uri = format!("{REDIRECT}/");
    let wrong = connect(cfg).await.unwrap();
    let auth = slash.authorize_url();
    let location = http.get(&auth.url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let code = TwinfieldLedger::verify_callback(&auth.state, &location).unwrap();
    assert!(wrong.exchange_code(&code).await.is_err());
}

#[tokio::test]
async fn t02_cluster_is_resolved_again_after_an_authentication_fault() {
    let sim = sim().await;
    let tokens = sim.issue_tokens(CLIENT, ORG).unwrap();
    let wrong = sim.cluster_url(2).unwrap();
    let right = sim.cluster_url_of(ORG).unwrap();
    assert_ne!(wrong, right);
    let stale_pair = || {
        TokenPair::from_expires_in(
            tokens.access_token.clone(),
            tokens.refresh_token.clone(),
            sim.core().clock.now(),
            Duration::from_secs(3600),
        )
        .with_metadata(TwinfieldLedger::cluster_metadata_key(), wrong.clone())
    };
    let ledger = connect(config(&sim)).await.unwrap();
    ledger.store_tokens(stale_pair()).await.unwrap();
    assert!(!ledger.administrations().await.unwrap().is_empty());
    assert_eq!(ledger.stats().cluster_resolutions, 1);
    let pair = ledger.tokens().await.unwrap().unwrap();
    assert_eq!(
        pair.metadata.get(TwinfieldLedger::cluster_metadata_key()),
        Some(&right)
    );
    // Cached from now on: no further resolution.
    ledger.administrations().await.unwrap();
    assert_eq!(ledger.stats().cluster_resolutions, 1);

    let naive = connect(config(&sim).with_defences(Defences::without(["T02".parse().unwrap()])))
        .await
        .unwrap();
    naive.store_tokens(stale_pair()).await.unwrap();
    let err = naive.administrations().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthenticated, "{err}");
}

#[tokio::test]
async fn t03_office_is_named_per_call_and_listing_spans_offices() {
    let e = env().await;
    let offices = e.ledger.administrations().await.unwrap();
    let codes: Vec<&str> = offices.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, [OFFICE, OFFICE2]);
    for o in &offices {
        let customers = e
            .ledger
            .all_dimensions(&o.code, DimensionKind::Customer)
            .await
            .unwrap();
        assert_eq!(customers.len(), 2, "{}", o.code);
    }
    let log = e.sim.core().log.snapshot();
    let soap: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("processxml.asmx"))
        .collect();
    assert_eq!(soap.len(), 3);
    assert!(
        !soap[0].body.contains("CompanyCode"),
        "list offices goes without CompanyCode"
    );
    assert!(soap[1]
        .body
        .contains("<CompanyCode>NLA000001</CompanyCode>"));
    assert!(soap[2]
        .body
        .contains("<CompanyCode>NLA000002</CompanyCode>"));
    assert!(
        soap.iter().all(|r| !r.body.contains("<CompanyId>NLA")),
        "T08: the code, never the id"
    );
}

#[tokio::test]
async fn t04_dead_grant_is_reconsent_required_and_other_connections_keep_working() {
    let e = env().await;
    // A second organisation's connection.
    let other_tokens = e.sim.issue_tokens(CLIENT, "ORG-B").unwrap();
    let mut cfg = config(&e.sim);
    cfg.organisation = "ORG-B".into();
    let other = connect(cfg).await.unwrap();
    other
        .store_tokens(TokenPair::from_expires_in(
            other_tokens.access_token,
            other_tokens.refresh_token,
            e.sim.core().clock.now(),
            Duration::from_secs(3600),
        ))
        .await
        .unwrap();
    e.ledger.administrations().await.unwrap();
    assert!(e.sim.revoke_grants(CLIENT, ORG) > 0);
    e.sim.core().clock.advance(Duration::from_secs(3601));
    let err = e.ledger.administrations().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ReconsentRequired, "{err}");
    assert!(!err.is_retryable());
    // Asked again: still re-consent, at once, no refresh storm.
    let err = e.ledger.administrations().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ReconsentRequired);
    assert_eq!(other.administrations().await.unwrap().len(), 1);
}

#[tokio::test]
async fn t05_429_with_retry_after_pauses_and_retries() {
    let sim = sim().await;
    // Minute of 6 s: a Retry-After of 2 s waits 0.2 s.
    let cfg = config(&sim).with_minute(Duration::from_secs(6));
    let ledger = connect_with_tokens(&sim, cfg).await;
    sim.core().faults.push(FaultRule {
        method: None,
        path_contains: Some("processxml".into()),
        times: Some(1),
        fault: Fault::Status {
            status: 429,
            retry_after_secs: Some(2),
        },
    });
    let started = std::time::Instant::now();
    assert!(!ledger.administrations().await.unwrap().is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(190),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ledger.stats().rate_limited, 1);
    // A write refused with 429 is not processed and is retried once the pause ends.
    sim.core().faults.push(FaultRule {
        method: None,
        path_contains: Some("processxml".into()),
        times: Some(1),
        fault: Fault::Status {
            status: 429,
            retry_after_secs: Some(1),
        },
    });
    let cn = CreditNote::new(OFFICE, "VRK", "1000", "CN-1", date()).with_line(SalesLine::new(
        "8020",
        "Retour",
        dec!(10),
        Some("VH"),
        dec!(21),
    ));
    let p = ledger.create_credit_note(&cn).await.unwrap();
    assert_eq!(p.document.kind, grootboek_core::DocumentKind::CreditNote);
    assert_eq!(sim.transactions(OFFICE).len(), 1);
}

#[tokio::test]
async fn t06_batches_of_25_split_on_generic_failure_with_each_items_outcome() {
    let e = env().await;
    let docs = |n: usize| -> Vec<_> {
        (0..n)
            .map(|i| {
                invoice(
                    OFFICE,
                    "1000",
                    &format!("B-{i:03}"),
                    dec!(10),
                    Some("VH"),
                    dec!(21),
                )
                .into_document()
            })
            .collect()
    };
    // 60 invoices go in batches of 25, 25 and 10; one item the vendor refuses (a customer the
    // office does not have; an unknown revenue account is refused before the wire, Q25) gets its
    // own error and the others land.
    let mut all = docs(60);
    all[7].customer = "9998".into();
    let before = e.sim.core().log.snapshot().len();
    let results = e.ledger.post_documents(&all).await;
    assert_eq!(results.len(), 60);
    for (i, r) in results.iter().enumerate() {
        if i == 7 {
            let err = r.as_ref().unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
            assert!(
                err.vendor_error()
                    .and_then(|v| v.location.as_deref())
                    .unwrap_or_default()
                    .contains("dim2"),
                "{err}"
            );
        } else {
            assert_eq!(r.as_ref().unwrap().document.reference, format!("B-{i:03}"));
        }
    }
    assert_eq!(e.sim.transactions(OFFICE).len(), 59);
    let sizes: Vec<usize> = process_xml_documents(&e.sim)
        .iter()
        .filter(|d| d.starts_with("<transactions>"))
        .map(|d| d.matches("<transaction ").count())
        .collect();
    assert_eq!(sizes, [25, 25, 10]);
    assert!(e.sim.core().log.snapshot()[before..]
        .iter()
        .all(|r| r.status == 200));

    // A batch larger than Twinfield takes (configured 30) fails with a generic server fault:
    // it is split in two and both halves land.
    let sim = sim().await;
    let big = connect_with_tokens(&sim, config(&sim).with_batch_size(30)).await;
    let results = big.post_documents(&docs(30)).await;
    assert!(results.iter().all(|r| r.is_ok()));
    let statuses: Vec<u16> = sim
        .core()
        .log
        .snapshot()
        .iter()
        .filter(|r| r.body.contains("&lt;transactions&gt;"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    assert_ne!(statuses[0], 200);
    assert_eq!(&statuses[1..], [200, 200]);
    assert_eq!(sim.transactions(OFFICE).len(), 30);

    // Without the defence: one request for everything, refused as a whole, nothing split.
    let naive = env_with(without("T06")).await;
    let results = naive.ledger.post_documents(&docs(30)).await;
    assert!(results.iter().all(|r| r.is_err()));
    assert_eq!(naive.sim.transactions(OFFICE).len(), 0);
}

#[tokio::test]
async fn t07_element_errors_keep_the_path_and_the_raw_message() {
    // Without the Q03 pre-check the vendor refuses a foreign code for a foreign customer.
    let e = env_with(without("Q03")).await;
    let err = e
        .ledger
        .create_invoice(&invoice(
            OFFICE2,
            "1001",
            "T07-1",
            dec!(10),
            Some("VL"),
            dec!(9),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Validation, "{err}");
    let ve = err.vendor_error().expect("raw vendor error kept");
    let path = ve.location.as_deref().unwrap_or_default();
    assert!(path.ends_with("vatcode"), "{path}");
    assert!(path.contains("line["), "{path}");
    assert!(!ve.message.as_deref().unwrap_or_default().is_empty());
    assert!(err.to_string().contains(path), "{err}");
}

#[tokio::test]
async fn oversize_responses_are_refused_before_parsing() {
    let sim = sim().await;
    let ledger = connect_with_tokens(&sim, config(&sim).with_max_response_bytes(64)).await;
    let err = ledger.administrations().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol, "{err}");
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let e = env().await;
    let tokens = e.ledger.tokens().await.unwrap().unwrap();
    let access = secrecy::ExposeSecret::expose_secret(&tokens.access_token).to_string();
    let dbg = format!("{:?} {:?}", e.ledger, tokens);
    assert!(!dbg.contains(SECRET) && !dbg.contains(&access), "{dbg}");
    e.sim.revoke_grants(CLIENT, ORG);
    let err = e.ledger.administrations().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&access) && !shown.contains(SECRET),
        "{shown}"
    );
}

/// Issue 15: a batch is read back with one browse of its lines, and that read-back still
/// verifies every document: with Q03's pre-check off, Twinfield swaps the VAT code of each
/// zero-amount line at a code the office lacks (the booking still balances, so it lands) and
/// each such invoice fails verification on that line's code, while the good invoice of the same
/// batch passes.
#[tokio::test]
async fn a_batch_read_back_with_one_browse_still_catches_each_swapped_code() {
    let e = env_with(without("Q03")).await;
    let with_free_line = |reference: &str| {
        let mut d =
            invoice(OFFICE2, "1000", reference, dec!(20), Some("VH"), dec!(21)).into_document();
        let mut free = d.lines[0].clone();
        free.description = "free sample".into();
        free.net_amount = dec!(0);
        free.vat_code = Some("VL".into());
        free.vat_rate = dec!(9);
        free.vat_amount = dec!(0);
        d.lines.push(free);
        d
    };
    let docs = vec![
        with_free_line("BR-1"),
        invoice(OFFICE2, "1000", "BR-2", dec!(20), Some("VH"), dec!(21)).into_document(),
        with_free_line("BR-3"),
    ];
    let before = e.ledger.stats();
    let results = e.ledger.post_documents(&docs).await;
    let after = e.ledger.stats();
    let fields: Vec<Option<String>> = results
        .iter()
        .map(|r| match r {
            Ok(_) => None,
            Err(err) => match err.kind() {
                ErrorKind::VerificationFailed { field, .. } => Some(field.clone()),
                other => Some(format!("{other:?}: {err}")),
            },
        })
        .collect();
    assert_eq!(
        fields,
        [
            Some("lines[1].vat_code".to_string()),
            None,
            Some("lines[1].vat_code".to_string())
        ]
    );
    let browses = process_xml_documents(&e.sim)
        .iter()
        .filter(|d| d.starts_with("<columns code=\"030_1\">"))
        .count();
    assert_eq!(browses, 1, "one browse read the whole batch back");
    assert_eq!(after.writes - before.writes, 1, "one batched write");
    assert!(
        !process_xml_documents(&e.sim)
            .iter()
            .any(|d| d.starts_with("<read><type>transaction</type>")),
        "no document was read back on its own"
    );
    assert!(after.reads > before.reads);
}

/// R01 for `create_invoices` (batched, issue 15): a batch answered 503 after Twinfield booked
/// it leaves exactly one entry per invoice, and each caller result is that entry (found by its
/// reference, not sent again); a batch refused 503 before it was handled is written again,
/// each invoice once.
#[tokio::test]
async fn r01_a_batch_lost_after_commit_is_found_not_sent_again() {
    use grootboek_core::{Invoices, WriteOutcome};
    use grootboek_sim::common::{Fault, FaultSpec};
    let e = env().await;
    for (name, fault) in [
        ("after", Fault::after_commit(503)),
        ("before", Fault::before_handling(503)),
    ] {
        e.sim.core().faults.push(
            FaultSpec::new(fault)
                .method("POST")
                .root_element("transactions")
                .times(1),
        );
        let invoices: Vec<_> = (1..=3)
            .map(|i| {
                invoice(
                    OFFICE,
                    "1000",
                    &format!("R01B-{name}-{i}"),
                    dec!(100),
                    Some("VH"),
                    dec!(21),
                )
            })
            .collect();
        let results = e.ledger.create_invoices(&invoices).await;
        e.sim.core().faults.clear();
        for (inv, result) in invoices.iter().zip(&results) {
            let reference = &inv.document().reference;
            let entries = e.ledger.find_invoices(OFFICE, reference).await.unwrap();
            assert_eq!(
                entries.len(),
                1,
                "{name}: {} entries carry {reference}",
                entries.len()
            );
            match result {
                Ok(posted) => assert_eq!(posted.id, entries[0].id, "{name}: {reference}"),
                Err(err) => assert_eq!(err.outcome(), WriteOutcome::Uncertain, "{name}: {err}"),
            }
        }
        assert!(
            results.iter().all(Result::is_ok),
            "{name}: every invoice resolved: {results:?}"
        );
    }
}
