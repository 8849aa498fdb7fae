//! Q09: clearing a customer's field really clears it (under both of the vendor's empty-string
//! behaviours), and an unrelated field is untouched.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Dimension, DimensionKind, DimensionPatch, Patch, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q09;

#[async_trait]
impl Case for Q09 {
    fn id(&self) -> &'static str {
        "Q09"
    }
    fn title(&self) -> &'static str {
        "clearing a customer's field clears it; other fields are untouched"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.dimension_write && caps.dimension_update_clear {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot clear dimension fields".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        // Both positions of the vendor's switch when it has one (AFAS: "" keeps vs "" clears).
        let positions: &[bool] = if h.set_quirk("Q09", true) {
            &[true, false]
        } else {
            &[true]
        };
        for (i, on) in positions.iter().enumerate() {
            h.set_quirk("Q09", *on);
            let code = format!("Q09C{i}");
            let mut c = Dimension::customer(&code, "Q09 Klant BV", grootboek_core::CountryCode::NL);
            c.email = Some("factuur@klant.example".into());
            c.vat_number = Some("NL001234567B01".into());
            ledger.create_dimension(&fx.administration, &c).await?;
            let patch = DimensionPatch {
                email: Patch::Clear,
                ..Default::default()
            };
            ledger
                .update_dimension(&fx.administration, DimensionKind::Customer, &code, &patch)
                .await?;
            let back = ledger
                .get_dimension(&fx.administration, DimensionKind::Customer, &code)
                .await?;
            ensure!(
                back.email.is_none(),
                "with the vendor switch {on}, the e-mail was not cleared: {:?}",
                back.email
            );
            ensure!(back.name == c.name, "the name changed to {}", back.name);
            ensure!(
                back.vat_number == c.vat_number,
                "the VAT number changed to {:?}",
                back.vat_number
            );
        }
        Ok(())
    }
}
