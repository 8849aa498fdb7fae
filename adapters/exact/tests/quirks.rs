//! One test per Exact quirk, named by its catalog ID, over HTTP against the Exact simulator.
//! Where a defence can be switched off, a second test shows what goes wrong without it.

mod common;

use grootboek_core::runtime::RuntimeConfig;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use grootboek_core::runtime::{Clock, ManualClock};
use grootboek_core::{
    CreditNote, CreditNotes, Defences, Dimension, DimensionKind, Dimensions, DocumentPatch,
    ErrorKind, Invoice, Invoices, Ledger, Patch, SalesLine,
};
use grootboek_exact::{BankEntry, BankEntryLine};
use grootboek_sim::common::{Fault, FaultRule};
use grootboek_sim::exact::{ExactSeed, SeedJournal, SeedSubscription};
use rust_decimal_macros::dec;

fn nl() -> String {
    NL.to_string()
}

fn invoice(reference: &str) -> Invoice {
    Invoice::new(nl(), "70", "C1", reference, date(2026, 3, 2))
        .with_description("Broodmachines")
        .with_due_date(date(2026, 4, 1))
        .with_line(SalesLine::new(
            "8000",
            "Oven",
            dec!(1000),
            Some("2"),
            dec!(21),
        ))
        .with_line(SalesLine::new(
            "8000",
            "Brood",
            dec!(50),
            Some("1"),
            dec!(9),
        ))
}

fn credit_note(reference: &str) -> CreditNote {
    CreditNote::new(nl(), "70", "C1", reference, date(2026, 3, 9))
        .with_description("Retour oven")
        .with_line(SalesLine::new(
            "8000",
            "Oven retour",
            dec!(1000),
            Some("2"),
            dec!(21),
        ))
}

fn without(id: &str) -> Defences {
    Defences::without([id.parse().expect("catalog id")])
}

fn uuid(s: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(s).expect("guid")
}

#[tokio::test]
async fn q01_an_update_of_a_credit_note_lands_on_that_credit_note() {
    let env = start().await;
    let inv = env
        .ledger
        .create_invoice(&invoice("F-2026-100"))
        .await
        .unwrap();
    let cn = env
        .ledger
        .create_credit_note(&credit_note("F-2026-100"))
        .await
        .unwrap();
    let patch = DocumentPatch {
        description: Patch::Set("Geschil afgehandeld".into()),
        due_date: Patch::Keep,
    };
    let updated = env.ledger.update_credit_note(&cn.id, &patch).await.unwrap();
    assert_eq!(updated.id, cn.id);
    assert_eq!(
        updated.document.description.as_deref(),
        Some("Geschil afgehandeld")
    );

    let stored_cn = env.sim.sales_entry(uuid(&cn.id.key)).unwrap();
    let stored_inv = env.sim.sales_entry(uuid(&inv.id.key)).unwrap();
    assert_eq!(
        stored_cn.description.as_deref(),
        Some("Geschil afgehandeld")
    );
    assert_eq!(stored_cn.type_, 21);
    assert_eq!(stored_inv.description.as_deref(), Some("Broodmachines"));
    assert_eq!(stored_inv.type_, 20);

    let put = requests(&env.sim)
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("the update was sent");
    assert!(
        put.path
            .ends_with(&format!("SalesEntries(guid'{}')", cn.id.key)),
        "{}",
        put.path
    );
    let body: serde_json::Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(body["Type"], 21);
    assert_eq!(body["Journal"], "70");
}

#[tokio::test]
async fn q01_without_the_defence_the_change_lands_on_the_invoice() {
    let env = start_with(without("Q01")).await;
    let inv = env
        .ledger
        .create_invoice(&invoice("F-2026-101"))
        .await
        .unwrap();
    let cn = env
        .ledger
        .create_credit_note(&credit_note("F-2026-101"))
        .await
        .unwrap();
    let patch = DocumentPatch {
        description: Patch::Set("Geschil afgehandeld".into()),
        due_date: Patch::Keep,
    };
    let _ = env.ledger.update_credit_note(&cn.id, &patch).await;
    let stored_cn = env.sim.sales_entry(uuid(&cn.id.key)).unwrap();
    let stored_inv = env.sim.sales_entry(uuid(&inv.id.key)).unwrap();
    assert_eq!(
        stored_inv.description.as_deref(),
        Some("Geschil afgehandeld"),
        "the naive update corrupts the invoice"
    );
    assert_eq!(
        stored_cn.description.as_deref(),
        Some("Retour oven"),
        "and leaves the credit note untouched"
    );
}

#[tokio::test]
async fn q02_an_icp_invoice_without_vat_code_is_refused_before_the_wire() {
    let env = start().await;
    let icp = |code: Option<&str>| {
        Invoice::new(nl(), "70", "C2", "F-ICP-1", date(2026, 3, 2)).with_line(SalesLine::new(
            "8010",
            "Machine-onderdelen",
            dec!(14200),
            code,
            dec!(0),
        ))
    };
    let e = env.ledger.create_invoice(&icp(None)).await.unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.message().contains("Opgaaf ICP"), "{e}");
    assert!(
        !requests(&env.sim).iter().any(|r| r.method == "POST"),
        "nothing reached Exact"
    );
    let e = env
        .ledger
        .create_invoice(&icp(Some("0")))
        .await
        .unwrap_err();
    assert_eq!(
        *e.kind(),
        ErrorKind::Validation,
        "a domestic zero code is no ICP code: {e}"
    );

    let posted = env.ledger.create_invoice(&icp(Some("ICP"))).await.unwrap();
    assert_eq!(posted.document.lines[0].vat_code.as_deref(), Some("ICP"));
    let stored = env.sim.sales_entry(uuid(&posted.id.key)).unwrap();
    assert_eq!(stored.lines[0].vat_code.as_deref(), Some("ICP"));
}

/// A clock the test moves together with the simulator's.
fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now()))
}

fn advance(env: &Env, clock: &ManualClock, by: Duration) {
    clock.advance(by);
    env.sim.core().clock.advance(by);
}

async fn start_with_clock(defences: Defences, clock: Arc<ManualClock>) -> Env {
    start_with_clock_and_skew(defences, clock, Duration::from_secs(30)).await
}

async fn start_with_clock_and_skew(
    defences: Defences,
    clock: Arc<ManualClock>,
    skew: Duration,
) -> Env {
    let sim = start_sim().await;
    let seeded = sim.seed(seed()).unwrap();
    let cfg = config(&sim, defences)
        .with_clock(clock.clone())
        .with_refresh_skew(skew);
    let ledger = grootboek_exact::connect(cfg).await.unwrap();
    let t = sim.issue_tokens(CLIENT_ID).unwrap();
    ledger
        .store_tokens(grootboek_core::runtime::TokenPair::from_expires_in(
            t.access_token,
            t.refresh_token,
            clock.now(),
            Duration::from_secs(t.expires_in),
        ))
        .await
        .unwrap();
    Env {
        sim,
        ledger,
        seeded,
    }
}

#[tokio::test]
async fn q04_many_tasks_share_one_refresh_per_expiry() {
    let clock = manual_clock();
    let env = start_with_clock(Defences::all(), clock.clone()).await;
    for expiry in 1..=3u64 {
        advance(&env, &clock, Duration::from_secs(580));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let l = env.ledger.clone();
            tasks.push(tokio::spawn(
                async move { l.vat_codes(&NL.to_string()).await },
            ));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            env.sim.refresh_count(CLIENT_ID),
            expiry,
            "one refresh per expiry"
        );
    }
    assert_eq!(env.ledger.stats().unauthorized, 0);
    assert!(
        !requests(&env.sim).iter().any(|r| r.status == 401),
        "no 401 at all"
    );
}

#[tokio::test]
async fn q04_two_connections_on_one_broker_keep_working_and_without_the_defence_break() {
    for defended in [true, false] {
        let clock = manual_clock();
        let defences = if defended {
            Defences::all()
        } else {
            without("Q04")
        };
        let env = start_with_clock(defences.clone(), clock.clone()).await;
        // A second "process": its own ledger over the same stored tokens.
        let second = grootboek_exact::connect(
            config(&env.sim, defences)
                .with_clock(clock.clone())
                .with_connection_id(env.ledger.connection_id().as_str())
                .with_token_broker(env.ledger.token_broker()),
        )
        .await
        .unwrap();
        let mut failures = 0;
        for _ in 0..2 {
            advance(&env, &clock, Duration::from_secs(580));
            for l in [&env.ledger, &second] {
                if let Err(e) = l.vat_codes(&nl()).await {
                    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
                    failures += 1;
                }
            }
        }
        if defended {
            assert_eq!(failures, 0);
            assert_eq!(env.sim.refresh_count(CLIENT_ID), 2);
        } else {
            assert!(failures > 0, "naive refreshers kill each other's chain");
        }
    }
}

#[tokio::test]
async fn q07_listing_250_journals_returns_250() {
    for defended in [true, false] {
        let env = start_with(if defended {
            Defences::all()
        } else {
            without("Q07")
        })
        .await;
        let journals = (0..248)
            .map(|i| SeedJournal {
                division: NL,
                code: format!("J{i:03}"),
                description: format!("Dagboek {i}"),
                type_: Some(90),
                ..Default::default()
            })
            .collect();
        env.sim
            .seed(ExactSeed {
                journals,
                ..Default::default()
            })
            .unwrap();
        let all = env.ledger.all_journals(&nl()).await.unwrap();
        if defended {
            assert_eq!(all.len(), 250);
            let mut codes: Vec<_> = all.iter().map(|j| j.code.clone()).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), 250, "each once");
        } else {
            assert_eq!(all.len(), 60, "a naive client stops at the first page");
        }
    }
}

#[tokio::test]
async fn q08_bank_entries_post_and_read_with_the_division() {
    let env = start().await;
    let inv = env
        .ledger
        .create_invoice(&invoice("F-2026-200"))
        .await
        .unwrap();
    let number = env
        .sim
        .sales_entry(uuid(&inv.id.key))
        .unwrap()
        .invoice_number
        .map(i64::from);
    let entry = BankEntry {
        administration: nl(),
        journal: "20".into(),
        currency: None,
        lines: vec![BankEntryLine {
            date: date(2026, 3, 20),
            amount: dec!(-600),
            gl_account: None,
            customer: Some("C1".into()),
            description: Some("Deelbetaling F-2026-200".into()),
            our_ref: number,
        }],
    };
    let posted = env.ledger.post_bank_entry(&entry).await.unwrap();
    assert_eq!(posted.entry.lines[0].amount, dec!(-600));
    let all = env.ledger.bank_entries(&nl()).await.unwrap();
    assert!(all.iter().any(|b| b.entry_id == posted.entry_id));
    // Open amount from cash: 1000 + 210 + 50 + 4.50 = 1264.50, 600 paid.
    let items = env.ledger.all_open_items(&nl()).await.unwrap();
    let item = items
        .iter()
        .find(|i| i.reference == "F-2026-200")
        .expect("open item");
    assert_eq!(item.amount.amount, dec!(1264.50));
    assert_eq!(item.open_amount.amount, dec!(664.50));
    assert_eq!(
        env.ledger
            .customer_balance(&nl(), "C1")
            .await
            .unwrap()
            .amount,
        dec!(664.50)
    );
    for r in requests(&env.sim) {
        let ok = r.path.starts_with(&format!("/api/v1/{NL}/"))
            || r.path.starts_with("/api/v1/current/Me");
        assert!(ok, "division-less URL sent: {} {}", r.method, r.path);
    }
}

#[tokio::test]
async fn q08_a_401_with_a_live_token_burns_no_refresh() {
    for defended in [true, false] {
        let clock = manual_clock();
        let defences = if defended {
            Defences::all()
        } else {
            without("Q08")
        };
        let env = start_with_clock_and_skew(defences, clock.clone(), Duration::from_secs(1)).await;
        // Late in the token's life, when a refresh would be allowed (but not yet due).
        advance(&env, &clock, Duration::from_secs(575));
        env.sim.core().faults.push(FaultRule {
            method: Some("GET".into()),
            path_contains: Some("financial/Journals".into()),
            times: Some(1),
            fault: Fault::Status {
                status: 401,
                retry_after_secs: None,
            },
        });
        let r = env.ledger.all_journals(&nl()).await;
        if defended {
            let e = r.unwrap_err();
            assert_eq!(*e.kind(), ErrorKind::Unauthenticated, "{e}");
            assert!(e.message().contains("Q08"), "{e}");
            assert_eq!(env.sim.refresh_count(CLIENT_ID), 0, "no refresh burned");
        } else {
            r.unwrap();
            assert_eq!(
                env.sim.refresh_count(CLIENT_ID),
                1,
                "a naive client refreshes on any 401"
            );
        }
    }
}

#[tokio::test]
async fn q13_running_subscriptions_include_the_grace_period() {
    for defended in [true, false] {
        let env = start_with(if defended {
            Defences::all()
        } else {
            without("Q13")
        })
        .await;
        let customer = env
            .sim
            .accounts(NL)
            .into_iter()
            .find(|a| a.code == "C1")
            .unwrap()
            .id;
        let today = grootboek_core::dates::today_in_amsterdam();
        let days = |n: i64| today + chrono::Duration::days(n);
        let sub = |start, end, cancelled| SeedSubscription {
            division: NL,
            ordered_by: customer,
            start_date: Some(start),
            end_date: end,
            cancellation_date: cancelled,
            ..Default::default()
        };
        env.sim
            .seed(ExactSeed {
                subscriptions: vec![
                    sub(days(-100), None, None),
                    sub(days(-100), Some(days(20)), Some(days(-10))),
                    sub(days(-100), Some(days(-5)), Some(days(-30))),
                    sub(days(10), None, None),
                ],
                ..Default::default()
            })
            .unwrap();
        let running = env.ledger.running_subscriptions(&nl()).await.unwrap();
        if defended {
            assert_eq!(running.len(), 2);
            assert!(running
                .iter()
                .any(|s| s.state == grootboek_exact::SubscriptionState::Grace));
            assert!(requests(&env.sim).iter().all(|r| !r
                .query
                .clone()
                .unwrap_or_default()
                .contains("Status")));
        } else {
            assert!(running.len() < 2, "Status eq 1 loses the grace period");
        }
    }
}

#[tokio::test]
async fn q15_creating_a_taken_customer_code_is_refused_and_upsert_is_explicit() {
    let env = start().await;
    let before = env
        .sim
        .accounts(NL)
        .into_iter()
        .find(|a| a.code == "C1")
        .unwrap();
    let imposter = Dimension::customer("C1", "Overschreven BV", "NL".parse().unwrap());
    let e = env
        .ledger
        .create_dimension(&nl(), &imposter)
        .await
        .unwrap_err();
    assert_eq!(*e.kind(), ErrorKind::AlreadyExists, "{e}");
    let after = env
        .sim
        .accounts(NL)
        .into_iter()
        .find(|a| a.code == "C1")
        .unwrap();
    assert_eq!(after.name, before.name);
    assert!(!requests(&env.sim).iter().any(|r| r.method == "POST"));

    let fresh = Dimension::customer("C9", "Nieuwe Klant BV", "DE".parse().unwrap());
    let created = env.ledger.create_dimension(&nl(), &fresh).await.unwrap();
    assert_eq!(created, fresh);
    let renamed = Dimension::customer("C9", "Nieuwe Klant GmbH", "DE".parse().unwrap());
    let upserted = env.ledger.upsert_dimension(&nl(), &renamed).await.unwrap();
    assert_eq!(upserted.name, "Nieuwe Klant GmbH");
    let got = env
        .ledger
        .get_dimension(&nl(), DimensionKind::Customer, "C9")
        .await
        .unwrap();
    assert_eq!(got.country, Some("DE".parse().unwrap()));
}
