//! Q11: Twinfield's invoice PDF URLs expire after 60 minutes; the adapter caches the bytes.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct Q11;

#[async_trait]
impl Case for Q11 {
    fn id(&self) -> &'static str {
        "Q11"
    }
    fn title(&self) -> &'static str {
        "an invoice PDF fetched again after its URL expired (61 simulated minutes) is served from the cache"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield if caps.invoice_pdf => Applicability::Applies,
            Vendor::Twinfield => Applicability::NotApplicable(
                "the Twinfield adapter does not fetch invoice PDFs".into(),
            ),
            v => Applicability::NotApplicable(format!(
                "only Twinfield hands out expiring invoice-PDF URLs; the {} adapter fetches no invoice PDFs",
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
    use std::time::Duration;

    use grootboek_core::Invoices;
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    fn downloads(h: &dyn Harness) -> usize {
        h.requests()
            .iter()
            .filter(|(_, p, _)| p.contains("invoicepdf"))
            .count()
    }

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let fx = h.fixture();
        let posted = tw
            .twinfield()
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                "Q11-2026-001",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::new(5_000, 2),
            ))
            .await?;
        let first = tw
            .twinfield()
            .invoice_pdf(&posted.id)
            .await
            .map_err(|e| Failure(format!("the first PDF fetch failed: {e}")))?;
        ensure!(
            first.starts_with(b"%PDF"),
            "the invoice PDF is not a PDF ({} bytes)",
            first.len()
        );
        let fetched = downloads(h);
        ensure!(
            fetched > 0,
            "the first fetch left no trace in the simulator's log"
        );
        ensure!(
            h.advance_clock(Duration::from_secs(61 * 60)),
            "the harness cannot move the simulated clock"
        );
        let again = tw.twinfield().invoice_pdf(&posted.id).await.map_err(|e| {
            Failure(format!(
                "after the URL's expiry the PDF could not be served: {e}"
            ))
        })?;
        ensure!(again == first, "the PDF served after expiry differs");
        ensure!(
            downloads(h) == fetched,
            "the PDF was downloaded again after expiry instead of served from the cache"
        );
        Ok(())
    }
}
