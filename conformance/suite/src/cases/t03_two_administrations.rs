//! T03: one connection, several administrations, the administration named per call: documents
//! posted to two administrations each land in their own.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Invoice, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::{Fixture, Harness};

/// The case.
pub struct T03;

fn invoice_in(fx: &Fixture, administration: &str, reference: &str) -> Invoice {
    let mut doc = invoice(
        fx,
        &fx.domestic_customer,
        reference,
        Some(&fx.vat_high),
        fx.vat_high.rate,
        Decimal::new(7_500, 2),
    );
    doc.document_mut().administration = administration.to_string();
    doc
}

#[async_trait]
impl Case for T03 {
    fn id(&self) -> &'static str {
        "T03"
    }
    fn title(&self) -> &'static str {
        "invoices posted to two administrations over one connection each land in their own"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.multiple_administrations && caps.invoice_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable(format!(
                "the {} adapter does not post to several administrations over one connection",
                crate::cases::support::vendor_name(vendor)
            ))
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let a = fx.administration.clone();
        let b = fx
            .other_administration
            .clone()
            .ok_or_else(|| Failure("the harness seeded no second administration".into()))?;
        ensure!(a != b, "both administrations are {a}");
        let (ref_a, ref_b) = ("T03-A-0001", "T03-B-0001");
        let in_a = ledger.create_invoice(&invoice_in(fx, &a, ref_a)).await?;
        let in_b = ledger.create_invoice(&invoice_in(fx, &b, ref_b)).await?;
        for (posted, admin, reference) in [(&in_a, &a, ref_a), (&in_b, &b, ref_b)] {
            ensure!(
                posted.id.administration == *admin,
                "{reference} was posted to administration {} instead of {admin}",
                posted.id.administration
            );
            let back = ledger.get_invoice(&posted.id).await?;
            ensure!(
                back.document.administration == *admin && back.document.reference == reference,
                "{reference} read back from {} as {} in administration {}",
                posted.id,
                back.document.reference,
                back.document.administration
            );
            let found = ledger.find_invoices(admin, reference).await?;
            ensure!(
                found.iter().any(|p| p.id == posted.id),
                "{reference} is not found in its own administration {admin}"
            );
        }
        for (admin, reference) in [(&b, ref_a), (&a, ref_b)] {
            let found = ledger.find_invoices(admin, reference).await?;
            ensure!(
                found.is_empty(),
                "administration {admin} sees {reference}, which was posted to the other one ({})",
                found
                    .iter()
                    .map(|p| p.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(())
    }
}
