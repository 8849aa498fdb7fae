//! The AfasToken header, metainfo and URL handling.
#![cfg(feature = "afas")]

mod afas_support;

use afas_support::{assert_afas_error, reply, Harness};
use base64::Engine;
use grootboek_sim::afas::GetConnectorKind;

/// AFAS's documented example header (base64 of the token XML).
const DOC_HEADER: &str = "AfasToken PHRva2VuPjx2ZXJzaW9uPjE8L3ZlcnNpb24+PGRhdGE+QURFMzcwQkU4REFGNDBEMEExN0ZGQjkxNEU0MjY3NUU5OTk4QzJENTQ2QTJGNEZBM0U0RjNBQkZBODY3Qjk2RjwvZGF0YT48L3Rva2VuPg==";

async fn with_header(h: &Harness, header: Option<&str>) -> afas_support::Reply {
    let mut req = h.http.get(h.profit("/metainfo"));
    if let Some(v) = header {
        req = req.header("Authorization", v);
    }
    reply(req.send().await.expect("send")).await
}

#[tokio::test]
async fn documented_token_is_accepted() {
    let h = Harness::start().await;
    assert_eq!(h.sim.authorization_header(), DOC_HEADER);
    let r = with_header(&h, Some(DOC_HEADER)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn plain_text_token_is_a_500() {
    let h = Harness::start().await;
    let plain = format!("AfasToken {}", h.sim.token_xml());
    let r = with_header(&h, Some(&plain)).await;
    assert_afas_error(&r, 500, "unexpected error");
}

#[tokio::test]
async fn wrong_or_missing_token_is_a_401() {
    let h = Harness::start().await;
    let wrong_xml = "<token><version>1</version><data>DEADBEEF</data></token>";
    let wrong = format!(
        "AfasToken {}",
        base64::engine::general_purpose::STANDARD.encode(wrong_xml)
    );
    assert_eq!(with_header(&h, Some(&wrong)).await.status, 401);
    assert_eq!(with_header(&h, None).await.status, 401);
    assert_eq!(with_header(&h, Some("Bearer abc")).await.status, 401);
    assert_eq!(
        with_header(&h, Some("AfasToken !!notbase64!!"))
            .await
            .status,
        401
    );
    // Nothing reached a connector.
    assert!(h.sim.request_counts().is_empty());
}

#[tokio::test]
async fn token_rotation_over_control_route() {
    let h = Harness::start().await;
    let old = h.sim.authorization_header();
    let r = h
        .control("/__sim/token", serde_json::json!({"data": "0123ABCD"}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(with_header(&h, Some(&old)).await.status, 401);
    let new = h.sim.authorization_header();
    assert_ne!(old, new);
    assert_eq!(with_header(&h, Some(&new)).await.status, 200);
    h.sim.set_token_data("FEED");
    assert_eq!(with_header(&h, Some(&new)).await.status, 401);
}

#[tokio::test]
async fn paths_are_case_insensitive_and_version_is_served() {
    let h = Harness::start().await;
    let url = format!("{}/profitrestservices/MetaInfo", h.sim.url());
    let r = reply(
        h.http
            .get(url)
            .header("Authorization", h.sim.authorization_header())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = h.get("/profitversion").await;
    assert_eq!(r.status, 200);
    assert!(r.strict().expect("json")["version"].is_string());
    assert_eq!(h.get("/nonsense").await.status, 404);
    let r = reply(
        h.http
            .get(format!("{}/elsewhere", h.sim.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn renamed_get_connector_is_listed_and_served() {
    let h = Harness::start().await;
    h.sim
        .set_get_connector_name(GetConnectorKind::OpenItems, "Grootboek_OpenPosten");
    let meta = h.get("/metainfo").await.strict().expect("json");
    let ids: Vec<&str> = meta["getConnectors"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(ids.contains(&"Grootboek_OpenPosten"));
    assert!(!ids.contains(&"Profit_Debtor_Invoices"));
    assert_eq!(
        h.get("/connectors/Grootboek_OpenPosten").await.rows().len(),
        3
    );
    let r = h.get("/connectors/Profit_Debtor_Invoices").await;
    assert_afas_error(&r, 500, "GetConnector not supported");
    assert_eq!(h.sim.request_count("Grootboek_OpenPosten"), 1);
}

#[tokio::test]
async fn update_metainfo_lists_afas_country_codes() {
    let h = Harness::start().await;
    let v = h
        .get("/metainfo/update/KnSalesRelationOrg")
        .await
        .strict()
        .expect("json");
    let address = &v["objects"][0]["objects"][0];
    assert_eq!(address["name"], "KnBasicAddressAdr");
    let coid = address["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["fieldId"] == "CoId")
        .expect("CoId")
        .clone();
    let codes: Vec<&str> = coid["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(codes.contains(&"B") && codes.contains(&"D") && !codes.contains(&"BE"));
    let v = h
        .get("/metainfo/update/FiEntries")
        .await
        .strict()
        .expect("json");
    assert_eq!(v["name"], "FiEntryPar");
    assert_eq!(v["objects"][0]["name"], "FiEntries");
    assert_afas_error(
        &h.get("/metainfo/update/KnPerson").await,
        500,
        "UpdateConnector",
    );
}
