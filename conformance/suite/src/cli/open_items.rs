//! `grootboek open-items`: one administration's open items through the vendor's adapter,
//! configured from the vendor's environment variables, printed as the neutral model.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use std::sync::Arc;

use grootboek_core::{Ledger, OpenItem, Vendor};

use crate::cli::output::{one_line, read_payload, AdministrationOpenItems, Format, Listing};
use crate::cli::parse_vendor;

/// Options of `grootboek open-items`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The adapter is configured from the vendor's environment variables, as in production:
  twinfield  GROOTBOEK_TWINFIELD_CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI, _ORGANISATION,
             _REFRESH_TOKEN (and _LOGIN_URL, …)
  exact      GROOTBOEK_EXACT_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN (and _BASE_URL, …)
  afas       GROOTBOEK_AFAS_TOKEN and _PARTICIPANT or _BASE_URL (and _ENVIRONMENT, …)
Credentials are read from the environment or an --env-file, never from flags (which other users
can see in the process list), and never printed.")]
pub struct OpenItemsArgs {
    /// The vendor: twinfield, exact or afas.
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// The administration: Twinfield office code, Exact division number, AFAS administration.
    #[arg(long, required_unless_present = "all_administrations")]
    pub administration: Option<String>,
    /// Every administration the connection reaches instead of one (Twinfield offices, Exact
    /// divisions, AFAS administrations), listed concurrently within the connection's shared
    /// budget; a progress bar on a terminal; exit code 1 when one of them failed.
    #[arg(long, conflicts_with = "administration")]
    pub all_administrations: bool,
    /// With `--all-administrations`: how many administrations are listed at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// The vendor's base URL, overriding the environment (AFAS `GROOTBOEK_AFAS_BASE_URL`, Exact
    /// `GROOTBOEK_EXACT_BASE_URL`, Twinfield the login URL `GROOTBOEK_TWINFIELD_LOGIN_URL`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file of `GROOTBOEK_*=value` lines (`#` comments allowed) whose values win over the environment:
    /// a place for credentials that keeps them out of the shell history and the process list.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Where the connection's tokens live (`file:DIR`, a `redis://` URL, `memory`); the same as
    /// `GROOTBOEK_TOKEN_STORE`. Exact rotates its refresh token on every refresh: keep it in a
    /// durable store so that the next run can use it.
    #[arg(long, value_name = "STORE")]
    pub token_store: Option<String>,
    /// Allow an in-memory token store on Exact knowingly: the rotated refresh token dies with
    /// this run, and the next run needs a new consent.
    #[arg(long)]
    pub ephemeral: bool,
    /// Longest the whole listing may take, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Run the command: print `{"open_items":[…]}` (or a table), or fail with one line; with
/// `--all-administrations`, `{"per_administration":[…]}`.
pub async fn run(args: OpenItemsArgs) -> Result<ExitCode, String> {
    let administration = match &args.administration {
        Some(a) if a.trim().is_empty() => {
            return Err("--administration must not be empty".to_string())
        }
        Some(a) => Some(a.trim().to_string()),
        None => None,
    };
    let overrides = settings(
        args.vendor,
        args.env_file.as_deref(),
        args.token_store.as_deref(),
        args.ephemeral,
        args.base_url.as_deref(),
    )?;
    let lookup = move |k: &str| overrides.get(k).cloned().or_else(|| std::env::var(k).ok());
    let timeout = Duration::from_secs(args.timeout_secs.max(1));
    let vendor = args.vendor;
    let jobs = args.jobs.max(1);
    let work = async move {
        let ledger = connect(vendor, lookup).await?;
        match administration {
            Some(administration) => listed(
                vendor,
                &administration,
                ledger.all_open_items(&administration),
            )
            .await
            .map(Listing::OpenItems),
            None => every_administration(vendor, ledger.as_ref(), jobs).await,
        }
    };
    let listing = match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer from {vendor} within {} s (--timeout-secs)",
            timeout.as_secs()
        )),
    }
    .map_err(|e| one_line(&e))?;
    print!("{}", listing.render(args.format)?);
    let failed = matches!(&listing, Listing::PerAdministration(runs) if runs.iter().any(|r| r.error.is_some()));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every administration's open items, `jobs` administrations at a time, with a progress bar
/// on a terminal (drawn on stderr; nothing is drawn when stderr is not a terminal).
async fn every_administration(
    vendor: Vendor,
    ledger: &dyn Ledger,
    jobs: usize,
) -> Result<Listing, String> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} administrations {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let runs = grootboek_core::fanout::for_each_administration(
        ledger,
        jobs,
        |a| async move { ledger.all_open_items(&a.code).await },
        |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(p.administration.clone());
        },
    )
    .await
    .map_err(|e| format!("cannot list the administrations of the {vendor} connection: {e}"))?;
    bar.finish_and_clear();
    Ok(Listing::PerAdministration(
        runs.into_iter()
            .map(|r| match r.result {
                Ok(items) => AdministrationOpenItems {
                    administration: r.administration,
                    open_items: Some(items),
                    error: None,
                },
                Err(e) => AdministrationOpenItems {
                    administration: r.administration,
                    open_items: None,
                    error: Some(e.to_string()),
                },
            })
            .collect(),
    ))
}

/// The settings the command line gives over the environment, as variable name → value: the
/// `--env-file` lines, `--token-store` (`GROOTBOEK_TOKEN_STORE`), `--ephemeral`
/// (`GROOTBOEK_EPHEMERAL_TOKENS`) and `--base-url` (the vendor's base or login URL; a Twinfield
/// login service on loopback is a simulator, whose clusters are on loopback too). Shared by
/// `open-items`, `connect` and `check`.
pub(crate) fn settings(
    vendor: Vendor,
    env_file: Option<&Path>,
    token_store: Option<&str>,
    ephemeral: bool,
    base_url: Option<&str>,
) -> Result<HashMap<String, String>, String> {
    let mut overrides = match env_file {
        Some(path) => read_env_file(path)?,
        None => HashMap::new(),
    };
    if let Some(store) = token_store {
        overrides.insert(
            "GROOTBOEK_TOKEN_STORE".to_string(),
            store.trim().to_string(),
        );
    }
    if ephemeral {
        overrides.insert("GROOTBOEK_EPHEMERAL_TOKENS".to_string(), "true".to_string());
    }
    if let Some(url) = base_url {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--base-url `{url}` is not an http(s) URL"));
        }
        overrides.insert(base_url_variable(vendor).to_string(), url.to_string());
        let loopback = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(grootboek_core::runtime::http::is_loopback))
            .unwrap_or(false);
        if vendor == Vendor::Twinfield && loopback {
            overrides
                .entry("GROOTBOEK_TWINFIELD_CLUSTER_HOSTS".to_string())
                .or_insert_with(|| "127.0.0.1,localhost".to_string());
        }
    }
    Ok(overrides)
}

/// The environment variable `--base-url` stands for.
fn base_url_variable(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Twinfield => "GROOTBOEK_TWINFIELD_LOGIN_URL",
        Vendor::Exact => "GROOTBOEK_EXACT_BASE_URL",
        Vendor::Afas => "GROOTBOEK_AFAS_BASE_URL",
    }
}

/// Read `NAME=value` lines; only `GROOTBOEK_*` names. Errors name the line, never the value.
fn read_env_file(path: &Path) -> Result<HashMap<String, String>, String> {
    let bytes = read_payload(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("--env-file {}: not UTF-8 text", path.display()))?;
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!(
                "--env-file {} line {}: expected NAME=value",
                path.display(),
                n + 1
            ));
        };
        let name = name.trim();
        if !name.starts_with("GROOTBOEK_")
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "--env-file {} line {}: `{}` is not a GROOTBOEK_* variable",
                path.display(),
                n + 1,
                one_line(name)
            ));
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.insert(name.to_string(), value.to_string());
    }
    Ok(out)
}

/// Connect the vendor's adapter with the configuration `lookup` gives.
pub(crate) async fn connect(
    vendor: Vendor,
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Arc<dyn Ledger>, String> {
    let configure =
        |e: grootboek_core::Error| format!("cannot configure the {vendor} adapter: {e}");
    let connect = |e: grootboek_core::Error| format!("cannot connect to {vendor}: {e}");
    match vendor {
        #[cfg(feature = "twinfield")]
        Vendor::Twinfield => {
            let config =
                grootboek_twinfield::TwinfieldConfig::from_lookup(lookup).map_err(configure)?;
            let ledger = grootboek_twinfield::connect(config)
                .await
                .map_err(connect)?;
            Ok(Arc::new(ledger))
        }
        #[cfg(feature = "exact")]
        Vendor::Exact => {
            let config = grootboek_exact::ExactConfig::from_lookup(lookup).map_err(configure)?;
            Ok(Arc::new(
                grootboek_exact::connect(config).await.map_err(connect)?,
            ))
        }
        #[cfg(feature = "afas")]
        Vendor::Afas => {
            let config = grootboek_afas::AfasConfig::from_lookup(lookup).map_err(configure)?;
            Ok(Arc::new(
                grootboek_afas::connect(config).await.map_err(connect)?,
            ))
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = (lookup, configure, connect);
            Err(format!("this build has no {other} adapter"))
        }
    }
}

#[cfg_attr(
    not(any(feature = "twinfield", feature = "exact", feature = "afas")),
    allow(dead_code)
)]
async fn listed(
    vendor: Vendor,
    administration: &str,
    call: impl Future<Output = grootboek_core::Result<Vec<OpenItem>>>,
) -> Result<Vec<OpenItem>, String> {
    call.await.map_err(|e| {
        let hint = if e.kind() == &grootboek_core::ErrorKind::ReconsentRequired
            && vendor != Vendor::Afas
        {
            format!(" (run `grootboek connect --vendor {vendor}` to give the consent again)")
        } else {
            String::new()
        };
        format!("cannot list the open items of {vendor} administration {administration}: {e}{hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_take_grootboek_names_only_and_never_echo_values() {
        let dir = std::env::temp_dir().join(format!("grootboek-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.env");
        std::fs::write(
            &good,
            "# comment\nGROOTBOEK_AFAS_TOKEN=\"abc\"\nexport GROOTBOEK_AFAS_BASE_URL = http://x\n",
        )
        .unwrap();
        let m = read_env_file(&good).unwrap();
        assert_eq!(m["GROOTBOEK_AFAS_TOKEN"], "abc");
        assert_eq!(m["GROOTBOEK_AFAS_BASE_URL"], "http://x");
        let bad = dir.join("bad.env");
        std::fs::write(&bad, "GROOTBOEK_AFAS_TOKEN\n").unwrap();
        assert!(read_env_file(&bad).unwrap_err().contains("line 1"));
        std::fs::write(&bad, "PATH=s3cret\n").unwrap();
        let e = read_env_file(&bad).unwrap_err();
        assert!(
            e.contains("not a GROOTBOEK_* variable") && !e.contains("s3cret"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
