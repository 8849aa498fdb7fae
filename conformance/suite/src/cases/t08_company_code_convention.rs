//! T08: `CompanyCode` and `CompanyId` both scope a Twinfield call; the adapter uses one
//! convention, the code: every office-scoped call names the office by `CompanyCode`, none by
//! `CompanyId`.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct T08;

#[async_trait]
impl Case for T08 {
    fn id(&self) -> &'static str {
        "T08"
    }
    fn title(&self) -> &'static str {
        "every office-scoped SOAP call names the office by CompanyCode, none by CompanyId"
    }
    fn applies(&self, vendor: Vendor, _caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield => Applicability::Applies,
            v => Applicability::NotApplicable(format!(
                "only Twinfield offers two ways (CompanyCode, CompanyId) to scope a call; {} has one",
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
    use grootboek_core::DimensionKind;
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::Harness;

    /// The text of `<tag>…</tag>` in `body`, if present with content.
    fn element<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = body.find(&open)? + open.len();
        let len = body.get(start..)?.find(&close)?;
        body.get(start..start + len)
    }

    /// Whether every `CompanyId` element in `body` is empty (`xsi:nil` or self-closing).
    fn company_id_unused(body: &str) -> bool {
        body.match_indices("<CompanyId").all(|(i, _)| {
            body.get(i..)
                .and_then(|rest| rest.find('>').map(|end| rest.get(..=end)))
                .flatten()
                .is_some_and(|tag| tag.ends_with("/>"))
        })
    }

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let tw = support::twinfield(h)?;
        let fx = h.fixture();
        let ledger = h.ledger();
        let offices = ledger.administrations().await?;
        ensure!(
            offices.len() >= 2,
            "the organisation lists {} offices",
            offices.len()
        );
        for office in &offices {
            ledger.vat_codes(&office.code).await?;
            ledger
                .all_dimensions(&office.code, DimensionKind::Customer)
                .await?;
        }
        let posted = ledger
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                "T08-2026-001",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::new(2_500, 2),
            ))
            .await?;
        ledger.get_invoice(&posted.id).await?;
        ledger.all_open_items(&fx.administration).await?;

        let codes: Vec<&str> = offices.iter().map(|o| o.code.as_str()).collect();
        let log = tw.sim().core().log.snapshot();
        let soap: Vec<_> = log
            .iter()
            .filter(|r| r.path.ends_with("processxml.asmx") || r.path.ends_with("finder.asmx"))
            .collect();
        ensure!(soap.len() > 5, "only {} SOAP calls were made", soap.len());
        let mut scoped = 0;
        for r in &soap {
            ensure!(
                company_id_unused(&r.body),
                "a call to {} names the office by CompanyId",
                r.path
            );
            // Listing the organisation's offices is the one call that is not office-scoped.
            let lists_offices = r.body.contains("&lt;type&gt;offices&lt;/type&gt;")
                || r.body.contains("<type>offices</type>");
            match element(&r.body, "CompanyCode") {
                Some(code) => {
                    ensure!(
                        codes.contains(&code),
                        "a call names CompanyCode {code:?}, which is none of the offices {codes:?}"
                    );
                    scoped += 1;
                }
                None if lists_offices => {}
                None => {
                    return Err(Failure(format!(
                        "an office-scoped call to {} carries no CompanyCode",
                        r.path
                    )))
                }
            }
        }
        ensure!(scoped > 0, "no call carried a CompanyCode");
        Ok(())
    }
}
