//! What the AFAS adapter can do.

use grootboek_core::Capabilities;

use crate::config::AFAS_MAX_CONCURRENT;
use crate::mapping::entry::MAX_LINES;

/// The AFAS adapter's capabilities, honestly:
/// - invoices and credit notes are written as `FiEntries`; a credit note cannot name the invoice
///   it credits in a way the read-back can see (`Profit_Transactions` has no link field), so
///   `credit_note_links_invoice` is false and such a credit note is refused as unsupported;
/// - posted entries cannot be patched (`FiEntries` has no PUT), so `document_update` is false;
/// - debtors can be created, upserted and patched (clear = `null`, Q09);
/// - VAT codes are defined per environment, not per administration (afas.md §4), so
///   `vat_codes_per_administration` is false;
/// - static AfasToken: no OAuth refresh; no webhooks; at most 8 calls in flight.
pub fn capabilities(max_concurrent: usize) -> Capabilities {
    Capabilities {
        invoice_write: true,
        credit_note_write: true,
        credit_note_links_invoice: false,
        document_update: false,
        dimension_write: true,
        dimension_update_clear: true,
        open_items: true,
        customer_balance: true,
        multiple_administrations: true,
        vat_codes_per_administration: false,
        webhooks: false,
        invoice_pdf: false,
        oauth_refresh: false,
        refresh_token_rotation: false,
        bank_entries: false,
        subscriptions: false,
        max_lines_per_entry: Some(MAX_LINES),
        max_batch_size: Some(1),
        max_concurrent_requests: Some(max_concurrent.min(AFAS_MAX_CONCURRENT)),
    }
}
