//! The simulator's in-memory state: clients, organisations, offices with their VAT codes,
//! day books, dimensions and transactions, and the login host's codes, grants and tokens.
//! One `State` per simulator instance, behind one mutex (never held across an await).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::model::{
    DayBook, Dimension, SeedClient, SeedError, SeedOffice, SeedOrganisation, Transaction,
    TransactionLine, TwinfieldSeed, VatCode,
};

/// Message language of an organisation's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Nl,
    En,
}

impl Lang {
    pub(crate) fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("en") || s.to_ascii_lowercase().starts_with("en-") {
            Lang::En
        } else {
            Lang::Nl
        }
    }

    /// Pick the message in this language.
    pub(crate) fn pick(self, nl: String, en: String) -> String {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }
}

pub(crate) struct Client {
    pub secret: String,
    pub redirect_uris: Vec<String>,
    pub certified: Option<bool>,
}

pub(crate) struct Org {
    pub code: String,
    pub id: String,
    pub cluster: u8,
    pub user_code: String,
    pub lang: Lang,
}

/// What the REST-style status read (Q12) shows of one transaction version.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct RestView {
    pub office: String,
    pub code: String,
    pub number: String,
    pub status: String,
    pub date: Option<NaiveDate>,
    pub period: String,
    #[serde(rename = "invoiceNumber")]
    pub invoice_number: String,
    #[serde(rename = "matchStatus")]
    pub match_status: String,
    #[serde(rename = "openValue")]
    pub open_value: Option<Decimal>,
    pub modified: String,
}

pub(crate) struct StoredTx {
    pub tx: Transaction,
    /// Versions as written, with the simulated time of each write (oldest first).
    pub versions: Vec<(DateTime<Utc>, Transaction)>,
}

pub(crate) struct Office {
    pub org: String,
    pub code: String,
    pub id: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    pub vat: BTreeMap<String, VatCode>,
    pub default_vat: Option<String>,
    pub day_books: BTreeMap<String, DayBook>,
    /// Keyed by (type, code).
    pub dims: BTreeMap<(String, String), Dimension>,
    /// Keyed by (day book, number).
    pub txs: BTreeMap<(String, String), StoredTx>,
    /// Next sequence per (day book, year).
    pub seq: BTreeMap<(String, i32), u32>,
    pub match_seq: u32,
}

impl Office {
    /// A dimension of any type with `code` (codes are looked up per type first by callers).
    pub(crate) fn dim(&self, dim_type: &str, code: &str) -> Option<&Dimension> {
        self.dims.get(&(dim_type.to_string(), code.to_string()))
    }

    /// The first dimension with `code` among `types`.
    pub(crate) fn dim_any(&self, types: &[&str], code: &str) -> Option<&Dimension> {
        types.iter().find_map(|t| self.dim(t, code))
    }

    /// Allocate the next number of `day_book` in `year`: `YYYY` + 5 digits.
    pub(crate) fn next_number(&mut self, day_book: &str, year: i32) -> String {
        let next = self.seq.entry((day_book.to_string(), year)).or_insert(0);
        loop {
            *next += 1;
            let number = format!("{year}{:05}", *next);
            if !self
                .txs
                .contains_key(&(day_book.to_string(), number.clone()))
            {
                return number;
            }
        }
    }
}

pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub org: String,
    pub scopes: Vec<String>,
    pub nonce: String,
    pub expires: DateTime<Utc>,
}

pub(crate) struct Grant {
    pub client_id: String,
    pub org: String,
    pub scopes: Vec<String>,
    pub refresh_token: Option<String>,
    pub revoked: bool,
    pub auth_time: DateTime<Utc>,
    pub nonce: String,
}

pub(crate) struct AccessToken {
    pub grant: usize,
    pub issued: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

pub(crate) struct PdfLink {
    pub office: String,
    pub code: String,
    pub number: String,
    pub issued: DateTime<Utc>,
}

/// Access token lifetime in seconds.
pub(crate) const ACCESS_TOKEN_SECS: i64 = 3600;
/// Authorization code lifetime in seconds.
pub(crate) const AUTH_CODE_SECS: i64 = 300;

#[derive(Default)]
pub(crate) struct State {
    pub login_url: String,
    pub cluster_urls: Vec<String>,
    pub clients: BTreeMap<String, Client>,
    pub orgs: BTreeMap<String, Org>,
    pub offices: BTreeMap<String, Office>,
    pub codes: BTreeMap<String, AuthCode>,
    pub grants: Vec<Grant>,
    pub refresh: BTreeMap<String, usize>,
    pub access: BTreeMap<String, AccessToken>,
    pub pdfs: BTreeMap<String, PdfLink>,
    /// Offices whose calls the organisation user may not make (a right withheld, T14): every
    /// ProcessXml and finder call scoped to one answers "Access denied. No access to company".
    pub withheld_offices: BTreeSet<String>,
    /// Whether the office list is answered in UTF-16 (seed `utf16_office_list`).
    pub utf16_office_list: bool,
}

/// A random opaque token (64 hex characters).
pub(crate) fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `YYYYMMDDHHMMSS` of an instant, in Europe/Amsterdam.
pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// The civil date of an instant in Europe/Amsterdam.
pub(crate) fn civil_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive()
}

/// `YYYY/PP` of a date.
pub(crate) fn period_of(date: NaiveDate) -> String {
    format!("{}/{:02}", date.year(), date.month())
}

/// Standard ledger accounts created for each office unless the seed opts out.
const STANDARD_LEDGERS: &[(&str, &str, &str)] = &[
    ("BAS", "1100", "Bank"),
    ("BAS", "1300", "Debiteuren"),
    ("BAS", "1510", "Te vorderen BTW"),
    ("BAS", "1530", "Af te dragen BTW"),
    ("BAS", "1600", "Crediteuren"),
    ("PNL", "4000", "Algemene kosten"),
    ("PNL", "8000", "Omzet"),
    ("PNL", "8020", "Omzet (21%)"),
];

/// The dimension types the simulator knows.
pub(crate) const DIM_TYPES: &[&str] = &["BAS", "PNL", "DEB", "CRD", "KPL", "PRJ"];

impl State {
    /// Apply a seed (see [`TwinfieldSeed`]).
    pub(crate) fn apply_seed(
        &mut self,
        seed: TwinfieldSeed,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        for c in seed.clients {
            self.add_client(c)?;
        }
        for o in seed.organisations {
            self.add_org(o)?;
        }
        for o in seed.offices {
            self.add_office(o)?;
        }
        for d in seed.dimensions {
            self.put_dimension(d)?;
        }
        for t in seed.transactions {
            self.seed_transaction(t, now)?;
        }
        for bulk in seed.bulk_invoices {
            if bulk.customers.is_empty() {
                return Err(SeedError::Invalid("bulk invoices need a customer".into()));
            }
            for n in 0..bulk.count {
                let t = bulk
                    .invoice(n)
                    .ok_or_else(|| SeedError::Invalid(format!("bulk invoice {n} has no date")))?;
                self.seed_transaction(t, now)?;
            }
        }
        if let Some(on) = seed.utf16_office_list {
            self.utf16_office_list = on;
        }
        Ok(())
    }

    pub(crate) fn add_client(&mut self, c: SeedClient) -> Result<(), SeedError> {
        if c.client_id.is_empty() {
            return Err(SeedError::Invalid("client_id is empty".into()));
        }
        self.clients.insert(
            c.client_id,
            Client {
                secret: c.client_secret,
                redirect_uris: c.redirect_uris,
                certified: c.certified,
            },
        );
        Ok(())
    }

    fn add_org(&mut self, o: SeedOrganisation) -> Result<(), SeedError> {
        if o.code.is_empty() {
            return Err(SeedError::Invalid("organisation code is empty".into()));
        }
        let cluster = match o.cluster {
            0 | 1 => 1,
            2 => 2,
            n => {
                return Err(SeedError::Invalid(format!(
                    "cluster {n} does not exist (1 or 2)"
                )))
            }
        };
        let id = if o.id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            o.id
        };
        let user_code = if o.user_code.is_empty() {
            "USER".to_string()
        } else {
            o.user_code
        };
        self.orgs.insert(
            o.code.clone(),
            Org {
                code: o.code,
                id,
                cluster,
                user_code,
                lang: Lang::parse(&o.language),
            },
        );
        Ok(())
    }

    fn add_office(&mut self, o: SeedOffice) -> Result<(), SeedError> {
        if !self.orgs.contains_key(&o.organisation) {
            return Err(SeedError::UnknownOrganisation(o.organisation));
        }
        if o.code.is_empty() {
            return Err(SeedError::Invalid("office code is empty".into()));
        }
        if let Some(existing) = self.offices.get(&o.code) {
            if existing.org != o.organisation {
                return Err(SeedError::Invalid(format!(
                    "office {} already belongs to organisation {}",
                    o.code, existing.org
                )));
            }
        }
        let mut day_books = BTreeMap::new();
        let books = if o.day_books.is_empty() {
            vec![
                DayBook {
                    code: "VRK".into(),
                    name: "Verkoopfactuur".into(),
                    kind: "sales".into(),
                },
                DayBook {
                    code: "INK".into(),
                    name: "Inkoopfactuur".into(),
                    kind: "purchase".into(),
                },
                DayBook {
                    code: "MEMO".into(),
                    name: "Memoriaal".into(),
                    kind: "journal".into(),
                },
            ]
        } else {
            o.day_books
        };
        for b in books {
            if !matches!(b.kind.as_str(), "sales" | "purchase" | "journal") {
                return Err(SeedError::Invalid(format!(
                    "day book kind {} (sales|purchase|journal)",
                    b.kind
                )));
            }
            day_books.insert(b.code.clone(), b);
        }
        let mut vat = BTreeMap::new();
        for mut v in o.vat_codes {
            if v.percentage < Decimal::ZERO || v.percentage > Decimal::from(100) {
                return Err(SeedError::Invalid(format!(
                    "VAT percentage {} of {}",
                    v.percentage, v.code
                )));
            }
            if v.vat_type.is_empty() {
                v.vat_type = "sales".into();
            }
            if v.account.is_empty() {
                v.account = if v.vat_type == "purchase" {
                    "1510"
                } else {
                    "1530"
                }
                .into();
            }
            if v.name.is_empty() {
                v.name = v.code.clone();
            }
            vat.insert(v.code.clone(), v);
        }
        let office = Office {
            org: o.organisation,
            code: o.code.clone(),
            id: if o.id.is_empty() {
                uuid::Uuid::new_v4().to_string()
            } else {
                o.id
            },
            name: if o.name.is_empty() {
                o.code.clone()
            } else {
                o.name
            },
            country: if o.country.is_empty() {
                "NL".into()
            } else {
                o.country.to_ascii_uppercase()
            },
            currency: if o.currency.is_empty() {
                "EUR".into()
            } else {
                o.currency
            },
            vat,
            default_vat: o.default_vat_code,
            day_books,
            dims: BTreeMap::new(),
            txs: BTreeMap::new(),
            seq: BTreeMap::new(),
            match_seq: 0,
        };
        self.offices.insert(o.code.clone(), office);
        if o.standard_ledgers.unwrap_or(true) {
            for (t, code, name) in STANDARD_LEDGERS {
                self.put_dimension(Dimension {
                    office: o.code.clone(),
                    dim_type: (*t).into(),
                    code: (*code).into(),
                    name: (*name).into(),
                    ..Dimension::default()
                })?;
            }
        }
        Ok(())
    }

    /// Store a dimension as given (seed path and the write path after validation).
    pub(crate) fn put_dimension(&mut self, mut d: Dimension) -> Result<(), SeedError> {
        let office = self
            .offices
            .get_mut(&d.office)
            .ok_or_else(|| SeedError::UnknownOffice(d.office.clone()))?;
        if !DIM_TYPES.contains(&d.dim_type.as_str()) {
            return Err(SeedError::Invalid(format!("dimension type {}", d.dim_type)));
        }
        if d.code.is_empty() {
            return Err(SeedError::Invalid("dimension code is empty".into()));
        }
        if d.uid.is_empty() {
            d.uid = uuid::Uuid::new_v4().to_string();
        }
        if d.status.is_empty() {
            d.status = "active".into();
        }
        d.country = d.country.to_ascii_uppercase();
        office.dims.insert((d.dim_type.clone(), d.code.clone()), d);
        Ok(())
    }

    fn seed_transaction(
        &mut self,
        mut t: Transaction,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let office = self
            .offices
            .get_mut(&t.office)
            .ok_or_else(|| SeedError::UnknownOffice(t.office.clone()))?;
        if !office.day_books.contains_key(&t.code) {
            return Err(SeedError::Invalid(format!(
                "day book {} not in office {}",
                t.code, t.office
            )));
        }
        let date = t.date.unwrap_or_else(|| civil_date(now));
        t.date = Some(date);
        if t.status.is_empty() {
            t.status = "temporary".into();
        }
        if t.number.is_empty() {
            t.number = office.next_number(&t.code, date.year());
        }
        if t.period.is_empty() {
            t.period = period_of(date);
        }
        if t.currency.is_empty() {
            t.currency = office.currency.clone();
        }
        let limit = Decimal::from(super::px::MAX_AMOUNT);
        let too_big = |d: Option<Decimal>| d.is_some_and(|d| d.abs() > limit);
        if t.lines.iter().any(|l| {
            l.value.abs() > limit
                || too_big(l.open_value)
                || too_big(l.vat_value)
                || too_big(l.vat_turnover)
        }) {
            return Err(SeedError::Invalid(format!("amount larger than {limit}")));
        }
        for (i, line) in t.lines.iter_mut().enumerate() {
            if line.id == 0 {
                line.id = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            fill_line_defaults(office, line);
        }
        t.modified = stamp(now);
        store_tx(office, t, now);
        Ok(())
    }

    /// The cluster URL of organisation `org`.
    pub(crate) fn cluster_url_of(&self, org: &str) -> Option<String> {
        let o = self.orgs.get(org)?;
        self.cluster_urls
            .get(usize::from(o.cluster.saturating_sub(1)))
            .cloned()
    }

    /// Issue a new access token for grant `grant`.
    pub(crate) fn issue_access(&mut self, grant: usize, now: DateTime<Utc>) -> String {
        let token = new_token();
        self.access.insert(
            token.clone(),
            AccessToken {
                grant,
                issued: now,
                expires: now + chrono::Duration::seconds(ACCESS_TOKEN_SECS),
            },
        );
        token
    }

    /// Create a grant (and its refresh token when `offline_access` is in `scopes`).
    pub(crate) fn new_grant(
        &mut self,
        client_id: &str,
        org: &str,
        scopes: Vec<String>,
        nonce: String,
        now: DateTime<Utc>,
    ) -> usize {
        let refresh_token = scopes.iter().any(|s| s == "offline_access").then(new_token);
        let idx = self.grants.len();
        if let Some(rt) = &refresh_token {
            self.refresh.insert(rt.clone(), idx);
        }
        self.grants.push(Grant {
            client_id: client_id.to_string(),
            org: org.to_string(),
            scopes,
            refresh_token,
            revoked: false,
            auth_time: now,
            nonce,
        });
        idx
    }

    /// The live grant of an access token (unknown, expired and revoked give `None`).
    pub(crate) fn valid_access(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Option<(&AccessToken, &Grant)> {
        let at = self.access.get(token)?;
        if at.expires <= now {
            return None;
        }
        let grant = self.grants.get(at.grant)?;
        if grant.revoked {
            return None;
        }
        Some((at, grant))
    }

    /// Revoke the grant holding `refresh_token` (its access tokens die too). False when unknown.
    pub(crate) fn revoke_refresh(&mut self, refresh_token: &str) -> bool {
        match self.refresh.get(refresh_token).copied() {
            Some(idx) => match self.grants.get_mut(idx) {
                Some(g) => {
                    g.revoked = true;
                    true
                }
                None => false,
            },
            None => false,
        }
    }

    /// Revoke every grant of `client_id` for `org`; returns how many.
    pub(crate) fn revoke_client_org(&mut self, client_id: &str, org: &str) -> usize {
        let mut n = 0;
        for g in self.grants.iter_mut() {
            if g.client_id == client_id && g.org == org && !g.revoked {
                g.revoked = true;
                n += 1;
            }
        }
        n
    }

    /// Forget all business data and grants (the cluster and login URLs stay).
    pub(crate) fn clear(&mut self) {
        let login_url = std::mem::take(&mut self.login_url);
        let cluster_urls = std::mem::take(&mut self.cluster_urls);
        *self = State {
            login_url,
            cluster_urls,
            ..State::default()
        };
    }
}

/// Whether a line is on a relation (customer / supplier) and so can be matched.
pub(crate) fn relation_type(office: &Office, line: &TransactionLine) -> Option<&'static str> {
    if line.dim2.is_empty() {
        return None;
    }
    if office.dim("DEB", &line.dim2).is_some() {
        Some("DEB")
    } else if office.dim("CRD", &line.dim2).is_some() {
        Some("CRD")
    } else {
        None
    }
}

/// The signed value of a line (debit positive).
pub(crate) fn signed(line: &TransactionLine) -> Decimal {
    if line.debit_credit == "credit" {
        -line.value
    } else {
        line.value
    }
}

/// Fill a stored line's derived match fields.
pub(crate) fn fill_line_defaults(office: &Office, line: &mut TransactionLine) {
    if line.debit_credit.is_empty() {
        line.debit_credit = "debit".into();
    }
    let matchable = relation_type(office, line).is_some();
    if matchable {
        if line.open_value.is_none() {
            line.open_value = Some(signed(line));
        }
        if line.match_status.is_empty() {
            line.match_status = if line.open_value == Some(Decimal::ZERO) {
                "matched".into()
            } else {
                "available".into()
            };
        }
    } else {
        line.open_value = None;
        if line.match_status.is_empty() {
            line.match_status = "notmatchable".into();
        }
    }
}

/// Store `t` as the newest version of its key.
pub(crate) fn store_tx(office: &mut Office, t: Transaction, now: DateTime<Utc>) {
    let key = (t.code.clone(), t.number.clone());
    match office.txs.get_mut(&key) {
        Some(stored) => {
            stored.versions.push((now, t.clone()));
            stored.tx = t;
            // Keep one version older than a minute (what a lagging reader may still show).
            let horizon = now - chrono::Duration::seconds(60);
            while stored.versions.len() >= 2
                && stored.versions.get(1).is_some_and(|v| v.0 <= horizon)
            {
                stored.versions.remove(0);
            }
        }
        None => {
            office.txs.insert(
                key,
                StoredTx {
                    versions: vec![(now, t.clone())],
                    tx: t,
                },
            );
        }
    }
}
