//! Dimensions: customers, suppliers, ledger accounts, cost centres and projects.

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::patch::Patch;

/// The kind of a dimension. Twinfield names them DEB, CRD, BAS, PNL, KPL and PRJ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    /// A debtor.
    Customer,
    /// A creditor.
    Supplier,
    /// A balance-sheet ledger account.
    BalanceSheetAccount,
    /// A profit-and-loss ledger account.
    ProfitAndLossAccount,
    /// A cost centre.
    CostCentre,
    /// A project.
    Project,
}

impl DimensionKind {
    /// Every kind.
    pub const ALL: [DimensionKind; 6] = [
        DimensionKind::Customer,
        DimensionKind::Supplier,
        DimensionKind::BalanceSheetAccount,
        DimensionKind::ProfitAndLossAccount,
        DimensionKind::CostCentre,
        DimensionKind::Project,
    ];

    /// Whether this kind is a relation (customer or supplier) rather than an account.
    pub fn is_relation(&self) -> bool {
        matches!(self, DimensionKind::Customer | DimensionKind::Supplier)
    }
}

/// A customer, supplier, ledger account, cost centre or project in one administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    /// What it is.
    pub kind: DimensionKind,
    /// The code, unique per kind and administration, without vendor padding.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The relation's country (relations only).
    pub country: Option<CountryCode>,
    /// The relation's VAT number (relations only).
    pub vat_number: Option<String>,
    /// The relation's e-mail address for invoices (relations only).
    pub email: Option<String>,
    /// The relation's chamber-of-commerce number (relations only).
    pub coc_number: Option<String>,
}

impl Dimension {
    /// A dimension with only a kind, code and name.
    pub fn new(kind: DimensionKind, code: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.into(),
            name: name.into(),
            country: None,
            vat_number: None,
            email: None,
            coc_number: None,
        }
    }

    /// A customer with a country.
    pub fn customer(
        code: impl Into<String>,
        name: impl Into<String>,
        country: CountryCode,
    ) -> Self {
        Self {
            country: Some(country),
            ..Self::new(DimensionKind::Customer, code, name)
        }
    }

    /// Apply a patch, giving the dimension as the vendor should store it.
    pub fn patched(&self, patch: &DimensionPatch) -> Dimension {
        Dimension {
            kind: self.kind,
            code: self.code.clone(),
            name: patch
                .name
                .apply(Some(self.name.clone()))
                .unwrap_or_default(),
            country: patch.country.apply(self.country),
            vat_number: patch.vat_number.apply(self.vat_number.clone()),
            email: patch.email.apply(self.email.clone()),
            coc_number: patch.coc_number.apply(self.coc_number.clone()),
        }
    }
}

/// A partial change of a dimension: each field kept, cleared or set (Q09).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionPatch {
    /// New name (clearing a name is refused by validation).
    #[serde(default)]
    pub name: Patch<String>,
    /// New country.
    #[serde(default)]
    pub country: Patch<CountryCode>,
    /// New VAT number.
    #[serde(default)]
    pub vat_number: Patch<String>,
    /// New e-mail address.
    #[serde(default)]
    pub email: Patch<String>,
    /// New chamber-of-commerce number.
    #[serde(default)]
    pub coc_number: Patch<String>,
}

impl DimensionPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_keep()
            && self.country.is_keep()
            && self.vat_number.is_keep()
            && self.email.is_keep()
            && self.coc_number.is_keep()
    }
}
