//! T01: the OAuth consent: the authorize URL carries `state` (and Twinfield's `nonce`), a
//! callback with another state is refused, the code exchange works and the token lifetime is
//! read right (Exact sends `expires_in` as a string).

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::harness::Harness;

/// The case.
pub struct T01;

#[async_trait]
impl Case for T01 {
    fn id(&self) -> &'static str {
        "T01"
    }
    fn title(&self) -> &'static str {
        "consent: the authorize URL carries state (and nonce), a wrong state is refused, the code exchange yields the right token lifetime"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact | Vendor::Twinfield if caps.oauth_refresh => Applicability::Applies,
            Vendor::Afas => Applicability::NotApplicable(
                "AFAS has no OAuth consent: the connection uses a static AfasToken".into(),
            ),
            v => Applicability::NotApplicable(format!(
                "the {} adapter does not use an OAuth consent",
                crate::cases::support::vendor_name(v)
            )),
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        match h.vendor() {
            #[cfg(feature = "exact")]
            Vendor::Exact => exact::run(h).await,
            #[cfg(feature = "twinfield")]
            Vendor::Twinfield => twinfield::run(h).await,
            v => Err(Failure(format!("this build has no consent flow for {v}"))),
        }
    }
}

#[cfg(any(feature = "exact", feature = "twinfield"))]
/// The query parameters of a URL, not decoded (the values checked here are URL-safe).
fn query_of(url: &str) -> Vec<(String, String)> {
    url.split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default())
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(any(feature = "exact", feature = "twinfield"))]
fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(feature = "exact")]
mod exact {
    use grootboek_core::{ErrorKind, Ledger};

    use super::{param, query_of};
    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let ex = support::exact(h)?;
        let consent = ex.exact().authorize_url();
        let query = query_of(consent.url.as_str());
        ensure!(
            !consent.state.is_empty() && param(&query, "state") == Some(consent.state.as_str()),
            "the authorize URL does not carry the state handed out: {}",
            consent.url
        );
        ensure!(
            param(&query, "response_type") == Some("code"),
            "the authorize URL does not ask for a code: {}",
            consent.url
        );
        let (status, location) = support::get_without_redirect(consent.url.as_str()).await?;
        let location = location.ok_or_else(|| {
            Failure(format!(
                "the authorize endpoint answered {status} without a redirect"
            ))
        })?;
        let (code, state) = grootboek_exact::parse_redirect(&location)
            .map_err(|e| Failure(format!("the consent redirect is unusable: {e}")))?;
        match ex
            .exact()
            .complete_consent(&code, "forged-state", &consent.state)
            .await
        {
            Ok(()) => {
                return Err(Failure(
                    "a callback with a forged state was accepted".into(),
                ))
            }
            Err(e) => ensure!(
                e.kind() == &ErrorKind::Unauthenticated,
                "a forged state was refused as {e}, not as unauthenticated"
            ),
        }
        ex.exact()
            .complete_consent(&code, &state, &consent.state)
            .await
            .map_err(|e| Failure(format!("the code exchange failed: {e}")))?;
        let pair = ex
            .exact()
            .token_broker()
            .current(ex.exact().connection_id())
            .await?
            .ok_or_else(|| Failure("the code exchange stored no tokens".into()))?;
        let lifetime = (pair.expires_at - pair.issued_at).num_seconds();
        ensure!(
            lifetime == 600,
            "the access token lives {lifetime} s; Exact's expires_in \"600\" (a string) means 600 s"
        );
        ex.exact()
            .list_journals(&h.fixture().administration, None)
            .await
            .map_err(|e| Failure(format!("the consented tokens do not work: {e}")))?;
        Ok(())
    }
}

#[cfg(feature = "twinfield")]
mod twinfield {
    use grootboek_core::{ErrorKind, Ledger};
    use grootboek_twinfield::TwinfieldLedger;

    use super::{param, query_of};
    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let auth = tw.twinfield().authorize_url();
        let query = query_of(&auth.url);
        ensure!(
            !auth.state.is_empty() && param(&query, "state") == Some(auth.state.as_str()),
            "the authorize URL does not carry the state handed out: {}",
            auth.url
        );
        ensure!(
            !auth.nonce.is_empty() && param(&query, "nonce") == Some(auth.nonce.as_str()),
            "the authorize URL does not carry a nonce: {}",
            auth.url
        );
        let (status, location) = support::get_without_redirect(&auth.url).await?;
        let location = location.ok_or_else(|| {
            Failure(format!(
                "the authorize endpoint answered {status} without a redirect"
            ))
        })?;
        ensure!(
            location.starts_with(tw.redirect_uri()),
            "the consent redirected to {location}, not to the registered {}",
            tw.redirect_uri()
        );
        match TwinfieldLedger::verify_callback("forged-state", &location) {
            Ok(_) => {
                return Err(Failure(
                    "a callback with a forged state was accepted".into(),
                ))
            }
            Err(e) => ensure!(
                e.kind() == &ErrorKind::Unauthenticated,
                "a forged state was refused as {e}, not as unauthenticated"
            ),
        }
        let code = TwinfieldLedger::verify_callback(&auth.state, &location)
            .map_err(|e| Failure(format!("the genuine callback was refused: {e}")))?;
        tw.twinfield()
            .exchange_code(&code)
            .await
            .map_err(|e| Failure(format!("the code exchange failed: {e}")))?;
        let pair = tw
            .twinfield()
            .tokens()
            .await?
            .ok_or_else(|| Failure("the code exchange stored no tokens".into()))?;
        let lifetime = (pair.expires_at - pair.issued_at).num_seconds();
        ensure!(
            (3590..=3600).contains(&lifetime),
            "the access token lives {lifetime} s instead of one hour"
        );
        ensure!(
            pair.metadata
                .contains_key(TwinfieldLedger::cluster_metadata_key()),
            "the organisation's cluster was not resolved and kept with the tokens"
        );
        tw.twinfield()
            .administrations()
            .await
            .map_err(|e| Failure(format!("the consented tokens do not work: {e}")))?;
        Ok(())
    }
}
