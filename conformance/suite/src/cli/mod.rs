//! The `grootboek` command line: one module per command.

pub mod conformance;
pub mod decode;
pub mod open_items;
pub mod output;
pub mod preflight;
pub mod sim;

use std::path::Path;

use clap::{Parser, Subcommand};
use grootboek_core::{QuirkId, Vendor};

/// grootboek: one ledger interface over Twinfield, Exact Online and AFAS Profit, proven against
/// their quirks.
#[derive(Debug, Parser)]
#[command(name = "grootboek", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
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
