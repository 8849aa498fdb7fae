//! T06: Twinfield takes at most 25 children per request; writes go in batches of at most 25 and
//! each document of a batch gets its own outcome.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct T06;

#[async_trait]
impl Case for T06 {
    fn id(&self) -> &'static str {
        "T06"
    }
    fn title(&self) -> &'static str {
        "30 invoices go in requests of at most 25, and each invoice gets its own outcome"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match (vendor, caps.max_batch_size) {
            (Vendor::Twinfield, Some(n)) if n > 1 => Applicability::Applies,
            (Vendor::Twinfield, _) => Applicability::NotApplicable(
                "the Twinfield adapter does not batch writes".into(),
            ),
            (v, _) => Applicability::NotApplicable(format!(
                "{} takes one document per request; there is no batch to split or to report item by item",
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
    use grootboek_core::ErrorKind;
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    /// Documents posted in one call.
    const DOCUMENTS: usize = 30;
    /// The document the vendor refuses (unknown revenue account).
    const REFUSED: usize = 7;

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let fx = h.fixture();
        let mut docs: Vec<_> = (0..DOCUMENTS)
            .map(|i| {
                invoice(
                    fx,
                    &fx.domestic_customer,
                    &format!("T06-{i:03}"),
                    Some(&fx.vat_high),
                    fx.vat_high.rate,
                    Decimal::new(1_000 + i as i64, 2),
                )
                .into_document()
            })
            .collect();
        if let Some(line) = docs.get_mut(REFUSED).and_then(|d| d.lines.first_mut()) {
            // An account the office does not have: the vendor refuses this one document.
            line.account = "9999".into();
        }
        let from = tw.sim().core().log.snapshot().len();
        let results = tw.twinfield().post_documents(&docs).await;
        ensure!(
            results.len() == DOCUMENTS,
            "{} outcomes for {DOCUMENTS} documents",
            results.len()
        );
        let sizes: Vec<usize> = tw
            .sim()
            .core()
            .log
            .snapshot()
            .iter()
            .skip(from)
            .filter(|r| r.path.ends_with("processxml.asmx"))
            .map(|r| {
                r.body.matches("&lt;transaction ").count() + r.body.matches("<transaction ").count()
            })
            .filter(|n| *n > 0)
            .collect();
        ensure!(!sizes.is_empty(), "no transaction reached the simulator");
        ensure!(
            sizes.iter().all(|n| *n <= 25),
            "requests carried {sizes:?} transactions; Twinfield takes at most 25"
        );
        let mut wrong = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let reference = format!("T06-{i:03}");
            match (i == REFUSED, r) {
                (false, Ok(p)) if p.document.reference == reference => {}
                (false, Ok(p)) => {
                    wrong.push(format!("{reference} came back as {}", p.document.reference))
                }
                (false, Err(e)) => wrong.push(format!("{reference} failed: {e}")),
                (true, Ok(p)) => wrong.push(format!(
                    "{reference} with an unknown account was posted as {}",
                    p.id
                )),
                (true, Err(e)) if e.kind() == &ErrorKind::Validation => {}
                (true, Err(e)) => wrong.push(format!(
                    "{reference} with an unknown account failed as {e}, not as a validation error"
                )),
            }
        }
        if !wrong.is_empty() {
            return Err(Failure(format!(
                "{} of {DOCUMENTS} outcomes are wrong (requests of {sizes:?}), first: {}",
                wrong.len(),
                wrong.first().cloned().unwrap_or_default()
            )));
        }
        let stored = tw.sim().transactions(&fx.administration).len();
        ensure!(
            stored == DOCUMENTS - 1,
            "the office holds {stored} transactions, not the {} that succeeded",
            DOCUMENTS - 1
        );
        Ok(())
    }
}
