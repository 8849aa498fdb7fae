//! GetConnector paging, filtering, sorting and value formats.
#![cfg(feature = "afas")]

mod afas_support;

use afas_support::{assert_afas_error, Harness};
use chrono::{TimeZone, Utc};
use grootboek_sim::afas::{AfasSeed, BulkOpenItems};
use serde_json::Value;

fn nrs(rows: &[Value], field: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r[field].as_str().unwrap_or("<null>").to_string())
        .collect()
}

#[tokio::test]
async fn default_take_is_100_and_echoed() {
    let h = Harness::start().await;
    h.sim.seed_open_items(150, BulkOpenItems::default());
    let r = h.get("/connectors/Profit_Debtor_Invoices").await;
    assert_eq!(r.status, 200);
    let v = r.lenient();
    assert_eq!(v["skip"], "0");
    assert_eq!(v["take"], "100");
    assert_eq!(r.rows().len(), 100);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?skip=100&take=1000&orderbyfieldids=InvoiceNr")
        .await;
    assert_eq!(r.lenient()["take"], "1000");
    assert_eq!(r.rows().len(), 53);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?skip=-1&take=-1")
        .await;
    assert_eq!(r.rows().len(), 153);
}

#[tokio::test]
async fn invalid_skip_take_combination_is_a_500() {
    let h = Harness::start().await;
    for q in ["skip=2&take=-1", "skip=0&take=0", "take=abc"] {
        let r = h.get(&format!("/connectors/Profit_Debtor?{q}")).await;
        assert_afas_error(&r, 500, "An unexpected error has occurred.");
    }
    // Non-numeric skip counts as 0.
    assert_eq!(
        h.get("/connectors/Profit_Debtor?skip=x").await.rows().len(),
        3
    );
}

#[tokio::test]
async fn filters_and_or_and_sorting() {
    let h = Harness::start().await;
    // AND: DebtorId = 10001 and Balance > 200.
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId,Balance&filtervalues=10001,200&operatortypes=1,4")
        .await;
    assert_eq!(nrs(&r.rows(), "InvoiceNr"), ["IH000102"]);
    // OR: DebtorId = 10002 ; InvoiceNr = IH000101, sorted descending.
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId;InvoiceNr&filtervalues=10002;IH000101&operatortypes=1;1&orderbyfieldids=-InvoiceNr")
        .await;
    assert_eq!(nrs(&r.rows(), "InvoiceNr"), ["IH000103", "IH000101"]);
    // Contains with and without % wildcards, case-insensitive.
    for v in ["korenschoof", "%Korenschoof%"] {
        let r = h
            .get(&format!("/connectors/Profit_Debtor?filterfieldids=DebtorName&filtervalues={v}&operatortypes=6"))
            .await;
        assert_eq!(nrs(&r.rows(), "DebtorId"), ["10001"]);
    }
    // Is empty (8) needs a value, may be "".
    let r = h
        .get("/connectors/Profit_Debtor?filterfieldids=Email&filtervalues=%22%22&operatortypes=8")
        .await;
    assert_eq!(r.rows().len(), 3);
    // Date filter without Z works; with Z is refused.
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=NookPieceDate&filtervalues=2026-01-10T00:00:00&operatortypes=2&orderbyfieldids=NookPieceDate")
        .await;
    assert_eq!(nrs(&r.rows(), "InvoiceNr"), ["IH000102", "IH000103"]);
    let r = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=NookPieceDate&filtervalues=2026-01-10T00:00:00Z&operatortypes=2")
        .await;
    assert_afas_error(&r, 500, "time zone");
}

#[tokio::test]
async fn filterjson_is_understood() {
    let h = Harness::start().await;
    let json = r##"{"Filters":{"Filter":[{"@FilterId":"Filter 1","Field":[{"@FieldId":"DebtorId","@OperatorType":"1","#text":"10003"}]},{"@FilterId":"Filter 2","Field":{"@FieldId":"DebtorName","@OperatorType":"10","#text":"Mach"}}]}}"##;
    let url = format!(
        "/connectors/Profit_Debtor?orderbyfieldids=DebtorId&filterjson={}",
        json.replace('#', "%23")
            .replace(' ', "%20")
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('"', "%22")
    );
    let r = h.get(&url).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(nrs(&r.rows(), "DebtorId"), ["10002", "10003"]);
}

#[tokio::test]
async fn unknown_fields_and_connectors_are_refused() {
    let h = Harness::start().await;
    let r = h
        .get("/connectors/Profit_Debtor?orderbyfieldids=Nope")
        .await;
    assert_afas_error(&r, 500, "Connector field 'Nope' not found");
    let r = h
        .get("/connectors/Profit_Debtor?filterfieldids=Nope&filtervalues=1&operatortypes=1")
        .await;
    assert_afas_error(&r, 500, "not found");
    let r = h
        .get("/connectors/Profit_Debtor?filterfieldids=DebtorId,DebtorName&filtervalues=1&operatortypes=1")
        .await;
    assert_afas_error(&r, 500, "unexpected");
    assert_afas_error(
        &h.get("/connectors/Profit_Nothing").await,
        500,
        "not supported",
    );
}

#[tokio::test]
async fn long_query_string_is_a_404() {
    let h = Harness::start().await;
    let value = "x".repeat(2100);
    let r = h
        .get(&format!("/connectors/Profit_Debtor?filterfieldids=DebtorName&filtervalues={value}&operatortypes=6"))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn datetimes_carry_a_z_that_is_amsterdam_time_and_empties_are_null() {
    let h = Harness::start().await;
    // 10:00 UTC in July is 12:00 in Amsterdam: AFAS writes 12:00 with a Z.
    h.sim.core().clock.set(
        Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
            .single()
            .expect("time"),
    );
    let r = h
        .post(
            "/connectors/KnSalesRelationOrg",
            r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"30001","Fields":{"CuId":"EUR"},"Objects":{"KnOrganisation":{"Element":{"Fields":{"Nm":"Tijd BV"}}}}}}}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rows = h
        .get("/connectors/Profit_Debtor?filterfieldids=DebtorId&filtervalues=30001&operatortypes=1")
        .await
        .rows();
    assert_eq!(rows[0]["CreateDate"], "2026-07-01T12:00:00Z");
    assert_eq!(rows[0]["Email"], Value::Null);
    assert_eq!(rows[0]["AdressLine1"], Value::Null);
    assert!(
        rows[0].as_object().expect("row").contains_key("TelNr"),
        "empty fields are present"
    );
}

#[tokio::test]
async fn current_decimals_by_default_and_profit6_decimals_behind_a_switch() {
    let h = Harness::start().await;
    let url = "/connectors/Profit_Debtor_Invoices?filterfieldids=DebtorId&filtervalues=10002&operatortypes=1";
    let r = h.get(url).await;
    assert!(r.text.contains("\"Balance\":-0.5"), "{}", r.text);
    assert_eq!(r.strict().expect("strict json")["rows"][0]["Balance"], -0.5);
    let r = h
        .control("/__sim/seed", serde_json::json!({"legacy_decimals": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Profit 6 wrote `-.5`: a strict JSON parser (a naive client) cannot read the answer.
    let r = h.get(url).await;
    assert!(r.text.contains("\"Balance\":-.5"), "{}", r.text);
    assert!(r.strict().is_err());
}

#[tokio::test]
async fn master_data_connectors_serve_seeded_rows() {
    let h = Harness::start().await;
    let vat = h
        .get("/connectors/Profit_VAT_code?orderbyfieldids=VatCode")
        .await
        .rows();
    assert_eq!(nrs(&vat, "VatCode"), ["0", "1", "2", "4", "5", "6"]);
    assert_eq!(vat[1]["VatPerc"], "21");
    assert_eq!(vat[3]["VatMethod"], "ICP");
    let acc = h
        .get("/connectors/Profit_Accounts?filterfieldids=Type&filtervalues=W&operatortypes=1&orderbyfieldids=Account")
        .await
        .rows();
    assert_eq!(
        nrs(&acc, "Account"),
        ["8000", "8010", "8100", "8200", "8900"]
    );
    let journals = h.get("/connectors/Profit_Journals").await.rows();
    assert_eq!(nrs(&journals, "JournalId"), ["10", "50", "90"]);
    let admins = h.get("/connectors/Profit_Administrations").await.rows();
    assert_eq!(admins[0]["AdminId"], "1");
    let seeded = h.sim.seed(AfasSeed {
        journals: vec![grootboek_sim::afas::Journal {
            unit_id: 1,
            journal_id: "20".into(),
            description: "Inkoop".into(),
            journal_type: "Inkoop".into(),
            blocked: false,
        }],
        ..AfasSeed::default()
    });
    assert_eq!(seeded.expect("seed").journals, 1);
    assert_eq!(h.get("/connectors/Profit_Journals").await.rows().len(), 4);
}
