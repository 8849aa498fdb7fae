//! `grootboek payments propose`: which open items each line of a bank statement most likely
//! pays. Reads an MT940 or CAMT.053 file (told apart by content) and the administration's open
//! items — through the vendor's adapter, or from a saved `grootboek open-items` answer — and
//! prints the proposals. Nothing is written: a proposal is data.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use grootboek_bank::{parse_camt053, parse_mt940, propose_matches, BankLine, BankStatement};
use grootboek_core::{OpenItem, Vendor};
use serde::Serialize;

use crate::cli::open_items::{connect, settings};
use crate::cli::output::{one_line, read_payload, table, Format};
use crate::cli::parse_vendor;

/// `grootboek payments …`.
#[derive(Debug, clap::Args)]
pub struct PaymentsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PaymentsCommand,
}

/// The payments commands.
#[derive(Debug, clap::Subcommand)]
pub enum PaymentsCommand {
    /// Propose, for every line of a bank statement, the open items it most likely pays.
    Propose(ProposeArgs),
}

/// Options of `grootboek payments propose`.
#[derive(Debug, clap::Args)]
pub struct ProposeArgs {
    /// The vendor: twinfield, exact or afas.
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// The administration whose open items the statement pays, listed through the adapter
    /// configured from the vendor's environment variables (as `grootboek open-items`).
    #[arg(long, required_unless_present = "open_items")]
    pub administration: Option<String>,
    /// A saved `grootboek open-items --format json` answer to propose against instead.
    #[arg(long, value_name = "FILE", conflicts_with = "administration")]
    pub open_items: Option<PathBuf>,
    /// The vendor's base URL, overriding the environment (see `grootboek open-items`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file of `GROOTBOEK_*=value` lines whose values win over the environment.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Where the connection's tokens live (`file:DIR`, a `redis://` URL, `memory`).
    #[arg(long, value_name = "STORE")]
    pub token_store: Option<String>,
    /// Longest listing the open items may take, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// The bank statement: MT940 (`.sta`, `.940`) or CAMT.053 XML.
    pub statement: PathBuf,
}

/// Run a payments command.
pub async fn run(args: PaymentsArgs) -> Result<ExitCode, String> {
    match args.command {
        PaymentsCommand::Propose(args) => propose(args).await,
    }
}

/// One line's proposals as printed.
#[derive(Debug, Serialize)]
struct Printed<'a> {
    line: &'a BankLine,
    candidates: Vec<PrintedCandidate<'a>>,
    split_with: &'a [usize],
}

#[derive(Debug, Serialize)]
struct PrintedCandidate<'a> {
    reference: &'a str,
    relation: &'a str,
    open_amount: &'a grootboek_core::Money,
    confidence: u8,
    reason: grootboek_bank::MatchReason,
}

/// Read a statement file: CAMT.053 when it is XML, MT940 otherwise.
pub fn read_statements(path: &std::path::Path) -> Result<Vec<BankStatement>, String> {
    let bytes = read_payload(path)?;
    let body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let read = if first == Some(&b'<') {
        parse_camt053(body)
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| format!("{}: an MT940 file must be text", path.display()))?;
        parse_mt940(text)
    };
    read.map_err(|e| format!("{}: {e}", path.display()))
}

async fn propose(args: ProposeArgs) -> Result<ExitCode, String> {
    let statements = read_statements(&args.statement).map_err(|e| one_line(&e))?;
    let items = match (&args.open_items, &args.administration) {
        (Some(path), _) => saved_open_items(path)?,
        (None, Some(administration)) => {
            let overrides = settings(
                args.vendor,
                args.env_file.as_deref(),
                args.token_store.as_deref(),
                false,
                args.base_url.as_deref(),
            )?;
            let lookup = move |k: &str| overrides.get(k).cloned().or_else(|| std::env::var(k).ok());
            let vendor = args.vendor;
            let administration = administration.trim().to_string();
            let listing = async move {
                let ledger = connect(vendor, lookup).await?;
                ledger.all_open_items(&administration).await.map_err(|e| {
                    format!("cannot list the open items of {vendor} administration {administration}: {e}")
                })
            };
            tokio::time::timeout(Duration::from_secs(args.timeout_secs.max(1)), listing)
                .await
                .map_err(|_| format!("no answer from {vendor} within {} s", args.timeout_secs))?
                .map_err(|e| one_line(&e))?
        }
        (None, None) => return Err("give --administration or --open-items".to_string()),
    };
    let lines: Vec<BankLine> = statements.into_iter().flat_map(|s| s.lines).collect();
    let proposals = propose_matches(&items, &lines);
    let printed: Vec<Printed<'_>> = proposals
        .iter()
        .map(|p| Printed {
            line: &lines[p.line],
            candidates: p
                .candidates
                .iter()
                .map(|c| PrintedCandidate {
                    reference: &items[c.item].reference,
                    relation: &items[c.item].relation,
                    open_amount: &items[c.item].open_amount,
                    confidence: c.confidence,
                    reason: c.reason,
                })
                .collect(),
            split_with: &p.split_with,
        })
        .collect();
    match args.format {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                proposals: &'a [Printed<'a>],
            }
            let text = serde_json::to_string_pretty(&Out {
                proposals: &printed,
            })
            .map_err(|e| format!("cannot write JSON: {e}"))?;
            println!("{text}");
        }
        Format::Table => print!("{}", proposal_table(&printed)),
    }
    Ok(ExitCode::SUCCESS)
}

fn proposal_table(printed: &[Printed<'_>]) -> String {
    let rows: Vec<Vec<String>> = printed
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let best = p.candidates.first();
            vec![
                n.to_string(),
                p.line.date.to_string(),
                p.line.amount.to_string(),
                p.line.counterparty_name.clone().unwrap_or_default(),
                p.line.description.clone(),
                best.map(|c| c.reference.to_string()).unwrap_or_default(),
                best.map(|c| c.confidence.to_string()).unwrap_or_default(),
                best.map(|c| {
                    serde_json::to_value(c.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
                (p.candidates.len().saturating_sub(1)).to_string(),
            ]
        })
        .collect();
    table(
        &[
            "line",
            "date",
            "amount",
            "counterparty",
            "description",
            "pays",
            "confidence",
            "reason",
            "others",
        ],
        &rows,
    )
}

/// The open items of a saved `grootboek open-items --format json` answer.
fn saved_open_items(path: &std::path::Path) -> Result<Vec<OpenItem>, String> {
    #[derive(serde::Deserialize)]
    struct Saved {
        open_items: Vec<OpenItem>,
    }
    let bytes = read_payload(path)?;
    serde_json::from_slice::<Saved>(&bytes)
        .map(|s| s.open_items)
        .map_err(|e| {
            one_line(&format!(
                "{}: not a `grootboek open-items --format json` answer: {e}",
                path.display()
            ))
        })
}
