//! VAT (BTW) codes of an administration.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a VAT code is for, as far as validation needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatKind {
    /// Domestic VAT (high, low or zero rate).
    Domestic,
    /// Intra-community supply (ICP, "BTW verlegd binnen EU"): zero rate, reported on the Opgaaf ICP.
    IntraCommunity,
    /// Domestic reverse charge ("BTW verlegd").
    ReverseCharge,
    /// Export outside the EU.
    Export,
    /// Exempt or outside the scope of VAT.
    Exempt,
    /// The vendor did not say.
    Unknown,
}

/// A VAT code as defined in one administration (codes are administration-scoped: Q03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatCode {
    /// The code, trimmed of vendor padding.
    pub code: String,
    /// Description.
    pub description: String,
    /// The percentage (21 for 21 %), normalised from vendor fractions like 0.21.
    pub rate: Decimal,
    /// What it is for.
    pub kind: VatKind,
}
