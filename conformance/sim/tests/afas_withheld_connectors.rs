//! T15: a connector left out of the App Connector answers AFAS's "not supported" error (a
//! GetConnector, an UpdateConnector and its `/metainfo/update/{id}`), and `/metainfo` no longer
//! lists it, until it is put back. Switched over `/__sim/connectors` and in process.
#![cfg(feature = "afas")]

mod afas_support;

use afas_support::{assert_afas_error, Harness};
use serde_json::json;

#[tokio::test]
async fn withheld_connectors_are_not_supported_until_restored() {
    let h = Harness::start().await;
    assert_eq!(
        h.get("/connectors/Profit_Debtor_Invoices?skip=0&take=1")
            .await
            .status,
        200
    );
    let r = h
        .control(
            "/__sim/connectors",
            json!({"withhold": ["profit_debtor_invoices", "FiEntries"]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);

    let get = h
        .get("/connectors/Profit_Debtor_Invoices?skip=0&take=1")
        .await;
    assert_afas_error(&get, 500, "not supported");
    let meta = h.get("/metainfo/update/FiEntries").await;
    assert_afas_error(&meta, 500, "niet ondersteund");
    let post = h.post("/connectors/FiEntries", "{}").await;
    assert_afas_error(&post, 500, "niet ondersteund");
    let overview = h.get("/metainfo").await.lenient();
    let ids = overview.to_string();
    assert!(
        !ids.contains("Profit_Debtor_Invoices") && !ids.contains("FiEntries"),
        "{ids}"
    );
    assert!(
        ids.contains("Profit_Debtor"),
        "the others stay listed: {ids}"
    );
    // Other connectors keep working.
    assert_eq!(
        h.get("/connectors/Profit_Debtor?skip=0&take=1")
            .await
            .status,
        200
    );

    let r = h
        .control("/__sim/connectors", json!({"restore": ["FiEntries"]}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(h.get("/metainfo/update/FiEntries").await.status, 200);
    h.sim.restore_connector("Profit_Debtor_Invoices");
    assert_eq!(
        h.get("/connectors/Profit_Debtor_Invoices?skip=0&take=1")
            .await
            .status,
        200
    );
}
