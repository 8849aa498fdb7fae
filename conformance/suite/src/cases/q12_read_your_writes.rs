//! Q12: Twinfield's REST-style read lags SOAP ~30 s after a write; a read-back right after a
//! write returns the written status.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct Q12;

#[async_trait]
impl Case for Q12 {
    fn id(&self) -> &'static str {
        "Q12"
    }
    fn title(&self) -> &'static str {
        "a status read right after a write returns the written status"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield if caps.invoice_write => Applicability::Applies,
            Vendor::Twinfield => Applicability::NotApplicable(
                "the Twinfield adapter does not post invoices".into(),
            ),
            v => Applicability::NotApplicable(format!(
                "only Twinfield serves a second, lagging read path (REST beside SOAP); the {} adapter reads one consistent API",
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
    use grootboek_core::Invoices;
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let fx = h.fixture();
        let posted = tw
            .twinfield()
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                "Q12-2026-001",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::new(5_000, 2),
            ))
            .await?;
        let written = posted
            .status
            .clone()
            .ok_or_else(|| Failure("the posted invoice came back without a status".into()))?;
        let status = tw
            .twinfield()
            .transaction_status(&posted.id)
            .await
            .map_err(|e| Failure(format!("the status read right after the write failed: {e}")))?;
        ensure!(
            status == written,
            "the status read right after the write is {status:?}, the write left {written:?}"
        );
        let back = tw
            .twinfield()
            .get_invoice(&posted.id)
            .await
            .map_err(|e| Failure(format!("the read-back right after the write failed: {e}")))?;
        ensure!(
            back.status.as_deref() == Some(written.as_str()),
            "the invoice read right after the write has status {:?}, the write left {written:?}",
            back.status
        );
        Ok(())
    }
}
