//! Shared helpers for the Twinfield simulator tests: a seeded simulator with tokens for both
//! demo organisations, SOAP envelopes, and readers for results, faults and fixtures.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};

use grootboek_sim::twinfield::xml::{self, Element, Node};
use grootboek_sim::twinfield::{TokenSet, TwinfieldSeed, TwinfieldSim};

pub const CLIENT: &str = "grootboek-demo";
pub const SECRET: &str = "demo-secret";
pub const REDIRECT: &str = "http://localhost:8080/callback";
pub const OFFICE_A1: &str = "NLA000001";
pub const OFFICE_A2: &str = "NLA000002";
pub const OFFICE_B1: &str = "NLB000001";

/// A started, demo-seeded simulator with tokens for ORG-A (cluster 1) and ORG-B (cluster 2).
pub struct Env {
    pub sim: TwinfieldSim,
    pub http: reqwest::Client,
    pub a: TokenSet,
    pub b: TokenSet,
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The ProcessXml result document inside the SOAP envelope.
    pub fn doc(&self) -> Element {
        result_doc(&self.body)
    }

    /// `detail/code` of a SOAP fault.
    pub fn fault_code(&self) -> Option<String> {
        let env = xml::parse(&self.body).ok()?;
        env.path(&["Body", "Fault", "detail", "code"])
            .map(Element::text)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub async fn env() -> Env {
    let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("simulator starts");
    sim.seed(TwinfieldSeed::demo()).expect("demo seed");
    let a = sim.issue_tokens(CLIENT, "ORG-A").expect("tokens A");
    let b = sim.issue_tokens(CLIENT, "ORG-B").expect("tokens B");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Env { sim, http, a, b }
}

/// A ProcessXmlString envelope (payload entity-escaped, as an `xs:string`).
pub fn envelope(token: &str, company: Option<&str>, payload: &str) -> String {
    let company = company
        .map(|c| format!("<CompanyCode>{c}</CompanyCode>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{token}</AccessToken>{company}<CompanyId xsi:nil="true" /></Header></soap:Header><soap:Body><ProcessXmlString xmlns="http://www.twinfield.com/"><xmlRequest>{}</xmlRequest></ProcessXmlString></soap:Body></soap:Envelope>"#,
        xml::escape(payload)
    )
}

impl Env {
    pub fn cluster(&self, n: u8) -> String {
        self.sim.cluster_url(n).expect("cluster url")
    }

    /// POST a raw SOAP body to `{base}/webservices/processxml.asmx`.
    pub async fn post_soap(&self, base: &str, action: &str, body: String) -> Answer {
        let resp = self
            .http
            .post(format!("{base}/webservices/processxml.asmx"))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header(
                "SOAPAction",
                format!("\"http://www.twinfield.com/{action}\""),
            )
            .body(body)
            .send()
            .await
            .expect("request");
        answer(resp).await
    }

    /// ProcessXmlString on cluster `base` with `token` and `company`.
    pub async fn px_at(
        &self,
        base: &str,
        token: &str,
        company: Option<&str>,
        payload: &str,
    ) -> Answer {
        self.post_soap(base, "ProcessXmlString", envelope(token, company, payload))
            .await
    }

    /// ProcessXmlString as ORG-A on cluster 1.
    pub async fn px_a(&self, company: &str, payload: &str) -> Answer {
        let base = self.cluster(1);
        self.px_at(&base, &self.a.access_token.clone(), Some(company), payload)
            .await
    }

    /// ProcessXmlString as ORG-B on cluster 2.
    pub async fn px_b(&self, company: &str, payload: &str) -> Answer {
        let base = self.cluster(2);
        self.px_at(&base, &self.b.access_token.clone(), Some(company), payload)
            .await
    }

    /// Put a control route.
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> Answer {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.sim.login_url()))
            .json(&body)
            .send()
            .await
            .expect("control request");
        answer(resp).await
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap_or_default();
    Answer {
        status,
        headers,
        body,
    }
}

/// The document inside `ProcessXmlStringResult` (or `ProcessXmlDocumentResult`).
pub fn result_doc(body: &str) -> Element {
    let env = xml::parse(body).unwrap_or_else(|e| panic!("not XML ({e}): {body}"));
    let resp = env
        .path(&["Body"])
        .and_then(|b| b.elements().next())
        .unwrap_or_else(|| panic!("no response element: {body}"));
    let result = resp
        .elements()
        .next()
        .unwrap_or_else(|| panic!("no result element: {body}"));
    if let Some(child) = result.elements().next() {
        return child.clone();
    }
    xml::parse(&result.text()).unwrap_or_else(|e| panic!("result not XML ({e}): {body}"))
}

/// A sales invoice for customer `customer` in `office`: one detail line of `net` on 8020 with
/// `vat`, total line of `gross` on 1300.
pub fn sales_invoice(
    office: &str,
    customer: &str,
    net: &str,
    gross: &str,
    vat: &str,
    destiny: &str,
) -> String {
    format!(
        r#"<transaction destiny="{destiny}" raisewarning="false"><header><office>{office}</office><code>VRK</code><currency>EUR</currency><date>20240315</date><invoicenumber>INV-1</invoicenumber></header><lines><line type="total" id="1"><dim1>1300</dim1><dim2>{customer}</dim2><debitcredit>debit</debitcredit><value>{gross}</value></line><line type="detail" id="2"><dim1>8020</dim1><debitcredit>credit</debitcredit><value>{net}</value><description>Brood</description><vatcode>{vat}</vatcode></line></lines></transaction>"#
    )
}

/// The `<number>` of a written transaction.
pub fn number_of(doc: &Element) -> String {
    doc.path(&["header", "number"])
        .map(Element::text)
        .unwrap_or_default()
}

/// Every element of a tree, depth first.
pub fn walk<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
    out.push(el);
    for c in el.elements() {
        walk(c, out);
    }
}

/// All `msg` attributes in a result document.
pub fn messages(doc: &Element) -> Vec<String> {
    let mut all = Vec::new();
    walk(doc, &mut all);
    all.iter()
        .filter_map(|e| e.attr("msg").map(str::to_string))
        .collect()
}

/// The directory of the Twinfield fixtures.
pub fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/twinfield")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Compare `actual` with the fixture's tree: same element names in the same order, the same
/// attribute names, equal texts and attribute values except where the fixture says `{{any}}`.
/// Returns the first difference.
pub fn shape_diff(expected: &Element, actual: &Element, path: &str) -> Option<String> {
    let here = format!("{path}/{}", expected.name);
    if expected.name != actual.name {
        return Some(format!("{here}: element {} found instead", actual.name));
    }
    let mut e_keys: Vec<&str> = expected.attrs.iter().map(|(k, _)| k.as_str()).collect();
    let mut a_keys: Vec<&str> = actual.attrs.iter().map(|(k, _)| k.as_str()).collect();
    e_keys.sort_unstable();
    a_keys.sort_unstable();
    if e_keys != a_keys {
        return Some(format!(
            "{here}: attributes {a_keys:?}, expected {e_keys:?}"
        ));
    }
    for (k, v) in &expected.attrs {
        if v != "{{any}}" && actual.attr(k) != Some(v.as_str()) {
            return Some(format!("{here}@{k}: {:?}, expected {v:?}", actual.attr(k)));
        }
    }
    let e_text = expected.text();
    if e_text != "{{any}}" && e_text != actual.text() {
        return Some(format!(
            "{here}: text {:?}, expected {e_text:?}",
            actual.text()
        ));
    }
    let e_children: Vec<&Element> = expected.elements().collect();
    let a_children: Vec<&Element> = actual.elements().collect();
    if e_children.len() != a_children.len() {
        let names: Vec<&str> = a_children.iter().map(|e| e.name.as_str()).collect();
        let want: Vec<&str> = e_children.iter().map(|e| e.name.as_str()).collect();
        return Some(format!("{here}: children {names:?}, expected {want:?}"));
    }
    for (e, a) in e_children.iter().zip(a_children.iter()) {
        if let Some(d) = shape_diff(e, a, &here) {
            return Some(d);
        }
    }
    None
}

/// Parse a fixture file (whitespace between elements dropped).
pub fn fixture_doc(name: &str) -> Element {
    let mut el = xml::parse(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    el.strip_whitespace();
    el
}

/// Assert `actual` matches the fixture `name`.
pub fn assert_fixture(name: &str, actual: &Element) {
    let expected = fixture_doc(name);
    if let Some(d) = shape_diff(&expected, actual, "") {
        panic!("{name}: {d}\nactual: {}", actual.to_xml());
    }
}

/// Text nodes of an element, for checks on raw content.
pub fn has_text_children(el: &Element) -> bool {
    el.children.iter().any(|n| matches!(n, Node::Text(_)))
}
