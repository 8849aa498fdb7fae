//! Write verification: after every write the adapter reads the entry back and compares what
//! matters. A difference is [`ErrorKind::VerificationFailed`](crate::ErrorKind::VerificationFailed)
//! naming the field, so nothing corrupt passes silently (the "reconciler" of the seed documents).

use std::fmt::Display;

use crate::error::{Error, Result};
use crate::model::{Dimension, EntryId, PostedDocument, SalesDocument};

fn check<T: PartialEq + Display>(field: impl Into<String>, expected: T, actual: T) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::verification(field, expected, actual))
    }
}

fn show<T: Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(none)".into())
}

fn norm_code(code: &Option<String>) -> String {
    code.as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| "(none)".into())
}

/// Compare a document as written with the entry read back.
///
/// Checks the identity (when `expected_id` is given: the entry read back is the one written or
/// updated, Q01), kind, administration, journal, customer, reference, dates, currency, and each
/// line's account, net amount, VAT code (trimmed, case-insensitive), VAT rate and VAT amount.
/// Descriptions are not compared: vendors truncate them. A due date the document leaves open is
/// the vendor's to derive (from the customer's payment condition): any is accepted then.
pub fn verify_document(
    expected: &SalesDocument,
    expected_id: Option<&EntryId>,
    actual: &PostedDocument,
) -> Result<()> {
    let a = &actual.document;
    let result = (|| -> Result<()> {
        if let Some(id) = expected_id {
            check("id", id, &actual.id)?;
        }
        check("kind", expected.kind, a.kind)?;
        check(
            "administration",
            expected.administration.trim(),
            a.administration.trim(),
        )?;
        check("journal", expected.journal.trim(), a.journal.trim())?;
        check("customer", expected.customer.trim(), a.customer.trim())?;
        check("reference", expected.reference.trim(), a.reference.trim())?;
        check("date", expected.date, a.date)?;
        if expected.due_date.is_some() {
            check("due_date", show(&expected.due_date), show(&a.due_date))?;
        }
        check("currency", expected.currency, a.currency)?;
        check("credits", show(&expected.credits), show(&a.credits))?;
        check("lines.len", expected.lines.len(), a.lines.len())?;
        for (i, (e, r)) in expected.lines.iter().zip(&a.lines).enumerate() {
            check(
                format!("lines[{i}].account"),
                e.account.trim(),
                r.account.trim(),
            )?;
            check(format!("lines[{i}].net_amount"), e.net_amount, r.net_amount)?;
            check(
                format!("lines[{i}].vat_code"),
                norm_code(&e.vat_code),
                norm_code(&r.vat_code),
            )?;
            check(format!("lines[{i}].vat_rate"), e.vat_rate, r.vat_rate)?;
            check(format!("lines[{i}].vat_amount"), e.vat_amount, r.vat_amount)?;
        }
        Ok(())
    })();
    result.map_err(|e| e.with_entry(actual.id.clone()))
}

/// Q02's check after a write, verification on or off: every line written with a VAT code still
/// carries one (a vendor that answered 200 OK but dropped the code books the line outside the ICP
/// return).
pub fn verify_vat_codes_present(written: &SalesDocument, posted: &PostedDocument) -> Result<()> {
    for (i, line) in written.lines.iter().enumerate() {
        let Some(code) = line.vat_code.as_deref() else {
            continue;
        };
        let back = posted
            .document
            .lines
            .get(i)
            .and_then(|l| l.vat_code.as_deref());
        if back.map(str::trim).is_none_or(str::is_empty) {
            return Err(
                Error::verification(format!("lines[{i}].vat_code"), code, "(none)")
                    .with_entry(posted.id.clone()),
            );
        }
    }
    Ok(())
}

/// Compare a dimension as written with the dimension read back: kind, code, name, country, VAT
/// number, e-mail and chamber-of-commerce number.
pub fn verify_dimension(expected: &Dimension, actual: &Dimension) -> Result<()> {
    check(
        "kind",
        format!("{:?}", expected.kind),
        format!("{:?}", actual.kind),
    )?;
    check("code", expected.code.trim(), actual.code.trim())?;
    check("name", expected.name.trim(), actual.name.trim())?;
    check("country", show(&expected.country), show(&actual.country))?;
    check(
        "vat_number",
        show(&expected.vat_number),
        show(&actual.vat_number),
    )?;
    check("email", show(&expected.email), show(&actual.email))?;
    check(
        "coc_number",
        show(&expected.coc_number),
        show(&actual.coc_number),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocumentKind, Invoice, SalesLine};
    use crate::vendor::Vendor;
    use crate::{CountryCode, ErrorKind, WriteOutcome};
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn written() -> SalesDocument {
        Invoice::new(
            "1",
            "70",
            "C1",
            "F-1",
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
        )
        .with_line(SalesLine::new("8000", "a", dec!(100), Some("ICP"), dec!(0)))
        .with_line(SalesLine::new("8010", "b", dec!(50), Some("VH"), dec!(21)))
        .into_document()
    }
    fn id() -> EntryId {
        EntryId::new(Vendor::Exact, "1", "70", "9c0e")
    }
    fn posted(doc: SalesDocument) -> PostedDocument {
        PostedDocument {
            id: id(),
            document: doc,
            status: None,
        }
    }
    fn field_of(r: Result<()>) -> (String, String, String) {
        let e = r.unwrap_err();
        assert_eq!(e.outcome(), WriteOutcome::Applied);
        assert_eq!(e.entry(), Some(&id()));
        match e.kind().clone() {
            ErrorKind::VerificationFailed {
                field,
                expected,
                actual,
            } => (field, expected, actual),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn identical_read_back_passes_even_with_padding_and_scale() {
        let mut back = written();
        back.customer = "C1                ".into();
        back.lines[0].net_amount = dec!(100.00);
        back.lines[0].vat_code = Some("icp ".into());
        verify_document(&written(), Some(&id()), &posted(back)).unwrap();
    }

    #[test]
    fn finds_each_kind_of_mismatch() {
        type Mutation = fn(&mut SalesDocument);
        let cases: Vec<(&str, Mutation)> = vec![
            ("kind", |d| d.kind = DocumentKind::CreditNote),
            ("customer", |d| d.customer = "C2".into()),
            ("journal", |d| d.journal = "71".into()),
            ("reference", |d| d.reference = "F-2".into()),
            ("date", |d| {
                d.date = NaiveDate::from_ymd_opt(2026, 3, 28).unwrap()
            }),
            ("lines.len", |d| {
                d.lines.pop();
            }),
            ("lines[1].account", |d| d.lines[1].account = "8020".into()),
            ("lines[1].net_amount", |d| d.lines[1].net_amount = dec!(51)),
            ("lines[0].vat_code", |d| d.lines[0].vat_code = None),
            ("lines[0].vat_code", |d| {
                d.lines[0].vat_code = Some("".into())
            }),
            ("lines[1].vat_rate", |d| d.lines[1].vat_rate = dec!(9)),
            ("lines[1].vat_amount", |d| d.lines[1].vat_amount = dec!(10)),
        ];
        for (field, mutate) in cases {
            let mut back = written();
            mutate(&mut back);
            let (f, _, _) = field_of(verify_document(&written(), Some(&id()), &posted(back)));
            assert_eq!(f, field);
        }
    }

    #[test]
    fn a_due_date_is_compared_when_written_and_left_to_the_vendor_when_not() {
        let mut dated = written();
        dated.due_date = NaiveDate::from_ymd_opt(2026, 4, 28);
        let mut back = dated.clone();
        back.due_date = NaiveDate::from_ymd_opt(2026, 4, 29);
        let (f, _, _) = field_of(verify_document(&dated, Some(&id()), &posted(back)));
        assert_eq!(f, "due_date");
        let mut derived = written();
        derived.due_date = NaiveDate::from_ymd_opt(2026, 4, 28);
        verify_document(&written(), Some(&id()), &posted(derived)).unwrap();
    }

    #[test]
    fn a_different_entry_read_back_is_an_identity_mismatch() {
        let mut p = posted(written());
        p.id.key = "other".into();
        let e = verify_document(&written(), Some(&id()), &p).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::VerificationFailed { field, .. } if field == "id"));
    }

    #[test]
    fn an_icp_code_dropped_by_the_vendor_is_caught() {
        let mut back = written();
        back.lines[0].vat_code = None;
        let (f, expected, actual) =
            field_of(verify_document(&written(), Some(&id()), &posted(back)));
        assert_eq!(
            (f.as_str(), expected.as_str(), actual.as_str()),
            ("lines[0].vat_code", "ICP", "(none)")
        );
    }

    #[test]
    fn dimensions() {
        let d = Dimension::customer("C1", "Acme", CountryCode::NL);
        verify_dimension(&d, &d).unwrap();
        let mut other = d.clone();
        other.name = "Overwritten".into();
        assert!(verify_dimension(&d, &other).is_err());
    }
}
