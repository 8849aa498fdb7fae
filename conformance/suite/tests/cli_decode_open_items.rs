//! `grootboek decode` and `grootboek open-items` run as a person runs them: the built binary as a
//! child process, with a clean environment. Decoding reads the shared vendor samples in
//! `fixtures/`; listing runs against simulators started in this test process.

#![cfg(all(feature = "twinfield", feature = "exact", feature = "afas"))]

use std::path::PathBuf;
use std::process::Output;

use chrono::NaiveDate;
use grootboek_core::{Invoice, Invoices, SalesLine};
use grootboek_sim::afas::AfasSim;
use grootboek_sim::twinfield::{TwinfieldSeed, TwinfieldSim};
use rust_decimal_macros::dec;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_grootboek");
/// A well-formed AFAS token (hex data) that nothing accepts; it must never be printed.
const AFAS_SECRET_DATA: &str = "5ec2e7da7a0123456789abcdef5ec2e7";

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn adapter_fixture(vendor: &str, name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../adapters")
        .join(vendor)
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Run the binary with only `env` in its environment.
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args).env_clear().env("RUST_BACKTRACE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("the grootboek binary runs")
}

/// Stdout parsed as JSON, after checking the run succeeded.
fn json_of(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The run failed with exit code 2 and one `grootboek: …` line on stderr, nothing on stdout and
/// no panic; returns that line.
fn one_line_error(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].starts_with("grootboek: "), "{stderr}");
    lines[0].to_string()
}

fn amounts(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            i[field]["amount"]
                .as_str()
                .expect("amount as text")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn decode_afas_open_items_and_an_invoice_with_its_vat_codes() {
    let out = run(
        &[
            "decode",
            "--vendor",
            "afas",
            "--kind",
            "open-items",
            &fixture("afas/get_debtor_invoices_10001.json"),
        ],
        &[],
    )
    .await;
    let v = json_of(&out);
    let items = &v["open_items"];
    assert_eq!(items[0]["relation"], "10001");
    assert_eq!(items[0]["reference"], "IH000101");
    assert_eq!(amounts(items, "open_amount"), ["121", "1113.56"]);

    let dir = std::env::temp_dir().join(format!("grootboek-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vat = dir.join("vat_codes.json");
    std::fs::write(
        &vat,
        r#"{"skip":0,"take":10,"rows":[{"VatCode":"1","Description":"BTW hoog","VatPerc":21,"AccountNr":"1510","Blocked":false}]}"#,
    )
    .unwrap();
    let out = run(
        &[
            "decode",
            "--vendor",
            "afas",
            "--kind",
            "invoice",
            "--vat-codes",
            &vat.to_string_lossy(),
            &fixture("afas/transactions_sales_with_vat.json"),
        ],
        &[],
    )
    .await;
    let v = json_of(&out);
    let doc = &v["invoices"][0]["document"];
    assert_eq!(doc["customer"], "10001");
    assert_eq!(doc["lines"][0]["account"], "8000");
    assert_eq!(doc["lines"][0]["net_amount"], "10000");
    assert_eq!(doc["lines"][0]["vat_amount"], "2100");
    assert_eq!(doc["lines"][0]["vat_rate"], "21");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn decode_exact_receivables_with_their_sales_entries_and_accounts() {
    let out = run(
        &[
            "decode",
            "--vendor",
            "exact",
            "--kind",
            "open-items",
            "--sales-entries",
            &fixture("exact/sales_entry_expanded.json"),
            &fixture("exact/receivables_list.json"),
        ],
        &[],
    )
    .await;
    let v = json_of(&out);
    let items = &v["open_items"];
    assert_eq!(items[0]["relation"], "8");
    assert_eq!(items[0]["entry"]["administration"], "123456");
    assert_eq!(amounts(items, "amount"), ["121"]);
    assert_eq!(amounts(items, "open_amount"), ["100"]);

    let out = run(
        &[
            "decode",
            "--vendor",
            "exact",
            "--kind",
            "dimension",
            &fixture("exact/accounts_list.json"),
        ],
        &[],
    )
    .await;
    let v = json_of(&out);
    assert_eq!(v["dimensions"][0]["code"], "8");
    assert_eq!(v["dimensions"][0]["country"], "NL");
}

#[tokio::test]
async fn decode_twinfield_transaction_and_browse_in_a_table_too() {
    let out = run(
        &[
            "decode",
            "--vendor",
            "twinfield",
            "--kind",
            "invoice",
            &fixture("twinfield/transaction-sales-final.xml"),
        ],
        &[],
    )
    .await;
    let v = json_of(&out);
    let p = &v["invoices"][0];
    assert_eq!(p["id"]["key"], "202400001");
    assert_eq!(p["document"]["customer"], "1000");
    assert_eq!(p["document"]["lines"][0]["net_amount"], "100.00");
    assert_eq!(p["document"]["lines"][0]["vat_amount"], "21.00");

    let out = run(
        &[
            "decode",
            "--vendor",
            "twinfield",
            "--kind",
            "open-items",
            "--format",
            "table",
            &adapter_fixture("twinfield", "browse-100.xml"),
        ],
        &[],
    )
    .await;
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    // Header and the two rows with an amount open (Q06: `matched` but 60.50 open counts).
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[1].contains("F2026-001") && lines[1].contains("121.00"),
        "{table}"
    );
    assert!(
        lines[2].contains("F2026-002") && lines[2].contains("60.50"),
        "{table}"
    );
}

#[tokio::test]
async fn malformed_payloads_give_one_line_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("grootboek-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, "{\"skip\":0,\"rows\":[{\"DebtorId\":").unwrap();
    let doctype = dir.join("doctype.xml");
    std::fs::write(
        &doctype,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE browse [\n  <!ENTITY lol \"lol\">\n]>\n<browse result=\"1\"><tr><td field=\"fin.trs.line.dim2\">&lol;</td></tr></browse>\n",
    )
    .unwrap();
    let entity = dir.join("entity.xml");
    std::fs::write(
        &entity,
        "<browse result=\"1\"><tr><td field=\"fin.trs.line.dim2\">&lol;</td></tr></browse>",
    )
    .unwrap();
    let truncated = truncated.to_string_lossy().into_owned();
    let doctype = doctype.to_string_lossy().into_owned();
    let entity = entity.to_string_lossy().into_owned();

    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "afas",
                "--kind",
                "open-items",
                &truncated,
            ],
            &[],
        )
        .await,
    );
    assert!(
        line.contains("cannot decode") && line.contains("AFAS answered JSON"),
        "{line}"
    );

    let line = one_line_error(
        &run(
            &[
                "decode", "--vendor", "exact", "--kind", "invoice", &truncated,
            ],
            &[],
        )
        .await,
    );
    assert!(line.contains("not JSON"), "{line}");

    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "open-items",
                &doctype,
            ],
            &[],
        )
        .await,
    );
    assert!(line.contains("DOCTYPE"), "{line}");

    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "open-items",
                &entity,
            ],
            &[],
        )
        .await,
    );
    assert!(line.contains("&lol;"), "{line}");

    // A JSON decoder given the XML file: refused as not JSON, not parsed as XML.
    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "exact",
                "--kind",
                "open-items",
                &doctype,
            ],
            &[],
        )
        .await,
    );
    assert!(line.contains("not JSON"), "{line}");

    // A payload of the wrong kind says what it is.
    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "invoice",
                &fixture("twinfield/dimension-read-customer.xml"),
            ],
            &[],
        )
        .await,
    );
    assert!(
        line.contains("<dimension> document is not a transaction read"),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bad_flags_and_missing_files_give_one_line() {
    let line = one_line_error(
        &run(
            &["decode", "--vendor", "sage", "--kind", "invoice", "x"],
            &[],
        )
        .await,
    );
    assert!(line.contains("unknown vendor `sage`"), "{line}");
    let line = one_line_error(
        &run(
            &["decode", "--vendor", "afas", "--kind", "ledger", "x"],
            &[],
        )
        .await,
    );
    assert!(
        line.contains("invalid value 'ledger'") && line.contains("open-items"),
        "{line}"
    );
    let line = one_line_error(&run(&["open-items", "--vendor", "afas", "--frobnicate"], &[]).await);
    assert!(
        line.contains("--frobnicate") && line.contains("grootboek open-items --help"),
        "{line}"
    );
    let line = one_line_error(&run(&["open-items", "--vendor", "afas"], &[]).await);
    assert!(line.contains("--administration"), "{line}");
    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "afas",
                "--kind",
                "invoice",
                "/nonexistent/x.json",
            ],
            &[],
        )
        .await,
    );
    assert!(line.contains("cannot read /nonexistent/x.json"), "{line}");
    let line = one_line_error(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "invoice",
                "--vat-codes",
                "v.json",
                "x.xml",
            ],
            &[],
        )
        .await,
    );
    assert!(
        line.contains("--vat-codes applies only to --vendor afas"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_lists_the_afas_simulators_seeded_items() {
    let sim = AfasSim::start("127.0.0.1".parse().unwrap()).await.unwrap();
    let token = sim.token_xml();
    let base = sim.base_url();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "afas",
            "--administration",
            "1",
            "--format",
            "json",
        ],
        &[
            ("GROOTBOEK_AFAS_TOKEN", token.as_str()),
            ("GROOTBOEK_AFAS_BASE_URL", base.as_str()),
        ],
    )
    .await;
    let v = json_of(&out);
    let items = &v["open_items"];
    let mut refs: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reference"].as_str().unwrap())
        .collect();
    refs.sort();
    assert_eq!(refs, ["IH000101", "IH000102", "IH000103"]);
    let mut open = amounts(items, "open_amount");
    open.sort();
    assert_eq!(open, ["-0.5", "1113.56", "121"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&token), "the token is never printed");

    // The same through --base-url and an --env-file holding the token.
    let dir = std::env::temp_dir().join(format!("grootboek-envf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("afas.env");
    std::fs::write(&env_file, format!("GROOTBOEK_AFAS_TOKEN={token}\n")).unwrap();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "afas",
            "--administration",
            "1",
            "--base-url",
            &base,
            "--env-file",
            &env_file.to_string_lossy(),
            "--format",
            "table",
        ],
        &[],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(
        table.contains("IH000103") && table.contains("-0.5"),
        "{table}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_lists_a_twinfield_invoice_posted_on_the_simulator() {
    const CLIENT: &str = "grootboek-demo";
    const SECRET: &str = "demo-secret";
    const REDIRECT: &str = "http://localhost:8080/callback";
    const ORG: &str = "ORG-A";
    const OFFICE: &str = "NLA000001";
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let refresh = sim.issue_tokens(CLIENT, ORG).unwrap().refresh_token;
    let config = grootboek_twinfield::TwinfieldConfig::new(CLIENT, SECRET, REDIRECT, ORG)
        .with_login_url(sim.login_url())
        .with_cluster_hosts(["127.0.0.1"])
        .with_refresh_token(refresh.clone())
        // A short budget minute keeps the in-process limiter from pacing in real time.
        .with_minute(std::time::Duration::from_secs(1));
    let ledger = grootboek_twinfield::connect(config).await.unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    let invoice = Invoice::new(OFFICE, "VRK", "1000", "CLI-0001", date).with_line(SalesLine::new(
        "8020",
        "Brood en banket",
        dec!(100),
        Some("VH"),
        dec!(21),
    ));
    ledger.create_invoice(&invoice).await.unwrap();

    let login = sim.login_url();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "twinfield",
            "--administration",
            OFFICE,
            "--base-url",
            &login,
        ],
        &[
            ("GROOTBOEK_TWINFIELD_CLIENT_ID", CLIENT),
            ("GROOTBOEK_TWINFIELD_CLIENT_SECRET", SECRET),
            ("GROOTBOEK_TWINFIELD_REDIRECT_URI", REDIRECT),
            ("GROOTBOEK_TWINFIELD_ORGANISATION", ORG),
            ("GROOTBOEK_TWINFIELD_REFRESH_TOKEN", refresh.as_str()),
        ],
    )
    .await;
    let v = json_of(&out);
    let items = v["open_items"].as_array().unwrap();
    let item = items
        .iter()
        .find(|i| i["reference"] == "CLI-0001")
        .unwrap_or_else(|| panic!("the posted invoice is open: {v}"));
    assert_eq!(item["relation"], "1000");
    assert_eq!(item["open_amount"]["amount"], "121.00");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&refresh) && !stdout.contains(SECRET));
}

#[tokio::test]
async fn open_items_without_a_credential_or_with_an_unreachable_url_gives_one_line() {
    let line = one_line_error(
        &run(
            &["open-items", "--vendor", "afas", "--administration", "1"],
            &[(
                "GROOTBOEK_AFAS_BASE_URL",
                "http://127.0.0.1:9/ProfitRestServices",
            )],
        )
        .await,
    );
    assert!(line.contains("GROOTBOEK_AFAS_TOKEN is not set"), "{line}");

    let line = one_line_error(
        &run(
            &[
                "open-items",
                "--vendor",
                "exact",
                "--administration",
                "123456",
            ],
            &[],
        )
        .await,
    );
    assert!(
        line.contains("GROOTBOEK_EXACT_CLIENT_ID is not set"),
        "{line}"
    );

    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let line = one_line_error(
        &run(
            &[
                "open-items",
                "--vendor",
                "afas",
                "--administration",
                "1",
                "--base-url",
                "http://127.0.0.1:9/ProfitRestServices",
                "--timeout-secs",
                "20",
            ],
            &[
                ("GROOTBOEK_AFAS_TOKEN", AFAS_SECRET_DATA),
                ("GROOTBOEK_AFAS_RETRY_MAX_ATTEMPTS", "1"),
            ],
        )
        .await,
    );
    assert!(
        line.contains("cannot list the open items of afas administration 1"),
        "{line}"
    );
    assert!(!line.contains(AFAS_SECRET_DATA), "{line}");

    let line = one_line_error(
        &run(
            &[
                "open-items",
                "--vendor",
                "afas",
                "--administration",
                "1",
                "--base-url",
                "ftp://x",
            ],
            &[("GROOTBOEK_AFAS_TOKEN", AFAS_SECRET_DATA)],
        )
        .await,
    );
    assert!(line.contains("not an http(s) URL"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_over_every_twinfield_office_each_with_its_own_result() {
    const CLIENT: &str = "grootboek-demo";
    const SECRET: &str = "demo-secret";
    const REDIRECT: &str = "http://localhost:8080/callback";
    const ORG: &str = "ORG-A";
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    sim.seed(TwinfieldSeed::demo()).unwrap();
    let refresh = sim.issue_tokens(CLIENT, ORG).unwrap().refresh_token;
    let config = grootboek_twinfield::TwinfieldConfig::new(CLIENT, SECRET, REDIRECT, ORG)
        .with_login_url(sim.login_url())
        .with_cluster_hosts(["127.0.0.1"])
        .with_refresh_token(refresh.clone())
        .with_minute(std::time::Duration::from_secs(1));
    let ledger = grootboek_twinfield::connect(config).await.unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    let invoice = Invoice::new("NLA000001", "VRK", "1000", "ALL-0001", date).with_line(
        SalesLine::new("8020", "Brood", dec!(100), Some("VH"), dec!(21)),
    );
    ledger.create_invoice(&invoice).await.unwrap();
    // The user has no right on the second office (T14): it fails, the first is still listed.
    sim.withhold_office("NLA000002");

    let login = sim.login_url();
    let env = [
        ("GROOTBOEK_TWINFIELD_CLIENT_ID", CLIENT),
        ("GROOTBOEK_TWINFIELD_CLIENT_SECRET", SECRET),
        ("GROOTBOEK_TWINFIELD_REDIRECT_URI", REDIRECT),
        ("GROOTBOEK_TWINFIELD_ORGANISATION", ORG),
        ("GROOTBOEK_TWINFIELD_REFRESH_TOKEN", refresh.as_str()),
    ];
    let args = [
        "open-items",
        "--vendor",
        "twinfield",
        "--all-administrations",
        "--base-url",
        &login,
    ];
    let out = run(&args, &env).await;
    assert_eq!(out.status.code(), Some(1), "one office failed");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = v["per_administration"].as_array().unwrap();
    let of = |code: &str| {
        runs.iter()
            .find(|r| r["administration"]["code"] == code)
            .unwrap_or_else(|| panic!("{code} is in the run: {v}"))
    };
    let first = of("NLA000001");
    assert!(first.get("error").is_none(), "{first}");
    let items = first["open_items"].as_array().unwrap();
    let item = items
        .iter()
        .find(|i| i["reference"] == "ALL-0001")
        .unwrap_or_else(|| panic!("the posted invoice is open: {first}"));
    assert_eq!(item["open_amount"]["amount"], "121.00");
    let second = of("NLA000002");
    assert!(second.get("open_items").is_none(), "{second}");
    assert!(
        second["error"].as_str().unwrap().contains("NLA000002"),
        "{second}"
    );

    // With the right given back every office lists, and the table names each.
    sim.restore_office("NLA000002");
    let mut table_args = args.to_vec();
    table_args.extend(["--format", "table", "--jobs", "1"]);
    let out = run(&table_args, &env).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("== NLA000001") && table.contains("== NLA000002"),
        "{table}"
    );
    assert!(table.contains("ALL-0001"), "{table}");
    let stdout = table + &String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains(&refresh) && !stdout.contains(SECRET));
}

#[tokio::test]
async fn decode_administrations_tokens_and_write_outcomes() {
    let offices = json_of(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "administrations",
                &fixture("twinfield/offices-list-utf16.xml"),
            ],
            &[],
        )
        .await,
    );
    let codes: Vec<&str> = offices["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["NLA000001", "0110"]);
    assert!(offices["administrations"][0]["country"].is_null());

    let out = run(
        &[
            "decode",
            "--vendor",
            "exact",
            "--kind",
            "token",
            &fixture("exact/token_response.json"),
        ],
        &[],
    )
    .await;
    let token = json_of(&out);
    assert_eq!(token["token"]["expires_in_seconds"], 600);
    assert_eq!(token["token"]["has_refresh_token"], true);
    let saved = std::fs::read_to_string(fixture("exact/token_response.json")).unwrap();
    let secret: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for k in ["access_token", "refresh_token"] {
        let value = secret[k].as_str().unwrap();
        assert!(!stdout.contains(value), "{k} printed: {stdout}");
    }

    let report = json_of(
        &run(
            &[
                "decode",
                "--vendor",
                "twinfield",
                "--kind",
                "outcome",
                &fixture("twinfield/transactions-batch-several-errors.xml"),
            ],
            &[],
        )
        .await,
    );
    let items = report["outcome"]["items"].as_array().unwrap();
    assert_eq!(items[0]["status"], "applied");
    assert_eq!(items[0]["key"], "202600077");
    assert_eq!(items[1]["status"], "refused");
    assert_eq!(items[1]["errors"].as_array().unwrap().len(), 2);

    let table = run(
        &[
            "decode",
            "--vendor",
            "afas",
            "--kind",
            "outcome",
            "--format",
            "table",
            &fixture("afas/error_invalid_skip_take.json"),
        ],
        &[],
    )
    .await;
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("refused"), "{text}");
}

/// Every administration `code(n)` of a `--all-administrations` run lists its own open item
/// `X-nnn` with the open amount `100 + n`.
fn assert_each_lists_its_item(runs: &[Value], count: i64, code: impl Fn(i64) -> String) {
    for n in 0..count {
        let code = code(n);
        let run = runs
            .iter()
            .find(|r| r["administration"]["code"] == code.as_str())
            .unwrap_or_else(|| panic!("{code} is not in the run"));
        let items = run["open_items"]
            .as_array()
            .unwrap_or_else(|| panic!("{code}: {run}"));
        let item = items
            .iter()
            .find(|i| i["reference"] == format!("X-{n:03}").as_str())
            .unwrap_or_else(|| panic!("{code}'s item is not listed: {run}"));
        assert_eq!(
            item["open_amount"]["amount"]
                .as_str()
                .map(|a| a.parse::<rust_decimal::Decimal>().unwrap()),
            Some(rust_decimal::Decimal::from(100 + n)),
            "{code}"
        );
    }
}

/// Issue 17: `open-items --all-administrations` over 200 offices of one organisation lists each
/// (every office's own open invoice is in its result) within the shared budget: the simulator
/// answered no request with 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_over_200_twinfield_offices_within_the_budget() {
    use grootboek_sim::twinfield::{Dimension, SeedOffice, Transaction, TransactionLine};
    const CLIENT: &str = "grootboek-demo";
    const SECRET: &str = "demo-secret";
    const REDIRECT: &str = "http://localhost:8080/callback";
    const ORG: &str = "ORG-A";
    const OFFICES: usize = 200;
    let sim = TwinfieldSim::start("127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let mut seed = TwinfieldSeed::demo();
    for n in 0..OFFICES {
        let office = format!("NLX{n:06}");
        seed.offices.push(SeedOffice {
            organisation: ORG.into(),
            code: office.clone(),
            name: format!("Vestiging {n}"),
            ..SeedOffice::default()
        });
        seed.dimensions.push(Dimension {
            office: office.clone(),
            dim_type: "DEB".into(),
            code: "1000".into(),
            name: "Bakkerij Jansen".into(),
            country: "NL".into(),
            ..Dimension::default()
        });
        let gross = rust_decimal::Decimal::from(100 + n as i64);
        seed.transactions.push(Transaction {
            office: office.clone(),
            code: "VRK".into(),
            number: format!("2026{n:05}"),
            status: "final".into(),
            date: NaiveDate::from_ymd_opt(2026, 5, 4),
            invoice_number: format!("X-{n:03}"),
            lines: vec![
                TransactionLine {
                    line_type: "total".into(),
                    dim1: "1300".into(),
                    dim2: "1000".into(),
                    debit_credit: "debit".into(),
                    value: gross,
                    open_value: Some(gross),
                    match_status: "available".into(),
                    ..TransactionLine::default()
                },
                TransactionLine {
                    line_type: "detail".into(),
                    dim1: "8000".into(),
                    debit_credit: "credit".into(),
                    value: gross,
                    vat_code: "VN".into(),
                    ..TransactionLine::default()
                },
            ],
            ..Transaction::default()
        });
    }
    sim.seed(seed).unwrap();
    let refresh = sim.issue_tokens(CLIENT, ORG).unwrap().refresh_token;
    let login = sim.login_url();
    let env = [
        ("GROOTBOEK_TWINFIELD_CLIENT_ID", CLIENT),
        ("GROOTBOEK_TWINFIELD_CLIENT_SECRET", SECRET),
        ("GROOTBOEK_TWINFIELD_REDIRECT_URI", REDIRECT),
        ("GROOTBOEK_TWINFIELD_ORGANISATION", ORG),
        ("GROOTBOEK_TWINFIELD_REFRESH_TOKEN", refresh.as_str()),
        ("GROOTBOEK_TWINFIELD_CERTIFIED", "true"),
    ];
    let out = run(
        &[
            "open-items",
            "--vendor",
            "twinfield",
            "--all-administrations",
            "--jobs",
            "8",
            "--base-url",
            &login,
        ],
        &env,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = v["per_administration"].as_array().unwrap();
    assert_each_lists_its_item(runs, OFFICES as i64, |n| format!("NLX{n:06}"));
    let credits = sim.credits();
    assert_eq!(credits.rejected_total, 0, "429s: {:?}", credits.buckets);
    let used: u64 = credits
        .buckets
        .iter()
        .filter(|b| b.kind == "client_organisation")
        .map(|b| b.total_charged)
        .sum();
    println!(
        "{} administrations listed, {used} credits on the client+organisation bucket, 0 × 429",
        runs.len()
    );
    assert!(runs.len() > OFFICES, "the demo offices are listed too");
}

/// Issue 17 on Exact: `open-items --all-administrations` over 200 divisions lists each with its
/// own open sales entry, within Exact's per-division minute limit (the simulator answered no
/// request with 429).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_over_200_exact_divisions_within_the_limits() {
    use grootboek_sim::exact::{
        ClientApp, ExactSeed, ExactSim, SeedAccount, SeedDivision, SeedGlAccount, SeedJournal,
        SeedSalesEntry, SeedSalesLine,
    };
    const CLIENT_ID: &str = "grootboek-fanout-app";
    const CLIENT_SECRET: &str = "fanout-secret";
    const DIVISIONS: i32 = 200;
    let sim = ExactSim::start("127.0.0.1".parse().unwrap()).await.unwrap();
    let mut seed = ExactSeed {
        apps: vec![ClientApp {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: "http://localhost:8080/cb".into(),
            webhook_secret: "w".into(),
            divisions: None,
        }],
        ..ExactSeed::default()
    };
    for n in 0..DIVISIONS {
        let division = 2_000_000 + n;
        seed.divisions.push(SeedDivision {
            code: division,
            description: Some(format!("Vestiging {n} BV")),
            country: Some("NL".into()),
            currency: Some("EUR".into()),
        });
        seed.accounts.push(SeedAccount {
            division,
            code: Some("C1".into()),
            name: "Bakkerij Jansen".into(),
            country: Some("NL".into()),
            ..SeedAccount::default()
        });
        seed.gl_accounts.push(SeedGlAccount {
            division,
            code: "8000".into(),
            description: "Omzet".into(),
            ..SeedGlAccount::default()
        });
        seed.journals.push(SeedJournal {
            division,
            code: "70".into(),
            description: "Verkoopboek".into(),
            ..SeedJournal::default()
        });
        seed.sales_entries.push(SeedSalesEntry {
            division,
            journal: "70".into(),
            customer_code: Some("C1".into()),
            your_ref: Some(format!("X-{n:03}")),
            entry_date: NaiveDate::from_ymd_opt(2026, 5, 4),
            lines: vec![SeedSalesLine {
                gl_account_code: Some("8000".into()),
                amount: rust_decimal::Decimal::from(100 + n),
                vat_amount: Some(rust_decimal::Decimal::ZERO),
                ..SeedSalesLine::default()
            }],
            ..SeedSalesEntry::default()
        });
    }
    sim.seed(seed).unwrap();
    let refresh = sim.issue_tokens(CLIENT_ID).unwrap().refresh_token;
    // The consent was given a while ago: the minimum refresh interval has passed.
    sim.core()
        .clock
        .advance(std::time::Duration::from_secs(11 * 60));
    let base = sim.base_url();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "exact",
            "--all-administrations",
            "--ephemeral",
            "--jobs",
            "8",
            "--base-url",
            &base,
        ],
        &[
            ("GROOTBOEK_EXACT_CLIENT_ID", CLIENT_ID),
            ("GROOTBOEK_EXACT_CLIENT_SECRET", CLIENT_SECRET),
            ("GROOTBOEK_EXACT_REFRESH_TOKEN", refresh.as_str()),
        ],
    )
    .await;
    let v = json_of(&out);
    let runs = v["per_administration"].as_array().unwrap();
    assert_eq!(runs.len(), DIVISIONS as usize, "{v}");
    assert_each_lists_its_item(runs, i64::from(DIVISIONS), |n| (2_000_000 + n).to_string());
    let throttled = sim
        .core()
        .log
        .snapshot()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(throttled, 0, "429s from the simulator");
    println!(
        "{} divisions listed, {} requests, 0 × 429",
        runs.len(),
        sim.core().log.snapshot().len()
    );
}

/// Issue 17 on AFAS: `open-items --all-administrations` over 200 administrations (plus the
/// simulator's demo one) lists each with its own open item; the simulator answered no request
/// with 429 or 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_items_over_200_afas_administrations() {
    use grootboek_sim::afas::{AfasSeed, SeedOpenItem, Unit};
    const UNITS: u32 = 200;
    let sim = AfasSim::start("127.0.0.1".parse().unwrap()).await.unwrap();
    let mut seed = AfasSeed::default();
    for n in 0..UNITS {
        let unit_id = 100 + n;
        seed.units.push(Unit {
            unit_id,
            name: format!("Vestiging {n}"),
            code: format!("V{n:03}"),
            country: "NL".into(),
        });
        seed.open_items.push(SeedOpenItem {
            unit_id,
            debtor_id: "10001".into(),
            invoice_nr: format!("X-{n:03}"),
            voucher_date: NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
            due_date: None,
            currency: None,
            amount: rust_decimal::Decimal::from(100 + n),
            open_amount: None,
            description: None,
        });
    }
    sim.seed(seed).unwrap();
    let token = sim.token_xml();
    let base = sim.base_url();
    let out = run(
        &[
            "open-items",
            "--vendor",
            "afas",
            "--all-administrations",
            "--jobs",
            "8",
        ],
        &[
            ("GROOTBOEK_AFAS_TOKEN", token.as_str()),
            ("GROOTBOEK_AFAS_BASE_URL", base.as_str()),
        ],
    )
    .await;
    let v = json_of(&out);
    let runs = v["per_administration"].as_array().unwrap();
    assert!(runs.len() > UNITS as usize, "{} runs", runs.len());
    assert_each_lists_its_item(runs, i64::from(UNITS), |n| (100 + n).to_string());
    let log = sim.core().log.snapshot();
    let refused = log
        .iter()
        .filter(|r| r.status == 429 || r.status == 503)
        .count();
    assert_eq!(refused, 0, "429s or 503s from the simulator");
    println!(
        "{} administrations listed, {} requests, 0 × 429",
        runs.len(),
        log.len()
    );
}
