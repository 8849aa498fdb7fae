//! Issue 19, item 3, through the real binary: `grootboek connect` completes the OAuth consent
//! against the Exact and Twinfield simulators over real loopback HTTP (the test plays the
//! browser: it reads the authorize URL from the command's stdout, calls the simulator's authorize
//! endpoint, and follows its redirect to the command's listener), stores the pair in a file
//! store (sealed when a key is set), and a following `open-items` run works from the store
//! alone. A forged state is refused and stores nothing; a memory store and a redirect URI off
//! loopback are refused before anything happens; `--redirect-port` listens elsewhere; a second
//! `connect` repairs a connection whose grant died (T04). `grootboek check` lists the Exact
//! divisions, names a Twinfield office whose right is withheld, and names a withheld AFAS
//! connector.

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Output, Stdio};
use std::time::Duration;

use grootboek_core::runtime::{ConnectionId, FileTokenStore, TokenKey, TokenStore};
use grootboek_sim::afas::AfasSim;
use grootboek_sim::exact::{
    ClientApp, ExactSeed, ExactSim, SeedDivision, SeedJournal, SeedVatCode,
};
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_grootboek");
const CLIENT_ID: &str = "grootboek-connect-app";
const CLIENT_SECRET: &str = "connect-secret-DO-NOT-LEAK";
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const DIVISIONS: [i32; 2] = [1_300_001, 1_300_002];

/// A loopback port nobody listens on right now (for the redirect URI registered with the app).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

async fn exact_sim(redirect: &str) -> ExactSim {
    let sim = ExactSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("start the Exact simulator");
    sim.seed(ExactSeed {
        divisions: DIVISIONS
            .iter()
            .enumerate()
            .map(|(i, code)| SeedDivision {
                code: *code,
                description: Some(format!("Connect BV {}", i + 1)),
                country: Some("NL".into()),
                currency: Some("EUR".into()),
            })
            .collect(),
        apps: vec![ClientApp {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: redirect.into(),
            webhook_secret: "w".into(),
            divisions: None,
        }],
        // A sales journal and a VAT code in each division, so the report finds them writable.
        journals: DIVISIONS
            .iter()
            .map(|d| SeedJournal {
                division: *d,
                code: "70".into(),
                description: "Verkoopboek".into(),
                ..SeedJournal::default()
            })
            .collect(),
        vat_codes: DIVISIONS
            .iter()
            .map(|d| SeedVatCode {
                division: *d,
                code: "2".into(),
                description: "BTW hoog".into(),
                percentage: rust_decimal::Decimal::new(21, 2),
                ..SeedVatCode::default()
            })
            .collect(),
        ..ExactSeed::default()
    })
    .expect("seed");
    sim
}

fn exact_env(sim: &ExactSim, redirect: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GROOTBOEK_EXACT_CLIENT_ID", CLIENT_ID.into()),
        ("GROOTBOEK_EXACT_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("GROOTBOEK_EXACT_BASE_URL", sim.base_url()),
        ("GROOTBOEK_EXACT_REDIRECT_URI", redirect.into()),
    ]
}

async fn twinfield_sim(redirect: &str) -> TwinfieldSim {
    let sim = TwinfieldSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("start the Twinfield simulator");
    sim.seed(TwinfieldSeed::demo()).expect("seed");
    sim.register_client(CLIENT_ID, CLIENT_SECRET, redirect)
        .expect("register the app");
    // A certified app: its full credit budget, so the reads of the report need not wait (T05).
    sim.set_client_certified(CLIENT_ID, true);
    sim
}

fn twinfield_env(sim: &TwinfieldSim, redirect: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GROOTBOEK_TWINFIELD_CLIENT_ID", CLIENT_ID.into()),
        ("GROOTBOEK_TWINFIELD_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("GROOTBOEK_TWINFIELD_REDIRECT_URI", redirect.into()),
        ("GROOTBOEK_TWINFIELD_ORGANISATION", "ORG-A".into()),
        ("GROOTBOEK_TWINFIELD_CERTIFIED", "true".into()),
        ("GROOTBOEK_TWINFIELD_LOGIN_URL", sim.login_url()),
        (
            "GROOTBOEK_TWINFIELD_CLUSTER_HOSTS",
            "127.0.0.1,localhost".into(),
        ),
    ]
}

fn command(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

async fn run(args: &[&str], env: &[(&str, String)]) -> Output {
    let out = tokio::time::timeout(Duration::from_secs(120), command(args, env).output())
        .await
        .expect("the command ends")
        .expect("the grootboek binary runs");
    out
}

/// A running `grootboek connect` whose authorize URL was read from stdout.
struct Connect {
    child: Child,
    stdout: BufReader<tokio::process::ChildStdout>,
    authorize_url: String,
}

async fn start_connect(args: &[&str], env: &[(&str, String)]) -> Connect {
    let mut child = command(args, env)
        .spawn()
        .expect("the grootboek binary runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stdout.read_line(&mut line)).await;
    if !matches!(read, Ok(Ok(n)) if n > 0) {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err).await;
        panic!("no authorize URL on stdout ({read:?}): {err}");
    }
    let authorize_url = line.trim().to_string();
    assert!(authorize_url.starts_with("http"), "{authorize_url}");
    Connect {
        child,
        stdout,
        authorize_url,
    }
}

impl Connect {
    /// Wait for the command; its stdout after the URL, its stderr and its exit code.
    async fn finish(mut self) -> (String, String, Option<i32>) {
        let mut rest = String::new();
        let mut err = String::new();
        let mut stderr = self.child.stderr.take().unwrap();
        let (a, b) = tokio::join!(
            self.stdout.read_to_string(&mut rest),
            stderr.read_to_string(&mut err)
        );
        a.unwrap();
        b.unwrap();
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("the command ends")
            .unwrap();
        (rest, err, status.code())
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser at the vendor: the authorize endpoint consents at once and redirects.
async fn consent(authorize_url: &str) -> String {
    let resp = browser()
        .get(authorize_url)
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        resp.status().as_u16(),
        302,
        "the simulator consents and redirects"
    );
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// The browser following the redirect to the command's listener: status and page.
async fn follow(location: &str) -> (u16, String) {
    let resp = browser()
        .get(location)
        .send()
        .await
        .expect("the listener answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The one token file of a store directory, as text.
fn store_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            path.is_file()
                .then(|| String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned())
        })
        .collect()
}

#[tokio::test]
async fn exact_connect_stores_a_sealed_pair_that_open_items_and_check_use() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = exact_sim(&redirect).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let mut env = exact_env(&sim, &redirect);
    env.push(("GROOTBOEK_TOKEN_KEY", KEY.into()));
    let connect = start_connect(
        &[
            "connect",
            "--vendor",
            "exact",
            "--token-store",
            &store,
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    let state = param(&connect.authorize_url, "state").expect("the URL carries a state");
    assert!(!state.is_empty());
    assert_eq!(
        param(&connect.authorize_url, "redirect_uri").as_deref(),
        Some(redirect.as_str())
    );
    let location = consent(&connect.authorize_url).await;
    assert!(location.starts_with(&redirect), "{location}");
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Connected"), "{page}");
    let (stdout, stderr, code) = connect.finish().await;
    assert_eq!(code, Some(0), "{stderr}\n{stdout}");

    // The report lists every division the connection reaches (system/Divisions, Q20).
    let report = json_of(&stdout);
    assert_eq!(report["vendor"], "exact");
    assert_eq!(report["connection"], format!("exact:{CLIENT_ID}"));
    let codes: Vec<&str> = report["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1300001", "1300002"], "{report}");
    assert!(
        report["problems"].as_array().unwrap().is_empty(),
        "{report}"
    );

    // The store holds the pair, sealed: neither token is in the file in clear.
    let conn = ConnectionId::new(format!("exact:{CLIENT_ID}")).unwrap();
    let key = TokenKey::from_base64(KEY).unwrap();
    let files = FileTokenStore::new(dir.path()).unwrap().with_key(Some(key));
    let pair = files
        .load(&conn)
        .await
        .unwrap()
        .expect("a stored pair")
        .pair;
    let access = pair.access_token.expose_secret().to_string();
    let refresh = pair.refresh_token.expose_secret().to_string();
    assert!(!access.is_empty() && !refresh.is_empty());
    let texts = store_files(dir.path());
    assert!(!texts.is_empty());
    for text in &texts {
        assert!(
            !text.contains(&access) && !text.contains(&refresh),
            "a token in clear"
        );
    }
    // Nor did any output show one.
    for text in [&stdout, &stderr] {
        assert!(!text.contains(&access) && !text.contains(&refresh));
        assert!(!text.contains(CLIENT_SECRET));
    }

    // open-items works from the store alone: no refresh token in the environment.
    let division = DIVISIONS[0].to_string();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "exact",
            "--administration",
            &division,
            "--token-store",
            &store,
        ],
        &env,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json_of(&String::from_utf8_lossy(&out.stdout))["open_items"].is_array());

    // check prints the same report for the stored connection (a table by default).
    let out = run(
        &["check", "--vendor", "exact", "--token-store", &store],
        &env,
    )
    .await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for code in ["1300001", "1300002", "Connect BV 1", "No problems found."] {
        assert!(table.contains(code), "{table}");
    }
}

#[tokio::test]
async fn twinfield_connect_stores_the_pair_and_check_names_an_office_without_the_right() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = twinfield_sim(&redirect).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let env = twinfield_env(&sim, &redirect);
    let connect = start_connect(
        &[
            "connect",
            "--vendor",
            "twinfield",
            "--token-store",
            &store,
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    assert!(param(&connect.authorize_url, "state").is_some_and(|s| !s.is_empty()));
    assert!(param(&connect.authorize_url, "nonce").is_some_and(|s| !s.is_empty()));
    let location = consent(&connect.authorize_url).await;
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200, "{page}");
    let (stdout, stderr, code) = connect.finish().await;
    assert_eq!(code, Some(0), "{stderr}\n{stdout}");
    let report = json_of(&stdout);
    assert_eq!(report["vendor"], "twinfield");
    let offices: Vec<(&str, bool)> = report["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap(),
                a["writable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        offices,
        [("NLA000001", true), ("NLA000002", true)],
        "{report}"
    );
    assert!(!store_files(dir.path()).is_empty(), "the pair is stored");

    // The user loses the right on one office: check names it, exit code 1.
    sim.withhold_office("NLA000002");
    let out = run(
        &[
            "check",
            "--vendor",
            "twinfield",
            "--token-store",
            &store,
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    let report = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "{report}");
    let second = &report["administrations"][1];
    assert_eq!(second["code"], "NLA000002");
    assert_eq!(second["writable"], false, "{report}");
    assert_eq!(report["administrations"][0]["writable"], true, "{report}");
    let problems = report["problems"].to_string();
    assert!(problems.contains("NLA000002"), "{problems}");
}

#[tokio::test]
async fn a_forged_state_is_refused_and_nothing_is_stored() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = exact_sim(&redirect).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let connect = start_connect(
        &["connect", "--vendor", "exact", "--token-store", &store],
        &exact_env(&sim, &redirect),
    )
    .await;
    let location = consent(&connect.authorize_url).await;
    let state = param(&location, "state").unwrap();
    let forged = location.replace(&format!("state={state}"), "state=forged-by-someone-else");
    assert_ne!(forged, location);
    let (status, page) = follow(&forged).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("Not connected"), "{page}");
    let (_, stderr, code) = connect.finish().await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("state"), "{stderr}");
    assert!(store_files(dir.path()).is_empty(), "nothing is stored");
    assert_eq!(sim.refresh_count(CLIENT_ID), 0);
}

#[tokio::test]
async fn connect_refuses_a_memory_store_a_redirect_off_loopback_and_ends_on_timeout() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = exact_sim(&redirect).await;
    let env = exact_env(&sim, &redirect);

    let out = run(&["connect", "--vendor", "exact"], &env).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would be lost"), "{stderr}");
    assert!(out.stdout.is_empty(), "no authorize URL is printed");

    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let mut off = env.clone();
    off.retain(|(k, _)| *k != "GROOTBOEK_EXACT_REDIRECT_URI");
    off.push((
        "GROOTBOEK_EXACT_REDIRECT_URI",
        "https://app.example.com/callback".into(),
    ));
    let out = run(
        &["connect", "--vendor", "exact", "--token-store", &store],
        &off,
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("https://app.example.com/callback") && stderr.contains("127.0.0.1:PORT"),
        "{stderr}"
    );

    let out = run(
        &[
            "connect",
            "--vendor",
            "exact",
            "--token-store",
            &store,
            "--timeout-secs",
            "1",
        ],
        &env,
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("within 1 s"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("http"));

    let out = run(&["connect", "--vendor", "afas"], &env).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("AfasToken"), "{stderr}");
}

#[tokio::test]
async fn check_names_a_withheld_afas_connector_as_missing() {
    let sim = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .expect("start the AFAS simulator");
    let env = vec![
        ("GROOTBOEK_AFAS_TOKEN", sim.token_xml()),
        ("GROOTBOEK_AFAS_BASE_URL", sim.base_url()),
    ];
    let args = ["check", "--vendor", "afas", "--format", "json"];
    let out = run(&args, &env).await;
    let report = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["state"] == "activated"));
    assert_eq!(report["administrations"][0]["writable"], true, "{report}");

    sim.withhold_connector("Profit_Debtor_Invoices");
    let out = run(&args, &env).await;
    let report = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "{report}");
    let missing: Vec<&Value> = report["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!(missing[0]["connector"], "Profit_Debtor_Invoices");
    assert_eq!(missing[0]["kind"], "get");
    assert!(
        report["problems"]
            .to_string()
            .contains("Profit_Debtor_Invoices"),
        "{report}"
    );

    // Without FiEntries nothing can be posted: the table says MISSING and no administration
    // is writable.
    sim.withhold_connector("FiEntries");
    let out = run(&["check", "--vendor", "afas"], &env).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(
        table.contains("FiEntries") && table.contains("MISSING"),
        "{table}"
    );
    let token = sim.token_xml();
    assert!(!table.contains(&token));
}

#[tokio::test]
async fn redirect_port_listens_elsewhere_and_the_registered_uri_is_sent_unchanged() {
    // The registered redirect URI's port is forwarded (an SSH tunnel, say) to another port,
    // where the command listens.
    let registered = free_port();
    let listen = free_port();
    let redirect = redirect_uri(registered);
    let sim = exact_sim(&redirect).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let listen_arg = listen.to_string();
    let connect = start_connect(
        &[
            "connect",
            "--vendor",
            "exact",
            "--token-store",
            &store,
            "--redirect-port",
            &listen_arg,
        ],
        &exact_env(&sim, &redirect),
    )
    .await;
    assert_eq!(
        param(&connect.authorize_url, "redirect_uri").as_deref(),
        Some(redirect.as_str())
    );
    let location = consent(&connect.authorize_url).await;
    let tunnelled = location.replace(
        &format!("127.0.0.1:{registered}"),
        &format!("127.0.0.1:{listen}"),
    );
    let (status, page) = follow(&tunnelled).await;
    assert_eq!(status, 200, "{page}");
    let (stdout, stderr, code) = connect.finish().await;
    assert_eq!(code, Some(0), "{stderr}\n{stdout}");
    assert!(
        stdout.contains("1300001") && stdout.contains("No problems found."),
        "{stdout}"
    );
    assert!(!store_files(dir.path()).is_empty());
}

/// Drive one `connect --vendor exact` to the end as the browser; its exit code and stderr.
async fn connect_exact(env: &[(&str, String)], store: &str) -> (Option<i32>, String) {
    let connect = start_connect(
        &["connect", "--vendor", "exact", "--token-store", store],
        env,
    )
    .await;
    let location = consent(&connect.authorize_url).await;
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200, "{page}");
    let (_, stderr, code) = connect.finish().await;
    (code, stderr)
}

#[tokio::test]
async fn connect_again_repairs_a_connection_whose_grant_died() {
    // T04: the user's grant dies (password changed); the stored connection then answers
    // "re-consent required" until `connect` stores a new pair.
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = exact_sim(&redirect).await;
    let env = exact_env(&sim, &redirect);
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let division = DIVISIONS[0].to_string();
    let open_items = [
        "open-items",
        "--vendor",
        "exact",
        "--administration",
        &division,
        "--token-store",
        &store,
    ];

    let (code, stderr) = connect_exact(&env, &store).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(run(&open_items, &env).await.status.success());

    assert!(sim.revoke_grant(CLIENT_ID));
    // A day later (on the command's clock, the system's): the stored access token has expired.
    let conn = ConnectionId::new(format!("exact:{CLIENT_ID}")).unwrap();
    let files = FileTokenStore::new(dir.path()).unwrap();
    let mut record = files.load(&conn).await.unwrap().expect("a stored pair");
    let day = chrono::Duration::days(1);
    record.pair.issued_at -= day;
    record.pair.expires_at -= day;
    let generation = record.generation;
    record.generation += 1;
    assert!(files
        .compare_and_swap(&conn, Some(generation), &record)
        .await
        .unwrap());
    let out = run(&open_items, &env).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("grootboek connect --vendor exact"),
        "{stderr}"
    );

    let (code, stderr) = connect_exact(&env, &store).await;
    assert_eq!(code, Some(0), "{stderr}");
    let out = run(&open_items, &env).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn exact_connect_on_a_redis_store_then_open_items() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sim = exact_sim(&redirect).await;
    let redis = std::env::var("GROOTBOEK_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string());
    let mut env = exact_env(&sim, &redirect);
    // A fresh connection id per run, so that earlier runs' pairs do not interfere.
    env.push((
        "GROOTBOEK_EXACT_CONNECTION_ID",
        format!(
            "exact:connect-test:{}",
            sim.base_url().replace([':', '/'], "_")
        ),
    ));
    env.push(("GROOTBOEK_TOKEN_KEY", KEY.into()));
    let (code, stderr) = connect_exact(&env, &redis).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("redis (URL not shown)"), "{stderr}");
    let division = DIVISIONS[1].to_string();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "exact",
            "--administration",
            &division,
            "--token-store",
            &redis,
        ],
        &env,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sim.refresh_count(CLIENT_ID),
        0,
        "the consented pair is used"
    );
}
