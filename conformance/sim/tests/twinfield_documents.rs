//! ProcessXml documents: dimensions, transactions (sales, purchase, journal), numbering, VAT
//! lines, read-back, delete, browse open items and matching.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use grootboek_sim::twinfield::xml::Element;
use twinfield_support::*;

fn lines_of(doc: &Element) -> Vec<&Element> {
    doc.child("lines")
        .map(|l| l.children_named("line").collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn dimensions_of_every_type_are_written_read_and_listed() {
    let env = env().await;
    let mut batch = String::from("<dimensions>");
    for (t, code, name) in [
        ("DEB", "1100", "Klant"),
        ("CRD", "2100", "Leverancier"),
        ("BAS", "1200", "Kas"),
        ("PNL", "8100", "Omzet diensten"),
        ("KPL", "100", "Verkoop"),
        ("PRJ", "P01", "Project een"),
    ] {
        batch.push_str(&format!(
            "<dimension><office>{OFFICE_A1}</office><type>{t}</type><code>{code}</code><name>{name}</name></dimension>"
        ));
    }
    batch.push_str("</dimensions>");
    let doc = env.px_a(OFFICE_A1, &batch).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    assert_eq!(doc.children_named("dimension").count(), 6);
    for (t, code, name) in [
        ("PNL", "8100", "Omzet diensten"),
        ("PRJ", "P01", "Project een"),
    ] {
        let read = env
            .px_a(
                OFFICE_A1,
                &format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>{t}</dimtype><code>{code}</code></read>"),
            )
            .await
            .doc();
        assert_eq!(read.attr("result"), Some("1"));
        assert_eq!(read.child_text("type").as_deref(), Some(t));
        assert_eq!(read.child_text("name").as_deref(), Some(name));
    }
    // The list ends with Twinfield's pseudo-row for the type itself.
    let list = env
        .px_a(OFFICE_A1, &format!("<list><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>KPL</dimtype></list>"))
        .await
        .doc();
    let codes: Vec<String> = list
        .children_named("dimension")
        .map(Element::text)
        .collect();
    assert_eq!(codes, vec!["100", "KPL"]);
    // Not found, bad type, inuse, empty code gets the next number.
    let missing = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>00590</code></read>"),
        )
        .await
        .doc();
    assert_eq!(
        missing.child("code").and_then(|c| c.attr("msg")),
        Some("Dimensie 00590 bestaat niet.")
    );
    let bad = env
        .px_a(OFFICE_A1, "<dimension><type>BAT</type><code>1</code><name>x</name><inuse>true</inuse></dimension>")
        .await
        .doc();
    assert_eq!(bad.attr("result"), Some("0"));
    assert_eq!(
        bad.child("type").and_then(|c| c.attr("msg")),
        Some("Dimensietype BAT bestaat niet.")
    );
    assert!(bad.child("inuse").and_then(|c| c.attr("msg")).is_some());
    let auto = env
        .px_a(
            OFFICE_A1,
            "<dimension><type>DEB</type><code></code><name>Nieuw</name></dimension>",
        )
        .await
        .doc();
    assert_eq!(auto.child_text("code").as_deref(), Some("1101"));
}

#[tokio::test]
async fn sales_purchase_and_journal_get_numbers_per_day_book_and_vat_lines() {
    let env = env().await;
    let first = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc();
    assert_eq!(first.attr("result"), Some("1"), "{}", first.to_xml());
    assert_eq!(first.attr("location"), Some("final"));
    assert_eq!(number_of(&first), "202400001");
    let lines = lines_of(&first);
    assert_eq!(lines.len(), 3, "Twinfield adds the VAT line");
    let vat = lines[2];
    assert_eq!(vat.attr("type"), Some("vat"));
    assert_eq!(vat.child_text("dim1").as_deref(), Some("1530"));
    assert_eq!(vat.child_text("value").as_deref(), Some("21.00"));
    assert_eq!(vat.child_text("vatturnover").as_deref(), Some("100.00"));
    assert_eq!(lines[0].child_text("vattotal").as_deref(), Some("21.00"));
    assert_eq!(
        lines[0].child_text("matchstatus").as_deref(),
        Some("available")
    );
    assert_eq!(
        lines[1].child_text("matchstatus").as_deref(),
        Some("notmatchable")
    );
    assert_eq!(lines[1].child_text("vatvalue").as_deref(), Some("21.00"));
    assert_eq!(
        first
            .path(&["header", "period"])
            .map(Element::text)
            .as_deref(),
        Some("2024/03")
    );
    assert_eq!(
        first
            .path(&["header", "duedate"])
            .map(Element::text)
            .as_deref(),
        Some("20240414")
    );
    let second = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "10.00", "12.10", "VH", "temporary"),
        )
        .await
        .doc();
    assert_eq!(number_of(&second), "202400002");

    let purchase = format!(
        r#"<transaction destiny="temporary"><header><office>{OFFICE_A1}</office><code>INK</code><date>20240301</date><invoicenumber>F-77</invoicenumber></header><lines><line type="total"><dim1>1600</dim1><dim2>2000</dim2><debitcredit>credit</debitcredit><value>242.00</value></line><line type="detail"><dim1>4000</dim1><debitcredit>debit</debitcredit><value>200.00</value><vatcode>IH</vatcode></line></lines></transaction>"#
    );
    let p = env.px_a(OFFICE_A1, &purchase).await.doc();
    assert_eq!(p.attr("result"), Some("1"), "{}", p.to_xml());
    assert_eq!(number_of(&p), "202400001", "own sequence per day book");
    let pl = lines_of(&p);
    assert_eq!(pl[2].child_text("dim1").as_deref(), Some("1510"));
    assert_eq!(pl[2].child_text("debitcredit").as_deref(), Some("debit"));
    assert_eq!(pl[0].child_text("openvalue").as_deref(), Some("242.00"));

    let journal = format!(
        r#"<transaction destiny="final"><header><office>{OFFICE_A1}</office><code>MEMO</code><date>20241105</date></header><lines><line type="detail"><dim1>4000</dim1><debitcredit>debit</debitcredit><value>435.55</value></line><line type="detail"><dim1>1300</dim1><dim2>1000</dim2><debitcredit>credit</debitcredit><value>435.55</value><invoicenumber>20130-6000</invoicenumber></line></lines></transaction>"#
    );
    let j = env.px_a(OFFICE_A1, &journal).await.doc();
    assert_eq!(j.attr("result"), Some("1"), "{}", j.to_xml());
    assert_eq!(
        j.path(&["header", "period"]).map(Element::text).as_deref(),
        Some("2024/11")
    );
    assert_eq!(
        lines_of(&j)[1].child_text("matchstatus").as_deref(),
        Some("available")
    );

    // Read back.
    let read = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>transaction</type><office>{OFFICE_A1}</office><code>VRK</code><number>202400001</number></read>"),
        )
        .await
        .doc();
    assert_eq!(read.to_xml(), {
        let mut f = first.clone();
        f.remove_attr("raisewarning");
        f.to_xml()
    });
    let missing = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>transaction</type><office>{OFFICE_A1}</office><code>VRK</code><number>209900001</number></read>"),
        )
        .await
        .doc();
    assert_eq!(missing.attr("result"), Some("0"));
    assert!(missing.attr("msg").is_some());
}

#[tokio::test]
async fn bad_destiny_and_final_updates_and_deletes() {
    let env = env().await;
    let bad = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "later"),
        )
        .await
        .doc();
    assert_eq!(
        bad.attr("msg"),
        Some("Incorrecte XML - de bestemming is ongeldig.")
    );
    let fin = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc();
    let n = number_of(&fin);
    let update = sales_invoice(OFFICE_A1, "1000", "50.00", "60.50", "VH", "final").replace(
        "<invoicenumber>",
        &format!("<number>{n}</number><invoicenumber>"),
    );
    let refused = env.px_a(OFFICE_A1, &update).await.doc();
    assert_eq!(refused.attr("result"), Some("0"));
    let delete = |number: &str| {
        format!(
            r#"<transaction action="delete" reason="test"><office>{OFFICE_A1}</office><code>VRK</code><number>{number}</number></transaction>"#
        )
    };
    let no = env.px_a(OFFICE_A1, &delete(&n)).await.doc();
    assert_eq!(
        no.attr("msg"),
        Some("De status van de boeking moet Concept zijn.")
    );
    let tmp = env
        .px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary"),
        )
        .await
        .doc();
    let t = number_of(&tmp);
    let yes = env.px_a(OFFICE_A1, &delete(&t)).await.doc();
    assert_eq!(yes.attr("result"), Some("1"), "{}", yes.to_xml());
    assert!(env.sim.transaction(OFFICE_A1, "VRK", &t).is_none());
    assert!(env.sim.transaction(OFFICE_A1, "VRK", &n).is_some());
}

fn payment(amount: &str) -> String {
    format!(
        r#"<transaction destiny="final"><header><office>{OFFICE_A1}</office><code>MEMO</code><date>20240320</date></header><lines><line type="detail"><dim1>1100</dim1><debitcredit>debit</debitcredit><value>{amount}</value></line><line type="detail"><dim1>1300</dim1><dim2>1000</dim2><debitcredit>credit</debitcredit><value>{amount}</value></line></lines></transaction>"#
    )
}

fn match_doc(inv: &str, pay: &str, value: Option<&str>) -> String {
    let v = |s: &str| {
        value
            .map(|v| format!("<matchvalue>{s}{v}</matchvalue>"))
            .unwrap_or_default()
    };
    format!(
        r#"<match><set><office>{OFFICE_A1}</office><matchcode>170</matchcode><matchdate>20240321</matchdate><lines><line><transcode>VRK</transcode><transnumber>{inv}</transnumber><transline>1</transline>{}</line><line><transcode>MEMO</transcode><transnumber>{pay}</transnumber><transline>2</transline>{}</line></lines></set></match>"#,
        v(""),
        v("-")
    )
}

const OPEN_ITEMS: &str = r#"<columns code="130_1"><column><field>fin.trs.head.office</field><operator>equal</operator><from>NLA000001</from></column><column><field>fin.trs.head.code</field></column><column><field>fin.trs.head.number</field></column><column><field>fin.trs.line.openvaluesigned</field></column><column><field>fin.trs.line.matchstatus</field></column><column><field>fin.trs.head.date</field></column></columns>"#;

#[tokio::test]
async fn browse_open_items_and_match_full_and_partial() {
    let env = env().await;
    let inv1 = number_of(
        &env.px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc(),
    );
    let inv2 = number_of(
        &env.px_a(
            OFFICE_A1,
            &sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final"),
        )
        .await
        .doc(),
    );
    let pay1 = number_of(&env.px_a(OFFICE_A1, &payment("121.00")).await.doc());
    let pay2 = number_of(&env.px_a(OFFICE_A1, &payment("50.00")).await.doc());
    let open = env.px_a(OFFICE_A1, OPEN_ITEMS).await.doc();
    assert_eq!(open.attr("total"), Some("4"), "{}", open.to_xml());
    let date_cell = open
        .children_named("tr")
        .find(|tr| {
            tr.child("key")
                .and_then(|k| k.child_text("code"))
                .as_deref()
                == Some("VRK")
        })
        .and_then(|tr| {
            tr.children_named("td")
                .find(|td| td.attr("field") == Some("fin.trs.head.date"))
        })
        .unwrap();
    assert_eq!(date_cell.attr("type"), Some("Date"));
    assert_eq!(date_cell.attr("name"), Some("15/03/2024"));

    let full = env
        .px_a(OFFICE_A1, &match_doc(&inv1, &pay1, None))
        .await
        .doc();
    assert_eq!(full.attr("result"), Some("1"), "{}", full.to_xml());
    let partial = env
        .px_a(OFFICE_A1, &match_doc(&inv2, &pay2, Some("50.00")))
        .await
        .doc();
    assert_eq!(partial.attr("result"), Some("1"), "{}", partial.to_xml());
    let unbalanced = env
        .px_a(OFFICE_A1, &match_doc(&inv2, &pay2, None))
        .await
        .doc();
    assert_eq!(
        unbalanced.attr("result"),
        Some("0"),
        "payment 2 is fully used"
    );

    let open = env.px_a(OFFICE_A1, OPEN_ITEMS).await.doc();
    let rows: Vec<(String, String)> = open
        .children_named("tr")
        .map(|tr| {
            let get = |f: &str| {
                tr.children_named("td")
                    .find(|td| td.attr("field") == Some(f))
                    .map(Element::text)
                    .unwrap_or_default()
            };
            (
                get("fin.trs.head.number"),
                get("fin.trs.line.openvaluesigned"),
            )
        })
        .collect();
    assert_eq!(rows, vec![(inv2.clone(), "71.00".to_string())]);
    let stored = env.sim.transaction(OFFICE_A1, "VRK", &inv1).unwrap();
    assert_eq!(stored.lines[0].match_status, "matched");
    assert_eq!(
        stored.lines[0].open_value,
        Some(rust_decimal::Decimal::ZERO)
    );
    // A line that does not exist.
    let nope = env
        .px_a(OFFICE_A1, &match_doc("202499999", &pay1, None))
        .await
        .doc();
    assert!(messages(&nope)
        .iter()
        .any(|m| m == "De regel bestaat niet."));
}

#[tokio::test]
async fn day_books_are_listed_through_the_finder_trs_type() {
    let env = env().await;
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{}</AccessToken><CompanyCode>{OFFICE_A1}</CompanyCode></Header></soap:Header><soap:Body><Search xmlns="http://www.twinfield.com/"><type>TRS</type><pattern>*</pattern><field>0</field><firstRow>1</firstRow><maxRows>100</maxRows></Search></soap:Body></soap:Envelope>"#,
        env.a.access_token
    );
    let resp = env
        .http
        .post(format!("{}/webservices/finder.asmx", env.cluster(1)))
        .header("SOAPAction", "\"http://www.twinfield.com/Search\"")
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let doc = grootboek_sim::twinfield::xml::parse(&resp.text().await.unwrap()).unwrap();
    let data = doc.path(&["Body", "SearchResponse", "data"]).unwrap();
    let codes: Vec<String> = data
        .child("Items")
        .unwrap()
        .children_named("ArrayOfString")
        .filter_map(|a| a.child_text("string"))
        .collect();
    assert_eq!(codes, vec!["INK", "MEMO", "VRK"]);
    assert_eq!(data.child_text("TotalRows").as_deref(), Some("3"));
}
