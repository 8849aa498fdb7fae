//! `Profit_Debtor_Invoices` (open items of debtors) rows → core open items.

use grootboek_core::{Currency, Money, OpenItem, Result};

use crate::wire::row::Row;

/// One open item. `AmtInvoice` and `Balance` are in the administration's currency; the open
/// amount is `Balance` (cash), never a status flag (Q06).
pub fn open_item_from_row(row: &Row, currency: Currency) -> Result<OpenItem> {
    let relation = row.required_text("DebtorId", "open item")?;
    let reference = row.required_text("InvoiceNr", "open item")?;
    let date = row.date("NookPieceDate")?.ok_or_else(|| {
        grootboek_core::Error::protocol(format!("open item {reference} has no NookPieceDate"))
    })?;
    // Both amounts are needed: a missing one is an error naming it (R04), never 0.00.
    let open = row.required_decimal("Balance", "open item")?;
    let amount = row.required_decimal("AmtInvoice", "open item")?;
    Ok(OpenItem {
        entry: None,
        relation,
        reference,
        date,
        due_date: row.date("ExpDate")?,
        amount: Money::new(amount, currency),
        open_amount: Money::new(open, currency),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json::parse_lenient;
    use rust_decimal_macros::dec;

    #[test]
    fn r04_a_row_without_its_amounts_is_an_error_naming_the_field() {
        for (row, missing) in [
            (
                r#"{"DebtorId":"10001","InvoiceNr":"IH1","NookPieceDate":"2026-01-05T00:00:00Z","AmtInvoice":121}"#,
                "Balance",
            ),
            (
                r#"{"DebtorId":"10001","InvoiceNr":"IH1","NookPieceDate":"2026-01-05T00:00:00Z","Balance":121}"#,
                "AmtInvoice",
            ),
            (
                r#"{"DebtorId":"10001","InvoiceNr":"IH1","NookPieceDate":"2026-01-05T00:00:00Z","AmtInvoice":121,"Balance":null}"#,
                "Balance",
            ),
        ] {
            let v = parse_lenient(row).unwrap();
            let row = Row(v.as_object().cloned().unwrap());
            let e = open_item_from_row(&row, Currency::EUR).unwrap_err();
            assert_eq!(*e.kind(), grootboek_core::ErrorKind::Protocol);
            assert!(e.to_string().contains(&format!("`{missing}`")), "{e}");
        }
    }

    #[test]
    fn constructed_row_with_legacy_decimal() {
        let v = parse_lenient(r#"{"UnitId":1,"DebtorId":"10004","InvoiceNr":"IH001057X","NookPieceDate":"2024-01-01T00:00:00Z","ExpDate":"2024-02-01T00:00:00Z","CurrencyId":"EUR","AmtInvoice":121.0,"AmtInvoiceCurr":121.0,"Balance":-.5,"BalanceCurr":-.5,"Description":null}"#).unwrap();
        let row = Row(v.as_object().cloned().unwrap_or_default());
        let o = open_item_from_row(&row, Currency::EUR).unwrap();
        assert_eq!(o.amount.amount, dec!(121.0));
        assert_eq!(o.open_amount.amount, dec!(-0.5));
        assert_eq!(o.date.to_string(), "2024-01-01");
        assert_eq!(
            o.due_date.map(|d| d.to_string()).as_deref(),
            Some("2024-02-01")
        );
    }
}
