//! What the Twinfield adapter can do.

use grootboek_core::Capabilities;

/// The adapter's capabilities.
pub fn capabilities() -> Capabilities {
    Capabilities {
        invoice_write: true,
        credit_note_write: true,
        // A sales transaction has no field that links a credit note to the invoice it credits.
        credit_note_links_invoice: false,
        // Temporary (provisional) transactions are updated by number; final ones cannot be.
        document_update: true,
        dimension_write: true,
        // An empty element clears a dimension field.
        dimension_update_clear: true,
        open_items: true,
        customer_balance: true,
        multiple_administrations: true,
        vat_codes_per_administration: true,
        // Twinfield has no webhooks.
        webhooks: false,
        invoice_pdf: true,
        oauth_refresh: true,
        refresh_token_rotation: false,
        bank_entries: false,
        subscriptions: false,
        max_lines_per_entry: Some(500),
        max_batch_size: Some(25),
        max_concurrent_requests: Some(10),
    }
}
