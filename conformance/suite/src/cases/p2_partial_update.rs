//! P2: a partial update of one field moves nothing else, and the entry read back is the one updated.

use async_trait::async_trait;
use grootboek_core::{Capabilities, DocumentKind, DocumentPatch, Patch, Vendor};

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::p1_entry_kinds_round_trip::post_test_entries;
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct P2;

#[async_trait]
impl Case for P2 {
    fn id(&self) -> &'static str {
        "P2"
    }
    fn title(&self) -> &'static str {
        "pre-flight: a one-field update moves nothing else and keeps the entry's identity"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.invoice_write && caps.credit_note_write && caps.document_update {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot update posted documents".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let ledger = h.ledger();
        for posted in post_test_entries(h).await? {
            let text = format!("{} checked", posted.document.reference);
            let patch = DocumentPatch {
                description: Patch::Set(text.clone()),
                ..Default::default()
            };
            let updated = match posted.document.kind {
                DocumentKind::Invoice => ledger.update_invoice(&posted.id, &patch).await?,
                DocumentKind::CreditNote => ledger.update_credit_note(&posted.id, &patch).await?,
            };
            let r = &posted.document.reference;
            ensure!(
                updated.id == posted.id,
                "{r}: updated {} but read back {}",
                posted.id,
                updated.id
            );
            ensure!(
                updated.document.description.as_deref() == Some(text.as_str()),
                "{r}: description not changed"
            );
            let mut expected = posted.document.clone();
            expected.description = Some(text);
            ensure!(
                updated.document == expected,
                "{r}: other fields moved: {:?} vs {:?}",
                updated.document,
                expected
            );
        }
        Ok(())
    }
}
