//! Which of the connectors this adapter uses the AFAS token may use (T15): every GetConnector
//! and UpdateConnector must be imported into the customer's App Connector before the first call,
//! and a missing one only shows at the first read or write that needs it. [`AfasLedger::connector_status`]
//! asks for each of them up front, without touching data:
//!
//! - a **GetConnector** is read with `skip=0&take=1` (one row at most);
//! - an **UpdateConnector** is asked for its description, `GET /metainfo/update/{id}` (AFAS
//!   has no harmless way to call an UpdateConnector itself).
//!
//! AFAS answers a connector that is not in the App Connector (or that the user may not use) with
//! a 500 "not supported … not authorized", or a 404 for an unknown URL: both are
//! [`ConnectorState::Missing`]. Any other failure is [`ConnectorState::Unknown`] with its
//! message: it says nothing about the connector.

use grootboek_core::ErrorKind;
use serde::Serialize;

use crate::client::GetQuery;
use crate::ledger::AfasLedger;
use crate::mapping::{debtor, entry};

/// GetConnector or UpdateConnector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// A GetConnector (read).
    Get,
    /// An UpdateConnector (write).
    Update,
}

/// Whether the token may use one connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "message")]
pub enum ConnectorState {
    /// AFAS answered the probe: the connector is in the App Connector.
    Activated,
    /// AFAS does not offer the connector to this token (its message kept).
    Missing(String),
    /// The probe failed for another reason (network, token, AFAS unavailable): its message.
    Unknown(String),
}

/// One connector the adapter uses, and whether the token may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorStatus {
    /// The connector id as configured (GetConnectors are named per customer).
    pub connector: String,
    /// Get or Update.
    pub kind: ConnectorKind,
    /// What the adapter uses it for (`debtors`, `open_items`, `invoices and credit notes`…).
    pub purpose: &'static str,
    /// Activated, missing or unknown.
    #[serde(flatten)]
    pub state: ConnectorState,
}

impl ConnectorStatus {
    /// Whether the connector can be used.
    pub fn is_activated(&self) -> bool {
        self.state == ConnectorState::Activated
    }
}

fn state_of(result: grootboek_core::Result<()>) -> ConnectorState {
    match result {
        Ok(()) => ConnectorState::Activated,
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::NotFound) => {
            let raw = e
                .vendor_error()
                .and_then(|v| v.message.clone())
                .unwrap_or_else(|| e.message().to_string());
            ConnectorState::Missing(raw)
        }
        Err(e) => ConnectorState::Unknown(e.to_string()),
    }
}

impl AfasLedger {
    /// The GetConnectors (with the names of [`AfasConfig::connectors`](crate::AfasConfig)) and the
    /// UpdateConnectors (`FiEntries`, `KnSalesRelationOrg`) this adapter uses, each probed
    /// without touching data (see the [module docs](crate::connectors)): activated, missing
    /// (not in the App Connector, or the user may not use it) or unknown (the probe failed for
    /// another reason). `Profit_Debtor_Balance` is listed only when the Q10 defence is off, the
    /// one case in which it is read. Never fails: a failure is the connector's state.
    pub async fn connector_status(&self) -> Vec<ConnectorStatus> {
        let c = &self.config().connectors;
        let mut gets: Vec<(&str, &'static str)> = vec![
            (&c.administrations, "administrations"),
            (&c.debtors, "customers"),
            (&c.accounts, "ledger accounts"),
            (&c.vat_codes, "VAT codes"),
            (&c.journals, "journals"),
            (&c.open_items, "open items"),
            (&c.transactions, "reading entries back"),
        ];
        if !self.config().runtime.defence("Q10") {
            gets.push((&c.debtor_balance, "balances (Q10 defence off)"));
        }
        let mut out = Vec::new();
        for (name, purpose) in gets {
            let probe = GetQuery {
                skip: 0,
                take: 1,
                ..GetQuery::default()
            };
            let result = self.client().get(name, &probe).await.map(|_| ());
            out.push(ConnectorStatus {
                connector: name.to_string(),
                kind: ConnectorKind::Get,
                purpose,
                state: state_of(result),
            });
        }
        for (name, purpose) in [
            (entry::CONNECTOR, "invoices and credit notes"),
            (debtor::CONNECTOR, "creating and updating customers"),
        ] {
            let result = self.client().metainfo(&["update", name]).await.map(|_| ());
            out.push(ConnectorStatus {
                connector: name.to_string(),
                kind: ConnectorKind::Update,
                purpose,
                state: state_of(result),
            });
        }
        out
    }
}
