//! Administrations (Twinfield offices, Exact divisions, AFAS administrations) and their journals.

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::money::Currency;

/// One set of books: a Twinfield office, an Exact Online division, an AFAS administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administration {
    /// The vendor's code (Twinfield office code, Exact division number, AFAS administration id).
    pub code: String,
    /// Display name.
    pub name: String,
    /// The country the administration files VAT in (decides what counts as intra-community).
    pub country: CountryCode,
    /// The administration's base currency.
    pub currency: Currency,
}

/// What a journal (day book) is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    /// Sales invoices and credit notes.
    Sales,
    /// Purchase invoices.
    Purchase,
    /// Bank statements.
    Bank,
    /// Cash.
    Cash,
    /// General journal entries (memorial).
    General,
    /// Anything else the vendor has.
    Other,
}

/// A journal (Twinfield day book, Exact journal, AFAS dagboek).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The vendor's code (`VRK`, `70`, …).
    pub code: String,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub kind: JournalKind,
}

/// An administration as a listing names it (`grootboek decode --kind administrations`): the
/// Twinfield office list, Exact's `system/Divisions` or `hrm/Divisions`, AFAS's environment.
/// A listing that does not carry the country or currency leaves them `None` — it never guesses;
/// [`Administration`] from a connection fills them from what the connection was configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedAdministration {
    /// The vendor's code (Twinfield office code, Exact division number, AFAS administration id).
    pub code: String,
    /// Display name, as the vendor sent it.
    pub name: String,
    /// The country, when the listing carries it.
    pub country: Option<CountryCode>,
    /// The base currency, when the listing carries it.
    pub currency: Option<Currency>,
}
