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
    Ok(OpenItem {
        entry: None,
        relation,
        reference,
        date,
        due_date: row.date("ExpDate")?,
        amount: Money::new(row.decimal("AmtInvoice")?.unwrap_or_default(), currency),
        open_amount: Money::new(row.decimal("Balance")?.unwrap_or_default(), currency),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json::parse_lenient;
    use rust_decimal_macros::dec;

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
