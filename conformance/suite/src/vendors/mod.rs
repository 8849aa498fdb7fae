//! The adapters wired to their simulators: one [`VendorBinding`](crate::harness::VendorBinding)
//! per vendor, behind a feature named after it.

#[cfg(feature = "afas")]
pub mod afas;
#[cfg(feature = "exact")]
pub mod exact;
#[cfg(feature = "twinfield")]
pub mod twinfield;

use grootboek_sim::common::SimCore;

/// Method, path with query, and status of every request a simulator answered, control routes left out.
pub(crate) fn logged_requests(core: &SimCore) -> Vec<(String, String, u16)> {
    core.log
        .snapshot()
        .into_iter()
        .filter(|r| !r.path.starts_with("/__sim"))
        .map(|r| {
            let target = match &r.query {
                Some(q) => format!("{}?{q}", r.path),
                None => r.path.clone(),
            };
            (r.method, target, r.status)
        })
        .collect()
}

/// How many requests a simulator answered that could change its state (anything but GET/HEAD),
/// control routes left out.
#[cfg(any(feature = "exact", feature = "afas"))]
pub(crate) fn state_changing_requests(core: &SimCore) -> usize {
    logged_requests(core)
        .iter()
        .filter(|(m, _, _)| m != "GET" && m != "HEAD")
        .count()
}

/// A budget shared through Redis (`--redis`), under a key prefix of its own so that runs on fresh
/// simulators never share state; `None` without a URL.
#[cfg(any(feature = "twinfield", feature = "afas"))]
pub(crate) async fn shared_budget(
    redis: Option<&str>,
) -> Result<Option<std::sync::Arc<dyn grootboek_core::runtime::Budget>>, crate::case::Failure> {
    let Some(url) = redis else {
        return Ok(None);
    };
    #[cfg(feature = "redis")]
    {
        use grootboek_core::runtime::{RedisBudget, RedisBudgetConfig};
        let config = RedisBudgetConfig {
            key_prefix: format!(
                "grootboek-conformance-budget-{}",
                uuid::Uuid::new_v4().simple()
            ),
            ..RedisBudgetConfig::default()
        };
        let budget = RedisBudget::connect(url, config)
            .await
            .map_err(|e| crate::case::Failure(format!("cannot use Redis at {url}: {e}")))?;
        Ok(Some(std::sync::Arc::new(budget)))
    }
    #[cfg(not(feature = "redis"))]
    {
        Err(crate::case::Failure(format!(
            "this build of the suite has no Redis support (feature `redis`) for {url}"
        )))
    }
}
