//! Serving the simulators from a process: the `grootboek-sim` binary and `grootboek sim` both start
//! the selected vendors through [`start`] and keep the returned [`Served`] alive.

use std::net::IpAddr;

/// A simulated vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimVendor {
    /// Exact Online (feature `exact`).
    Exact,
    /// Twinfield (feature `twinfield`).
    Twinfield,
    /// AFAS Profit (feature `afas`).
    Afas,
}

/// The vendors this build can start.
pub fn compiled_in() -> Vec<SimVendor> {
    let mut v = Vec::new();
    if cfg!(feature = "exact") {
        v.push(SimVendor::Exact);
    }
    if cfg!(feature = "twinfield") {
        v.push(SimVendor::Twinfield);
    }
    if cfg!(feature = "afas") {
        v.push(SimVendor::Afas);
    }
    v
}

/// Started simulators; they serve until this is dropped.
#[derive(Default)]
pub struct Served {
    /// `(name, url)` of every server started, in start order.
    pub urls: Vec<(String, String)>,
    #[cfg(feature = "exact")]
    exact: Vec<crate::exact::ExactSim>,
    #[cfg(feature = "twinfield")]
    twinfield: Vec<crate::twinfield::TwinfieldSim>,
    #[cfg(feature = "afas")]
    afas: Vec<crate::afas::AfasSim>,
}

impl Served {
    /// The Exact simulators started.
    #[cfg(feature = "exact")]
    pub fn exact(&self) -> &[crate::exact::ExactSim] {
        &self.exact
    }
    /// The Twinfield simulators started.
    #[cfg(feature = "twinfield")]
    pub fn twinfield(&self) -> &[crate::twinfield::TwinfieldSim] {
        &self.twinfield
    }
    /// The AFAS simulators started.
    #[cfg(feature = "afas")]
    pub fn afas(&self) -> &[crate::afas::AfasSim] {
        &self.afas
    }
}

/// Start the given vendors' simulators on `ip` (each on a free port); an empty list starts every
/// vendor compiled in. A Twinfield simulator is loaded with its demo world, so a person has
/// something to look at; the others start with their own defaults.
pub async fn start(vendors: &[SimVendor], ip: IpAddr) -> Result<Served, String> {
    let mut vendors = if vendors.is_empty() {
        compiled_in()
    } else {
        vendors.to_vec()
    };
    vendors.dedup();
    if vendors.is_empty() {
        return Err("no vendor simulators compiled in".into());
    }
    let mut served = Served::default();
    for vendor in vendors {
        start_one(vendor, ip, &mut served).await?;
    }
    Ok(served)
}

async fn start_one(vendor: SimVendor, ip: IpAddr, served: &mut Served) -> Result<(), String> {
    let _ = (&ip, &served);
    match vendor {
        #[cfg(feature = "exact")]
        SimVendor::Exact => {
            let sim = crate::exact::ExactSim::start(ip)
                .await
                .map_err(|e| format!("exact: {e}"))?;
            served.urls.extend(sim.urls());
            served.exact.push(sim);
            Ok(())
        }
        #[cfg(feature = "twinfield")]
        SimVendor::Twinfield => {
            let sim = crate::twinfield::TwinfieldSim::start(ip)
                .await
                .map_err(|e| format!("twinfield: {e}"))?;
            sim.seed(crate::twinfield::TwinfieldSeed::demo())
                .map_err(|e| format!("twinfield demo world: {e}"))?;
            served.urls.extend(sim.urls());
            served.twinfield.push(sim);
            Ok(())
        }
        #[cfg(feature = "afas")]
        SimVendor::Afas => {
            let sim = crate::afas::AfasSim::start(ip)
                .await
                .map_err(|e| format!("afas: {e}"))?;
            served.urls.extend(sim.urls());
            served.afas.push(sim);
            Ok(())
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "the {other:?} simulator is not available in this build (compiled in: {:?})",
            compiled_in()
        )),
    }
}
