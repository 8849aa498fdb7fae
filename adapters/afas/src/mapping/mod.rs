//! Wire ⇄ core model, one module per AFAS object.

pub mod debtor;
pub mod entry;
pub mod open_item;
pub mod reference;
