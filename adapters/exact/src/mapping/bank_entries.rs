//! `financialtransaction/BankEntries` + `BankEntryLines` ⇄ [`BankEntry`].

use std::collections::HashMap;

use grootboek_core::json::JsonOut;
use grootboek_core::{Error, Result};

use crate::model::{BankEntry, BankEntryLine, PostedBankEntry};
use crate::odata::{self, json_number, write_date, Row};

/// The header fields read.
pub const HEADER_SELECT: &[&str] = &["EntryID", "EntryNumber", "JournalCode", "Currency"];

/// Header and line fields with `$expand=BankEntryLines`.
pub const EXPANDED_SELECT: &[&str] = &[
    "EntryID",
    "EntryNumber",
    "JournalCode",
    "Currency",
    "BankEntryLines/ID",
    "BankEntryLines/LineNumber",
    "BankEntryLines/Date",
    "BankEntryLines/AmountFC",
    "BankEntryLines/GLAccount",
    "BankEntryLines/GLAccountCode",
    "BankEntryLines/Account",
    "BankEntryLines/AccountCode",
    "BankEntryLines/Description",
    "BankEntryLines/OurRef",
];

/// The line fields read from a link or the line set.
pub const LINE_SELECT: &[&str] = &[
    "ID",
    "EntryID",
    "LineNumber",
    "Date",
    "AmountFC",
    "GLAccount",
    "GLAccountCode",
    "Account",
    "AccountCode",
    "Description",
    "OurRef",
];

/// The POST body. `gl` maps GL codes to GUIDs, `accounts` customer codes to GUIDs. Amounts are
/// written as exact decimal text ([`json_number`]).
pub fn create_body(
    entry: &BankEntry,
    gl: &HashMap<String, String>,
    accounts: &HashMap<String, String>,
) -> Result<JsonOut> {
    let mut m = JsonOut::object()
        .with("JournalCode", entry.journal.trim())
        .with_opt("Currency", entry.currency.as_ref());
    let mut lines = Vec::new();
    for line in &entry.lines {
        let mut l = JsonOut::object()
            .with("Date", write_date(line.date))
            .with("AmountFC", json_number(line.amount));
        if let Some(code) = &line.gl_account {
            let g = gl.get(code.trim()).ok_or_else(|| {
                Error::validation(format!("GL account {code} does not exist in this division"))
            })?;
            l.insert("GLAccount", g);
        }
        if let Some(code) = &line.customer {
            let a = accounts.get(code.trim()).ok_or_else(|| {
                Error::validation(format!("account {code} does not exist in this division"))
            })?;
            l.insert("Account", a);
        }
        l.insert_opt("Description", line.description.as_ref());
        l.insert_opt("OurRef", line.our_ref);
        lines.push(l.build());
    }
    m.insert("BankEntryLines", JsonOut::Array(lines));
    Ok(m.build())
}

/// Read a bank entry from its header and line rows. Codes are taken from `GLAccountCode` /
/// `AccountCode` when sent, else looked up by GUID in `codes`.
pub fn from_wire(
    division: &str,
    header: &Row,
    lines: &[Row],
    codes: &HashMap<String, String>,
) -> Result<PostedBankEntry> {
    let entry_id = odata::guid(header, "EntryID")
        .ok_or_else(|| Error::protocol("Exact returned a bank entry without `EntryID`"))?;
    let mut sorted: Vec<&Row> = lines.iter().collect();
    sorted.sort_by_key(|l| odata::integer(l, "LineNumber").unwrap_or(i64::MAX));
    let code_of = |code_field: &str, guid_field: &str, row: &Row| {
        odata::string(row, code_field)
            .or_else(|| odata::guid(row, guid_field).and_then(|g| codes.get(&g).cloned()))
    };
    let lines = sorted
        .into_iter()
        .map(|l| {
            Ok(BankEntryLine {
                date: odata::date(l, "Date")?
                    .ok_or_else(|| Error::protocol("a bank entry line has no `Date`"))?,
                amount: odata::decimal(l, "AmountFC")?.unwrap_or_default(),
                gl_account: code_of("GLAccountCode", "GLAccount", l),
                customer: code_of("AccountCode", "Account", l),
                description: odata::string(l, "Description"),
                our_ref: odata::integer(l, "OurRef"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PostedBankEntry {
        entry_number: odata::integer(header, "EntryNumber"),
        entry: BankEntry {
            administration: division.to_string(),
            journal: odata::required_string(header, "JournalCode", "bank entry")?,
            currency: odata::string(header, "Currency"),
            lines,
        },
        entry_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    #[test]
    fn round_trips_a_payment_line() {
        let entry = BankEntry {
            administration: "1".into(),
            journal: "20".into(),
            currency: None,
            lines: vec![BankEntryLine {
                date: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
                amount: dec!(-121),
                gl_account: None,
                customer: Some("C1".into()),
                description: Some("betaling F-1".into()),
                our_ref: Some(26700001),
            }],
        };
        let accounts = HashMap::from([(
            "C1".to_string(),
            "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64".to_string(),
        )]);
        let body = create_body(&entry, &HashMap::new(), &accounts).unwrap();
        let text = body.to_json();
        assert!(text.contains(r#""AmountFC":-121,"#), "{text}");
        assert!(text.contains(r#""OurRef":26700001"#), "{text}");
        let v = odata::parse_json(text.as_bytes()).unwrap();
        assert_eq!(v["BankEntryLines"][0]["AmountFC"], "-121");
        assert_eq!(v["BankEntryLines"][0]["Date"], "2026-03-05T00:00:00");
        let row = |text: &str| odata::parse_single(text.as_bytes()).unwrap().unwrap();
        let header = row(
            r#"{"d":{"EntryID":"5b3debef-9b1c-4bcd-b7ae-003e8d4139df","EntryNumber":1,"JournalCode":"20  "}}"#,
        );
        let line = row(
            r#"{"d":{"LineNumber":1,"Date":"/Date(1772668800000)/","AmountFC":-121.00,"Account":"4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64","Description":"betaling F-1","OurRef":26700001}}"#,
        );
        let codes = HashMap::from([(
            "4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64".to_string(),
            "C1".to_string(),
        )]);
        let back = from_wire("1", &header, &[line], &codes).unwrap();
        assert_eq!(back.entry, entry);
    }
}
