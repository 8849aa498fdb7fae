//! The async traits every adapter implements. Object-safe (`Arc<dyn Ledger>`), `Send + Sync`.

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::Result;
use crate::model::{
    Administration, CreditNote, Dimension, DimensionKind, DimensionPatch, DocumentPatch, EntryId,
    Invoice, Journal, OpenItem, PostedDocument, VatCode,
};
use crate::money::Money;
use crate::page::{collect_all, Cursor, Page};
use crate::vendor::Vendor;

/// Most pages a `*_all` helper follows before calling the listing endless.
pub const MAX_PAGES: usize = 100_000;

/// Sales invoices.
#[async_trait]
pub trait Invoices: Send + Sync {
    /// Validate, post, read back and verify an invoice; returns it as the vendor holds it.
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument>;

    /// Post several invoices: one result per invoice, in the slice's order, each with the same
    /// guarantees as [`create_invoice`](Self::create_invoice) (one failing never hides another's
    /// outcome). An adapter uses its vendor's batching or concurrency where it has them; this
    /// default posts them one after another.
    async fn create_invoices(&self, invoices: &[Invoice]) -> Vec<Result<PostedDocument>> {
        let mut out = Vec::with_capacity(invoices.len());
        for invoice in invoices {
            out.push(self.create_invoice(invoice).await);
        }
        out
    }

    /// Read a posted invoice by its identity.
    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument>;

    /// Every invoice in an administration with this document reference (there may be several).
    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>>;

    /// Change a posted invoice, addressed by identity (never by reference: Q01), then read back
    /// and verify that exactly this entry changed as asked.
    async fn update_invoice(&self, id: &EntryId, patch: &DocumentPatch) -> Result<PostedDocument>;
}

/// Credit notes.
#[async_trait]
pub trait CreditNotes: Send + Sync {
    /// Validate, post, read back and verify a credit note.
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument>;

    /// Post several credit notes: one result per credit note, in order, as
    /// [`Invoices::create_invoices`].
    async fn create_credit_notes(
        &self,
        credit_notes: &[CreditNote],
    ) -> Vec<Result<PostedDocument>> {
        let mut out = Vec::with_capacity(credit_notes.len());
        for credit_note in credit_notes {
            out.push(self.create_credit_note(credit_note).await);
        }
        out
    }

    /// Read a posted credit note by its identity.
    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument>;

    /// Every credit note in an administration with this document reference.
    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>>;

    /// Change a posted credit note, addressed by identity (Q01), read back and verified.
    async fn update_credit_note(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
    ) -> Result<PostedDocument>;
}

/// Customers, suppliers, ledger accounts, cost centres and projects.
#[async_trait]
pub trait Dimensions: Send + Sync {
    /// Create a dimension. Refuses a code that already exists with
    /// [`ErrorKind::AlreadyExists`](crate::ErrorKind::AlreadyExists), leaving the existing one
    /// untouched (Q15): some vendors silently overwrite.
    async fn create_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension>;

    /// Create or overwrite a dimension: explicit, never the side effect of a create.
    async fn upsert_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension>;

    /// Change some fields of an existing dimension (keep / clear / set per field, Q09).
    async fn update_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension>;

    /// Read a dimension; [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) when absent.
    async fn get_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension>;

    /// One page of the dimensions of a kind.
    async fn list_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
        cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>>;

    /// Every dimension of a kind, following pages to the end.
    async fn all_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
    ) -> Result<Vec<Dimension>> {
        collect_all(MAX_PAGES, |c| self.list_dimensions(administration, kind, c)).await
    }
}

/// One ledger connection: documents, dimensions, journals and open items, plus what it can do.
#[async_trait]
pub trait Ledger: Invoices + CreditNotes + Dimensions {
    /// Which vendor this is.
    fn vendor(&self) -> Vendor;

    /// What this adapter can do.
    fn capabilities(&self) -> Capabilities;

    /// The administrations this connection can reach.
    async fn administrations(&self) -> Result<Vec<Administration>>;

    /// One page of an administration's journals (day books).
    async fn list_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>>;

    /// Every journal, following pages to the end (Q07).
    async fn all_journals(&self, administration: &str) -> Result<Vec<Journal>> {
        collect_all(MAX_PAGES, |c| self.list_journals(administration, c)).await
    }

    /// The VAT codes defined in an administration (Q03).
    async fn vat_codes(&self, administration: &str) -> Result<Vec<VatCode>>;

    /// One page of an administration's open receivables, open amounts from cash (Q06).
    async fn list_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>>;

    /// Every open receivable, following pages to the end (Q05).
    async fn all_open_items(&self, administration: &str) -> Result<Vec<OpenItem>> {
        collect_all(MAX_PAGES, |c| self.list_open_items(administration, c)).await
    }

    /// Every open receivable as a stream, one page held at a time: memory follows the largest
    /// page, not the administration (issue 15). Ends after the last page, or with the first
    /// error; a listing that hands out more than its page bound of cursors ends with an error.
    fn open_items_stream<'a>(
        &'a self,
        administration: &'a str,
    ) -> futures_util::stream::BoxStream<'a, Result<OpenItem>> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        // (cursor of the next page, pages fetched) — `None` once the last page was read.
        let pages = stream::try_unfold(Some((None, 0usize)), move |state| async move {
            let Some((cursor, fetched)) = state else {
                return Ok(None);
            };
            if fetched == MAX_PAGES {
                return Err(crate::Error::protocol(format!(
                    "listing did not end after {MAX_PAGES} pages"
                )));
            }
            let page = self.list_open_items(administration, cursor).await?;
            let next = page.next.map(|c| (Some(c), fetched + 1));
            Ok(Some((page.items, next)))
        });
        pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// A customer's outstanding balance, exact to the cent (Q10).
    async fn customer_balance(&self, administration: &str, customer: &str) -> Result<Money>;
}
