//! Q01: an update lands on the entry it names, never on a sibling that shares its reference.

use async_trait::async_trait;
use grootboek_core::{Capabilities, DocumentKind, DocumentPatch, Patch, Vendor};
use rust_decimal::Decimal;

use crate::case::{Applicability, Case, CaseResult};
use crate::cases::docs::{credit_note, invoice};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct Q01;

#[async_trait]
impl Case for Q01 {
    fn id(&self) -> &'static str {
        "Q01"
    }
    fn title(&self) -> &'static str {
        "updating a credit note that shares its reference with an invoice changes only the credit note"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.document_update && caps.credit_note_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot update posted credit notes".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let (fx, ledger) = (h.fixture(), h.ledger());
        let reference = "Q01-2026-0042";
        let net = Decimal::new(12_500, 2);
        let inv = ledger
            .create_invoice(&invoice(
                fx,
                &fx.domestic_customer,
                reference,
                Some(&fx.vat_high),
                fx.vat_high.rate,
                net,
            ))
            .await?;
        let cn = ledger
            .create_credit_note(&credit_note(
                fx,
                &fx.domestic_customer,
                reference,
                &fx.vat_high,
                net,
            ))
            .await?;
        let note = "credit note settled against Q01-2026-0042".to_string();
        let patch = DocumentPatch {
            description: Patch::Set(note.clone()),
            ..Default::default()
        };
        let updated = ledger.update_credit_note(&cn.id, &patch).await?;
        ensure!(
            updated.id == cn.id,
            "the update answered for {} instead of {}",
            updated.id,
            cn.id
        );
        let cn_back = ledger.get_credit_note(&cn.id).await?;
        ensure!(
            cn_back.document.kind == DocumentKind::CreditNote,
            "the credit note became a {}",
            cn_back.document.kind
        );
        ensure!(
            cn_back.document.description.as_deref() == Some(note.as_str()),
            "the credit note did not get the change (description {:?})",
            cn_back.document.description
        );
        let inv_back = ledger.get_invoice(&inv.id).await?;
        ensure!(
            inv_back.document.kind == DocumentKind::Invoice,
            "the invoice became a {}",
            inv_back.document.kind
        );
        ensure!(
            inv_back.document.description == inv.document.description,
            "the invoice was changed by the credit note's update (description {:?}, was {:?})",
            inv_back.document.description,
            inv.document.description
        );
        ensure!(
            inv_back.document.lines == inv.document.lines,
            "the invoice's lines changed"
        );
        Ok(())
    }
}
