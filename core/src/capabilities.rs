//! What an adapter can do, asked at run time (the conformance runner and product code read it).

use serde::{Deserialize, Serialize};

/// One struct of named booleans and limits. What is `false` here returns
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capabilities {
    /// Sales invoices can be posted.
    pub invoice_write: bool,
    /// Credit notes can be posted.
    pub credit_note_write: bool,
    /// A credit note can name the invoice it credits.
    pub credit_note_links_invoice: bool,
    /// Posted sales documents can be updated by patch.
    pub document_update: bool,
    /// Customers (and other relations) can be created.
    pub dimension_write: bool,
    /// A dimension field can be cleared by update.
    pub dimension_update_clear: bool,
    /// Open items can be listed.
    pub open_items: bool,
    /// A customer's balance can be read (summed from open items).
    pub customer_balance: bool,
    /// The connection spans several administrations, each named per call.
    pub multiple_administrations: bool,
    /// VAT codes are administration-scoped and checked before a write.
    pub vat_codes_per_administration: bool,
    /// The vendor pushes webhooks.
    pub webhooks: bool,
    /// Invoice PDFs can be fetched.
    pub invoice_pdf: bool,
    /// The connection uses OAuth with refresh tokens.
    pub oauth_refresh: bool,
    /// Refresh tokens rotate on every use (Exact).
    pub refresh_token_rotation: bool,
    /// Bank entries can be posted.
    pub bank_entries: bool,
    /// Subscriptions can be read.
    pub subscriptions: bool,
    /// Most lines one entry may have.
    pub max_lines_per_entry: Option<usize>,
    /// Most documents one write request may carry.
    pub max_batch_size: Option<usize>,
    /// Most requests in flight at once.
    pub max_concurrent_requests: Option<usize>,
}
