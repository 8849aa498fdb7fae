//! What a token response says, without its secrets (`grootboek decode --kind token`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A token response (or an AFAS token) described without a single secret character: which
/// tokens it carries and for how long, never their values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    /// The token type as the vendor wrote it (`bearer`, `Bearer`, `AfasToken`).
    pub token_type: String,
    /// The access token's lifetime in seconds (`expires_in`, a number or a string on the wire);
    /// `None` for a token that does not expire (AFAS).
    pub expires_in_seconds: Option<u64>,
    /// Whether an access token is present (its length in characters; never its value).
    pub access_token_chars: usize,
    /// Whether a refresh token is present.
    pub has_refresh_token: bool,
    /// Whether an ID token (OpenID Connect) is present.
    pub has_id_token: bool,
    /// The granted scope, when the response names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Other non-secret values the response carries (Twinfield's `twf.clusterUrl` from the
    /// access-token validation, an AFAS token's `version`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub metadata: BTreeMap<String, String>,
}
