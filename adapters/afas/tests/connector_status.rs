//! T15: `AfasLedger::connector_status` names every connector the adapter uses, activated or
//! missing, without touching data.

mod common;

use grootboek_afas::{ConnectorKind, ConnectorState};

#[tokio::test]
async fn t15_every_connector_is_activated_on_a_full_app_connector() {
    let sim = common::sim().await;
    let ledger = common::ledger(&sim).await;
    let status = ledger.connector_status().await;
    let names: Vec<&str> = status.iter().map(|s| s.connector.as_str()).collect();
    assert_eq!(
        names,
        [
            "Profit_Administrations",
            "Profit_Debtor",
            "Profit_Accounts",
            "Profit_VAT_code",
            "Profit_Journals",
            "Profit_Debtor_Invoices",
            "Profit_Transactions",
            "FiEntries",
            "KnSalesRelationOrg",
        ]
    );
    assert!(status.iter().all(|s| s.is_activated()), "{status:?}");
    assert_eq!(
        status
            .iter()
            .filter(|s| s.kind == ConnectorKind::Update)
            .count(),
        2
    );
    // Nothing was written.
    assert_eq!(sim.request_count("FiEntries"), 0);
    assert_eq!(sim.request_count("KnSalesRelationOrg"), 0);
}

#[tokio::test]
async fn t15_a_withheld_connector_is_named_missing_with_afas_message() {
    let sim = common::sim().await;
    sim.withhold_connector("Profit_Debtor_Invoices");
    sim.withhold_connector("FiEntries");
    let ledger = common::ledger(&sim).await;
    let status = ledger.connector_status().await;
    let missing: Vec<&str> = status
        .iter()
        .filter(|s| matches!(s.state, ConnectorState::Missing(_)))
        .map(|s| s.connector.as_str())
        .collect();
    assert_eq!(
        missing,
        ["Profit_Debtor_Invoices", "FiEntries"],
        "{status:?}"
    );
    let ConnectorState::Missing(message) = &status[5].state else {
        unreachable!()
    };
    assert!(message.contains("not supported"), "{message}");
    sim.restore_connector("FiEntries");
    let status = ledger.connector_status().await;
    assert_eq!(status.iter().filter(|s| !s.is_activated()).count(), 1);
}
