//! Sales documents: invoices and credit notes, their lines, posted documents and patches.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::EntryId;
use crate::money::{Currency, Money};
use crate::patch::Patch;

/// Whether a sales document is an invoice or a credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A sales invoice (Exact Type 20).
    Invoice,
    /// A credit note (Exact Type 21).
    CreditNote,
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit note",
        })
    }
}

/// One line of a sales document. Amounts are positive on both invoices and credit notes: the
/// document's kind says which way they go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesLine {
    /// Revenue ledger account code.
    pub account: String,
    /// Line description.
    pub description: String,
    /// Amount before VAT.
    pub net_amount: Decimal,
    /// VAT code of the administration; required for zero-rate intra-community lines (Q02).
    pub vat_code: Option<String>,
    /// VAT percentage (21 for 21 %).
    pub vat_rate: Decimal,
    /// VAT amount.
    pub vat_amount: Decimal,
    /// Cost centre code, if any.
    pub cost_centre: Option<String>,
    /// Project code, if any.
    pub project: Option<String>,
}

impl SalesLine {
    /// A line with VAT computed from the rate and rounded to cents, half away from zero.
    pub fn new(
        account: impl Into<String>,
        description: impl Into<String>,
        net_amount: Decimal,
        vat_code: Option<&str>,
        vat_rate: Decimal,
    ) -> Self {
        let vat_amount = (net_amount * vat_rate / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        Self {
            account: account.into(),
            description: description.into(),
            net_amount,
            vat_code: vat_code.map(str::to_string),
            vat_rate,
            vat_amount,
            cost_centre: None,
            project: None,
        }
    }

    /// Net plus VAT.
    pub fn gross_amount(&self) -> Decimal {
        self.net_amount + self.vat_amount
    }
}

/// A sales document as written: header and lines. [`Invoice`] and [`CreditNote`] wrap it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDocument {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// The administration code (office, division, administration).
    pub administration: String,
    /// The sales journal (day book) code.
    pub journal: String,
    /// The customer code.
    pub customer: String,
    /// The document reference (invoice number; Exact `YourRef`, Twinfield `invoicenumber`).
    pub reference: String,
    /// Header description.
    pub description: Option<String>,
    /// The document date: a civil date in Europe/Amsterdam (Q14).
    pub date: NaiveDate,
    /// The due date.
    pub due_date: Option<NaiveDate>,
    /// The document currency.
    pub currency: Currency,
    /// The lines, at least one.
    pub lines: Vec<SalesLine>,
    /// For a credit note: the invoice it credits, if known.
    pub credits: Option<EntryId>,
}

impl SalesDocument {
    /// Sum of the lines' net amounts.
    pub fn net_total(&self) -> Money {
        Money::new(self.lines.iter().map(|l| l.net_amount).sum(), self.currency)
    }

    /// Sum of the lines' VAT amounts.
    pub fn vat_total(&self) -> Money {
        Money::new(self.lines.iter().map(|l| l.vat_amount).sum(), self.currency)
    }

    /// Net plus VAT over all lines.
    pub fn gross_total(&self) -> Money {
        Money::new(
            self.lines.iter().map(SalesLine::gross_amount).sum(),
            self.currency,
        )
    }

    /// Gross total with the sign a ledger sees: positive for invoices, negative for credit notes.
    pub fn signed_gross_total(&self) -> Money {
        let g = self.gross_total();
        match self.kind {
            DocumentKind::Invoice => g,
            DocumentKind::CreditNote => Money::new(-g.amount, g.currency),
        }
    }
}

/// A sales invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SalesDocument", into = "SalesDocument")]
pub struct Invoice(SalesDocument);

/// A credit note, optionally naming the invoice it credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SalesDocument", into = "SalesDocument")]
pub struct CreditNote(SalesDocument);

macro_rules! document_wrapper {
    ($ty:ident, $kind:expr, $name:literal) => {
        impl $ty {
            #[doc = concat!("A new ", $name, " with no lines yet.")]
            pub fn new(
                administration: impl Into<String>,
                journal: impl Into<String>,
                customer: impl Into<String>,
                reference: impl Into<String>,
                date: NaiveDate,
            ) -> Self {
                Self(SalesDocument {
                    kind: $kind,
                    administration: administration.into(),
                    journal: journal.into(),
                    customer: customer.into(),
                    reference: reference.into(),
                    description: None,
                    date,
                    due_date: None,
                    currency: Currency::EUR,
                    lines: Vec::new(),
                    credits: None,
                })
            }

            /// Add a line.
            pub fn with_line(mut self, line: SalesLine) -> Self {
                self.0.lines.push(line);
                self
            }

            /// Set the header description.
            pub fn with_description(mut self, description: impl Into<String>) -> Self {
                self.0.description = Some(description.into());
                self
            }

            /// Set the due date.
            pub fn with_due_date(mut self, due: NaiveDate) -> Self {
                self.0.due_date = Some(due);
                self
            }

            /// Set the currency.
            pub fn with_currency(mut self, currency: Currency) -> Self {
                self.0.currency = currency;
                self
            }

            /// The document.
            pub fn document(&self) -> &SalesDocument {
                &self.0
            }

            /// The document, mutably (its kind cannot be changed through the wrapper's API).
            pub fn document_mut(&mut self) -> &mut SalesDocument {
                &mut self.0
            }

            /// Unwrap the document.
            pub fn into_document(self) -> SalesDocument {
                self.0
            }
        }

        impl TryFrom<SalesDocument> for $ty {
            type Error = Error;
            fn try_from(doc: SalesDocument) -> Result<Self> {
                if doc.kind == $kind {
                    Ok(Self(doc))
                } else {
                    Err(Error::validation(format!(
                        "expected a {} but the document is a {}",
                        $kind, doc.kind
                    )))
                }
            }
        }

        impl From<$ty> for SalesDocument {
            fn from(w: $ty) -> SalesDocument {
                w.0
            }
        }

        impl std::ops::Deref for $ty {
            type Target = SalesDocument;
            fn deref(&self) -> &SalesDocument {
                &self.0
            }
        }
    };
}

document_wrapper!(Invoice, DocumentKind::Invoice, "invoice");
document_wrapper!(CreditNote, DocumentKind::CreditNote, "credit note");

impl CreditNote {
    /// Name the invoice this credit note credits.
    pub fn crediting(mut self, invoice: EntryId) -> Self {
        self.0.credits = Some(invoice);
        self
    }
}

/// A posted sales document as read from the vendor: its identity, the document and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedDocument {
    /// The vendor's identity of the entry.
    pub id: EntryId,
    /// The document as the vendor holds it.
    pub document: SalesDocument,
    /// The vendor's status text (Exact `Status`, Twinfield `destiny`/status, AFAS state), raw.
    pub status: Option<String>,
}

/// A partial change of a posted sales document; each field kept, cleared or set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentPatch {
    /// New header description.
    #[serde(default)]
    pub description: Patch<String>,
    /// New due date.
    #[serde(default)]
    pub due_date: Patch<NaiveDate>,
}

impl DocumentPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.description.is_keep() && self.due_date.is_keep()
    }

    /// Apply the patch to a document, giving what the vendor should then hold.
    pub fn apply_to(&self, doc: &SalesDocument) -> SalesDocument {
        SalesDocument {
            description: self.description.apply(doc.description.clone()),
            due_date: self.due_date.apply(doc.due_date),
            ..doc.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn line_vat_rounds_half_away_from_zero() {
        let l = SalesLine::new("8000", "x", dec!(10.05), Some("VH"), dec!(21));
        assert_eq!(l.vat_amount, dec!(2.11)); // 2.1105
        let l = SalesLine::new("8000", "x", dec!(0.50), Some("VH"), dec!(21));
        assert_eq!(l.vat_amount, dec!(0.11)); // 0.105
    }

    #[test]
    fn totals_and_signs() {
        let inv = Invoice::new("1", "70", "C1", "F-1", d(2026, 1, 2))
            .with_line(SalesLine::new("8000", "a", dec!(100), Some("VH"), dec!(21)))
            .with_line(SalesLine::new("8000", "b", dec!(50), Some("VL"), dec!(9)));
        assert_eq!(inv.gross_total().amount, dec!(175.50));
        let cn: CreditNote = {
            let mut doc = inv.clone().into_document();
            doc.kind = DocumentKind::CreditNote;
            doc.try_into().unwrap()
        };
        assert_eq!(cn.signed_gross_total().amount, dec!(-175.50));
        assert!(Invoice::try_from(cn.into_document()).is_err());
    }

    #[test]
    fn patch_applies_tri_state() {
        let inv = Invoice::new("1", "70", "C1", "F-1", d(2026, 1, 2))
            .with_description("old")
            .with_due_date(d(2026, 2, 1));
        let p = DocumentPatch {
            description: Patch::Clear,
            due_date: Patch::Keep,
        };
        let out = p.apply_to(&inv);
        assert_eq!(out.description, None);
        assert_eq!(out.due_date, Some(d(2026, 2, 1)));
    }
}
