//! T07: Twinfield's VAT-consistency refusals (`result="0"`, localised messages joined with `//`)
//! surface as a validation error with the vendor's raw message kept.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct T07;

#[async_trait]
impl Case for T07 {
    fn id(&self) -> &'static str {
        "T07"
    }
    fn title(&self) -> &'static str {
        "a VAT amount the vendor finds inconsistent is a validation error carrying the vendor's raw message"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield if caps.invoice_write => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "the catalog describes Twinfield's element-level ProcessXml errors; {} reports errors in its own shape (kept raw in every adapter, but not this scenario)",
                crate::cases::support::vendor_name(v)
            )),
        }
    }
    #[cfg(feature = "twinfield")]
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        twinfield::run(h).await
    }
    #[cfg(not(feature = "twinfield"))]
    async fn run(&self, _h: &dyn Harness) -> CaseResult {
        Err(crate::case::Failure(
            "this build has no Twinfield adapter".into(),
        ))
    }
}

#[cfg(feature = "twinfield")]
mod twinfield {
    use grootboek_core::validation::VAT_TOLERANCE;
    use grootboek_core::{ErrorKind, Invoices};
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let fx = h.fixture();
        // The line's VAT is one cent off: inside the tolerance the core allows for a source
        // system's rounding, so it passes validation, but Twinfield computes the VAT from the
        // code itself and the transaction no longer balances.
        let mut doc = invoice(
            fx,
            &fx.domestic_customer,
            "T07-2026-001",
            Some(&fx.vat_high),
            fx.vat_high.rate,
            Decimal::new(10_000, 2),
        );
        if let Some(line) = doc.document_mut().lines.first_mut() {
            line.vat_amount += VAT_TOLERANCE;
        }
        let before = tw.sim().transactions(&fx.administration).len();
        let err = match tw.twinfield().create_invoice(&doc).await {
            Ok(p) => {
                return Err(Failure(format!(
                    "an invoice whose VAT is a cent off was posted as {}",
                    p.id
                )))
            }
            Err(e) => e,
        };
        ensure!(
            err.kind() == &ErrorKind::Validation,
            "the vendor's refusal surfaced as {err}, not as a validation error"
        );
        let raw = err.vendor_error().ok_or_else(|| {
            Failure(format!(
                "the error does not keep the vendor's raw error: {err}"
            ))
        })?;
        let message = raw.message.clone().unwrap_or_default();
        ensure!(
            message.contains("balans") || message.contains("balanced"),
            "the vendor's raw message was not kept: {message:?}"
        );
        ensure!(
            message.contains("//"),
            "the vendor's joined messages were not kept as sent: {message:?}"
        );
        ensure!(
            err.to_string()
                .contains(message.split("//").next().unwrap_or_default()),
            "the error's text does not show the vendor's message: {err}"
        );
        ensure!(
            tw.sim().transactions(&fx.administration).len() == before,
            "the refused invoice was stored"
        );
        Ok(())
    }
}
