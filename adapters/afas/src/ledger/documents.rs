//! Invoices and credit notes of an [`AfasLedger`]: `FiEntries` read from the transactions
//! connector, found by invoice number, created after validation (Q02) with dates as Amsterdam
//! civil dates (Q14) and read back; and the [`Invoices`] and [`CreditNotes`] impls.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use grootboek_core::runtime::{retry, Landed};
use grootboek_core::validation::{validate_document, ValidationContext};
use grootboek_core::verify::verify_document;
use grootboek_core::{
    CreditNote, CreditNotes, DocumentKind, DocumentPatch, EntryId, Error, Invoice, Invoices,
    PostedDocument, Result, SalesDocument, VatCode, Vendor, WriteOutcome,
};
use reqwest::Method;

use super::{not_found, tag, AfasLedger};
use crate::client::{Filter, GetQuery};
use crate::config::DocumentDate;
use crate::mapping::entry::{
    self, assert_vat_codes_present, document_from_transactions, entry_number, fi_entries_body,
    group_by_entry, ReadContext, MAX_LINES,
};
use crate::wire::row::Row;

impl AfasLedger {
    /// The date a document written at `instant` is booked on: its Europe/Amsterdam civil date
    /// (Q14), or with the Q14 defence off the naive UTC date.
    pub fn booking_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        if self.config.runtime.defence("Q14") {
            grootboek_core::dates::amsterdam_date(instant)
        } else {
            instant.date_naive()
        }
    }

    /// Create an invoice dated by the moment it is written (`instant`), as integrations that
    /// book "today" do: the date becomes [`AfasLedger::booking_date`] of `instant`.
    pub async fn create_invoice_at(
        &self,
        invoice: &Invoice,
        instant: DateTime<Utc>,
    ) -> Result<PostedDocument> {
        let mut doc = invoice.document().clone();
        doc.date = self.booking_date(instant);
        self.create_document(doc)
            .await
            .map_err(tag("create_invoice"))
    }

    /// Create a credit note dated by the moment it is written (see [`AfasLedger::create_invoice_at`]).
    pub async fn create_credit_note_at(
        &self,
        credit_note: &CreditNote,
        instant: DateTime<Utc>,
    ) -> Result<PostedDocument> {
        let mut doc = credit_note.document().clone();
        doc.date = self.booking_date(instant);
        self.create_document(doc)
            .await
            .map_err(tag("create_credit_note"))
    }

    async fn transactions(&self, filters: Vec<Filter>) -> Result<Vec<Row>> {
        self.listing(
            &self.config.connectors.transactions,
            filters,
            "EntryNo",
            Some("SeqNo"),
        )
        .all(&self.client)
        .await
    }

    async fn get_document(&self, id: &EntryId) -> Result<PostedDocument> {
        if id.vendor != Vendor::Afas {
            return Err(Error::validation(format!("{id} is not an AFAS entry")));
        }
        let q = GetQuery {
            filters: vec![
                Filter::eq("UnitId", id.administration.clone()),
                Filter::eq("JournalId", id.journal.clone()),
                Filter::eq("EntryNo", id.key.clone()),
            ],
            order_by: vec!["SeqNo".into()],
            skip: 0,
            take: (2 * MAX_LINES + 2) as u64,
        };
        let rows = self
            .client
            .get(&self.config.connectors.transactions, &q)
            .await?
            .rows;
        if rows.is_empty() {
            return Err(not_found(format!("entry {id} does not exist")));
        }
        let vat = self.afas_vat_codes(&id.administration, false).await?;
        let posted = document_from_transactions(
            id,
            &rows,
            &ReadContext {
                vat: &vat,
                open_item: None,
                currency: self.config.currency,
            },
        )?;
        if posted.document.due_date.is_some() || posted.document.reference.is_empty() {
            return Ok(posted);
        }
        // The connector does not show the due date on the debtor line: the open item has it.
        let oq = GetQuery {
            filters: vec![
                Filter::eq("UnitId", id.administration.clone()),
                Filter::eq("DebtorId", posted.document.customer.clone()),
                Filter::eq("InvoiceNr", posted.document.reference.clone()),
            ],
            order_by: vec!["InvoiceNr".into()],
            skip: 0,
            take: 10,
        };
        let open = self
            .client
            .get(&self.config.connectors.open_items, &oq)
            .await?
            .rows;
        document_from_transactions(
            id,
            &rows,
            &ReadContext {
                vat: &vat,
                open_item: open.first(),
                currency: self.config.currency,
            },
        )
    }

    /// Entry keys in a journal whose debtor line carries `reference`.
    async fn entry_keys(
        &self,
        administration: &str,
        journal: Option<&str>,
        reference: &str,
    ) -> Result<BTreeSet<(String, String)>> {
        let mut filters = vec![
            Filter::eq("UnitId", administration),
            Filter::eq("InvoiceId", reference),
        ];
        if let Some(j) = journal {
            filters.push(Filter::eq("JournalId", j));
        }
        let rows = self.transactions(filters).await?;
        Ok(group_by_entry(rows).into_keys().collect())
    }

    async fn find_documents(
        &self,
        administration: &str,
        reference: &str,
        kind: DocumentKind,
    ) -> Result<Vec<PostedDocument>> {
        let mut out = Vec::new();
        for (journal, key) in self.entry_keys(administration, None, reference).await? {
            let id = EntryId::new(Vendor::Afas, administration, journal, key);
            let doc = self.get_document(&id).await?;
            if doc.document.kind == kind {
                out.push(doc);
            }
        }
        Ok(out)
    }

    async fn create_document(&self, mut doc: SalesDocument) -> Result<PostedDocument> {
        if doc.currency != self.config.currency {
            return Err(Error::unsupported(format!(
                "documents in {} are not supported; the administration books in {}",
                doc.currency, self.config.currency
            )));
        }
        if doc.credits.is_some() {
            return Err(Error::unsupported(
                "AFAS cannot show which invoice a credit note credits on the read-back; post it without `credits`",
            ));
        }
        if self.config.document_date == DocumentDate::WriteInstant {
            doc.date = self.booking_date(self.config.runtime.clock.now());
        }
        let q02 = self.config.runtime.defence("Q02");
        let mut vat = self.afas_vat_codes(&doc.administration, false).await?;
        let unknown = doc
            .lines
            .iter()
            .filter_map(|l| l.vat_code.as_deref())
            .any(|c| {
                !vat.iter()
                    .any(|v| v.code.code.eq_ignore_ascii_case(c.trim()))
            });
        if unknown {
            vat = self.afas_vat_codes(&doc.administration, true).await?;
        }
        let customer = self.debtor(doc.customer.trim()).await?.ok_or_else(|| {
            Error::validation(format!("Customer {} does not exist in AFAS.", doc.customer))
        })?;
        let core_codes: Vec<VatCode> = vat.iter().map(|v| v.code.clone()).collect();
        let ctx = ValidationContext {
            administration_country: self.config.country_of(&doc.administration),
            // Without the Q02 defence the ICP check is skipped (the customer's country unknown).
            customer_country: if q02 {
                customer.dimension.country
            } else {
                None
            },
            max_lines: Some(MAX_LINES),
            vat_codes: Some(&core_codes),
        };
        validate_document(&doc, &ctx)?;
        let body = fi_entries_body(&doc, doc.date, &vat)?;
        let before = self
            .entry_keys(&doc.administration, Some(&doc.journal), &doc.reference)
            .await?;
        let key = retry(
            &self.config.runtime.retry,
            || async {
                let answer = self
                    .client
                    .update(Method::POST, entry::CONNECTOR, &body)
                    .await?;
                entry_number(&answer).map_err(|e| e.with_outcome(WriteOutcome::Applied))
            },
            || async {
                // Did the uncertain write land? Look for a new entry with this invoice number.
                let now = self
                    .entry_keys(&doc.administration, Some(&doc.journal), &doc.reference)
                    .await?;
                let new: Vec<_> = now.difference(&before).collect();
                Ok(match new.as_slice() {
                    [(_, key)] => Landed::Yes(key.clone()),
                    [] => Landed::No,
                    _ => {
                        return Err(Error::protocol(
                            "several new entries carry this invoice number",
                        ))
                    }
                })
            },
        )
        .await?;
        let id = EntryId::new(
            Vendor::Afas,
            doc.administration.trim(),
            doc.journal.trim(),
            key,
        );
        if !self.config.runtime.verify && !q02 {
            return Ok(PostedDocument {
                id,
                document: doc,
                status: None,
            });
        }
        let applied = |e: Error| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone());
        let posted = self.get_document(&id).await.map_err(applied)?;
        if q02 {
            assert_vat_codes_present(&doc, &posted).map_err(|e| e.with_vendor(Vendor::Afas))?;
        }
        if self.config.runtime.verify {
            // Without a due date AFAS derives one from the payment condition: accept it.
            let mut expected = doc.clone();
            if expected.due_date.is_none() {
                expected.due_date = posted.document.due_date;
            }
            verify_document(&expected, Some(&id), &posted)
                .map_err(|e| e.with_vendor(Vendor::Afas))?;
        }
        Ok(posted)
    }
}

#[async_trait]
impl Invoices for AfasLedger {
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument> {
        self.create_document(invoice.document().clone())
            .await
            .map_err(tag("create_invoice"))
    }

    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument> {
        let d = self.get_document(id).await.map_err(tag("get_invoice"))?;
        if d.document.kind != DocumentKind::Invoice {
            return Err(tag("get_invoice")(not_found(format!(
                "entry {id} is a credit note, not an invoice"
            ))));
        }
        Ok(d)
    }

    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::Invoice)
            .await
            .map_err(tag("find_invoices"))
    }

    async fn update_invoice(
        &self,
        _id: &EntryId,
        _patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        Err(tag("update_invoice")(Error::unsupported(
            "AFAS FiEntries cannot be updated (no PUT); reverse and post again",
        )))
    }
}

#[async_trait]
impl CreditNotes for AfasLedger {
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument> {
        self.create_document(credit_note.document().clone())
            .await
            .map_err(tag("create_credit_note"))
    }

    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument> {
        let d = self
            .get_document(id)
            .await
            .map_err(tag("get_credit_note"))?;
        if d.document.kind != DocumentKind::CreditNote {
            return Err(tag("get_credit_note")(not_found(format!(
                "entry {id} is an invoice, not a credit note"
            ))));
        }
        Ok(d)
    }

    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::CreditNote)
            .await
            .map_err(tag("find_credit_notes"))
    }

    async fn update_credit_note(
        &self,
        _id: &EntryId,
        _patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        Err(tag("update_credit_note")(Error::unsupported(
            "AFAS FiEntries cannot be updated (no PUT); reverse and post again",
        )))
    }
}
