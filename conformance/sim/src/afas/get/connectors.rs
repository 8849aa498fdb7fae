//! The GetConnectors the simulator serves: their field ids (the defaults a client meets) and how
//! each row is read from the state.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::super::countries;
use super::super::model::{Debtor, Entry, EntryLine, GetConnectorKind, OpenItem};
use super::super::state::AfasState;
use super::cell::FieldType::{Bool, Date, Dec, Int, Str};
use super::cell::{f, Cell, FieldDef};
use super::query::Query;

/// `Profit_Debtor` fields. `CountryId` (the AFAS country code) is an addition of the simulator
/// beside AFAS's `AdressLine4` (the country name).
pub const DEBTOR_FIELDS: &[FieldDef] = &[
    f("DebtorId", Str, "Nummer debiteur"),
    f("DebtorName", Str, "Naam debiteur"),
    f("BcCo", Str, "Nummer organisatie/persoon"),
    f("SearchName", Str, "Zoeknaam"),
    f("AdressLine1", Str, "Adresregel 1"),
    f("AdressLine3", Str, "Adresregel 3"),
    f("AdressLine4", Str, "Adresregel 4"),
    f("CountryId", Str, "Land"),
    f("TelNr", Str, "Telefoonnr."),
    f("Email", Str, "E-mail"),
    f("IBAN", Str, "IBAN"),
    f("VatNr", Str, "Btw-identificatienummer"),
    f("ChOfCommNr", Str, "KvK-nummer"),
    f("CollectAccount", Str, "Verzamelrekening"),
    f("PayCon", Str, "Betalingsvoorwaarde"),
    f("VatDuty", Str, "Btw-plicht"),
    f("Blocked", Bool, "Geblokkeerd"),
    f("CreditLimit", Dec, "Kredietlimiet"),
    f("CurrencyId", Str, "Valuta"),
    f("AutoPayment", Bool, "Automatische incasso"),
    f("CreateDate", Date, "Aanmaakdatum"),
    f("ModifiedDate", Date, "Wijzigingsdatum"),
];

/// `Profit_Debtor_Invoices` fields (open items); `EntryNo` is an addition of the simulator.
pub const OPEN_ITEM_FIELDS: &[FieldDef] = &[
    f("UnitId", Int, "Administratie"),
    f("DebtorId", Str, "Nummer debiteur"),
    f("InvoiceNr", Str, "Factuurnummer"),
    f("NookPieceDate", Date, "Boekstukdatum"),
    f("ExpDate", Date, "Vervaldatum"),
    f("CurrencyId", Str, "Valuta"),
    f("AmtInvoice", Dec, "Factuurbedrag"),
    f("AmtInvoiceCurr", Dec, "Factuurbedrag valuta"),
    f("Balance", Dec, "Saldo"),
    f("BalanceCurr", Dec, "Saldo valuta"),
    f("Description", Str, "Omschrijving"),
    f("EntryNo", Int, "Nummer journaalpost"),
];

/// `Profit_Accounts` fields; `Type` is `B` (balance sheet) or `W` (profit and loss).
pub const ACCOUNT_FIELDS: &[FieldDef] = &[
    f("Account", Str, "Rekeningnummer"),
    f("Description", Str, "Omschrijving"),
    f("Type", Str, "Type rekening"),
    f("Blocked", Bool, "Geblokkeerd"),
];

/// `Profit_VAT_code` fields.
pub const VAT_FIELDS: &[FieldDef] = &[
    f("VatCode", Str, "Btw-code"),
    f("Description", Str, "Omschrijving"),
    f("AccountNr", Str, "Rekeningnummer"),
    f("VatPerc", Dec, "Percentage"),
    f("VatDuty", Str, "Btw-plicht"),
    f("Blocked", Bool, "Geblokkeerd"),
    f("VatMethod", Str, "Btw-methode"),
    f("VatType", Str, "Soort btw"),
];

/// `Profit_Journals` fields.
pub const JOURNAL_FIELDS: &[FieldDef] = &[
    f("UnitId", Int, "Administratie"),
    f("JournalId", Str, "Dagboek"),
    f("Description", Str, "Omschrijving"),
    f("JournalType", Str, "Type dagboek"),
    f("Blocked", Bool, "Geblokkeerd"),
];

/// `Profit_Transactions` fields, one row per entry line. `DebtorId` and `DueDate` are additions
/// of the simulator; `AccountNo` is the ledger account booked (a debtor line books on the
/// debtor's collective account).
pub const TRANSACTION_FIELDS: &[FieldDef] = &[
    f("UnitId", Int, "Administratie"),
    f("EntryNo", Int, "Nummer journaalpost"),
    f("SeqNo", Int, "Volgnummer journaalpost"),
    f("Year", Int, "Boekjaar"),
    f("Period", Int, "Periode"),
    f("JournalId", Str, "Dagboek"),
    f("AccountNo", Str, "Rekeningnummer"),
    f("DebtorId", Str, "Nummer debiteur"),
    f("AmtDebit", Dec, "Bedrag debet"),
    f("AmtCredit", Dec, "Bedrag credit"),
    f("EntryDate", Date, "Boekdatum"),
    f("InvoiceId", Str, "Factuurnummer"),
    f("VoucherDate", Date, "Boekstukdatum"),
    f("VoucherNo", Str, "Boekstuknummer"),
    f("VatCode", Str, "Btw-code"),
    f("VatAmt", Dec, "Btw-bedrag"),
    f("Description", Str, "Omschrijving"),
    f("DueDate", Date, "Vervaldatum"),
    f("Created", Date, "Aangemaakt op"),
    f("Modified", Date, "Gewijzigd op"),
];

/// `Profit_Debtor_Balance` fields: the balance convenience connector (rounded under Q10).
pub const BALANCE_FIELDS: &[FieldDef] = &[
    f("UnitId", Int, "Administratie"),
    f("DebtorId", Str, "Nummer debiteur"),
    f("DebtorName", Str, "Naam debiteur"),
    f("Balance", Dec, "Saldo"),
    f("CurrencyId", Str, "Valuta"),
];

/// `Profit_Administrations` fields.
pub const ADMINISTRATION_FIELDS: &[FieldDef] = &[
    f("AdminId", Int, "Administratie"),
    f("AdminNm", Str, "Naam administratie"),
    f("AdminCd", Str, "Code administratie"),
];

/// The fields of a connector kind.
pub fn fields(kind: GetConnectorKind) -> &'static [FieldDef] {
    match kind {
        GetConnectorKind::Debtors => DEBTOR_FIELDS,
        GetConnectorKind::OpenItems => OPEN_ITEM_FIELDS,
        GetConnectorKind::LedgerAccounts => ACCOUNT_FIELDS,
        GetConnectorKind::VatCodes => VAT_FIELDS,
        GetConnectorKind::Journals => JOURNAL_FIELDS,
        GetConnectorKind::Transactions => TRANSACTION_FIELDS,
        GetConnectorKind::DebtorBalances => BALANCE_FIELDS,
        GetConnectorKind::Administrations => ADMINISTRATION_FIELDS,
    }
}

/// Switch positions a query needs.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    /// Q05: cap at 10,000 rows.
    pub q05: bool,
    /// Q10: round balances to whole euros.
    pub q10: bool,
}

fn s(v: &str) -> Cell {
    Cell::opt(Some(v))
}

fn joined(parts: &[Option<&str>]) -> Cell {
    let text: Vec<&str> = parts
        .iter()
        .flatten()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    if text.is_empty() {
        Cell::Null
    } else {
        Cell::Str(text.join(" "))
    }
}

fn debtor_cell(d: &Debtor, i: usize) -> Cell {
    match i {
        0 => s(&d.debtor_id),
        1 => Cell::opt(d.name.as_deref()),
        2 => Cell::opt(d.org_number.as_deref()),
        3 => Cell::opt(d.search_name.as_deref()),
        4 => joined(&[
            d.street.as_deref(),
            d.house_number.as_deref(),
            d.house_number_add.as_deref(),
        ]),
        5 => joined(&[d.zip_code.as_deref(), d.city.as_deref()]),
        6 => d
            .country
            .as_deref()
            .and_then(countries::by_afas_code)
            .map(|c| s(c.name))
            .unwrap_or(Cell::Null),
        7 => Cell::opt(d.country.as_deref()),
        8 => Cell::opt(d.phone.as_deref()),
        9 => Cell::opt(d.email.as_deref()),
        10 => Cell::opt(d.iban.as_deref()),
        11 => Cell::opt(d.vat_number.as_deref()),
        12 => Cell::opt(d.coc_number.as_deref()),
        13 => Cell::opt(d.collect_account.as_deref()),
        14 => Cell::opt(d.payment_condition.as_deref()),
        15 => Cell::opt(d.vat_duty.as_deref()),
        16 => Cell::Bool(d.blocked),
        17 => d.credit_limit.map(Cell::Dec).unwrap_or(Cell::Null),
        18 => Cell::opt(d.currency.as_deref()),
        19 => Cell::Bool(false),
        20 => d.created.map(Cell::DateTime).unwrap_or(Cell::Null),
        21 => d.modified.map(Cell::DateTime).unwrap_or(Cell::Null),
        _ => Cell::Null,
    }
}

fn open_item_cell(o: &OpenItem, i: usize) -> Cell {
    match i {
        0 => Cell::Int(i64::from(o.unit_id)),
        1 => s(&o.debtor_id),
        2 => s(&o.invoice_nr),
        3 => Cell::Date(o.voucher_date),
        4 => Cell::Date(o.due_date),
        5 => s(&o.currency),
        6 | 7 => Cell::Dec(o.amount),
        8 | 9 => Cell::Dec(o.open_amount),
        10 => Cell::opt(o.description.as_deref()),
        11 => o
            .entry_no
            .and_then(|n| i64::try_from(n).ok())
            .map(Cell::Int)
            .unwrap_or(Cell::Null),
        _ => Cell::Null,
    }
}

fn line_cell(e: &Entry, l: &EntryLine, i: usize) -> Cell {
    match i {
        0 => Cell::Int(i64::from(e.unit_id)),
        1 => i64::try_from(e.entry_no)
            .map(Cell::Int)
            .unwrap_or(Cell::Null),
        2 => Cell::Int(i64::from(l.seq_no)),
        3 => Cell::Int(i64::from(e.year)),
        4 => Cell::Int(i64::from(e.period)),
        5 => s(&e.journal_id),
        6 => s(&l.ledger_account),
        7 => Cell::opt(l.debtor_id.as_deref()),
        8 => Cell::Dec(l.debit),
        9 => Cell::Dec(l.credit),
        10 => Cell::Date(l.entry_date),
        11 => Cell::opt(l.invoice_id.as_deref()),
        12 => Cell::Date(l.voucher_date),
        13 => Cell::opt(l.voucher_no.as_deref()),
        14 => Cell::opt(l.vat_code.as_deref()),
        15 => Cell::Null,
        16 => Cell::opt(l.description.as_deref()),
        17 => l.due_date.map(Cell::Date).unwrap_or(Cell::Null),
        18 | 19 => Cell::DateTime(e.created),
        _ => Cell::Null,
    }
}

/// One row of the balance connector.
struct BalanceRow<'a> {
    unit: u32,
    debtor: &'a Debtor,
    balance: Decimal,
}

/// Balance per administration and debtor, from the open items.
pub fn debtor_balances(state: &AfasState) -> BTreeMap<(u32, String), Decimal> {
    let mut sums: BTreeMap<(u32, String), Decimal> = BTreeMap::new();
    for o in state.open_items.values() {
        *sums.entry((o.unit_id, o.debtor_id.clone())).or_default() += o.open_amount;
    }
    sums
}

/// Run `query` on the connector of `kind` and write the response body.
pub fn run(kind: GetConnectorKind, state: &AfasState, query: &Query, flags: Flags) -> String {
    let fields = fields(kind);
    let legacy = state.legacy_decimals;
    match kind {
        GetConnectorKind::Debtors => {
            let items: Vec<&Debtor> = state.debtors.values().collect();
            query.run(items, fields, |d, i| debtor_cell(d, i), flags.q05, legacy)
        }
        GetConnectorKind::OpenItems => {
            let items: Vec<&OpenItem> = state
                .open_items
                .values()
                .filter(|o| !o.open_amount.is_zero())
                .collect();
            query.run(
                items,
                fields,
                |o, i| open_item_cell(o, i),
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::LedgerAccounts => {
            let items: Vec<_> = state.accounts.values().collect();
            query.run(
                items,
                fields,
                |a, i| match i {
                    0 => s(&a.account),
                    1 => s(&a.description),
                    2 => s(if a.balance_sheet { "B" } else { "W" }),
                    3 => Cell::Bool(a.blocked),
                    _ => Cell::Null,
                },
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::VatCodes => {
            let items: Vec<_> = state.vat_codes.values().collect();
            query.run(
                items,
                fields,
                |v, i| match i {
                    0 => s(&v.code),
                    1 => s(&v.description),
                    2 => Cell::opt(v.account.as_deref()),
                    3 => Cell::Dec(v.percentage),
                    4 => Cell::opt(v.vat_duty.as_deref()),
                    5 => Cell::Bool(v.blocked),
                    6 => Cell::opt(v.method.as_deref()),
                    7 => Cell::opt(v.vat_type.as_deref()),
                    _ => Cell::Null,
                },
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::Journals => {
            let items: Vec<_> = state.journals.values().collect();
            query.run(
                items,
                fields,
                |j, i| match i {
                    0 => Cell::Int(i64::from(j.unit_id)),
                    1 => s(&j.journal_id),
                    2 => s(&j.description),
                    3 => s(&j.journal_type),
                    4 => Cell::Bool(j.blocked),
                    _ => Cell::Null,
                },
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::Transactions => {
            let items: Vec<(&Entry, &EntryLine)> = state
                .entries
                .values()
                .flat_map(|e| e.lines.iter().map(move |l| (e, l)))
                .collect();
            query.run(
                items,
                fields,
                |(e, l), i| line_cell(e, l, i),
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::DebtorBalances => {
            let sums = debtor_balances(state);
            let mut units: Vec<u32> = state.units.keys().copied().collect();
            if units.is_empty() {
                units.push(1);
            }
            let mut items = Vec::new();
            for unit in units {
                for d in state.debtors.values() {
                    let exact = sums
                        .get(&(unit, d.debtor_id.clone()))
                        .copied()
                        .unwrap_or_default();
                    let balance = if flags.q10 {
                        exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                    } else {
                        exact
                    };
                    items.push(BalanceRow {
                        unit,
                        debtor: d,
                        balance,
                    });
                }
            }
            query.run(
                items,
                fields,
                |r, i| match i {
                    0 => Cell::Int(i64::from(r.unit)),
                    1 => s(&r.debtor.debtor_id),
                    2 => Cell::opt(r.debtor.name.as_deref()),
                    3 => Cell::Dec(r.balance),
                    4 => Cell::opt(r.debtor.currency.as_deref().or(Some("EUR"))),
                    _ => Cell::Null,
                },
                flags.q05,
                legacy,
            )
        }
        GetConnectorKind::Administrations => {
            let items: Vec<_> = state.units.values().collect();
            query.run(
                items,
                fields,
                |u, i| match i {
                    0 => Cell::Int(i64::from(u.unit_id)),
                    1 => s(&u.name),
                    2 => Cell::opt(Some(&u.code)),
                    _ => Cell::Null,
                },
                flags.q05,
                legacy,
            )
        }
    }
}
