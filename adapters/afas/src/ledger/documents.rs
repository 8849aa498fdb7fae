//! Invoices and credit notes of an [`AfasLedger`]: `FiEntries` read from the transactions
//! connector, found by invoice number, created after validation (Q02) with dates as Amsterdam
//! civil dates (Q14) through the core write driver ([`DocumentBackend`]), which gives the adapter
//! its `Invoices` and `CreditNotes`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::validation::{validate_document, ValidationContext};
use grootboek_core::write::{driver, DocumentBackend, DocumentWriting};
use grootboek_core::{
    CreditNote, DocumentKind, DocumentPatch, EntryId, Error, Invoice, PostedDocument, Result,
    SalesDocument, VatCode, Vendor, WriteOutcome,
};
use reqwest::Method;

use super::{not_found, AfasLedger};
use crate::client::{Filter, GetQuery};
use crate::config::DocumentDate;
use crate::mapping::entry::{
    self, document_from_transactions, entry_number, fi_entries_body, group_by_entry, ReadContext,
    MAX_LINES,
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
        driver(self).create(&doc, "create_invoice").await
    }

    /// Create a credit note dated by the moment it is written (see [`AfasLedger::create_invoice_at`]).
    pub async fn create_credit_note_at(
        &self,
        credit_note: &CreditNote,
        instant: DateTime<Utc>,
    ) -> Result<PostedDocument> {
        let mut doc = credit_note.document().clone();
        doc.date = self.booking_date(instant);
        driver(self).create(&doc, "create_credit_note").await
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

    async fn get_entry(&self, id: &EntryId) -> Result<PostedDocument> {
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
            let doc = self.get_entry(&id).await?;
            if doc.document.kind == kind {
                out.push(doc);
            }
        }
        Ok(out)
    }
}

/// What an AFAS create sends, resolved before the wire: the document as it will be booked (its
/// date an Amsterdam civil date, Q14) and the `FiEntries` body.
pub struct PreparedDocument {
    doc: SalesDocument,
    body: serde_json::Value,
}

/// AFAS's side of the core write driver: `FiEntries` in a sales journal.
///
/// Pre-commit answers (safe to send again): 400 and AFAS's 500 refusing the content (its
/// `externalMessage`), a locked booking layout, and a request that never left. A 429, a 503
/// (maintenance or more than 8 calls in flight) or a gateway error after the body was sent is
/// uncertain and resolved by the invoice number before any resend (R01).
#[async_trait]
impl DocumentBackend for AfasLedger {
    type Prepared = PreparedDocument;

    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    async fn prepare(&self, doc: &SalesDocument) -> Result<PreparedDocument> {
        let mut doc = doc.clone();
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
        Ok(PreparedDocument { doc, body })
    }

    fn document_of<'a>(
        &self,
        _doc: &'a SalesDocument,
        prepared: &'a PreparedDocument,
    ) -> &'a SalesDocument {
        &prepared.doc
    }

    async fn send_create(
        &self,
        doc: &SalesDocument,
        prepared: &PreparedDocument,
    ) -> Result<Option<EntryId>> {
        let answer = self
            .client
            .update(Method::POST, entry::CONNECTOR, &prepared.body)
            .await?;
        let key = entry_number(&answer).map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
        Ok(Some(EntryId::new(
            Vendor::Afas,
            doc.administration.trim(),
            doc.journal.trim(),
            key,
        )))
    }

    async fn find(
        &self,
        administration: &str,
        kind: DocumentKind,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, kind).await
    }

    async fn read(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        let d = self.get_entry(id).await?;
        if d.document.kind != kind {
            return Err(not_found(format!(
                "entry {id} is a {}, not a {kind}",
                d.document.kind
            )));
        }
        Ok(d)
    }

    async fn send_update(&self, _current: &PostedDocument, _patch: &DocumentPatch) -> Result<()> {
        Err(Error::unsupported(
            "AFAS FiEntries cannot be updated (no PUT); reverse and post again",
        ))
    }
}

impl DocumentWriting for AfasLedger {
    fn write_retry(&self) -> RetryPolicy {
        self.config.runtime.retry
    }

    fn write_verify(&self) -> bool {
        self.config.runtime.verify
    }

    fn write_vat_codes_check(&self) -> bool {
        self.config.runtime.defence("Q02")
    }

    /// Four documents at once: AFAS allows 8 calls in flight (OAS `troubleshooting.md` §10),
    /// and each write also looks up and reads back.
    fn write_concurrency(&self) -> usize {
        4
    }
}
