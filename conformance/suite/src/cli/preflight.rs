//! `grootboek preflight`: P1–P5 against the built-in simulator, or with `--live` against the
//! administration the environment names, and a go/no-go verdict.

use std::process::ExitCode;
use std::time::Duration;

use grootboek_conformance::bindings;
use grootboek_conformance::preflight::{self, live::LiveHarness};
use grootboek_core::{Defences, Vendor};

use crate::cli::parse_vendor;

/// Options of `grootboek preflight`.
#[derive(Debug, clap::Args)]
pub struct PreflightArgs {
    /// The vendor to check: twinfield, exact or afas.
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// Run against the administration named by the environment (the vendor's
    /// `GROOTBOEK_<VENDOR>_*` variables and `GROOTBOEK_PREFLIGHT_*`) instead of the built-in
    /// simulator. It posts marked test entries and reverses them.
    #[arg(long)]
    pub live: bool,
    /// Longest one check may take, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

/// Run the command; exits non-zero on NO-GO.
pub async fn run(args: PreflightArgs) -> Result<ExitCode, String> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let report = if args.live {
        let harness = LiveHarness::from_env(args.vendor).await?;
        preflight::run(&harness, timeout, true).await
    } else {
        let binding = bindings()
            .into_iter()
            .find(|b| b.vendor() == args.vendor)
            .ok_or_else(|| format!("no {} adapter in this build", args.vendor))?;
        let harness = binding
            .harness(Defences::all(), None)
            .await
            .map_err(|e| format!("cannot start the {} simulator: {e}", args.vendor))?;
        preflight::run(harness.as_ref(), timeout, false).await
    };
    print!("{}", report.render());
    Ok(if report.go() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
