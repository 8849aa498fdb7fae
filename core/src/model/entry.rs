//! The vendor's stable identity of a posted entry.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::vendor::Vendor;

/// The vendor's own stable identity of a posted entry. Updates address an `EntryId`, never a
/// document reference (Q01).
///
/// | vendor | `administration` | `journal` | `key` |
/// |---|---|---|---|
/// | Exact Online | division | journal code | `EntryID` GUID |
/// | Twinfield | office code | day book code | transaction number |
/// | AFAS Profit | administration (`UnId`) | journal code | entry number (`EnNo`) |
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntryId {
    /// The vendor that issued it.
    pub vendor: Vendor,
    /// The administration it lives in.
    pub administration: String,
    /// The journal (day book) it was posted in.
    pub journal: String,
    /// The vendor's key within administration and journal.
    pub key: String,
}

impl EntryId {
    /// Build an entry id.
    pub fn new(
        vendor: Vendor,
        administration: impl Into<String>,
        journal: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            vendor,
            administration: administration.into(),
            journal: journal.into(),
            key: key.into(),
        }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/{}/{}",
            self.vendor, self.administration, self.journal, self.key
        )
    }
}
