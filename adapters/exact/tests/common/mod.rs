//! Shared set-up of the adapter tests: an Exact simulator with two divisions, an app, customers,
//! GL accounts, journals and VAT codes, and a ledger connected to it with a token pair the
//! simulator issued.

#![allow(dead_code)]

use grootboek_core::runtime::RuntimeConfig;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::runtime::TokenPair;
use grootboek_core::Defences;
use grootboek_exact::{Budgets, ExactConfig, ExactLedger, WebhookFetch};
use grootboek_sim::exact::{
    ClientApp, ExactSeed, ExactSim, RateLimits, SeedAccount, SeedDivision, SeedGlAccount,
    SeedJournal, SeedReport, SeedVatCode,
};
use rust_decimal_macros::dec;

pub const CLIENT_ID: &str = "grootboek-test-app";
pub const CLIENT_SECRET: &str = "client-secret-DO-NOT-LEAK";
pub const WEBHOOK_SECRET: &str = "webhook-secret-DO-NOT-LEAK";
pub const REDIRECT: &str = "http://127.0.0.1/callback";
/// The Dutch division.
pub const NL: i32 = 1_100_001;
/// A second (Belgian) division.
pub const BE: i32 = 1_100_002;

pub struct Env {
    pub sim: ExactSim,
    pub ledger: ExactLedger,
    pub seeded: SeedReport,
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn app() -> ClientApp {
    ClientApp {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uri: REDIRECT.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        divisions: None,
    }
}

pub fn seed() -> ExactSeed {
    let mut accounts = Vec::new();
    for (division, code, name, country) in [
        (NL, "C1", "Bakkerij De Korenschoof BV", "NL"),
        (NL, "C2", "Machinebouw Brussel NV", "BE"),
        (NL, "C3", "Acme Corp", "US"),
        (BE, "C1", "Brasserie Liège SA", "BE"),
    ] {
        accounts.push(SeedAccount {
            division,
            code: Some(code.into()),
            name: name.into(),
            country: Some(country.into()),
            ..Default::default()
        });
    }
    let mut gl_accounts = Vec::new();
    let mut journals = Vec::new();
    let mut vat_codes = Vec::new();
    for division in [NL, BE] {
        for (code, desc, type_, bt) in [
            ("8000", "Omzet hoog", 110, "W"),
            ("8010", "Omzet ICP", 110, "W"),
            ("1100", "Bank", 12, "B"),
            ("1300", "Debiteuren", 20, "B"),
        ] {
            gl_accounts.push(SeedGlAccount {
                division,
                code: code.into(),
                description: desc.into(),
                type_: Some(type_),
                balance_type: Some(bt.into()),
                ..Default::default()
            });
        }
        journals.push(SeedJournal {
            division,
            code: "70".into(),
            description: "Verkoopboek".into(),
            type_: Some(20),
            ..Default::default()
        });
        journals.push(SeedJournal {
            division,
            code: "20".into(),
            description: "Bank".into(),
            type_: Some(12),
            ..Default::default()
        });
        for (code, desc, pct, listing) in [
            ("2", "BTW hoog", dec!(0.21), "N"),
            ("1", "BTW laag", dec!(0.09), "N"),
            ("0", "BTW 0%", dec!(0), "N"),
            ("ICP", "Verlegd binnen EU", dec!(0), "L"),
        ] {
            vat_codes.push(SeedVatCode {
                division,
                code: code.into(),
                description: desc.into(),
                percentage: pct,
                eu_sales_listing: Some(listing.into()),
                ..Default::default()
            });
        }
    }
    ExactSeed {
        divisions: vec![
            SeedDivision {
                code: NL,
                description: Some("Praktijk Nijmegen".into()),
                country: Some("NL".into()),
                currency: Some("EUR".into()),
            },
            SeedDivision {
                code: BE,
                description: Some("Filiaal Antwerpen".into()),
                country: Some("BE".into()),
                currency: Some("EUR".into()),
            },
        ],
        current_division: Some(NL),
        apps: vec![app()],
        accounts,
        gl_accounts,
        journals,
        vat_codes,
        ..Default::default()
    }
}

/// A configuration pointing at `sim`, with fast retries and a short webhook deadline.
pub fn config(sim: &ExactSim, defences: Defences) -> ExactConfig {
    ExactConfig::new(CLIENT_ID, CLIENT_SECRET)
        .with_base_url(sim.base_url())
        .with_redirect_uri(REDIRECT)
        .with_webhook_secret(WEBHOOK_SECRET)
        .with_division(NL)
        .with_connection_id(format!("exact:test:{}", uuid::Uuid::new_v4()))
        // One test process, one consent of the simulator's: memory is enough.
        .with_ephemeral_tokens(true)
        .with_defences(defences)
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_delays(Duration::from_millis(20), Duration::from_secs(2))
                .with_max_retry_after(Duration::from_secs(2)),
        )
        .with_webhook_fetch(WebhookFetch {
            deadline: Duration::from_secs(8),
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(400),
        })
        // The simulator's limits are raised to match (see `start_sim`), so the tests run fast;
        // the T05 tests put both back to Exact's 60 a minute on a fast clock.
        .with_budgets(Budgets {
            per_minute: 100_000,
            per_day: 1_000_000,
            ..Budgets::default()
        })
}

pub async fn start_sim() -> ExactSim {
    let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("start the Exact simulator");
    sim.set_rate_limits(RateLimits {
        minutely: 100_000,
        daily: 1_000_000,
    });
    sim
}

pub async fn issue(sim: &ExactSim) -> TokenPair {
    let t = sim.issue_tokens(CLIENT_ID).expect("issue tokens");
    TokenPair::from_expires_in(
        t.access_token,
        t.refresh_token,
        Utc::now(),
        Duration::from_secs(t.expires_in),
    )
}

pub async fn start_with(defences: Defences) -> Env {
    let sim = start_sim().await;
    let seeded = sim.seed(seed()).expect("seed");
    let ledger = grootboek_exact::connect(config(&sim, defences))
        .await
        .expect("connect");
    ledger
        .store_tokens(issue(&sim).await)
        .await
        .expect("store tokens");
    Env {
        sim,
        ledger,
        seeded,
    }
}

pub async fn start() -> Env {
    start_with(Defences::all()).await
}

/// The simulator's request log as (method, path, query, body, status).
pub fn requests(sim: &ExactSim) -> Vec<grootboek_sim::common::RequestRecord> {
    sim.core().log.snapshot()
}

/// Start with a configuration changed by `f`.
pub async fn start_with_config(f: impl FnOnce(ExactConfig) -> ExactConfig) -> Env {
    let sim = start_sim().await;
    let seeded = sim.seed(seed()).expect("seed");
    let ledger = grootboek_exact::connect(f(config(&sim, Defences::all())))
        .await
        .expect("connect");
    ledger
        .store_tokens(issue(&sim).await)
        .await
        .expect("store tokens");
    Env {
        sim,
        ledger,
        seeded,
    }
}

/// A local HTTP endpoint answering 200 to anything (a webhook callback).
pub async fn callback_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                loop {
                    let n = match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen).to_string();
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                let l = l.to_ascii_lowercase();
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if seen.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    format!("http://{addr}/exact/webhook")
}
