//! `grootboek connect`: the OAuth authorization-code flow for a person at a terminal (issue 19,
//! T01), for the vendors with a consent (Exact Online, Twinfield).
//!
//! 1. The connection is configured from the vendor's environment variables, as in production
//!    (`ExactConfig::from_env`, `TwinfieldConfig::from_env`, and the settings every vendor
//!    shares). A configured refresh token is ignored: this is a new consent.
//! 2. The token store must outlive the command (`file:DIR` or Redis): a memory store is refused,
//!    the pair would be lost when the command ends.
//! 3. The redirect URI registered with the app must be on loopback over plain HTTP
//!    (`http://127.0.0.1:PORT/…`, `http://localhost:PORT/…` or `http://[::1]:PORT/…`): the
//!    command listens there (or on `--redirect-port`, e.g. behind an SSH tunnel; the URI sent to
//!    the vendor stays the registered one, byte for byte).
//! 4. It prints the authorize URL (with a fresh `state`; Twinfield also a `nonce`) on stdout, on
//!    a line of its own, and waits for exactly one callback on the redirect URI's path (other
//!    paths get a 404 and are not counted). The callback's `state` must be the one sent: a
//!    mismatch (or an `error` from the vendor) is refused and ends the command.
//! 5. It exchanges the code, stores the pair in the token store (Twinfield: with the
//!    organisation's cluster), answers the browser with a short page, and prints the report of
//!    `grootboek check` (see [`crate::cli::check`]).
//!
//! Nothing here prints a token or a secret: errors carry the vendor's error code and text only.

// A build without either OAuth vendor keeps the command, which then says so.
#![cfg_attr(
    not(any(feature = "exact", feature = "twinfield")),
    allow(dead_code, unused_imports)
)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use grootboek_core::Vendor;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use crate::cli::check::{store_label, vendor_name, Report, ReportFormat};
use crate::cli::output::one_line;
use crate::cli::parse_vendor;

/// Options of `grootboek connect`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The app is configured from the vendor's environment variables, as in production:
  exact      GROOTBOEK_EXACT_CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI (and _REGION or _BASE_URL, …)
  twinfield  GROOTBOEK_TWINFIELD_CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI, _ORGANISATION (and
             _LOGIN_URL, …)
The redirect URI registered with the app must be http://127.0.0.1:PORT/... or
http://localhost:PORT/...: the command listens there for the browser's redirect. The token pair is
stored in the token store (--token-store or GROOTBOEK_TOKEN_STORE: file:DIR or a redis:// URL;
sealed when GROOTBOEK_TOKEN_KEY is set) and never printed.")]
pub struct ConnectArgs {
    /// The vendor: exact or twinfield (AFAS has no consent: its connection is the AfasToken).
    #[arg(long, value_parser = parse_vendor)]
    pub vendor: Vendor,
    /// Where to store the token pair (`file:DIR` or a `redis://` URL); the same as
    /// `GROOTBOEK_TOKEN_STORE`. A memory store is refused: the pair would die with the command.
    #[arg(long, value_name = "STORE")]
    pub token_store: Option<String>,
    /// Listen on this loopback port instead of the redirect URI's (e.g. when an SSH tunnel
    /// forwards the redirect URI's port to this machine). The redirect URI sent to the vendor is
    /// unchanged.
    #[arg(long, value_name = "N")]
    pub redirect_port: Option<u16>,
    /// Give up when no redirect arrived after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// The vendor's base URL, overriding the environment (as `open-items --base-url`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file of `GROOTBOEK_*=value` lines whose values win over the environment.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Format of the report printed after the consent.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// Run the command: consent, store, report. Exit code 0 when the report names no problem, 1
/// when it does (the pair is stored either way); any failure before is an error (exit code 2).
pub async fn run(args: ConnectArgs) -> Result<ExitCode, String> {
    if args.vendor == Vendor::Afas {
        return Err(
            "AFAS Profit has no consent to give: its connection is the AfasToken of the \
                    App Connector (GROOTBOEK_AFAS_TOKEN). `grootboek check --vendor afas` reports \
                    which connectors it may use"
                .to_string(),
        );
    }
    let overrides = crate::cli::open_items::settings(
        args.vendor,
        args.env_file.as_deref(),
        args.token_store.as_deref(),
        false,
        args.base_url.as_deref(),
    )?;
    // A new consent: a refresh token configured for other commands is not used.
    let lookup = move |k: &str| {
        if k.ends_with("_REFRESH_TOKEN") {
            return None;
        }
        overrides.get(k).cloned().or_else(|| std::env::var(k).ok())
    };
    let options = Options {
        redirect_port: args.redirect_port,
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
    };
    let report: Report = match args.vendor {
        #[cfg(feature = "exact")]
        Vendor::Exact => exact(lookup, &options).await,
        #[cfg(feature = "twinfield")]
        Vendor::Twinfield => twinfield(lookup, &options).await,
        other => {
            let _ = (lookup, &options);
            Err(format!("this build has no {other} adapter"))
        }
    }
    .map_err(|e| one_line(&e))?;
    print!("{}", report.render(args.format)?);
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

struct Options {
    redirect_port: Option<u16>,
    timeout: Duration,
}

/// Refuse a token store that dies with the command.
fn require_durable(
    vendor: Vendor,
    runtime: &grootboek_core::runtime::ConnectionRuntime,
) -> Result<(), String> {
    if let grootboek_core::runtime::TokenSetting::Store(spec) = &runtime.tokens {
        if !spec.is_durable() {
            return Err(format!(
                "the token store is `{spec}`: the {} token pair this consent yields would be lost \
                 when the command ends. Name a durable store with --token-store file:DIR (or a \
                 redis:// URL), or GROOTBOEK_TOKEN_STORE",
                vendor_name(vendor)
            ));
        }
    }
    Ok(())
}

/// Where to listen: the redirect URI's loopback host and port (or `port`), and the path the
/// callback arrives on. Anything but `http` on a loopback host is refused.
fn loopback(
    vendor: Vendor,
    redirect_uri: &str,
    port: Option<u16>,
) -> Result<(Vec<SocketAddr>, String), String> {
    let variable = format!(
        "GROOTBOEK_{}_REDIRECT_URI",
        vendor.as_str().to_ascii_uppercase()
    );
    let refuse = |why: &str| {
        format!(
            "{variable} is `{redirect_uri}`, {why}: `grootboek connect` receives the consent on \
             this machine, so the app's registered redirect URI must be \
             http://127.0.0.1:PORT/... or http://localhost:PORT/... (register one with the app)"
        )
    };
    let url = url::Url::parse(redirect_uri).map_err(|_| refuse("not a URL"))?;
    if url.scheme() != "http" {
        return Err(refuse("not plain http"));
    }
    let ips: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
        _ => return Err(refuse("not on loopback")),
    };
    let port = port
        .or_else(|| url.port_or_known_default())
        .ok_or_else(|| refuse("without a port"))?;
    let addrs = ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect();
    Ok((addrs, url.path().to_string()))
}

/// What the browser is answered.
struct Page {
    status: StatusCode,
    title: String,
    text: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>grootboek: {t}</title></head>\
             <body><h1>{t}</h1><p>{x}</p><p>You can close this window and return to the terminal.</p>\
             </body></html>",
            t = escape(&self.title),
            x = escape(&self.text)
        );
        let mut r = (self.status, Html(body)).into_response();
        r.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        r
    }
}

/// One callback: the full request target (`/path?query`) and where to send the browser's page.
type Arrival = (String, oneshot::Sender<Page>);

struct Listener {
    path: String,
    arrival: Mutex<Option<oneshot::Sender<Arrival>>>,
}

async fn callback(State(l): State<Arc<Listener>>, req: Request) -> Response {
    if req.method() != axum::http::Method::GET || req.uri().path() != l.path {
        return Page {
            status: StatusCode::NOT_FOUND,
            title: "Not here".into(),
            text: format!(
                "grootboek is waiting for the consent redirect on {}.",
                l.path
            ),
        }
        .into_response();
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let sender = l.arrival.lock().unwrap_or_else(|p| p.into_inner()).take();
    let Some(sender) = sender else {
        return Page {
            status: StatusCode::CONFLICT,
            title: "Already handled".into(),
            text: "grootboek accepts one redirect per run, and has had it.".into(),
        }
        .into_response();
    };
    let (reply, page) = oneshot::channel();
    if sender.send((target, reply)).is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match page.await {
        Ok(p) => p.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The loopback listener of one consent: bound before the authorize URL is printed.
struct Redirect {
    arrival: oneshot::Receiver<Arrival>,
    shutdown: watch::Sender<bool>,
    servers: Vec<tokio::task::JoinHandle<()>>,
    shown: String,
}

impl Redirect {
    async fn bind(addrs: Vec<SocketAddr>, path: String) -> Result<Self, String> {
        let (tx, arrival) = oneshot::channel();
        let state = Arc::new(Listener {
            path,
            arrival: Mutex::new(Some(tx)),
        });
        let (shutdown, stop) = watch::channel(false);
        let mut servers = Vec::new();
        let mut bound = Vec::new();
        let mut first_error = None;
        for addr in addrs {
            match TcpListener::bind(addr).await {
                Ok(listener) => {
                    bound.push(addr.to_string());
                    let router = Router::new().fallback(callback).with_state(state.clone());
                    let mut stop = stop.clone();
                    servers.push(tokio::spawn(async move {
                        let _ = axum::serve(listener, router)
                            .with_graceful_shutdown(async move {
                                let _ = stop.wait_for(|s| *s).await;
                            })
                            .await;
                    }));
                }
                // `localhost` binds both loopback addresses; one of them may be unavailable.
                Err(e) => {
                    first_error
                        .get_or_insert(format!("cannot listen on {addr} for the redirect: {e}"));
                }
            }
        }
        if servers.is_empty() {
            return Err(first_error.unwrap_or_else(|| "nowhere to listen".into()));
        }
        Ok(Self {
            arrival,
            shutdown,
            servers,
            shown: bound.join(" and "),
        })
    }

    /// Wait for the one callback.
    async fn wait(&mut self, timeout: Duration) -> Result<Arrival, String> {
        match tokio::time::timeout(timeout, &mut self.arrival).await {
            Ok(Ok(a)) => Ok(a),
            Ok(Err(_)) => Err("the redirect listener stopped".into()),
            Err(_) => Err(format!(
                "no consent redirect arrived within {} s (--timeout-secs): nothing was stored; \
                 run `grootboek connect` again and open the URL it prints",
                timeout.as_secs()
            )),
        }
    }

    /// Stop listening once the browser has its page.
    async fn close(self) {
        let _ = self.shutdown.send(true);
        for s in self.servers {
            let _ = tokio::time::timeout(Duration::from_secs(5), s).await;
        }
    }
}

async fn show_url(vendor: Vendor, url: &str, redirect: &Redirect, timeout: Duration) {
    eprintln!(
        "Open this URL in a browser, sign in to {} and allow grootboek access:",
        vendor_name(vendor)
    );
    let mut out = tokio::io::stdout();
    let _ = out.write_all(format!("{url}\n").as_bytes()).await;
    let _ = out.flush().await;
    eprintln!(
        "Waiting up to {} s for the redirect on {} …",
        timeout.as_secs(),
        redirect.shown
    );
}

/// The outcome of the callback: the page for the browser, and the command's result.
fn answered<T>(result: Result<T, String>) -> (Page, Result<T, String>) {
    let page = match &result {
        Ok(_) => Page {
            status: StatusCode::OK,
            title: "Connected".into(),
            text: "grootboek received the consent and stored the connection.".into(),
        },
        Err(e) => Page {
            status: StatusCode::BAD_REQUEST,
            title: "Not connected".into(),
            text: e.clone(),
        },
    };
    (page, result)
}

#[cfg(feature = "exact")]
async fn exact(
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    options: &Options,
) -> Result<Report, String> {
    let vendor = Vendor::Exact;
    let config = grootboek_exact::ExactConfig::from_lookup(lookup)
        .map_err(|e| format!("cannot configure the Exact adapter: {e}"))?;
    let redirect_uri = config.redirect_uri.clone().ok_or_else(|| {
        "GROOTBOEK_EXACT_REDIRECT_URI is not set: `grootboek connect` needs the redirect URI \
         registered with the Exact app, on loopback (http://127.0.0.1:PORT/...)"
            .to_string()
    })?;
    let (addrs, path) = loopback(vendor, &redirect_uri, options.redirect_port)?;
    require_durable(vendor, &config.runtime)?;
    let store = store_label(&config.runtime);
    let ledger = grootboek_exact::connect(config)
        .await
        .map_err(|e| format!("cannot connect to exact: {e}"))?;
    let mut redirect = Redirect::bind(addrs, path).await?;
    let consent = ledger.authorize_url();
    show_url(vendor, consent.url.as_str(), &redirect, options.timeout).await;
    let (target, reply) = match redirect.wait(options.timeout).await {
        Ok(a) => a,
        Err(e) => {
            redirect.close().await;
            return Err(e);
        }
    };
    let outcome = async {
        let full = format!("http://127.0.0.1{target}");
        let (code, state) = grootboek_exact::parse_redirect(&full)
            .map_err(|e| format!("the consent redirect is refused: {e}"))?;
        ledger
            .complete_consent(&code, &state, &consent.state)
            .await
            .map_err(|e| format!("the consent redirect is refused: {e}"))
    }
    .await;
    let (page, outcome) = answered(outcome);
    let _ = reply.send(page);
    redirect.close().await;
    outcome?;
    let conn = ledger.connection_id().to_string();
    eprintln!("Connected: the token pair of `{conn}` is stored ({store}).");
    Ok(Report::of(&ledger, conn, Some(store)).await)
}

#[cfg(feature = "twinfield")]
async fn twinfield(
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    options: &Options,
) -> Result<Report, String> {
    use grootboek_twinfield::TwinfieldLedger;
    let vendor = Vendor::Twinfield;
    let config = grootboek_twinfield::TwinfieldConfig::from_lookup(lookup)
        .map_err(|e| format!("cannot configure the Twinfield adapter: {e}"))?;
    let (addrs, path) = loopback(vendor, &config.redirect_uri, options.redirect_port)?;
    require_durable(vendor, &config.runtime)?;
    let store = store_label(&config.runtime);
    let conn = format!("twinfield:{}", config.organisation);
    let ledger = grootboek_twinfield::connect(config)
        .await
        .map_err(|e| format!("cannot connect to twinfield: {e}"))?;
    let mut redirect = Redirect::bind(addrs, path).await?;
    let auth = ledger.authorize_url();
    show_url(vendor, &auth.url, &redirect, options.timeout).await;
    let (target, reply) = match redirect.wait(options.timeout).await {
        Ok(a) => a,
        Err(e) => {
            redirect.close().await;
            return Err(e);
        }
    };
    let outcome = async {
        let code = TwinfieldLedger::verify_callback(&auth.state, &target)
            .map_err(|e| format!("the consent redirect is refused: {e}"))?;
        ledger
            .exchange_code(&code)
            .await
            .map_err(|e| format!("the code exchange failed: {e}"))
    }
    .await;
    let (page, outcome) = answered(outcome);
    let _ = reply.send(page);
    redirect.close().await;
    outcome?;
    eprintln!("Connected: the token pair of `{conn}` is stored ({store}).");
    Ok(Report::of(&ledger, conn, Some(store)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_on_loopback_is_a_redirect_to_listen_on() {
        let (addrs, path) = loopback(Vendor::Exact, "http://127.0.0.1:8123/cb", None).unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:8123".parse().unwrap()]);
        assert_eq!(path, "/cb");
        let (addrs, _) = loopback(Vendor::Exact, "http://localhost:8123/x/y", Some(9000)).unwrap();
        assert_eq!(
            addrs,
            vec![
                "127.0.0.1:9000".parse().unwrap(),
                "[::1]:9000".parse().unwrap()
            ]
        );
        for bad in [
            "https://127.0.0.1:8123/cb",
            "http://example.com:8123/cb",
            "http://10.0.0.1:8123/cb",
            "not a url",
        ] {
            let e = loopback(Vendor::Twinfield, bad, None).unwrap_err();
            assert!(
                e.contains("GROOTBOEK_TWINFIELD_REDIRECT_URI") && e.contains("127.0.0.1:PORT"),
                "{e}"
            );
        }
    }

    #[test]
    fn pages_escape_what_they_show() {
        let html = escape("<script>&\"");
        assert_eq!(html, "&lt;script&gt;&amp;&quot;");
    }
}
