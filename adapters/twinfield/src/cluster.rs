//! Cluster resolution (T02): every SOAP call goes to the organisation's cluster, named by the
//! `twf.clusterUrl` claim that `accesstokenvalidation` returns for an access token. The result is
//! cached per organisation with the tokens (the broker pair's metadata) and resolved again when a
//! cluster answers with an authentication fault.

use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError};
use serde::Deserialize;

use crate::auth::CONNECT_PATH;
use crate::config::TwinfieldConfig;

/// What `accesstokenvalidation` says about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The cluster base URL (`https://api.accounting1.twinfield.com`).
    pub cluster_url: String,
    /// `twf.organisationCode`, when present.
    pub organisation_code: Option<String>,
    /// `twf.organisationId`, when present.
    pub organisation_id: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(rename = "twf.clusterUrl")]
    cluster_url: Option<String>,
    #[serde(rename = "twf.organisationCode")]
    organisation_code: Option<String>,
    #[serde(rename = "twf.organisationId")]
    organisation_id: Option<String>,
}

/// Calls `accesstokenvalidation`.
#[derive(Debug, Clone)]
pub struct ClusterResolver {
    http: reqwest::Client,
    url: String,
}

impl ClusterResolver {
    /// A resolver against the configuration's login host.
    pub fn new(cfg: &TwinfieldConfig, http: reqwest::Client) -> Self {
        let base = cfg.login_url.trim_end_matches('/');
        Self {
            http,
            url: format!("{base}{CONNECT_PATH}/accesstokenvalidation"),
        }
    }

    /// Resolve the cluster of `access_token`. An invalid token is `Unauthenticated`; a token
    /// without the claim (the `twf.organisation` scope was not granted) is `Config`.
    pub async fn resolve(&self, access_token: &str) -> Result<ClusterInfo> {
        let op = "resolve_cluster";
        let resp = self
            .http
            .get(&self.url)
            .query(&[("token", access_token)])
            .send()
            .await
            // `without_url`: the URL carries the token.
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unavailable,
                    format!("accesstokenvalidation unreachable: {}", e.without_url()),
                )
                .with_vendor(Vendor::Twinfield)
                .with_operation(op)
            })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("accesstokenvalidation: {}", e.without_url()),
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op)
        })?;
        if status.as_u16() == 400 || status.as_u16() == 401 {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the access token is not valid (accesstokenvalidation)",
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op)
            .with_vendor_error(VendorError {
                code: Some(status.as_u16().to_string()),
                message: Some(
                    String::from_utf8_lossy(body.get(..200).unwrap_or(&body)).into_owned(),
                ),
                ..Default::default()
            }));
        }
        if !status.is_success() {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!("accesstokenvalidation answered {status}"),
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op));
        }
        let claims: Claims = serde_json::from_slice(&body).map_err(|e| {
            Error::protocol(format!("accesstokenvalidation answered no claims: {e}"))
                .with_vendor(Vendor::Twinfield)
                .with_operation(op)
        })?;
        let cluster_url = claims
            .cluster_url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                Error::config(
                    "the token has no twf.clusterUrl claim: ask the twf.organisation scope",
                )
                .with_vendor(Vendor::Twinfield)
                .with_operation(op)
            })?;
        Ok(ClusterInfo {
            cluster_url: cluster_url.trim().trim_end_matches('/').to_string(),
            organisation_code: claims.organisation_code,
            organisation_id: claims.organisation_id,
        })
    }
}
