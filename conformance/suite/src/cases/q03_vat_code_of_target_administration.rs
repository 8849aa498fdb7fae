//! Q03: a VAT code that exists only in another administration is refused before the wire.

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q03;

#[async_trait]
impl Case for Q03 {
    fn id(&self) -> &'static str {
        "Q03"
    }
    fn title(&self) -> &'static str {
        "posting uses the target administration's VAT codes; a code of another administration is refused"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.multiple_administrations && caps.vat_codes_per_administration && caps.invoice_write
        {
            Applicability::Applies
        } else {
            Applicability::NotApplicable(
                "the adapter does not post to several administrations with their own VAT codes"
                    .into(),
            )
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let (Some(other), Some(foreign)) =
            (&fx.other_administration, &fx.other_administration_only_vat)
        else {
            return Err(Failure(
                "the harness seeded no second administration with its own VAT code".into(),
            ));
        };
        // Work in the other administration first, as a sticky session would.
        let other_codes = ledger.vat_codes(other).await?;
        ensure!(
            other_codes.iter().any(|c| c.code == foreign.code),
            "the other administration lacks {}",
            foreign.code
        );
        let before = h.write_requests();
        let doc = invoice(
            fx,
            &fx.domestic_customer,
            "Q03-1",
            Some(foreign),
            foreign.rate,
            Decimal::new(10_000, 2),
        );
        match ledger.create_invoice(&doc).await {
            Ok(p) => {
                return Err(Failure(format!(
                    "code {} of another administration was posted as {}",
                    foreign.code, p.id
                )))
            }
            Err(e) => ensure!(
                e.kind() == &ErrorKind::Validation,
                "expected a validation refusal, got: {e}"
            ),
        }
        ensure!(
            h.write_requests() == before,
            "the refused invoice reached the vendor"
        );
        let ok = invoice(
            fx,
            &fx.domestic_customer,
            "Q03-2",
            Some(&fx.vat_high),
            fx.vat_high.rate,
            Decimal::new(10_000, 2),
        );
        let posted = ledger.create_invoice(&ok).await?;
        let line = posted
            .document
            .lines
            .first()
            .and_then(|l| l.vat_code.clone());
        ensure!(
            line.as_deref() == Some(fx.vat_high.code.as_str()),
            "the target administration's own code came back as {line:?}"
        );
        Ok(())
    }
}
