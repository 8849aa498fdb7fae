//! The `grootboek` command line: one module per command.

pub mod check;
pub mod conformance;
pub mod connect;
pub mod decode;
pub mod open_items;
pub mod output;
pub mod payments;
pub mod preflight;
pub mod sim;
pub mod soak;

use std::path::Path;

use clap::{Parser, Subcommand};
use grootboek_core::{QuirkId, Vendor};

/// grootboek: one ledger interface over Twinfield, Exact Online and AFAS Profit, proven against
/// their quirks.
#[derive(Debug, Parser)]
#[command(name = "grootboek", version, about)]
pub struct Cli {
    /// Log what grootboek does to stderr: `-v` every HTTP call (method, path, status, duration,
    /// bytes) and budget wait, `-vv` everything. `RUST_LOG` (e.g. `RUST_LOG=debug`) wins.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Install the log subscriber: `RUST_LOG` when set, else warnings, or per `-v`.
pub fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let fallback = match verbose {
        0 => "warn",
        1 => "warn,grootboek=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(fallback));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the catalog's cases against every adapter wired to its built-in simulator.
    Conformance(conformance::ConformanceArgs),
    /// Run the pre-flight checks P1–P5 and print a go/no-go report.
    Preflight(preflight::PreflightArgs),
    /// Serve the vendor simulators on loopback until Ctrl-C (the same as `grootboek-sim`).
    Sim(sim::SimArgs),
    /// List one administration's open items through the vendor's adapter, as the neutral model.
    OpenItems(open_items::OpenItemsArgs),
    /// Turn a saved vendor payload into the neutral model, the way the adapter reads it.
    Decode(decode::DecodeArgs),
    /// Give grootboek access to an Exact Online or Twinfield administration: the OAuth consent
    /// in a browser, the token pair stored in the token store, then the `check` report.
    Connect(connect::ConnectArgs),
    /// Report which administrations a stored connection reaches and what it can do there (on
    /// AFAS: which connectors it may use).
    Check(check::CheckArgs),
    /// Randomized writes and reads against one vendor's simulator with faults, judged against
    /// the simulator's own state: lost, duplicated, corrupted and phantom writes, panics.
    Soak(soak::SoakArgs),
    /// Bank statements against open items: `payments propose` (nothing is written).
    Payments(payments::PaymentsArgs),
}

/// A `--vendor` value.
pub fn parse_vendor(s: &str) -> Result<Vendor, String> {
    s.parse()
        .map_err(|e: grootboek_core::Error| e.message().to_string())
}

/// A catalog ID value.
pub fn parse_quirk(s: &str) -> Result<QuirkId, String> {
    s.parse()
        .map_err(|e: grootboek_core::Error| e.message().to_string())
}

/// Write a report file, creating its folder.
pub fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
