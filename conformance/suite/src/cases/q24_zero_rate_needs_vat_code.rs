//! Q24: Exact honours a line's VAT percentage only above 0. A 0% line without an explicit VAT
//! code is booked with a default code (VAT added), so the adapter must refuse it before the
//! wire: the caller gets a validation error and nothing reaches the vendor.

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q24;

#[async_trait]
impl Case for Q24 {
    fn id(&self) -> &'static str {
        "Q24"
    }
    fn title(&self) -> &'static str {
        "a 0% line without a VAT code is refused and nothing reaches the vendor"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact if caps.invoice_write => Applicability::Applies,
            Vendor::Exact => {
                Applicability::NotApplicable("the adapter cannot post invoices".into())
            }
            Vendor::Twinfield => Applicability::NotApplicable(
                "Q24 is reported for Exact Online; Twinfield takes VAT from each line's own \
                 `vatcode` and neither its documentation nor recorded responses show a default \
                 code put on a line that has none"
                    .into(),
            ),
            Vendor::Afas => Applicability::NotApplicable(
                "Q24 is reported for Exact Online; an AFAS FiEntries line carries VAT only \
                 through the VAT code it names, and no default code is documented for a line \
                 without one"
                    .into(),
            ),
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let reference =
            format!("Q24{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_ascii_uppercase();
        // An exempt domestic supply meant at 0%, with no code named.
        let doc = invoice(
            fx,
            &fx.domestic_customer,
            &reference,
            None,
            Decimal::ZERO,
            Decimal::from(100),
        );
        match ledger.create_invoice(&doc).await {
            Ok(posted) => {
                return Err(Failure(format!(
                    "the 0% line without a code was posted as {} with VAT code {:?} and VAT {}",
                    posted.id,
                    posted
                        .document
                        .lines
                        .first()
                        .and_then(|l| l.vat_code.clone()),
                    posted.document.vat_total().amount
                )))
            }
            Err(e) => ensure!(
                *e.kind() == ErrorKind::Validation,
                "refused as {:?}, not as a validation error before the wire: {e}",
                e.kind()
            ),
        }
        let found = ledger.find_invoices(&fx.administration, &reference).await?;
        ensure!(
            found.is_empty(),
            "{} entries with {reference} reached the vendor",
            found.len()
        );
        Ok(())
    }
}
