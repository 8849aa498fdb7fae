//! `financial/Journals` → [`Journal`].

use grootboek_core::{Journal, JournalKind, Result};

use crate::odata::{self, Row};

/// The fields read from `financial/Journals`.
pub const SELECT: &[&str] = &["ID", "Code", "Description", "Type"];

/// Exact's journal `Type` (reference §4.3) as a core kind.
pub fn kind_of(type_: Option<i64>) -> JournalKind {
    match type_ {
        Some(10) => JournalKind::Cash,
        Some(12) | Some(16) => JournalKind::Bank,
        Some(20) | Some(21) => JournalKind::Sales,
        Some(22) | Some(23) => JournalKind::Purchase,
        Some(90) => JournalKind::General,
        _ => JournalKind::Other,
    }
}

/// Read a journal.
pub fn from_wire(row: &Row) -> Result<Journal> {
    Ok(Journal {
        code: odata::required_string(row, "Code", "journal")?,
        name: odata::string(row, "Description").unwrap_or_default(),
        kind: kind_of(odata::integer(row, "Type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types() {
        let row: Row = odata::test_row(r#"{"Code":"70 ","Description":"Verkoopboek","Type":20}"#);
        let j = from_wire(&row).unwrap();
        assert_eq!((j.code.as_str(), j.kind), ("70", JournalKind::Sales));
        assert_eq!(kind_of(Some(12)), JournalKind::Bank);
        assert_eq!(kind_of(None), JournalKind::Other);
        let bad: Row = odata::test_row(r#"{"Description":"x"}"#);
        assert!(from_wire(&bad).is_err());
    }
}
