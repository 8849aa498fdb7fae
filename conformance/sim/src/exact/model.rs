//! The simulated administration: divisions and the entities the API serves, as plain data.
//! Tests read these through [`super::ExactSim`] to assert what the server really holds.
//!
//! Money is `Decimal`; date-only fields are civil dates; creation and modification stamps are
//! instants of the simulated clock.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

/// An Exact division (administration), addressed by its Int32 code in every URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Division {
    /// Division code (`/api/v1/{code}/…`).
    pub code: i32,
    /// Name of the administration.
    pub description: String,
    /// Country code, e.g. `NL`.
    pub country: String,
    /// Company currency, e.g. `EUR`.
    pub currency: String,
}

/// A `crm/Accounts` row (customer and/or supplier).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// Primary key.
    pub id: Uuid,
    /// Division the account lives in.
    pub division: i32,
    /// Account code, unpadded (the wire shows it right-aligned in 18 characters).
    pub code: String,
    /// Name.
    pub name: String,
    /// Country code, unpadded (the wire pads it to 3 characters: `"NL "`).
    pub country: Option<String>,
    /// VAT number.
    pub vat_number: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// City.
    pub city: Option<String>,
    /// First address line.
    pub address_line1: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Chamber of commerce number.
    pub chamber_of_commerce: Option<String>,
    /// Default sales VAT code, unpadded.
    pub sales_vat_code: Option<String>,
    /// Customer status: `A` none, `S` suspect, `P` prospect, `C` customer.
    pub status: String,
    /// Marks a customer.
    pub is_sales: bool,
    /// Marks a supplier.
    pub is_supplier: bool,
    /// Blocked (inactive).
    pub blocked: bool,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
    /// Not readable through the API before this instant (Q16); `None` = readable.
    pub visible_from: Option<DateTime<Utc>>,
}

/// A `financial/GLAccounts` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlAccount {
    /// Primary key.
    pub id: Uuid,
    /// Division.
    pub division: i32,
    /// Code, e.g. `8000`.
    pub code: String,
    /// Description.
    pub description: String,
    /// Exact's type number (20 accounts receivable, 110 revenue, …).
    pub type_: i32,
    /// `D` or `C`.
    pub balance_side: String,
    /// `B` balance sheet, `W` profit and loss.
    pub balance_type: String,
    /// Default VAT code, unpadded.
    pub vat_code: Option<String>,
    /// Blocked.
    pub is_blocked: bool,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
}

/// A `financial/Journals` row (day book).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Journal {
    /// Primary key.
    pub id: Uuid,
    /// Division.
    pub division: i32,
    /// Code (what `SalesEntries.Journal` refers to), e.g. `70`.
    pub code: String,
    /// Description.
    pub description: String,
    /// 10 cash, 12 bank, 20 sales, 21 return invoice, 22 purchase, 90 general, …
    pub type_: i32,
    /// Currency.
    pub currency: String,
    /// Blocked.
    pub is_blocked: bool,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
}

/// A `vat/VATCodes` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VatCode {
    /// Primary key.
    pub id: Uuid,
    /// Division.
    pub division: i32,
    /// Code, unpadded (the wire pads it to 3 characters: `"2  "`).
    pub code: String,
    /// Description.
    pub description: String,
    /// Percentage as a fraction (`0.21` = 21 %).
    pub percentage: Decimal,
    /// `B` base only, `E` excluding, `I` including, `N` no VAT.
    pub type_: String,
    /// `B` both, `P` purchase, `S` sales.
    pub vat_transaction_type: String,
    /// Counts for the EU sales listing (ICP): `L` listed, `N` not.
    pub eu_sales_listing: String,
    /// Blocked.
    pub is_blocked: bool,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
}

/// A `salesentry/SalesEntries` row with its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesEntry {
    /// Primary key.
    pub entry_id: Uuid,
    /// Division.
    pub division: i32,
    /// Entry number (for sales invoices: the invoice number).
    pub entry_number: i32,
    /// Invoice number.
    pub invoice_number: Option<i32>,
    /// 20 sales entry (invoice), 21 sales credit note.
    pub type_: i32,
    /// Journal code.
    pub journal: String,
    /// Customer account.
    pub customer: Uuid,
    /// Description.
    pub description: Option<String>,
    /// The customer's reference.
    pub your_ref: Option<String>,
    /// Payment reference.
    pub payment_reference: Option<String>,
    /// Entry (invoice) date.
    pub entry_date: NaiveDate,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Currency.
    pub currency: String,
    /// 20 open, 50 processed.
    pub status: i32,
    /// Lines.
    pub lines: Vec<SalesEntryLine>,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
    /// Not readable through the API before this instant (Q16); `None` = readable.
    pub visible_from: Option<DateTime<Utc>>,
}

impl SalesEntry {
    /// Sum of the lines excluding VAT.
    pub fn net_amount(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// Sum of the VAT amounts of the lines.
    pub fn vat_amount(&self) -> Decimal {
        self.lines.iter().map(|l| l.vat_amount).sum()
    }

    /// The header amount: all lines including VAT (`AmountFC`/`AmountDC`).
    pub fn amount(&self) -> Decimal {
        self.net_amount() + self.vat_amount()
    }
}

/// A `salesentry/SalesEntryLines` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesEntryLine {
    /// Primary key.
    pub id: Uuid,
    /// 1-based line number.
    pub line_number: i32,
    /// Revenue GL account.
    pub gl_account: Uuid,
    /// Description.
    pub description: Option<String>,
    /// Amount excluding VAT (negative on a credit note).
    pub amount: Decimal,
    /// VAT code, unpadded.
    pub vat_code: Option<String>,
    /// VAT percentage as a fraction.
    pub vat_percentage: Decimal,
    /// VAT amount.
    pub vat_amount: Decimal,
    /// Quantity.
    pub quantity: Option<Decimal>,
}

/// A `financialtransaction/BankEntries` row with its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankEntry {
    /// Primary key.
    pub entry_id: Uuid,
    /// Division.
    pub division: i32,
    /// Entry number.
    pub entry_number: i32,
    /// Bank journal code.
    pub journal_code: String,
    /// Currency.
    pub currency: String,
    /// 20 open, 50 processed.
    pub status: i32,
    /// Lines.
    pub lines: Vec<BankEntryLine>,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
    /// Not readable through the API before this instant (Q16); `None` = readable.
    pub visible_from: Option<DateTime<Utc>>,
}

/// A `financialtransaction/BankEntryLines` row.
///
/// Sign convention of the simulator: the amount is booked on the line's offset account, so a
/// customer's payment of an invoice is a negative amount (it credits the receivable), a refund
/// of a credit note a positive one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankEntryLine {
    /// Primary key.
    pub id: Uuid,
    /// 1-based line number.
    pub line_number: i32,
    /// The customer or supplier paid or paying.
    pub account: Option<Uuid>,
    /// Offset GL account.
    pub gl_account: Option<Uuid>,
    /// Amount (see the sign convention above).
    pub amount: Decimal,
    /// Value date.
    pub date: NaiveDate,
    /// Description.
    pub description: Option<String>,
    /// The invoice number this line pays (matches `SalesEntries.InvoiceNumber`).
    pub our_ref: Option<i32>,
}

/// A `subscription/Subscriptions` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    /// Primary key.
    pub entry_id: Uuid,
    /// Division.
    pub division: i32,
    /// Subscription number.
    pub number: i32,
    /// Description.
    pub description: Option<String>,
    /// Ordering account.
    pub ordered_by: Uuid,
    /// Invoiced account.
    pub invoice_to: Option<Uuid>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, if it ends.
    pub end_date: Option<NaiveDate>,
    /// Date the cancellation was registered; the subscription runs on until `end_date`
    /// (this run-out is the "grace period" of Q13).
    pub cancellation_date: Option<NaiveDate>,
    /// Currency.
    pub currency: String,
    /// Creation stamp.
    pub created: DateTime<Utc>,
    /// Last modification stamp.
    pub modified: DateTime<Utc>,
    /// Not readable through the API before this instant (Q16); `None` = readable.
    pub visible_from: Option<DateTime<Utc>>,
}

/// The life-cycle state of a subscription on a given day, derived from its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubscriptionState {
    /// Starts later.
    Future,
    /// Running, not cancelled.
    Active,
    /// Cancelled but still running until its end date (the grace period of Q13).
    Grace,
    /// Past its end date.
    Ended,
}

impl Subscription {
    /// The state on `today` (a civil date, Europe/Amsterdam).
    pub fn state_on(&self, today: NaiveDate) -> SubscriptionState {
        if today < self.start_date {
            SubscriptionState::Future
        } else if self.end_date.is_some_and(|e| e < today) {
            SubscriptionState::Ended
        } else if self.cancellation_date.is_some() {
            SubscriptionState::Grace
        } else {
            SubscriptionState::Active
        }
    }
}

/// A `webhooks/WebhookSubscriptions` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookSubscription {
    /// Primary key.
    pub id: Uuid,
    /// Division.
    pub division: i32,
    /// The app (client id) that subscribed; deliveries are signed with its webhook secret.
    pub client_id: String,
    /// Where deliveries go.
    pub callback_url: String,
    /// Topic: `Accounts`, `FinancialTransactions` (sales and bank entries) or `Subscriptions`.
    pub topic: String,
    /// Description.
    pub description: Option<String>,
    /// Creation stamp.
    pub created: DateTime<Utc>,
}

/// One open item of `read/financial/ReceivablesList`, computed from a sales entry and the
/// bank entry lines that pay it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receivable {
    /// The sales entry.
    pub entry_id: Uuid,
    /// Division.
    pub division: i32,
    /// The entry's amount including VAT.
    pub amount: Decimal,
    /// What is still open: `amount` plus the (negative) bank lines naming its invoice number.
    pub open_amount: Decimal,
}
