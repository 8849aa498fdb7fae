//! Shared set-up for the Exact simulator tests: a simulator with one administration (division
//! 123456), a registered app, a token pair, and a raw reqwest client. No adapter is involved.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use grootboek_sim::exact::json::Json;
use grootboek_sim::exact::*;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

pub const DIV: i32 = 123456;
pub const OTHER_DIV: i32 = 654321;
pub const CLIENT_ID: &str = "5b1d9c52-1c4a-4d3c-9a4e-0f6e2a0c1d01";
pub const CLIENT_SECRET: &str = "client-secret-not-for-logs";
pub const REDIRECT: &str = "http://localhost:9999/callback";
pub const WEBHOOK_SECRET: &str = "webhook-secret";

pub const CUSTOMER: Uuid = Uuid::from_u128(0x4f1c8a2e_6b3d_4e7a_9c05_d81e2a7b3c64);
pub const GL_REVENUE: Uuid = Uuid::from_u128(0x8e2d4b61_3a7c_4f19_b5e0_27c9d1a6f483);
pub const GL_RECEIVABLE: Uuid = Uuid::from_u128(0x4eae751d_fc91_4c99_b1e6_646fe3401a12);
pub const GL_BANK: Uuid = Uuid::from_u128(0x5f0e3c1a_0b7e_4a7c_8d0e_7c1e2a3b4c5d);
pub const JOURNAL_SALES: Uuid = Uuid::from_u128(0x0a1b2c3d_0000_4000_8000_000000000070);
pub const JOURNAL_BANK: Uuid = Uuid::from_u128(0x0a1b2c3d_0000_4000_8000_000000000020);
pub const VAT_HIGH: Uuid = Uuid::from_u128(0x9d8c7b6a_0000_4000_8000_000000000002);
pub const VAT_ICP: Uuid = Uuid::from_u128(0x9d8c7b6a_0000_4000_8000_000000000005);

/// 2024-03-15T10:00:00Z: the fixed time fixtures are written for.
pub fn fixed_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-15T10:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
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

/// One administration with a customer, revenue/receivable/bank GL accounts, a sales and a bank
/// journal, and the 21 % and ICP VAT codes.
pub fn base_seed() -> ExactSeed {
    ExactSeed {
        divisions: vec![
            SeedDivision {
                code: DIV,
                description: Some("Grootboek Test B.V.".into()),
                ..Default::default()
            },
            SeedDivision {
                code: OTHER_DIV,
                description: Some("Other B.V.".into()),
                ..Default::default()
            },
        ],
        current_division: Some(DIV),
        apps: vec![app()],
        accounts: vec![SeedAccount {
            division: DIV,
            id: Some(CUSTOMER),
            code: Some("8".into()),
            name: "Bakkerij Zonneveld B.V.".into(),
            country: Some("NL".into()),
            city: Some("Houten".into()),
            vat_number: Some("NL001234567B01".into()),
            ..Default::default()
        }],
        gl_accounts: vec![
            SeedGlAccount {
                division: DIV,
                id: Some(GL_REVENUE),
                code: "8000".into(),
                description: "Omzet hoog".into(),
                type_: Some(110),
                vat_code: Some("2".into()),
                ..Default::default()
            },
            SeedGlAccount {
                division: DIV,
                id: Some(GL_RECEIVABLE),
                code: "1300".into(),
                description: "Debiteuren".into(),
                type_: Some(20),
                balance_side: Some("D".into()),
                balance_type: Some("B".into()),
                ..Default::default()
            },
            SeedGlAccount {
                division: DIV,
                id: Some(GL_BANK),
                code: "1100".into(),
                description: "Bank".into(),
                type_: Some(12),
                balance_side: Some("D".into()),
                balance_type: Some("B".into()),
                ..Default::default()
            },
        ],
        journals: vec![
            SeedJournal {
                division: DIV,
                id: Some(JOURNAL_SALES),
                code: "70".into(),
                description: "Verkoopboek".into(),
                type_: Some(20),
                ..Default::default()
            },
            SeedJournal {
                division: DIV,
                id: Some(JOURNAL_BANK),
                code: "20".into(),
                description: "Bank".into(),
                type_: Some(12),
                ..Default::default()
            },
        ],
        vat_codes: vec![
            SeedVatCode {
                division: DIV,
                id: Some(VAT_HIGH),
                code: "2".into(),
                description: "BTW hoog 21%".into(),
                percentage: dec("0.21"),
                ..Default::default()
            },
            SeedVatCode {
                division: DIV,
                id: Some(VAT_ICP),
                code: "5".into(),
                description: "Intracommunautaire levering".into(),
                percentage: dec("0"),
                type_: Some("B".into()),
                eu_sales_listing: Some("L".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// A sales entry seed: one revenue line at 21 %.
pub fn sale(entry_number: i32, type_: i32, your_ref: &str, amount: &str) -> SeedSalesEntry {
    SeedSalesEntry {
        division: DIV,
        entry_number: Some(entry_number),
        type_: Some(type_),
        journal: "70".into(),
        customer: Some(CUSTOMER),
        description: Some(format!("Entry {entry_number}")),
        your_ref: Some(your_ref.into()),
        entry_date: Some(date("2024-03-01")),
        due_date: Some(date("2024-03-31")),
        lines: vec![SeedSalesLine {
            gl_account: Some(GL_REVENUE),
            description: Some("Consultancy".into()),
            amount: dec(amount),
            vat_code: Some("2".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A started simulator with the base seed, a token pair and an HTTP client.
pub struct Env {
    pub sim: ExactSim,
    pub base: String,
    pub http: reqwest::Client,
    pub access: String,
    pub refresh: String,
}

/// A raw response: status, headers, body text.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    /// The body parsed loss-free.
    pub fn json(&self) -> Json {
        Json::parse(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `d.results` of a list answer.
    pub fn results(&self) -> Vec<Json> {
        self.json()
            .get("d")
            .and_then(|d| d.get("results"))
            .and_then(Json::as_array)
            .unwrap_or_else(|| panic!("no d.results: {}", self.text))
            .to_vec()
    }

    /// `d.__next`, if any.
    pub fn next(&self) -> Option<String> {
        self.json()
            .get("d")
            .and_then(|d| d.get("__next"))
            .and_then(Json::as_str)
            .map(str::to_string)
    }

    /// Exact's `error.message.value`.
    pub fn error_message(&self) -> String {
        self.json()
            .get("error")
            .and_then(|e| e.get("message"))
            .and_then(|m| m.get("value"))
            .and_then(Json::as_str)
            .unwrap_or_else(|| panic!("no Exact error body: {}", self.text))
            .to_string()
    }
}

impl Env {
    /// A simulator at the fixed time, running at real speed, with `seed` applied.
    pub async fn with_seed(seed: ExactSeed) -> Env {
        Self::start(seed, false).await
    }

    /// Like [`Env::with_seed`], but simulated time crawls (a millisecond per real second), so
    /// stamps are exactly the fixed time: for fixture comparisons.
    pub async fn frozen(seed: ExactSeed) -> Env {
        Self::start(seed, true).await
    }

    async fn start(seed: ExactSeed, frozen: bool) -> Env {
        let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .expect("start");
        if frozen {
            sim.core().clock.set_speed_milli(1);
        }
        sim.core().clock.set(fixed_time());
        sim.seed(seed).expect("seed");
        let tokens = sim.issue_tokens(CLIENT_ID).expect("tokens");
        let base = sim.base_url();
        Env {
            sim,
            base,
            http: reqwest::Client::new(),
            access: tokens.access_token,
            refresh: tokens.refresh_token,
        }
    }

    /// The base seed.
    pub async fn new() -> Env {
        Self::with_seed(base_seed()).await
    }

    /// `{base}/api/v1/{DIV}/{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{DIV}/{path}", self.base)
    }

    async fn done(resp: reqwest::Response) -> Resp {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Resp {
            status,
            headers,
            text,
        }
    }

    /// GET an absolute URL with the current access token.
    pub async fn get_abs(&self, url: &str) -> Resp {
        Self::done(
            self.http
                .get(url)
                .bearer_auth(&self.access)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    /// GET `{base}/api/v1/{DIV}/{path}`.
    pub async fn get(&self, path: &str) -> Resp {
        self.get_abs(&self.url(path)).await
    }

    /// Send `method` with a JSON body text to an absolute URL.
    pub async fn send(&self, method: reqwest::Method, url: &str, body: &str) -> Resp {
        Self::done(
            self.http
                .request(method, url)
                .bearer_auth(&self.access)
                .header("content-type", "application/json")
                .header("prefer", "return=representation")
                .body(body.to_string())
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    /// POST a form to the token endpoint.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Resp {
        let body: String = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    grootboek_sim::exact::routes::oauth::encode_component(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        Self::done(
            self.http
                .post(format!("{}/api/oauth2/token", self.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    /// A refresh with `refresh_token`, as a naive client does it.
    pub async fn refresh_with(&self, refresh_token: &str) -> Resp {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .await
    }

    /// Advance the simulated clock.
    pub fn advance(&self, secs: u64) {
        self.sim.core().clock.advance(Duration::from_secs(secs));
    }

    /// Flip a quirk switch.
    pub fn switch(&self, id: &str, on: bool) {
        assert!(self.sim.core().switches.set(id, on), "unknown switch {id}");
    }
}

/// A string member of a row.
pub fn s(row: &Json, k: &str) -> String {
    row.get(k)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("no string {k} in {}", row.to_text()))
        .to_string()
}

/// An integer member of a row.
pub fn i(row: &Json, k: &str) -> i64 {
    row.get(k)
        .and_then(Json::as_i64)
        .unwrap_or_else(|| panic!("no integer {k} in {}", row.to_text()))
}

/// A decimal member of a row (read from the number text).
pub fn d(row: &Json, k: &str) -> Decimal {
    row.get(k)
        .and_then(Json::as_decimal)
        .unwrap_or_else(|| panic!("no number {k} in {}", row.to_text()))
}

/// Read `fixtures/exact/{name}` with `{base}` replaced.
pub fn fixture(name: &str, base: &str) -> Json {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/exact")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Json::parse(&text.replace("{base}", base)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compare a response with a fixture: same members in the same order, same values (numbers by
/// their text). In the fixture `"<string>"` stands for any string, `"<guid>"` for any GUID and
/// `"<any>"` for any value.
pub fn assert_matches_fixture(actual: &Json, name: &str, base: &str) {
    let expected = fixture(name, base);
    if let Err(e) = compare(actual, &expected, "$") {
        panic!("{name}: {e}\nactual: {}", actual.to_text());
    }
}

fn compare(actual: &Json, expected: &Json, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Json::Str(p), _) if p == "<any>" => Ok(()),
        (Json::Str(p), Json::Str(_)) if p == "<string>" => Ok(()),
        (Json::Str(p), Json::Str(a)) if p == "<guid>" => Uuid::parse_str(a)
            .map(|_| ())
            .map_err(|_| format!("{at}: {a:?} is not a GUID")),
        (Json::Obj(e), Json::Obj(a)) => {
            let ek: Vec<&String> = e.iter().map(|(k, _)| k).collect();
            let ak: Vec<&String> = a.iter().map(|(k, _)| k).collect();
            if ek != ak {
                return Err(format!("{at}: members {ak:?}, expected {ek:?}"));
            }
            for ((k, ev), (_, av)) in e.iter().zip(a.iter()) {
                compare(av, ev, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Json::Arr(e), Json::Arr(a)) => {
            if e.len() != a.len() {
                return Err(format!("{at}: {} items, expected {}", a.len(), e.len()));
            }
            for (n, (ev, av)) in e.iter().zip(a.iter()).enumerate() {
                compare(av, ev, &format!("{at}[{n}]"))?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{at}: {} , expected {}", a.to_text(), e.to_text())),
    }
}
