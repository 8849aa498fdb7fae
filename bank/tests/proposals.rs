//! Proposals on a 500-line synthetic MT940 and CAMT.053 statement against 2,000 open items
//! (issue 16): every line whose payment reference or invoice number is present is proposed its
//! invoice first, whichever format carried it; split payments (Q26) are grouped; lines that name
//! nothing get amount-only proposals or none.

mod synthetic;

use grootboek_bank::{parse_camt053, parse_mt940, propose_matches, BankLine, MatchReason};
use rust_decimal::Decimal;
use synthetic::{camt_of, mt940_of, open_items, specs, Spec};

fn check(format: &str, lines: &[BankLine], specs: &[Spec]) {
    assert_eq!(lines.len(), specs.len(), "{format}: every line read");
    let items = open_items();
    let proposals = propose_matches(&items, lines);
    let mut named = 0;
    let mut right = 0;
    for (p, spec) in proposals.iter().zip(specs) {
        let line = &lines[p.line];
        assert_eq!(line.amount, spec.amount, "{format} line {}", p.line);
        match spec.expect {
            Some(i) => {
                named += 1;
                if p.candidates.first().map(|c| c.item) == Some(i) {
                    right += 1;
                }
                if spec.split {
                    assert_eq!(p.split_with.len(), 1, "{format} line {}: {p:?}", p.line);
                    assert_eq!(p.candidates[0].reason, MatchReason::SplitPaymentInFull);
                }
            }
            None if spec.amount.fract() == Decimal::new(1, 2).fract()
                && spec.description == "Onbekend" =>
            {
                assert!(p.candidates.is_empty(), "{format} line {}: {p:?}", p.line)
            }
            None => {
                let c = &p.candidates;
                assert!(
                    c.len() == 1 && c[0].reason == MatchReason::AmountOnly && c[0].confidence < 90,
                    "{format} line {}: {p:?}",
                    p.line
                );
            }
        }
    }
    assert_eq!(named, 350);
    assert_eq!(
        right, named,
        "{format}: {right} of {named} named lines proposed right"
    );
    let full = proposals
        .iter()
        .filter(|p| p.candidates.first().is_some_and(|c| c.confidence == 100))
        .count();
    assert_eq!(
        full, 100,
        "{format}: the structured references paying in full"
    );
}

#[test]
fn every_named_line_of_a_500_line_mt940_statement_is_proposed_its_invoice() {
    let specs = specs();
    let statements = parse_mt940(&mt940_of(&specs)).unwrap();
    assert_eq!(statements.len(), 1);
    check("MT940", &statements[0].lines, &specs);
}

#[test]
fn every_named_line_of_a_500_line_camt053_statement_is_proposed_its_invoice() {
    let specs = specs();
    let statements = parse_camt053(camt_of(&specs).as_bytes()).unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].account, "NL12INGB0001234567");
    check("CAMT.053", &statements[0].lines, &specs);
}

#[test]
fn hostile_and_incomplete_camt_is_refused_naming_what_is_wrong() {
    let e = parse_camt053(b"<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"b\">]><Document/>")
        .unwrap_err();
    assert!(e.message.contains("DOCTYPE"), "{e}");
    let deep = format!("<Document>{}", "<a>".repeat(100_000));
    let e = parse_camt053(deep.as_bytes()).unwrap_err();
    assert!(e.message.contains("deeper than 64"), "{e}");
    let no_sign = camt_of(&specs()[..1]).replace("<CdtDbtInd>CRDT</CdtDbtInd>", "");
    let e = parse_camt053(no_sign.as_bytes()).unwrap_err();
    assert!(e.message.contains("CdtDbtInd"), "{e}");
    let no_amount = camt_of(&specs()[..1]).replace("<Amt Ccy=\"EUR\">100.00</Amt>", "");
    let e = parse_camt053(no_amount.as_bytes()).unwrap_err();
    assert!(e.message.contains("Amt"), "{e}");
    let e = parse_camt053(b"<Document><BkToCstmrStmt/></Document>").unwrap_err();
    assert!(e.message.contains("Stmt"), "{e}");
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../fixtures/bank/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn the_fixtures_read_to_the_same_lines() {
    use rust_decimal_macros::dec;
    let text = String::from_utf8(fixture("mt940-ing-swift-blocks.sta")).unwrap();
    let mt = parse_mt940(&text).unwrap();
    let lines = &mt[0].lines;
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].amount, dec!(435.55));
    assert_eq!(lines[0].end_to_end_id.as_deref(), Some("KLANT-4711-0001"));
    assert_eq!(lines[0].description, "Factuur F2026-00042 en dank");
    assert_eq!(
        lines[0].counterparty_iban.as_deref(),
        Some("NL91ABNA0417164300")
    );
    assert_eq!(
        lines[0].counterparty_name.as_deref(),
        Some("Bakkerij de Vries BV")
    );
    assert_eq!(lines[1].payment_reference.as_deref(), Some("F2026-00043"));
    assert_eq!(
        lines[1].counterparty_name.as_deref(),
        Some("Kaashandel Noord")
    );
    assert_eq!(lines[2].amount, dec!(-79.86));
    let sum: Decimal = lines.iter().map(|l| l.amount).sum();
    assert_eq!(dec!(2500.00) + sum, dec!(2976.69), "closing balance");

    let camt = parse_camt053(&fixture("camt053-two-entries.xml")).unwrap();
    let lines = &camt[0].lines;
    assert_eq!(camt[0].account, "NL12INGB0001234567");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].amount, dec!(435.55));
    assert_eq!(
        lines[0].counterparty_name.as_deref(),
        Some("Bakkerij de Vries BV")
    );
    assert_eq!(
        lines[0].counterparty_iban.as_deref(),
        Some("NL91ABNA0417164300")
    );
    assert_eq!(lines[0].end_to_end_id.as_deref(), Some("KLANT-4711-0001"));
    assert_eq!(lines[1].amount, dec!(-79.86));
    assert_eq!(
        lines[1].counterparty_name.as_deref(),
        Some("Energie Direct")
    );
    assert_eq!(lines[1].payment_reference.as_deref(), Some("EDI-0042"));
    assert_eq!(lines[1].end_to_end_id, None);
}
