//! Wire-format tests: the simulator's answers against the samples in `fixtures/twinfield/`
//! (written from the documented wire format; `{{any}}` marks values that vary per run).
#![cfg(feature = "twinfield")]

mod twinfield_support;

use grootboek_sim::twinfield::xml;
use twinfield_support::*;

fn envelope_doc(body: &str) -> xml::Element {
    xml::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn wire_processxml_string_envelope_and_offices() {
    let env = env().await;
    let ans = env
        .px_a(OFFICE_A1, "<list><type>offices</type></list>")
        .await;
    assert_eq!(
        ans.header("content-type").as_deref(),
        Some("text/xml; charset=utf-8")
    );
    assert_fixture("processxml-string-response.xml", &envelope_doc(&ans.body));
    assert!(
        ans.body.contains("&lt;offices result=\"1\"&gt;"),
        "entity-escaped string, quotes as is"
    );
    assert_fixture("offices-list.xml", &ans.doc());
}

/// With `utf16_office_list` seeded, the office list comes as a recorded one did: UTF-16LE with a
/// byte-order mark, `charset=utf-16`, the declaration saying `utf-16`. A client that takes the
/// body as UTF-8 reads no offices at all; decoded as UTF-16 it is the usual list.
#[tokio::test]
async fn wire_office_list_in_utf16_when_seeded() {
    let env = env().await;
    env.sim
        .seed(grootboek_sim::twinfield::TwinfieldSeed {
            utf16_office_list: Some(true),
            ..Default::default()
        })
        .unwrap();
    let resp = env
        .http
        .post(format!("{}/webservices/processxml.asmx", env.cluster(1)))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header(
            "SOAPAction",
            "\"http://www.twinfield.com/ProcessXmlString\"",
        )
        .body(envelope(
            &env.a.access_token,
            Some(OFFICE_A1),
            "<list><type>offices</type></list>",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/xml; charset=utf-16")
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.get(..2), Some(&[0xFF, 0xFE][..]), "byte-order mark");
    assert!(
        !String::from_utf8_lossy(&bytes).contains("offices"),
        "a client reading the body as UTF-8 does not see the list"
    );
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="utf-16"?>"#),
        "{text}"
    );
    assert_fixture("offices-list.xml", &result_doc(&text));
    // Other answers stay UTF-8.
    let dims = env
        .px_a(OFFICE_A1, &format!("<list><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype></list>"))
        .await;
    assert_eq!(
        dims.header("content-type").as_deref(),
        Some("text/xml; charset=utf-8")
    );
}

#[tokio::test]
async fn wire_fault_token_invalid() {
    let env = env().await;
    let ans = env
        .px_at(
            &env.cluster(1),
            "expired-or-unknown",
            Some(OFFICE_A1),
            "<list><type>offices</type></list>",
        )
        .await;
    assert_eq!(ans.status, 401);
    assert_fixture("fault-token-invalid.xml", &envelope_doc(&ans.body));
}

#[tokio::test]
async fn wire_dimensions_list_read_and_not_found() {
    let env = env().await;
    let list = env
        .px_a(OFFICE_A1, &format!("<list><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype></list>"))
        .await;
    assert_fixture("dimensions-list-customers.xml", &list.doc());
    let read = |code: &str| {
        format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>{code}</code></read>")
    };
    assert_fixture(
        "dimension-read-customer.xml",
        &env.px_a(OFFICE_A1, &read("1000")).await.doc(),
    );
    assert_fixture(
        "dimension-read-not-found.xml",
        &env.px_a(OFFICE_A1, &read("00590")).await.doc(),
    );
}

/// A customer written with a phone number, its own VAT and chamber-of-commerce elements and two
/// bank accounts reads back with all of them, every bank with its full element set.
#[tokio::test]
async fn wire_dimension_write_keeps_the_whole_record() {
    let env = env().await;
    let write = format!(
        "<dimension><office>{OFFICE_A1}</office><type>DEB</type><code>1200</code><name>Kaashandel Oost</name>\
         <vatnumber>NL009988776B01</vatnumber><cocnumber>09988776</cocnumber>\
         <addresses><address type=\"invoice\" default=\"true\"><name>Kaashandel Oost</name><country>NL</country>\
         <telephone>053-5550123</telephone><contact>R. Smit</contact></address></addresses>\
         <banks><bank default=\"true\"><ascription>Kaashandel Oost</ascription><iban>NL81RABO0312345678</iban><biccode>RABONL2U</biccode><country>NL</country></bank>\
         <bank><iban>DE44500105175407324931</iban><country>DE</country></bank></banks></dimension>"
    );
    let written = env.px_a(OFFICE_A1, &write).await.doc();
    assert_eq!(written.attr("result"), Some("1"), "{}", written.to_xml());
    let read = env
        .px_a(OFFICE_A1, &format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>1200</code></read>"))
        .await
        .doc();
    let text = |path: &[&str]| read.path(path).map(|e| e.text()).unwrap_or_default();
    assert_eq!(text(&["vatnumber"]), "NL009988776B01");
    assert_eq!(text(&["cocnumber"]), "09988776");
    assert_eq!(text(&["addresses", "address", "telephone"]), "053-5550123");
    assert_eq!(text(&["addresses", "address", "contact"]), "R. Smit");
    let banks: Vec<_> = read
        .child("banks")
        .unwrap()
        .children_named("bank")
        .collect();
    assert_eq!(banks.len(), 2);
    let tags = |b: &xml::Element| b.elements().map(|e| e.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        tags(banks[1]),
        [
            "ascription",
            "accountnumber",
            "address",
            "bankname",
            "biccode",
            "city",
            "country",
            "iban",
            "natbiccode",
            "postcode",
            "state"
        ]
    );
    assert_eq!(
        banks[1].child("iban").map(|e| e.text()).as_deref(),
        Some("DE44500105175407324931")
    );
    assert_eq!(banks[0].attr("default"), Some("true"));
    assert!(
        read.child("modified").is_none(),
        "a dimension read has no <modified>"
    );
}

#[tokio::test]
async fn wire_vat_read_and_finder() {
    let env = env().await;
    let vat = env
        .px_a(
            OFFICE_A1,
            &format!("<read><type>vat</type><office>{OFFICE_A1}</office><code>VH</code></read>"),
        )
        .await;
    assert_fixture("vat-read.xml", &vat.doc());
    let body = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{}</AccessToken><CompanyCode>{OFFICE_A2}</CompanyCode></Header></soap:Header><soap:Body><Search xmlns="http://www.twinfield.com/"><type>VAT</type><pattern>*</pattern><field>0</field><firstRow>1</firstRow><maxRows>25</maxRows><options><ArrayOfString><string>vattype</string><string>sales</string></ArrayOfString></options></Search></soap:Body></soap:Envelope>"#,
        env.a.access_token
    );
    let resp = env
        .http
        .post(format!("{}/webservices/finder.asmx", env.cluster(1)))
        .header("SOAPAction", "\"http://www.twinfield.com/Search\"")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["x-ratelimit-credited"],
        "1",
        "Search is a query"
    );
    let text = resp.text().await.unwrap();
    assert_fixture("finder-vat-search.xml", &envelope_doc(&text));
}

#[tokio::test]
async fn wire_sales_transaction_request_and_response() {
    let env = env().await;
    let request = fixture("request-sales-transaction.xml");
    let ans = env.px_a(OFFICE_A1, &request).await;
    assert_eq!(ans.status, 200, "{}", ans.body);
    assert_fixture("transaction-sales-final.xml", &ans.doc());
}

#[tokio::test]
async fn wire_batch_with_a_failed_child() {
    let env = env().await;
    let good = sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "temporary");
    let bad = sales_invoice(OFFICE_A1, "9999", "100.00", "121.00", "VH", "temporary");
    let ans = env
        .px_a(
            OFFICE_A1,
            &format!("<transactions>{good}{bad}</transactions>"),
        )
        .await;
    assert_fixture("transactions-batch-mixed.xml", &ans.doc());
}

#[tokio::test]
async fn wire_browse_and_match() {
    let env = env().await;
    env.px_a(OFFICE_A1, &fixture("request-sales-transaction.xml"))
        .await;
    let browse = env
        .px_a(OFFICE_A1, &fixture("request-browse-customer-lines.xml"))
        .await;
    assert_fixture("browse-customer-lines.xml", &browse.doc());
    let pay = format!(
        r#"<transaction destiny="final"><header><office>{OFFICE_A1}</office><code>MEMO</code><date>20240320</date></header><lines><line type="detail"><dim1>1100</dim1><debitcredit>debit</debitcredit><value>121.00</value></line><line type="detail"><dim1>1300</dim1><dim2>1000</dim2><debitcredit>credit</debitcredit><value>121.00</value></line></lines></transaction>"#
    );
    let pay = env.px_a(OFFICE_A1, &pay).await.doc();
    assert_eq!(number_of(&pay), "202400001");
    let set = format!(
        r#"<match><set><office>{OFFICE_A1}</office><matchcode>170</matchcode><matchdate>20240321</matchdate><lines><line><transcode>VRK</transcode><transnumber>202400001</transnumber><transline>1</transline></line><line><transcode>MEMO</transcode><transnumber>202400001</transnumber><transline>2</transline></line></lines></set></match>"#
    );
    assert_fixture("match-set.xml", &env.px_a(OFFICE_A1, &set).await.doc());
}

fn json_diff(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (expected, actual) {
        (Value::String(s), _) if s == "{{any}}" => {
            (actual.is_null()).then(|| format!("{path}: missing"))
        }
        (Value::Object(e), Value::Object(a)) => {
            let mut ek: Vec<&String> = e.keys().collect();
            let mut ak: Vec<&String> = a.keys().collect();
            ek.sort();
            ak.sort();
            if ek != ak {
                return Some(format!("{path}: keys {ak:?}, expected {ek:?}"));
            }
            e.iter()
                .find_map(|(k, v)| json_diff(v, &a[k], &format!("{path}.{k}")))
        }
        _ => (expected != actual).then(|| format!("{path}: {actual}, expected {expected}")),
    }
}

#[tokio::test]
async fn wire_oauth_token_and_validation_json() {
    let env = env().await;
    let token = env
        .http
        .post(format!(
            "{}/auth/authentication/connect/token",
            env.sim.login_url()
        ))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", env.a.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = token.json().await.unwrap();
    // A refresh answer carries no id token.
    let mut expected: serde_json::Value =
        serde_json::from_str(&fixture("oauth-token-response.json")).unwrap();
    expected.as_object_mut().unwrap().remove("id_token");
    assert_eq!(json_diff(&expected, &json, ""), None);
    let claims: serde_json::Value = env
        .http
        .get(format!(
            "{}/auth/authentication/connect/accesstokenvalidation",
            env.sim.login_url()
        ))
        .query(&[("token", json["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&fixture("oauth-accesstokenvalidation.json")).unwrap();
    assert_eq!(json_diff(&expected, &claims, ""), None);
    // The issued token set (code flow) has the id token.
    let expected: serde_json::Value =
        serde_json::from_str(&fixture("oauth-token-response.json")).unwrap();
    assert!(expected.get("id_token").is_some() && env.a.id_token.is_some());
}
