//! The OAuth consent and the tokens of an [`ExactLedger`]: the consent URL, the code exchange,
//! and the token broker that every refresh goes through (Q04).

use std::sync::Arc;

use grootboek_core::runtime::{ConnectionId, TokenBroker, TokenPair};
use grootboek_core::Result;

use super::ExactLedger;
use crate::auth::Consent;

impl ExactLedger {
    /// The consent URL with a fresh `state` to keep in the user's session.
    pub fn authorize_url(&self) -> Consent {
        self.inner.oauth.authorize_url()
    }

    /// Complete the consent: check `state`, exchange the code, and store the pair in the broker.
    pub async fn complete_consent(
        &self,
        code: &str,
        returned_state: &str,
        expected_state: &str,
    ) -> Result<()> {
        let pair = self
            .inner
            .oauth
            .exchange_code(code, returned_state, expected_state)
            .await?;
        self.inner.broker.store(&self.inner.conn, pair).await
    }

    /// Store a token pair obtained elsewhere (a re-consent, a migration, a test).
    pub async fn store_tokens(&self, pair: TokenPair) -> Result<()> {
        self.inner.broker.store(&self.inner.conn, pair).await
    }

    /// The token broker of this connection.
    pub fn token_broker(&self) -> Arc<dyn TokenBroker> {
        self.inner.broker.clone()
    }

    /// The broker key of this connection.
    pub fn connection_id(&self) -> &ConnectionId {
        &self.inner.conn
    }

    /// How many refreshes the broker committed for this connection.
    pub async fn refresh_count(&self) -> Result<u64> {
        self.inner.broker.refresh_count(&self.inner.conn).await
    }
}
