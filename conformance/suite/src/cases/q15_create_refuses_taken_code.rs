//! Q15: creating a customer with a taken code is refused and the existing customer is unchanged.

use async_trait::async_trait;
use grootboek_core::{Capabilities, CountryCode, Dimension, DimensionKind, ErrorKind, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q15;

/// Create a customer, then create another with the same code; the second must be refused and the
/// first untouched. Shared with P5.
pub async fn duplicate_code_is_refused(h: &dyn Harness, code: &str) -> CaseResult {
    let (fx, ledger) = (h.fixture(), h.ledger());
    let original = Dimension::customer(code, "Bakkerij De Korenschoof", CountryCode::NL);
    ledger
        .create_dimension(&fx.administration, &original)
        .await?;
    let intruder = Dimension::customer(
        code,
        "Overschreven BV",
        "BE".parse().map_err(Failure::from)?,
    );
    match ledger.create_dimension(&fx.administration, &intruder).await {
        Ok(_) => {
            return Err(Failure(format!(
                "a second customer with code {code} was accepted"
            )))
        }
        Err(e) => ensure!(
            e.kind() == &ErrorKind::AlreadyExists,
            "expected AlreadyExists, got: {e}"
        ),
    }
    let back = ledger
        .get_dimension(&fx.administration, DimensionKind::Customer, code)
        .await?;
    ensure!(
        back.name == original.name,
        "the existing customer was overwritten: name {}",
        back.name
    );
    ensure!(
        back.country == original.country,
        "the existing customer's country became {:?}",
        back.country
    );
    Ok(())
}

#[async_trait]
impl Case for Q15 {
    fn id(&self) -> &'static str {
        "Q15"
    }
    fn title(&self) -> &'static str {
        "creating a customer with a taken code is refused; the existing customer is unchanged"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.dimension_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot create customers".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        duplicate_code_is_refused(h, "Q15KLANT").await
    }
}
