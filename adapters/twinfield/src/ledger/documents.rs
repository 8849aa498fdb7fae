//! Invoices and credit notes of a [`TwinfieldLedger`]: sales transactions read through
//! ProcessXml, found by reference, posted in batches (T06) after validation (Q02, Q03) and read
//! back, one at a time through the core write driver ([`DocumentBackend`], which gives the adapter
//! its `Invoices` and `CreditNotes`) and in batches through [`TwinfieldLedger::post_documents`].

use std::borrow::Borrow;
use std::collections::BTreeMap;

use async_trait::async_trait;
use grootboek_core::runtime::{is_retryable, RetryPolicy};
use grootboek_core::validation::{validate_document, ValidationContext};
use grootboek_core::verify::verify_document;
use grootboek_core::write::{DocumentBackend, DocumentWriting};
use grootboek_core::{
    DimensionKind, DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, PostedDocument, Result,
    SalesDocument, VatCode, Vendor, WriteOutcome,
};

use super::{lock, TwinfieldLedger, READ, WRITE};
use crate::mapping::dimension::ReadDimension;
use crate::mapping::errors::result_error;
use crate::mapping::protocol;
use crate::mapping::transaction::{self as txmap, ItemOutcome, TxWrite};
use crate::mapping::{batch_read, browse};
use crate::xml::parse_document;

/// Read-backs in flight at once after a batch (the per-organisation cap is 10).
const VERIFY_CONCURRENCY: usize = 4;

/// What happened to one document of a batch (T06).
pub type BatchOutcome = Result<PostedDocument>;

struct Prepared<'a> {
    index: usize,
    doc: &'a SalesDocument,
    receivables: String,
}

impl TwinfieldLedger {
    /// Read one transaction through ProcessXml.
    pub async fn read_transaction(&self, id: &EntryId) -> Result<PostedDocument> {
        let codes = self.office_vat_codes(&id.administration).await.ok();
        let xml = self
            .t
            .process_xml(
                Some(&id.administration),
                &txmap::read_request(&id.administration, &id.journal, &id.key),
                READ,
                "read_transaction",
            )
            .await?;
        let doc = parse_document(&xml)?;
        if let Some(e) = result_error(&doc, "read_transaction") {
            return Err(e.with_entry(id.clone()));
        }
        let rate_of = |c: &str| rate_in(codes.as_deref().map(Vec::as_slice), c);
        txmap::from_node(&doc, &rate_of)
    }

    async fn get_document(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        if id.vendor != Vendor::Twinfield {
            return Err(Error::validation(format!("{id} is not a Twinfield entry")));
        }
        let mut p = self.read_transaction(id).await?;
        if p.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", p.document.kind),
            )
            .with_vendor(Vendor::Twinfield)
            .with_entry(id.clone()));
        }
        if !self.cfg().defence("Q12") {
            // Without the defence the status comes from the REST-style read (it may lag).
            p.status = Some(self.t.rest_status(id).await?.status);
        }
        Ok(p)
    }

    async fn find_documents(
        &self,
        office_code: &str,
        reference: &str,
        kind: DocumentKind,
    ) -> Result<Vec<PostedDocument>> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &browse::by_reference_request(office_code, reference),
                READ,
                "find_documents",
            )
            .await?;
        let mut ids: Vec<EntryId> = Vec::new();
        browse::for_each_row(&xml, "find_documents", |row| {
            if row
                .get("fin.trs.line.invnumber")
                .is_some_and(|r| r != reference)
            {
                return Ok(());
            }
            if let Some(id) = row.entry(office_code) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(())
        })?;
        let mut out = Vec::new();
        for id in ids {
            let p = self.read_transaction(&id).await?;
            if p.document.kind == kind && p.document.reference == reference {
                out.push(p);
            }
        }
        Ok(out)
    }

    // ----- writes -----

    async fn prepare_document<'a>(
        &self,
        index: usize,
        doc: &'a SalesDocument,
        customers: &mut BTreeMap<(String, String), ReadDimension>,
    ) -> Result<Prepared<'a>> {
        let op = match doc.kind {
            DocumentKind::Invoice => "create_invoice",
            DocumentKind::CreditNote => "create_credit_note",
        };
        if doc.credits.is_some() {
            return Err(Error::unsupported(
                "a Twinfield sales transaction cannot name the invoice it credits (credit_note_links_invoice is false)",
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op));
        }
        let key = (doc.administration.clone(), doc.customer.clone());
        let customer = match customers.get(&key) {
            Some(c) => Some(c.clone()),
            None => match self
                .read_dimension(&doc.administration, DimensionKind::Customer, &doc.customer)
                .await
            {
                Ok(c) => {
                    customers.insert(key, c.clone());
                    Some(c)
                }
                Err(e) if e.kind() == &ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            },
        };
        let codes = if self.cfg().defence("Q03") {
            Some(self.office_vat_codes(&doc.administration).await?)
        } else {
            None
        };
        if self.cfg().defence("Q02") {
            let ctx = ValidationContext {
                administration_country: self.cfg().office_country,
                customer_country: customer.as_ref().and_then(|c| c.dimension.country),
                max_lines: Some(self.cfg().max_lines),
                vat_codes: codes.as_ref().map(|c| c.as_slice()),
            };
            validate_document(doc, &ctx)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation(op))?;
        } else if let Some(codes) = &codes {
            // Q03 on its own: every code must exist in the target office.
            for (i, l) in doc.lines.iter().enumerate() {
                if let Some(c) = l
                    .vat_code
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                {
                    if !codes.iter().any(|v| v.code.eq_ignore_ascii_case(c)) {
                        return Err(Error::validation(format!(
                            "Line {}: VAT code {c} does not exist in office {} (Q03).",
                            i + 1,
                            doc.administration
                        ))
                        .with_vendor(Vendor::Twinfield)
                        .with_operation(op));
                    }
                }
            }
        }
        if self.cfg().defence("Q25") {
            let accounts: std::collections::BTreeSet<&str> =
                doc.lines.iter().map(|l| l.account.as_str()).collect();
            for account in accounts {
                self.check_account(&doc.administration, account)
                    .await
                    .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation(op))?;
            }
        }
        let receivables = customer
            .and_then(|c| c.collective_account)
            .unwrap_or_else(|| self.cfg().receivables_account.clone());
        Ok(Prepared {
            index,
            doc,
            receivables,
        })
    }

    /// Post sales documents (invoices and credit notes) in batches of up to 25 per request and
    /// office (T06), each validated first and verified after; returns each document's own
    /// outcome, in input order. A batch refused with a generic failure is split and retried.
    pub async fn post_documents<D: Borrow<SalesDocument> + Sync>(
        &self,
        docs: &[D],
    ) -> Vec<BatchOutcome> {
        let mut out: Vec<Option<BatchOutcome>> = (0..docs.len()).map(|_| None).collect();
        let mut customers = BTreeMap::new();
        let mut by_office: BTreeMap<String, Vec<Prepared<'_>>> = BTreeMap::new();
        for (i, doc) in docs.iter().map(Borrow::borrow).enumerate() {
            match self.prepare_document(i, doc, &mut customers).await {
                Ok(p) => by_office
                    .entry(doc.administration.clone())
                    .or_default()
                    .push(p),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let batching = self.cfg().defence("T06");
        for (office_code, items) in by_office {
            let size = if batching {
                self.cfg().batch_size.max(1)
            } else {
                items.len().max(1)
            };
            for chunk in items.chunks(size) {
                let results = self.send_batch(&office_code, chunk, batching).await;
                for (p, r) in chunk.iter().zip(results) {
                    out[p.index] = Some(r);
                }
            }
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(protocol("a document of the batch got no outcome"))))
            .collect()
    }

    fn send_batch<'s, 'a>(
        &'s self,
        office_code: &'s str,
        items: &'s [Prepared<'a>],
        split: bool,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<BatchOutcome>> + Send + 's>>
    where
        'a: 's,
    {
        Box::pin(async move {
            let writes: Vec<TxWrite<'_>> = items
                .iter()
                .map(|p| TxWrite {
                    doc: p.doc,
                    receivables_account: &p.receivables,
                    destiny: self.cfg().destiny,
                    number: None,
                })
                .collect();
            let payload = txmap::batch_request(&writes);
            let outcomes: Vec<ItemOutcome> = match self
                .t
                .process_xml(Some(office_code), &payload, WRITE, "post_documents")
                .await
            {
                Ok(xml) => match parse_document(&xml)
                    .and_then(|root| txmap::parse_batch(&root, "post_documents"))
                {
                    Ok(v) if v.len() == items.len() => v,
                    Ok(v) => {
                        let e = protocol(format!(
                            "{} transactions sent, {} outcomes",
                            items.len(),
                            v.len()
                        ))
                        .with_outcome(WriteOutcome::Uncertain);
                        return items.iter().map(|_| Err(clone_error(&e))).collect();
                    }
                    Err(e) => {
                        let e = e.with_outcome(WriteOutcome::Uncertain);
                        return items.iter().map(|_| Err(clone_error(&e))).collect();
                    }
                },
                Err(e) => {
                    let generic = matches!(
                        e.kind(),
                        ErrorKind::Unavailable | ErrorKind::Protocol | ErrorKind::Validation
                    ) && e.outcome() != WriteOutcome::Uncertain;
                    if split && generic && items.len() > 1 {
                        // T06: an oversize batch fails with a generic error; split and retry.
                        tracing::info!(size = items.len(), error = %e, "batch refused; splitting (T06)");
                        let mid = items.len() / 2;
                        let (a, b) = items.split_at(mid);
                        let mut r = self.send_batch(office_code, a, split).await;
                        r.extend(self.send_batch(office_code, b, split).await);
                        return r;
                    }
                    return items.iter().map(|_| Err(clone_error(&e))).collect();
                }
            };
            self.read_back_batch(office_code, items, outcomes).await
        })
    }

    /// Read back and verify the written items of a batch with one browse of their lines
    /// (issue 15: one credit for the batch, not one per document). A document the browse does
    /// not show, or shows in a way the batch reading cannot take (a transaction written by
    /// someone else in between is skipped, not misread), is read back on its own, as is every
    /// document when the browse itself fails.
    async fn read_back_batch(
        &self,
        office_code: &str,
        items: &[Prepared<'_>],
        outcomes: Vec<ItemOutcome>,
    ) -> Vec<BatchOutcome> {
        let written: Vec<(&Prepared<'_>, &EntryId)> = items
            .iter()
            .zip(&outcomes)
            .filter_map(|(p, o)| o.as_ref().ok().map(|id| (p, id)))
            .collect();
        let batched = if written.len() > 1 && self.cfg().runtime.verify {
            match self.browse_batch(office_code, &written).await {
                Ok(b) => Some(b),
                Err(e) => {
                    tracing::info!(error = %e, "batch read-back browse failed; reading back one by one");
                    None
                }
            }
        } else {
            None
        };
        // Read back and verify what the browse did not settle a few items at a time (well
        // under the concurrency caps), so the round trips overlap.
        use futures_util::stream::{self, StreamExt};
        let reads: Vec<_> = items
            .iter()
            .zip(outcomes)
            .map(|(p, outcome)| {
                let doc: &SalesDocument = p.doc;
                let from_browse = outcome.as_ref().ok().and_then(|id| {
                    batched
                        .as_ref()
                        .and_then(|b| b.get(&id.key))
                        .and_then(|r| r.as_ref().ok())
                        .cloned()
                });
                async move {
                    match (outcome, from_browse) {
                        (Ok(id), Some(posted)) => {
                            self.mark_written(&id);
                            self.verified(doc, &id, posted)
                        }
                        (Ok(id), None) => self.after_write(doc, id, None).await,
                        (Err(e), _) => Err(e),
                    }
                }
            })
            .collect();
        stream::iter(reads)
            .buffered(VERIFY_CONCURRENCY)
            .collect::<Vec<_>>()
            .await
    }

    /// The written documents of one batch as one browse shows them, by transaction number.
    async fn browse_batch(
        &self,
        office_code: &str,
        written: &[(&Prepared<'_>, &EntryId)],
    ) -> Result<BTreeMap<String, Result<PostedDocument>>> {
        let day_book = &written[0].1.journal;
        let same_book = written.iter().all(|(_, id)| &id.journal == day_book);
        let numbers: Vec<&str> = written.iter().map(|(_, id)| id.key.as_str()).collect();
        let (Some(first), Some(last), true) =
            (numbers.iter().min(), numbers.iter().max(), same_book)
        else {
            return Err(protocol(
                "a batch over several day books is read back one by one",
            ));
        };
        let codes = self.office_vat_codes(office_code).await.ok();
        let rate_of = |c: &str| rate_in(codes.as_deref().map(Vec::as_slice), c);
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &batch_read::request(office_code, day_book, first, last),
                READ,
                "read_back_batch",
            )
            .await?;
        let rows = batch_read::rows_by_number(&xml, office_code, day_book)?;
        Ok(written
            .iter()
            .filter_map(|(p, id)| {
                let lines = rows.get(&id.key)?;
                Some((
                    id.key.clone(),
                    batch_read::document(id, lines, p.doc, &rate_of),
                ))
            })
            .collect())
    }

    /// Verify a document read back (unless verification is off).
    fn verified(
        &self,
        doc: &SalesDocument,
        id: &EntryId,
        posted: PostedDocument,
    ) -> Result<PostedDocument> {
        if self.cfg().runtime.verify {
            verify_document(doc, Some(id), &posted)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation("verify"))?;
        }
        Ok(posted)
    }

    /// Mark the write (Q12) and read back + verify (unless verification is off).
    async fn after_write(
        &self,
        doc: &SalesDocument,
        id: EntryId,
        expected_id: Option<&EntryId>,
    ) -> Result<PostedDocument> {
        self.mark_written(&id);
        let posted = self
            .read_transaction(&id)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone()))?;
        self.verified(doc, expected_id.unwrap_or(&id), posted)
    }

    /// A document whose batch answer was lost after it was sent: after a moment, look for it by
    /// its reference. A document there that matches it is the one written (R01: not sent
    /// again); none there means it did not land, and it is written on its own through the write
    /// driver (which looks again first); anything else stays uncertain.
    async fn resolve_uncertain(&self, doc: &SalesDocument, err: Error) -> Result<PostedDocument> {
        tokio::time::sleep(self.t.retry_policy().min_delay).await;
        let Ok(found) = self
            .find_documents(&doc.administration, &doc.reference, doc.kind)
            .await
        else {
            return Err(err);
        };
        if let Some(p) = found.iter().find(|p| verify_document(doc, None, p).is_ok()) {
            tracing::info!(entry = %p.id, "an uncertain batch item had landed; not sent again (R01)");
            self.mark_written(&p.id);
            return Ok(p.clone());
        }
        if found.is_empty() {
            return grootboek_core::write::driver(self)
                .create(doc, "create_batch")
                .await;
        }
        Err(err)
    }

    /// Remember a write for the Q12 window (read-your-writes through ProcessXml).
    fn mark_written(&self, id: &EntryId) {
        lock(&self.written).insert(id.clone(), self.cfg().runtime.clock.now());
    }

    /// Send one transaction (a new one, or `number` to update) once; its own outcome.
    async fn send_transaction(
        &self,
        doc: &SalesDocument,
        receivables: &str,
        number: Option<&str>,
        operation: &'static str,
    ) -> Result<EntryId> {
        let payload = txmap::batch_request(&[TxWrite {
            doc,
            receivables_account: receivables,
            destiny: self.cfg().destiny,
            number,
        }]);
        let xml = self
            .t
            .process_xml(Some(&doc.administration), &payload, WRITE, operation)
            .await?;
        let root = parse_document(&xml).map_err(|e| e.with_outcome(WriteOutcome::Uncertain))?;
        let id = txmap::parse_batch(&root, operation)
            .map_err(|e| e.with_outcome(WriteOutcome::Uncertain))?
            .into_iter()
            .next()
            .ok_or_else(|| protocol("no outcome").with_outcome(WriteOutcome::Uncertain))??;
        self.mark_written(&id);
        Ok(id)
    }
}

/// What a Twinfield create sends besides the document: the receivables account of its total
/// line (the customer's collective account, or the configured default).
pub struct PreparedDocument {
    receivables: String,
}

/// Twinfield's side of the core write driver: sales transactions through ProcessXml.
///
/// Pre-commit answers (safe to send again): a `result="0"` refusal of the transaction (T07) and
/// a request that never left. Twinfield documents its own 429 as answered before processing
/// (T05), but a proxy's 429 after a commit looks the same, so a 429 on a write — like every 5xx,
/// timeout or reset — is uncertain and resolved by the invoice number before any resend (R01).
#[async_trait]
impl DocumentBackend for TwinfieldLedger {
    type Prepared = PreparedDocument;

    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    async fn prepare(&self, doc: &SalesDocument) -> Result<PreparedDocument> {
        let mut customers = BTreeMap::new();
        let prepared = self.prepare_document(0, doc, &mut customers).await?;
        Ok(PreparedDocument {
            receivables: prepared.receivables,
        })
    }

    async fn send_create(
        &self,
        doc: &SalesDocument,
        prepared: &PreparedDocument,
    ) -> Result<Option<EntryId>> {
        let op = match doc.kind {
            DocumentKind::Invoice => "create_invoice",
            DocumentKind::CreditNote => "create_credit_note",
        };
        self.send_transaction(doc, &prepared.receivables, None, op)
            .await
            .map(Some)
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
        self.get_document(id, kind).await
    }

    /// A fresh write is read back through ProcessXml, which shows it at once (the REST-style
    /// status lags, Q12).
    async fn read_back(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        let p = self.read_transaction(id).await?;
        if p.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", p.document.kind),
            )
            .with_vendor(Vendor::Twinfield)
            .with_entry(id.clone()));
        }
        Ok(p)
    }

    async fn send_update(&self, current: &PostedDocument, patch: &DocumentPatch) -> Result<()> {
        let wanted = patch.apply_to(&current.document);
        let mut customers = BTreeMap::new();
        let prepared = self.prepare_document(0, &wanted, &mut customers).await?;
        self.send_transaction(
            &wanted,
            &prepared.receivables,
            Some(&current.id.key),
            "update_document",
        )
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl DocumentWriting for TwinfieldLedger {
    fn write_retry(&self) -> RetryPolicy {
        self.t.retry_policy()
    }

    fn write_verify(&self) -> bool {
        self.cfg().runtime.verify
    }

    fn write_vat_codes_check(&self) -> bool {
        self.cfg().defence("Q02")
    }

    /// One at a time: Twinfield advises one concurrent action per organisation (reference
    /// §rate limits, the official "API best practices").
    fn write_concurrency(&self) -> usize {
        1
    }

    /// Twinfield batches (T06): the documents go through [`TwinfieldLedger::post_documents`]
    /// (25 per request, each batch read back with one browse). An item its batch left uncertain
    /// is resolved by a look-up of its reference before anything is sent again (R01); one its
    /// batch did not apply for a passing reason (a 503 before commit) is written on its own
    /// through the write driver, which looks first and retries.
    async fn create_batch(
        &self,
        documents: &[&SalesDocument],
    ) -> Option<Vec<Result<PostedDocument>>> {
        let results = self.post_documents(documents).await;
        let mut out = Vec::with_capacity(results.len());
        for (doc, result) in documents.iter().zip(results) {
            out.push(match result {
                Err(e) if e.outcome() == WriteOutcome::Uncertain => {
                    self.resolve_uncertain(doc, e).await
                }
                Err(e) if e.outcome() == WriteOutcome::NotApplied && is_retryable(&e) => {
                    grootboek_core::write::driver(self)
                        .create(doc, "create_batch")
                        .await
                }
                other => other,
            });
        }
        Some(out)
    }
}

fn clone_error(e: &Error) -> Error {
    let mut out = Error::new(e.kind().clone(), e.message().to_string())
        .with_vendor(Vendor::Twinfield)
        .with_outcome(e.outcome())
        .with_retryable(e.is_retryable());
    if let Some(op) = e.operation() {
        out = out.with_operation(op);
    }
    if let Some(ve) = e.vendor_error() {
        out = out.with_vendor_error(ve.clone());
    }
    out
}

/// The percentage of VAT code `code` among an office's codes (matched without regard to case),
/// when the codes could be read and hold it.
fn rate_in(codes: Option<&[VatCode]>, code: &str) -> Option<rust_decimal::Decimal> {
    codes?
        .iter()
        .find(|v| v.code.eq_ignore_ascii_case(code))
        .map(|v| v.rate)
}
