//! `grootboek soak`: randomized creates, updates and listings against one vendor's simulator
//! with faults, judged against the simulator's own state (see [`grootboek_conformance::soak`]).

use std::process::ExitCode;
use std::time::Duration;

use grootboek_conformance::soak::{self, SoakConfig};
use grootboek_core::Vendor;

use super::output::Format;

/// Options of `grootboek soak`.
#[derive(Debug, clap::Args)]
pub struct SoakArgs {
    /// The vendor: twinfield, exact or afas.
    #[arg(long, value_parser = super::parse_vendor)]
    pub vendor: Vendor,
    /// How many operations.
    #[arg(long, default_value_t = 300)]
    pub ops: usize,
    /// Probability (0–1) that one fault is pushed before an operation.
    #[arg(long, default_value_t = 0.15, value_parser = parse_rate)]
    pub fault_rate: f64,
    /// The RNG seed: the same seed gives the same run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Seconds one operation may take before it counts as stalled.
    #[arg(long, default_value_t = 120)]
    pub op_deadline: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("fault rate {r} is not between 0 and 1"))
    }
}

/// Run the command: exit 0 when nothing was lost, duplicated, corrupted or phantom and nothing
/// panicked or stalled; 1 otherwise.
pub async fn run(args: SoakArgs) -> Result<ExitCode, String> {
    let binding = grootboek_conformance::bindings()
        .into_iter()
        .find(|b| b.vendor() == args.vendor)
        .ok_or_else(|| format!("this build has no {} adapter", args.vendor))?;
    let config = SoakConfig {
        ops: args.ops,
        fault_rate: args.fault_rate,
        seed: args.seed,
        op_deadline: Duration::from_secs(args.op_deadline),
    };
    let report = soak::run(binding.as_ref(), &config)
        .await
        .map_err(|e| e.0)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        ),
        Format::Table => print!("{}", report.table()),
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
