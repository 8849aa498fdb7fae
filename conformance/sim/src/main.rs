//! `grootboek-sim`: start the selected vendor simulators on loopback, print one line per URL
//! (`<name>: <url>`), and serve until Ctrl-C.

use std::net::IpAddr;

use clap::{Parser, ValueEnum};

/// A simulated vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Vendor {
    /// Exact Online (feature `exact`).
    Exact,
    /// Twinfield (feature `twinfield`).
    Twinfield,
    /// AFAS Profit (feature `afas`).
    Afas,
}

/// Serve the grootboek vendor simulators.
#[derive(Debug, Parser)]
#[command(name = "grootboek-sim", version, about)]
struct Args {
    /// Vendor to start (repeatable); default: every vendor compiled in.
    #[arg(long = "vendor", value_enum)]
    vendors: Vec<Vendor>,
    /// IP address to bind (each simulator takes a free port on it).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
}

/// The vendors this binary can start (compiled in and wired below).
fn compiled_in() -> Vec<Vendor> {
    let mut v = Vec::new();
    if cfg!(feature = "exact") {
        v.push(Vendor::Exact);
    }
    if cfg!(feature = "twinfield") {
        v.push(Vendor::Twinfield);
    }
    if cfg!(feature = "afas") {
        v.push(Vendor::Afas);
    }
    v
}

/// Keeps every started simulator alive until the process ends.
#[derive(Default)]
struct Running {
    #[cfg(feature = "exact")]
    exact: Vec<grootboek_sim::exact::ExactSim>,
    #[cfg(feature = "twinfield")]
    twinfield: Vec<grootboek_sim::twinfield::TwinfieldSim>,
    #[cfg(feature = "afas")]
    afas: Vec<grootboek_sim::afas::AfasSim>,
}

/// Start one vendor's simulator and return the `(name, url)` lines to print.
async fn start(
    vendor: Vendor,
    ip: IpAddr,
    running: &mut Running,
) -> Result<Vec<(String, String)>, String> {
    // Silence "unused" when a vendor's feature is off.
    let _ = (&ip, &running);
    match vendor {
        #[cfg(feature = "exact")]
        Vendor::Exact => {
            let sim = grootboek_sim::exact::ExactSim::start(ip)
                .await
                .map_err(|e| format!("exact: {e}"))?;
            let urls = sim.urls();
            running.exact.push(sim);
            Ok(urls)
        }
        #[cfg(feature = "twinfield")]
        Vendor::Twinfield => {
            let sim = grootboek_sim::twinfield::TwinfieldSim::start(ip)
                .await
                .map_err(|e| format!("twinfield: {e}"))?;
            let urls = sim.urls();
            running.twinfield.push(sim);
            Ok(urls)
        }
        #[cfg(feature = "afas")]
        Vendor::Afas => {
            let sim = grootboek_sim::afas::AfasSim::start(ip)
                .await
                .map_err(|e| format!("afas: {e}"))?;
            let urls = sim.urls();
            running.afas.push(sim);
            Ok(urls)
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "the {other:?} simulator is not available in this build (compiled in: {:?})",
            compiled_in()
        )),
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut vendors = if args.vendors.is_empty() {
        compiled_in()
    } else {
        args.vendors.clone()
    };
    vendors.dedup();
    if vendors.is_empty() {
        eprintln!("grootboek-sim: no vendor simulators compiled in");
        std::process::exit(2);
    }
    let mut running = Running::default();
    for vendor in vendors {
        match start(vendor, args.bind, &mut running).await {
            Ok(urls) => {
                for (name, url) in urls {
                    println!("{name}: {url}");
                }
            }
            Err(e) => {
                eprintln!("grootboek-sim: {e}");
                std::process::exit(1);
            }
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("grootboek-sim: cannot listen for Ctrl-C; stopping");
    }
    drop(running);
}
