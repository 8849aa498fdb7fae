//! The core trait implementations for AFAS Profit.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use grootboek_core::runtime::http::StatsSnapshot;
use grootboek_core::runtime::{retry, Landed};
use grootboek_core::validation::{
    validate_dimension, validate_dimension_patch, validate_document, ValidationContext,
};
use grootboek_core::verify::{verify_dimension, verify_document};
use grootboek_core::{
    Administration, Capabilities, CreditNote, CreditNotes, Cursor, Dimension, DimensionKind,
    DimensionPatch, Dimensions, DocumentKind, DocumentPatch, EntryId, Error, ErrorKind, Invoice,
    Invoices, Journal, Ledger, Money, OpenItem, Page, PostedDocument, Result, SalesDocument,
    VatCode, Vendor, WriteOutcome,
};
use reqwest::Method;
use rust_decimal::Decimal;

use crate::client::{AfasClient, Filter, GetQuery};
use crate::config::{AfasConfig, DocumentDate, GetConnectors};
use crate::listing::KeyedListing;
use crate::mapping::debtor::{self, debtor_body, debtor_from_row, patch_body, AfasDebtor};
use crate::mapping::entry::{
    self, assert_vat_codes_present, document_from_transactions, entry_number, fi_entries_body,
    group_by_entry, ReadContext, MAX_LINES,
};
use crate::mapping::open_item::open_item_from_row;
use crate::mapping::reference::{
    account_from_row, administration_from_row, journal_from_row, vat_code_from_row, AfasVatCode,
};
use crate::wire::row::Row;

/// An AFAS Profit connection implementing [`Ledger`].
pub struct AfasLedger {
    config: AfasConfig,
    client: AfasClient,
    vat_cache: Mutex<HashMap<String, Vec<AfasVatCode>>>,
}

impl std::fmt::Debug for AfasLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasLedger")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn not_found(what: String) -> Error {
    Error::new(ErrorKind::NotFound, what).with_vendor(Vendor::Afas)
}

fn tag(op: &'static str) -> impl Fn(Error) -> Error {
    move |e| {
        let e = if e.vendor().is_none() {
            e.with_vendor(Vendor::Afas)
        } else {
            e
        };
        if e.operation().is_none() {
            e.with_operation(op)
        } else {
            e
        }
    }
}

impl AfasLedger {
    /// A ledger for the configured connection (no request is made yet).
    pub async fn new(config: AfasConfig) -> Result<Self> {
        let client = AfasClient::new(&config).await?;
        Ok(Self {
            config,
            client,
            vat_cache: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &AfasConfig {
        &self.config
    }

    /// The GetConnector names in use.
    pub fn connectors(&self) -> &GetConnectors {
        &self.config.connectors
    }

    /// The HTTP client (for the crate's own probes, e.g. [`AfasLedger::connector_status`]).
    pub(crate) fn client(&self) -> &AfasClient {
        &self.client
    }

    /// HTTP requests sent so far by this connection (every attempt counts).
    pub fn request_count(&self) -> u64 {
        self.client.stats().requests
    }

    /// The counters of this connection (requests, 429s, bytes, budget waits).
    pub fn stats(&self) -> StatsSnapshot {
        self.client.stats()
    }

    /// Set the counters back to zero (e.g. before measuring one listing).
    pub fn reset_request_count(&self) {
        self.client.reset_stats()
    }

    /// The date a document written at `instant` is booked on: its Europe/Amsterdam civil date
    /// (Q14), or with the Q14 defence off the naive UTC date.
    pub fn booking_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        if self.config.runtime.defence("Q14") {
            grootboek_core::dates::amsterdam_date(instant)
        } else {
            instant.date_naive()
        }
    }

    /// Create an invoice dated by the moment it is written (`instant`), as integrations that
    /// book "today" do: the date becomes [`AfasLedger::booking_date`] of `instant`.
    pub async fn create_invoice_at(
        &self,
        invoice: &Invoice,
        instant: DateTime<Utc>,
    ) -> Result<PostedDocument> {
        let mut doc = invoice.document().clone();
        doc.date = self.booking_date(instant);
        self.create_document(doc)
            .await
            .map_err(tag("create_invoice"))
    }

    /// Create a credit note dated by the moment it is written (see [`AfasLedger::create_invoice_at`]).
    pub async fn create_credit_note_at(
        &self,
        credit_note: &CreditNote,
        instant: DateTime<Utc>,
    ) -> Result<PostedDocument> {
        let mut doc = credit_note.document().clone();
        doc.date = self.booking_date(instant);
        self.create_document(doc)
            .await
            .map_err(tag("create_credit_note"))
    }

    fn listing<'a>(
        &'a self,
        connector: &'a str,
        filters: Vec<Filter>,
        key: &'a str,
        tie_break: Option<&'a str>,
    ) -> KeyedListing<'a> {
        KeyedListing {
            connector,
            filters,
            key,
            tie_break,
            page_size: self.config.page_size as u64,
            windows: self.config.runtime.defence("Q05"),
        }
    }

    async fn afas_vat_codes(
        &self,
        administration: &str,
        refresh: bool,
    ) -> Result<Vec<AfasVatCode>> {
        if !refresh {
            let cache = self.vat_cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = cache.get(administration) {
                return Ok(v.clone());
            }
        }
        let rows = self
            .listing(&self.config.connectors.vat_codes, vec![], "VatCode", None)
            .all(&self.client)
            .await?;
        let codes = rows
            .iter()
            // The connector may span administrations; keep this one's rows when it says so.
            .filter(|r| {
                r.text_any(&["UnitId", "UnId"])
                    .is_none_or(|u| u == administration)
            })
            .map(vat_code_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.vat_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(administration.to_string(), codes.clone());
        Ok(codes)
    }

    async fn debtor(&self, code: &str) -> Result<Option<AfasDebtor>> {
        let q = GetQuery {
            filters: vec![Filter::eq("DebtorId", code)],
            order_by: vec!["DebtorId".into()],
            skip: 0,
            take: 2,
        };
        let rows = self
            .client
            .get(&self.config.connectors.debtors, &q)
            .await?
            .rows;
        rows.iter()
            .map(debtor_from_row)
            .find(|d| d.as_ref().map_or(true, |d| d.dimension.code == code))
            .transpose()
    }

    async fn transactions(&self, filters: Vec<Filter>) -> Result<Vec<Row>> {
        self.listing(
            &self.config.connectors.transactions,
            filters,
            "EntryNo",
            Some("SeqNo"),
        )
        .all(&self.client)
        .await
    }

    async fn get_document(&self, id: &EntryId) -> Result<PostedDocument> {
        if id.vendor != Vendor::Afas {
            return Err(Error::validation(format!("{id} is not an AFAS entry")));
        }
        let q = GetQuery {
            filters: vec![
                Filter::eq("UnitId", id.administration.clone()),
                Filter::eq("JournalId", id.journal.clone()),
                Filter::eq("EntryNo", id.key.clone()),
            ],
            order_by: vec!["SeqNo".into()],
            skip: 0,
            take: (2 * MAX_LINES + 2) as u64,
        };
        let rows = self
            .client
            .get(&self.config.connectors.transactions, &q)
            .await?
            .rows;
        if rows.is_empty() {
            return Err(not_found(format!("entry {id} does not exist")));
        }
        let vat = self.afas_vat_codes(&id.administration, false).await?;
        let posted = document_from_transactions(
            id,
            &rows,
            &ReadContext {
                vat: &vat,
                open_item: None,
                currency: self.config.currency,
            },
        )?;
        if posted.document.due_date.is_some() || posted.document.reference.is_empty() {
            return Ok(posted);
        }
        // The connector does not show the due date on the debtor line: the open item has it.
        let oq = GetQuery {
            filters: vec![
                Filter::eq("UnitId", id.administration.clone()),
                Filter::eq("DebtorId", posted.document.customer.clone()),
                Filter::eq("InvoiceNr", posted.document.reference.clone()),
            ],
            order_by: vec!["InvoiceNr".into()],
            skip: 0,
            take: 10,
        };
        let open = self
            .client
            .get(&self.config.connectors.open_items, &oq)
            .await?
            .rows;
        document_from_transactions(
            id,
            &rows,
            &ReadContext {
                vat: &vat,
                open_item: open.first(),
                currency: self.config.currency,
            },
        )
    }

    /// Entry keys in a journal whose debtor line carries `reference`.
    async fn entry_keys(
        &self,
        administration: &str,
        journal: Option<&str>,
        reference: &str,
    ) -> Result<BTreeSet<(String, String)>> {
        let mut filters = vec![
            Filter::eq("UnitId", administration),
            Filter::eq("InvoiceId", reference),
        ];
        if let Some(j) = journal {
            filters.push(Filter::eq("JournalId", j));
        }
        let rows = self.transactions(filters).await?;
        Ok(group_by_entry(rows).into_keys().collect())
    }

    async fn find_documents(
        &self,
        administration: &str,
        reference: &str,
        kind: DocumentKind,
    ) -> Result<Vec<PostedDocument>> {
        let mut out = Vec::new();
        for (journal, key) in self.entry_keys(administration, None, reference).await? {
            let id = EntryId::new(Vendor::Afas, administration, journal, key);
            let doc = self.get_document(&id).await?;
            if doc.document.kind == kind {
                out.push(doc);
            }
        }
        Ok(out)
    }

    async fn create_document(&self, mut doc: SalesDocument) -> Result<PostedDocument> {
        if doc.currency != self.config.currency {
            return Err(Error::unsupported(format!(
                "documents in {} are not supported; the administration books in {}",
                doc.currency, self.config.currency
            )));
        }
        if doc.credits.is_some() {
            return Err(Error::unsupported(
                "AFAS cannot show which invoice a credit note credits on the read-back; post it without `credits`",
            ));
        }
        if self.config.document_date == DocumentDate::WriteInstant {
            doc.date = self.booking_date(self.config.runtime.clock.now());
        }
        let q02 = self.config.runtime.defence("Q02");
        let mut vat = self.afas_vat_codes(&doc.administration, false).await?;
        let unknown = doc
            .lines
            .iter()
            .filter_map(|l| l.vat_code.as_deref())
            .any(|c| {
                !vat.iter()
                    .any(|v| v.code.code.eq_ignore_ascii_case(c.trim()))
            });
        if unknown {
            vat = self.afas_vat_codes(&doc.administration, true).await?;
        }
        let customer = self.debtor(doc.customer.trim()).await?.ok_or_else(|| {
            Error::validation(format!("Customer {} does not exist in AFAS.", doc.customer))
        })?;
        let core_codes: Vec<VatCode> = vat.iter().map(|v| v.code.clone()).collect();
        let ctx = ValidationContext {
            administration_country: self.config.country_of(&doc.administration),
            // Without the Q02 defence the ICP check is skipped (the customer's country unknown).
            customer_country: if q02 {
                customer.dimension.country
            } else {
                None
            },
            max_lines: Some(MAX_LINES),
            vat_codes: Some(&core_codes),
        };
        validate_document(&doc, &ctx)?;
        let body = fi_entries_body(&doc, doc.date, &vat)?;
        let before = self
            .entry_keys(&doc.administration, Some(&doc.journal), &doc.reference)
            .await?;
        let key = retry(
            &self.config.runtime.retry,
            || async {
                let answer = self
                    .client
                    .update(Method::POST, entry::CONNECTOR, &body)
                    .await?;
                entry_number(&answer).map_err(|e| e.with_outcome(WriteOutcome::Applied))
            },
            || async {
                // Did the uncertain write land? Look for a new entry with this invoice number.
                let now = self
                    .entry_keys(&doc.administration, Some(&doc.journal), &doc.reference)
                    .await?;
                let new: Vec<_> = now.difference(&before).collect();
                Ok(match new.as_slice() {
                    [(_, key)] => Landed::Yes(key.clone()),
                    [] => Landed::No,
                    _ => {
                        return Err(Error::protocol(
                            "several new entries carry this invoice number",
                        ))
                    }
                })
            },
        )
        .await?;
        let id = EntryId::new(
            Vendor::Afas,
            doc.administration.trim(),
            doc.journal.trim(),
            key,
        );
        if !self.config.runtime.verify && !q02 {
            return Ok(PostedDocument {
                id,
                document: doc,
                status: None,
            });
        }
        let applied = |e: Error| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone());
        let posted = self.get_document(&id).await.map_err(applied)?;
        if q02 {
            assert_vat_codes_present(&doc, &posted).map_err(|e| e.with_vendor(Vendor::Afas))?;
        }
        if self.config.runtime.verify {
            // Without a due date AFAS derives one from the payment condition: accept it.
            let mut expected = doc.clone();
            if expected.due_date.is_none() {
                expected.due_date = posted.document.due_date;
            }
            verify_document(&expected, Some(&id), &posted)
                .map_err(|e| e.with_vendor(Vendor::Afas))?;
        }
        Ok(posted)
    }

    async fn write_debtor(&self, method: Method, body: &serde_json::Value) -> Result<()> {
        self.client
            .update(method, debtor::CONNECTOR, body)
            .await
            .map(|_| ())
    }

    async fn read_back_dimension(&self, expected: &Dimension) -> Result<Dimension> {
        if !self.config.runtime.verify {
            return Ok(expected.clone());
        }
        let back = self
            .debtor(&expected.code)
            .await?
            .ok_or_else(|| Error::verification("code", &expected.code, "(none)"))?;
        verify_dimension(expected, &back.dimension)
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
        Ok(back.dimension)
    }

    fn customers_only(kind: DimensionKind) -> Result<()> {
        if kind == DimensionKind::Customer {
            Ok(())
        } else {
            Err(Error::unsupported(format!(
                "the AFAS adapter writes customers (debtors) only, not {kind:?}"
            )))
        }
    }

    async fn account(&self, code: &str) -> Result<Option<Dimension>> {
        let q = GetQuery {
            filters: vec![Filter::eq("Account", code)],
            order_by: vec!["Account".into()],
            skip: 0,
            take: 2,
        };
        let rows = self
            .client
            .get(&self.config.connectors.accounts, &q)
            .await?
            .rows;
        rows.iter()
            .map(account_from_row)
            .find(|a| a.as_ref().map_or(true, |a| a.code == code))
            .transpose()
    }
}

/// Connect to AFAS Profit. No request is made until the first call.
pub async fn connect(config: AfasConfig) -> Result<AfasLedger> {
    AfasLedger::new(config).await
}

#[async_trait]
impl Invoices for AfasLedger {
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument> {
        self.create_document(invoice.document().clone())
            .await
            .map_err(tag("create_invoice"))
    }

    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument> {
        let d = self.get_document(id).await.map_err(tag("get_invoice"))?;
        if d.document.kind != DocumentKind::Invoice {
            return Err(tag("get_invoice")(not_found(format!(
                "entry {id} is a credit note, not an invoice"
            ))));
        }
        Ok(d)
    }

    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::Invoice)
            .await
            .map_err(tag("find_invoices"))
    }

    async fn update_invoice(
        &self,
        _id: &EntryId,
        _patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        Err(tag("update_invoice")(Error::unsupported(
            "AFAS FiEntries cannot be updated (no PUT); reverse and post again",
        )))
    }
}

#[async_trait]
impl CreditNotes for AfasLedger {
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument> {
        self.create_document(credit_note.document().clone())
            .await
            .map_err(tag("create_credit_note"))
    }

    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument> {
        let d = self
            .get_document(id)
            .await
            .map_err(tag("get_credit_note"))?;
        if d.document.kind != DocumentKind::CreditNote {
            return Err(tag("get_credit_note")(not_found(format!(
                "entry {id} is an invoice, not a credit note"
            ))));
        }
        Ok(d)
    }

    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::CreditNote)
            .await
            .map_err(tag("find_credit_notes"))
    }

    async fn update_credit_note(
        &self,
        _id: &EntryId,
        _patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        Err(tag("update_credit_note")(Error::unsupported(
            "AFAS FiEntries cannot be updated (no PUT); reverse and post again",
        )))
    }
}

#[async_trait]
impl Dimensions for AfasLedger {
    async fn create_dimension(
        &self,
        _administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let op = tag("create_dimension");
        Self::customers_only(dimension.kind).map_err(&op)?;
        validate_dimension(dimension).map_err(&op)?;
        if self.config.runtime.defence("Q15")
            && self.debtor(&dimension.code).await.map_err(&op)?.is_some()
        {
            return Err(op(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "customer {} already exists; use upsert to overwrite it (Q15)",
                    dimension.code
                ),
            )));
        }
        let body = debtor_body(dimension, None, self.config.currency.code()).map_err(&op)?;
        self.write_debtor(Method::POST, &body).await.map_err(&op)?;
        self.read_back_dimension(dimension).await.map_err(&op)
    }

    async fn upsert_dimension(
        &self,
        _administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let op = tag("upsert_dimension");
        Self::customers_only(dimension.kind).map_err(&op)?;
        validate_dimension(dimension).map_err(&op)?;
        match self.debtor(&dimension.code).await.map_err(&op)? {
            None => {
                let body =
                    debtor_body(dimension, None, self.config.currency.code()).map_err(&op)?;
                self.write_debtor(Method::POST, &body).await.map_err(&op)?;
            }
            Some(current) => {
                // Overwrite every field: what the new dimension leaves empty is cleared (null).
                let patch = DimensionPatch {
                    name: grootboek_core::Patch::Set(dimension.name.clone()),
                    country: dimension.country.into(),
                    vat_number: dimension.vat_number.clone().into(),
                    email: dimension.email.clone().into(),
                    coc_number: dimension.coc_number.clone().into(),
                };
                let body = patch_body(
                    &dimension.code,
                    current.organisation.as_deref(),
                    &patch,
                    self.config.runtime.defence("Q09"),
                )
                .map_err(&op)?;
                self.write_debtor(Method::PUT, &body).await.map_err(&op)?;
            }
        }
        self.read_back_dimension(dimension).await.map_err(&op)
    }

    async fn update_dimension(
        &self,
        _administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        let op = tag("update_dimension");
        Self::customers_only(kind).map_err(&op)?;
        validate_dimension_patch(patch).map_err(&op)?;
        let current = self
            .debtor(code)
            .await
            .map_err(&op)?
            .ok_or_else(|| op(not_found(format!("customer {code} does not exist"))))?;
        if patch.is_empty() {
            return Ok(current.dimension);
        }
        let body = patch_body(
            code,
            current.organisation.as_deref(),
            patch,
            self.config.runtime.defence("Q09"),
        )
        .map_err(&op)?;
        self.write_debtor(Method::PUT, &body).await.map_err(&op)?;
        self.read_back_dimension(&current.dimension.patched(patch))
            .await
            .map_err(&op)
    }

    async fn get_dimension(
        &self,
        _administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let op = tag("get_dimension");
        let found = match kind {
            DimensionKind::Customer => self.debtor(code).await.map_err(&op)?.map(|d| d.dimension),
            DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => self
                .account(code)
                .await
                .map_err(&op)?
                .filter(|a| a.kind == kind),
            other => {
                return Err(op(Error::unsupported(format!(
                    "the AFAS adapter does not read {other:?}"
                ))))
            }
        };
        found.ok_or_else(|| op(not_found(format!("{kind:?} {code} does not exist"))))
    }

    async fn list_dimensions(
        &self,
        _administration: &str,
        kind: DimensionKind,
        cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let op = tag("list_dimensions");
        match kind {
            DimensionKind::Customer => {
                let (rows, next) = self
                    .listing(&self.config.connectors.debtors, vec![], "DebtorId", None)
                    .page(&self.client, cursor)
                    .await
                    .map_err(&op)?;
                let items = rows
                    .iter()
                    .map(|r| debtor_from_row(r).map(|d| d.dimension))
                    .collect::<Result<Vec<_>>>()
                    .map_err(&op)?;
                Ok(Page { items, next })
            }
            DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => {
                let (rows, next) = self
                    .listing(&self.config.connectors.accounts, vec![], "Account", None)
                    .page(&self.client, cursor)
                    .await
                    .map_err(&op)?;
                let items = rows
                    .iter()
                    .map(account_from_row)
                    .filter(|a| a.as_ref().map_or(true, |a| a.kind == kind))
                    .collect::<Result<Vec<_>>>()
                    .map_err(&op)?;
                Ok(Page { items, next })
            }
            other => Err(op(Error::unsupported(format!(
                "the AFAS adapter does not list {other:?}"
            )))),
        }
    }
}

#[async_trait]
impl Ledger for AfasLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities::capabilities(self.config.max_concurrent)
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        let op = tag("administrations");
        let rows = self
            .listing(
                &self.config.connectors.administrations,
                vec![],
                "AdminId",
                None,
            )
            .all(&self.client)
            .await
            .map_err(&op)?;
        rows.iter()
            .map(|r| {
                administration_from_row(
                    r,
                    |code| self.config.country_of(code),
                    self.config.currency,
                )
            })
            .collect::<Result<Vec<_>>>()
            .map_err(op)
    }

    async fn list_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let op = tag("list_journals");
        let (rows, next) = self
            .listing(
                &self.config.connectors.journals,
                vec![Filter::eq("UnitId", administration)],
                "JournalId",
                None,
            )
            .page(&self.client, cursor)
            .await
            .map_err(&op)?;
        let items = rows
            .iter()
            .map(journal_from_row)
            .collect::<Result<Vec<_>>>()
            .map_err(&op)?;
        Ok(Page { items, next })
    }

    async fn vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        let codes = self
            .afas_vat_codes(administration, true)
            .await
            .map_err(tag("vat_codes"))?;
        Ok(codes.into_iter().map(|v| v.code).collect())
    }

    async fn list_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let op = tag("list_open_items");
        let (rows, next) = self
            .listing(
                &self.config.connectors.open_items,
                vec![Filter::eq("UnitId", administration)],
                "InvoiceNr",
                Some("DebtorId"),
            )
            .page(&self.client, cursor)
            .await
            .map_err(&op)?;
        let items = rows
            .iter()
            .map(|r| open_item_from_row(r, self.config.currency))
            .collect::<Result<Vec<_>>>()
            .map_err(&op)?;
        Ok(Page { items, next })
    }

    async fn customer_balance(&self, administration: &str, customer: &str) -> Result<Money> {
        let op = tag("customer_balance");
        let filters = vec![
            Filter::eq("UnitId", administration),
            Filter::eq("DebtorId", customer),
        ];
        if self.config.runtime.defence("Q10") {
            // Summed from the open items, exact to the cent (Q10).
            let rows = self
                .listing(
                    &self.config.connectors.open_items,
                    filters,
                    "InvoiceNr",
                    Some("DebtorId"),
                )
                .all(&self.client)
                .await
                .map_err(&op)?;
            let mut total = Decimal::ZERO;
            for r in &rows {
                total += r.decimal("Balance").map_err(&op)?.unwrap_or_default();
            }
            Ok(Money::new(total, self.config.currency))
        } else {
            // The convenience connector, which rounds to whole euros.
            let q = GetQuery {
                filters,
                order_by: vec!["DebtorId".into()],
                skip: 0,
                take: 1,
            };
            let rows = self
                .client
                .get(&self.config.connectors.debtor_balance, &q)
                .await
                .map_err(&op)?
                .rows;
            let balance = match rows.first() {
                Some(r) => r.decimal("Balance").map_err(&op)?.unwrap_or_default(),
                None => Decimal::ZERO,
            };
            Ok(Money::new(balance, self.config.currency))
        }
    }
}
