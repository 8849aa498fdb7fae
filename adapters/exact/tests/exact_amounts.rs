//! Amounts cross the wire as exact decimal text in both directions: an amount with more
//! significant digits than an `f64` holds is written byte for byte, accepted by the simulator,
//! and read back (through `parse_numbers_as_text`) as the very same `Decimal`.

mod common;

use common::*;
use grootboek_exact::{BankEntry, BankEntryLine};
use rust_decimal_macros::dec;

#[tokio::test]
async fn an_amount_beyond_f64_precision_is_written_and_read_back_exactly() {
    let env = start().await;
    let nl = NL.to_string();
    // 17 significant digits, within the simulator's 10^15 bound: the nearest f64 is
    // 987654321098765.375, so any float on the way (out or back in) would change the cents and
    // fail the read-back verification. The old checked-f64 writer refused this amount outright.
    let amount = dec!(-987654321098765.43);
    let mark = requests(&env.sim).len();
    let posted = env
        .ledger
        .post_bank_entry(&BankEntry {
            administration: nl.clone(),
            journal: "20".into(),
            currency: None,
            lines: vec![BankEntryLine {
                date: date(2026, 3, 20),
                amount,
                gl_account: None,
                customer: Some("C1".into()),
                description: Some("Grote betaling".into()),
                our_ref: Some(7),
            }],
        })
        .await
        .unwrap();
    assert_eq!(posted.entry.lines.len(), 1);
    assert_eq!(posted.entry.lines[0].amount, amount);
    // And once more through a plain listing read, independent of write verification.
    let listed = env.ledger.bank_entries(&nl).await.unwrap();
    let back = listed
        .iter()
        .find(|e| e.entry_id == posted.entry_id)
        .expect("the posted bank entry is listed");
    assert_eq!(back.entry.lines[0].amount, amount);
    assert_eq!(
        back.entry.lines[0].amount.to_string(),
        "-987654321098765.43"
    );
    let post = requests(&env.sim)
        .into_iter()
        .skip(mark)
        .find(|r| r.method == "POST" && r.path.ends_with("/financialtransaction/BankEntries"))
        .expect("the bank entry was posted");
    assert!(
        post.body.contains(r#""AmountFC":-987654321098765.43,"#),
        "{}",
        post.body
    );
    assert!(post.body.contains(r#""OurRef":7"#), "{}", post.body);
}
