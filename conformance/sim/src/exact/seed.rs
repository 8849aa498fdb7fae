//! Seed data for the Exact simulator: the same struct for the in-process
//! [`super::ExactSim::seed`] and for `POST /__sim/seed` (JSON, snake_case field names; amounts
//! may be JSON numbers or strings, both are read without a float).
//!
//! Seeding adds to what is there; `reset` empties the simulator. Every id is optional and
//! generated when absent; references to customers and GL accounts take either the id or the
//! code.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

/// Everything a test can put into the simulator at once.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExactSeed {
    /// Divisions (administrations).
    pub divisions: Vec<SeedDivision>,
    /// The user's current division (`current/Me`); defaults to the first division seeded.
    pub current_division: Option<i32>,
    /// Registered client apps.
    pub apps: Vec<ClientApp>,
    /// `crm/Accounts`.
    pub accounts: Vec<SeedAccount>,
    /// `financial/GLAccounts`.
    pub gl_accounts: Vec<SeedGlAccount>,
    /// `financial/Journals`.
    pub journals: Vec<SeedJournal>,
    /// `vat/VATCodes`.
    pub vat_codes: Vec<SeedVatCode>,
    /// `salesentry/SalesEntries` with lines.
    pub sales_entries: Vec<SeedSalesEntry>,
    /// `financialtransaction/BankEntries` with lines.
    pub bank_entries: Vec<SeedBankEntry>,
    /// `subscription/Subscriptions`.
    pub subscriptions: Vec<SeedSubscription>,
}

/// A division.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedDivision {
    /// Division code used in URLs.
    pub code: i32,
    /// Name (default `Division {code}`).
    pub description: Option<String>,
    /// Country (default `NL`).
    pub country: Option<String>,
    /// Currency (default `EUR`).
    pub currency: Option<String>,
}

/// A registered client app (an Exact App Center registration).
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientApp {
    /// OAuth client id (a GUID in real Exact; any string here).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// The redirect URI registered for the app; the authorize and token calls must match it
    /// byte for byte.
    pub redirect_uri: String,
    /// The webhook secret that signs deliveries (`HashCode`), distinct from the client secret.
    pub webhook_secret: String,
    /// Divisions the user consented to for this app; `None` = every division.
    pub divisions: Option<Vec<i32>>,
}

impl std::fmt::Debug for ClientApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("webhook_secret", &"<redacted>")
            .field("divisions", &self.divisions)
            .finish()
    }
}

/// A `crm/Accounts` row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedAccount {
    /// Division.
    pub division: i32,
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// Code, unpadded (next free number when absent).
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// Country code, e.g. `NL`.
    pub country: Option<String>,
    /// VAT number.
    pub vat_number: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Default sales VAT code.
    pub sales_vat_code: Option<String>,
    /// Status letter (default `C`, customer).
    pub status: Option<String>,
    /// Is a supplier.
    pub is_supplier: bool,
    /// Blocked.
    pub blocked: bool,
}

/// A `financial/GLAccounts` row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedGlAccount {
    /// Division.
    pub division: i32,
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// Code, e.g. `8000`.
    pub code: String,
    /// Description.
    pub description: String,
    /// Exact's type number (default 110, revenue).
    #[serde(rename = "type")]
    pub type_: Option<i32>,
    /// `D`/`C` (default `C`).
    pub balance_side: Option<String>,
    /// `B`/`W` (default `W`).
    pub balance_type: Option<String>,
    /// Default VAT code.
    pub vat_code: Option<String>,
}

/// A `financial/Journals` row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedJournal {
    /// Division.
    pub division: i32,
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// Code, e.g. `70`.
    pub code: String,
    /// Description.
    pub description: String,
    /// Type (default 20, sales; 12 = bank).
    #[serde(rename = "type")]
    pub type_: Option<i32>,
    /// Currency (default the division's).
    pub currency: Option<String>,
}

/// A `vat/VATCodes` row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedVatCode {
    /// Division.
    pub division: i32,
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// Code, unpadded, e.g. `2`.
    pub code: String,
    /// Description.
    pub description: String,
    /// Percentage as a fraction (`0.21`).
    pub percentage: Decimal,
    /// `B`/`E`/`I`/`N` (default `E`).
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// `B`/`P`/`S` (default `S`).
    pub vat_transaction_type: Option<String>,
    /// `L` when it counts for the EU sales listing (ICP), else `N` (default).
    pub eu_sales_listing: Option<String>,
}

/// A `salesentry/SalesEntries` row with lines.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSalesEntry {
    /// Division.
    pub division: i32,
    /// EntryID (generated when absent).
    pub entry_id: Option<Uuid>,
    /// Entry number (next free number of the division when absent).
    pub entry_number: Option<i32>,
    /// Invoice number (defaults to the entry number).
    pub invoice_number: Option<i32>,
    /// 20 invoice (default), 21 credit note.
    #[serde(rename = "type")]
    pub type_: Option<i32>,
    /// Journal code (must exist).
    pub journal: String,
    /// Customer by id …
    pub customer: Option<Uuid>,
    /// … or by code.
    pub customer_code: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The customer's reference.
    pub your_ref: Option<String>,
    /// Payment reference.
    pub payment_reference: Option<String>,
    /// Entry date (default: today on the simulated clock, Europe/Amsterdam).
    pub entry_date: Option<NaiveDate>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Currency (default the division's).
    pub currency: Option<String>,
    /// Status (default 20, open).
    pub status: Option<i32>,
    /// Lines.
    pub lines: Vec<SeedSalesLine>,
}

/// A sales entry line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSalesLine {
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// GL account by id …
    pub gl_account: Option<Uuid>,
    /// … or by code.
    pub gl_account_code: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Amount excluding VAT (negative on a credit note).
    pub amount: Decimal,
    /// VAT code (must exist when given).
    pub vat_code: Option<String>,
    /// VAT amount (default: amount × the code's percentage, rounded to cents).
    pub vat_amount: Option<Decimal>,
    /// Quantity.
    pub quantity: Option<Decimal>,
}

/// A `financialtransaction/BankEntries` row with lines.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedBankEntry {
    /// Division.
    pub division: i32,
    /// EntryID (generated when absent).
    pub entry_id: Option<Uuid>,
    /// Entry number (next free number when absent).
    pub entry_number: Option<i32>,
    /// Bank journal code (must exist).
    pub journal_code: String,
    /// Currency (default the division's).
    pub currency: Option<String>,
    /// Lines.
    pub lines: Vec<SeedBankLine>,
}

/// A bank entry line. A customer's payment of an invoice is negative (see
/// [`super::model::BankEntryLine`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedBankLine {
    /// Id (generated when absent).
    pub id: Option<Uuid>,
    /// The customer paying.
    pub account: Option<Uuid>,
    /// Offset GL account.
    pub gl_account: Option<Uuid>,
    /// Amount.
    pub amount: Decimal,
    /// Value date (default today).
    pub date: Option<NaiveDate>,
    /// Description.
    pub description: Option<String>,
    /// Invoice number paid.
    pub our_ref: Option<i32>,
}

/// A `subscription/Subscriptions` row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSubscription {
    /// Division.
    pub division: i32,
    /// EntryID (generated when absent).
    pub entry_id: Option<Uuid>,
    /// Number (next free number when absent).
    pub number: Option<i32>,
    /// Description.
    pub description: Option<String>,
    /// Ordering account (must exist).
    pub ordered_by: Uuid,
    /// Invoiced account.
    pub invoice_to: Option<Uuid>,
    /// Start date (default today).
    pub start_date: Option<NaiveDate>,
    /// End date.
    pub end_date: Option<NaiveDate>,
    /// Cancellation date (cancelled, running out until `end_date` = grace period).
    pub cancellation_date: Option<NaiveDate>,
    /// Currency (default the division's).
    pub currency: Option<String>,
}

/// The ids of what a seed created, in the order given, so tests can address them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SeedReport {
    /// Account ids.
    pub accounts: Vec<Uuid>,
    /// GL account ids.
    pub gl_accounts: Vec<Uuid>,
    /// Journal ids.
    pub journals: Vec<Uuid>,
    /// VAT code ids.
    pub vat_codes: Vec<Uuid>,
    /// Sales entry ids.
    pub sales_entries: Vec<Uuid>,
    /// Bank entry ids.
    pub bank_entries: Vec<Uuid>,
    /// Subscription ids.
    pub subscriptions: Vec<Uuid>,
}
