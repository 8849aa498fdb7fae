//! `create_invoices` / `create_credit_notes` over the write driver: one result per document in
//! order, at most the adapter's concurrency in flight, documents sharing a natural key never in
//! flight together, and one refusal never hiding another document's outcome.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::write::{DocumentBackend, DocumentWriting};
use grootboek_core::{
    CreditNote, CreditNotes, DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, Invoice,
    Invoices, PostedDocument, Result, SalesDocument, SalesLine, Vendor,
};
use rust_decimal_macros::dec;

/// A vendor that takes a few milliseconds per write and records how many were in flight.
struct Slow {
    concurrency: usize,
    entries: Mutex<Vec<PostedDocument>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Slow {
    fn new(concurrency: usize) -> Self {
        Self {
            concurrency,
            entries: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        }
    }
}

#[async_trait]
impl DocumentBackend for Slow {
    type Prepared = ();
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }
    async fn prepare(&self, doc: &SalesDocument) -> Result<()> {
        if doc.customer == "UNKNOWN" {
            return Err(Error::validation("no such customer"));
        }
        Ok(())
    }
    async fn send_create(&self, doc: &SalesDocument, _: &()) -> Result<Option<EntryId>> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut entries = self.entries.lock().unwrap();
        let id = EntryId::new(
            Vendor::Afas,
            &doc.administration,
            &doc.journal,
            format!("{}", entries.len() + 1),
        );
        entries.push(PostedDocument {
            id: id.clone(),
            document: doc.clone(),
            status: None,
        });
        Ok(Some(id))
    }
    async fn find(
        &self,
        administration: &str,
        kind: DocumentKind,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
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
    async fn send_update(&self, _: &PostedDocument, _: &DocumentPatch) -> Result<()> {
        Err(Error::unsupported("no updates here"))
    }
}

impl DocumentWriting for Slow {
    fn write_retry(&self) -> RetryPolicy {
        RetryPolicy::default()
    }
    fn write_verify(&self) -> bool {
        true
    }
    fn write_vat_codes_check(&self) -> bool {
        true
    }
    fn write_concurrency(&self) -> usize {
        self.concurrency
    }
}

fn line() -> SalesLine {
    SalesLine::new("8000", "Brood", dec!(100), Some("VH"), dec!(21))
}

fn invoice(customer: &str, reference: &str) -> Invoice {
    Invoice::new(
        "1",
        "VRK",
        customer,
        reference,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
    )
    .with_line(line())
}

#[tokio::test]
async fn results_come_in_order_with_the_adapters_concurrency_and_a_refusal_stays_its_own() {
    let v = Slow::new(4);
    let mut batch: Vec<Invoice> = (1..=12).map(|n| invoice("C1", &format!("F-{n}"))).collect();
    batch[5] = invoice("UNKNOWN", "F-6");
    let results = v.create_invoices(&batch).await;
    assert_eq!(results.len(), 12);
    for (n, r) in results.iter().enumerate() {
        if n == 5 {
            let e = r.as_ref().unwrap_err();
            assert_eq!(*e.kind(), ErrorKind::Validation, "{e}");
            assert_eq!(e.operation(), Some("create_invoices"));
        } else {
            let posted = r.as_ref().unwrap();
            assert_eq!(posted.document.reference, format!("F-{}", n + 1));
        }
    }
    assert_eq!(
        v.entries.lock().unwrap().len(),
        11,
        "the refused one was not sent"
    );
    let most = v.most_in_flight.load(Ordering::SeqCst);
    assert!(
        most > 1 && most <= 4,
        "{most} writes were in flight at once"
    );
}

#[tokio::test]
async fn documents_sharing_a_reference_are_never_in_flight_together() {
    let v = Slow::new(4);
    let batch = vec![
        invoice("C1", "F-1"),
        invoice("C2", "F-2"),
        invoice("C3", "F-1"),
        invoice("C4", "F-3"),
    ];
    let results = v.create_invoices(&batch).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(v.most_in_flight.load(Ordering::SeqCst), 1);
    let customers: Vec<String> = results
        .into_iter()
        .map(|r| r.unwrap().document.customer)
        .collect();
    assert_eq!(customers, ["C1", "C2", "C3", "C4"]);
}

#[tokio::test]
async fn credit_notes_in_a_batch_too() {
    let v = Slow::new(2);
    let notes: Vec<CreditNote> = (1..=3)
        .map(|n| {
            CreditNote::new(
                "1",
                "VRK",
                "C1",
                format!("CN-{n}"),
                NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            )
            .with_line(line())
        })
        .collect();
    let results = v.create_credit_notes(&notes).await;
    let kinds: Vec<DocumentKind> = results
        .into_iter()
        .map(|r| r.unwrap().document.kind)
        .collect();
    assert_eq!(kinds, [DocumentKind::CreditNote; 3]);
    assert_eq!(v.most_in_flight.load(Ordering::SeqCst), 2);
}
