//! T02: every Twinfield SOAP call goes to the organisation's cluster; a call to the wrong one
//! fails like an authentication error. A stale cached cluster is re-resolved after that fault.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct T02;

#[async_trait]
impl Case for T02 {
    fn id(&self) -> &'static str {
        "T02"
    }
    fn title(&self) -> &'static str {
        "a stale cached cluster is re-resolved after the authentication fault and the call goes through"
    }
    fn applies(&self, vendor: Vendor, _caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "only Twinfield spreads organisations over clusters; {} serves every customer from one API host per region",
                crate::cases::support::vendor_name(v)
            )),
        }
    }
    #[cfg(feature = "twinfield")]
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        twinfield::run(h).await
    }
    #[cfg(not(feature = "twinfield"))]
    async fn run(&self, _h: &dyn Harness) -> CaseResult {
        Err(crate::case::Failure(
            "this build has no Twinfield adapter".into(),
        ))
    }
}

#[cfg(feature = "twinfield")]
mod twinfield {
    use grootboek_core::Ledger;
    use grootboek_twinfield::TwinfieldLedger;

    use crate::case::{CaseResult, Failure};
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let sim = tw.sim();
        let right = sim
            .cluster_url_of(tw.organisation())
            .ok_or_else(|| Failure("the organisation has no cluster in the simulator".into()))?;
        let wrong = (1..=grootboek_sim::twinfield::CLUSTERS)
            .filter_map(|n| sim.cluster_url(n))
            .find(|u| *u != right)
            .ok_or_else(|| Failure("the simulator runs no second cluster".into()))?;
        let key = TwinfieldLedger::cluster_metadata_key();
        // Tokens whose cached cluster is stale (the organisation moved, or a bad cache).
        tw.twinfield()
            .store_tokens(tw.issue_pair()?.with_metadata(key, wrong.clone()))
            .await?;
        let before = tw.twinfield().stats().cluster_resolutions;
        let offices =
            tw.twinfield().administrations().await.map_err(|e| {
                Failure(format!("with a stale cluster cached the call failed: {e}"))
            })?;
        ensure!(!offices.is_empty(), "the organisation lists no offices");
        let resolutions = tw.twinfield().stats().cluster_resolutions - before;
        ensure!(
            resolutions == 1,
            "{resolutions} cluster resolutions after the fault instead of one"
        );
        let cached = tw
            .twinfield()
            .tokens()
            .await?
            .and_then(|p| p.metadata.get(key).cloned());
        ensure!(
            cached.as_deref() == Some(right.as_str()),
            "the tokens now cache cluster {cached:?}, not the organisation's {right}"
        );
        // From now on the cached cluster is used: no further resolution.
        tw.twinfield().administrations().await?;
        ensure!(
            tw.twinfield().stats().cluster_resolutions - before == 1,
            "the cluster was resolved again although the cache was right"
        );
        Ok(())
    }
}
