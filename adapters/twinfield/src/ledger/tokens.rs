//! The OpenID Connect consent, the tokens and the cluster of a [`TwinfieldLedger`] (T01, T02,
//! T04).

use grootboek_core::runtime::TokenPair;
use grootboek_core::Result;

use super::TwinfieldLedger;
use crate::auth::{AuthorizeRequest, OAuth, CLUSTER_KEY};

impl TwinfieldLedger {
    /// The authorize URL with a fresh `state` and `nonce` (keep both until the callback).
    pub fn authorize_url(&self) -> AuthorizeRequest {
        self.oauth.authorize_url()
    }

    /// Verify the callback against the `state` sent and return the code.
    pub fn verify_callback(expected_state: &str, callback: &str) -> Result<String> {
        OAuth::verify_callback(expected_state, callback)
    }

    /// Exchange the code for tokens, resolve the organisation's cluster and store both with the
    /// broker.
    pub async fn exchange_code(&self, code: &str) -> Result<()> {
        let pair = self.oauth.exchange_code(code).await?;
        self.store_tokens(pair).await?;
        self.resolve_cluster().await?;
        Ok(())
    }

    /// Store a token pair (from an earlier consent); its metadata may carry `twf.clusterUrl`.
    pub async fn store_tokens(&self, pair: TokenPair) -> Result<()> {
        self.t.broker().store(self.t.conn(), pair).await
    }

    /// The current token pair, if any (secrets redacted in `Debug`).
    pub async fn tokens(&self) -> Result<Option<TokenPair>> {
        self.t.broker().current(self.t.conn()).await
    }

    /// How many refreshes the broker committed.
    pub async fn refresh_count(&self) -> Result<u64> {
        self.t.broker().refresh_count(self.t.conn()).await
    }

    /// Resolve the organisation's cluster now (`accesstokenvalidation`) and cache it with the
    /// tokens.
    pub async fn resolve_cluster(&self) -> Result<String> {
        let token = self.t.broker().access_token(self.t.conn()).await?;
        self.t.resolve_and_store(&token).await
    }

    /// The key under which the cluster is kept in the token metadata.
    pub fn cluster_metadata_key() -> &'static str {
        CLUSTER_KEY
    }
}
