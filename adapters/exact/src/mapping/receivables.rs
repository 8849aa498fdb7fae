//! `read/financial/ReceivablesList` → [`OpenItem`]: open receivables with the open amount as
//! Exact computes it from cash (payments matched to the invoice), never from a status flag (Q06).

use grootboek_core::{Currency, EntryId, Error, Money, OpenItem, Result, Vendor};

use crate::odata::{self, Row};

/// The fields read.
pub const SELECT: &[&str] = &[
    "HID",
    "Id",
    "AccountCode",
    "AccountId",
    "Amount",
    "CurrencyCode",
    "DueDate",
    "EntryNumber",
    "InvoiceDate",
    "InvoiceNumber",
    "JournalCode",
    "YourRef",
];

/// Read one open item. `original` is the entry's full amount (VAT included, negative for a
/// credit note) when the caller knows it; otherwise the open amount stands for it.
pub fn from_wire(
    division: &str,
    row: &Row,
    original: Option<rust_decimal::Decimal>,
) -> Result<OpenItem> {
    let open = odata::decimal(row, "Amount")?
        .ok_or_else(|| Error::protocol("an open receivable has no `Amount`"))?;
    let currency = match odata::string(row, "CurrencyCode") {
        Some(c) => c.parse()?,
        None => Currency::EUR,
    };
    let journal = odata::string(row, "JournalCode")
        .ok_or_else(|| Error::protocol("an open receivable has no `JournalCode`"))?;
    let entry =
        odata::guid(row, "Id").map(|id| EntryId::new(Vendor::Exact, division, &journal, id));
    let reference = odata::string(row, "YourRef")
        .or_else(|| odata::integer(row, "InvoiceNumber").map(|n| n.to_string()))
        .or_else(|| odata::integer(row, "EntryNumber").map(|n| n.to_string()))
        .unwrap_or_default();
    let date = odata::date(row, "InvoiceDate")?
        .ok_or_else(|| Error::protocol("an open receivable has no `InvoiceDate`"))?;
    Ok(OpenItem {
        entry,
        relation: odata::string(row, "AccountCode")
            .ok_or_else(|| Error::protocol("an open receivable has no `AccountCode`"))?,
        reference,
        date,
        due_date: odata::date(row, "DueDate")?,
        amount: Money::new(original.unwrap_or(open).normalize(), currency),
        open_amount: Money::new(open.normalize(), currency),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn r04_a_receivable_without_a_needed_field_is_an_error_naming_it() {
        let full = r#"{"HID":"1","Id":"c00ee12c-2b39-4e84-b332-54a3c722e5dd","AccountCode":"                 8","Amount":1234.56,
            "CurrencyCode":"EUR","InvoiceDate":"/Date(1772409600000)/","JournalCode":"70","YourRef":"F-1"}"#;
        assert!(from_wire("1", &odata::test_row(full), None).is_ok());
        for field in ["Amount", "AccountCode", "JournalCode", "InvoiceDate"] {
            let without = full.replace(&format!("\"{field}\""), "\"Other\"");
            let e = from_wire("1", &odata::test_row(&without), None).unwrap_err();
            assert_eq!(*e.kind(), grootboek_core::ErrorKind::Protocol);
            assert!(
                e.to_string().contains(&format!("`{field}`")),
                "{field}: {e}"
            );
        }
    }

    #[test]
    fn reads_open_amount_from_the_list() {
        let row: Row = odata::test_row(
            r#"{"HID":"1","Id":"c00ee12c-2b39-4e84-b332-54a3c722e5dd","AccountCode":"                 8","Amount":1234.56,
                "CurrencyCode":"EUR","DueDate":"/Date(1775001600000)/","EntryNumber":26700001,"InvoiceDate":"/Date(1772409600000)/",
                "InvoiceNumber":26700001,"JournalCode":"70","YourRef":null}"#,
        );
        let item = from_wire("1", &row, Some(dec!(2000))).unwrap();
        assert_eq!(item.relation, "8");
        assert_eq!(item.open_amount.amount, dec!(1234.56));
        assert_eq!(item.amount.amount, dec!(2000));
        // Without `YourRef` the invoice number (a JSON number, read as text) is the reference.
        assert_eq!(item.reference, "26700001");
        assert!(item.is_open());
    }
}
