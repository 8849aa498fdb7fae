//! `grootboek open-items`: one administration's open items through the vendor's adapter,
//! configured from the vendor's environment variables, printed as the neutral model.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[allow(unused_imports)]
use grootboek_core::Ledger;
use grootboek_core::{OpenItem, Vendor};

use crate::cli::output::{one_line, read_payload, Format, Listing};
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
    #[arg(long)]
    pub administration: String,
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

/// Run the command: print `{"open_items":[…]}` (or a table), or fail with one line.
pub async fn run(args: OpenItemsArgs) -> Result<ExitCode, String> {
    let administration = args.administration.trim().to_string();
    if administration.is_empty() {
        return Err("--administration must not be empty".to_string());
    }
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
    let listing = async move {
        match tokio::time::timeout(timeout, list(vendor, &administration, lookup)).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no answer from {vendor} within {} s (--timeout-secs)",
                timeout.as_secs()
            )),
        }
    };
    let items = listing.await.map_err(|e| one_line(&e))?;
    print!("{}", Listing::OpenItems(items).render(args.format)?);
    Ok(ExitCode::SUCCESS)
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

/// Connect the vendor's adapter with the configuration `lookup` gives and list every open item.
async fn list(
    vendor: Vendor,
    administration: &str,
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Vec<OpenItem>, String> {
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
            listed(
                vendor,
                administration,
                ledger.all_open_items(administration),
            )
            .await
        }
        #[cfg(feature = "exact")]
        Vendor::Exact => {
            let config = grootboek_exact::ExactConfig::from_lookup(lookup).map_err(configure)?;
            let ledger = grootboek_exact::connect(config).await.map_err(connect)?;
            listed(
                vendor,
                administration,
                ledger.all_open_items(administration),
            )
            .await
        }
        #[cfg(feature = "afas")]
        Vendor::Afas => {
            let config = grootboek_afas::AfasConfig::from_lookup(lookup).map_err(configure)?;
            let ledger = grootboek_afas::connect(config).await.map_err(connect)?;
            listed(
                vendor,
                administration,
                ledger.all_open_items(administration),
            )
            .await
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = (administration, lookup, configure, connect);
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
