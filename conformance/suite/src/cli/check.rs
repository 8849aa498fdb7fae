//! `grootboek check`: what a stored connection reaches and what it can do there (T14, T15) — the
//! same report `grootboek connect` prints after a consent.
//!
//! For every administration the connection lists (Twinfield offices, Exact divisions through
//! `system/Divisions` (Q20), AFAS administrations), two harmless reads through the [`Ledger`]
//! traits:
//!
//! - `vat_codes`: the administration's VAT codes — the read every write makes first (Q03); a
//!   user without the right on the administration is refused here;
//! - `journals`: its journals (day books), of which one must be a sales journal to post invoices.
//!
//! An administration is reported `writable` when both succeed and it has a sales journal. None
//! of the vendors can be asked for a user's write rights without writing (on Twinfield some
//! imports need a higher role than reading, T14): `grootboek preflight --live` proves a write.
//! On AFAS the report also lists every connector the adapter uses, activated or missing (T15,
//! `AfasLedger::connector_status`).
//!
//! `--format json` prints one object:
//!
//! ```json
//! {"vendor":"exact","connection":"exact:app","token_store":"file:/var/lib/grootboek",
//!  "writable_means":"…",
//!  "administrations":[{"code":"1200001","name":"CLI BV","country":"NL","currency":"EUR",
//!    "writable":true,
//!    "checks":[{"check":"vat_codes","ok":true,"detail":"5 VAT codes"},
//!              {"check":"journals","ok":true,"detail":"3 journals; sales: 70"}]}],
//!  "connectors":[{"connector":"Profit_Debtor","kind":"get","purpose":"customers","state":"activated"}],
//!  "problems":[]}
//! ```
//!
//! (`connectors` only on AFAS; a missing connector has `"state":"missing","message":"…"`.)
//! The exit code is 0 when `problems` is empty, 1 otherwise.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use grootboek_core::{JournalKind, Ledger, Vendor};
use serde::Serialize;

use crate::cli::output::{one_line, table};
use crate::cli::parse_vendor;

/// Options of `grootboek check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The connection is configured from the vendor's environment variables, as in production (see
`grootboek open-items --help`); its tokens come from the token store, where `grootboek connect`
put them. Nothing is written: every check is a read.")]
pub struct CheckArgs {
    /// The vendor: twinfield, exact or afas.
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// Where the connection's tokens live (`file:DIR` or a `redis://` URL); the same as
    /// `GROOTBOEK_TOKEN_STORE`.
    #[arg(long, value_name = "STORE")]
    pub token_store: Option<String>,
    /// The vendor's base URL, overriding the environment (as `open-items --base-url`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file of `GROOTBOEK_*=value` lines whose values win over the environment.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Longest the whole check may take, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for a person.
    Table,
    /// One JSON object (see the module docs).
    Json,
}

/// One check on one administration.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `vat_codes` or `journals`.
    pub check: &'static str,
    /// Whether the read succeeded (and, for `journals`, a sales journal exists).
    pub ok: bool,
    /// What was found, or the vendor's refusal.
    pub detail: String,
    /// A few words for the table: what was found, or the kind of failure.
    #[serde(skip)]
    pub summary: String,
}

impl Check {
    fn passed(check: &'static str, ok: bool, detail: String) -> Self {
        Self {
            check,
            ok,
            summary: detail.clone(),
            detail,
        }
    }

    fn failed(check: &'static str, e: &grootboek_core::Error) -> Self {
        use grootboek_core::ErrorKind as K;
        let summary = match e.kind() {
            K::PermissionDenied => "permission denied",
            K::Unauthenticated => "not authenticated",
            K::ReconsentRequired => "re-consent required",
            K::NotFound => "not found",
            K::Unsupported => "unsupported",
            K::RateLimited { .. } => "rate limited",
            K::Unavailable => "vendor unavailable",
            _ => "failed",
        };
        Self {
            check,
            ok: false,
            detail: one_line(&e.to_string()),
            summary: summary.to_string(),
        }
    }
}

/// What the connection can do in one administration.
#[derive(Debug, Clone, Serialize)]
pub struct AdministrationReport {
    /// The vendor's code (office code, division number, AFAS administration).
    pub code: String,
    /// Its name.
    pub name: String,
    /// ISO country.
    pub country: String,
    /// ISO currency.
    pub currency: String,
    /// Both checks succeeded and there is a sales journal (see the module docs for what this
    /// can and cannot tell).
    pub writable: bool,
    /// The checks made.
    pub checks: Vec<Check>,
}

/// The report of `connect` and `check`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The vendor.
    pub vendor: Vendor,
    /// The connection: the token broker key (Exact, Twinfield) or the AFAS environment.
    pub connection: String,
    /// Where the tokens live (a Redis URL is never shown); absent for AFAS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_store: Option<String>,
    /// What `writable` is based on, for this vendor.
    pub writable_means: &'static str,
    /// Every administration the connection lists.
    pub administrations: Vec<AdministrationReport>,
    /// AFAS: every connector the adapter uses, activated or missing.
    #[cfg(feature = "afas")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<grootboek_afas::ConnectorStatus>,
    /// Everything that stands in the way, one sentence each; empty when all is well.
    pub problems: Vec<String>,
}

fn writable_means(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Twinfield => {
            "the user may read the office's VAT codes (the read before every write, Q03) and day \
             books, and it has a sales day book; Twinfield cannot be asked for write rights \
             without writing (some imports need a higher role, T14): `grootboek preflight --live` \
             proves a write"
        }
        Vendor::Exact => {
            "the connection may read the division's VAT codes and journals, and it has a sales \
             journal; Exact cannot be asked for write rights without writing: `grootboek \
             preflight --live` proves a write"
        }
        Vendor::Afas => {
            "the administration's VAT codes and journals read, it has a sales journal, and the \
             FiEntries UpdateConnector is activated"
        }
    }
}

impl Report {
    /// A report of `ledger`'s administrations (the checks of the module docs), without
    /// connectors.
    pub async fn of(
        ledger: &dyn Ledger,
        connection: String,
        token_store: Option<String>,
    ) -> Report {
        let vendor = ledger.vendor();
        let mut report = Report {
            vendor,
            connection,
            token_store,
            writable_means: writable_means(vendor),
            administrations: Vec::new(),
            #[cfg(feature = "afas")]
            connectors: Vec::new(),
            problems: Vec::new(),
        };
        let administrations = match ledger.administrations().await {
            Ok(a) => a,
            Err(e) => {
                let hint = if e.kind() == &grootboek_core::ErrorKind::ReconsentRequired {
                    format!(
                        " (run `grootboek connect --vendor {vendor}` to give the consent again)"
                    )
                } else {
                    String::new()
                };
                report.problems.push(one_line(&format!(
                    "cannot list the administrations this connection reaches: {e}{hint}"
                )));
                return report;
            }
        };
        if administrations.is_empty() {
            report
                .problems
                .push("the connection reaches no administration".to_string());
        }
        for a in administrations {
            let vat = match ledger.vat_codes(&a.code).await {
                Ok(codes) => Check::passed("vat_codes", true, format!("{} VAT codes", codes.len())),
                Err(e) => Check::failed("vat_codes", &e),
            };
            let journals = match ledger.all_journals(&a.code).await {
                Ok(js) => {
                    let sales: Vec<&str> = js
                        .iter()
                        .filter(|j| j.kind == JournalKind::Sales)
                        .map(|j| j.code.as_str())
                        .collect();
                    let detail = if sales.is_empty() {
                        format!("{} journals; no sales journal", js.len())
                    } else {
                        format!("{} journals; sales: {}", js.len(), sales.join(", "))
                    };
                    Check::passed("journals", !sales.is_empty(), detail)
                }
                Err(e) => Check::failed("journals", &e),
            };
            let checks = vec![vat, journals];
            let writable = checks.iter().all(|c| c.ok);
            // The first failed check says why (a refused right fails both the same way).
            if let Some(first) = checks.iter().find(|c| !c.ok) {
                report.problems.push(format!(
                    "administration {} ({}) cannot be written to: {}: {}",
                    a.code, a.name, first.check, first.detail
                ));
            }
            report.administrations.push(AdministrationReport {
                code: a.code,
                name: a.name,
                country: a.country.code().to_string(),
                currency: a.currency.code().to_string(),
                writable,
                checks,
            });
        }
        report
    }

    /// Add AFAS's connector states; a connector that is not activated is a problem, and without
    /// `FiEntries` no administration is writable.
    #[cfg(feature = "afas")]
    pub fn with_connectors(mut self, connectors: Vec<grootboek_afas::ConnectorStatus>) -> Report {
        use grootboek_afas::{ConnectorKind, ConnectorState};
        for c in &connectors {
            let kind = match c.kind {
                ConnectorKind::Get => "GetConnector",
                ConnectorKind::Update => "UpdateConnector",
            };
            match &c.state {
                ConnectorState::Activated => {}
                ConnectorState::Missing(m) => self.problems.push(one_line(&format!(
                    "{kind} {} ({}) is missing from the App Connector: {m}",
                    c.connector, c.purpose
                ))),
                ConnectorState::Unknown(m) => self.problems.push(one_line(&format!(
                    "{kind} {} ({}) could not be checked: {m}",
                    c.connector, c.purpose
                ))),
            }
        }
        let entries = connectors
            .iter()
            .any(|c| c.connector == grootboek_afas::mapping::entry::CONNECTOR && c.is_activated());
        if !entries {
            for a in &mut self.administrations {
                a.writable = false;
            }
        }
        self.connectors = connectors;
        self
    }

    /// Whether nothing stands in the way.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Render in `format`, ending with a newline.
    pub fn render(&self, format: ReportFormat) -> Result<String, String> {
        match format {
            ReportFormat::Json => serde_json::to_string_pretty(self)
                .map(|s| s + "\n")
                .map_err(|e| format!("cannot write JSON: {e}")),
            ReportFormat::Table => Ok(self.table()),
        }
    }

    fn table(&self) -> String {
        let mut out = format!(
            "{} connection {}",
            vendor_name(self.vendor),
            self.connection
        );
        if let Some(store) = &self.token_store {
            out.push_str(&format!(" (tokens: {store})"));
        }
        out.push_str("\n\n");
        let rows: Vec<Vec<String>> = self
            .administrations
            .iter()
            .map(|a| {
                let mut row = vec![
                    a.code.clone(),
                    a.name.clone(),
                    if a.writable { "yes" } else { "no" }.to_string(),
                ];
                for c in &a.checks {
                    row.push(format!(
                        "{} ({})",
                        if c.ok { "ok" } else { "FAILED" },
                        c.summary
                    ));
                }
                row
            })
            .collect();
        out.push_str(&table(
            &[
                "administration",
                "name",
                "writable",
                "VAT codes",
                "journals",
            ],
            &rows,
        ));
        #[cfg(feature = "afas")]
        if !self.connectors.is_empty() {
            use grootboek_afas::{ConnectorKind, ConnectorState};
            let rows: Vec<Vec<String>> = self
                .connectors
                .iter()
                .map(|c| {
                    vec![
                        c.connector.clone(),
                        match c.kind {
                            ConnectorKind::Get => "get",
                            ConnectorKind::Update => "update",
                        }
                        .to_string(),
                        c.purpose.to_string(),
                        match &c.state {
                            ConnectorState::Activated => "activated".to_string(),
                            ConnectorState::Missing(_) => "MISSING".to_string(),
                            ConnectorState::Unknown(_) => "unknown".to_string(),
                        },
                    ]
                })
                .collect();
            out.push('\n');
            out.push_str(&table(&["connector", "kind", "used for", "state"], &rows));
        }
        out.push_str(&format!("\nwritable: {}\n", self.writable_means));
        if self.problems.is_empty() {
            out.push_str("\nNo problems found.\n");
        } else {
            out.push_str("\nProblems:\n");
            for p in &self.problems {
                out.push_str(&format!("  - {p}\n"));
            }
        }
        out
    }
}

/// The vendor's name for a person.
pub fn vendor_name(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Twinfield => "Twinfield",
        Vendor::Exact => "Exact Online",
        Vendor::Afas => "AFAS Profit",
    }
}

/// Where a configuration keeps its tokens, for the report (never a Redis URL or a key).
pub(crate) fn store_label(runtime: &grootboek_core::runtime::ConnectionRuntime) -> String {
    match &runtime.tokens {
        grootboek_core::runtime::TokenSetting::Store(spec) => spec.to_string(),
        grootboek_core::runtime::TokenSetting::Broker(_) => "a broker built by the caller".into(),
    }
}

/// Run the command: print the report; exit code 1 when it names a problem.
pub async fn run(args: CheckArgs) -> Result<ExitCode, String> {
    let overrides = crate::cli::open_items::settings(
        args.vendor,
        args.env_file.as_deref(),
        args.token_store.as_deref(),
        false,
        args.base_url.as_deref(),
    )?;
    let lookup = move |k: &str| overrides.get(k).cloned().or_else(|| std::env::var(k).ok());
    let timeout = Duration::from_secs(args.timeout_secs.max(1));
    let vendor = args.vendor;
    let report = match tokio::time::timeout(timeout, check(vendor, lookup)).await {
        Ok(r) => r.map_err(|e| one_line(&e))?,
        Err(_) => {
            return Err(format!(
                "the check of {vendor} did not finish within {} s (--timeout-secs)",
                timeout.as_secs()
            ))
        }
    };
    print!("{}", report.render(args.format)?);
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(any(feature = "exact", feature = "twinfield"))]
fn no_connection(vendor: Vendor, connection: &str, store: &str) -> String {
    format!(
        "no {} connection `{connection}` is stored in the token store ({store}): run `grootboek \
         connect --vendor {vendor}` with the same GROOTBOEK_TOKEN_STORE first",
        vendor_name(vendor)
    )
}

/// Build the vendor's adapter from `lookup` and report on its stored connection.
async fn check(
    vendor: Vendor,
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Report, String> {
    let configure =
        |e: grootboek_core::Error| format!("cannot configure the {vendor} adapter: {e}");
    let connect = |e: grootboek_core::Error| format!("cannot connect to {vendor}: {e}");
    match vendor {
        #[cfg(feature = "exact")]
        Vendor::Exact => {
            let config = grootboek_exact::ExactConfig::from_lookup(lookup).map_err(configure)?;
            let store = store_label(&config.runtime);
            let ledger = grootboek_exact::connect(config).await.map_err(connect)?;
            let conn = ledger.connection_id().to_string();
            let stored = ledger
                .token_broker()
                .current(ledger.connection_id())
                .await
                .map_err(|e| format!("cannot read the token store ({store}): {e}"))?;
            if stored.is_none() {
                return Err(no_connection(vendor, &conn, &store));
            }
            Ok(Report::of(&ledger, conn, Some(store)).await)
        }
        #[cfg(feature = "twinfield")]
        Vendor::Twinfield => {
            let config =
                grootboek_twinfield::TwinfieldConfig::from_lookup(lookup).map_err(configure)?;
            let store = store_label(&config.runtime);
            let conn = format!("twinfield:{}", config.organisation);
            let ledger = grootboek_twinfield::connect(config)
                .await
                .map_err(connect)?;
            let stored = ledger
                .tokens()
                .await
                .map_err(|e| format!("cannot read the token store ({store}): {e}"))?;
            if stored.is_none() {
                return Err(no_connection(vendor, &conn, &store));
            }
            Ok(Report::of(&ledger, conn, Some(store)).await)
        }
        #[cfg(feature = "afas")]
        Vendor::Afas => {
            let config = grootboek_afas::AfasConfig::from_lookup(lookup).map_err(configure)?;
            let conn = config
                .resolved_base_url()
                .map(|u| u.to_string())
                .map_err(configure)?;
            let ledger = grootboek_afas::connect(config).await.map_err(connect)?;
            let connectors = ledger.connector_status().await;
            Ok(Report::of(&ledger, conn, None)
                .await
                .with_connectors(connectors))
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = (lookup, configure, connect);
            Err(format!("this build has no {other} adapter"))
        }
    }
}
