//! [`TwinfieldLedger`]: the core traits over ProcessXml, with every defence of the catalog.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use grootboek_core::runtime::{seed_refresh_token, ConnectionId, TokenPair, TwinfieldOperation};
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
use rust_decimal::Decimal;

use crate::auth::{AuthorizeRequest, OAuth, TwinfieldRefresher, CLUSTER_KEY};
use crate::client::{http_client, Transport, TransportStats};
use crate::config::TwinfieldConfig;
use crate::mapping::browse::{self, OpenRule};
use crate::mapping::dimension::{self as dimmap, ReadDimension};
use crate::mapping::errors::{result_error, write_result_error};
use crate::mapping::transaction::{self as txmap, ItemOutcome, TxWrite};
use crate::mapping::{finder, office, protocol, vat};
use crate::xml::parse_document;
use crate::xml::write::FinderQuery;

const READ: TwinfieldOperation = TwinfieldOperation::Read;
const WRITE: TwinfieldOperation = TwinfieldOperation::Write;

/// Read-backs in flight at once after a batch (the per-organisation cap is 10).
const VERIFY_CONCURRENCY: usize = 4;

/// Rows per Finder page.
const FINDER_PAGE: u32 = 100;

/// A Twinfield connection: one organisation (one consent), any of its offices per call.
pub struct TwinfieldLedger {
    t: Transport,
    oauth: OAuth,
    vat_cache: Mutex<HashMap<String, Arc<Vec<VatCode>>>>,
    pdf_bytes: Mutex<HashMap<EntryId, Arc<Vec<u8>>>>,
    pdf_urls: Mutex<HashMap<EntryId, String>>,
    written: Mutex<HashMap<EntryId, DateTime<Utc>>>,
}

impl std::fmt::Debug for TwinfieldLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwinfieldLedger")
            .field("config", &self.t.cfg)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn connection_id(organisation: &str) -> Result<ConnectionId> {
    let safe: String = organisation
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:@/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    ConnectionId::new(format!("twinfield:{safe}"))
}

/// Connect: build the HTTP client, the token broker (in memory unless configured) and the budget
/// (in memory unless configured). A configured refresh token is stored for the first refresh;
/// nothing is sent until the first call.
pub async fn connect(config: TwinfieldConfig) -> Result<TwinfieldLedger> {
    TwinfieldLedger::connect(config).await
}

/// What happened to one document of a batch (T06).
pub type BatchOutcome = Result<PostedDocument>;

struct Prepared<'a> {
    index: usize,
    doc: &'a SalesDocument,
    receivables: String,
}

impl TwinfieldLedger {
    /// See [`connect`].
    pub async fn connect(config: TwinfieldConfig) -> Result<Self> {
        if config.client_id.trim().is_empty() || config.organisation.trim().is_empty() {
            return Err(
                Error::config("Twinfield needs a client id and an organisation")
                    .with_vendor(Vendor::Twinfield),
            );
        }
        let http = http_client(&config)?;
        let conn = connection_id(&config.organisation)?;
        let broker = config
            .runtime
            .token_broker(Arc::new(TwinfieldRefresher::new(&config, http.clone())?))
            .await?;
        seed_refresh_token(broker.as_ref(), &conn, config.refresh_token.as_ref()).await?;
        let budget = config.runtime.shared_budget().await?;
        if !config.certified {
            tracing::info!(
                target: "grootboek::budget",
                organisation = %config.organisation,
                "Twinfield connection runs uncertified: 5 % of the credits (25 a minute per organisation); set certified once the app is"
            );
        }
        let oauth = OAuth::new(&config, http.clone())?;
        Ok(Self {
            t: Transport::new(config, http, broker, conn, budget),
            oauth,
            vat_cache: Mutex::new(HashMap::new()),
            pdf_bytes: Mutex::new(HashMap::new()),
            pdf_urls: Mutex::new(HashMap::new()),
            written: Mutex::new(HashMap::new()),
        })
    }

    fn cfg(&self) -> &TwinfieldConfig {
        &self.t.cfg
    }

    // ----- OAuth and cluster (T01, T02, T04) -----

    /// The authorize URL with a fresh `state` and `nonce` (keep both until the callback).
    pub fn authorize_url(&self) -> AuthorizeRequest {
        self.oauth.authorize_url()
    }

    /// Verify the callback against the `state` sent and return the code.
    pub fn verify_callback(expected_state: &str, callback: &str) -> Result<String> {
        OAuth::verify_callback(expected_state, callback)
    }

    /// Exchange the code for tokens, resolve the organisation's cluster and store both with the
    /// broker.
    pub async fn exchange_code(&self, code: &str) -> Result<()> {
        let pair = self.oauth.exchange_code(code).await?;
        self.store_tokens(pair).await?;
        self.resolve_cluster().await?;
        Ok(())
    }

    /// Store a token pair (from an earlier consent); its metadata may carry `twf.clusterUrl`.
    pub async fn store_tokens(&self, pair: TokenPair) -> Result<()> {
        self.t.broker().store(self.t.conn(), pair).await
    }

    /// The current token pair, if any (secrets redacted in `Debug`).
    pub async fn tokens(&self) -> Result<Option<TokenPair>> {
        self.t.broker().current(self.t.conn()).await
    }

    /// How many refreshes the broker committed.
    pub async fn refresh_count(&self) -> Result<u64> {
        self.t.broker().refresh_count(self.t.conn()).await
    }

    /// Resolve the organisation's cluster now (`accesstokenvalidation`) and cache it with the
    /// tokens.
    pub async fn resolve_cluster(&self) -> Result<String> {
        let token = self.t.broker().access_token(self.t.conn()).await?;
        self.t.resolve_and_store(&token).await
    }

    /// What this connection sent so far (requests, credits, 429s).
    pub fn stats(&self) -> TransportStats {
        self.t.stats()
    }

    /// The key under which the cluster is kept in the token metadata.
    pub fn cluster_metadata_key() -> &'static str {
        CLUSTER_KEY
    }

    // ----- office-scoped reads -----

    /// Every office of the organisation (sent without `CompanyCode`): the listing across
    /// administrations (T03).
    pub async fn offices(&self) -> Result<Vec<Administration>> {
        let xml = self
            .t
            .process_xml(None, &office::list_request(), READ, "administrations")
            .await?;
        office::parse_list(&xml, self.cfg().office_country, self.cfg().office_currency)
    }

    /// The VAT codes of `office`, cached per office (Q03).
    pub async fn office_vat_codes(&self, office_code: &str) -> Result<Arc<Vec<VatCode>>> {
        if let Some(v) = lock(&self.vat_cache).get(office_code) {
            return Ok(v.clone());
        }
        let mut codes = Vec::new();
        let mut first_row = 1;
        loop {
            let q = FinderQuery {
                kind: "VAT",
                pattern: "*",
                field: 0,
                first_row,
                max_rows: FINDER_PAGE,
                options: vec![("office", office_code)],
            };
            let page = self.t.finder(office_code, &q, "vat_codes").await?;
            let n = page.rows.len() as u32;
            codes.extend(
                page.rows
                    .iter()
                    .filter_map(|r| finder::vat_code_from_row(r)),
            );
            first_row += n;
            if n == 0 || first_row > page.total_rows {
                break;
            }
        }
        let today = grootboek_core::dates::amsterdam_date(self.cfg().runtime.clock.now());
        let mut out = Vec::new();
        for code in codes {
            let xml = self
                .t
                .process_xml(
                    Some(office_code),
                    &vat::read_request(office_code, &code),
                    READ,
                    "vat_codes",
                )
                .await?;
            out.push(vat::parse_read(&xml, today)?);
        }
        let out = Arc::new(out);
        lock(&self.vat_cache).insert(office_code.to_string(), out.clone());
        Ok(out)
    }

    /// Forget the cached VAT codes (all offices).
    pub fn clear_vat_cache(&self) {
        lock(&self.vat_cache).clear();
    }

    async fn read_dimension(
        &self,
        office_code: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<ReadDimension> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &dimmap::read_request(office_code, kind, code),
                READ,
                "get_dimension",
            )
            .await?;
        dimmap::parse_read(&xml, kind, "get_dimension")
    }

    /// Read one transaction through ProcessXml.
    pub async fn read_transaction(&self, id: &EntryId) -> Result<PostedDocument> {
        let codes = self.office_vat_codes(&id.administration).await.ok();
        let xml = self
            .t
            .process_xml(
                Some(&id.administration),
                &txmap::read_request(&id.administration, &id.journal, &id.key),
                READ,
                "read_transaction",
            )
            .await?;
        let doc = parse_document(&xml)?;
        if let Some(e) = result_error(&doc, "read_transaction") {
            return Err(e.with_entry(id.clone()));
        }
        let rate_of = |c: &str| {
            codes
                .as_ref()
                .and_then(|cs| cs.iter().find(|v| v.code.eq_ignore_ascii_case(c)))
                .map(|v| v.rate)
        };
        txmap::from_node(&doc, &rate_of)
    }

    fn written_recently(&self, id: &EntryId) -> bool {
        let now = self.cfg().runtime.clock.now();
        let window = chrono::Duration::from_std(self.cfg().read_your_writes).unwrap_or_default();
        lock(&self.written)
            .get(id)
            .is_some_and(|at| now - *at <= window)
    }

    /// A transaction's status (`temporary` / `final`). Q12: for the first minute after this
    /// connection wrote it, read through ProcessXml (the REST-style read lags ~30 s); otherwise
    /// (and with Q12 off) the REST-style status read.
    pub async fn transaction_status(&self, id: &EntryId) -> Result<String> {
        if self.cfg().defence("Q12") && self.written_recently(id) {
            let p = self.read_transaction(id).await?;
            return p
                .status
                .ok_or_else(|| protocol("a transaction read without a location"));
        }
        Ok(self.t.rest_status(id).await?.status)
    }

    async fn get_document(&self, id: &EntryId, kind: DocumentKind) -> Result<PostedDocument> {
        if id.vendor != Vendor::Twinfield {
            return Err(Error::validation(format!("{id} is not a Twinfield entry")));
        }
        let mut p = self.read_transaction(id).await?;
        if p.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", p.document.kind),
            )
            .with_vendor(Vendor::Twinfield)
            .with_entry(id.clone()));
        }
        if !self.cfg().defence("Q12") {
            // Without the defence the status comes from the REST-style read (it may lag).
            p.status = Some(self.t.rest_status(id).await?.status);
        }
        Ok(p)
    }

    async fn find_documents(
        &self,
        office_code: &str,
        reference: &str,
        kind: DocumentKind,
    ) -> Result<Vec<PostedDocument>> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &browse::by_reference_request(office_code, reference),
                READ,
                "find_documents",
            )
            .await?;
        let mut ids: Vec<EntryId> = Vec::new();
        browse::for_each_row(&xml, "find_documents", |row| {
            if row
                .get("fin.trs.line.invnumber")
                .is_some_and(|r| r != reference)
            {
                return Ok(());
            }
            if let Some(id) = row.entry(office_code) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(())
        })?;
        let mut out = Vec::new();
        for id in ids {
            let p = self.read_transaction(&id).await?;
            if p.document.kind == kind && p.document.reference == reference {
                out.push(p);
            }
        }
        Ok(out)
    }

    // ----- writes -----

    async fn prepare<'a>(
        &self,
        index: usize,
        doc: &'a SalesDocument,
        customers: &mut BTreeMap<(String, String), ReadDimension>,
    ) -> Result<Prepared<'a>> {
        let op = match doc.kind {
            DocumentKind::Invoice => "create_invoice",
            DocumentKind::CreditNote => "create_credit_note",
        };
        if doc.credits.is_some() {
            return Err(Error::unsupported(
                "a Twinfield sales transaction cannot name the invoice it credits (credit_note_links_invoice is false)",
            )
            .with_vendor(Vendor::Twinfield)
            .with_operation(op));
        }
        let key = (doc.administration.clone(), doc.customer.clone());
        let customer = match customers.get(&key) {
            Some(c) => Some(c.clone()),
            None => match self
                .read_dimension(&doc.administration, DimensionKind::Customer, &doc.customer)
                .await
            {
                Ok(c) => {
                    customers.insert(key, c.clone());
                    Some(c)
                }
                Err(e) if e.kind() == &ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            },
        };
        let codes = if self.cfg().defence("Q03") {
            Some(self.office_vat_codes(&doc.administration).await?)
        } else {
            None
        };
        if self.cfg().defence("Q02") {
            let ctx = ValidationContext {
                administration_country: self.cfg().office_country,
                customer_country: customer.as_ref().and_then(|c| c.dimension.country),
                max_lines: Some(self.cfg().max_lines),
                vat_codes: codes.as_ref().map(|c| c.as_slice()),
            };
            validate_document(doc, &ctx)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation(op))?;
        } else if let Some(codes) = &codes {
            // Q03 on its own: every code must exist in the target office.
            for (i, l) in doc.lines.iter().enumerate() {
                if let Some(c) = l
                    .vat_code
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                {
                    if !codes.iter().any(|v| v.code.eq_ignore_ascii_case(c)) {
                        return Err(Error::validation(format!(
                            "Line {}: VAT code {c} does not exist in office {} (Q03).",
                            i + 1,
                            doc.administration
                        ))
                        .with_vendor(Vendor::Twinfield)
                        .with_operation(op));
                    }
                }
            }
        }
        let receivables = customer
            .and_then(|c| c.collective_account)
            .unwrap_or_else(|| self.cfg().receivables_account.clone());
        Ok(Prepared {
            index,
            doc,
            receivables,
        })
    }

    /// Post sales documents (invoices and credit notes) in batches of up to 25 per request and
    /// office (T06), each validated first and verified after; returns each document's own
    /// outcome, in input order. A batch refused with a generic failure is split and retried.
    pub async fn post_documents(&self, docs: &[SalesDocument]) -> Vec<BatchOutcome> {
        let mut out: Vec<Option<BatchOutcome>> = (0..docs.len()).map(|_| None).collect();
        let mut customers = BTreeMap::new();
        let mut by_office: BTreeMap<String, Vec<Prepared<'_>>> = BTreeMap::new();
        for (i, doc) in docs.iter().enumerate() {
            match self.prepare(i, doc, &mut customers).await {
                Ok(p) => by_office
                    .entry(doc.administration.clone())
                    .or_default()
                    .push(p),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let batching = self.cfg().defence("T06");
        for (office_code, items) in by_office {
            let size = if batching {
                self.cfg().batch_size.max(1)
            } else {
                items.len().max(1)
            };
            for chunk in items.chunks(size) {
                let results = self.send_batch(&office_code, chunk, batching).await;
                for (p, r) in chunk.iter().zip(results) {
                    out[p.index] = Some(r);
                }
            }
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(protocol("a document of the batch got no outcome"))))
            .collect()
    }

    fn send_batch<'s, 'a>(
        &'s self,
        office_code: &'s str,
        items: &'s [Prepared<'a>],
        split: bool,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<BatchOutcome>> + Send + 's>>
    where
        'a: 's,
    {
        Box::pin(async move {
            let writes: Vec<TxWrite<'_>> = items
                .iter()
                .map(|p| TxWrite {
                    doc: p.doc,
                    receivables_account: &p.receivables,
                    destiny: self.cfg().destiny,
                    number: None,
                })
                .collect();
            let payload = txmap::batch_request(&writes);
            let outcomes: Vec<ItemOutcome> = match self
                .t
                .process_xml(Some(office_code), &payload, WRITE, "post_documents")
                .await
            {
                Ok(xml) => match parse_document(&xml)
                    .and_then(|root| txmap::parse_batch(&root, "post_documents"))
                {
                    Ok(v) if v.len() == items.len() => v,
                    Ok(v) => {
                        let e = protocol(format!(
                            "{} transactions sent, {} outcomes",
                            items.len(),
                            v.len()
                        ))
                        .with_outcome(WriteOutcome::Uncertain);
                        return items.iter().map(|_| Err(clone_error(&e))).collect();
                    }
                    Err(e) => {
                        let e = e.with_outcome(WriteOutcome::Uncertain);
                        return items.iter().map(|_| Err(clone_error(&e))).collect();
                    }
                },
                Err(e) => {
                    let generic = matches!(
                        e.kind(),
                        ErrorKind::Unavailable | ErrorKind::Protocol | ErrorKind::Validation
                    ) && e.outcome() != WriteOutcome::Uncertain;
                    if split && generic && items.len() > 1 {
                        // T06: an oversize batch fails with a generic error; split and retry.
                        tracing::info!(size = items.len(), error = %e, "batch refused; splitting (T06)");
                        let mid = items.len() / 2;
                        let (a, b) = items.split_at(mid);
                        let mut r = self.send_batch(office_code, a, split).await;
                        r.extend(self.send_batch(office_code, b, split).await);
                        return r;
                    }
                    return items.iter().map(|_| Err(clone_error(&e))).collect();
                }
            };
            // Read back and verify a few items at a time (well under the concurrency caps), so
            // the round trips overlap and the credit budget, not latency, sets the pace.
            use futures_util::stream::{self, StreamExt};
            let reads: Vec<_> = items
                .iter()
                .zip(outcomes)
                .map(|(p, outcome)| {
                    let doc: &SalesDocument = p.doc;
                    async move {
                        match outcome {
                            Ok(id) => self.after_write(doc, id, None).await,
                            Err(e) => Err(e),
                        }
                    }
                })
                .collect();
            stream::iter(reads)
                .buffered(VERIFY_CONCURRENCY)
                .collect::<Vec<_>>()
                .await
        })
    }

    /// Mark the write (Q12) and read back + verify (unless verification is off).
    async fn after_write(
        &self,
        doc: &SalesDocument,
        id: EntryId,
        expected_id: Option<&EntryId>,
    ) -> Result<PostedDocument> {
        lock(&self.written).insert(id.clone(), self.cfg().runtime.clock.now());
        let posted = self
            .read_transaction(&id)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied).with_entry(id.clone()))?;
        if self.cfg().runtime.verify {
            let mut compare = posted.clone();
            if doc.due_date.is_none() {
                // Twinfield derives a due date from the customer's terms when none is sent.
                compare.document.due_date = None;
            }
            verify_document(doc, expected_id.or(Some(&id)), &compare)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation("verify"))?;
        }
        Ok(posted)
    }

    async fn create_document(&self, doc: &SalesDocument) -> Result<PostedDocument> {
        self.post_documents(std::slice::from_ref(doc))
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(protocol("no outcome")))
    }

    async fn update_document(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
        kind: DocumentKind,
    ) -> Result<PostedDocument> {
        let current = self.read_transaction(id).await?;
        if current.document.kind != kind {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{id} is a {}, not a {kind}", current.document.kind),
            )
            .with_vendor(Vendor::Twinfield));
        }
        let wanted = patch.apply_to(&current.document);
        let mut customers = BTreeMap::new();
        let prepared = self.prepare(0, &wanted, &mut customers).await?;
        let payload = txmap::batch_request(&[TxWrite {
            doc: &wanted,
            receivables_account: &prepared.receivables,
            destiny: self.cfg().destiny,
            number: Some(&id.key),
        }]);
        let xml = self
            .t
            .process_xml(Some(&id.administration), &payload, WRITE, "update_document")
            .await?;
        let root = parse_document(&xml)?;
        let outcome = txmap::parse_batch(&root, "update_document")?
            .into_iter()
            .next()
            .ok_or_else(|| protocol("no outcome"))??;
        self.after_write(&wanted, outcome, Some(id)).await
    }

    // ----- invoice PDFs (Q11) -----

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

    // ----- dimensions -----

    async fn write_dimension(
        &self,
        office_code: &str,
        dim: &Dimension,
        uid: Option<&str>,
        operation: &'static str,
    ) -> Result<Dimension> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &dimmap::write_request(office_code, dim, uid),
                WRITE,
                operation,
            )
            .await?;
        let doc = parse_document(&xml)?;
        if let Some(e) = write_result_error(&doc, operation) {
            return Err(e);
        }
        let back = self
            .read_dimension(office_code, dim.kind, &dim.code)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?
            .dimension;
        if self.cfg().runtime.verify {
            verify_dimension(dim, &back)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation(operation))?;
        }
        Ok(back)
    }

    async fn existing(
        &self,
        office_code: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<ReadDimension>> {
        match self.read_dimension(office_code, kind, code).await {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == &ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn clone_error(e: &Error) -> Error {
    let mut out = Error::new(e.kind().clone(), e.message().to_string())
        .with_vendor(Vendor::Twinfield)
        .with_outcome(e.outcome())
        .with_retryable(e.is_retryable());
    if let Some(op) = e.operation() {
        out = out.with_operation(op);
    }
    if let Some(ve) = e.vendor_error() {
        out = out.with_vendor_error(ve.clone());
    }
    out
}

#[async_trait]
impl Invoices for TwinfieldLedger {
    async fn create_invoice(&self, invoice: &Invoice) -> Result<PostedDocument> {
        self.create_document(invoice.document()).await
    }

    async fn get_invoice(&self, id: &EntryId) -> Result<PostedDocument> {
        self.get_document(id, DocumentKind::Invoice).await
    }

    async fn find_invoices(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::Invoice)
            .await
    }

    async fn update_invoice(&self, id: &EntryId, patch: &DocumentPatch) -> Result<PostedDocument> {
        self.update_document(id, patch, DocumentKind::Invoice).await
    }
}

#[async_trait]
impl CreditNotes for TwinfieldLedger {
    async fn create_credit_note(&self, credit_note: &CreditNote) -> Result<PostedDocument> {
        self.create_document(credit_note.document()).await
    }

    async fn get_credit_note(&self, id: &EntryId) -> Result<PostedDocument> {
        self.get_document(id, DocumentKind::CreditNote).await
    }

    async fn find_credit_notes(
        &self,
        administration: &str,
        reference: &str,
    ) -> Result<Vec<PostedDocument>> {
        self.find_documents(administration, reference, DocumentKind::CreditNote)
            .await
    }

    async fn update_credit_note(
        &self,
        id: &EntryId,
        patch: &DocumentPatch,
    ) -> Result<PostedDocument> {
        self.update_document(id, patch, DocumentKind::CreditNote)
            .await
    }
}

#[async_trait]
impl Dimensions for TwinfieldLedger {
    async fn create_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        validate_dimension(dimension).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        if self.cfg().defence("Q15") {
            // Twinfield overwrites an existing code on "create": read first and refuse.
            if self
                .existing(administration, dimension.kind, &dimension.code)
                .await?
                .is_some()
            {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "{} {} already exists in office {administration}; use upsert to overwrite it (Q15)",
                        crate::mapping::dimtype(dimension.kind),
                        dimension.code
                    ),
                )
                .with_vendor(Vendor::Twinfield)
                .with_operation("create_dimension"));
            }
        }
        self.write_dimension(administration, dimension, None, "create_dimension")
            .await
    }

    async fn upsert_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        validate_dimension(dimension).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        let uid = self
            .existing(administration, dimension.kind, &dimension.code)
            .await?
            .and_then(|d| d.uid);
        self.write_dimension(
            administration,
            dimension,
            uid.as_deref(),
            "upsert_dimension",
        )
        .await
    }

    async fn update_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        validate_dimension_patch(patch).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        let current = self.read_dimension(administration, kind, code).await?;
        let wanted = current.dimension.patched(patch);
        self.write_dimension(
            administration,
            &wanted,
            current.uid.as_deref(),
            "update_dimension",
        )
        .await
    }

    async fn get_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        Ok(self
            .read_dimension(administration, kind, code)
            .await?
            .dimension)
    }

    async fn list_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
        _cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &dimmap::list_request(administration, kind),
                READ,
                "list_dimensions",
            )
            .await?;
        Ok(Page::last(dimmap::parse_list(&xml, kind)?))
    }
}

#[async_trait]
impl Ledger for TwinfieldLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities::capabilities()
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        self.offices().await
    }

    async fn list_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let first_row: u32 = match cursor {
            Some(c) => {
                c.0.parse()
                    .map_err(|_| Error::validation("not a Twinfield journal cursor"))?
            }
            None => 1,
        };
        let q = FinderQuery {
            kind: "TRS",
            pattern: "*",
            field: 0,
            first_row,
            max_rows: FINDER_PAGE,
            options: vec![("office", administration)],
        };
        let page = self.t.finder(administration, &q, "list_journals").await?;
        let n = page.rows.len() as u32;
        let items = page
            .rows
            .iter()
            .filter_map(|r| finder::journal_from_row(r))
            .collect();
        let next_row = first_row + n;
        let next = (n > 0 && next_row <= page.total_rows).then(|| Cursor(next_row.to_string()));
        Ok(Page { items, next })
    }

    async fn vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        Ok(self
            .office_vat_codes(administration)
            .await?
            .as_ref()
            .clone())
    }

    async fn list_open_items(
        &self,
        administration: &str,
        _cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let rule = if self.cfg().defence("Q06") {
            OpenRule::Amounts
        } else {
            OpenRule::MatchStatus
        };
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(administration, None),
                READ,
                "list_open_items",
            )
            .await?;
        let base = self.cfg().office_currency;
        let mut items = Vec::new();
        browse::for_each_row(&xml, "list_open_items", |row| {
            if let Some(item) = browse::open_item(&row, administration, base, rule)? {
                items.push(item);
            }
            Ok(())
        })?;
        Ok(Page::last(items))
    }

    async fn customer_balance(&self, administration: &str, customer: &str) -> Result<Money> {
        let rule = if self.cfg().defence("Q06") {
            OpenRule::Amounts
        } else {
            OpenRule::MatchStatus
        };
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(administration, Some(customer)),
                READ,
                "customer_balance",
            )
            .await?;
        let base = self.cfg().office_currency;
        let mut total = Decimal::ZERO;
        browse::for_each_row(&xml, "customer_balance", |row| {
            if let Some(item) = browse::open_item(&row, administration, base, rule)? {
                if item.relation == customer {
                    total += item.open_amount.amount;
                }
            }
            Ok(())
        })?;
        Ok(Money::new(total, base))
    }
}
