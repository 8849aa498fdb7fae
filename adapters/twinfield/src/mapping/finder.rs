//! Finder rows: day books (`TRS`) and VAT codes (`VAT`).

use grootboek_core::{Journal, JournalKind};

/// What a day book is for, from its code (Twinfield's defaults: VRK/SLS sales, INK/PUR purchase,
/// BNK bank, KAS/CASH cash, MEMO general).
pub fn journal_kind(code: &str) -> JournalKind {
    let c = code.trim().to_ascii_uppercase();
    if c.starts_with("VRK") || c.starts_with("SLS") || c.starts_with("VERK") {
        JournalKind::Sales
    } else if c.starts_with("INK") || c.starts_with("PUR") || c.starts_with("PNV") {
        JournalKind::Purchase
    } else if c.starts_with("BNK") || c.starts_with("BANK") {
        JournalKind::Bank
    } else if c.starts_with("KAS") || c.starts_with("CASH") {
        JournalKind::Cash
    } else if c.starts_with("MEMO") || c.starts_with("MEM") {
        JournalKind::General
    } else {
        JournalKind::Other
    }
}

/// A `TRS` Finder row (code, name, …) as a journal.
pub fn journal_from_row(row: &[String]) -> Option<Journal> {
    let code = row.first()?.trim();
    if code.is_empty() {
        return None;
    }
    Some(Journal {
        code: code.to_string(),
        name: row.get(1).map(|n| n.trim().to_string()).unwrap_or_default(),
        kind: journal_kind(code),
    })
}

/// The code of a `VAT` Finder row.
pub fn vat_code_from_row(row: &[String]) -> Option<String> {
    row.first()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_from_rows() {
        let j = journal_from_row(&["VRK".into(), "Verkoop".into()]).unwrap();
        assert_eq!(j.kind, JournalKind::Sales);
        assert_eq!(journal_kind("MEMO"), JournalKind::General);
        assert!(journal_from_row(&[]).is_none());
    }
}
