//! Snapshots of every request body the adapter sends, taken from the simulator's request log, so
//! that a change in the wire format shows in review. GUIDs are replaced by `[guid]`.

mod common;

use common::*;
use grootboek_core::{
    CreditNote, CreditNotes, Dimension, DimensionKind, DimensionPatch, Dimensions, DocumentPatch,
    Invoice, Invoices, Patch, SalesLine,
};
use grootboek_exact::{BankEntry, BankEntryLine};
use rust_decimal_macros::dec;
use serde_json::Value;

fn normalise(v: Value) -> Value {
    match v {
        Value::String(s) if uuid::Uuid::parse_str(&s).is_ok() => Value::String("[guid]".into()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalise).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        other => other,
    }
}

/// The write requests since `from` in the log: method, path without GUIDs, and body.
fn writes(env: &Env, from: usize) -> Vec<Value> {
    requests(&env.sim)
        .into_iter()
        .skip(from)
        .filter(|r| r.method == "POST" || r.method == "PUT")
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| {
            let path = match (r.path.find("(guid'"), r.path.rfind("')")) {
                (Some(a), Some(b)) if b > a => {
                    format!("{}(guid'[guid]'){}", &r.path[..a], &r.path[b + 2..])
                }
                _ => r.path.clone(),
            };
            let body: Value =
                serde_json::from_str(&r.body).unwrap_or(Value::String(r.body.clone()));
            serde_json::json!({
                "method": r.method,
                "path": path.replace(&NL.to_string(), "{division}"),
                "query": r.query.map(|q| q.replace(&NL.to_string(), "{division}")),
                "body": normalise(body),
            })
        })
        .collect()
}

#[tokio::test]
async fn request_bodies_of_every_write() {
    let env = start().await;
    let nl = NL.to_string();
    let mark = requests(&env.sim).len();
    let inv = env
        .ledger
        .create_invoice(
            &Invoice::new(&nl, "70", "C1", "F-2026-001", date(2026, 3, 2))
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
                    dec!(50.10),
                    Some("1"),
                    dec!(9),
                )),
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("create_invoice", writes(&env, mark));

    let mark = requests(&env.sim).len();
    env.ledger
        .create_invoice(
            &Invoice::new(&nl, "70", "C2", "F-2026-002", date(2026, 3, 2)).with_line(
                SalesLine::new(
                    "8010",
                    "Machine-onderdelen",
                    dec!(14200),
                    Some("ICP"),
                    dec!(0),
                ),
            ),
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("create_icp_invoice", writes(&env, mark));

    let mark = requests(&env.sim).len();
    let cn = env
        .ledger
        .create_credit_note(
            &CreditNote::new(&nl, "70", "C1", "F-2026-001", date(2026, 3, 9)).with_line(
                SalesLine::new("8000", "Oven retour", dec!(1000), Some("2"), dec!(21)),
            ),
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("create_credit_note", writes(&env, mark));

    let mark = requests(&env.sim).len();
    env.ledger
        .update_credit_note(
            &cn.id,
            &DocumentPatch {
                description: Patch::Set("Geschil".into()),
                due_date: Patch::Set(date(2026, 4, 9)),
            },
        )
        .await
        .unwrap();
    env.ledger
        .update_invoice(
            &inv.id,
            &DocumentPatch {
                description: Patch::Clear,
                due_date: Patch::Keep,
            },
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("update_entries", writes(&env, mark));

    let mark = requests(&env.sim).len();
    let mut c = Dimension::customer("C9", "Nieuwe Klant BV", "DE".parse().unwrap());
    c.email = Some("debiteuren@klant.example".into());
    env.ledger.create_dimension(&nl, &c).await.unwrap();
    c.name = "Nieuwe Klant GmbH".into();
    env.ledger.upsert_dimension(&nl, &c).await.unwrap();
    env.ledger
        .update_dimension(
            &nl,
            DimensionKind::Customer,
            "C9",
            &DimensionPatch {
                email: Patch::Clear,
                vat_number: Patch::Set("DE123456789".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("customers", writes(&env, mark));

    let mark = requests(&env.sim).len();
    env.ledger
        .post_bank_entry(&BankEntry {
            administration: nl.clone(),
            journal: "20".into(),
            currency: None,
            lines: vec![BankEntryLine {
                date: date(2026, 3, 20),
                amount: dec!(-1264.50),
                gl_account: None,
                customer: Some("C1".into()),
                description: Some("Betaling F-2026-001".into()),
                our_ref: Some(1),
            }],
        })
        .await
        .unwrap();
    env.ledger
        .create_webhook_subscription(&nl, "Accounts", &callback_server().await)
        .await
        .unwrap();
    let mut w = writes(&env, mark);
    // The callback's port changes per run.
    if let Some(Value::Object(b)) = w.get_mut(1).and_then(|x| x.get_mut("body")) {
        b.insert("CallbackURL".into(), Value::String("[callback]".into()));
    }
    insta::assert_json_snapshot!("bank_entry_and_webhook_subscription", w);
}
