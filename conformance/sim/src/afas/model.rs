//! The simulator's data: the seed types (also accepted as JSON by `POST /__sim/seed`) and the
//! stored records tests read back.
//!
//! Amounts are [`Decimal`]; in seed JSON send them as strings (`"1234.56"`) to keep them exact.
//! Dates are civil dates (`YYYY-MM-DD`), datetimes Amsterdam local time without zone.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The kinds of GetConnector the simulator serves. In real AFAS every customer names its own
/// GetConnectors; the simulator uses [`GetConnectorKind::default_name`] unless renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GetConnectorKind {
    /// Debtors (`Profit_Debtor`).
    Debtors,
    /// Open items per debtor, with invoice and open amounts (`Profit_Debtor_Invoices`).
    OpenItems,
    /// Ledger accounts (`Profit_Accounts`).
    LedgerAccounts,
    /// VAT codes (`Profit_VAT_code`).
    VatCodes,
    /// Journals (`Profit_Journals`).
    Journals,
    /// Financial entry lines, one row per line (`Profit_Transactions`).
    Transactions,
    /// The debtor balance convenience connector, one row per debtor (`Profit_Debtor_Balance`);
    /// rounds to whole euros under quirk Q10.
    DebtorBalances,
    /// Administrations (`Profit_Administrations`).
    Administrations,
}

impl GetConnectorKind {
    /// Every kind, in listing order.
    pub const ALL: [GetConnectorKind; 8] = [
        Self::Debtors,
        Self::OpenItems,
        Self::LedgerAccounts,
        Self::VatCodes,
        Self::Journals,
        Self::Transactions,
        Self::DebtorBalances,
        Self::Administrations,
    ];

    /// The GetConnector id used unless the client renamed it.
    pub fn default_name(self) -> &'static str {
        match self {
            Self::Debtors => "Profit_Debtor",
            Self::OpenItems => "Profit_Debtor_Invoices",
            Self::LedgerAccounts => "Profit_Accounts",
            Self::VatCodes => "Profit_VAT_code",
            Self::Journals => "Profit_Journals",
            Self::Transactions => "Profit_Transactions",
            Self::DebtorBalances => "Profit_Debtor_Balance",
            Self::Administrations => "Profit_Administrations",
        }
    }

    /// The description shown in metainfo.
    pub fn description(self) -> &'static str {
        match self {
            Self::Debtors => "Debiteuren",
            Self::OpenItems => "Openstaande posten debiteur",
            Self::LedgerAccounts => "Grootboekrekeningen (Financieel)",
            Self::VatCodes => "Btw-codes",
            Self::Journals => "Dagboeken",
            Self::Transactions => "Financiële mutaties",
            Self::DebtorBalances => "Saldo debiteur",
            Self::Administrations => "Administraties",
        }
    }
}

/// An administration (`UnId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Administration number (`UnId`, `AdminId`).
    pub unit_id: u32,
    /// Name (`AdminNm`).
    pub name: String,
    /// Code (`AdminCd`).
    #[serde(default)]
    pub code: String,
    /// AFAS country code of the administration (for ICP); `NL` when absent.
    #[serde(default = "default_country")]
    pub country: String,
}

fn default_country() -> String {
    "NL".to_string()
}

fn default_unit() -> u32 {
    1
}

/// A ledger account (`Profit_Accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAccount {
    /// Account number (`Account`, `AcNr` on entry lines with `VaAs` 1).
    pub account: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// A balance-sheet account (`Type` `B`); otherwise a profit-and-loss account (`Type` `W`).
    #[serde(default)]
    pub balance_sheet: bool,
    /// Blocked: entries on it are refused.
    #[serde(default)]
    pub blocked: bool,
}

/// A VAT code (`Profit_VAT_code`; `VaId` on entry lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatCode {
    /// The code (max 3 characters), environment specific.
    pub code: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Percentage (`VatPerc`), e.g. `21`.
    #[serde(default)]
    pub percentage: Decimal,
    /// The VAT ledger account (`AccountNr`).
    #[serde(default)]
    pub account: Option<String>,
    /// VAT duty code (`VatDuty`).
    #[serde(default)]
    pub vat_duty: Option<String>,
    /// `Verkoop` (sales) or `Inkoop` (purchase) (`VatType`).
    #[serde(default)]
    pub vat_type: Option<String>,
    /// Method (`VatMethod`), e.g. `ICP`, `Verlegd`, `Normaal`.
    #[serde(default)]
    pub method: Option<String>,
    /// Blocked.
    #[serde(default)]
    pub blocked: bool,
}

/// A journal (`Profit_Journals`; `JoCo` on entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// Administration.
    #[serde(default = "default_unit")]
    pub unit_id: u32,
    /// Journal code (`JournalId`, `JoCo`).
    pub journal_id: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Type, e.g. `Verkoop`, `Bank`, `Memoriaal`.
    #[serde(default)]
    pub journal_type: String,
    /// Blocked: entries are refused.
    #[serde(default)]
    pub blocked: bool,
}

/// A debtor (sales relation), as seeded and as stored. Every optional field is `None` when
/// empty; `created`/`modified` are filled in by the simulator when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Debtor {
    /// Debtor number (`DbId`, `DebtorId`).
    pub debtor_id: String,
    /// Name (`Nm` of `KnOrganisation`, `DebtorName`).
    pub name: Option<String>,
    /// Search name (`SeNm`, `SearchName`).
    pub search_name: Option<String>,
    /// Organisation number (`BcCo`).
    pub org_number: Option<String>,
    /// Street (`Ad`).
    pub street: Option<String>,
    /// House number (`HmNr`).
    pub house_number: Option<String>,
    /// House number addition (`HmAd`).
    pub house_number_add: Option<String>,
    /// Postcode (`ZpCd`).
    pub zip_code: Option<String>,
    /// City (`Rs`).
    pub city: Option<String>,
    /// AFAS country code (`CoId`), not ISO: `B`, `D`, `NL`, …
    pub country: Option<String>,
    /// Phone (`TeNr`, `TelNr`).
    pub phone: Option<String>,
    /// E-mail (`EmAd`, `Email`).
    pub email: Option<String>,
    /// IBAN (`Iban`, `IBAN`).
    pub iban: Option<String>,
    /// VAT identification number (`VaId` on KnSalesRelationOrg, `VatNr`): NOT a VAT code.
    pub vat_number: Option<String>,
    /// Chamber of commerce number (`CcNr`, `ChOfCommNr`).
    pub coc_number: Option<String>,
    /// Collective (summary) ledger account (`ColA`, `CollectAccount`); `1300` when absent.
    pub collect_account: Option<String>,
    /// Payment condition (`PaCd`, `PayCon`).
    pub payment_condition: Option<String>,
    /// VAT duty (`VaDu`, `VatDuty`).
    pub vat_duty: Option<String>,
    /// Currency (`CuId`, `CurrencyId`).
    pub currency: Option<String>,
    /// Preferred invoice method (`InPv`).
    pub invoice_method: Option<String>,
    /// Blocked (`Bl`, `Blocked`).
    pub blocked: bool,
    /// Credit limit (`Krli`, `CreditLimit`).
    pub credit_limit: Option<Decimal>,
    /// Created, Amsterdam local time.
    pub created: Option<NaiveDateTime>,
    /// Last modified, Amsterdam local time.
    pub modified: Option<NaiveDateTime>,
}

/// An open item to seed (an invoice, or a credit, with its open amount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedOpenItem {
    /// Administration.
    #[serde(default = "default_unit")]
    pub unit_id: u32,
    /// Debtor (must exist, seeded before or in the same seed).
    pub debtor_id: String,
    /// Invoice number, unique per administration.
    pub invoice_nr: String,
    /// Voucher (invoice) date.
    pub voucher_date: NaiveDate,
    /// Due date; voucher date + 30 days when absent.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// Currency; `EUR` when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// Invoice amount (negative for a credit).
    pub amount: Decimal,
    /// Open amount; the full amount when absent.
    #[serde(default)]
    pub open_amount: Option<Decimal>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Parameters of a bulk open-item seed: `count` deterministic rows, invoice numbers
/// `<prefix><index, 7 digits>` (so they sort by index), spread over the debtors round-robin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkOpenItems {
    /// How many items.
    pub count: usize,
    /// Administration.
    pub unit_id: u32,
    /// Debtors to spread them over; every seeded debtor when empty (a debtor `BULK` is created
    /// when there are none).
    pub debtor_ids: Vec<String>,
    /// Invoice number prefix.
    pub invoice_prefix: String,
    /// Voucher date of item 0; item `i` is dated `start_date + (i % 365)` days.
    pub start_date: NaiveDate,
}

impl Default for BulkOpenItems {
    fn default() -> Self {
        Self {
            count: 0,
            unit_id: 1,
            debtor_ids: Vec::new(),
            invoice_prefix: "BLK".to_string(),
            start_date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
        }
    }
}

/// A blocked period: entries whose header `Year`/`Peri` fall in it are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedPeriod {
    /// Administration.
    #[serde(default = "default_unit")]
    pub unit_id: u32,
    /// Financial year.
    pub year: i32,
    /// Period (1–12 in the simulator).
    pub period: u32,
}

/// Everything `POST /__sim/seed` and [`super::AfasSim::seed`] accept. Seeding is additive
/// (records with an existing key are replaced) unless `replace` is set, which first empties the
/// business data (administrations, accounts, VAT codes, journals, debtors, open items, entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AfasSeed {
    /// Empty the business data first.
    pub replace: bool,
    /// Administrations.
    pub units: Vec<Unit>,
    /// Ledger accounts.
    pub ledger_accounts: Vec<LedgerAccount>,
    /// VAT codes.
    pub vat_codes: Vec<VatCode>,
    /// Journals.
    pub journals: Vec<Journal>,
    /// Debtors.
    pub debtors: Vec<Debtor>,
    /// Open items.
    pub open_items: Vec<SeedOpenItem>,
    /// Bulk generated open items.
    pub bulk_open_items: Option<BulkOpenItems>,
    /// Blocked periods.
    pub blocked_periods: Vec<BlockedPeriod>,
    /// GetConnector names to use instead of the defaults.
    pub get_connector_names: BTreeMap<GetConnectorKind, String>,
    /// New token data (the hex inside `<data>`): rotates the accepted token.
    pub token_data: Option<String>,
    /// Profit ≤ 6 decimals (`-.5`) in GetConnector responses (default true).
    pub legacy_decimals: Option<bool>,
    /// The next entry number per administration (applies to every seeded administration).
    pub next_entry_no: Option<u64>,
}

/// One change to an open item's balance by a posted entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    /// The entry that moved it.
    pub entry_no: u64,
    /// Amount (debit positive, credit negative).
    pub amount: Decimal,
}

/// A stored open item (`Profit_Debtor_Invoices` lists those with a non-zero balance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    /// Administration.
    pub unit_id: u32,
    /// Debtor.
    pub debtor_id: String,
    /// Invoice number.
    pub invoice_nr: String,
    /// Voucher date (`NookPieceDate`).
    pub voucher_date: NaiveDate,
    /// Due date (`ExpDate`).
    pub due_date: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Invoice amount (`AmtInvoice`).
    pub amount: Decimal,
    /// Open amount (`Balance`).
    pub open_amount: Decimal,
    /// Description.
    pub description: Option<String>,
    /// The entry that created it (None when seeded).
    pub entry_no: Option<u64>,
    /// Later entries that changed the open amount (payments, credits).
    pub movements: Vec<Movement>,
}

/// A stored financial entry (journal entry) posted through `FiEntries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Administration.
    pub unit_id: u32,
    /// Entry number allocated by the simulator (`EnNo`).
    pub entry_no: u64,
    /// Financial year (`Year`).
    pub year: i32,
    /// Period (`Peri`).
    pub period: u32,
    /// Journal (`JoCo`).
    pub journal_id: String,
    /// Created, Amsterdam local time.
    pub created: NaiveDateTime,
    /// The invoice number generated for it (`AuNu`), if any.
    pub generated_invoice: Option<String>,
    /// The lines, in the order sent.
    pub lines: Vec<EntryLine>,
}

/// One stored line of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryLine {
    /// Line number, from 1.
    pub seq_no: u32,
    /// Account kind as sent (`VaAs`): `1` ledger, `2` debtor, `3` creditor.
    pub account_kind: String,
    /// Account as sent (`AcNr`): a ledger account or a debtor number.
    pub account_no: String,
    /// The ledger account booked: the account itself, or the debtor's collective account.
    pub ledger_account: String,
    /// The debtor of a `VaAs` 2 line.
    pub debtor_id: Option<String>,
    /// Entry date (`EnDa`) as stored (see Q14).
    pub entry_date: NaiveDate,
    /// The `EnDa` text exactly as sent.
    pub entry_date_sent: String,
    /// Voucher date (`BpDa`); the entry date when absent.
    pub voucher_date: NaiveDate,
    /// Voucher number (`BpNr`).
    pub voucher_no: Option<String>,
    /// Invoice number (`InId`) of a debtor line (sent or generated).
    pub invoice_id: Option<String>,
    /// Description (`Ds`).
    pub description: Option<String>,
    /// Debit (`AmDe`).
    pub debit: Decimal,
    /// Credit (`AmCr`).
    pub credit: Decimal,
    /// VAT code (`VaId`); None when missing or empty (see Q02).
    pub vat_code: Option<String>,
    /// Due date (`DaEx`).
    pub due_date: Option<NaiveDate>,
}
