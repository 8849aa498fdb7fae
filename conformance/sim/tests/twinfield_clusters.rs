//! Clusters and office scoping: T02 (wrong cluster looks like an auth failure), T03/T08
//! (CompanyCode / CompanyId per call), SOAP header rules and faults.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use base64::Engine as _;
use twinfield_support::*;

const OFFICES: &str = "<list><type>offices</type></list>";

/// A naive client that assumes every organisation is on the first cluster gets an
/// "Access denied. Token invalid." fault for ORG-B, and refreshing the token does not help.
#[tokio::test]
async fn t02_wrong_cluster_fails_like_an_invalid_token() {
    let env = env().await;
    let wrong = env.cluster(1);
    let ans = env
        .px_at(&wrong, &env.b.access_token, Some(OFFICE_B1), OFFICES)
        .await;
    assert_eq!(ans.status, 401);
    assert_eq!(ans.fault_code().as_deref(), Some("354"));
    assert!(ans.body.contains("Access denied. Token invalid."));
    // Refreshing does not help: the new token fails the same way on the same cluster.
    let resp = env
        .http
        .post(format!(
            "{}/auth/authentication/connect/token",
            env.sim.login_url()
        ))
        .header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"))
            ),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", env.b.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    let fresh = body["access_token"].as_str().unwrap().to_string();
    let again = env.px_at(&wrong, &fresh, Some(OFFICE_B1), OFFICES).await;
    assert_eq!(again.fault_code().as_deref(), Some("354"));
    // Resolving twf.clusterUrl gives the right host, where the same call works.
    let claims: serde_json::Value = env
        .http
        .get(format!(
            "{}/auth/authentication/connect/accesstokenvalidation",
            env.sim.login_url()
        ))
        .query(&[("token", fresh.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let right = claims["twf.clusterUrl"].as_str().unwrap().to_string();
    assert_eq!(right, env.cluster(2));
    assert_ne!(right, wrong);
    let ok = env.px_at(&right, &fresh, Some(OFFICE_B1), OFFICES).await;
    assert_eq!(ok.status, 200);
    let doc = ok.doc();
    assert_eq!(doc.name, "offices");
    assert_eq!(doc.child_text("office").as_deref(), Some(OFFICE_B1));
}

#[tokio::test]
async fn t02_rest_status_on_wrong_cluster_is_401() {
    let env = env().await;
    let resp = env
        .http
        .get(format!(
            "{}/api/v1/offices/{OFFICE_B1}/transactions/VRK/202400001",
            env.cluster(1)
        ))
        .bearer_auth(&env.b.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn t03_offices_list_needs_no_company_and_shows_only_own_offices() {
    let env = env().await;
    let ans = env
        .px_at(&env.cluster(1), &env.a.access_token, None, OFFICES)
        .await;
    assert_eq!(ans.status, 200, "{}", ans.body);
    let doc = ans.doc();
    let codes: Vec<String> = doc.children_named("office").map(|o| o.text()).collect();
    assert_eq!(codes, vec![OFFICE_A1, OFFICE_A2]);
}

#[tokio::test]
async fn t03_other_documents_need_a_company_of_the_organisation() {
    let env = env().await;
    let read = format!("<read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>1000</code></read>");
    let none = env
        .px_at(&env.cluster(1), &env.a.access_token, None, &read)
        .await;
    assert_eq!(none.fault_code().as_deref(), Some("101"));
    assert!(none.body.contains("Company ontbreekt in request header"));
    // An office of another organisation.
    let foreign = env.px_a(OFFICE_B1, &read).await;
    assert_eq!(foreign.fault_code().as_deref(), Some("109"));
    // The office in the document must be one the organisation has.
    let doc = env
        .px_a(OFFICE_A1, &read.replace(OFFICE_A1, OFFICE_B1))
        .await
        .doc();
    assert_eq!(doc.attr("result"), Some("0"));
    assert!(messages(&doc)
        .iter()
        .any(|m| m == "De administratie bestaat niet."));
}

#[tokio::test]
async fn t03_company_code_scopes_each_call_without_session_state() {
    let env = env().await;
    // Create customer 3000 in A2 only, using the header company (no <office> in the document).
    let create =
        r#"<dimension><type>DEB</type><code>3000</code><name>Alleen A2</name></dimension>"#;
    let doc = env.px_a(OFFICE_A2, create).await.doc();
    assert_eq!(doc.attr("result"), Some("1"), "{}", doc.to_xml());
    assert_eq!(doc.child_text("office").as_deref(), Some(OFFICE_A2));
    // The next call names A1: it sees A1, not the office of the previous call.
    let list = "<list><type>dimensions</type><dimtype>DEB</dimtype></list>";
    let a1 = env.px_a(OFFICE_A1, list).await.doc();
    let a2 = env.px_a(OFFICE_A2, list).await.doc();
    let codes = |d: &grootboek_sim::twinfield::xml::Element| -> Vec<String> {
        d.children_named("dimension").map(|e| e.text()).collect()
    };
    assert!(!codes(&a1).contains(&"3000".to_string()));
    assert!(codes(&a2).contains(&"3000".to_string()));
    assert_eq!(a1.attr("office"), Some(OFFICE_A1));
}

#[tokio::test]
async fn t08_company_id_scopes_like_company_code() {
    let env = env().await;
    let doc = {
        // Find A2's id through the office read.
        let read = format!(
            "<read><type>office</type><office>{OFFICE_A2}</office><code>{OFFICE_A2}</code></read>"
        );
        env.px_a(OFFICE_A2, &read).await.doc()
    };
    let id = doc.child_text("uid").expect("office uid");
    let body = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{}</AccessToken><CompanyId>{id}</CompanyId></Header></soap:Header><soap:Body><ProcessXmlString xmlns="http://www.twinfield.com/"><xmlRequest><![CDATA[<list><type>dimensions</type><dimtype>CRD</dimtype></list>]]></xmlRequest></ProcessXmlString></soap:Body></soap:Envelope>"#,
        env.a.access_token
    );
    let ans = env
        .post_soap(&env.cluster(1), "ProcessXmlString", body)
        .await;
    assert_eq!(ans.status, 200, "{}", ans.body);
    assert_eq!(ans.doc().attr("office"), Some(OFFICE_A2));
}

#[tokio::test]
async fn soap_header_faults_missing_token_and_dtd() {
    let env = env().await;
    let no_token = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ProcessXmlString xmlns="http://www.twinfield.com/"><xmlRequest>&lt;list&gt;&lt;type&gt;offices&lt;/type&gt;&lt;/list&gt;</xmlRequest></ProcessXmlString></soap:Body></soap:Envelope>"#;
    let ans = env
        .post_soap(&env.cluster(1), "ProcessXmlString", no_token.into())
        .await;
    assert_eq!(ans.fault_code().as_deref(), Some("101"));
    // A DTD in the envelope is refused, never expanded.
    let dtd = format!(
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "boom">]>{}"#,
        envelope(&env.a.access_token, Some(OFFICE_A1), OFFICES)
            .trim_start_matches(r#"<?xml version="1.0" encoding="utf-8"?>"#)
    );
    let ans = env
        .post_soap(&env.cluster(1), "ProcessXmlString", dtd)
        .await;
    assert_eq!(ans.fault_code().as_deref(), Some("187"));
    // A DTD inside the payload as well.
    let inner = r#"<!DOCTYPE list [<!ENTITY e "x">]><list><type>&e;</type></list>"#;
    let ans = env.px_a(OFFICE_A1, inner).await;
    assert_eq!(ans.fault_code().as_deref(), Some("187"));
    // Unknown SOAP operation.
    let ans = env
        .post_soap(
            &env.cluster(1),
            "Frobnicate",
            envelope(&env.a.access_token, Some(OFFICE_A1), OFFICES)
                .replace("ProcessXmlString", "Frobnicate"),
        )
        .await;
    assert_eq!(ans.status, 500);
    assert_eq!(ans.fault_code().as_deref(), Some("100"));
}

#[tokio::test]
async fn process_xml_document_takes_literal_xml() {
    let env = env().await;
    let body = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Header xmlns="http://www.twinfield.com/"><AccessToken>{}</AccessToken><CompanyCode>{OFFICE_A1}</CompanyCode></Header></soap:Header><soap:Body><ProcessXmlDocument xmlns="http://www.twinfield.com/"><xmlRequest><read><type>dimensions</type><office>{OFFICE_A1}</office><dimtype>DEB</dimtype><code>1001</code></read></xmlRequest></ProcessXmlDocument></soap:Body></soap:Envelope>"#,
        env.a.access_token
    );
    let ans = env
        .post_soap(&env.cluster(1), "ProcessXmlDocument", body)
        .await;
    assert_eq!(ans.status, 200, "{}", ans.body);
    assert!(
        ans.body.contains("<ProcessXmlDocumentResult><dimension "),
        "{}",
        ans.body
    );
    let doc = ans.doc();
    assert_eq!(doc.child_text("name").as_deref(), Some("Müller GmbH"));
}
