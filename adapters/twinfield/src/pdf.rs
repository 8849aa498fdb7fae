//! Invoice PDFs, a Twinfield-only operation of [`TwinfieldLedger`]: the bytes are cached because
//! the URL Twinfield hands out expires after 60 minutes (Q11).

use std::sync::Arc;

use grootboek_core::{EntryId, Result};

use crate::ledger::{lock, TwinfieldLedger, READ};
use crate::mapping::errors::result_error;
use crate::mapping::protocol;
use crate::xml::parse_document;

impl TwinfieldLedger {
    /// The PDF of a sales invoice. Q11: the URL Twinfield hands out expires after 60 minutes, so
    /// the bytes are cached (off: the URL is cached and fetched again each time).
    pub async fn invoice_pdf(&self, id: &EntryId) -> Result<Arc<Vec<u8>>> {
        let q11 = self.cfg().defence("Q11");
        if q11 {
            if let Some(b) = lock(&self.pdf_bytes).get(id) {
                return Ok(b.clone());
            }
        }
        let cached_url = if q11 {
            None
        } else {
            lock(&self.pdf_urls).get(id).cloned()
        };
        let url = match cached_url {
            Some(u) => u,
            None => {
                let mut d = crate::xml::XmlDoc::new();
                d.open("read")
                    .text("type", "invoicepdf")
                    .text("office", &id.administration)
                    .text("code", &id.journal)
                    .text("number", &id.key)
                    .close("read");
                let xml = self
                    .t
                    .process_xml(Some(&id.administration), &d.finish(), READ, "invoice_pdf")
                    .await?;
                let doc = parse_document(&xml)?;
                if let Some(e) = result_error(&doc, "invoice_pdf") {
                    return Err(e.with_entry(id.clone()));
                }
                let url = doc
                    .text_of("url")
                    .ok_or_else(|| protocol("the invoice PDF answer has no url"))?
                    .to_string();
                if !q11 {
                    lock(&self.pdf_urls).insert(id.clone(), url.clone());
                }
                url
            }
        };
        let bytes = Arc::new(
            self.t
                .download(&url, "invoice_pdf")
                .await
                .map_err(|e| e.with_entry(id.clone()))?,
        );
        if q11 {
            lock(&self.pdf_bytes).insert(id.clone(), bytes.clone());
        }
        Ok(bytes)
    }
}
