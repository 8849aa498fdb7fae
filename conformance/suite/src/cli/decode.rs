//! `grootboek decode`: a saved vendor payload (a Twinfield SOAP/ProcessXml answer, an Exact
//! OData answer, an AFAS GetConnector answer) turned into the neutral model by the adapter's own
//! mapping (each adapter's `decode` module), offline: what the adapter makes of that payload.

use std::path::PathBuf;
use std::process::ExitCode;

use grootboek_core::Vendor;

use crate::cli::output::{one_line, read_payload, Format, Listing};
use crate::cli::parse_vendor;

/// What a payload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecodeKind {
    /// Open items: Twinfield browse 100, Exact `ReceivablesList`, AFAS open-items connector.
    OpenItems,
    /// Sales invoices: Twinfield transaction read, Exact `SalesEntries` with expanded lines, AFAS
    /// transactions connector.
    Invoice,
    /// Credit notes: as invoices.
    CreditNote,
    /// Dimensions: Twinfield dimension read/list, Exact `crm/Accounts` or `GLAccounts`, AFAS
    /// debtors or ledger accounts.
    Dimension,
    /// Administrations: the Twinfield office list (UTF-8 or UTF-16), Exact `system/Divisions`
    /// or `hrm/Divisions`, what AFAS lists of its administrations.
    Administrations,
    /// A token response (Twinfield and Exact OAuth, `expires_in` as a number or a string) or an
    /// AFAS token: what it holds and for how long, never a secret value.
    Token,
    /// A vendor's answer to a write: a refusal, or a batch result with each item's outcome
    /// (a Twinfield ProcessXml result, an Exact or AFAS write answer).
    Outcome,
}

/// Options of `grootboek decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Extra payloads a vendor's mapping can use (each refused where it does not apply):
  --sales-entries  exact, open-items: SalesEntries (EntryID, AmountFC) for the original amounts
                   (without it `amount` is the open amount: ReceivablesList has no original)
  --accounts       exact, invoice/credit-note: crm/Accounts to turn the Customer GUID into its code
                   (financial/GLAccounts for SalesInvoices, whose lines name GL accounts by GUID)
  --vat-codes      afas, invoice/credit-note: the VAT-codes connector, to pair VAT rows with
                   revenue rows and give rates (without it a VAT row reads as a line of its own)")]
pub struct DecodeArgs {
    /// The vendor whose payload it is: twinfield, exact or afas.
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// What the payload holds.
    #[arg(long, value_enum)]
    pub kind: DecodeKind,
    /// The saved response body.
    pub file: PathBuf,
    /// The administration (Twinfield office, Exact division, AFAS administration) when the
    /// payload does not name it. Exact: it wins over the rows' division; AFAS: rows of other
    /// administrations are left out.
    #[arg(long)]
    pub administration: Option<String>,
    /// Exact only: a saved `SalesEntries` answer giving open items their original amounts.
    #[arg(long, value_name = "FILE")]
    pub sales_entries: Option<PathBuf>,
    /// Exact only: a saved `crm/Accounts` answer resolving a sales entry's customer GUID.
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// AFAS only: a saved VAT-codes GetConnector answer for reading transactions.
    #[arg(long, value_name = "FILE")]
    pub vat_codes: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Run the command: print the decoded listing, or fail with one line.
pub async fn run(args: DecodeArgs) -> Result<ExitCode, String> {
    check_extras(&args)?;
    let bytes = read_payload(&args.file)?;
    let listing = decode(&args, &bytes).map_err(|e| {
        one_line(&format!(
            "cannot decode {} as {} {}: {e}",
            args.file.display(),
            args.vendor,
            kind_name(args.kind)
        ))
    })?;
    print!("{}", listing.render(args.format)?);
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: DecodeKind) -> &'static str {
    match kind {
        DecodeKind::OpenItems => "open-items",
        DecodeKind::Invoice => "invoice",
        DecodeKind::CreditNote => "credit-note",
        DecodeKind::Dimension => "dimension",
        DecodeKind::Administrations => "administrations",
        DecodeKind::Token => "token",
        DecodeKind::Outcome => "outcome",
    }
}

/// Refuse an extra payload flag the vendor and kind do not use.
fn check_extras(args: &DecodeArgs) -> Result<(), String> {
    let documents = matches!(args.kind, DecodeKind::Invoice | DecodeKind::CreditNote);
    let rules = [
        (
            "--sales-entries",
            args.sales_entries.is_some(),
            args.vendor == Vendor::Exact && args.kind == DecodeKind::OpenItems,
            "--vendor exact --kind open-items",
        ),
        (
            "--accounts",
            args.accounts.is_some(),
            args.vendor == Vendor::Exact && documents,
            "--vendor exact --kind invoice|credit-note",
        ),
        (
            "--vat-codes",
            args.vat_codes.is_some(),
            args.vendor == Vendor::Afas && documents,
            "--vendor afas --kind invoice|credit-note",
        ),
    ];
    for (flag, given, applies, scope) in rules {
        if given && !applies {
            return Err(format!("{flag} applies only to {scope}"));
        }
    }
    Ok(())
}

#[cfg_attr(not(any(feature = "exact", feature = "afas")), allow(dead_code))]
fn extra(path: &Option<PathBuf>) -> Result<Option<Vec<u8>>, String> {
    path.as_deref().map(read_payload).transpose()
}

/// Decode with the vendor's adapter; an adapter error is returned as its text.
fn decode(args: &DecodeArgs, bytes: &[u8]) -> Result<Listing, String> {
    let admin = args.administration.as_deref();
    match args.vendor {
        #[cfg(feature = "twinfield")]
        Vendor::Twinfield => {
            use grootboek_twinfield::decode as d;
            let r = match args.kind {
                DecodeKind::OpenItems => d::open_items(bytes, admin).map(Listing::OpenItems),
                DecodeKind::Invoice => d::invoice(bytes).map(Listing::Invoices),
                DecodeKind::CreditNote => d::credit_note(bytes).map(Listing::CreditNotes),
                DecodeKind::Dimension => d::dimension(bytes).map(Listing::Dimensions),
                DecodeKind::Administrations => {
                    d::administrations(bytes).map(Listing::Administrations)
                }
                DecodeKind::Token => d::token(bytes).map(Listing::Token),
                DecodeKind::Outcome => d::outcome(bytes).map(Listing::Outcome),
            };
            r.map_err(|e| e.to_string())
        }
        #[cfg(feature = "exact")]
        Vendor::Exact => {
            use grootboek_exact::decode as d;
            let sales_entries = extra(&args.sales_entries)?;
            let accounts = extra(&args.accounts)?;
            let r = match args.kind {
                DecodeKind::OpenItems => match &sales_entries {
                    Some(s) => d::open_items_with_entries(bytes, s, admin),
                    None => d::open_items(bytes, admin),
                }
                .map(Listing::OpenItems),
                DecodeKind::Invoice => {
                    d::invoice(bytes, admin, accounts.as_deref()).map(Listing::Invoices)
                }
                DecodeKind::CreditNote => {
                    d::credit_note(bytes, admin, accounts.as_deref()).map(Listing::CreditNotes)
                }
                DecodeKind::Dimension => d::dimension(bytes).map(Listing::Dimensions),
                DecodeKind::Administrations => {
                    d::administrations(bytes).map(Listing::Administrations)
                }
                DecodeKind::Token => d::token(bytes).map(Listing::Token),
                DecodeKind::Outcome => d::outcome(bytes).map(Listing::Outcome),
            };
            r.map_err(|e| e.to_string())
        }
        #[cfg(feature = "afas")]
        Vendor::Afas => {
            use grootboek_afas::decode as d;
            let vat = extra(&args.vat_codes)?;
            let r = match args.kind {
                DecodeKind::OpenItems => d::open_items(bytes, admin).map(Listing::OpenItems),
                DecodeKind::Invoice => {
                    d::invoice(bytes, admin, vat.as_deref()).map(Listing::Invoices)
                }
                DecodeKind::CreditNote => {
                    d::credit_note(bytes, admin, vat.as_deref()).map(Listing::CreditNotes)
                }
                DecodeKind::Dimension => d::dimension(bytes).map(Listing::Dimensions),
                DecodeKind::Administrations => {
                    d::administrations(bytes).map(Listing::Administrations)
                }
                DecodeKind::Token => d::token(bytes).map(Listing::Token),
                DecodeKind::Outcome => d::outcome(bytes).map(Listing::Outcome),
            };
            r.map_err(|e| e.to_string())
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = (bytes, admin);
            Err(format!("this build has no {other} adapter"))
        }
    }
}
