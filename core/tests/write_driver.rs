//! The write driver against a scripted backend: every failure of a write is either provably not
//! applied (and then sent again) or resolved by the natural key before anything is resent (R01);
//! an entry never appears twice and a landed write is never reported "not applied".

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::write::{DocumentBackend, WriteDriver};
use grootboek_core::{
    DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, Invoice, Patch, PostedDocument, Result,
    SalesDocument, SalesLine, Vendor, WriteOutcome,
};
use rust_decimal_macros::dec;

/// What the scripted vendor does with the next create or update.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Commit and answer with the id.
    Ok,
    /// Commit, then fail with this outcome (a gateway error after commit).
    CommitThenFail(WriteOutcome),
    /// Refuse without committing, temporarily (a 503 before processing).
    RefuseTemporarily,
    /// Commit and answer without the id.
    CommitWithoutId,
}

#[derive(Default)]
struct Vendorish {
    entries: Mutex<Vec<PostedDocument>>,
    script: Mutex<VecDeque<Step>>,
    sends: Mutex<usize>,
    fail_lookups: Mutex<bool>,
    /// The vendor drops a line's VAT code on its own (a corrupting vendor).
    corrupt_vat_code: Mutex<bool>,
}

impl Vendorish {
    fn scripted(steps: &[Step]) -> Self {
        let v = Self::default();
        v.script.lock().unwrap().extend(steps.iter().copied());
        v
    }
    fn next(&self) -> Step {
        *self.sends.lock().unwrap() += 1;
        self.script.lock().unwrap().pop_front().unwrap_or(Step::Ok)
    }
    fn commit(&self, doc: &SalesDocument) -> EntryId {
        let mut entries = self.entries.lock().unwrap();
        let id = EntryId::new(
            Vendor::Exact,
            &doc.administration,
            &doc.journal,
            format!("E{}", entries.len() + 1),
        );
        let mut stored = doc.clone();
        if *self.corrupt_vat_code.lock().unwrap() {
            // What Q02 describes: a 200 OK that dropped the VAT code.
            stored.lines[0].vat_code = None;
        }
        entries.push(PostedDocument {
            id: id.clone(),
            document: stored,
            status: None,
        });
        id
    }
    fn count(&self, reference: &str) -> usize {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.document.reference == reference)
            .count()
    }
}

fn failure(outcome: WriteOutcome) -> Error {
    Error::new(ErrorKind::Unavailable, "503 from a gateway").with_outcome(outcome)
}

#[async_trait]
impl DocumentBackend for Vendorish {
    type Prepared = ();
    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }
    async fn prepare(&self, doc: &SalesDocument) -> Result<()> {
        if doc.lines.is_empty() {
            return Err(Error::validation("no lines"));
        }
        Ok(())
    }
    async fn send_create(&self, doc: &SalesDocument, _: &()) -> Result<Option<EntryId>> {
        match self.next() {
            Step::Ok => Ok(Some(self.commit(doc))),
            Step::CommitThenFail(o) => {
                self.commit(doc);
                Err(failure(o))
            }
            Step::RefuseTemporarily => Err(failure(WriteOutcome::NotApplied)),
            Step::CommitWithoutId => {
                self.commit(doc);
                Ok(None)
            }
        }
    }
    async fn find(
        &self,
        administration: &str,
        kind: DocumentKind,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        if *self.fail_lookups.lock().unwrap() {
            return Err(Error::new(ErrorKind::Unavailable, "look-up failed"));
        }
        Ok(self
            .entries
            .lock()
            .unwrap()
            .iter()
            .filter(|e| {
                e.document.administration == administration
                    && e.document.kind == kind
                    && e.document.reference == reference
            })
            .cloned()
            .collect())
    }
    async fn read(&self, id: &EntryId, _kind: DocumentKind) -> Result<PostedDocument> {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .find(|e| &e.id == id)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "no such entry"))
    }
    async fn send_update(&self, current: &PostedDocument, patch: &DocumentPatch) -> Result<()> {
        let step = self.next();
        let apply = |entries: &mut Vec<PostedDocument>| {
            if let Some(e) = entries.iter_mut().find(|e| e.id == current.id) {
                e.document = patch.apply_to(&e.document);
            }
        };
        match step {
            Step::RefuseTemporarily => Err(failure(WriteOutcome::NotApplied)),
            Step::CommitThenFail(o) => {
                apply(&mut self.entries.lock().unwrap());
                Err(failure(o))
            }
            _ => {
                apply(&mut self.entries.lock().unwrap());
                Ok(())
            }
        }
    }
}

fn invoice(reference: &str) -> SalesDocument {
    Invoice::new(
        "1",
        "70",
        "C1",
        reference,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
    )
    .with_line(SalesLine::new(
        "8000",
        "Brood",
        dec!(100),
        Some("VH"),
        dec!(21),
    ))
    .document()
    .clone()
}

fn driver(v: &Vendorish) -> WriteDriver<'_, Vendorish> {
    let retry = RetryPolicy::default()
        .with_max_attempts(3)
        .with_delays(Duration::from_millis(1), Duration::from_millis(5));
    WriteDriver::new(v, retry, true)
}

#[tokio::test]
async fn r01_a_write_that_committed_before_the_failure_is_found_and_not_sent_again() {
    for outcome in [WriteOutcome::Uncertain, WriteOutcome::Applied] {
        let v = Vendorish::scripted(&[Step::CommitThenFail(outcome)]);
        let posted = driver(&v)
            .create(&invoice("F-1"), "create_invoice")
            .await
            .unwrap();
        assert_eq!(v.count("F-1"), 1, "exactly one entry");
        assert_eq!(*v.sends.lock().unwrap(), 1, "never sent twice");
        assert_eq!(posted.document.reference, "F-1");
    }
}

#[tokio::test]
async fn r01_an_uncertain_write_that_did_not_land_is_sent_again_after_the_look_up() {
    // The failure claims uncertainty but nothing committed: the look-up proves it, then resend.
    let v = Vendorish::scripted(&[Step::RefuseTemporarily, Step::Ok]);
    // Make the first refusal look uncertain, like a timeout before an answer.
    struct Uncertain<'a>(&'a Vendorish);
    #[async_trait]
    impl DocumentBackend for Uncertain<'_> {
        type Prepared = ();
        fn vendor(&self) -> Vendor {
            Vendor::Exact
        }
        async fn prepare(&self, d: &SalesDocument) -> Result<()> {
            self.0.prepare(d).await
        }
        async fn send_create(&self, d: &SalesDocument, p: &()) -> Result<Option<EntryId>> {
            self.0
                .send_create(d, p)
                .await
                .map_err(|e| e.with_outcome(WriteOutcome::Uncertain))
        }
        async fn find(&self, a: &str, k: DocumentKind, r: &str) -> Result<Vec<PostedDocument>> {
            self.0.find(a, k, r).await
        }
        async fn read(&self, id: &EntryId, k: DocumentKind) -> Result<PostedDocument> {
            self.0.read(id, k).await
        }
        async fn send_update(&self, c: &PostedDocument, p: &DocumentPatch) -> Result<()> {
            self.0.send_update(c, p).await
        }
    }
    let retry = RetryPolicy::default()
        .with_max_attempts(3)
        .with_delays(Duration::from_millis(1), Duration::from_millis(5));
    let backend = Uncertain(&v);
    let d = WriteDriver::new(&backend, retry, true);
    d.create(&invoice("F-2"), "create_invoice").await.unwrap();
    assert_eq!(v.count("F-2"), 1);
    assert_eq!(*v.sends.lock().unwrap(), 2);
}

#[tokio::test]
async fn r01_when_the_look_up_fails_the_caller_gets_uncertain_and_nothing_is_resent() {
    let v = Vendorish::scripted(&[Step::CommitThenFail(WriteOutcome::Uncertain)]);
    // Look-ups work before the write (to list what exists) and fail after it.
    struct FailAfterFirstFind<'a>(&'a Vendorish, Mutex<usize>);
    #[async_trait]
    impl DocumentBackend for FailAfterFirstFind<'_> {
        type Prepared = ();
        fn vendor(&self) -> Vendor {
            Vendor::Exact
        }
        async fn prepare(&self, d: &SalesDocument) -> Result<()> {
            self.0.prepare(d).await
        }
        async fn send_create(&self, d: &SalesDocument, p: &()) -> Result<Option<EntryId>> {
            self.0.send_create(d, p).await
        }
        async fn find(&self, a: &str, k: DocumentKind, r: &str) -> Result<Vec<PostedDocument>> {
            let n = {
                let mut n = self.1.lock().unwrap();
                *n += 1;
                *n
            };
            if n > 1 {
                return Err(Error::new(ErrorKind::Unavailable, "look-up failed"));
            }
            self.0.find(a, k, r).await
        }
        async fn read(&self, id: &EntryId, k: DocumentKind) -> Result<PostedDocument> {
            self.0.read(id, k).await
        }
        async fn send_update(&self, c: &PostedDocument, p: &DocumentPatch) -> Result<()> {
            self.0.send_update(c, p).await
        }
    }
    let retry =
        RetryPolicy::default().with_delays(Duration::from_millis(1), Duration::from_millis(5));
    let backend = FailAfterFirstFind(&v, Mutex::new(0));
    let d = WriteDriver::new(&backend, retry, true);
    let e = d
        .create(&invoice("F-3"), "create_invoice")
        .await
        .unwrap_err();
    assert_eq!(e.outcome(), WriteOutcome::Uncertain, "{e}");
    assert_eq!(e.operation(), Some("create_invoice"));
    assert_eq!(e.vendor(), Some(Vendor::Exact));
    assert_eq!(*v.sends.lock().unwrap(), 1, "no second post on a guess");
    assert_eq!(v.count("F-3"), 1);
}

#[tokio::test]
async fn a_temporary_refusal_is_sent_again_and_a_validation_refusal_never_leaves() {
    let v = Vendorish::scripted(&[Step::RefuseTemporarily, Step::RefuseTemporarily]);
    driver(&v)
        .create(&invoice("F-4"), "create_invoice")
        .await
        .unwrap();
    assert_eq!(v.count("F-4"), 1);
    assert_eq!(*v.sends.lock().unwrap(), 3);

    let v = Vendorish::default();
    let mut empty = invoice("F-5");
    empty.lines.clear();
    let e = driver(&v)
        .create(&empty, "create_invoice")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Validation);
    assert_eq!(e.outcome(), WriteOutcome::NotApplied);
    assert_eq!(*v.sends.lock().unwrap(), 0);
}

#[tokio::test]
async fn an_answer_without_the_id_is_resolved_by_the_natural_key() {
    let v = Vendorish::scripted(&[Step::CommitWithoutId]);
    let posted = driver(&v)
        .create(&invoice("F-6"), "create_invoice")
        .await
        .unwrap();
    assert_eq!(posted.id.key, "E1");
    // An earlier entry with the same reference is not taken for the new one.
    let v = Vendorish::scripted(&[Step::Ok, Step::CommitThenFail(WriteOutcome::Uncertain)]);
    let first = driver(&v)
        .create(&invoice("F-7"), "create_invoice")
        .await
        .unwrap();
    let second = driver(&v)
        .create(&invoice("F-7"), "create_invoice")
        .await
        .unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(v.count("F-7"), 2);
    assert_eq!(*v.sends.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_vendor_that_changes_a_field_fails_verification_as_applied() {
    let v = Vendorish::default();
    *v.corrupt_vat_code.lock().unwrap() = true;
    let e = driver(&v)
        .create(&invoice("F-8"), "create_invoice")
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::VerificationFailed { field, .. } if field.contains("vat_code")),
        "{e}"
    );
    assert_eq!(e.outcome(), WriteOutcome::Applied);
    assert!(e.entry().is_some());
}

#[tokio::test]
async fn an_uncertain_update_is_sent_again_and_verified() {
    let v = Vendorish::scripted(&[Step::Ok, Step::CommitThenFail(WriteOutcome::Uncertain)]);
    let posted = driver(&v)
        .create(&invoice("F-9"), "create_invoice")
        .await
        .unwrap();
    let patch = DocumentPatch {
        description: Patch::Set("new".into()),
        ..DocumentPatch::default()
    };
    let after = driver(&v)
        .update(&posted.id, DocumentKind::Invoice, &patch, "update_invoice")
        .await
        .unwrap();
    assert_eq!(after.document.description.as_deref(), Some("new"));
    assert_eq!(v.count("F-9"), 1);
}
