//! The vendor-neutral ledger model.

mod administration;
mod dimension;
mod document;
mod entry;
mod open_item;
mod outcome;
mod vat;

pub use administration::{Administration, Journal, JournalKind, ListedAdministration};
pub use dimension::{Dimension, DimensionKind, DimensionPatch};
pub use document::{
    CreditNote, DocumentKind, DocumentPatch, Invoice, PostedDocument, SalesDocument, SalesLine,
};
pub use entry::EntryId;
pub use open_item::OpenItem;
pub use outcome::{ItemOutcome, ItemStatus, WriteReport};
pub use vat::{VatCode, VatKind};
