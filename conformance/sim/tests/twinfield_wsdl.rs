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
