//! The one write path of every adapter (R01): validate → encode → send → classify → when the
//! outcome is not provably "not applied", look the entry up by its natural key before anything is
//! retried → read back → verify.
//!
//! A vendor supplies a [`DocumentBackend`] (prepare, send once, find by natural key, read, send an
//! update once); [`WriteDriver`] implements creating and updating invoices and credit notes over
//! it, with the same meaning of every outcome for every vendor:
//!
//! - **Not applied** only when the vendor refused the content or the request never left the
//!   machine ([`WriteOutcome::NotApplied`]); such a failure is retried per the
//!   [`RetryPolicy`] when it is temporary.
//! - **Uncertain** (a 5xx, a 429 or 503 answered after the body was sent, a timeout, a reset) is
//!   resolved before anything else: the driver lists the entries of the document's kind with its
//!   reference (the natural key) and compares them with the list it took before sending. Exactly
//!   one new entry: the write landed, and that entry is read back and verified. None: the write
//!   provably did not land, and it is sent again while the policy allows. The look-up failing, or
//!   several new entries, leave the error [`WriteOutcome::Uncertain`] for the caller: never a
//!   second post on a guess.
//! - **Verify** means one thing everywhere: after a write that landed, the entry is read back by
//!   identity and compared with what was written ([`verify_document`]); off, a landed write is
//!   still identified (by the vendor's answer or the natural key), but its fields are not compared.
//! - Updates address an [`EntryId`] with absolute values, so sending one again is harmless: an
//!   uncertain update is resent, then read back and verified against the patched document.

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::{Error, ErrorKind, Result, WriteOutcome};
use crate::model::{
    CreditNote, Dimension, DimensionKind, DocumentKind, DocumentPatch, EntryId, Invoice,
    PostedDocument, SalesDocument,
};
use crate::runtime::retry::{is_retryable, RetryPolicy};
use crate::traits::{CreditNotes, Invoices};
use crate::validation::validate_dimension;
use crate::vendor::Vendor;
use crate::verify::{verify_document, verify_vat_codes_present};

/// What a vendor plugs into the [`WriteDriver`]: its encoding and its calls, each sent once.
#[async_trait]
pub trait DocumentBackend: Send + Sync {
    /// What [`DocumentBackend::prepare`] resolves before the wire (the customer's and accounts'
    /// vendor ids, the administration's VAT codes…).
    type Prepared: Send + Sync;

    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// Validate the document against the core rules and the vendor's and the administration's
    /// (an error here never reached the vendor), and resolve what sending needs.
    async fn prepare(&self, doc: &SalesDocument) -> Result<Self::Prepared>;

    /// The document as it will be written, when preparing changed it (AFAS dates a document by
    /// the moment of writing, Q14): found and verified as such. The default is `doc` itself.
    fn document_of<'a>(
        &self,
        doc: &'a SalesDocument,
        prepared: &'a Self::Prepared,
    ) -> &'a SalesDocument {
        let _ = prepared;
        doc
    }

    /// Send the create once. `Ok(Some(id))` when the vendor named the new entry, `Ok(None)` when
    /// it answered without its identity (the driver then finds it by its natural key). An error
    /// carries its [`WriteOutcome`]: the transport's classification of what the failure means.
    async fn send_create(
        &self,
        doc: &SalesDocument,
        prepared: &Self::Prepared,
    ) -> Result<Option<EntryId>>;

    /// Every posted document of `kind` with this reference in the administration (the natural
    /// key), read from the vendor's consistent read path.
    async fn find(
        &self,
        administration: &str,
        kind: DocumentKind,
        reference: &str,
    ) -> Result<Vec<PostedDocument>>;

    /// Read one posted document by identity. `NotFound` when it is not of `kind` (or not in
    /// the journal the identity names).
    async fn read(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument>;

    /// Read a document right after this connection wrote it: patiently where the vendor takes
    /// a moment to show a fresh write. The default is [`DocumentBackend::read`].
    async fn read_back(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        self.read(id, kind).await
    }

    /// Send an update of `current` (read just before, by identity) once.
    async fn send_update(&self, current: &PostedDocument, patch: &DocumentPatch) -> Result<()>;
}

/// Creates and updates documents over a [`DocumentBackend`] with the guarantees of the
/// [module docs](self).
#[derive(Debug)]
pub struct WriteDriver<'a, B: ?Sized> {
    backend: &'a B,
    retry: RetryPolicy,
    verify: bool,
    vat_codes_check: bool,
}

/// What the natural-key look-up after an uncertain write found.
enum Resolution {
    Landed(EntryId),
    NotLanded,
}

impl<'a, B: DocumentBackend + ?Sized> WriteDriver<'a, B> {
    /// A driver over `backend`, retrying per `retry`, verifying read-backs when `verify`.
    pub fn new(backend: &'a B, retry: RetryPolicy, verify: bool) -> Self {
        Self {
            backend,
            retry,
            verify,
            vat_codes_check: true,
        }
    }

    /// Whether a landed write is read back to check every line kept its VAT code even with
    /// verification off (Q02's defence; on unless the defence is switched off).
    pub fn with_vat_codes_check(mut self, on: bool) -> Self {
        self.vat_codes_check = on;
        self
    }

    /// The vendor's backend.
    pub fn backend(&self) -> &B {
        self.backend
    }

    fn attach(&self, op: &'static str) -> impl Fn(Error) -> Error + '_ {
        move |e| {
            let e = if e.vendor().is_none() {
                e.with_vendor(self.backend.vendor())
            } else {
                e
            };
            if e.operation().is_none() {
                e.with_operation(op)
            } else {
                e
            }
        }
    }

    /// Create `doc` (see the [module docs](self)); `op` names the operation in errors.
    pub async fn create(&self, doc: &SalesDocument, op: &'static str) -> Result<PostedDocument> {
        self.create_inner(doc).await.map_err(self.attach(op))
    }

    async fn create_inner(&self, doc: &SalesDocument) -> Result<PostedDocument> {
        let prepared = self
            .backend
            .prepare(doc)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::NotApplied))?;
        let doc = self.backend.document_of(doc, &prepared);
        let before = self.existing(doc).await?;
        let mut delays = self.retry.delays();
        loop {
            let err = match self.backend.send_create(doc, &prepared).await {
                Ok(Some(id)) => return self.read_back(doc, id).await,
                Ok(None) => {
                    let answered = Error::protocol(
                        "the vendor accepted the document without naming the entry",
                    )
                    .with_outcome(WriteOutcome::Applied);
                    return match self.resolve(doc, &before, answered).await? {
                        Resolution::Landed(id) => self.read_back(doc, id).await,
                        Resolution::NotLanded => Err(Error::protocol(
                            "the vendor accepted the document, but no new entry carries its reference",
                        )
                        .with_outcome(WriteOutcome::Uncertain)),
                    };
                }
                Err(e) => e,
            };
            match err.outcome() {
                WriteOutcome::NotApplied => {
                    let Some(delay) = self.next_delay(&err, &mut delays) else {
                        return Err(err);
                    };
                    tracing::debug!(error = %err, delay_ms = delay.as_millis() as u64, "write not applied; sending again");
                    tokio::time::sleep(delay).await;
                }
                WriteOutcome::Applied | WriteOutcome::Uncertain => {
                    // Give an eventually consistent vendor a moment, then look.
                    tokio::time::sleep(self.retry.min_delay).await;
                    match self.resolve(doc, &before, clone_error(&err)).await? {
                        Resolution::Landed(id) => {
                            tracing::info!(entry = %id, "an uncertain write had landed; not sent again (R01)");
                            return self.read_back(doc, id).await;
                        }
                        Resolution::NotLanded if !err.kind().is_temporary() => {
                            // A refusal whose answer could also have come after a commit (a
                            // vendor that reports validation with 500): the look-up proves it
                            // did not land, so it is the refusal it says it is.
                            return Err(err.with_outcome(WriteOutcome::NotApplied));
                        }
                        Resolution::NotLanded => {
                            let Some(delay) = delays.next() else {
                                return Err(Error::new(
                                    ErrorKind::Unavailable,
                                    "the write failed and a look-up by its reference shows it did not land; no attempts left",
                                )
                                .with_outcome(WriteOutcome::NotApplied));
                            };
                            tracing::info!(
                                delay_ms = delay.as_millis() as u64,
                                "an uncertain write provably did not land; sending again (R01)"
                            );
                            tokio::time::sleep(delay).await;
                        }
                    }
                }
            }
        }
    }

    /// The identities already carrying the document's natural key before it is sent.
    async fn existing(&self, doc: &SalesDocument) -> Result<BTreeSet<EntryId>> {
        Ok(self
            .backend
            .find(&doc.administration, doc.kind, &doc.reference)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::NotApplied))?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }

    /// After a failure that may have landed: exactly one new entry with the natural key means
    /// it did; none means it did not. A failing look-up or several new entries return `failure`
    /// (its outcome left uncertain).
    async fn resolve(
        &self,
        doc: &SalesDocument,
        before: &BTreeSet<EntryId>,
        failure: Error,
    ) -> Result<Resolution> {
        let found = match self
            .backend
            .find(&doc.administration, doc.kind, &doc.reference)
            .await
        {
            Ok(found) => found,
            Err(lookup) => {
                tracing::warn!(error = %lookup, "the look-up of an uncertain write failed");
                return Err(if failure.outcome() == WriteOutcome::Applied {
                    failure
                } else {
                    failure.with_outcome(WriteOutcome::Uncertain)
                });
            }
        };
        let new: Vec<EntryId> = found
            .into_iter()
            .map(|p| p.id)
            .filter(|id| !before.contains(id))
            .collect();
        match new.as_slice() {
            [id] => Ok(Resolution::Landed(id.clone())),
            [] if failure.outcome() == WriteOutcome::Applied => Err(failure),
            [] => Ok(Resolution::NotLanded),
            several => Err(Error::protocol(format!(
                "{} new entries carry the reference {} after one write",
                several.len(),
                doc.reference
            ))
            .with_outcome(WriteOutcome::Applied)),
        }
    }

    /// Read the landed entry back and verify it (or, with verification off, return what was
    /// written under the entry's identity).
    async fn read_back(&self, doc: &SalesDocument, id: EntryId) -> Result<PostedDocument> {
        if !self.verify && !self.vat_codes_check {
            return Ok(PostedDocument {
                id,
                document: doc.clone(),
                status: None,
            });
        }
        let applied = |e: Error| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone());
        let back = self
            .backend
            .read_back(&id, doc.kind)
            .await
            .map_err(applied)?;
        if self.vat_codes_check {
            verify_vat_codes_present(doc, &back).map_err(applied)?;
        }
        if self.verify {
            verify_document(doc, Some(&id), &back).map_err(applied)?;
        }
        Ok(back)
    }

    /// Update the document `id` of `kind` (see the [module docs](self)).
    pub async fn update(
        &self,
        id: &EntryId,
        kind: DocumentKind,
        patch: &DocumentPatch,
        op: &'static str,
    ) -> Result<PostedDocument> {
        self.update_inner(id, kind, patch)
            .await
            .map_err(|e| self.attach(op)(e.with_entry(id.clone())))
    }

    async fn update_inner(
        &self,
        id: &EntryId,
        kind: DocumentKind,
        patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        let current = self.backend.read(id, kind).await?;
        let expected = patch.apply_to(&current.document);
        if expected.due_date.is_some_and(|d| d < expected.date) {
            return Err(Error::validation(
                "the new due date lies before the document date",
            ));
        }
        let mut delays = self.retry.delays();
        loop {
            match self.backend.send_update(&current, patch).await {
                Ok(()) => break,
                Err(e) => {
                    // An update sets absolute values on one identified entry: sending it again
                    // after an uncertain failure is harmless.
                    let again = match e.outcome() {
                        WriteOutcome::NotApplied => self.next_delay(&e, &mut delays),
                        WriteOutcome::Uncertain => delays.next(),
                        WriteOutcome::Applied => None,
                    };
                    match again {
                        Some(delay) => tokio::time::sleep(delay).await,
                        None if e.outcome() == WriteOutcome::Applied => break,
                        None => return Err(e),
                    }
                }
            }
        }
        let after = self
            .backend
            .read_back(id, kind)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
        if self.verify {
            verify_document(&expected, Some(id), &after)
                .map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
            // The header description is what an update most often sets; the document check
            // leaves it to the update (vendors store it differently on create).
            let text = |d: &Option<String>| d.as_deref().map(str::trim).unwrap_or("").to_string();
            if text(&expected.description) != text(&after.document.description) {
                return Err(Error::verification(
                    "description",
                    text(&expected.description),
                    text(&after.document.description),
                )
                .with_entry(id.clone()));
            }
        }
        Ok(after)
    }

    /// The next backoff delay for a not-applied failure worth retrying, honouring its
    /// `Retry-After` (a longer one than the policy allows ends the retries).
    fn next_delay(
        &self,
        err: &Error,
        delays: &mut impl Iterator<Item = Duration>,
    ) -> Option<Duration> {
        if !is_retryable(err) {
            return None;
        }
        let delay = delays.next()?;
        match err.retry_after() {
            Some(ra) if ra > self.retry.max_retry_after => None,
            Some(ra) => Some(delay.max(ra)),
            None => Some(delay),
        }
    }
}

/// An adapter that writes documents through the [`WriteDriver`]: implementing this (with its
/// [`DocumentBackend`]) gives the adapter [`Invoices`] and [`CreditNotes`] — written once, here,
/// for every vendor, with vendor and operation attached to every error in one place.
#[async_trait]
pub trait DocumentWriting: DocumentBackend {
    /// The retry policy of writes.
    fn write_retry(&self) -> RetryPolicy;

    /// Whether landed writes are read back and compared (the connection's `verify`).
    fn write_verify(&self) -> bool;

    /// Whether Q02's defence is on: a landed write is read back to check that every line kept
    /// its VAT code, even with verification off.
    fn write_vat_codes_check(&self) -> bool;

    /// How many documents of a `create_invoices` / `create_credit_notes` call are written at
    /// once (each through the driver, so each keeps its look-up, resolution and read-back).
    /// The budget still paces every request. Default: one at a time.
    fn write_concurrency(&self) -> usize {
        1
    }

    /// The vendor's own way of creating many documents in few requests (Twinfield: 25 per
    /// request, read back with one browse), with the same guarantees per document: validated
    /// before the wire, read back and verified, and an uncertain outcome resolved by a look-up
    /// before anything is sent again. `None` (the default): every document goes through the
    /// driver on its own, `write_concurrency` at a time.
    async fn create_batch(
        &self,
        _documents: &[&SalesDocument],
    ) -> Option<Vec<Result<PostedDocument>>> {
        None
    }
}

/// Create every document through the driver, `write_concurrency` at a time, results in order.
///
/// Two documents of one batch that share a natural key (administration, kind, reference) are
/// never in flight together: the driver resolves an uncertain write by the entries that appeared
/// under that key, and a sibling landing at the same moment would be taken for it. A batch with
/// such a pair is written one document at a time. Otherwise a vendor that batches writes
/// ([`DocumentWriting::create_batch`]) takes the whole call.
async fn create_all<'d, T: DocumentWriting>(
    t: &T,
    documents: impl Iterator<Item = &'d SalesDocument>,
    op: &'static str,
) -> Vec<Result<PostedDocument>> {
    use futures_util::stream::{self, StreamExt};
    let documents: Vec<&SalesDocument> = documents.collect();
    let mut keys = BTreeSet::new();
    let shared_key = !documents.iter().all(|d| {
        keys.insert((
            &d.administration,
            d.kind == DocumentKind::Invoice,
            &d.reference,
        ))
    });
    if documents.len() > 1 && !shared_key {
        if let Some(results) = t.create_batch(&documents).await {
            let tag = tagged(t, op);
            return results.into_iter().map(|r| r.map_err(&tag)).collect();
        }
    }
    let concurrency = if shared_key {
        1
    } else {
        t.write_concurrency().max(1)
    };
    // The futures are made first and only polled `concurrency` at a time.
    let driver = driver(t);
    let writes: Vec<_> = documents.iter().map(|d| driver.create(d, op)).collect();
    stream::iter(writes).buffered(concurrency).collect().await
}

/// The write driver of `t` with its settings: for an adapter's own ways of creating documents
/// (e.g. AFAS dating one by the moment of writing), with the same guarantees.
pub fn driver<T: DocumentWriting>(t: &T) -> WriteDriver<'_, T> {
    WriteDriver::new(t, t.write_retry(), t.write_verify())
        .with_vat_codes_check(t.write_vat_codes_check())
}

fn tagged<'t, T: DocumentWriting>(t: &'t T, op: &'static str) -> impl Fn(Error) -> Error + 't {
    move |e| {
        let e = if e.vendor().is_none() {
            e.with_vendor(t.vendor())
        } else {
            e
        };
        if e.operation().is_none() {
            e.with_operation(op)
        } else {
            e
        }
    }
}

#[async_trait]
impl<T: DocumentWriting> Invoices for T {
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument> {
        driver(self)
            .create(invoice.document(), "create_invoice")
            .await
    }

    async fn create_invoices(&self, invoices: &[Invoice]) -> Vec<Result<PostedDocument>> {
        create_all(
            self,
            invoices.iter().map(Invoice::document),
            "create_invoices",
        )
        .await
    }

    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument> {
        self.read(id, DocumentKind::Invoice)
            .await
            .map_err(tagged(self, "get_invoice"))
    }

    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find(administration, DocumentKind::Invoice, reference)
            .await
            .map_err(tagged(self, "find_invoices"))
    }

    async fn update_invoice(&self, id: &EntryId, patch: &DocumentPatch) -> Result<PostedDocument> {
        driver(self)
            .update(id, DocumentKind::Invoice, patch, "update_invoice")
            .await
    }
}

#[async_trait]
impl<T: DocumentWriting> CreditNotes for T {
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument> {
        driver(self)
            .create(credit_note.document(), "create_credit_note")
            .await
    }

    async fn create_credit_notes(
        &self,
        credit_notes: &[CreditNote],
    ) -> Vec<Result<PostedDocument>> {
        create_all(
            self,
            credit_notes.iter().map(CreditNote::document),
            "create_credit_notes",
        )
        .await
    }

    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument> {
        self.read(id, DocumentKind::CreditNote)
            .await
            .map_err(tagged(self, "get_credit_note"))
    }

    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find(administration, DocumentKind::CreditNote, reference)
            .await
            .map_err(tagged(self, "find_credit_notes"))
    }

    async fn update_credit_note(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        driver(self)
            .update(id, DocumentKind::CreditNote, patch, "update_credit_note")
            .await
    }
}

/// What a vendor plugs into [`create_dimension`]: Q15's look-up and the create itself.
#[async_trait]
pub trait DimensionCreate: Send + Sync {
    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// The locks of creates (the connection's [`KeyLock`](crate::runtime::KeyLock), R03).
    fn create_locks(&self) -> &dyn crate::runtime::KeyLock;

    /// Whether Q15's look-up before a create is on (always, unless built with
    /// `without-defences` and switched off).
    fn refuse_taken_codes(&self) -> bool;

    /// Where codes are unique: the administration, or `""` where the vendor keeps one set for
    /// every administration (AFAS debtors).
    fn code_scope<'a>(&self, administration: &'a str) -> &'a str {
        administration
    }

    /// Who holds `code` already (its name), if anyone.
    async fn taken_by(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<String>>;

    /// Create the dimension (once), read it back and verify it.
    async fn send_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension>;
}

/// Create a dimension without ever overwriting one (Q15) or racing another creator of the same
/// code (R03): validate, take the lock of (vendor, administration, kind, code) — in this process,
/// or on Redis for every process sharing it — look the code up, and only then create it. A
/// vendor's own refusal of a taken code is the adapter's `AlreadyExists` too.
pub async fn create_dimension<B: DimensionCreate + ?Sized>(
    backend: &B,
    administration: &str,
    dimension: &Dimension,
) -> Result<Dimension> {
    validate_dimension(dimension)?;
    let key = format!(
        "create:{}:{}:{:?}:{}",
        backend.vendor(),
        backend.code_scope(administration),
        dimension.kind,
        dimension.code.trim()
    );
    let _guard = backend.create_locks().lock(&key).await?;
    if backend.refuse_taken_codes() {
        if let Some(by) = backend
            .taken_by(administration, dimension.kind, &dimension.code)
            .await?
        {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "code {} is taken in administration {administration} (by {by}); use upsert to overwrite it (Q15)",
                    dimension.code
                ),
            )
            .with_vendor(backend.vendor()));
        }
    }
    backend.send_dimension(administration, dimension).await
}

/// A copy of `err` (kind, message, vendor, operation, outcome, vendor error, entry): the driver
/// keeps the original to return when a look-up proves it was a refusal.
fn clone_error(err: &Error) -> Error {
    let mut out = Error::new(err.kind().clone(), err.message().to_string())
        .with_outcome(err.outcome())
        .with_retryable(err.is_retryable());
    if let Some(v) = err.vendor() {
        out = out.with_vendor(v);
    }
    if let Some(op) = err.operation() {
        out = out.with_operation(op);
    }
    if let Some(ve) = err.vendor_error() {
        out = out.with_vendor_error(ve.clone());
    }
    if let Some(entry) = err.entry() {
        out = out.with_entry(entry.clone());
    }
    if let Some(wait) = err.retry_after() {
        out = out.with_retry_after(wait);
    }
    out
}
