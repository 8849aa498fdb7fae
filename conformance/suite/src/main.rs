//! The `grootboek` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use grootboek_conformance::case::Case;
use grootboek_conformance::harness::VendorBinding;
use grootboek_conformance::runner::{self, CaseRun, RunOptions};
use grootboek_conformance::{bindings, cases, report};
use grootboek_core::{Defences, QuirkId, Vendor};

/// grootboek: one ledger interface over Twinfield, Exact Online and AFAS Profit, proven against
/// their quirks.
#[derive(Debug, Parser)]
#[command(name = "grootboek", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the catalog's cases against every adapter wired to its built-in simulator.
    Conformance(ConformanceArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
struct ConformanceArgs {
    /// Only this vendor (repeatable): twinfield, exact, afas.
    #[arg(long = "vendor", value_parser = parse_vendor)]
    vendors: Vec<Vendor>,
    /// Only this case (repeatable), e.g. Q01.
    #[arg(long = "case", value_parser = parse_quirk)]
    cases: Vec<QuirkId>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Also write a self-contained HTML report here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Turn the adapters' defence for this quirk off (repeatable), to show what it protects against.
    #[arg(long = "without-defence", value_parser = parse_quirk)]
    without_defence: Vec<QuirkId>,
    /// Use the Redis token broker and budgets at this URL instead of the in-memory ones.
    #[arg(long)]
    redis: Option<String>,
    /// How many case runs at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
}

fn parse_vendor(s: &str) -> Result<Vendor, String> {
    s.parse()
        .map_err(|e: grootboek_core::Error| e.message().to_string())
}

fn parse_quirk(s: &str) -> Result<QuirkId, String> {
    s.parse()
        .map_err(|e: grootboek_core::Error| e.message().to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(args) => conformance(args).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("grootboek: {message}");
            ExitCode::from(2)
        }
    }
}

async fn conformance(args: ConformanceArgs) -> Result<ExitCode, String> {
    let all_cases = cases::all();
    let selected_cases: Vec<Arc<dyn Case>> = if args.cases.is_empty() {
        all_cases
    } else {
        let mut out = Vec::new();
        for id in &args.cases {
            match all_cases.iter().find(|c| c.id() == id.as_str()) {
                Some(c) => out.push(c.clone()),
                None => return Err(format!("case {id} is not implemented in this build")),
            }
        }
        out
    };
    let available = bindings();
    let selected_bindings: Vec<Arc<dyn VendorBinding>> = if args.vendors.is_empty() {
        available
    } else {
        let mut out = Vec::new();
        for v in &args.vendors {
            match available.iter().find(|b| b.vendor() == *v) {
                Some(b) => out.push(b.clone()),
                None => return Err(format!("no {v} adapter in this build")),
            }
        }
        out
    };
    if selected_bindings.is_empty() {
        return Err("no adapter is compiled into this build".into());
    }
    let total = (selected_cases.len() * selected_bindings.len()) as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if matches!(args.format, Format::Json) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress_bar = bar.clone();
    let options = RunOptions {
        defences: Defences::without(args.without_defence.clone()),
        redis: args.redis.clone(),
        concurrency: args.jobs.max(1),
        ..RunOptions::default()
    };
    let runs: Vec<CaseRun> = runner::run(selected_cases, selected_bindings, options, move |r| {
        progress_bar.set_message(format!("{} {} {}", r.case, r.vendor, r.outcome));
        progress_bar.inc(1);
    })
    .await;
    bar.finish_and_clear();
    match args.format {
        Format::Table => print!("{}", report::table(&runs)),
        Format::Json => println!("{}", report::json(&runs)),
    }
    if let Some(path) = &args.junit {
        write_file(path, &report::junit(&runs))?;
    }
    if let Some(path) = &args.html {
        write_file(path, &report::html(&runs))?;
    }
    let failed = runs
        .iter()
        .any(|r| r.outcome == grootboek_conformance::case::Outcome::Failed);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn write_file(path: &PathBuf, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
