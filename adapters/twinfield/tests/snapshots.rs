//! Insta snapshots of every ProcessXml document the adapter sends (taken from the simulator's
//! request log), and of the SOAP envelopes around them (token redacted).

mod common;

use common::*;
use grootboek_core::{
    CreditNote, CreditNotes, Dimension, DimensionKind, DimensionPatch, Dimensions, DocumentPatch,
    Invoices, Ledger, Patch, SalesLine,
};
use rust_decimal_macros::dec;

fn redact_uids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<uid>") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        if let Some(j) = rest.find("</uid>") {
            out.push_str("[uid]");
            rest = &rest[j..];
        }
    }
    out.push_str(rest);
    out
}

fn redact_token(envelope: &str) -> String {
    match (
        envelope.find("<AccessToken>"),
        envelope.find("</AccessToken>"),
    ) {
        (Some(a), Some(b)) => format!("{}<AccessToken>[token]{}", &envelope[..a], &envelope[b..]),
        _ => envelope.to_string(),
    }
}

#[tokio::test]
async fn every_processxml_document_the_adapter_sends() {
    let e = env().await;
    let l = &e.ledger;
    l.administrations().await.unwrap();
    l.vat_codes(OFFICE).await.unwrap();
    l.list_dimensions(OFFICE, DimensionKind::Customer, None)
        .await
        .unwrap();
    let mut d = Dimension::customer("1100", "Lunchroom Het Hoekje", "NL".parse().unwrap());
    d.email = Some("admin@hoekje.example".into());
    l.create_dimension(OFFICE, &d).await.unwrap();
    let patch = DimensionPatch {
        email: Patch::Clear,
        ..Default::default()
    };
    l.update_dimension(OFFICE, DimensionKind::Customer, "1100", &patch)
        .await
        .unwrap();
    let inv = invoice(
        OFFICE,
        "1000",
        "F2026-0001",
        dec!(100),
        Some("VH"),
        dec!(21),
    )
    .with_due_date(date() + chrono::Duration::days(30))
    .with_description("Mei");
    let p = l.create_invoice(&inv).await.unwrap();
    let cn = CreditNote::new(OFFICE, "VRK", "1000", "C2026-0001", date()).with_line(
        SalesLine::new("8020", "Retour", dec!(20), Some("VH"), dec!(21)),
    );
    l.create_credit_note(&cn).await.unwrap();
    l.update_invoice(
        &p.id,
        &DocumentPatch {
            description: Patch::Set("Mei (herzien)".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    l.find_invoices(OFFICE, "F2026-0001").await.unwrap();
    l.all_open_items(OFFICE).await.unwrap();
    l.customer_balance(OFFICE, "1000").await.unwrap();
    l.invoice_pdf(&p.id).await.unwrap();

    let docs: Vec<String> = process_xml_documents(&e.sim)
        .iter()
        .map(|d| redact_uids(d))
        .collect();
    insta::assert_snapshot!("processxml_documents", docs.join("\n"));

    // The envelopes: ProcessXmlString with CompanyCode, without it (list offices), and Finder.
    let log = e.sim.core().log.snapshot();
    let first_px = log
        .iter()
        .find(|r| r.path.ends_with("processxml.asmx"))
        .unwrap();
    insta::assert_snapshot!("envelope_list_offices", redact_token(&first_px.body));
    let office_px = log
        .iter()
        .find(|r| r.path.ends_with("processxml.asmx") && r.body.contains("CompanyCode"))
        .unwrap();
    insta::assert_snapshot!("envelope_processxml_office", redact_token(&office_px.body));
    let finder = log
        .iter()
        .find(|r| r.path.ends_with("finder.asmx"))
        .unwrap();
    insta::assert_snapshot!("envelope_finder_vat", redact_token(&finder.body));
}
