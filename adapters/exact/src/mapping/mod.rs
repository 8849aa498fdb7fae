//! Wire ⇄ core model, one module per Exact entity. Every reader trims Exact's padding
//! (`Code`, `Country`, `VATCode`) and turns fractional percentages into the core's percentages;
//! every writer produces the JSON body the adapter sends.

pub mod accounts;
pub mod bank_entries;
pub mod gl_accounts;
pub mod journals;
pub mod receivables;
pub mod sales_entries;
pub mod sales_invoices;
pub mod subscriptions;
pub mod vat_codes;

use rust_decimal::Decimal;

/// A fraction (`0.21`) as the core's percentage (`21`).
pub fn percentage_of_fraction(fraction: Decimal) -> Decimal {
    (fraction * Decimal::ONE_HUNDRED).normalize()
}

/// The core's percentage (`21`) as Exact's fraction (`0.21`).
pub fn fraction_of_percentage(percentage: Decimal) -> Decimal {
    (percentage / Decimal::ONE_HUNDRED).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percentages_round_trip() {
        assert_eq!(percentage_of_fraction(dec!(0.21)), dec!(21));
        assert_eq!(percentage_of_fraction(dec!(0.09)), dec!(9));
        assert_eq!(percentage_of_fraction(dec!(0.055)), dec!(5.5));
        assert_eq!(fraction_of_percentage(dec!(21)), dec!(0.21));
        assert_eq!(fraction_of_percentage(dec!(0)), dec!(0));
    }
}
