//! # grootboek
//!
//! One ledger interface over the Dutch accounting systems Twinfield, Exact Online and AFAS
//! Profit. This facade builds an `Arc<dyn Ledger>` for any vendor from one config value (the way
//! `object_store` and `sqlx` do it), with a feature per vendor; the model, traits and errors are
//! re-exported from [`grootboek_core`].
//!
//! ```no_run
//! # async fn demo() -> grootboek::Result<()> {
//! // From the vendor's environment variables (`GROOTBOEK_EXACT_*`, …):
//! let ledger = grootboek::connect_from_env(grootboek::Vendor::Exact).await?;
//! for item in ledger.all_open_items("123456").await? {
//!     println!("{} {} open {}", item.relation, item.reference, item.open_amount);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

use std::sync::Arc;

pub use grootboek_core::*;

#[cfg(feature = "afas")]
pub use grootboek_afas as afas;
#[cfg(feature = "exact")]
pub use grootboek_exact as exact;
#[cfg(feature = "twinfield")]
pub use grootboek_twinfield as twinfield;

/// The configuration of one vendor connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Config {
    /// A Twinfield organisation.
    #[cfg(feature = "twinfield")]
    Twinfield(grootboek_twinfield::TwinfieldConfig),
    /// An Exact Online connection.
    #[cfg(feature = "exact")]
    Exact(grootboek_exact::ExactConfig),
    /// An AFAS Profit environment.
    #[cfg(feature = "afas")]
    Afas(grootboek_afas::AfasConfig),
}

impl Config {
    /// The vendor this configuration is for.
    pub fn vendor(&self) -> Vendor {
        match self {
            #[cfg(feature = "twinfield")]
            Config::Twinfield(_) => Vendor::Twinfield,
            #[cfg(feature = "exact")]
            Config::Exact(_) => Vendor::Exact,
            #[cfg(feature = "afas")]
            Config::Afas(_) => Vendor::Afas,
        }
    }

    /// The configuration of `vendor` from its environment variables (`GROOTBOEK_TWINFIELD_*`,
    /// `GROOTBOEK_EXACT_*`, `GROOTBOEK_AFAS_*`; see each adapter's `from_env`).
    pub fn from_env(vendor: Vendor) -> Result<Self> {
        match vendor {
            #[cfg(feature = "twinfield")]
            Vendor::Twinfield => Ok(Config::Twinfield(
                grootboek_twinfield::TwinfieldConfig::from_env()?,
            )),
            #[cfg(feature = "exact")]
            Vendor::Exact => Ok(Config::Exact(grootboek_exact::ExactConfig::from_env()?)),
            #[cfg(feature = "afas")]
            Vendor::Afas => Ok(Config::Afas(grootboek_afas::AfasConfig::from_env()?)),
            #[allow(unreachable_patterns)]
            other => Err(not_built(other)),
        }
    }
}

fn not_built(vendor: Vendor) -> Error {
    Error::config(format!(
        "this build of grootboek has no {vendor} adapter (enable the `{vendor}` feature)"
    ))
}

/// Connect to the vendor the configuration names.
pub async fn connect(config: Config) -> Result<Arc<dyn Ledger>> {
    match config {
        #[cfg(feature = "twinfield")]
        Config::Twinfield(c) => Ok(Arc::new(grootboek_twinfield::connect(c).await?)),
        #[cfg(feature = "exact")]
        Config::Exact(c) => Ok(Arc::new(grootboek_exact::connect(c).await?)),
        #[cfg(feature = "afas")]
        Config::Afas(c) => Ok(Arc::new(grootboek_afas::connect(c).await?)),
    }
}

/// Connect to `vendor` configured from its environment variables.
pub async fn connect_from_env(vendor: Vendor) -> Result<Arc<dyn Ledger>> {
    connect(Config::from_env(vendor)?).await
}

/// The vendors compiled into this build.
pub fn vendors() -> Vec<Vendor> {
    Vendor::ALL
        .into_iter()
        .filter(|v| match v {
            Vendor::Twinfield => cfg!(feature = "twinfield"),
            Vendor::Exact => cfg!(feature = "exact"),
            Vendor::Afas => cfg!(feature = "afas"),
        })
        .collect()
}
