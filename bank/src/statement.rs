//! The neutral bank statement.

use chrono::NaiveDate;
use grootboek_core::Currency;
use rust_decimal::Decimal;
use serde::Serialize;

/// One account's statement: its lines in the bank's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankStatement {
    /// The account as the bank names it (an IBAN, or the MT940 `:25:` account identification).
    pub account: String,
    /// The statement's currency.
    pub currency: Currency,
    /// The booked lines.
    pub lines: Vec<BankLine>,
}

/// One booked bank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankLine {
    /// The booking date (MT940 entry date, else value date; CAMT `BookgDt`, else `ValDt`).
    pub date: NaiveDate,
    /// Signed: positive is money in (a customer paying), negative money out.
    pub amount: Decimal,
    /// The line's currency.
    pub currency: Currency,
    /// The counterparty's name, when the bank gives it.
    pub counterparty_name: Option<String>,
    /// The counterparty's IBAN, when the bank gives it.
    pub counterparty_iban: Option<String>,
    /// A structured payment reference (a Dutch betalingskenmerk, an ISO creditor reference),
    /// when the payer gave one.
    pub payment_reference: Option<String>,
    /// The payer's end-to-end reference, when given.
    pub end_to_end_id: Option<String>,
    /// The unstructured remittance text / description, as the bank wrote it.
    pub description: String,
    /// The bank's own reference of the line, when given.
    pub bank_reference: Option<String>,
}
