//! R05: a read answered `200` with a hostile body — nesting a million levels deep, a `DOCTYPE`
//! declaring entities (the "billion laughs") — is refused with a protocol error, quickly, never
//! taken as data and never a panic or a stack overflow that takes the process down; once the
//! server answers normally again, the same connection reads normally.
//!
//! The bodies are in the vendor's own format and content type (SOAP XML for Twinfield, JSON for
//! Exact and AFAS), so the adapter's real decoder meets them; every vendor also gets the XML
//! `DOCTYPE` body, which a JSON vendor must refuse as not JSON.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Vendor};
use grootboek_sim::common::{Fault, FaultSpec};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct R05;

/// How deep the hostile bodies nest.
const LEVELS: usize = 1_000_000;

/// How long a refusal may take, the body's transfer included (QUIRKS R05: under a second).
const REFUSED_WITHIN: Duration = Duration::from_secs(1);

/// A `DOCTYPE` whose entities would expand to a billion `lol`s.
const BILLION_LAUGHS: &str = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\
<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\
<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\
<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\
<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\
<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\
<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>";

/// `open` `LEVELS` times, `inner`, then `close` `LEVELS` times.
fn nested(open: &str, inner: &str, close: &str) -> String {
    let mut out = String::with_capacity(LEVELS * (open.len() + close.len()) + inner.len());
    out.push_str(&open.repeat(LEVELS));
    out.push_str(inner);
    out.push_str(&close.repeat(LEVELS));
    out
}

/// A SOAP 1.1 answer holding `body`.
fn soap(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

/// A `ProcessXmlString` answer whose result document is `doc`, already escaped or in CDATA.
fn process_xml_result(doc: &str) -> String {
    soap(&format!(
        "<ProcessXmlStringResponse xmlns=\"http://www.twinfield.com/\"><ProcessXmlStringResult>{doc}</ProcessXmlStringResult></ProcessXmlStringResponse>"
    ))
}

/// The hostile bodies for `vendor`: a name for the report, the body, its content type.
fn bodies(vendor: Vendor) -> Vec<(&'static str, String, &'static str)> {
    const XML: &str = "text/xml; charset=utf-8";
    const JSON: &str = "application/json; charset=utf-8";
    let mut out = match vendor {
        Vendor::Twinfield => vec![
            (
                "1,000,000 nested elements in the SOAP body",
                process_xml_result(&nested("<a>", "", "</a>")),
                XML,
            ),
            (
                "1,000,000 nested elements in the ProcessXml result document",
                process_xml_result(&format!(
                    "<![CDATA[<browse>{}</browse>]]>",
                    nested("<tr>", "", "</tr>")
                )),
                XML,
            ),
            (
                "a DOCTYPE with entities in the SOAP answer",
                format!(
                    "{BILLION_LAUGHS}{}",
                    process_xml_result("&lt;browse&gt;&lol9;&lt;/browse&gt;")
                ),
                XML,
            ),
            (
                "a DOCTYPE with entities in the ProcessXml result document",
                process_xml_result(&format!(
                    "<![CDATA[{BILLION_LAUGHS}<browse><tr><td>&lol9;</td></tr></browse>]]>"
                )),
                XML,
            ),
        ],
        Vendor::Exact => vec![
            (
                "1,000,000 nested arrays in the OData envelope",
                format!("{{\"d\":{{\"results\":{}}}}}", nested("[", "", "]")),
                JSON,
            ),
            (
                "1,000,000 nested objects in the OData envelope",
                format!("{{\"d\":{}}}", nested("{\"results\":", "[]", "}")),
                JSON,
            ),
            (
                "1,000,000 arrays opened and never closed",
                format!("{{\"d\":{{\"results\":[{}", "[".repeat(LEVELS)),
                JSON,
            ),
        ],
        Vendor::Afas => vec![
            (
                "1,000,000 nested arrays in a GetConnector answer",
                format!(
                    "{{\"skip\":0,\"take\":100,\"rows\":{}}}",
                    nested("[", "", "]")
                ),
                JSON,
            ),
            (
                "1,000,000 nested objects in a row",
                format!(
                    "{{\"skip\":0,\"take\":100,\"rows\":[{}]}}",
                    nested("{\"Balance\":", "1", "}")
                ),
                JSON,
            ),
            (
                "1,000,000 objects opened and never closed",
                format!("{{\"rows\":[{}", "{\"a\":".repeat(LEVELS)),
                JSON,
            ),
        ],
    };
    if vendor != Vendor::Twinfield {
        // XML where JSON is expected: refused as not JSON, never expanded.
        out.push((
            "an XML body with a DOCTYPE and entities",
            format!("{BILLION_LAUGHS}<lolz>&lol9;</lolz>"),
            "application/xml",
        ));
    }
    out
}

/// Only the read under test: the request that fetches the open items.
fn read_request(vendor: Vendor, fault: Fault) -> FaultSpec {
    let spec = FaultSpec::new(fault);
    match vendor {
        Vendor::Twinfield => spec.path_contains("processxml.asmx"),
        Vendor::Exact => spec.path_contains("ReceivablesList"),
        Vendor::Afas => spec.method("GET").path_contains("/connectors/"),
    }
}

#[async_trait]
impl Case for R05 {
    fn id(&self) -> &'static str {
        "R05"
    }
    fn title(&self) -> &'static str {
        "a read answered 200 with a body nested 1,000,000 deep or a DOCTYPE with entities is refused in under a second as a protocol error; the next read works"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let faults = h
            .sim_faults()
            .ok_or_else(|| Failure("this harness cannot fault its simulator".into()))?;
        let ledger = h.ledger();
        let administration = h.fixture().administration.clone();
        for (name, body, content_type) in bodies(h.vendor()) {
            faults.push(read_request(
                h.vendor(),
                Fault::before_handling(200)
                    .with_body(body)
                    .with_header("content-type", content_type),
            ));
            let started = Instant::now();
            let read = ledger.list_open_items(&administration, None).await;
            let took = started.elapsed();
            faults.clear();
            match read {
                Ok(page) => {
                    return Err(Failure(format!(
                        "{name}: taken as data ({} open items)",
                        page.items.len()
                    )))
                }
                Err(e) => ensure!(
                    *e.kind() == ErrorKind::Protocol,
                    "{name}: refused as {:?}, not as a protocol error: {e}",
                    e.kind()
                ),
            }
            ensure!(
                took < REFUSED_WITHIN,
                "{name}: refused only after {took:?} (at most {REFUSED_WITHIN:?})"
            );
            // The process and the connection survive: the next read works.
            ledger
                .list_open_items(&administration, None)
                .await
                .map_err(|e| Failure(format!("after {name}, the next read failed: {e}")))?;
        }
        Ok(())
    }
}
