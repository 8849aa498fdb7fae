//! Cluster resolution (T02): every SOAP call goes to the organisation's cluster, named by the
//! `twf.clusterUrl` claim that `accesstokenvalidation` returns for an access token. The result is
//! cached per organisation with the tokens (the broker pair's metadata) and resolved again when a
//! cluster answers with an authentication fault.

use grootboek_core::runtime::http::{checked_url, status_error, Call, HttpClient, Request};
use grootboek_core::{Error, ErrorKind, Result, Vendor, VendorError};
use serde::Deserialize;
use url::Url;

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

/// Calls `accesstokenvalidation`, and checks the cluster it names (R02).
#[derive(Debug, Clone)]
pub struct ClusterResolver {
    http: HttpClient,
    url: Url,
}

impl ClusterResolver {
    /// A resolver against the configuration's login host, sending through `http`.
    pub fn new(cfg: &TwinfieldConfig, http: HttpClient) -> Self {
        let base = cfg.login_url.trim_end_matches('/');
        let url = Url::parse(&format!("{base}{CONNECT_PATH}/accesstokenvalidation"))
            .unwrap_or_else(|_| Url::parse("https://login.twinfield.com").expect("a valid URL"));
        Self { http, url }
    }

    /// Refuse a cluster URL that is not `https` on a host the configuration allows
    /// (`cluster_hosts`: the vendor's domain by default, loopback for the simulators): a login
    /// service naming another host, or plain HTTP, would receive every token (R02).
    pub fn check_cluster(&self, cluster: &str) -> Result<()> {
        let url = checked_url("the cluster named by twf.clusterUrl", cluster)
            .map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        self.http
            .policy()
            .check(&url)
            .map_err(|e| e.with_vendor(Vendor::Twinfield))
    }

    /// Resolve the cluster of `access_token`. An invalid token is `Unauthenticated`; a token
    /// without the claim (the `twf.organisation` scope was not granted) is `Config`; a cluster
    /// on a host the configuration does not allow is `Config` (R02).
    pub async fn resolve(&self, access_token: &str) -> Result<ClusterInfo> {
        let op = "resolve_cluster";
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("token", access_token);
        // The URL carries the token: the HTTP client logs and reports the path only.
        let answer = self
            .http
            .execute(Request::get(url), false)
            .await
            .map_err(|e| e.with_operation(op))?;
        let status = answer.status;
        let body = &answer.body;
        if status == 400 || status == 401 {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the access token is not valid (accesstokenvalidation)",
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op)
            .with_vendor_error(VendorError {
                code: Some(status.to_string()),
                message: Some(
                    String::from_utf8_lossy(body.get(..200).unwrap_or(body)).into_owned(),
                ),
                ..Default::default()
            }));
        }
        if !answer.is_success() {
            // The common mapping: a redirect is a protocol error naming its target (never
            // followed, never retried: R02), a 5xx is unavailable.
            let call = Call::read(op, Vec::new());
            return Err(status_error(
                Vendor::Twinfield,
                &call,
                &answer,
                VendorError::default(),
            ));
        }
        let claims: Claims = serde_json::from_slice(body).map_err(|e| {
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
        let cluster_url = cluster_url.trim().trim_end_matches('/').to_string();
        self.check_cluster(&cluster_url)
            .map_err(|e| e.with_operation(op))?;
        Ok(ClusterInfo {
            cluster_url,
            organisation_code: claims.organisation_code,
            organisation_id: claims.organisation_id,
        })
    }
}
