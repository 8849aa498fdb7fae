//! Invoices and credit notes of an [`ExactLedger`]: sales entries (`salesentry/SalesEntries`,
//! `Type` 20 and 21), read, found, created and updated (Q01, Q02), and the [`Invoices`] and
//! [`CreditNotes`] impls.

use std::collections::HashMap;

use async_trait::async_trait;
use grootboek_core::validation::{validate_document, ValidationContext};
use grootboek_core::verify::verify_document;
use grootboek_core::{
    CreditNote, CreditNotes, DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, Invoice,
    Invoices, PostedDocument, Result, SalesDocument, Vendor, WriteOutcome,
};

use super::{op_err, ExactLedger};
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

    async fn create_document(
        &self,
        doc: &SalesDocument,
        op: &'static str,
    ) -> Result<PostedDocument> {
        self.create_document_inner(doc)
            .await
            .map_err(|e| op_err(e, op))
    }

    async fn create_document_inner(&self, doc: &SalesDocument) -> Result<PostedDocument> {
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
        if self.defence("Q02") {
            let ctx = ValidationContext {
                administration_country: admin.country,
                customer_country,
                max_lines: None,
                vat_codes: Some(&codes),
            };
            validate_document(doc, &ctx)?;
        }
        let accounts: Vec<&str> = doc.lines.iter().map(|l| l.account.as_str()).collect();
        let gl = self.gl_guids(division, &accounts).await?;
        let body = sales_entries::create_body(doc, &customer_guid, &gl)?;
        let created = match self
            .client()
            .post(
                "create_sales_entry",
                division,
                Endpoint::SalesEntries,
                &body,
            )
            .await
        {
            Ok(row) => row,
            Err(e) if e.outcome() == WriteOutcome::Uncertain => {
                // Look the entry up by its natural key before anyone writes again.
                let found = self
                    .find_documents(&doc.administration, &doc.reference, doc.kind)
                    .await;
                match found {
                    Ok(list) if list.len() == 1 => {
                        let posted = list.into_iter().next().ok_or(e)?;
                        return self.verified(doc, posted);
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let entry_id = created
            .as_ref()
            .and_then(|r| odata::guid(r, "EntryID"))
            .ok_or_else(|| {
                Error::protocol("Exact created the sales entry but did not return its EntryID")
                    .with_outcome(WriteOutcome::Applied)
            })?;
        let id = EntryId::new(
            Vendor::Exact,
            doc.administration.trim(),
            doc.journal.trim(),
            &entry_id,
        );
        if !self.cfg().runtime.verify {
            return Ok(PostedDocument {
                id,
                document: doc.clone(),
                status: None,
            });
        }
        let back = self
            .read_entry(division, &entry_id, true)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone()))?;
        verify_document(doc, Some(&id), &back)?;
        Ok(back)
    }

    fn verified(&self, doc: &SalesDocument, posted: PostedDocument) -> Result<PostedDocument> {
        if self.cfg().runtime.verify {
            verify_document(doc, None, &posted)?;
        }
        Ok(posted)
    }

    async fn get_document(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        if id.vendor != Vendor::Exact {
            return Err(Error::validation(format!("{id} is not an Exact entry")));
        }
        let division = Self::division(&id.administration)?;
        let doc = self.read_entry(division, &id.key, false).await?;
        if doc.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", doc.document.kind),
            )
            .with_vendor(Vendor::Exact));
        }
        Ok(doc)
    }

    async fn update_document(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
        kind: DocumentKind,
        op: &'static str,
    ) -> Result<PostedDocument> {
        self.update_document_inner(id, patch, kind)
            .await
            .map_err(|e| op_err(e.with_entry(id.clone()), op))
    }

    async fn update_document_inner(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
        kind: DocumentKind,
    ) -> Result<PostedDocument> {
        let division = Self::division(&id.administration)?;
        // Resolve the entry to its EntryID first (Q01): read it by GUID.
        let row = self.entry_row(division, &id.key).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("sales entry {} not found", id.key),
            )
            .with_vendor(Vendor::Exact)
        })?;
        let header = sales_entries::header_from_row(&row)?;
        let before = self.document_of_row(division, &row).await?;
        if before.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", before.document.kind),
            )
            .with_vendor(Vendor::Exact));
        }
        if !id.journal.trim().is_empty() && header.journal.trim() != id.journal.trim() {
            return Err(Error::validation(format!(
                "{id} names journal {} but the entry is in journal {}",
                id.journal, header.journal
            )));
        }
        let expected = patch.apply_to(&before.document);
        if expected.due_date.is_some_and(|d| d < expected.date) {
            return Err(Error::validation(
                "the new due date lies before the document date",
            ));
        }
        if self.defence("Q01") {
            let url = self.client().urls().entity(
                division,
                Endpoint::SalesEntries,
                &header.entry_id,
                None,
            )?;
            let body = sales_entries::update_body(&header, patch);
            self.client().put("update_sales_entry", &url, &body).await?;
        } else {
            // Naive: address the entry by its reference and let Exact match it.
            let url = self.client().urls().collection(
                division,
                Endpoint::SalesEntries,
                &Query::default().filter(format!(
                    "YourRef eq {}",
                    string_literal(&before.document.reference)
                )),
            )?;
            let body = sales_entries::naive_update_body(&before.document.reference, patch);
            self.client().put("update_sales_entry", &url, &body).await?;
            return self.read_entry(division, &header.entry_id, false).await;
        }
        let after = self
            .read_entry(division, &header.entry_id, true)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
        if self.cfg().runtime.verify {
            verify_document(&expected, Some(id), &after)?;
            let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "(none)".into());
            if expected.description.as_deref().map(str::trim)
                != after.document.description.as_deref().map(str::trim)
            {
                return Err(Error::verification(
                    "description",
                    show(&expected.description),
                    show(&after.document.description),
                )
                .with_entry(after.id.clone()));
            }
        }
        Ok(after)
    }
}

#[async_trait]
impl Invoices for ExactLedger {
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument> {
        self.create_document(invoice.document(), "create_invoice")
            .await
    }

    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument> {
        self.get_document(id, DocumentKind::Invoice)
            .await
            .map_err(|e| op_err(e, "get_invoice"))
    }

    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::Invoice)
            .await
            .map_err(|e| op_err(e, "find_invoices"))
    }

    async fn update_invoice(&self, id: &EntryId, patch: &DocumentPatch) -> Result<PostedDocument> {
        self.update_document(id, patch, DocumentKind::Invoice, "update_invoice")
            .await
    }
}

#[async_trait]
impl CreditNotes for ExactLedger {
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument> {
        self.create_document(credit_note.document(), "create_credit_note")
            .await
    }

    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument> {
        self.get_document(id, DocumentKind::CreditNote)
            .await
            .map_err(|e| op_err(e, "get_credit_note"))
    }

    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::CreditNote)
            .await
            .map_err(|e| op_err(e, "find_credit_notes"))
    }

    async fn update_credit_note(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        self.update_document(id, patch, DocumentKind::CreditNote, "update_credit_note")
            .await
    }
}
