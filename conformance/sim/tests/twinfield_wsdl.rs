//! The Twinfield simulator serves the WSDL of `processxml.asmx` (issue 18): a SOAP client that
//! loads it (zeep in `scripts/real-clients.sh`) finds the three operations, the `Header`, both
//! SOAP bindings and this cluster as the address.

use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};

#[tokio::test]
async fn the_wsdl_names_the_operations_the_header_and_this_cluster() {
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let cluster = sim.cluster_url(1).expect("cluster 1");
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{cluster}/webservices/processxml.asmx?WSDL"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/xml")));
    let wsdl = r.text().await.unwrap();
    for op in [
        "ProcessXmlString",
        "ProcessXmlDocument",
        "ProcessXmlCompressed",
    ] {
        assert!(
            wsdl.contains(&format!("soapAction=\"http://www.twinfield.com/{op}\"")),
            "{op}"
        );
    }
    assert!(wsdl.contains("<s:element name=\"Header\" type=\"tns:Header\"/>"));
    assert!(wsdl.contains("name=\"AccessToken\"") && wsdl.contains("name=\"CompanyCode\""));
    assert!(wsdl.contains("<soap12:binding"));
    assert!(wsdl.contains(&format!(
        "<soap:address location=\"{cluster}/webservices/processxml.asmx\"/>"
    )));
    // Without `?wsdl` there is no description (the real ASMX shows an HTML help page).
    let r = http
        .get(format!("{cluster}/webservices/processxml.asmx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// A request on the WSDL's SOAP 1.2 port (`application/soap+xml`, the action in the content
/// type) is answered in SOAP 1.2: the 1.2 envelope namespace and content type, and a fault in the
/// 1.2 structure (`Code/Value`, `Reason/Text`, `Detail`) with Twinfield's message.
#[tokio::test]
async fn a_soap_1_2_request_is_answered_in_soap_1_2() {
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let token = sim
        .issue_tokens("grootboek-demo", "ORG-A")
        .unwrap()
        .access_token;
    let cluster = sim.cluster_url(1).expect("cluster 1");
    let envelope = |token: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{token}</AccessToken></Header></soap12:Header><soap12:Body><ProcessXmlString xmlns="http://www.twinfield.com/"><xmlRequest>&lt;list&gt;&lt;type&gt;offices&lt;/type&gt;&lt;/list&gt;</xmlRequest></ProcessXmlString></soap12:Body></soap12:Envelope>"#
        )
    };
    let post = |body: String| {
        reqwest::Client::new()
            .post(format!("{cluster}/webservices/processxml.asmx"))
            .header(
                "Content-Type",
                r#"application/soap+xml; charset=utf-8; action="http://www.twinfield.com/ProcessXmlString""#,
            )
            .body(body)
            .send()
    };
    let content_type = |r: &reqwest::Response| {
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };

    let r = post(envelope(&token)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        content_type(&r).starts_with("application/soap+xml"),
        "{}",
        content_type(&r)
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains(r#"xmlns:soap="http://www.w3.org/2003/05/soap-envelope""#),
        "{body}"
    );
    assert!(
        !body.contains("schemas.xmlsoap.org/soap/envelope"),
        "{body}"
    );
    assert!(
        body.contains("ProcessXmlStringResult") && body.contains("NLA000001"),
        "{body}"
    );

    let r = post(envelope("not-a-token")).await.unwrap();
    assert!(content_type(&r).starts_with("application/soap+xml"));
    let body = r.text().await.unwrap();
    for part in [
        "<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>",
        "<soap:Reason><soap:Text xml:lang=\"en\">",
        "<soap:Detail><message>",
    ] {
        assert!(body.contains(part), "{part} missing: {body}");
    }
    assert!(!body.contains("faultcode"), "{body}");

    // The same call on SOAP 1.1 is still answered in 1.1.
    let r = reqwest::Client::new()
        .post(format!("{cluster}/webservices/processxml.asmx"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header(
            "SOAPAction",
            "\"http://www.twinfield.com/ProcessXmlString\"",
        )
        .body(envelope(&token).replace(
            "http://www.w3.org/2003/05/soap-envelope",
            "http://schemas.xmlsoap.org/soap/envelope/",
        ))
        .send()
        .await
        .unwrap();
    assert!(content_type(&r).starts_with("text/xml"));
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("http://schemas.xmlsoap.org/soap/envelope/"));
}
