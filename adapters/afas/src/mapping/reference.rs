//! Reference data rows: administrations, journals, ledger accounts and VAT codes.

use grootboek_core::{
    Administration, CountryCode, Currency, Dimension, DimensionKind, Journal, JournalKind, Result,
    VatCode, VatKind,
};
use rust_decimal::Decimal;

use crate::wire::row::Row;

/// A VAT code as AFAS holds it: the core code plus the ledger account its VAT is booked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfasVatCode {
    /// The core view.
    pub code: VatCode,
    /// `AccountNr`: the ledger account of the VAT line, when AFAS names one.
    pub account: Option<String>,
    /// `Blocked`.
    pub blocked: bool,
}

fn lower(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").to_lowercase()
}

/// `Profit_VAT_code` row → VAT code. The kind is read from `VatDuty`/`VatType` codes and the
/// description (AFAS's VAT duty table is environment-specific and not published).
pub fn vat_code_from_row(row: &Row) -> Result<AfasVatCode> {
    let code = row.required_text("VatCode", "VAT code")?;
    let description = row.text("Description").unwrap_or_default();
    let rate = row.decimal("VatPerc")?.unwrap_or(Decimal::ZERO);
    // Some connectors give fractions (0.21) instead of percentages.
    let rate = if rate > Decimal::ZERO && rate < Decimal::ONE {
        (rate * Decimal::ONE_HUNDRED).normalize()
    } else {
        rate.normalize()
    };
    let text = format!(
        "{} {} {} {}",
        description.to_lowercase(),
        lower(&row.text("VatDuty")),
        lower(&row.text("VatType")),
        lower(&row.text("VatMethod"))
    );
    let kind = if text.contains("icp")
        || text.contains("intracommunaut")
        || text.contains("intra-communit")
        || text.contains("binnen eu")
        || text.contains("within eu")
        || text.contains("intra eu")
    {
        VatKind::IntraCommunity
    } else if text.contains("verlegd") || text.contains("reverse") {
        VatKind::ReverseCharge
    } else if text.contains("buiten eu") || text.contains("outside eu") || text.contains("export") {
        VatKind::Export
    } else if text.contains("vrijgesteld") || text.contains("exempt") || text.contains("geen btw") {
        VatKind::Exempt
    } else if rate > Decimal::ZERO {
        VatKind::Domestic
    } else {
        VatKind::Unknown
    };
    Ok(AfasVatCode {
        code: VatCode {
            code,
            description,
            rate,
            kind,
        },
        account: row.text("AccountNr"),
        blocked: row.boolean("Blocked").unwrap_or(false),
    })
}

/// `Profit_Journals` row → journal. The kind comes from `JournalType` and the description.
pub fn journal_from_row(row: &Row) -> Result<Journal> {
    let code = row.required_text("JournalId", "journal")?;
    let name = row.text("Description").unwrap_or_else(|| code.clone());
    let text = format!(
        "{} {}",
        lower(&row.text("JournalType")),
        name.to_lowercase()
    );
    let kind = if text.contains("verkoop") || text.contains("sales") {
        JournalKind::Sales
    } else if text.contains("inkoop") || text.contains("purchase") {
        JournalKind::Purchase
    } else if text.contains("bank") {
        JournalKind::Bank
    } else if text.contains("kas") || text.contains("cash") {
        JournalKind::Cash
    } else if text.contains("memoriaal") || text.contains("memorial") || text.contains("general") {
        JournalKind::General
    } else {
        JournalKind::Other
    };
    Ok(Journal { code, name, kind })
}

/// `Profit_Accounts` row → ledger account dimension. Balance sheet or P&L from a type field
/// when the connector has one (`BalanceType`, `AccountType`, `Type`), else from the Dutch
/// numbering convention (0–3 balance sheet, 4–9 profit and loss).
pub fn account_from_row(row: &Row) -> Result<Dimension> {
    let code = row.required_text("Account", "ledger account")?;
    let name = row.text("Description").unwrap_or_else(|| code.clone());
    let typ = lower(&row.text_any(&["BalanceType", "AccountType", "Type", "KindOfAccount"]));
    let kind = if typ.starts_with('b') {
        DimensionKind::BalanceSheetAccount
    } else if typ.starts_with('w')
        || typ.starts_with('v')
        || typ.starts_with('r')
        || typ.starts_with('p')
    {
        DimensionKind::ProfitAndLossAccount
    } else if code.starts_with(['0', '1', '2', '3']) {
        DimensionKind::BalanceSheetAccount
    } else {
        DimensionKind::ProfitAndLossAccount
    };
    Ok(Dimension::new(kind, code, name))
}

/// `Profit_Administrations` row → administration; AFAS does not say the country, the
/// configuration does.
pub fn administration_from_row(
    row: &Row,
    country: impl Fn(&str) -> CountryCode,
    currency: Currency,
) -> Result<Administration> {
    let code = row.required_text("AdminId", "administration")?;
    let name = row
        .text_any(&["AdminNm", "AdminCd"])
        .unwrap_or_else(|| code.clone());
    Ok(Administration {
        country: country(&code),
        code,
        name,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        match v {
            serde_json::Value::Object(m) => Row(m),
            _ => Row::default(),
        }
    }

    #[test]
    fn vat_codes_map_rate_kind_and_account() {
        let v = vat_code_from_row(&row(json!({"VatCode": "1", "Description": "BTW hoog", "VatPerc": "21", "AccountNr": "1510", "Blocked": false}))).unwrap();
        assert_eq!(
            (v.code.rate, v.code.kind, v.account.as_deref()),
            (dec!(21), VatKind::Domestic, Some("1510"))
        );
        let v = vat_code_from_row(&row(
            json!({"VatCode": "ICP", "Description": "Levering binnen EU (ICP)", "VatPerc": "0"}),
        ))
        .unwrap();
        assert_eq!(v.code.kind, VatKind::IntraCommunity);
        let v = vat_code_from_row(&row(
            json!({"VatCode": "H", "Description": "hoog", "VatPerc": "0.21"}),
        ))
        .unwrap();
        assert_eq!(v.code.rate, dec!(21));
        assert!(vat_code_from_row(&row(json!({"Description": "x"}))).is_err());
    }

    #[test]
    fn journals_and_accounts() {
        let j = journal_from_row(&row(json!({"UnitId": "1", "JournalId": "70", "Description": "Verkoopboek", "JournalType": null}))).unwrap();
        assert_eq!((j.code.as_str(), j.kind), ("70", JournalKind::Sales));
        let a = account_from_row(&row(json!({"Account": "8000", "Description": "Omzet"}))).unwrap();
        assert_eq!(a.kind, DimensionKind::ProfitAndLossAccount);
        let a = account_from_row(&row(
            json!({"Account": "1300", "Description": "Debiteuren"}),
        ))
        .unwrap();
        assert_eq!(a.kind, DimensionKind::BalanceSheetAccount);
        let a = account_from_row(&row(
            json!({"Account": "9000", "Description": "x", "BalanceType": "Balans"}),
        ))
        .unwrap();
        assert_eq!(a.kind, DimensionKind::BalanceSheetAccount);
    }
}
