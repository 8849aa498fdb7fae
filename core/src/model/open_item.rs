//! Open receivables and payables.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::EntryId;
use crate::money::Money;

/// An open receivable (or payable) with its amount and what is still open, decided from cash
/// (amounts), never from a match-status flag (Q06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    /// The entry it belongs to, when the vendor names one.
    pub entry: Option<EntryId>,
    /// The customer (or supplier) code.
    pub relation: String,
    /// The invoice number / document reference.
    pub reference: String,
    /// The document date.
    pub date: NaiveDate,
    /// The due date, if any.
    pub due_date: Option<NaiveDate>,
    /// The original amount, VAT included; negative for credit notes.
    pub amount: Money,
    /// What is still open; zero when paid.
    pub open_amount: Money,
}

impl OpenItem {
    /// Whether anything is still open.
    pub fn is_open(&self) -> bool {
        !self.open_amount.amount.is_zero()
    }
}
