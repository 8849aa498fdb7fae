//! `grootboek payments propose` run as a person runs it: a bank statement (MT940 or CAMT.053)
//! against open items listed live from the AFAS simulator, or saved from `grootboek open-items`.

#![cfg(feature = "afas")]

use std::path::PathBuf;
use std::process::Output;

use grootboek_sim::afas::AfasSim;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_grootboek");

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("the grootboek binary runs")
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A CAMT.053 statement of `(amount, remittance text)` credits.
fn camt(lines: &[(&str, &str)]) -> String {
    let entries: String = lines
        .iter()
        .enumerate()
        .map(|(n, (amount, text))| {
            format!(
                "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-05-05</Dt></BookgDt>\
<AcctSvcrRef>R{n}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Klant {n}</Nm></Dbtr></RltdPties>\
<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
<Stmt><Acct><Id><IBAN>NL12INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_against_the_afas_simulators_open_items_live_and_saved() {
    let sim = AfasSim::start("127.0.0.1".parse().unwrap()).await.unwrap();
    let token = sim.token_xml();
    let base = sim.base_url();
    let env = [
        ("GROOTBOEK_AFAS_TOKEN", token.as_str()),
        ("GROOTBOEK_AFAS_BASE_URL", base.as_str()),
    ];
    let dir = std::env::temp_dir().join(format!("grootboek-pay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let statement = dir.join("camt.xml");
    std::fs::write(
        &statement,
        camt(&[
            ("1113.56", "Factuur IH000102 bedrijfscatering"),
            ("121.00", "Overboeking"),
            ("50.00", "IH-000101 deel"),
            ("7.77", "Onbekend"),
        ]),
    )
    .unwrap();
    let statement = statement.to_string_lossy().into_owned();
    let out = run(
        &[
            "payments",
            "propose",
            "--vendor",
            "afas",
            "--administration",
            "1",
            &statement,
        ],
        &env,
    )
    .await;
    let live = json_of(&out);
    let p = live["proposals"].as_array().unwrap();
    assert_eq!(p.len(), 4);
    let best = |n: usize| &p[n]["candidates"][0];
    assert_eq!(best(0)["reference"], "IH000102");
    assert_eq!(best(0)["reason"], "invoice_number_pays_in_full");
    assert_eq!(best(1)["reference"], "IH000101");
    assert_eq!(best(1)["reason"], "amount_only");
    assert_eq!(best(2)["reference"], "IH000101");
    assert_eq!(best(2)["reason"], "invoice_number_part_payment");
    assert!(p[3]["candidates"].as_array().unwrap().is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token));

    // The same against a saved `open-items` answer, as a table.
    let out = run(
        &["open-items", "--vendor", "afas", "--administration", "1"],
        &env,
    )
    .await;
    let saved = dir.join("open.json");
    std::fs::write(&saved, &out.stdout).unwrap();
    let out = run(
        &[
            "payments",
            "propose",
            "--vendor",
            "afas",
            "--open-items",
            &saved.to_string_lossy(),
            "--format",
            "table",
            &statement,
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
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(
        table.contains("IH000102") && table.contains("amount_only"),
        "{table}"
    );

    // An MT940 fixture reads too; a broken statement is one line naming the format.
    let out = run(
        &[
            "payments",
            "propose",
            "--vendor",
            "afas",
            "--open-items",
            &saved.to_string_lossy(),
            &fixture("bank/mt940-ing-swift-blocks.sta"),
        ],
        &[],
    )
    .await;
    assert_eq!(json_of(&out)["proposals"].as_array().unwrap().len(), 3);
    let broken = dir.join("broken.xml");
    std::fs::write(&broken, "<Document><BkToCstmrStmt/></Document>").unwrap();
    let out = run(
        &[
            "payments",
            "propose",
            "--vendor",
            "afas",
            "--open-items",
            &saved.to_string_lossy(),
            &broken.to_string_lossy(),
        ],
        &[],
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CAMT.053") && err.contains("Stmt"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
