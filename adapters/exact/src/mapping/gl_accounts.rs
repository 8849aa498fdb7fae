//! `financial/GLAccounts` ⇄ ledger-account [`Dimension`]s.

use grootboek_core::{Dimension, DimensionKind, Result};

use crate::odata::{self, Row};

/// The fields read from `financial/GLAccounts`.
pub const SELECT: &[&str] = &["ID", "Code", "Description", "BalanceType", "Type"];

/// The dimension kind of a GL account: `BalanceType` `B` is the balance sheet, `W` profit and loss.
pub fn kind_of(row: &Row) -> DimensionKind {
    match odata::string(row, "BalanceType").as_deref() {
        Some("B") => DimensionKind::BalanceSheetAccount,
        _ => DimensionKind::ProfitAndLossAccount,
    }
}

/// Read a GL account as a dimension.
pub fn from_wire(row: &Row) -> Result<Dimension> {
    let code = odata::required_string(row, "Code", "GL account")?;
    Ok(Dimension::new(
        kind_of(row),
        code,
        odata::string(row, "Description").unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_fixture() {
        let row =
            crate::odata::parse_single(include_bytes!("../../tests/fixtures/gl_account.json"))
                .unwrap()
                .unwrap();
        let d = from_wire(&row).unwrap();
        assert_eq!(d.code, "4406");
        assert_eq!(d.kind, DimensionKind::ProfitAndLossAccount);
        assert_eq!(d.name, "Test");
    }
}
