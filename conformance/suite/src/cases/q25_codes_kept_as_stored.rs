//! Q25: Twinfield stores a ledger account as `0110` while its browse reads it as `110`. A line
//! written on the code as read posts to another account, or to none. The adapter keeps codes
//! exactly as stored and looks each line's account up in the office before the wire: a line on
//! `0110` posts to `0110` and reads back as `0110`; a line on `110` (which the office does not
//! have) is refused before anything is sent, naming the stored `0110`.

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Invoice, SalesLine, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::doc_date;
use crate::ensure;
use crate::harness::{Fixture, Harness};

/// The case.
pub struct Q25;

/// A one-line domestic invoice of 250.00 at the high rate on ledger account `account`.
fn invoice_on(fx: &Fixture, reference: &str, account: &str) -> Invoice {
    Invoice::new(
        &fx.administration,
        &fx.sales_journal,
        &fx.domestic_customer,
        reference,
        doc_date(),
    )
    .with_line(SalesLine::new(
        account,
        format!("{reference} line"),
        Decimal::from(250),
        Some(fx.vat_high.code.as_str()),
        fx.vat_high.rate,
    ))
}

/// A reference of this run.
fn reference(tag: &str) -> String {
    format!(
        "Q25{tag}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
    .to_ascii_uppercase()
}

#[async_trait]
impl Case for Q25 {
    fn id(&self) -> &'static str {
        "Q25"
    }
    fn title(&self) -> &'static str {
        "a line on account 0110 posts to 0110, and one on 110 is refused naming 0110"
    }
    fn applies(&self, vendor: Vendor, caps: &Capabilities) -> Applicability {
        match vendor {
            Vendor::Twinfield if caps.invoice_write => Applicability::Applies,
            Vendor::Twinfield => {
                Applicability::NotApplicable("the adapter cannot post invoices".into())
            }
            Vendor::Exact => Applicability::NotApplicable(
                "Q25 is reported for Twinfield; an Exact line names its GL account by GUID, \
                 and neither Exact's documentation nor recorded responses show a read that \
                 drops a code's leading zeros"
                    .into(),
            ),
            Vendor::Afas => Applicability::NotApplicable(
                "Q25 is reported for Twinfield; AFAS account numbers (`AcNr`, `AccountNo`) are \
                 read and written as the same string, and no read that drops leading zeros is \
                 documented or recorded"
                    .into(),
            ),
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let Some(padded) = fx.padded_account.clone() else {
            return Err(Failure(
                "the harness names no account stored with a leading zero".into(),
            ));
        };
        let read_form = padded.trim_start_matches('0').to_string();
        ensure!(
            read_form != padded,
            "the fixture's account {padded} has no leading zero"
        );
        // 1. A line on the stored code posts there and reads back verbatim.
        let kept = reference("K");
        let doc = invoice_on(fx, &kept, &padded);
        let posted = ledger.create_invoice(&doc).await?;
        let found = ledger.find_invoices(&fx.administration, &kept).await?;
        ensure!(found.len() == 1, "{} invoices with {kept}", found.len());
        let accounts: Vec<&str> = found[0]
            .document
            .lines
            .iter()
            .map(|l| l.account.as_str())
            .collect();
        ensure!(
            accounts == [padded.as_str()],
            "invoice {} posted on {padded} reads back on {accounts:?}",
            posted.id
        );

        // 2. A line on the code as the browse reads it is refused before the wire.
        let trimmed = reference("T");
        let doc = invoice_on(fx, &trimmed, &read_form);
        let before = h.write_requests();
        match ledger.create_invoice(&doc).await {
            Ok(p) => {
                return Err(Failure(format!(
                    "a line on {read_form}, which the office does not have, was posted as {}",
                    p.id
                )))
            }
            Err(e) => {
                ensure!(
                    *e.kind() == ErrorKind::Validation,
                    "refused as {:?}, not as a validation error: {e}",
                    e.kind()
                );
                ensure!(
                    e.message().contains(&padded),
                    "the refusal does not name the stored code {padded}: {e}"
                );
            }
        }
        ensure!(
            h.write_requests() == before,
            "{} write requests reached the vendor for the line on {read_form}",
            h.write_requests() - before
        );
        let found = ledger.find_invoices(&fx.administration, &trimmed).await?;
        ensure!(
            found.is_empty(),
            "{} entries with {trimmed} reached the vendor",
            found.len()
        );
        Ok(())
    }
}
