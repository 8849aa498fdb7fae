//! The simulator's public data: what a seed contains and what the lookup helpers return.
//!
//! The same structs serve both: a seed may leave the derived fields empty (`number`, open
//! amounts, match status, period), and the stored copy read back has them filled in. Every type
//! derives `Deserialize + Default`, so `POST /__sim/seed` takes the same JSON.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Everything a seed can add. Applied in the order clients, organisations, offices, dimensions,
/// transactions; existing entries with the same key are replaced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TwinfieldSeed {
    /// OAuth clients (apps) registered with the login host.
    pub clients: Vec<SeedClient>,
    /// Organisations (Twinfield customers), each on one cluster.
    pub organisations: Vec<SeedOrganisation>,
    /// Offices (administrations / companies) of the organisations.
    pub offices: Vec<SeedOffice>,
    /// Dimensions (customers, suppliers, ledger accounts, cost centres, projects).
    pub dimensions: Vec<Dimension>,
    /// Transactions (sales, purchase, journal) with their lines.
    pub transactions: Vec<Transaction>,
    /// Answer the office list in UTF-16 (little-endian, with a byte-order mark), as a recorded
    /// office list came; UTF-8 when unset or false.
    pub utf16_office_list: Option<bool>,
    /// Many final sales invoices the simulator makes itself (load tests: a seed spelling out a
    /// million transactions would itself be hundreds of megabytes).
    pub bulk_invoices: Vec<BulkInvoices>,
}

/// `count` final sales invoices in day book `VRK` of `office`, open in full: invoice `n` (from
/// 0) is dated in year `first_year + n % years`, month `1 + (n / years) % 12`, day
/// `1 + n % 28`, for customer `customers[n % customers.len()]`, numbered `BULK-n`, with a total
/// line on 1300 of `100 + n % 1000` euros and a revenue line on 8020 (no VAT).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkInvoices {
    /// Office code.
    pub office: String,
    /// How many invoices.
    pub count: u32,
    /// The first book year.
    pub first_year: i32,
    /// Over how many years (at least 1).
    pub years: u32,
    /// The customers (at least one), existing dimensions of type DEB.
    pub customers: Vec<String>,
}

impl BulkInvoices {
    /// Invoice `n`.
    pub(crate) fn invoice(&self, n: u32) -> Option<Transaction> {
        let years = self.years.max(1);
        let customer = self
            .customers
            .get((n as usize) % self.customers.len().max(1))?;
        let year = self.first_year + i32::try_from(n % years).ok()?;
        let date = NaiveDate::from_ymd_opt(year, 1 + (n / years) % 12, 1 + n % 28)?;
        let value = Decimal::from(100 + n % 1000);
        Some(Transaction {
            office: self.office.clone(),
            code: "VRK".into(),
            status: "final".into(),
            date: Some(date),
            invoice_number: format!("BULK-{n}"),
            lines: vec![
                TransactionLine {
                    line_type: "total".into(),
                    dim1: "1300".into(),
                    dim2: customer.clone(),
                    debit_credit: "debit".into(),
                    value,
                    open_value: Some(value),
                    match_status: "available".into(),
                    ..TransactionLine::default()
                },
                TransactionLine {
                    line_type: "detail".into(),
                    dim1: "8020".into(),
                    debit_credit: "credit".into(),
                    value,
                    ..TransactionLine::default()
                },
            ],
            ..Transaction::default()
        })
    }
}

/// An OAuth client registered at the login host.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedClient {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret` (never logged or printed).
    pub client_secret: String,
    /// Redirect URIs accepted byte for byte.
    pub redirect_uris: Vec<String>,
    /// Whether the client is certified (full fair-use limits) or uncertified (5%). `None` takes
    /// the instance default of [`RateLimitConfig::certified`].
    pub certified: Option<bool>,
}

impl std::fmt::Debug for SeedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("certified", &self.certified)
            .finish()
    }
}

/// An organisation: the unit a user logs on to; it lives on one cluster.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedOrganisation {
    /// Organisation code (claim `twf.organisationCode`), e.g. `ORG-A`.
    pub code: String,
    /// Organisation id (claim `twf.organisationId`); a fresh GUID when empty.
    pub id: String,
    /// Cluster number, 1 or 2 (0 is read as 1).
    pub cluster: u8,
    /// The organisation user's code (claim `twf.organisationUserCode`); `USER` when empty.
    pub user_code: String,
    /// Message language of the user: `nl` (default) or `en`.
    pub language: String,
}

/// A VAT code of one office.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct VatCode {
    /// Code, e.g. `VH`.
    pub code: String,
    /// Name, e.g. `BTW Hoog`.
    pub name: String,
    /// Percentage, e.g. `21`.
    pub percentage: Decimal,
    /// `sales` or `purchase`.
    pub vat_type: String,
    /// Ledger account the VAT line is booked on; 1530 (sales) / 1510 (purchase) when empty.
    pub account: String,
}

/// A day book (transaction type) of an office.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DayBook {
    /// Code, e.g. `VRK`.
    pub code: String,
    /// Name, e.g. `Verkoopfactuur`.
    pub name: String,
    /// `sales`, `purchase` or `journal`.
    pub kind: String,
}

/// An office (administration, "company") of an organisation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedOffice {
    /// The owning organisation's code.
    pub organisation: String,
    /// Office code (the SOAP header's `CompanyCode`), unique across the simulator.
    pub code: String,
    /// Office id (the SOAP header's `CompanyId`); a fresh GUID when empty.
    pub id: String,
    /// Name; the code when empty.
    pub name: String,
    /// Country of the office (ISO 3166 alpha-2); `NL` when empty. Q03 compares customers to it.
    pub country: String,
    /// Base currency; `EUR` when empty.
    pub currency: String,
    /// The VAT codes this office has.
    pub vat_codes: Vec<VatCode>,
    /// The office's default VAT code (what Q03 swaps a missing code for), if any.
    pub default_vat_code: Option<String>,
    /// Day books; `VRK` (sales), `INK` (purchase) and `MEMO` (journal) when empty.
    pub day_books: Vec<DayBook>,
    /// Whether to create the standard ledger accounts (1300, 1510, 1530, 1600, 4000, 8000,
    /// 8020, 1100); default true.
    pub standard_ledgers: Option<bool>,
}

/// A dimension: customer (DEB), supplier (CRD), balance (BAS) or P&L (PNL) account, cost
/// centre (KPL) or project (PRJ).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Dimension {
    /// Office code.
    pub office: String,
    /// Dimension type: `DEB`, `CRD`, `BAS`, `PNL`, `KPL`, `PRJ`.
    pub dim_type: String,
    /// Code, unique per office and type.
    pub code: String,
    /// Unique id (filled in when stored).
    pub uid: String,
    /// Name.
    pub name: String,
    /// Short name.
    pub shortname: String,
    /// `active` or `deleted`; `active` when empty.
    pub status: String,
    /// Country of the (first) address, ISO alpha-2. Q03 reads it for customers.
    pub country: String,
    /// City of the (first) address.
    pub city: String,
    /// Postcode of the (first) address.
    pub postcode: String,
    /// E-mail of the (first) address.
    pub email: String,
    /// Address lines (`field1`… of the first address).
    pub address_lines: Vec<String>,
    /// Website.
    pub website: String,
    /// Default VAT code (financials).
    pub vat_code: String,
    /// Payment term in days (financials); 30 when absent for DEB/CRD.
    pub due_days: Option<u32>,
    /// Telephone of the (first) address.
    pub telephone: String,
    /// Fax of the (first) address.
    pub telefax: String,
    /// Contact person of the (first) address.
    pub contact: String,
    /// Chamber-of-commerce number (`cocnumber`, the dimension's own element).
    pub coc_number: String,
    /// VAT number (`vatnumber`, the dimension's own element; the address's `field4` is separate).
    pub vat_number: String,
    /// Bank accounts, the first one the default.
    pub banks: Vec<Bank>,
}

/// A bank account of a customer or supplier, with every element a dimension read carries.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Bank {
    /// Account holder (`ascription`).
    pub ascription: String,
    /// Domestic account number.
    pub account_number: String,
    /// Bank name.
    pub bank_name: String,
    /// BIC.
    pub bic: String,
    /// City of the bank.
    pub city: String,
    /// Country of the bank, ISO alpha-2.
    pub country: String,
    /// IBAN.
    pub iban: String,
    /// National bank code.
    pub nat_bic: String,
    /// Postcode of the bank.
    pub postcode: String,
    /// State of the bank.
    pub state: String,
}

/// A transaction (booking) in one day book of one office.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Transaction {
    /// Office code.
    pub office: String,
    /// Day book code, e.g. `VRK`.
    pub code: String,
    /// Number `YYYY` + 5 digits per day book and year; allocated when empty.
    pub number: String,
    /// `temporary` (provisional) or `final`; `temporary` when empty.
    pub status: String,
    /// Transaction date.
    pub date: Option<NaiveDate>,
    /// Period `YYYY/PP`; derived from the date when empty.
    pub period: String,
    /// Currency; the office's when empty.
    pub currency: String,
    /// Invoice number (sales / purchase).
    pub invoice_number: String,
    /// Payment reference (sales / purchase; e.g. a structured `+++…+++` reference).
    pub payment_reference: String,
    /// Due date; date + the relation's payment term when absent.
    pub due_date: Option<NaiveDate>,
    /// Lines in order: total, detail, VAT.
    pub lines: Vec<TransactionLine>,
    /// Last modification, `YYYYMMDDHHMMSS` (filled in when stored).
    pub modified: String,
}

/// One line of a transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TransactionLine {
    /// Line id (1-based); assigned when 0.
    pub id: u32,
    /// `total`, `detail` or `vat`.
    pub line_type: String,
    /// General ledger account.
    pub dim1: String,
    /// Relation (customer/supplier) or cost centre.
    pub dim2: String,
    /// Project / asset.
    pub dim3: String,
    /// `debit` or `credit`.
    pub debit_credit: String,
    /// Amount (positive; the sign is in `debit_credit`).
    pub value: Decimal,
    /// VAT code (detail and VAT lines).
    pub vat_code: String,
    /// VAT amount of a detail line, or the total VAT of a total line.
    pub vat_value: Option<Decimal>,
    /// Turnover a VAT line is computed from.
    pub vat_turnover: Option<Decimal>,
    /// Description.
    pub description: String,
    /// Invoice number on the line (journal lines on a relation).
    pub invoice_number: String,
    /// Open amount, signed (debit positive), for matchable lines (relation lines);
    /// the full signed value when a seed leaves it empty.
    pub open_value: Option<Decimal>,
    /// Stored match status: `available`, `matched`, `proposed` or `notmatchable`; derived when
    /// empty. A line stored `matched` with a non-zero open amount is the Q06 case.
    pub match_status: String,
    /// Match number of the last matching.
    pub match_number: Option<u32>,
    /// Date of the last matching.
    pub match_date: Option<NaiveDate>,
}

/// Tokens issued by the login host (also returned by [`super::TwinfieldSim::issue_tokens`]).
#[derive(Clone, Serialize, Deserialize, Default)]
pub struct TokenSet {
    /// The bearer access token (valid 3600 s on the simulated clock).
    pub access_token: String,
    /// The long-lived refresh token.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The id token, when `openid` was granted.
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Fair-use limits of one simulator instance (all credit windows on the simulated clock).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Whether limits are enforced at all (counters still run when false).
    pub enabled: bool,
    /// Default certification of clients that do not set their own.
    pub certified: bool,
    /// Window length in simulated seconds (60 = per minute). The window slides.
    pub window_secs: u64,
    /// Credits per window per IP address.
    pub per_ip: u64,
    /// Credits per window per client id (certified).
    pub per_client: u64,
    /// Credits per window per organisation.
    pub per_organisation: u64,
    /// Credits per window per client id + organisation (certified).
    pub per_client_organisation: u64,
    /// Percentage of `per_client` and `per_client_organisation` an uncertified client gets.
    pub uncertified_percent: u64,
    /// Concurrent requests per client id.
    pub max_concurrent_client: u32,
    /// Concurrent requests per client id + organisation.
    pub max_concurrent_client_organisation: u32,
    /// Real milliseconds each cluster request holds its concurrency slot before it is handled
    /// (0 = none); lets tests observe the concurrency caps.
    pub processing_delay_ms: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            certified: true,
            window_secs: 60,
            per_ip: 1000,
            per_client: 1000,
            per_organisation: 1000,
            per_client_organisation: 500,
            uncertified_percent: 5,
            max_concurrent_client: 20,
            max_concurrent_client_organisation: 10,
            processing_delay_ms: 0,
        }
    }
}

/// One credit bucket as reported by [`super::TwinfieldSim::credits`] and `GET /__sim/credits`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketReport {
    /// `ip`, `client`, `organisation` or `client_organisation`.
    pub kind: String,
    /// The bucket key (`127.0.0.1`, client id, organisation code, `client|organisation`).
    pub key: String,
    /// Credits used in the current (sliding) window.
    pub used: u64,
    /// The bucket's limit per window.
    pub limit: u64,
    /// Credits charged since the last counter reset (all windows).
    pub total_charged: u64,
    /// Requests refused with 429 on this bucket since the last counter reset.
    pub rejected: u64,
}

/// Credit accounting of one simulator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct CreditReport {
    /// Every bucket seen, sorted by kind and key.
    pub buckets: Vec<BucketReport>,
    /// Requests answered with 429 (rate or concurrency) since the last reset.
    pub rejected_total: u64,
    /// Requests refused for concurrency since the last reset.
    pub rejected_concurrency: u64,
}

impl CreditReport {
    /// The bucket of `kind` with `key`, if it was ever charged.
    pub fn bucket(&self, kind: &str, key: &str) -> Option<&BucketReport> {
        self.buckets.iter().find(|b| b.kind == kind && b.key == key)
    }
}

/// Why a seed or helper call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    /// An item names an organisation that does not exist.
    #[error("unknown organisation {0}")]
    UnknownOrganisation(String),
    /// An item names an office that does not exist.
    #[error("unknown office {0}")]
    UnknownOffice(String),
    /// An item names a client that does not exist.
    #[error("unknown client {0}")]
    UnknownClient(String),
    /// An item is malformed.
    #[error("invalid seed: {0}")]
    Invalid(String),
}

impl TwinfieldSeed {
    /// A small ready-made world: client `grootboek-demo` / `demo-secret` (redirect
    /// `http://localhost:8080/callback`); organisation `ORG-A` on cluster 1 (user `ALICE`, Dutch)
    /// with offices `NLA000001` (VAT codes VH 21%, VL 9%, VN 0% sales; IH 21% purchase; default
    /// VN) and `NLA000002` (VH and VN only; default VN); organisation `ORG-B` on cluster 2 (user
    /// `BOB`, English) with office `NLB000001` (VH, VN; default VN). Customers `1000` (NL) and
    /// `1001` (DE) and supplier `2000` (NL) in every office.
    pub fn demo() -> Self {
        let vat = |code: &str, name: &str, pct: i64, t: &str| VatCode {
            code: code.into(),
            name: name.into(),
            percentage: Decimal::from(pct),
            vat_type: t.into(),
            account: String::new(),
        };
        let office = |org: &str, code: &str, name: &str, codes: Vec<VatCode>| SeedOffice {
            organisation: org.into(),
            code: code.into(),
            name: name.into(),
            vat_codes: codes,
            default_vat_code: Some("VN".into()),
            ..SeedOffice::default()
        };
        let offices = vec![
            office(
                "ORG-A",
                "NLA000001",
                "Demo A1",
                vec![
                    vat("VH", "BTW Hoog", 21, "sales"),
                    vat("VL", "BTW Laag", 9, "sales"),
                    vat("VN", "BTW Nul", 0, "sales"),
                    vat("IH", "Inkoop BTW Hoog", 21, "purchase"),
                ],
            ),
            office(
                "ORG-A",
                "NLA000002",
                "Demo A2",
                vec![
                    vat("VH", "BTW Hoog", 21, "sales"),
                    vat("VN", "BTW Nul", 0, "sales"),
                ],
            ),
            office(
                "ORG-B",
                "NLB000001",
                "Demo B1",
                vec![
                    vat("VH", "BTW Hoog", 21, "sales"),
                    vat("VN", "BTW Nul", 0, "sales"),
                ],
            ),
        ];
        let mut dimensions = Vec::new();
        for o in &offices {
            for (t, code, name, country) in [
                ("DEB", "1000", "Bakkerij De Vries", "NL"),
                ("DEB", "1001", "Müller GmbH", "DE"),
                ("CRD", "2000", "Groothandel Jansen", "NL"),
            ] {
                let mut d = Dimension {
                    office: o.code.clone(),
                    dim_type: t.into(),
                    code: code.into(),
                    name: name.into(),
                    country: country.into(),
                    ..Dimension::default()
                };
                if code == "1000" {
                    // One relation with a phone number and a bank account, so that reads
                    // show those parts of the record filled in.
                    d.telephone = "020-5550100".into();
                    d.banks = vec![Bank {
                        ascription: name.into(),
                        bic: "RABONL2U".into(),
                        country: "NL".into(),
                        iban: "NL81RABO0312345678".into(),
                        ..Bank::default()
                    }];
                }
                dimensions.push(d);
            }
        }
        TwinfieldSeed {
            clients: vec![SeedClient {
                client_id: "grootboek-demo".into(),
                client_secret: "demo-secret".into(),
                redirect_uris: vec!["http://localhost:8080/callback".into()],
                certified: None,
            }],
            organisations: vec![
                SeedOrganisation {
                    code: "ORG-A".into(),
                    cluster: 1,
                    user_code: "ALICE".into(),
                    language: "nl".into(),
                    ..SeedOrganisation::default()
                },
                SeedOrganisation {
                    code: "ORG-B".into(),
                    cluster: 2,
                    user_code: "BOB".into(),
                    language: "en".into(),
                    ..SeedOrganisation::default()
                },
            ],
            offices,
            dimensions,
            transactions: Vec::new(),
            utf16_office_list: None,
            bulk_invoices: Vec::new(),
        }
    }
}
