//! Q08: Exact answers a URL without the division with 401, like a dead token. Bank entries post
//! and read with the division, no request lacks it, and a 401 on a live token burns no refresh.

use async_trait::async_trait;
use grootboek_core::{Capabilities, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::harness::Harness;

/// The case.
pub struct Q08;

#[async_trait]
impl Case for Q08 {
    fn id(&self) -> &'static str {
        "Q08"
    }
    fn title(&self) -> &'static str {
        "bank entries post and read with the division; no URL lacks it; a 401 on a live token burns no refresh"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Exact if caps.bank_entries => Applicability::Applies,
            Vendor::Exact => Applicability::NotApplicable(
                "the Exact adapter does not post bank entries".into(),
            ),
            Vendor::Twinfield => Applicability::NotApplicable(
                "Twinfield names the office in the SOAP header (CompanyCode), not in the URL; a URL cannot lack it".into(),
            ),
            Vendor::Afas => Applicability::NotApplicable(
                "AFAS addresses one environment per URL and names the administration in the request; there is no division in its URLs to forget".into(),
            ),
        }
    }
    #[cfg(feature = "exact")]
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        exact::run(h).await
    }
    #[cfg(not(feature = "exact"))]
    async fn run(&self, _h: &dyn Harness) -> CaseResult {
        Err(crate::case::Failure(
            "this build has no Exact adapter".into(),
        ))
    }
}

#[cfg(feature = "exact")]
mod exact {
    use std::time::Duration;

    use chrono::NaiveDate;
    use grootboek_core::runtime::clock::Clock;
    use grootboek_core::runtime::TokenPair;
    use grootboek_core::runtime::{RuntimeConfig, TokenSetting};
    use grootboek_core::{ErrorKind, Invoices, Ledger};
    use grootboek_exact::{BankEntry, BankEntryLine};
    use grootboek_sim::common::{Fault, FaultRule};
    use rust_decimal::Decimal;

    use crate::case::{CaseResult, Failure};
    use crate::cases::docs::invoice;
    use crate::cases::support;
    use crate::ensure;
    use crate::harness::{Harness, SimulatedTime};

    pub(super) async fn run(h: &dyn Harness) -> CaseResult {
        let ex = support::exact(h)?;
        let fx = h.fixture();
        let division = ex.division();
        let admin = division.to_string();
        ensure!(
            fx.administration == admin,
            "the fixture's administration {} is not division {division}",
            fx.administration
        );

        // Bank entries post and read with the division.
        let posted = ex
            .exact()
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                "Q08-2026-001",
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::new(50_000, 2),
            ))
            .await?;
        let invoice_number = uuid::Uuid::parse_str(&posted.id.key)
            .ok()
            .and_then(|id| ex.sim().sales_entry(id))
            .and_then(|e| e.invoice_number)
            .map(i64::from);
        let entry = BankEntry {
            administration: admin.clone(),
            journal: "20".into(),
            currency: None,
            lines: vec![BankEntryLine {
                date: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default(),
                amount: Decimal::new(-20_000, 2),
                gl_account: None,
                customer: Some(fx.domestic_customer.clone()),
                description: Some("Deelbetaling Q08-2026-001".into()),
                our_ref: invoice_number,
            }],
        };
        let bank = ex.exact().post_bank_entry(&entry).await?;
        let listed = ex.exact().bank_entries(&admin).await?;
        ensure!(
            listed.iter().any(|b| b.entry_id == bank.entry_id),
            "bank entry {} is missing from the division's bank entries",
            bank.entry_id
        );
        let within = format!("/api/v1/{division}/");
        let bare: Vec<String> = h
            .requests()
            .into_iter()
            .filter(|(_, p, _)| !p.starts_with("/api/oauth2/"))
            .filter(|(_, p, _)| !p.starts_with(&within) && !p.starts_with("/api/v1/current/Me"))
            .map(|(m, p, s)| format!("{m} {p} → {s}"))
            .collect();
        ensure!(
            bare.is_empty(),
            "{} requests without the division, first: {}",
            bare.len(),
            bare.first().cloned().unwrap_or_default()
        );

        // A 401 on a URL with the division while the token is alive is not taken for expiry.
        // Its own grant (another user) and a 1 s refresh skew, so that late in the token's life
        // a refresh would be allowed but is not due.
        let clock = SimulatedTime(ex.sim().core().clone());
        let other = ex
            .variant(|c| {
                {
                    let mut c = c;
                    c.runtime.tokens = TokenSetting::default();
                    c
                }
                .with_connection_id(format!("exact:conformance:q08:{}", uuid::Uuid::new_v4()))
                .with_refresh_skew(Duration::from_secs(1))
            })
            .await?;
        let tokens = ex
            .sim()
            .issue_tokens_as(ex.client_id(), "q08-user")
            .map_err(|e| Failure(format!("cannot issue tokens: {e}")))?;
        other
            .store_tokens(TokenPair::from_expires_in(
                tokens.access_token.clone(),
                tokens.refresh_token.clone(),
                clock.now(),
                Duration::from_secs(tokens.expires_in),
            ))
            .await?;
        ensure!(
            h.advance_clock(Duration::from_secs(575)),
            "the harness cannot move the simulated clock"
        );
        ex.sim().core().faults.push(FaultRule {
            method: Some("GET".into()),
            path_contains: Some("financial/Journals".into()),
            times: Some(1),
            fault: Fault::Status {
                status: 401,
                retry_after_secs: None,
            },
        });
        let before = h.token_endpoint_requests()?;
        let outcome = other.list_journals(&admin, None).await;
        let after = h.token_endpoint_requests()?;
        ensure!(
            after == before,
            "a 401 on {within}financial/Journals with a live token sent {} request(s) to the token endpoint (a refresh burned)",
            after - before
        );
        if let Err(e) = outcome {
            ensure!(
                e.kind() == &ErrorKind::Unauthenticated,
                "the 401 with a live token surfaced as {e}"
            );
        }
        Ok(())
    }
}
