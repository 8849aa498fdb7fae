//! What the Exact adapter can do.

use grootboek_core::Capabilities;

/// The adapter's capabilities, stated honestly.
///
/// - Credit notes are Type 21 entries; Exact's `SalesEntries` has no documented field naming the
///   credited invoice, so `credit_note_links_invoice` is off (a credit note that names one is
///   refused as unsupported rather than silently losing the link).
/// - The administration on every document and call is the division, chosen per call.
/// - Only relations (customers, suppliers) are written; GL accounts are read.
pub fn capabilities() -> Capabilities {
    Capabilities {
        invoice_write: true,
        credit_note_write: true,
        credit_note_links_invoice: false,
        document_update: true,
        dimension_write: true,
        dimension_update_clear: true,
        open_items: true,
        customer_balance: true,
        multiple_administrations: true,
        vat_codes_per_administration: true,
        webhooks: true,
        invoice_pdf: false,
        oauth_refresh: true,
        refresh_token_rotation: true,
        bank_entries: true,
        subscriptions: true,
        max_lines_per_entry: None,
        max_batch_size: Some(1),
        max_concurrent_requests: None,
    }
}
