//! One or more tests per Twinfield quirk: the corruption a naive client suffers with the switch
//! on, and its absence with the switch off.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use std::time::Duration;

use grootboek_sim::twinfield::xml::Element;
use grootboek_sim::twinfield::{Transaction, TransactionLine, TwinfieldSeed};
use rust_decimal::Decimal;
use twinfield_support::*;

fn line_vatcode(doc: &Element, line_type: &str) -> Option<String> {
    doc.child("lines")?
        .children_named("line")
        .find(|l| l.attr("type") == Some(line_type))
        .and_then(|l| l.child_text("vatcode"))
}

// ---------------------------------------------------------------- Q03

/// A client that worked in office A1 (which has VL, 9%) posts the same invoice to office A2
/// (which has no VL) for a Dutch customer: with Q03 on, Twinfield answers result="1" and the
/// line is silently booked with A2's default VN (0%): the 9% VAT is gone.
#[tokio::test]
async fn q03_missing_vat_code_is_silently_swapped_for_domestic_customer() {
    let env = env().await;
    let ok_in_a1 = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "109.00", "VL", "temporary"),
        )
        .await
        .doc();
    assert_eq!(ok_in_a1.attr("result"), Some("1"));
    assert_eq!(line_vatcode(&ok_in_a1, "detail").as_deref(), Some("VL"));

    // Same invoice, but the naive client computed the total with VL 9% and sends it to A2.
    // Swapped to 0% the booking would not balance, so the naive client sends 100.00 gross
    // expecting Twinfield to add VAT: it books with VN and no VAT at all.
    let doc = env
        .px_a(
            OFFICE_A2,
            &sales_invoice(OFFICE_A2, "1000", "100.00", "100.00", "VL", "temporary"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    assert_eq!(
        line_vatcode(&doc, "detail").as_deref(),
        Some("VN"),
        "swapped to the default"
    );
    let stored = env
        .sim
        .transaction(OFFICE_A2, "VRK", &number_of(&doc))
        .expect("stored");
    let vat: Decimal = stored
        .lines
        .iter()
        .filter(|l| l.line_type == "vat")
        .map(|l| l.value)
        .sum();
    assert_eq!(
        vat,
        Decimal::ZERO,
        "the VAT the client meant to charge is lost"
    );
}

#[tokio::test]
async fn q03_missing_vat_code_is_rejected_for_foreign_customer() {
    let env = env().await;
    let doc = env
        .px_a(
            OFFICE_A2,
            &sales_invoice(OFFICE_A2, "1001", "100.00", "109.00", "VL", "temporary"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    let vatcode = doc
        .path(&["lines"])
        .and_then(|l| l.children_named("line").nth(1))
        .and_then(|l| l.child("vatcode"))
        .expect("vatcode element");
    assert_eq!(vatcode.attr("msgtype"), Some("error"));
    assert_eq!(vatcode.attr("msg"), Some("Ongeldige btw-code."));
}

#[tokio::test]
async fn q03_off_missing_vat_code_is_always_rejected() {
    let env = env().await;
    env.sim.core().switches.set("Q03", false);
    let doc = env
        .px_a(
            OFFICE_A2,
            &sales_invoice(OFFICE_A2, "1000", "100.00", "100.00", "VL", "temporary"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"), "{}", doc.to_xml());
    assert!(messages(&doc).iter().any(|m| m == "Ongeldige btw-code."));
    assert!(env.sim.transactions(OFFICE_A2).is_empty(), "nothing booked");
}

#[tokio::test]
async fn q03_vat_codes_are_per_office_through_finder_and_read() {
    let env = env().await;
    // The VAT code list per office, through the Finder.
    let search = |office: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{}</AccessToken><CompanyCode>{office}</CompanyCode></Header></soap:Header><soap:Body><Search xmlns="http://www.twinfield.com/"><type>VAT</type><pattern>*</pattern><field>0</field><firstRow>1</firstRow><maxRows>100</maxRows><options><ArrayOfString><string>vattype</string><string>sales</string></ArrayOfString></options></Search></soap:Body></soap:Envelope>"#,
            env.a.access_token
        )
    };
    let codes = |body: &str| -> Vec<String> {
        let env = grootboek_sim::twinfield::xml::parse(body).unwrap();
        env.path(&["Body", "SearchResponse", "data", "Items"])
            .map(|items| {
                items
                    .children_named("ArrayOfString")
                    .filter_map(|a| a.child_text("string"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut got = Vec::new();
    for office in [OFFICE_A1, OFFICE_A2] {
        let resp = env
            .http
            .post(format!("{}/webservices/finder.asmx", env.cluster(1)))
            .header("SOAPAction", "\"http://www.twinfield.com/Search\"")
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(search(office))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        got.push(codes(&resp.text().await.unwrap()));
    }
    assert_eq!(got[0], vec!["VH", "VL", "VN"]);
    assert_eq!(got[1], vec!["VH", "VN"]);
    // Reading VL in A2 fails on the code element.
    let doc = env
        .px_a(
            OFFICE_A2,
            &format!("<read><type>vat</type><office>{OFFICE_A2}</office><code>VL</code></read>"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    assert_eq!(
        doc.child("code").and_then(|c| c.attr("msgtype")),
        Some("error")
    );
}

// ---------------------------------------------------------------- Q06

fn seeded_invoice(match_status: &str, open: &str) -> TwinfieldSeed {
    TwinfieldSeed {
        transactions: vec![Transaction {
            office: OFFICE_A1.into(),
            code: "VRK".into(),
            number: "202400077".into(),
            status: "final".into(),
            date: chrono::NaiveDate::from_ymd_opt(2024, 3, 1),
            invoice_number: "77".into(),
            lines: vec![
                TransactionLine {
                    line_type: "total".into(),
                    dim1: "1300".into(),
                    dim2: "1000".into(),
                    debit_credit: "debit".into(),
                    value: "121.00".parse().unwrap(),
                    open_value: Some(open.parse().unwrap()),
                    match_status: match_status.into(),
                    ..TransactionLine::default()
                },
                TransactionLine {
                    line_type: "detail".into(),
                    dim1: "8020".into(),
                    debit_credit: "credit".into(),
                    value: "100.00".parse().unwrap(),
                    vat_code: "VH".into(),
                    ..TransactionLine::default()
                },
                TransactionLine {
                    line_type: "vat".into(),
                    dim1: "1530".into(),
                    debit_credit: "credit".into(),
                    value: "21.00".parse().unwrap(),
                    vat_code: "VH".into(),
                    ..TransactionLine::default()
                },
            ],
            ..Transaction::default()
        }],
        ..TwinfieldSeed::default()
    }
}

const BROWSE_100: &str = r#"<columns code="100"><column><field>fin.trs.head.office</field><label>Office</label><visible>true</visible><ask>false</ask><operator>equal</operator><from>NLA000001</from><to/></column><column><field>fin.trs.head.code</field><visible>true</visible></column><column><field>fin.trs.head.number</field><visible>true</visible></column><column><field>fin.trs.line.dim2</field><visible>true</visible></column><column><field>fin.trs.line.openvaluesigned</field><visible>true</visible></column><column><field>fin.trs.line.matchstatus</field><visible>true</visible></column></columns>"#;

fn cell(tr: &Element, field: &str) -> String {
    tr.children_named("td")
        .find(|td| td.attr("field") == Some(field))
        .map(Element::text)
        .unwrap_or_default()
}

/// A naive client decides "paid" from matchstatus: with Q06 on it drops an item whose whole
/// 121.00 is still open.
#[tokio::test]
async fn q06_matched_status_with_zero_matched_amount_hides_open_item() {
    let env = env().await;
    env.sim.seed(seeded_invoice("matched", "121.00")).unwrap();
    let doc = env.px_a(OFFICE_A1, BROWSE_100).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    let rows: Vec<&Element> = doc.children_named("tr").collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(cell(rows[0], "fin.trs.line.matchstatus"), "matched");
    assert_eq!(cell(rows[0], "fin.trs.line.openvaluesigned"), "121.00");
    let naive_open: Vec<&&Element> = rows
        .iter()
        .filter(|r| cell(r, "fin.trs.line.matchstatus") != "matched")
        .collect();
    assert!(naive_open.is_empty(), "the naive client sees nothing open");
    // The open-items browse (130_1) leaves it out as well.
    let open_items = env
        .px_a(
            OFFICE_A1,
            &BROWSE_100.replace("code=\"100\"", "code=\"130_1\""),
        )
        .await
        .doc();
    assert_eq!(open_items.children_named("tr").count(), 0);
}

#[tokio::test]
async fn q06_off_matched_with_open_amount_reads_available() {
    let env = env().await;
    env.sim.core().switches.set("Q06", false);
    env.sim.seed(seeded_invoice("matched", "121.00")).unwrap();
    let doc = env.px_a(OFFICE_A1, BROWSE_100).await.doc();
    let row = doc.children_named("tr").next().expect("row");
    assert_eq!(cell(row, "fin.trs.line.matchstatus"), "available");
    let open_items = env
        .px_a(
            OFFICE_A1,
            &BROWSE_100.replace("code=\"100\"", "code=\"130_1\""),
        )
        .await
        .doc();
    assert_eq!(open_items.children_named("tr").count(), 1);
}

fn zero_match(number: &str) -> String {
    format!(
        r#"<match><set><office>{OFFICE_A1}</office><matchcode>170</matchcode><matchdate>20240320</matchdate><lines><line><transcode>VRK</transcode><transnumber>{number}</transnumber><transline>1</transline><matchvalue>0.00</matchvalue></line></lines></set></match>"#
    )
}

/// Over the wire: a match with a matched amount of 0.00 (a proposal reversed in the same
/// session) flips the status to matched though nothing was paid; Q06 off keeps it available.
#[tokio::test]
async fn q06_zero_amount_match_over_the_wire_on_and_off() {
    for (q06, expected) in [(true, "matched"), (false, "available")] {
        let env = env().await;
        env.sim.core().switches.set("Q06", q06);
        let tx = env
            .px_a(
                OFFICE_A1,
                &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
            )
            .await
            .doc();
        let number = number_of(&tx);
        let set = env.px_a(OFFICE_A1, &zero_match(&number)).await.doc();
        assert_eq!(set.attr("result"), Some("1"), "{}", set.to_xml());
        let read = env
            .px_a(
                OFFICE_A1,
                &format!("<read><type>transaction</type><office>{OFFICE_A1}</office><code>VRK</code><number>{number}</number></read>"),
            )
            .await
            .doc();
        let total = read
            .path(&["lines"])
            .and_then(|l| {
                l.children_named("line")
                    .find(|l| l.attr("type") == Some("total"))
            })
            .expect("total line");
        assert_eq!(
            total.child_text("matchstatus").as_deref(),
            Some(expected),
            "Q06={q06}"
        );
        assert_eq!(total.child_text("openvalue").as_deref(), Some("121.00"));
    }
}

// ---------------------------------------------------------------- Q11

async fn pdf_url(env: &Env) -> String {
    let tx = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc();
    let number = number_of(&tx);
    let doc = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>invoicepdf</type><office>{OFFICE_A1}</office><code>VRK</code><number>{number}</number></read>"),
        )
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    doc.child_text("url").expect("url")
}

/// A client that stores the URL instead of the bytes finds it dead an hour later.
#[tokio::test]
async fn q11_pdf_url_expires_after_60_minutes() {
    let env = env().await;
    let url = pdf_url(&env).await;
    let first = env.http.get(&url).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert!(first.bytes().await.unwrap().starts_with(b"%PDF-"));
    env.sim.core().clock.advance(Duration::from_secs(59 * 60));
    assert_eq!(
        env.http.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    env.sim.core().clock.advance(Duration::from_secs(61));
    assert_eq!(
        env.http.get(&url).send().await.unwrap().status().as_u16(),
        403
    );
}

#[tokio::test]
async fn q11_off_pdf_url_never_expires() {
    let env = env().await;
    env.sim.core().switches.set("Q11", false);
    let url = pdf_url(&env).await;
    env.sim.core().clock.advance(Duration::from_secs(48 * 3600));
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

// ---------------------------------------------------------------- Q12

async fn rest_status(env: &Env, number: &str) -> (u16, serde_json::Value) {
    let resp = env
        .http
        .get(format!(
            "{}/api/v1/offices/{OFFICE_A1}/transactions/VRK/{number}",
            env.cluster(1)
        ))
        .bearer_auth(&env.a.access_token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

/// Write temporary, wait, finalise: for 30 s the REST read still says temporary (and a fresh
/// write is not there at all), while the SOAP read says final.
#[tokio::test]
async fn q12_rest_status_lags_soap_by_30_seconds() {
    let env = env().await;
    let tx = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary"),
        )
        .await
        .doc();
    let number = number_of(&tx);
    let (status, _) = rest_status(&env, &number).await;
    assert_eq!(status, 404, "a fresh write is not visible yet");
    env.sim.core().clock.advance(Duration::from_secs(31));
    let (status, view) = rest_status(&env, &number).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("temporary")));

    let finalise = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final").replace(
        "<invoicenumber>",
        &format!("<number>{number}</number><invoicenumber>"),
    );
    let done = env.px_a(OFFICE_A1, &finalise).await.doc();
    assert_eq!(done.attr("location"), Some("final"), "{}", done.to_xml());
    let (_, view) = rest_status(&env, &number).await;
    assert_eq!(
        view["status"], "temporary",
        "REST still shows the old status"
    );
    let soap = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>transaction</type><office>{OFFICE_A1}</office><code>VRK</code><number>{number}</number></read>"),
        )
        .await
        .doc();
    assert_eq!(
        soap.attr("location"),
        Some("final"),
        "SOAP reads its own write"
    );
    env.sim.core().clock.advance(Duration::from_secs(31));
    let (_, view) = rest_status(&env, &number).await;
    assert_eq!(view["status"], "final");
}

#[tokio::test]
async fn q12_off_rest_status_agrees_at_once() {
    let env = env().await;
    env.sim.core().switches.set("Q12", false);
    let tx = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc();
    let (status, view) = rest_status(&env, &number_of(&tx)).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("final")));
}

// ---------------------------------------------------------------- Q15

fn customer(code: &str, name: &str) -> String {
    format!(
        r#"<dimensions><dimension><office>{OFFICE_A1}</office><type>DEB</type><code>{code}</code><name>{name}</name><financials><duedays>14</duedays></financials><addresses><address type="invoice" default="true"><country>NL</country><city>Utrecht</city></address></addresses></dimension></dimensions>"#
    )
}

/// "Create" customer 1000 (which exists): Twinfield answers result="1" and the existing
/// customer's name is gone.
#[tokio::test]
async fn q15_create_with_existing_code_overwrites() {
    let env = env().await;
    let before = env.sim.dimension(OFFICE_A1, "DEB", "1000").expect("seeded");
    assert_eq!(before.name, "Bakkerij De Vries");
    let doc = env
        .px_a(OFFICE_A1, &customer("1000", "Nieuwe Klant BV"))
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    let after = env.sim.dimension(OFFICE_A1, "DEB", "1000").unwrap();
    assert_eq!(
        after.name, "Nieuwe Klant BV",
        "the existing customer was overwritten"
    );
    assert_eq!(after.uid, before.uid, "same dimension, silently changed");
}

#[tokio::test]
async fn q15_off_create_with_existing_code_is_refused() {
    let env = env().await;
    env.sim.core().switches.set("Q15", false);
    let doc = env
        .px_a(OFFICE_A1, &customer("1000", "Nieuwe Klant BV"))
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    let code = doc
        .child("dimension")
        .and_then(|d| d.child("code"))
        .expect("code");
    assert_eq!(code.attr("msg"), Some("Dimensie 1000 bestaat al."));
    assert_eq!(
        env.sim.dimension(OFFICE_A1, "DEB", "1000").unwrap().name,
        "Bakkerij De Vries"
    );
    // An update that carries the uid (read-modify-write) goes through.
    let uid = env.sim.dimension(OFFICE_A1, "DEB", "1000").unwrap().uid;
    let update = customer("1000", "Bakkerij De Vries &amp; Zn")
        .replace("<name>", &format!("<uid>{uid}</uid><name>"));
    let doc = env.px_a(OFFICE_A1, &update).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    assert_eq!(
        env.sim.dimension(OFFICE_A1, "DEB", "1000").unwrap().name,
        "Bakkerij De Vries & Zn"
    );
}

// ---------------------------------------------------------------- Q25

/// Office A1 with two balance-sheet accounts whose codes differ only by a leading zero: `0110`
/// (fixed assets) and `110` (a cash account of a branch).
fn padded_accounts() -> TwinfieldSeed {
    let account = |code: &str, name: &str| grootboek_sim::twinfield::Dimension {
        office: OFFICE_A1.into(),
        dim_type: "BAS".into(),
        code: code.into(),
        name: name.into(),
        ..Default::default()
    };
    TwinfieldSeed {
        dimensions: vec![
            account("0110", "Inventaris"),
            account("110", "Kas vestiging"),
        ],
        ..TwinfieldSeed::default()
    }
}

const BROWSE_DIM1: &str = r#"<columns code="000"><column><field>fin.trs.head.office</field><visible>true</visible><operator>equal</operator><from>NLA000001</from></column><column><field>fin.trs.head.number</field><visible>true</visible></column><column><field>fin.trs.line.dim1</field><visible>true</visible></column><column><field>fin.trs.line.valuesigned</field><visible>true</visible></column></columns>"#;

/// Post a sale with its revenue line on `account`, then read the `dim1` cells the browse shows for
/// that transaction: its number and the codes as read.
async fn post_and_browse_dim1(env: &Env, account: &str) -> (String, Vec<String>) {
    let sale = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final")
        .replace("<dim1>8020</dim1>", &format!("<dim1>{account}</dim1>"));
    let doc = env.px_a(OFFICE_A1, &sale).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    let number = number_of(&doc);
    let browse = env.px_a(OFFICE_A1, BROWSE_DIM1).await.doc();
    let read = browse
        .children_named("tr")
        .filter(|tr| cell(tr, "fin.trs.head.number") == number)
        .map(|tr| cell(tr, "fin.trs.line.dim1"))
        .collect();
    (number, read)
}

/// Post a sale of office equipment on `0110`, then read the browse: Twinfield shows the account
/// as `110`. A naive client that books the correction on the code it read posts it to the other
/// account `110`, and Twinfield accepts it.
#[tokio::test]
async fn q25_browse_reads_0110_as_110_and_a_naive_correction_lands_on_110() {
    let env = env().await;
    env.sim.seed(padded_accounts()).unwrap();
    let (number, read) = post_and_browse_dim1(&env, "0110").await;
    let stored = env.sim.transaction(OFFICE_A1, "VRK", &number).unwrap();
    assert!(
        stored.lines.iter().any(|l| l.dim1 == "0110"),
        "stored as 0110"
    );
    assert!(read.contains(&"110".to_string()), "read as 110: {read:?}");
    assert!(!read.contains(&"0110".to_string()), "{read:?}");

    // The naive correction: a credit note on the code the browse showed.
    let correction = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final")
        .replace("<dim1>8020</dim1>", "<dim1>110</dim1>")
        .replace(
            "<debitcredit>debit</debitcredit>",
            "<debitcredit>swap</debitcredit>",
        )
        .replace(
            "<debitcredit>credit</debitcredit>",
            "<debitcredit>debit</debitcredit>",
        )
        .replace(
            "<debitcredit>swap</debitcredit>",
            "<debitcredit>credit</debitcredit>",
        );
    let doc = env.px_a(OFFICE_A1, &correction).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    let corrected = env
        .sim
        .transaction(OFFICE_A1, "VRK", &number_of(&doc))
        .unwrap();
    assert!(
        corrected.lines.iter().any(|l| l.dim1 == "110"),
        "the correction landed on the branch's cash account 110, not on 0110"
    );
}

/// With Q25 off the browse shows the code as stored.
#[tokio::test]
async fn q25_off_browse_reads_the_stored_code() {
    let env = env().await;
    env.sim.core().switches.set("Q25", false);
    env.sim.seed(padded_accounts()).unwrap();
    let (_, read) = post_and_browse_dim1(&env, "0110").await;
    assert!(read.contains(&"0110".to_string()), "{read:?}");
    assert!(!read.contains(&"110".to_string()), "{read:?}");
}
