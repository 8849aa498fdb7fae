//! UpdateConnectors: FiEntries and KnSalesRelationOrg, POST/PUT/DELETE, validation errors.
#![cfg(feature = "afas")]

mod afas_support;

use afas_support::{assert_afas_error, Harness};
use grootboek_sim::afas::{AfasSeed, BlockedPeriod};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// One sales entry element (without the `FiEntryPar` wrapper).
fn sale_element(invoice: &str, debit: &str, revenue: &str, vat: &str) -> String {
    format!(
        r#"{{"Fields":{{"Year":2026,"Peri":2,"UnId":1,"JoCo":"10"}},"Objects":{{"FiEntries":{{"Element":[
        {{"Fields":{{"VaAs":"2","AcNr":"10001","EnDa":"2026-02-03","BpDa":"2026-02-03","InId":"{invoice}","AmDe":{debit},"AmCr":0,"Ds":"Levering"}}}},
        {{"Fields":{{"VaAs":"1","AcNr":"8000","EnDa":"2026-02-03","BpDa":"2026-02-03","AmDe":0,"AmCr":{revenue},"VaId":"1"}}}},
        {{"Fields":{{"VaAs":"1","AcNr":"1510","EnDa":"2026-02-03","BpDa":"2026-02-03","AmDe":0,"AmCr":{vat},"VaId":"1"}}}}]}}}}}}"#
    )
}

fn sale(invoice: &str, debit: &str, revenue: &str, vat: &str) -> String {
    format!(
        r#"{{"FiEntryPar":{{"Element":{}}}}}"#,
        sale_element(invoice, debit, revenue, vat)
    )
}

fn payment(invoice: &str, amount: &str) -> String {
    format!(
        r#"{{"FiEntryPar":{{"Element":{{"Fields":{{"Year":"2026","Peri":"2","UnId":"1","JoCo":"50"}},"Objects":{{"FiEntries":{{"Element":[
        {{"Fields":{{"VaAs":"1","AcNr":"1100","EnDa":"2026-02-20","AmDe":"{amount}","AmCr":"0"}}}},
        {{"Fields":{{"VaAs":"2","AcNr":"10001","EnDa":"2026-02-20","InId":"{invoice}","AmDe":"0","AmCr":"{amount}"}}}}]}}}}}}}}}}"#
    )
}

#[tokio::test]
async fn sales_entry_gets_an_entry_number_and_opens_an_item_until_paid() {
    let h = Harness::start().await;
    // Native numbers with fractions (no float loss) and strings mixed.
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("V2026001", "1210.10", "1000.10", "210.00"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.strict().expect("json");
    assert_eq!(v["results"]["FiEntryPar"]["UnId"], "1");
    assert_eq!(v["results"]["FiEntryPar"]["EnNo"], "1");
    let r2 = h
        .post(
            "/connectors/FiEntries",
            &sale("V2026002", "121", "100", "21"),
        )
        .await;
    assert_eq!(
        r2.strict().expect("json")["results"]["FiEntryPar"]["EnNo"],
        "2"
    );

    let item = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=InvoiceNr&filtervalues=V2026001&operatortypes=1")
        .await
        .rows();
    assert_eq!(item.len(), 1);
    assert_eq!(item[0]["AmtInvoice"], "1210.1");
    assert_eq!(item[0]["Balance"], "1210.1");
    assert_eq!(item[0]["EntryNo"], "1");
    let stored = h.sim.entry(1, 1).expect("entry");
    assert_eq!(stored.lines[0].debit, dec("1210.10"));
    assert_eq!(stored.lines[1].vat_code.as_deref(), Some("1"));
    assert_eq!(stored.lines[0].ledger_account, "1300");

    // Partial payment, then the rest: the item closes and leaves the open-items connector.
    let r = h
        .post("/connectors/FiEntries", &payment("V2026001", "1000.00"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        h.sim.open_item(1, "V2026001").expect("item").open_amount,
        dec("210.10")
    );
    let r = h
        .post("/connectors/FiEntries", &payment("V2026001", "210.10"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let item = h
        .get("/connectors/Profit_Debtor_Invoices?filterfieldids=InvoiceNr&filtervalues=V2026001&operatortypes=1")
        .await
        .rows();
    assert!(item.is_empty(), "a settled invoice no longer appears");
    assert_eq!(h.sim.request_count("FiEntries"), 4);
}

#[tokio::test]
async fn every_line_reads_back_with_its_vat_code() {
    let h = Harness::start().await;
    let r = h
        .post("/connectors/FiEntries", &sale("V1", "121", "100", "21"))
        .await;
    assert_eq!(r.status, 201);
    let rows = h
        .get("/connectors/Profit_Transactions?filterfieldids=EntryNo&filtervalues=1&operatortypes=1&orderbyfieldids=SeqNo")
        .await
        .rows();
    let codes: Vec<_> = rows.iter().map(|r| r["VatCode"].clone()).collect();
    assert_eq!(codes, [serde_json::Value::Null, "1".into(), "1".into()]);
    assert_eq!(rows[0]["DebtorId"], "10001");
    assert_eq!(rows[0]["Description"], "Levering");
}

#[tokio::test]
async fn unbalanced_unknown_account_and_unknown_vat_code_are_refused() {
    let h = Harness::start().await;
    let r = h
        .post("/connectors/FiEntries", &sale("X1", "121", "100", "20"))
        .await;
    assert_afas_error(&r, 500, "not in balance");
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("X2", "121", "100", "21").replace("\"8000\"", "\"9999\""),
        )
        .await;
    assert_afas_error(
        &r,
        500,
        "The entered value for 'Account Number' does not exist",
    );
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("X3", "121", "100", "21").replace("\"VaId\":\"1\"", "\"VaId\":\"77\""),
        )
        .await;
    assert_afas_error(&r, 500, "Btw-code");
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("X4", "121", "100", "21").replace("\"10001\"", "\"99999\""),
        )
        .await;
    assert_afas_error(&r, 500, "does not exist");
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("X5", "121", "100", "21").replace("\"JoCo\":\"10\"", "\"JoCo\":\"77\""),
        )
        .await;
    assert_afas_error(&r, 500, "Dagboek");
    let r = h
        .post(
            "/connectors/FiEntries",
            &sale("X6", "121", "100", "21").replace("2026-02-03", "03-02-2026"),
        )
        .await;
    assert_afas_error(&r, 500, "not a valid date");
    assert!(h.sim.entries().is_empty());
}

#[tokio::test]
async fn blocked_period_is_refused() {
    let h = Harness::start().await;
    h.sim
        .seed(AfasSeed {
            blocked_periods: vec![BlockedPeriod {
                unit_id: 1,
                year: 2026,
                period: 2,
            }],
            ..AfasSeed::default()
        })
        .expect("seed");
    let r = h
        .post("/connectors/FiEntries", &sale("B1", "121", "100", "21"))
        .await;
    assert_afas_error(&r, 500, "period 2 of the year 2026 is blocked");
}

#[tokio::test]
async fn wrong_root_bad_json_and_put_are_refused() {
    let h = Harness::start().await;
    let body = sale("R1", "121", "100", "21").replace("FiEntryPar", "FiEntries");
    assert_afas_error(
        &h.post("/connectors/FiEntries", &body).await,
        500,
        "FiEntryPar",
    );
    let r = h.post("/connectors/FiEntries", "{not json").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.strict().expect("json")["message"], "Invalid json");
    let r = h
        .put("/connectors/FiEntries", &sale("R2", "121", "100", "21"))
        .await;
    assert_afas_error(&r, 500, "PUT");
    assert_afas_error(
        &h.post("/connectors/KnPerson", "{}").await,
        500,
        "UpdateConnector",
    );
}

#[tokio::test]
async fn several_elements_in_one_call_are_all_or_nothing() {
    let h = Harness::start().await;
    let good_two = format!(
        r#"{{"FiEntryPar":{{"Element":[{},{}]}}}}"#,
        sale_element("M1", "121", "100", "21"),
        sale_element("M2", "242", "200", "42")
    );
    let r = h.post("/connectors/FiEntries", &good_two).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.strict().expect("json");
    assert_eq!(
        v["results"]["FiEntryPar"].as_array().expect("array").len(),
        2
    );
    let bad_two = format!(
        r#"{{"FiEntryPar":{{"Element":[{},{}]}}}}"#,
        sale_element("M3", "121", "100", "21"),
        sale_element("M4", "1", "100", "21")
    );
    let r = h.post("/connectors/FiEntries", &bad_two).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        h.sim.entries().len(),
        2,
        "the valid element of a failed call is not stored"
    );
}

#[tokio::test]
async fn delete_entry_by_number_and_by_invoice() {
    let h = Harness::start().await;
    assert_eq!(
        h.post("/connectors/FiEntries", &sale("D1", "121", "100", "21"))
            .await
            .status,
        201
    );
    assert_eq!(
        h.post("/connectors/FiEntries", &sale("D2", "121", "100", "21"))
            .await
            .status,
        201
    );
    let r = h
        .delete("/connectors/FiEntries/FiEntryPar/UnId,JoCo/1,10/FiEntries/@EnNo/1")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.is_empty());
    assert!(h.sim.entry(1, 1).is_none());
    assert!(h.sim.open_item(1, "D1").is_none());
    let r = h
        .delete("/connectors/FiEntries/FiEntryPar/UnId%2CJoCo/1%2C10/FiEntries/InId/D2")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(h.sim.entries().is_empty());
    let r = h
        .delete("/connectors/FiEntries/FiEntryPar/UnId,JoCo/1,10/FiEntries/@EnNo/1")
        .await;
    assert_afas_error(&r, 500, "does not exist");
    // A paid invoice's entry cannot be deleted; deleting the payment reopens it.
    assert_eq!(
        h.post("/connectors/FiEntries", &sale("D3", "121", "100", "21"))
            .await
            .status,
        201
    );
    assert_eq!(
        h.post("/connectors/FiEntries", &payment("D3", "121"))
            .await
            .status,
        201
    );
    let r = h
        .delete("/connectors/FiEntries/FiEntryPar/UnId,JoCo/1,10/FiEntries/@EnNo/3")
        .await;
    assert_afas_error(&r, 500, "settled");
    let r = h
        .delete("/connectors/FiEntries/FiEntryPar/UnId,JoCo/1,50/FiEntries/@EnNo/4")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        h.sim.open_item(1, "D3").expect("item").open_amount,
        dec("121")
    );
}

const NEW_DEBTOR: &str = r#"{"KnSalesRelationOrg":{"Element":{"Fields":{"IsDb":true,"PaCd":"14","CuId":"EUR","ColA":"1300","InPv":"E","VaId":"DE811907980","VaDu":"1"},"Objects":[{"KnOrganisation":{"Element":{"Fields":{"PadAdr":false,"AutoNum":true,"MatchOga":"6","SeNm":"HAFEN","Nm":"Hafen GmbH"},"Objects":{"KnBasicAddressAdr":{"Element":{"Fields":{"PbAd":false,"Ad":"Hafenstrasse","HmNr":"7","ZpCd":"20457","CoId":"D","Rs":"Hamburg","ResZip":false}}}}}}}]}}}"#;

#[tokio::test]
async fn debtor_post_put_delete() {
    let h = Harness::start().await;
    let r = h.post("/connectors/KnSalesRelationOrg", NEW_DEBTOR).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.strict().expect("json")["results"]["KnSalesRelationOrg"]["DbId"]
        .as_str()
        .expect("DbId")
        .to_string();
    assert_eq!(id, "10004", "auto-numbered after the highest debtor");
    let d = h.sim.debtor(&id).expect("stored");
    assert_eq!(
        d.vat_number.as_deref(),
        Some("DE811907980"),
        "VaId is the VAT number here"
    );
    assert_eq!(d.country.as_deref(), Some("D"));
    assert_eq!(d.house_number.as_deref(), Some("7"));

    // PUT changes only what is sent.
    let r = h
        .put("/connectors/KnSalesRelationOrg", &format!(r#"{{"KnSalesRelationOrg":{{"Element":{{"@DbId":"{id}","Fields":{{"Bl":true}}}}}}}}"#))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = h.sim.debtor(&id).expect("stored");
    assert!(d.blocked);
    assert_eq!(d.name.as_deref(), Some("Hafen GmbH"));

    // Taken number on POST, unknown on PUT.
    let dup = NEW_DEBTOR.replace(r#""Fields":{"IsDb""#, r#""@DbId":"10001","Fields":{"IsDb""#);
    assert_afas_error(
        &h.post("/connectors/KnSalesRelationOrg", &dup).await,
        500,
        "already exists",
    );
    let r = h
        .put(
            "/connectors/KnSalesRelationOrg",
            r#"{"KnSalesRelationOrg":{"Element":{"@DbId":"55555","Fields":{"Bl":true}}}}"#,
        )
        .await;
    assert_afas_error(&r, 500, "does not exist");

    let r = h
        .delete(&format!(
            "/connectors/KnSalesRelationOrg/KnSalesRelationOrg/@DbId/{id}"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(h.sim.debtor(&id).is_none());
    let r = h
        .delete("/connectors/KnSalesRelationOrg/KnSalesRelationOrg/DbId/10001")
        .await;
    assert_afas_error(&r, 500, "cannot be deleted");
}

#[tokio::test]
async fn iso_country_codes_are_not_afas_codes() {
    let h = Harness::start().await;
    let iso = NEW_DEBTOR.replace(r#""CoId":"D""#, r#""CoId":"DE""#);
    let r = h.post("/connectors/KnSalesRelationOrg", &iso).await;
    assert_afas_error(&r, 500, "The entered value for 'Land' does not exist: 'DE'");
    assert!(h.sim.debtor("10004").is_none());
    let too_long = NEW_DEBTOR.replace("DE811907980", "DE8119079801234567890123");
    assert_afas_error(
        &h.post("/connectors/KnSalesRelationOrg", &too_long).await,
        500,
        "too long",
    );
}
