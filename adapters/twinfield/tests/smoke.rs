//! A first end-to-end pass: offices, VAT codes and one invoice read back.

mod common;
use common::*;
use grootboek_core::{Invoices, Ledger};
use rust_decimal_macros::dec;

#[tokio::test]
async fn smoke_offices_vat_and_an_invoice() {
    let e = env().await;
    let offices = e.ledger.administrations().await.unwrap();
    assert!(offices.iter().any(|o| o.code == OFFICE), "{offices:?}");
    let vat = e.ledger.vat_codes(OFFICE).await.unwrap();
    assert!(
        vat.iter().any(|v| v.code == "VH" && v.rate == dec!(21)),
        "{vat:?}"
    );
    let inv = invoice(OFFICE, "1000", "F-1", dec!(100), Some("VH"), dec!(21));
    let posted = e.ledger.create_invoice(&inv).await;
    let posted = posted.unwrap();
    assert_eq!(posted.document.lines[0].vat_amount, dec!(21));
}

/// The office list answered in UTF-16 with a byte-order mark (as a recorded one came) over real
/// HTTP lists the same offices as the UTF-8 answer, codes and names intact.
#[tokio::test]
async fn offices_listed_from_a_utf16_answer() {
    let e = env().await;
    let utf8 = e.ledger.administrations().await.unwrap();
    e.sim
        .seed(grootboek_sim::twinfield::TwinfieldSeed {
            utf16_office_list: Some(true),
            ..Default::default()
        })
        .unwrap();
    let utf16 = e.ledger.administrations().await.unwrap();
    assert!(!utf16.is_empty());
    assert_eq!(
        utf16.iter().map(|o| (&o.code, &o.name)).collect::<Vec<_>>(),
        utf8.iter().map(|o| (&o.code, &o.name)).collect::<Vec<_>>()
    );
}
