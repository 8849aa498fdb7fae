//! `grootboek conformance`: the catalog's cases against every adapter on its simulator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;
use grootboek_conformance::case::{Case, Outcome};
use grootboek_conformance::harness::VendorBinding;
use grootboek_conformance::runner::{self, CaseRun, RunOptions};
use grootboek_conformance::{bindings, cases, report};
use grootboek_core::{Defences, QuirkId, Vendor};

use crate::cli::{parse_quirk, parse_vendor, write_file};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ConformanceArgs {
    /// Only this vendor (repeatable): twinfield, exact, afas.
    #[arg(long = "vendor", value_parser = parse_vendor)]
    pub vendors: Vec<Vendor>,
    /// Only this case (repeatable), e.g. Q01.
    #[arg(long = "case", value_parser = parse_quirk)]
    pub cases: Vec<QuirkId>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Turn the adapters' defence for this quirk off (repeatable), to show what it protects against.
    #[arg(long = "without-defence", value_parser = parse_quirk)]
    pub without_defence: Vec<QuirkId>,
    /// Use the Redis token broker and budgets at this URL instead of the in-memory ones.
    #[arg(long)]
    pub redis: Option<String>,
    /// How many case runs at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
}

/// Run the command.
pub async fn run(args: ConformanceArgs) -> Result<ExitCode, String> {
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
    let failed = runs.iter().any(|r| r.outcome == Outcome::Failed);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
