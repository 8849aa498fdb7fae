//! [`ExactLedger`]: the core traits over Exact Online, plus the Exact-only operations (OAuth,
//! webhooks, subscriptions, bank entries).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use grootboek_core::dates::amsterdam_date;
use grootboek_core::json::JsonOut;
use grootboek_core::runtime::http::{
    checked_url, HostPolicy, HttpClient, Request, StatsSnapshot, Transport,
};
use grootboek_core::runtime::{
    seed_refresh_token, ConnectionId, ExactBudget, TokenBroker, TokenPair,
};
use grootboek_core::validation::{
    validate_dimension, validate_dimension_patch, validate_document, ValidationContext,
};
use grootboek_core::verify::{verify_dimension, verify_document};
use grootboek_core::{
    Administration, Capabilities, CountryCode, CreditNote, CreditNotes, Currency, Cursor,
    Dimension, DimensionKind, DimensionPatch, Dimensions, DocumentKind, DocumentPatch, EntryId,
    Error, ErrorKind, Invoice, Invoices, Journal, Ledger, Money, OpenItem, Page, PostedDocument,
    Result, SalesDocument, VatCode, Vendor, WriteOutcome,
};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

use crate::auth::{Consent, ExactOAuth};
use crate::client::{Client, ExactProtocol, Method, Tokens};
use crate::config::ExactConfig;
use crate::mapping::{
    accounts, bank_entries, gl_accounts, journals, receivables, sales_entries, subscriptions,
    vat_codes,
};
use crate::model::{
    BankEntry, PostedBankEntry, Subscription, SubscriptionState, WebhookEvent, WebhookSubscription,
};
use crate::odata::{self, pad_account_code, string_literal, Row};
use crate::urls::{ApiUrls, Division, Endpoint, Query};

/// An Exact Online connection implementing [`Ledger`]. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct ExactLedger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ExactLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactLedger")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

struct Inner {
    config: ExactConfig,
    client: Client,
    oauth: Arc<ExactOAuth>,
    broker: Arc<dyn TokenBroker>,
    conn: ConnectionId,
    caches: Mutex<Caches>,
}

#[derive(Default)]
struct Caches {
    /// (division, account GUID) → code.
    account_codes: HashMap<(i32, String), String>,
    /// (division, GL GUID) → code, and code → GUID.
    gl_codes: HashMap<(i32, String), String>,
    gl_guids: HashMap<(i32, String), String>,
    /// division → VAT codes.
    vat_codes: HashMap<i32, Vec<VatCode>>,
    /// division → administration.
    divisions: HashMap<i32, Administration>,
}

fn op_err(e: Error, op: &'static str) -> Error {
    let e = if e.vendor().is_none() {
        e.with_vendor(Vendor::Exact)
    } else {
        e
    };
    if e.operation().is_none() {
        e.with_operation(op)
    } else {
        e
    }
}

/// Connect: build the HTTP client, the OAuth client, the token broker and the budget.
pub async fn connect(config: ExactConfig) -> Result<ExactLedger> {
    ExactLedger::connect(config).await
}

impl ExactLedger {
    /// Connect with `config` (see [`ExactConfig`]). Nothing is sent to Exact yet.
    pub async fn connect(config: ExactConfig) -> Result<Self> {
        config.validate()?;
        // Exact rotates the refresh token on every refresh: one kept only in memory is lost with
        // the process, and so is the consent.
        config.runtime.require_durable_tokens(Vendor::Exact)?;
        let base = config.base()?;
        let policy = HostPolicy::new();
        policy.allow_origin("the Exact base URL", &base)?;
        policy.allow_origin(
            "the Exact token URL",
            &checked_url("the Exact token URL", &config.token_endpoint()?)?,
        )?;
        let http = HttpClient::new(Vendor::Exact, config.runtime.http, policy)?;
        let oauth = Arc::new(ExactOAuth::new(&config, http.clone())?);
        let conn = ConnectionId::new(config.connection())?;
        let layout = ExactBudget::new(config.client_id.clone())
            .with_limits(config.budgets.per_minute, config.budgets.per_day)
            .with_windows(config.budgets.minute, config.budgets.day);
        let broker = config.runtime.token_broker(oauth.clone()).await?;
        let budget = config.runtime.shared_budget().await?;
        seed_refresh_token(broker.as_ref(), &conn, config.refresh_token.as_ref()).await?;
        let tokens = Self::tokens(&config, &broker, &conn, &oauth);
        let protocol = ExactProtocol {
            tokens,
            urls: ApiUrls::new(base),
            check_token_on_401: config.runtime.defence("Q08"),
            unauthorized_not_token: AtomicU64::new(0),
        };
        let client = Client {
            transport: Transport::new(http, protocol, budget, config.runtime.retry),
            layout,
            follow_next: config.runtime.defence("Q07"),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                client,
                oauth,
                broker,
                conn,
                caches: Mutex::new(Caches::default()),
            }),
        })
    }

    /// Tokens through the broker; with the Q04 defence off (a `without-defences` build), a naive
    /// private copy.
    fn tokens(
        config: &ExactConfig,
        broker: &Arc<dyn TokenBroker>,
        conn: &ConnectionId,
        oauth: &Arc<ExactOAuth>,
    ) -> Tokens {
        #[cfg(feature = "without-defences")]
        if !config.runtime.defence("Q04") {
            return Tokens::Naive {
                broker: broker.clone(),
                conn: conn.clone(),
                oauth: oauth.clone(),
                copy: Mutex::new(None),
                skew: config.runtime.refresh_skew,
                clock: config.runtime.clock.clone(),
            };
        }
        let _ = (config, oauth);
        Tokens::Broker {
            broker: broker.clone(),
            conn: conn.clone(),
        }
    }

    fn cfg(&self) -> &ExactConfig {
        &self.inner.config
    }

    fn client(&self) -> &Client {
        &self.inner.client
    }

    fn defence(&self, id: &str) -> bool {
        self.cfg().runtime.defence(id)
    }

    fn today(&self) -> NaiveDate {
        amsterdam_date(self.cfg().runtime.clock.now())
    }

    // ---------------------------------------------------------------- OAuth helpers

    /// The consent URL with a fresh `state` to keep in the user's session.
    pub fn authorize_url(&self) -> Consent {
        self.inner.oauth.authorize_url()
    }

    /// Complete the consent: check `state`, exchange the code, and store the pair in the broker.
    pub async fn complete_consent(
        &self,
        code: &str,
        returned_state: &str,
        expected_state: &str,
    ) -> Result<()> {
        let pair = self
            .inner
            .oauth
            .exchange_code(code, returned_state, expected_state)
            .await?;
        self.inner.broker.store(&self.inner.conn, pair).await
    }

    /// Store a token pair obtained elsewhere (a re-consent, a migration, a test).
    pub async fn store_tokens(&self, pair: TokenPair) -> Result<()> {
        self.inner.broker.store(&self.inner.conn, pair).await
    }

    /// The token broker of this connection.
    pub fn token_broker(&self) -> Arc<dyn TokenBroker> {
        self.inner.broker.clone()
    }

    /// The broker key of this connection.
    pub fn connection_id(&self) -> &ConnectionId {
        &self.inner.conn
    }

    /// How many refreshes the broker committed for this connection.
    pub async fn refresh_count(&self) -> Result<u64> {
        self.inner.broker.refresh_count(&self.inner.conn).await
    }

    /// Request counters (requests, 401s, 429s, bytes, budget waits).
    pub fn stats(&self) -> StatsSnapshot {
        self.client().transport.stats().snapshot()
    }

    /// 401s that the token check showed were not about the token (Q08).
    pub fn unauthorized_not_token(&self) -> u64 {
        self.client()
            .transport
            .protocol()
            .unauthorized_not_token
            .load(Ordering::Relaxed)
    }

    /// The division Exact's web UI last opened (`current/Me`), which the adapter never relies on
    /// for routing (Q08).
    pub async fn current_division(&self) -> Result<i32> {
        let transport = &self.client().transport;
        let token = transport.protocol().tokens.access().await?;
        let request = Request::get(self.client().urls().me()?)
            .static_header("accept", "application/json")
            .bearer(token.expose_secret())?;
        let answer = transport.http().execute(request, false).await?;
        if !answer.is_success() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                format!("current/Me answered {}", answer.status),
            )
            .with_vendor(Vendor::Exact));
        }
        let row = odata::parse_single(&answer.body)?
            .ok_or_else(|| Error::protocol("current/Me is empty"))?;
        odata::integer(&row, "CurrentDivision")
            .and_then(|d| i32::try_from(d).ok())
            .ok_or_else(|| Error::protocol("current/Me has no CurrentDivision"))
    }

    fn division(administration: &str) -> Result<Division> {
        administration.parse()
    }

    fn default_division(&self) -> Result<Division> {
        match self.cfg().division {
            Some(d) => Division::new(d),
            None => Err(Error::config(
                "no default division configured (GROOTBOEK_EXACT_DIVISION)",
            )),
        }
    }

    // ---------------------------------------------------------------- lookups

    async fn administration(&self, division: Division) -> Result<Administration> {
        if let Some(a) = self
            .inner
            .caches
            .lock()
            .await
            .divisions
            .get(&division.code())
        {
            return Ok(a.clone());
        }
        let rows = self
            .client()
            .all(
                "division",
                division,
                Endpoint::Divisions,
                &Query::select(&["Code", "Description", "Country", "Currency"])
                    .filter(format!("Code eq {}", division.code())),
            )
            .await?;
        let admin = match rows.first() {
            Some(r) => administration_of(r)?,
            None => Administration {
                code: division.to_string(),
                name: division.to_string(),
                country: CountryCode::NL,
                currency: Currency::EUR,
            },
        };
        self.inner
            .caches
            .lock()
            .await
            .divisions
            .insert(division.code(), admin.clone());
        Ok(admin)
    }

    async fn account_row(&self, division: Division, code: &str) -> Result<Option<Row>> {
        let filter = format!("Code eq {}", string_literal(&pad_account_code(code)));
        let rows = self
            .client()
            .all(
                "find_account",
                division,
                Endpoint::Accounts,
                &Query::select(accounts::SELECT).filter(filter),
            )
            .await?;
        Ok(rows
            .into_iter()
            .find(|r| odata::string(r, "Code").as_deref() == Some(code.trim())))
    }

    async fn account_code(&self, division: Division, guid: &str) -> Result<String> {
        let key = (division.code(), guid.to_string());
        if let Some(c) = self.inner.caches.lock().await.account_codes.get(&key) {
            return Ok(c.clone());
        }
        let row = self
            .client()
            .get_entity(
                "account_code",
                division,
                Endpoint::Accounts,
                guid,
                &Query::select(&["ID", "Code"]),
            )
            .await?
            .ok_or_else(|| Error::protocol(format!("account {guid} is unknown")))?;
        let code = odata::required_string(&row, "Code", "account")?;
        self.inner
            .caches
            .lock()
            .await
            .account_codes
            .insert(key, code.clone());
        Ok(code)
    }

    async fn load_gl_accounts(&self, division: Division) -> Result<()> {
        let rows = self
            .client()
            .all(
                "gl_accounts",
                division,
                Endpoint::GlAccounts,
                &Query::select(gl_accounts::SELECT),
            )
            .await?;
        let mut caches = self.inner.caches.lock().await;
        for r in rows {
            if let (Some(id), Some(code)) = (odata::guid(&r, "ID"), odata::string(&r, "Code")) {
                caches
                    .gl_codes
                    .insert((division.code(), id.clone()), code.clone());
                caches.gl_guids.insert((division.code(), code), id);
            }
        }
        Ok(())
    }

    async fn gl_guids(
        &self,
        division: Division,
        codes: &[&str],
    ) -> Result<HashMap<String, String>> {
        for attempt in 0..2 {
            {
                let caches = self.inner.caches.lock().await;
                let found: HashMap<String, String> = codes
                    .iter()
                    .filter_map(|c| {
                        caches
                            .gl_guids
                            .get(&(division.code(), c.trim().to_string()))
                            .map(|g| (c.trim().to_string(), g.clone()))
                    })
                    .collect();
                if found.len() == codes.len() || attempt == 1 {
                    return Ok(found);
                }
            }
            self.load_gl_accounts(division).await?;
        }
        Ok(HashMap::new())
    }

    async fn gl_codes(
        &self,
        division: Division,
        guids: &[String],
    ) -> Result<HashMap<String, String>> {
        for attempt in 0..2 {
            {
                let caches = self.inner.caches.lock().await;
                let found: HashMap<String, String> = guids
                    .iter()
                    .filter_map(|g| {
                        caches
                            .gl_codes
                            .get(&(division.code(), g.clone()))
                            .map(|c| (g.clone(), c.clone()))
                    })
                    .collect();
                if found.len() == guids.len() || attempt == 1 {
                    return Ok(found);
                }
            }
            self.load_gl_accounts(division).await?;
        }
        Ok(HashMap::new())
    }

    async fn division_vat_codes(&self, division: Division) -> Result<Vec<VatCode>> {
        if let Some(v) = self
            .inner
            .caches
            .lock()
            .await
            .vat_codes
            .get(&division.code())
        {
            return Ok(v.clone());
        }
        let rows = self
            .client()
            .all(
                "vat_codes",
                division,
                Endpoint::VatCodes,
                &Query::select(vat_codes::SELECT),
            )
            .await?;
        let codes = rows
            .iter()
            .filter(|r| vat_codes::usable_for_sales(r))
            .map(vat_codes::from_wire)
            .collect::<Result<Vec<_>>>()?;
        self.inner
            .caches
            .lock()
            .await
            .vat_codes
            .insert(division.code(), codes.clone());
        Ok(codes)
    }

    // ---------------------------------------------------------------- sales entries

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

    /// Run `fetch` until it yields something or the webhook fetch deadline passes, with
    /// doubling waits; NotFound counts as "not yet". Returns the value and the attempts made.
    async fn patiently<T, F, Fut>(&self, mut fetch: F) -> Result<(Option<T>, u32)>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let policy = self.cfg().webhook_fetch;
        let deadline = tokio::time::Instant::now() + policy.deadline;
        let mut delay = policy.first_delay;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match fetch().await {
                Ok(Some(v)) => return Ok((Some(v), attempts)),
                Ok(None) => {}
                Err(e) if *e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let now = tokio::time::Instant::now();
            if now + delay > deadline {
                return Ok((None, attempts));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
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

    // ---------------------------------------------------------------- dimensions

    async fn get_relation(
        &self,
        division: Division,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<(Row, Dimension)>> {
        match self.account_row(division, code).await? {
            Some(row) if accounts::is_kind(&row, kind) => {
                let d = accounts::from_wire(&row, kind)?;
                Ok(Some((row, d)))
            }
            _ => Ok(None),
        }
    }

    /// After a dimension write: read it back and verify it against what was meant (unless
    /// verification is off, when the intended dimension is returned).
    async fn confirm_dimension(
        &self,
        division: Division,
        expected: &Dimension,
    ) -> Result<Dimension> {
        if !self.cfg().runtime.verify {
            return Ok(expected.clone());
        }
        let back = self
            .read_dimension_back(division, expected.kind, &expected.code)
            .await?;
        verify_dimension(expected, &back)?;
        Ok(back)
    }

    /// POST a new `crm/Accounts` row.
    async fn post_account(&self, division: Division, dimension: &Dimension) -> Result<()> {
        self.client()
            .post(
                "create_account",
                division,
                Endpoint::Accounts,
                &accounts::to_wire(dimension),
            )
            .await?;
        Ok(())
    }

    async fn read_dimension_back(
        &self,
        division: Division,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let (found, _) = self
            .patiently(|| async {
                Ok(self
                    .get_relation(division, kind, code)
                    .await?
                    .map(|(_, d)| d))
            })
            .await?;
        found.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("{code} is not readable after the write"),
            )
            .with_vendor(Vendor::Exact)
            .with_outcome(WriteOutcome::Applied)
        })
    }

    fn relation_only(kind: DimensionKind) -> Result<()> {
        if kind.is_relation() {
            Ok(())
        } else {
            Err(Error::unsupported(format!(
                "the Exact adapter writes customers and suppliers only, not {kind:?}"
            )))
        }
    }

    // ---------------------------------------------------------------- Exact-only operations

    /// Post a bank entry (`financialtransaction/BankEntries`, always addressed with its division,
    /// Q08), read it back and verify it.
    pub async fn post_bank_entry(&self, entry: &BankEntry) -> Result<PostedBankEntry> {
        self.post_bank_entry_inner(entry)
            .await
            .map_err(|e| op_err(e, "post_bank_entry"))
    }

    async fn post_bank_entry_inner(&self, entry: &BankEntry) -> Result<PostedBankEntry> {
        let division = Self::division(&entry.administration)?;
        if entry.journal.trim().is_empty() {
            return Err(Error::validation("the bank entry has no journal"));
        }
        if entry.lines.is_empty() {
            return Err(Error::validation("the bank entry has no lines"));
        }
        for (i, l) in entry.lines.iter().enumerate() {
            if l.amount.normalize().scale() > 2 {
                return Err(Error::validation(format!(
                    "bank line {} has more than 2 decimals",
                    i + 1
                )));
            }
            if l.amount.is_zero() {
                return Err(Error::validation(format!("bank line {} is zero", i + 1)));
            }
        }
        let gl_codes: Vec<&str> = entry
            .lines
            .iter()
            .filter_map(|l| l.gl_account.as_deref())
            .collect();
        let gl = self.gl_guids(division, &gl_codes).await?;
        let mut accounts_by_code = HashMap::new();
        for code in entry.lines.iter().filter_map(|l| l.customer.as_deref()) {
            if let Some(row) = self.account_row(division, code).await? {
                if let Some(g) = odata::guid(&row, "ID") {
                    accounts_by_code.insert(code.trim().to_string(), g);
                }
            }
        }
        let body = bank_entries::create_body(entry, &gl, &accounts_by_code)?;
        let created = self
            .client()
            .post("post_bank_entry", division, Endpoint::BankEntries, &body)
            .await?;
        let entry_id = created
            .as_ref()
            .and_then(|r| odata::guid(r, "EntryID"))
            .ok_or_else(|| {
                Error::protocol("Exact did not return the bank entry's EntryID")
                    .with_outcome(WriteOutcome::Applied)
            })?;
        if !self.cfg().runtime.verify {
            return Ok(PostedBankEntry {
                entry_id,
                entry_number: created
                    .as_ref()
                    .and_then(|r| odata::integer(r, "EntryNumber")),
                entry: entry.clone(),
            });
        }
        let (back, _) = self
            .patiently(|| self.get_bank_entry_opt(division, &entry_id))
            .await?;
        let back = back.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("bank entry {entry_id} is not readable after the write"),
            )
            .with_outcome(WriteOutcome::Applied)
        })?;
        let mut expected = entry.clone();
        expected.currency = back.entry.currency.clone().or(expected.currency);
        if back.entry.journal != expected.journal.trim()
            || back.entry.lines.len() != expected.lines.len()
        {
            return Err(Error::verification(
                "bank entry",
                format!("{:?}", expected.lines.len()),
                format!("{:?}", back.entry.lines.len()),
            ));
        }
        for (i, (e, a)) in expected.lines.iter().zip(&back.entry.lines).enumerate() {
            if e.amount != a.amount || e.date != a.date {
                return Err(Error::verification(
                    format!("lines[{i}].amount"),
                    format!("{} {}", e.amount, e.date),
                    format!("{} {}", a.amount, a.date),
                ));
            }
        }
        Ok(back)
    }

    async fn get_bank_entry_opt(
        &self,
        division: Division,
        entry_id: &str,
    ) -> Result<Option<PostedBankEntry>> {
        let row = self
            .client()
            .get_entity(
                "get_bank_entry",
                division,
                Endpoint::BankEntries,
                entry_id,
                &Query::select(bank_entries::EXPANDED_SELECT).expand("BankEntryLines"),
            )
            .await?;
        match row {
            Some(r) => Ok(Some(self.bank_entry_of_row(division, &r).await?)),
            None => Ok(None),
        }
    }

    async fn bank_entry_of_row(&self, division: Division, row: &Row) -> Result<PostedBankEntry> {
        let entry_id = odata::guid(row, "EntryID")
            .ok_or_else(|| Error::protocol("bank entry without EntryID"))?;
        let lines: Vec<Row> = match row.get("BankEntryLines") {
            Some(v @ Value::Object(_)) | Some(v @ Value::Array(_))
                if v.get("__deferred").is_none() =>
            {
                let page = odata::page_of_value(&serde_json::json!({ "d": v }))?;
                let mut rows = page.rows;
                let mut next = page.next;
                while let Some(n) = next.take() {
                    let p = self
                        .client()
                        .page(
                            "bank_entry_lines",
                            &self.client().urls().next_page(division, &n)?,
                        )
                        .await?;
                    rows.extend(p.rows);
                    next = p.next;
                }
                rows
            }
            _ => {
                self.client()
                    .all(
                        "bank_entry_lines",
                        division,
                        Endpoint::BankEntryLines,
                        &Query::select(bank_entries::LINE_SELECT)
                            .filter(format!("EntryID eq {}", odata::guid_literal(&entry_id)?)),
                    )
                    .await?
            }
        };
        let mut codes = HashMap::new();
        let gl_missing: Vec<String> = lines
            .iter()
            .filter(|l| odata::string(l, "GLAccountCode").is_none())
            .filter_map(|l| odata::guid(l, "GLAccount"))
            .collect();
        if !gl_missing.is_empty() {
            codes.extend(self.gl_codes(division, &gl_missing).await?);
        }
        for l in &lines {
            if odata::string(l, "AccountCode").is_none() {
                if let Some(g) = odata::guid(l, "Account") {
                    let code = self.account_code(division, &g).await?;
                    codes.insert(g, code);
                }
            }
        }
        bank_entries::from_wire(&division.to_string(), row, &lines, &codes)
    }

    /// Every bank entry of an administration (division), all pages (Q07).
    pub async fn bank_entries(&self, administration: &str) -> Result<Vec<PostedBankEntry>> {
        let division = Self::division(administration)?;
        let rows = self
            .client()
            .all(
                "bank_entries",
                division,
                Endpoint::BankEntries,
                &Query::select(bank_entries::HEADER_SELECT),
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.bank_entry_of_row(division, r).await?);
        }
        Ok(out)
    }

    /// Every subscription of an administration with its state derived from the dates (Q13); with
    /// the Q13 defence off, the naive `Status eq 1` filter and every row assumed active.
    pub async fn subscriptions(&self, administration: &str) -> Result<Vec<Subscription>> {
        let division = Self::division(administration)?;
        let today = self.today();
        let (query, assumed) = if self.defence("Q13") {
            (Query::select(subscriptions::SELECT), None)
        } else {
            (
                Query::select(subscriptions::SELECT).filter("Status eq 1"),
                Some(SubscriptionState::Active),
            )
        };
        let rows = self
            .client()
            .all("subscriptions", division, Endpoint::Subscriptions, &query)
            .await?;
        rows.iter()
            .map(|r| subscriptions::from_wire(r, today, assumed))
            .collect()
    }

    /// The running subscriptions (active or in their grace period, Q13).
    pub async fn running_subscriptions(&self, administration: &str) -> Result<Vec<Subscription>> {
        Ok(self
            .subscriptions(administration)
            .await?
            .into_iter()
            .filter(|s| s.state.is_running())
            .collect())
    }

    /// Subscribe `callback_url` to `topic` in a division (`webhooks/WebhookSubscriptions`).
    pub async fn create_webhook_subscription(
        &self,
        administration: &str,
        topic: &str,
        callback_url: &str,
    ) -> Result<WebhookSubscription> {
        let division = Self::division(administration)?;
        let body = JsonOut::object()
            .with("CallbackURL", callback_url)
            .with("Topic", topic)
            .build();
        let row = self
            .client()
            .post(
                "create_webhook_subscription",
                division,
                Endpoint::WebhookSubscriptions,
                &body,
            )
            .await?
            .ok_or_else(|| Error::protocol("Exact did not return the webhook subscription"))?;
        webhook_subscription_of(&row)
    }

    /// The webhook subscriptions of a division.
    pub async fn webhook_subscriptions(
        &self,
        administration: &str,
    ) -> Result<Vec<WebhookSubscription>> {
        let division = Self::division(administration)?;
        let rows = self
            .client()
            .all(
                "webhook_subscriptions",
                division,
                Endpoint::WebhookSubscriptions,
                &Query::select(&["ID", "Topic", "CallbackURL", "Description"]),
            )
            .await?;
        rows.iter().map(webhook_subscription_of).collect()
    }

    /// Handle a webhook delivery: verify its `HashCode` over the raw `Content` (constant time)
    /// with the webhook secret, then fetch the entity it names, retrying with bounded backoff
    /// until it is readable or the deadline passes (Q16). `Ok(None)` for the empty validation
    /// POST Exact sends when a subscription is created (answer it with 200).
    pub async fn handle_webhook(&self, raw_body: &[u8]) -> Result<Option<WebhookEvent>> {
        if odata::strip_bom(raw_body)
            .iter()
            .all(u8::is_ascii_whitespace)
        {
            return Ok(None);
        }
        let secret = self.cfg().webhook_secret.as_ref().ok_or_else(|| {
            Error::config("no webhook secret configured (GROOTBOEK_EXACT_WEBHOOK_SECRET)")
        })?;
        let content = crate::webhooks::verify(secret, raw_body)?;
        if content.action.eq_ignore_ascii_case("delete") {
            return Ok(Some(WebhookEvent {
                content,
                entity: None,
                attempts: 0,
            }));
        }
        let division = Division::new(content.division)?;
        let url = match &content.endpoint {
            Some(link) => self.client().urls().handed_out(division, link)?,
            None => {
                return Err(Error::protocol("the webhook names no ExactOnlineEndpoint")
                    .with_vendor(Vendor::Exact))
            }
        };
        let fetch = || async {
            match self
                .client()
                .call("webhook_entity", Method::Get, &url)
                .await
            {
                Ok(r) => odata::parse_single(&r.body),
                Err(e) if *e.kind() == ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        };
        let (entity, attempts) = if self.defence("Q16") {
            self.patiently(fetch).await?
        } else {
            (fetch().await?, 1)
        };
        let entity = entity.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "the {} entity {} of the webhook is not readable",
                    content.topic, content.key
                ),
            )
            .with_vendor(Vendor::Exact)
            .with_operation("handle_webhook")
            .with_retryable(true)
        })?;
        Ok(Some(WebhookEvent {
            content,
            entity: Some(entity),
            attempts,
        }))
    }

    /// Verify a webhook body without fetching anything.
    pub fn verify_webhook(&self, raw_body: &[u8]) -> Result<crate::model::WebhookContent> {
        let secret = self
            .cfg()
            .webhook_secret
            .as_ref()
            .ok_or_else(|| Error::config("no webhook secret configured"))?;
        crate::webhooks::verify(secret, raw_body)
    }
}

fn webhook_subscription_of(row: &Row) -> Result<WebhookSubscription> {
    Ok(WebhookSubscription {
        id: odata::guid(row, "ID")
            .ok_or_else(|| Error::protocol("webhook subscription without ID"))?,
        topic: odata::string(row, "Topic").unwrap_or_default(),
        callback_url: odata::string(row, "CallbackURL").unwrap_or_default(),
        description: odata::string(row, "Description"),
    })
}

fn administration_of(row: &Row) -> Result<Administration> {
    let code = odata::integer(row, "Code")
        .map(|c| c.to_string())
        .ok_or_else(|| Error::protocol("a division without Code"))?;
    Ok(Administration {
        name: odata::string(row, "Description").unwrap_or_else(|| code.clone()),
        country: odata::string(row, "Country")
            .and_then(|c| c.parse().ok())
            .unwrap_or(CountryCode::NL),
        currency: odata::string(row, "Currency")
            .and_then(|c| c.parse().ok())
            .unwrap_or(Currency::EUR),
        code,
    })
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

#[async_trait]
impl Dimensions for ExactLedger {
    async fn create_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(dimension.kind)?;
            validate_dimension(dimension)?;
            let division = Self::division(administration)?;
            if self.defence("Q15") {
                if let Some(row) = self.account_row(division, &dimension.code).await? {
                    let name = odata::string(&row, "Name").unwrap_or_default();
                    return Err(Error::new(
                        ErrorKind::AlreadyExists,
                        format!("code {} is taken in division {division} (by {name}); use upsert to overwrite", dimension.code),
                    ));
                }
            }
            self.post_account(division, dimension).await?;
            self.confirm_dimension(division, dimension).await
        };
        run.await.map_err(|e| op_err(e, "create_dimension"))
    }

    async fn upsert_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(dimension.kind)?;
            validate_dimension(dimension)?;
            let division = Self::division(administration)?;
            match self.account_row(division, &dimension.code).await? {
                Some(row) => {
                    let guid = odata::guid(&row, "ID")
                        .ok_or_else(|| Error::protocol("account without ID"))?;
                    let url =
                        self.client()
                            .urls()
                            .entity(division, Endpoint::Accounts, &guid, None)?;
                    self.client()
                        .put(
                            "upsert_account",
                            &url,
                            &accounts::to_wire_overwrite(dimension),
                        )
                        .await?;
                }
                None => self.post_account(division, dimension).await?,
            }
            self.confirm_dimension(division, dimension).await
        };
        run.await.map_err(|e| op_err(e, "upsert_dimension"))
    }

    async fn update_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(kind)?;
            validate_dimension_patch(patch)?;
            let division = Self::division(administration)?;
            let (row, current) =
                self.get_relation(division, kind, code)
                    .await?
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            format!("{kind:?} {code} not found in division {division}"),
                        )
                    })?;
            let guid =
                odata::guid(&row, "ID").ok_or_else(|| Error::protocol("account without ID"))?;
            let url = self
                .client()
                .urls()
                .entity(division, Endpoint::Accounts, &guid, None)?;
            self.client()
                .put("update_account", &url, &accounts::patch_to_wire(patch))
                .await?;
            self.confirm_dimension(division, &current.patched(patch))
                .await
        };
        run.await.map_err(|e| op_err(e, "update_dimension"))
    }

    async fn get_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let run = async {
            let division = Self::division(administration)?;
            let found = match kind {
                DimensionKind::Customer | DimensionKind::Supplier => self
                    .get_relation(division, kind, code)
                    .await?
                    .map(|(_, d)| d),
                DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => {
                    let rows = self
                        .client()
                        .all(
                            "get_gl_account",
                            division,
                            Endpoint::GlAccounts,
                            &Query::select(gl_accounts::SELECT)
                                .filter(format!("Code eq {}", string_literal(code.trim()))),
                        )
                        .await?;
                    rows.iter()
                        .map(gl_accounts::from_wire)
                        .collect::<Result<Vec<_>>>()?
                        .into_iter()
                        .find(|d| d.kind == kind && d.code == code.trim())
                }
                other => {
                    return Err(Error::unsupported(format!(
                        "the Exact adapter does not read {other:?}"
                    )))
                }
            };
            found.ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("{kind:?} {code} not found in division {division}"),
                )
            })
        };
        run.await.map_err(|e| op_err(e, "get_dimension"))
    }

    async fn list_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
        cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let run = async {
            let division = Self::division(administration)?;
            let (endpoint, query) = match kind {
                DimensionKind::Customer => (
                    Endpoint::Accounts,
                    Query::select(accounts::SELECT).filter("IsSales eq true"),
                ),
                DimensionKind::Supplier => (
                    Endpoint::Accounts,
                    Query::select(accounts::SELECT).filter("IsSupplier eq true"),
                ),
                DimensionKind::BalanceSheetAccount => (
                    Endpoint::GlAccounts,
                    Query::select(gl_accounts::SELECT).filter("BalanceType eq 'B'"),
                ),
                DimensionKind::ProfitAndLossAccount => (
                    Endpoint::GlAccounts,
                    Query::select(gl_accounts::SELECT).filter("BalanceType eq 'W'"),
                ),
                other => {
                    return Err(Error::unsupported(format!(
                        "the Exact adapter does not list {other:?}"
                    )))
                }
            };
            let (rows, next) = self
                .page_of(division, endpoint, &query, cursor, "list_dimensions")
                .await?;
            let items = rows
                .iter()
                .map(|r| {
                    if kind.is_relation() {
                        accounts::from_wire(r, kind)
                    } else {
                        gl_accounts::from_wire(r)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_dimensions"))
    }
}

impl ExactLedger {
    /// The full amounts (VAT included, signed as Exact holds them) of the sales entries behind a
    /// page of open items, in one request per 40 entries.
    async fn entry_amounts(
        &self,
        division: Division,
        rows: &[Row],
    ) -> Result<HashMap<String, rust_decimal::Decimal>> {
        let ids: Vec<String> = rows.iter().filter_map(|r| odata::guid(r, "Id")).collect();
        let mut out = HashMap::new();
        for chunk in ids.chunks(40) {
            let filter = chunk
                .iter()
                .map(|id| odata::guid_literal(id).map(|g| format!("EntryID eq {g}")))
                .collect::<Result<Vec<_>>>()?
                .join(" or ");
            let found = self
                .client()
                .all(
                    "open_item_amounts",
                    division,
                    Endpoint::SalesEntries,
                    &Query::select(&["EntryID", "AmountFC"]).filter(filter),
                )
                .await?;
            for r in &found {
                if let (Some(id), Some(amount)) =
                    (odata::guid(r, "EntryID"), odata::decimal(r, "AmountFC")?)
                {
                    out.insert(id, amount);
                }
            }
        }
        Ok(out)
    }

    /// One page of a listing: the first with `query`, later ones from the cursor (`__next`).
    async fn page_of(
        &self,
        division: Division,
        endpoint: Endpoint,
        query: &Query,
        cursor: Option<Cursor>,
        op: &'static str,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        let url = match cursor {
            None => self.client().urls().collection(division, endpoint, query)?,
            Some(c) => self.client().urls().next_page(division, &c.0)?,
        };
        let page = self.client().page(op, &url).await?;
        let next = if self.defence("Q07") {
            page.next.map(Cursor)
        } else {
            None
        };
        Ok((page.rows, next))
    }
}

#[async_trait]
impl Ledger for ExactLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Exact
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities::capabilities()
    }

    async fn administrations(&self) -> Result<Vec<Administration>> {
        let run = async {
            let division = match self.default_division() {
                Ok(d) => d,
                Err(_) => Division::new(self.current_division().await?)?,
            };
            let rows = self
                .client()
                .all(
                    "administrations",
                    division,
                    Endpoint::Divisions,
                    &Query::select(&["Code", "Description", "Country", "Currency"]),
                )
                .await?;
            rows.iter()
                .map(administration_of)
                .collect::<Result<Vec<_>>>()
        };
        run.await.map_err(|e| op_err(e, "administrations"))
    }

    async fn list_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let run = async {
            let division = Self::division(administration)?;
            let (rows, next) = self
                .page_of(
                    division,
                    Endpoint::Journals,
                    &Query::select(journals::SELECT),
                    cursor,
                    "list_journals",
                )
                .await?;
            let items = rows
                .iter()
                .map(journals::from_wire)
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_journals"))
    }

    async fn vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        let run = async {
            let division = Self::division(administration)?;
            self.inner
                .caches
                .lock()
                .await
                .vat_codes
                .remove(&division.code());
            self.division_vat_codes(division).await
        };
        run.await.map_err(|e| op_err(e, "vat_codes"))
    }

    async fn list_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let run = async {
            let division = Self::division(administration)?;
            let (rows, next) = self
                .page_of(
                    division,
                    Endpoint::ReceivablesList,
                    &Query::select(receivables::SELECT),
                    cursor,
                    "list_open_items",
                )
                .await?;
            let originals = self.entry_amounts(division, &rows).await?;
            let items = rows
                .iter()
                .map(|r| {
                    let original = odata::guid(r, "Id").and_then(|id| originals.get(&id).copied());
                    receivables::from_wire(&division.to_string(), r, original)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_open_items"))
    }

    async fn customer_balance(&self, administration: &str, customer: &str) -> Result<Money> {
        let items = self.all_open_items(administration).await?;
        let mut total: Option<Money> = None;
        for i in items.into_iter().filter(|i| i.relation == customer.trim()) {
            total = Some(match total {
                None => i.open_amount,
                Some(t) => t.checked_add(i.open_amount).ok_or_else(|| {
                    Error::protocol("open items of a customer in several currencies")
                })?,
            });
        }
        Ok(total.unwrap_or_else(|| Money::zero(Currency::EUR)))
    }
}
