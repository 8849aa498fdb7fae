//! The `grootboek` command line.

mod cli;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    cli::init_logging(cli.verbose);
    let result = match cli.command {
        Command::Conformance(args) => cli::conformance::run(args).await,
        Command::Preflight(args) => cli::preflight::run(args).await,
        Command::Sim(args) => cli::sim::run(args).await,
        Command::OpenItems(args) => cli::open_items::run(args).await,
        Command::Decode(args) => cli::decode::run(args).await,
        Command::Connect(args) => cli::connect::run(args).await,
        Command::Check(args) => cli::check::run(args).await,
        Command::Soak(args) => cli::soak::run(args).await,
        Command::Payments(args) => cli::payments::run(args).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("grootboek: {message}");
            ExitCode::from(2)
        }
    }
}

/// Help and version go out as clap writes them; a usage error is one line (its first paragraph,
/// without clap's `error: ` prefix) pointing at `--help`, exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            let text = e.render().to_string();
            // The first paragraph (the message and what it lists), on one line.
            let paragraph = text
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty())
                .take_while(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let first = paragraph.strip_prefix("error: ").unwrap_or(&paragraph);
            let first = if first.is_empty() {
                "invalid arguments"
            } else {
                first
            };
            // `Usage: grootboek decode [OPTIONS] …` names the command the error is about.
            let command = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("Usage: "))
                .map(|u| {
                    u.split_whitespace()
                        .take_while(|w| !w.starts_with(['[', '<', '-']))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|c| c.contains(' '))
                .or_else(|| {
                    // Errors about a value carry no usage line: the command is the first argument
                    // when it names one.
                    let first = std::env::args().nth(1)?;
                    Cli::command()
                        .get_subcommands()
                        .any(|c| c.get_name() == first)
                        .then(|| format!("grootboek {first}"))
                })
                .unwrap_or_else(|| "grootboek".to_string());
            eprintln!("grootboek: {first} (see `{command} --help`)");
            ExitCode::from(2)
        }
    }
}
