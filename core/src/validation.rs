//! Validation before the wire: documents and dimensions a vendor would accept but book wrongly
//! (or refuse with an unreadable message) are refused here, with a message a bookkeeper
//! understands, and nothing reaches the vendor.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::country::CountryCode;
use crate::error::{Error, Result};
use crate::model::{
    Dimension, DimensionPatch, DocumentKind, SalesDocument, SalesLine, VatCode, VatKind,
};
use crate::patch::Patch;

/// How far a line's VAT amount may differ from net × rate (rounding by the source system).
pub const VAT_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// What validation needs to know about the target administration and customer.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// The country the administration files VAT in.
    pub administration_country: CountryCode,
    /// The customer's country, when known (decides whether a line is intra-community).
    pub customer_country: Option<CountryCode>,
    /// The vendor's line limit per entry.
    pub max_lines: Option<usize>,
    /// The administration's VAT codes, when known: codes must exist there (Q03) and match the rate.
    pub vat_codes: Option<&'a [VatCode]>,
}

impl<'a> ValidationContext<'a> {
    /// A context for an administration in `country` with nothing else known.
    pub fn new(administration_country: CountryCode) -> Self {
        Self {
            administration_country,
            customer_country: None,
            max_lines: None,
            vat_codes: None,
        }
    }

    /// Whether a sale to this customer is intra-community (both in the EU, different countries).
    pub fn is_intra_community(&self) -> bool {
        match self.customer_country {
            Some(c) => {
                c.is_eu() && self.administration_country.is_eu() && c != self.administration_country
            }
            None => false,
        }
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn line_label(i: usize, line: &SalesLine) -> String {
    format!(
        "Line {} (account {}, net {})",
        i + 1,
        line.account.trim(),
        line.net_amount
    )
}

/// Check a sales document before it is sent.
pub fn validate_document(doc: &SalesDocument, ctx: &ValidationContext<'_>) -> Result<()> {
    let what = match doc.kind {
        DocumentKind::Invoice => "invoice",
        DocumentKind::CreditNote => "credit note",
    };
    for (field, value) in [
        ("administration", &doc.administration),
        ("sales journal", &doc.journal),
        ("customer", &doc.customer),
        ("document reference (invoice number)", &doc.reference),
    ] {
        if blank(value) {
            return Err(Error::validation(format!("The {what} has no {field}.")));
        }
    }
    if doc.lines.is_empty() {
        return Err(Error::validation(format!(
            "The {what} {} has no lines.",
            doc.reference
        )));
    }
    if let Some(max) = ctx.max_lines {
        if doc.lines.len() > max {
            return Err(Error::validation(format!(
                "The {what} {} has {} lines; this administration accepts at most {max} per entry.",
                doc.reference,
                doc.lines.len()
            )));
        }
    }
    if let Some(due) = doc.due_date {
        if due < doc.date {
            return Err(Error::validation(format!(
                "The {what} {} is due on {due}, before its date {}.",
                doc.reference, doc.date
            )));
        }
    }
    if let Some(credited) = &doc.credits {
        if doc.kind != DocumentKind::CreditNote {
            return Err(Error::validation(
                "Only a credit note can credit an invoice.",
            ));
        }
        if credited.administration != doc.administration {
            return Err(Error::validation(format!(
                "Credit note {} is in administration {} but credits an invoice in {}.",
                doc.reference, doc.administration, credited.administration
            )));
        }
    }
    let minor = doc.currency.minor_units();
    for (i, line) in doc.lines.iter().enumerate() {
        validate_line(i, line, minor, ctx)?;
    }
    if doc.gross_total().amount.is_zero() {
        return Err(Error::validation(format!(
            "The {what} {} totals zero; there is nothing to book.",
            doc.reference
        )));
    }
    Ok(())
}

fn validate_line(
    i: usize,
    line: &SalesLine,
    minor: u32,
    ctx: &ValidationContext<'_>,
) -> Result<()> {
    let label = line_label(i, line);
    if blank(&line.account) {
        return Err(Error::validation(format!(
            "Line {} has no revenue account.",
            i + 1
        )));
    }
    for (name, amount) in [
        ("net amount", line.net_amount),
        ("VAT amount", line.vat_amount),
    ] {
        if amount.normalize().scale() > minor {
            return Err(Error::validation(format!(
                "{label}: the {name} {amount} has more than {minor} decimals."
            )));
        }
    }
    if line.vat_rate < Decimal::ZERO || line.vat_rate > Decimal::ONE_HUNDRED {
        return Err(Error::validation(format!(
            "{label}: VAT rate {}% is not a percentage.",
            line.vat_rate
        )));
    }
    let expected_vat = (line.net_amount * line.vat_rate / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero);
    if (line.vat_amount - expected_vat).abs() > VAT_TOLERANCE {
        return Err(Error::validation(format!(
            "{label}: VAT amount {} does not match {}% of the net amount (expected {expected_vat}).",
            line.vat_amount, line.vat_rate
        )));
    }
    let code = match line.vat_code.as_deref() {
        Some(c) if blank(c) => {
            return Err(Error::validation(format!(
                "{label}: the VAT code is empty; leave it out or name a code (an empty code is booked as no code)."
            )))
        }
        Some(c) => Some(c.trim()),
        None => None,
    };
    if ctx.is_intra_community() && line.vat_rate.is_zero() {
        let customer = ctx
            .customer_country
            .map(|c| c.to_string())
            .unwrap_or_default();
        match code {
            None => {
                return Err(Error::validation(format!(
                    "{label}: intra-community supply to a customer in {customer} at 0% VAT without a VAT code. \
                     Choose the ICP code (BTW verlegd binnen EU); without it the line is booked with no code and \
                     never reaches the Opgaaf ICP (Q02)."
                )))
            }
            Some(c) => {
                if let Some(known) = ctx.vat_codes.and_then(|codes| find_code(codes, c)) {
                    if !matches!(known.kind, VatKind::IntraCommunity | VatKind::ReverseCharge | VatKind::Unknown) {
                        return Err(Error::validation(format!(
                            "{label}: intra-community supply to a customer in {customer} uses VAT code {c} \
                             ({}), which is not an ICP / reverse-charge code (Q02).",
                            known.description
                        )));
                    }
                }
            }
        }
    }
    if let (Some(c), Some(codes)) = (code, ctx.vat_codes) {
        let Some(known) = find_code(codes, c) else {
            return Err(Error::validation(format!(
                "{label}: VAT code {c} does not exist in this administration; \
                 the vendor would swap it for its default or refuse it (Q03)."
            )));
        };
        if known.rate != line.vat_rate {
            return Err(Error::validation(format!(
                "{label}: VAT code {c} is {}% in this administration but the line says {}%.",
                known.rate, line.vat_rate
            )));
        }
    }
    Ok(())
}

fn find_code<'a>(codes: &'a [VatCode], code: &str) -> Option<&'a VatCode> {
    codes
        .iter()
        .find(|v| v.code.trim().eq_ignore_ascii_case(code))
}

/// Check a dimension before it is created or upserted.
pub fn validate_dimension(dimension: &Dimension) -> Result<()> {
    if blank(&dimension.code) {
        return Err(Error::validation(format!(
            "A {:?} needs a code.",
            dimension.kind
        )));
    }
    if dimension.code != dimension.code.trim() {
        return Err(Error::validation(format!(
            "Code `{}` has leading or trailing spaces.",
            dimension.code
        )));
    }
    if blank(&dimension.name) {
        return Err(Error::validation(format!(
            "{} needs a name.",
            dimension.code
        )));
    }
    for (field, value) in [
        ("VAT number", &dimension.vat_number),
        ("e-mail address", &dimension.email),
        ("chamber-of-commerce number", &dimension.coc_number),
    ] {
        if value.as_deref().is_some_and(blank) {
            return Err(Error::validation(format!(
                "{}: the {field} is empty; leave it out instead.",
                dimension.code
            )));
        }
    }
    Ok(())
}

/// Check a dimension patch: no field is set to an empty value (clearing is explicit), the name is
/// never cleared.
pub fn validate_dimension_patch(patch: &DimensionPatch) -> Result<()> {
    if matches!(patch.name, Patch::Clear) || matches!(&patch.name, Patch::Set(n) if blank(n)) {
        return Err(Error::validation("A name cannot be cleared."));
    }
    for (field, value) in [
        ("VAT number", &patch.vat_number),
        ("e-mail address", &patch.email),
        ("chamber-of-commerce number", &patch.coc_number),
    ] {
        if matches!(value, Patch::Set(v) if blank(v)) {
            return Err(Error::validation(format!(
                "Setting the {field} to an empty value is ambiguous; use clear (Q09)."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CreditNote, EntryId, Invoice};
    use crate::vendor::Vendor;
    use crate::ErrorKind;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()
    }
    fn nl() -> CountryCode {
        CountryCode::NL
    }
    fn be() -> CountryCode {
        "BE".parse().unwrap()
    }
    fn codes() -> Vec<VatCode> {
        vec![
            VatCode {
                code: "VH".into(),
                description: "BTW hoog".into(),
                rate: dec!(21),
                kind: VatKind::Domestic,
            },
            VatCode {
                code: "VN".into(),
                description: "BTW 0%".into(),
                rate: dec!(0),
                kind: VatKind::Domestic,
            },
            VatCode {
                code: "ICP".into(),
                description: "BTW verlegd binnen EU".into(),
                rate: dec!(0),
                kind: VatKind::IntraCommunity,
            },
        ]
    }
    fn ctx(customer: CountryCode, codes: Option<&[VatCode]>) -> ValidationContext<'_> {
        ValidationContext {
            administration_country: nl(),
            customer_country: Some(customer),
            max_lines: Some(3),
            vat_codes: codes,
        }
    }
    fn invoice(vat_code: Option<&str>, rate: Decimal) -> Invoice {
        Invoice::new("1", "VRK", "C1", "F-1", date()).with_line(SalesLine::new(
            "8000",
            "machine parts",
            dec!(14200),
            vat_code,
            rate,
        ))
    }
    fn message(r: Result<()>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Validation);
        e.message().to_string()
    }

    #[test]
    fn q02_icp_line_without_code_is_refused() {
        let m = message(validate_document(&invoice(None, dec!(0)), &ctx(be(), None)));
        assert!(m.contains("Opgaaf ICP"), "{m}");
        assert!(m.contains("BE"), "{m}");
    }

    #[test]
    fn q02_icp_line_with_empty_code_is_refused() {
        let m = message(validate_document(
            &invoice(Some(" "), dec!(0)),
            &ctx(be(), None),
        ));
        assert!(m.contains("empty"), "{m}");
    }

    #[test]
    fn q02_icp_line_with_a_domestic_zero_code_is_refused() {
        let c = codes();
        let m = message(validate_document(
            &invoice(Some("VN"), dec!(0)),
            &ctx(be(), Some(&c)),
        ));
        assert!(m.contains("not an ICP"), "{m}");
    }

    #[test]
    fn q02_icp_line_with_the_icp_code_passes_and_domestic_zero_needs_no_code() {
        let c = codes();
        validate_document(&invoice(Some("ICP"), dec!(0)), &ctx(be(), Some(&c))).unwrap();
        validate_document(&invoice(None, dec!(0)), &ctx(nl(), None)).unwrap();
        // Third country: not intra-community.
        validate_document(&invoice(None, dec!(0)), &ctx("US".parse().unwrap(), None)).unwrap();
    }

    #[test]
    fn q03_unknown_code_in_the_target_administration_is_refused() {
        let c = codes();
        let m = message(validate_document(
            &invoice(Some("V21A"), dec!(21)),
            &ctx(nl(), Some(&c)),
        ));
        assert!(m.contains("does not exist"), "{m}");
        let m = message(validate_document(
            &invoice(Some("VH"), dec!(9)),
            &ctx(nl(), Some(&c)),
        ));
        assert!(m.contains("21%"), "{m}");
    }

    #[test]
    fn totals_must_balance() {
        let mut inv = invoice(Some("VH"), dec!(21));
        inv.document_mut().lines[0].vat_amount = dec!(2000);
        let m = message(validate_document(&inv, &ctx(nl(), None)));
        assert!(m.contains("does not match"), "{m}");
    }

    #[test]
    fn line_limit_empty_fields_and_dates() {
        let mut inv = invoice(Some("VH"), dec!(21));
        for _ in 0..3 {
            inv = inv.with_line(SalesLine::new("8000", "x", dec!(1), Some("VH"), dec!(21)));
        }
        assert!(message(validate_document(&inv, &ctx(nl(), None))).contains("at most 3"));
        let mut inv = invoice(Some("VH"), dec!(21));
        inv.document_mut().customer = " ".into();
        assert!(message(validate_document(&inv, &ctx(nl(), None))).contains("customer"));
        let inv = invoice(Some("VH"), dec!(21))
            .with_due_date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert!(message(validate_document(&inv, &ctx(nl(), None))).contains("before its date"));
        let mut inv = invoice(Some("VH"), dec!(21));
        inv.document_mut().lines[0].net_amount = dec!(1.001);
        assert!(message(validate_document(&inv, &ctx(nl(), None))).contains("decimals"));
        let inv = Invoice::new("1", "VRK", "C1", "F-1", date());
        assert!(message(validate_document(&inv, &ctx(nl(), None))).contains("no lines"));
    }

    #[test]
    fn credit_note_must_credit_in_the_same_administration() {
        let cn = CreditNote::new("1", "VRK", "C1", "C-1", date())
            .with_line(SalesLine::new("8000", "x", dec!(10), Some("VH"), dec!(21)))
            .crediting(EntryId::new(Vendor::Exact, "2", "VRK", "abc"));
        assert!(
            message(validate_document(&cn, &ctx(nl(), None))).contains("credits an invoice in 2")
        );
    }

    #[test]
    fn dimensions_and_patches() {
        let mut d = Dimension::customer("C1", "Acme", nl());
        validate_dimension(&d).unwrap();
        d.vat_number = Some("".into());
        assert!(validate_dimension(&d).is_err());
        assert!(validate_dimension(&Dimension::customer(" ", "x", nl())).is_err());
        assert!(validate_dimension(&Dimension::customer("C1 ", "x", nl())).is_err());
        let p = DimensionPatch {
            email: Patch::Set("".into()),
            ..Default::default()
        };
        assert!(validate_dimension_patch(&p).is_err());
        let p = DimensionPatch {
            email: Patch::Clear,
            ..Default::default()
        };
        validate_dimension_patch(&p).unwrap();
        let p = DimensionPatch {
            name: Patch::Clear,
            ..Default::default()
        };
        assert!(validate_dimension_patch(&p).is_err());
    }

    proptest! {
        #[test]
        fn lines_built_with_new_always_balance(cents in -10_000_000i64..10_000_000, rate in prop::sample::select(vec![dec!(0), dec!(9), dec!(21)])) {
            let net = Decimal::new(cents, 2);
            prop_assume!(!net.is_zero());
            let inv = Invoice::new("1", "VRK", "C1", "F", date()).with_line(SalesLine::new("8000", "x", net, Some("VH"), rate));
            let c = ValidationContext::new(nl());
            prop_assert!(validate_document(&inv, &c).is_ok());
        }

        #[test]
        fn icp_zero_rate_without_code_is_always_refused(cents in 1i64..10_000_000, country in prop::sample::select(vec!["BE", "DE", "FR", "IT", "PL"])) {
            let inv = Invoice::new("1", "VRK", "C1", "F", date()).with_line(SalesLine::new("8000", "x", Decimal::new(cents, 2), None, dec!(0)));
            let c = ValidationContext { administration_country: nl(), customer_country: Some(country.parse().unwrap()), max_lines: None, vat_codes: None };
            prop_assert!(validate_document(&inv, &c).is_err());
        }
    }
}
