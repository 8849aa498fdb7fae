//! `grootboek-sim`: start the selected vendor simulators on loopback, print one line per URL
//! (`<name>: <url>`), and serve until Ctrl-C.

use std::net::IpAddr;

use clap::Parser;
use grootboek_sim::serve::{self, SimVendor};

/// Serve the grootboek vendor simulators.
#[derive(Debug, Parser)]
#[command(name = "grootboek-sim", version, about)]
struct Args {
    /// Vendor to start (repeatable); default: every vendor compiled in.
    #[arg(long = "vendor", value_enum)]
    vendors: Vec<SimVendor>,
    /// IP address to bind (each simulator takes a free port on it).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let served = match serve::start(&args.vendors, args.bind).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("grootboek-sim: {e}");
            std::process::exit(1);
        }
    };
    for (name, url) in &served.urls {
        println!("{name}: {url}");
    }
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("grootboek-sim: cannot listen for Ctrl-C; stopping");
    }
    drop(served);
}
