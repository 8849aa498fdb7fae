//! Q14: an invoice written at 23:30 in Amsterdam is booked on the Amsterdam date, on both sides
//! of both DST changes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use grootboek_core::dates::amsterdam_date;
use grootboek_core::{Capabilities, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::cases::docs::invoice;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q14;

/// Late-evening and just-after-midnight writes in Amsterdam around the 2026 DST changes, as UTC
/// instants. At 23:30 the UTC date is still the local one; just after local midnight it is the day
/// before, which is where a client that dates by UTC goes wrong.
const LATE_EVENING_WRITES: [&str; 8] = [
    "2026-03-28T22:30:00Z", // Saturday 23:30 CET, the night before summer time
    "2026-03-28T23:30:00Z", // Sunday 00:30 CET, the night summer time starts
    "2026-03-29T21:30:00Z", // Sunday 23:30 CEST, the first summer evening
    "2026-03-29T22:30:00Z", // Monday 00:30 CEST
    "2026-10-24T21:30:00Z", // Saturday 23:30 CEST, the night before winter time
    "2026-10-24T22:30:00Z", // Sunday 00:30 CEST, the night winter time starts
    "2026-10-25T22:30:00Z", // Sunday 23:30 CET, the first winter evening
    "2026-10-25T23:30:00Z", // Monday 00:30 CET
];

#[async_trait]
impl Case for Q14 {
    fn id(&self) -> &'static str {
        "Q14"
    }
    fn title(&self) -> &'static str {
        "an invoice written at 23:30 or 00:30 Amsterdam is booked on the Amsterdam date, both sides of DST"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot post invoices".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let fx = h.fixture();
        for (i, at) in LATE_EVENING_WRITES.iter().enumerate() {
            let instant: DateTime<Utc> = at
                .parse()
                .map_err(|e| Failure(format!("bad instant {at}: {e}")))?;
            let local = amsterdam_date(instant);
            let reference = format!("Q14-{i}");
            let mut doc = invoice(
                fx,
                &fx.domestic_customer,
                &reference,
                Some(&fx.vat_high),
                fx.vat_high.rate,
                Decimal::new(10_000, 2),
            );
            // An adapter that dates documents from the moment of writing is given the instant;
            // otherwise the document carries the Amsterdam date of the instant (the core's rule).
            if !h.set_write_instant(instant) {
                doc.document_mut().date = local;
            }
            let ledger = h.ledger();
            let posted = ledger.create_invoice(&doc).await?;
            let back = ledger.get_invoice(&posted.id).await?;
            ensure!(
                back.document.date == local,
                "written at {at} (Amsterdam {local}) but booked on {}",
                back.document.date
            );
        }
        Ok(())
    }
}
