//! `grootboek preflight --live` as a black box: a separately started `grootboek sim` process is the
//! "live" administration, reached only over HTTP through the environment variables a user sets.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

const GROOTBOEK: &str = env!("CARGO_BIN_EXE_grootboek");

/// The simulator process, killed on drop.
struct SimProcess(Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `grootboek sim --vendor afas` and read its printed URLs.
fn start_sim() -> (SimProcess, String, String) {
    let mut child = Command::new(GROOTBOEK)
        .args(["sim", "--vendor", "afas"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start grootboek sim");
    let stdout = child.stdout.take().expect("sim stdout");
    let sim = SimProcess(child);
    let mut profit = None;
    let mut control = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line from grootboek sim");
        if let Some(url) = line.strip_prefix("afas profit: ") {
            profit = Some(url.to_string());
        } else if let Some(url) = line.strip_prefix("afas control: ") {
            control = Some(url.to_string());
        }
        if profit.is_some() && control.is_some() {
            break;
        }
    }
    (
        sim,
        profit.expect("grootboek sim printed the AFAS URL"),
        control.expect("grootboek sim printed the control URL"),
    )
}

/// Run `grootboek preflight --vendor afas --live` with only the given environment.
fn preflight(profit: &str, token: &str, journal_count: &str) -> Output {
    let preflight_env = [
        ("ADMINISTRATION", "1"),
        ("JOURNAL", "10"),
        ("ACCOUNT", "8000"),
        ("CUSTOMER", "10001"),
        ("EU_CUSTOMER", "10002"),
        ("EXPORT_CUSTOMER", "10004"),
        ("VAT_HIGH", "1:21"),
        ("VAT_ICP", "4:0"),
        ("VAT_EXPORT", "6:0"),
        ("JOURNAL_COUNT", journal_count),
    ];
    let mut cmd = Command::new(GROOTBOEK);
    cmd.args(["preflight", "--vendor", "afas", "--live"])
        .env_clear()
        .env("GROOTBOEK_AFAS_BASE_URL", profit)
        .env("GROOTBOEK_AFAS_TOKEN", token);
    for (k, v) in preflight_env {
        cmd.env(format!("GROOTBOEK_PREFLIGHT_{k}"), v);
    }
    cmd.output().expect("run grootboek preflight")
}

#[tokio::test]
async fn preflight_live_against_a_separately_started_simulator() {
    let (_sim, profit, control) = start_sim();
    let http = reqwest::Client::new();
    // The "live" administration needs a customer outside the EU; a person would pick one.
    let seeded = http
        .post(format!("{control}/seed"))
        .json(&serde_json::json!({
            "debtors": [{"debtor_id": "10004", "name": "Acme Machinery Inc.", "country": "USA"}]
        }))
        .send()
        .await
        .expect("seed over HTTP");
    assert!(seeded.status().is_success(), "{}", seeded.status());
    let token: serde_json::Value = http
        .get(format!("{control}/token"))
        .send()
        .await
        .expect("token over HTTP")
        .json()
        .await
        .expect("token JSON");
    let token = token["token"]
        .as_str()
        .expect("the AfasToken XML")
        .to_string();

    // The demo environment has three journals (10, 50, 90).
    let out = preflight(&profit, &token, "3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("pre-flight verdict: GO"), "{stdout}");
    for check in ["P1   passed", "P3   passed", "P5   passed"] {
        assert!(stdout.contains(check), "{check} missing:\n{stdout}");
    }
    assert!(stdout.contains("reversed by GBTEST-REV"), "{stdout}");
    assert!(!stdout.contains(&token), "the token must not be printed");

    // What it posted is marked and reversed: every GBTEST entry has its opposite.
    let state: serde_json::Value = http
        .get(format!("{control}/state"))
        .send()
        .await
        .expect("state over HTTP")
        .json()
        .await
        .expect("state JSON");
    let open: Vec<&serde_json::Value> = state["open_items"]
        .as_array()
        .expect("open items")
        .iter()
        .filter(|i| {
            i["invoice_nr"]
                .as_str()
                .is_some_and(|n| n.starts_with("GBTEST"))
        })
        .collect();
    assert!(!open.is_empty(), "the pre-flight posted marked entries");

    // A count that does not match the vendor's own is a NO-GO with a non-zero exit.
    let out = preflight(&profit, &token, "4");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("P3   failed"), "{stdout}");
    assert!(stdout.contains("pre-flight verdict: NO-GO"), "{stdout}");
}
