//! Invoices and credit notes of an [`ExactLedger`]: sales entries (`salesentry/SalesEntries`,
//! `Type` 20 and 21), read, found, created and updated (Q01, Q02) through the core write driver
//! ([`DocumentBackend`]), which gives the adapter its `Invoices` and `CreditNotes`.

use std::collections::HashMap;

use async_trait::async_trait;
use grootboek_core::json::JsonOut;
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::validation::{validate_document, ValidationContext};
use grootboek_core::write::{DocumentBackend, DocumentWriting};
use grootboek_core::{
    DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, PostedDocument, Result, SalesDocument,
    Vendor,
};

use super::ExactLedger;
use crate::mapping::sales_entries;
use crate::odata::{self, string_literal, Row};
use crate::urls::{Division, Endpoint, Query};

impl ExactLedger {
    async fn entry_lines(
        &self,
        division: Division,
        header: &Row,
        entry_id: &str,
    ) -> Result<Vec<sales_entries::WireLine>> {
        let rows = match sales_entries::lines_field(header)? {
            sales_entries::LinesField::Inline(mut rows, next) => {
                let mut next = next;
                while let Some(n) = next.take() {
                    let url = self.client().urls().next_page(division, &n)?;
                    let page = self.client().page("sales_entry_lines", &url).await?;
                    rows.extend(page.rows);
                    next = page.next;
                }
                rows
            }
            sales_entries::LinesField::Deferred(_) | sales_entries::LinesField::Absent => {
                self.client()
                    .all(
                        "sales_entry_lines",
                        division,
                        Endpoint::SalesEntryLines,
                        &Query::select(sales_entries::LINE_SELECT)
                            .filter(format!("EntryID eq {}", odata::guid_literal(entry_id)?)),
                    )
                    .await?
            }
        };
        rows.iter().map(sales_entries::line_from_row).collect()
    }

    async fn document_of_row(&self, division: Division, row: &Row) -> Result<PostedDocument> {
        let header = sales_entries::header_from_row(row)?;
        let lines = self.entry_lines(division, row, &header.entry_id).await?;
        let customer = if header.customer.is_empty() {
            String::new()
        } else {
            self.account_code(division, &header.customer).await?
        };
        let missing: Vec<String> = lines
            .iter()
            .filter(|l| l.gl_account_code.is_none())
            .filter_map(|l| l.gl_account.clone())
            .collect();
        let gl = if missing.is_empty() {
            HashMap::new()
        } else {
            self.gl_codes(division, &missing).await?
        };
        sales_entries::to_document(&division.to_string(), &header, &lines, &customer, &gl)
    }

    async fn entry_row(&self, division: Division, entry_id: &str) -> Result<Option<Row>> {
        self.client()
            .get_entity(
                "get_sales_entry",
                division,
                Endpoint::SalesEntries,
                entry_id,
                &Query::select(sales_entries::EXPANDED_SELECT).expand("SalesEntryLines"),
            )
            .await
    }

    /// Read an entry, retrying a not-yet-readable one within the webhook fetch deadline
    /// (a freshly written entry can take a moment to become readable).
    async fn read_entry(
        &self,
        division: Division,
        entry_id: &str,
        patient: bool,
    ) -> Result<PostedDocument> {
        let row = if patient {
            self.patiently(|| self.entry_row(division, entry_id))
                .await?
                .0
        } else {
            self.entry_row(division, entry_id).await?
        };
        let row = row.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("sales entry {entry_id} not found in division {division}"),
            )
            .with_vendor(Vendor::Exact)
        })?;
        self.document_of_row(division, &row).await
    }

    async fn find_documents(
        &self,
        administration: &str,
        reference: &str,
        kind: DocumentKind,
    ) -> Result<Vec<PostedDocument>> {
        let division = Self::division(administration)?;
        let filter = format!(
            "YourRef eq {} and Type eq {}",
            string_literal(reference.trim()),
            sales_entries::type_of(kind)
        );
        let rows = self
            .client()
            .all(
                "find_sales_entries",
                division,
                Endpoint::SalesEntries,
                &Query::select(sales_entries::EXPANDED_SELECT)
                    .filter(filter)
                    .expand("SalesEntryLines"),
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.document_of_row(division, r).await?);
        }
        Ok(out)
    }

    /// Read an entry of `kind` by identity; `patient` waits for a fresh write to show.
    async fn get_document(
        &self,
        id: &EntryId,
        kind: DocumentKind,
        patient: bool,
    ) -> Result<PostedDocument> {
        if id.vendor != Vendor::Exact {
            return Err(Error::validation(format!("{id} is not an Exact entry")));
        }
        let division = Self::division(&id.administration)?;
        let doc = self.read_entry(division, &id.key, patient).await?;
        if doc.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", doc.document.kind),
            )
            .with_vendor(Vendor::Exact));
        }
        if !id.journal.trim().is_empty() && doc.document.journal.trim() != id.journal.trim() {
            return Err(Error::validation(format!(
                "{id} names journal {} but the entry is in journal {}",
                id.journal, doc.document.journal
            )));
        }
        Ok(doc)
    }
}

/// What an Exact create sends, resolved before the wire: the division and the sales entry body.
pub struct PreparedDocument {
    division: Division,
    body: JsonOut,
}

/// Exact's side of the core write driver: sales entries (`Type` 20 and 21).
///
/// Q24: Exact honours a line's VAT percentage only above 0; a 0% line without an explicit
/// VAT code is booked with a default code (the GL account's, else the division's), VAT added.
/// Such a line is refused before anything is sent.
fn refuse_zero_rate_without_code(doc: &SalesDocument) -> Result<()> {
    for (i, line) in doc.lines.iter().enumerate() {
        let no_code = line.vat_code.as_deref().is_none_or(|c| c.trim().is_empty());
        if line.vat_rate.is_zero() && no_code {
            return Err(Error::validation(format!(
                "line {}: a 0% line needs an explicit VAT code on Exact Online (e.g. the exempt or                  zero-rate code of the division); without one Exact books the account's default                  code and adds VAT (Q24)",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Pre-commit answers (safe to send again): a 4xx refusal of the content (400, 403, 404, and
/// Exact's 500 with a business message, reference §5) and a request that never left. Exact
/// documents no other answer as pre-commit, so a 429 or any other 5xx on a POST is uncertain and
/// resolved by `YourRef` and `Type` before any resend (R01).
#[async_trait]
impl DocumentBackend for ExactLedger {
    type Prepared = PreparedDocument;

    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    async fn prepare(&self, doc: &SalesDocument) -> Result<PreparedDocument> {
        let division = Self::division(&doc.administration)?;
        if doc.credits.is_some() {
            return Err(Error::unsupported(
                "Exact sales entries cannot name the invoice a credit note credits; leave `credits` empty",
            ));
        }
        let admin = self.administration(division).await?;
        let customer = self
            .account_row(division, &doc.customer)
            .await?
            .ok_or_else(|| {
                Error::validation(format!(
                    "customer {} does not exist in division {division}",
                    doc.customer
                ))
            })?;
        let customer_guid = odata::guid(&customer, "ID")
            .ok_or_else(|| Error::protocol(format!("customer {} has no ID", doc.customer)))?;
        let customer_country = odata::string(&customer, "Country").and_then(|c| c.parse().ok());
        let codes = self.division_vat_codes(division).await?;
        let ctx = ValidationContext {
            administration_country: admin.country,
            customer_country,
            max_lines: None,
            vat_codes: Some(&codes),
        };
        if self.defence("Q02") {
            validate_document(doc, &ctx)?;
        }
        // An intra-community supply is Q02's: its 0% line needs the ICP code, not any code.
        if self.defence("Q24") && !ctx.is_intra_community() {
            refuse_zero_rate_without_code(doc)?;
        }
        let accounts: Vec<&str> = doc.lines.iter().map(|l| l.account.as_str()).collect();
        let gl = self.gl_guids(division, &accounts).await?;
        let body = sales_entries::create_body(doc, &customer_guid, &gl)?;
        Ok(PreparedDocument { division, body })
    }

    async fn send_create(
        &self,
        doc: &SalesDocument,
        prepared: &PreparedDocument,
    ) -> Result<Option<EntryId>> {
        let created = self
            .client()
            .post_once(
                "create_sales_entry",
                prepared.division,
                Endpoint::SalesEntries,
                &prepared.body,
            )
            .await?;
        Ok(created
            .as_ref()
            .and_then(|r| odata::guid(r, "EntryID"))
            .map(|entry_id| {
                EntryId::new(
                    Vendor::Exact,
                    doc.administration.trim(),
                    doc.journal.trim(),
                    &entry_id,
                )
            }))
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
        self.get_document(id, kind, false).await
    }

    async fn read_back(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        self.get_document(id, kind, true).await
    }

    async fn send_update(&self, current: &PostedDocument, patch: &DocumentPatch) -> Result<()> {
        let division = Self::division(&current.id.administration)?;
        #[cfg(feature = "without-defences")]
        if !self.defence("Q01") {
            // Naive: address the entry by its reference and let Exact match it (Q01).
            let url = self.client().urls().collection(
                division,
                Endpoint::SalesEntries,
                &Query::default().filter(format!(
                    "YourRef eq {}",
                    string_literal(&current.document.reference)
                )),
            )?;
            let body = sales_entries::naive_update_body(&current.document.reference, patch);
            return self
                .client()
                .put_once("update_sales_entry", &url, &body)
                .await;
        }
        // Q01: the entry is addressed by its EntryID and carries its Type and Journal.
        let url =
            self.client()
                .urls()
                .entity(division, Endpoint::SalesEntries, &current.id.key, None)?;
        let body = sales_entries::update_body(
            &current.id.key,
            current.document.kind,
            &current.document.journal,
            patch,
        );
        self.client()
            .put_once("update_sales_entry", &url, &body)
            .await
    }
}

impl DocumentWriting for ExactLedger {
    fn write_retry(&self) -> RetryPolicy {
        self.cfg().runtime.retry
    }

    fn write_verify(&self) -> bool {
        self.cfg().runtime.verify
    }

    fn write_vat_codes_check(&self) -> bool {
        self.defence("Q02")
    }

    /// Four documents at once: Exact documents no limit on calls in flight, only per-minute and
    /// per-day budgets, which pace every request anyway.
    fn write_concurrency(&self) -> usize {
        4
    }
}
