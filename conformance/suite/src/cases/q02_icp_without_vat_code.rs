//! Q02: an intra-community invoice without a VAT code is refused before the wire; with the code it
//! round-trips with the code.

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q02;

#[async_trait]
impl Case for Q02 {
    fn id(&self) -> &'static str {
        "Q02"
    }
    fn title(&self) -> &'static str {
        "an ICP invoice without a VAT code is refused and nothing reaches the vendor"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot post invoices".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let net = Decimal::new(1_420_000, 2);
        let before = h.write_requests();
        let bare = invoice(fx, &fx.icp_customer, "Q02-ICP-1", None, Decimal::ZERO, net);
        match ledger.create_invoice(&bare).await {
            Ok(p) => {
                return Err(crate::case::Failure(format!(
                    "an ICP line without VAT code was accepted as {}",
                    p.id
                )))
            }
            Err(e) => ensure!(
                e.kind() == &ErrorKind::Validation,
                "expected a validation refusal, got: {e}"
            ),
        }
        ensure!(
            h.write_requests() == before,
            "{} write request(s) reached the vendor",
            h.write_requests() - before
        );
        let found = ledger
            .find_invoices(&fx.administration, "Q02-ICP-1")
            .await?;
        ensure!(
            found.is_empty(),
            "the refused invoice exists at the vendor ({} entries)",
            found.len()
        );

        let coded = invoice(
            fx,
            &fx.icp_customer,
            "Q02-ICP-2",
            Some(&fx.vat_icp),
            fx.vat_icp.rate,
            net,
        );
        let posted = ledger.create_invoice(&coded).await?;
        let back = ledger.get_invoice(&posted.id).await?;
        let code = back.document.lines.first().and_then(|l| l.vat_code.clone());
        ensure!(
            code.as_deref().map(str::trim) == Some(fx.vat_icp.code.as_str()),
            "the ICP line came back with VAT code {code:?}, expected {}",
            fx.vat_icp.code
        );
        Ok(())
    }
}
