//! Documents built from the harness fixture.

use chrono::NaiveDate;
use grootboek_core::{CreditNote, Invoice, SalesLine};
use rust_decimal::Decimal;

use crate::harness::{Fixture, SeededVat};

/// A fixed document date well inside any simulator's open period.
pub fn doc_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 12).unwrap_or_default()
}

/// One-line invoice to `customer` at `vat`, net `net`.
pub fn invoice(
    fx: &Fixture,
    customer: &str,
    reference: &str,
    vat: Option<&SeededVat>,
    rate: Decimal,
    net: Decimal,
) -> Invoice {
    Invoice::new(
        &fx.administration,
        &fx.sales_journal,
        customer,
        reference,
        doc_date(),
    )
    .with_line(SalesLine::new(
        &fx.revenue_account,
        format!("{reference} line"),
        net,
        vat.map(|v| v.code.as_str()),
        rate,
    ))
}

/// One-line credit note mirroring [`invoice`].
pub fn credit_note(
    fx: &Fixture,
    customer: &str,
    reference: &str,
    vat: &SeededVat,
    net: Decimal,
) -> CreditNote {
    CreditNote::new(
        &fx.administration,
        &fx.sales_journal,
        customer,
        reference,
        doc_date(),
    )
    .with_line(SalesLine::new(
        &fx.revenue_account,
        format!("{reference} credit"),
        net,
        Some(vat.code.as_str()),
        vat.rate,
    ))
}
