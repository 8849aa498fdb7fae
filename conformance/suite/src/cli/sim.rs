//! `grootboek sim`: serve the simulators (the same as the `grootboek-sim` binary).

use std::net::IpAddr;
use std::process::ExitCode;

use grootboek_sim::serve::{self, SimVendor};

/// Options of `grootboek sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Vendor to start (repeatable); default: all three.
    #[arg(long = "vendor", value_enum)]
    pub vendors: Vec<SimVendor>,
    /// IP address to bind (each simulator takes a free port on it).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
}

/// Run the command: print one `<name>: <url>` line per server, then serve until Ctrl-C.
pub async fn run(args: SimArgs) -> Result<ExitCode, String> {
    let served = serve::start(&args.vendors, args.bind).await?;
    for (name, url) in &served.urls {
        println!("{name}: {url}");
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?;
    drop(served);
    Ok(ExitCode::SUCCESS)
}
