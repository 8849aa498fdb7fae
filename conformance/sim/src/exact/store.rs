//! The simulated administrations: every division's rows, numbering, and the derived open
//! items (receivables), plus applying a seed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use super::errors::ExactSimError;
use super::model::*;
use super::seed::*;

/// Today on the simulated clock, as a civil date in Europe/Amsterdam.
pub fn civil_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}

/// VAT on `amount` at `percentage` (a fraction), rounded to cents half away from zero.
pub fn vat_of(amount: Decimal, percentage: Decimal) -> Decimal {
    (amount * percentage).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// All rows of all divisions.
#[derive(Debug, Clone)]
pub struct Store {
    /// Divisions by code.
    pub divisions: BTreeMap<i32, Division>,
    /// The user's current division (`current/Me`).
    pub current_division: Option<i32>,
    /// The simulated user's id.
    pub user_id: Uuid,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// GL accounts.
    pub gl_accounts: Vec<GlAccount>,
    /// Journals.
    pub journals: Vec<Journal>,
    /// VAT codes.
    pub vat_codes: Vec<VatCode>,
    /// Sales entries.
    pub sales_entries: Vec<SalesEntry>,
    /// Bank entries.
    pub bank_entries: Vec<BankEntry>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Webhook subscriptions.
    pub webhook_subscriptions: Vec<WebhookSubscription>,
    /// The `HID` (Int64 key of `ReceivablesList`) of each sales entry.
    pub hids: HashMap<Uuid, i64>,
    next_hid: i64,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            divisions: BTreeMap::new(),
            current_division: None,
            user_id: Uuid::new_v4(),
            accounts: Vec::new(),
            gl_accounts: Vec::new(),
            journals: Vec::new(),
            vat_codes: Vec::new(),
            sales_entries: Vec::new(),
            bank_entries: Vec::new(),
            subscriptions: Vec::new(),
            webhook_subscriptions: Vec::new(),
            hids: HashMap::new(),
            next_hid: 1000,
        }
    }
}

fn eq_trim(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

impl Store {
    /// The division's currency (EUR when unknown).
    pub fn currency(&self, division: i32) -> String {
        self.divisions
            .get(&division)
            .map_or_else(|| "EUR".to_string(), |d| d.currency.clone())
    }

    /// The account with this id.
    pub fn account(&self, id: Uuid) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The GL account with this id.
    pub fn gl_account(&self, id: Uuid) -> Option<&GlAccount> {
        self.gl_accounts.iter().find(|g| g.id == id)
    }

    /// The journal with this code in `division`.
    pub fn journal(&self, division: i32, code: &str) -> Option<&Journal> {
        self.journals
            .iter()
            .find(|j| j.division == division && eq_trim(&j.code, code))
    }

    /// The VAT code with this code in `division`.
    pub fn vat_code(&self, division: i32, code: &str) -> Option<&VatCode> {
        self.vat_codes
            .iter()
            .find(|v| v.division == division && eq_trim(&v.code, code))
    }

    /// The next free entry number in `division` (sales and bank entries share the range).
    pub fn next_entry_number(&self, division: i32) -> i32 {
        let sales = self
            .sales_entries
            .iter()
            .filter(|e| e.division == division)
            .map(|e| e.entry_number);
        let bank = self
            .bank_entries
            .iter()
            .filter(|e| e.division == division)
            .map(|e| e.entry_number);
        sales.chain(bank).max().map_or(1, |n| n.saturating_add(1))
    }

    /// The next free numeric account code in `division`.
    pub fn next_account_code(&self, division: i32) -> String {
        let max = self
            .accounts
            .iter()
            .filter(|a| a.division == division)
            .filter_map(|a| a.code.trim().parse::<i64>().ok())
            .max()
            .unwrap_or(0);
        (max + 1).to_string()
    }

    /// Give a new sales entry its receivables `HID`.
    pub fn assign_hid(&mut self, entry_id: Uuid) {
        self.next_hid += 1;
        self.hids.insert(entry_id, self.next_hid);
    }

    /// The open items of `division`: every sales entry whose amount is not fully paid by the
    /// bank lines naming its invoice number (`OurRef`), computed from cash.
    pub fn receivables(&self, division: i32) -> Vec<Receivable> {
        self.sales_entries
            .iter()
            .filter(|e| e.division == division)
            .map(|e| {
                let invoice = e.invoice_number.unwrap_or(e.entry_number);
                let paid: Decimal = self
                    .bank_entries
                    .iter()
                    .filter(|b| b.division == division)
                    .flat_map(|b| b.lines.iter())
                    .filter(|l| l.our_ref == Some(invoice))
                    .filter(|l| l.account.is_none_or(|a| a == e.customer))
                    .map(|l| l.amount)
                    .sum();
                Receivable {
                    entry_id: e.entry_id,
                    division,
                    amount: e.amount(),
                    open_amount: e.amount() + paid,
                }
            })
            .filter(|r| !r.open_amount.is_zero())
            .collect()
    }

    fn need_division(&self, division: i32) -> Result<(), ExactSimError> {
        if self.divisions.contains_key(&division) {
            Ok(())
        } else {
            Err(ExactSimError::UnknownDivision(division))
        }
    }

    /// Apply a seed (adds to what is there).
    pub fn apply_seed(
        &mut self,
        seed: ExactSeed,
        now: DateTime<Utc>,
    ) -> Result<SeedReport, ExactSimError> {
        let today = civil_today(now);
        let limit = Decimal::from(1_000_000_000_000_000_i64);
        let amounts = seed
            .sales_entries
            .iter()
            .flat_map(|e| {
                e.lines
                    .iter()
                    .flat_map(|l| [Some(l.amount), l.vat_amount, l.quantity])
            })
            .chain(
                seed.bank_entries
                    .iter()
                    .flat_map(|b| b.lines.iter().map(|l| Some(l.amount))),
            )
            .chain(seed.vat_codes.iter().map(|v| Some(v.percentage)))
            .flatten();
        for a in amounts {
            if a.abs() > limit {
                return Err(ExactSimError::Invalid(format!(
                    "amount {a} is out of range"
                )));
            }
        }
        let mut report = SeedReport::default();
        for d in seed.divisions {
            self.divisions.insert(
                d.code,
                Division {
                    code: d.code,
                    description: d
                        .description
                        .unwrap_or_else(|| format!("Division {}", d.code)),
                    country: d.country.unwrap_or_else(|| "NL".into()),
                    currency: d.currency.unwrap_or_else(|| "EUR".into()),
                },
            );
            if self.current_division.is_none() {
                self.current_division = Some(d.code);
            }
        }
        if let Some(c) = seed.current_division {
            self.need_division(c)?;
            self.current_division = Some(c);
        }
        for a in seed.accounts {
            self.need_division(a.division)?;
            let code = a.code.unwrap_or_else(|| self.next_account_code(a.division));
            if self
                .accounts
                .iter()
                .any(|x| x.division == a.division && eq_trim(&x.code, &code))
            {
                return Err(ExactSimError::Invalid(format!(
                    "account code {code} exists"
                )));
            }
            let id = a.id.unwrap_or_else(Uuid::new_v4);
            self.accounts.push(Account {
                id,
                division: a.division,
                code: code.trim().to_string(),
                name: a.name,
                country: a.country,
                vat_number: a.vat_number,
                email: a.email,
                city: a.city,
                address_line1: None,
                postcode: None,
                chamber_of_commerce: None,
                sales_vat_code: a.sales_vat_code,
                status: a.status.unwrap_or_else(|| "C".into()),
                is_sales: true,
                is_supplier: a.is_supplier,
                blocked: a.blocked,
                created: now,
                modified: now,
                visible_from: None,
            });
            report.accounts.push(id);
        }
        for g in seed.gl_accounts {
            self.need_division(g.division)?;
            let id = g.id.unwrap_or_else(Uuid::new_v4);
            self.gl_accounts.push(GlAccount {
                id,
                division: g.division,
                code: g.code,
                description: g.description,
                type_: g.type_.unwrap_or(110),
                balance_side: g.balance_side.unwrap_or_else(|| "C".into()),
                balance_type: g.balance_type.unwrap_or_else(|| "W".into()),
                vat_code: g.vat_code,
                is_blocked: false,
                created: now,
                modified: now,
            });
            report.gl_accounts.push(id);
        }
        for j in seed.journals {
            self.need_division(j.division)?;
            let id = j.id.unwrap_or_else(Uuid::new_v4);
            let currency = j.currency.unwrap_or_else(|| self.currency(j.division));
            self.journals.push(Journal {
                id,
                division: j.division,
                code: j.code,
                description: j.description,
                type_: j.type_.unwrap_or(20),
                currency,
                is_blocked: false,
                created: now,
                modified: now,
            });
            report.journals.push(id);
        }
        for v in seed.vat_codes {
            self.need_division(v.division)?;
            let id = v.id.unwrap_or_else(Uuid::new_v4);
            self.vat_codes.push(VatCode {
                id,
                division: v.division,
                code: v.code.trim().to_string(),
                description: v.description,
                percentage: v.percentage,
                type_: v.type_.unwrap_or_else(|| "E".into()),
                vat_transaction_type: v.vat_transaction_type.unwrap_or_else(|| "S".into()),
                eu_sales_listing: v.eu_sales_listing.unwrap_or_else(|| "N".into()),
                is_blocked: false,
                created: now,
                modified: now,
            });
            report.vat_codes.push(id);
        }
        for s in seed.sales_entries {
            let id = self.seed_sales_entry(s, now, today)?;
            report.sales_entries.push(id);
        }
        for b in seed.bank_entries {
            let div = b.division;
            self.need_division(div)?;
            if self.journal(div, &b.journal_code).is_none() {
                return Err(ExactSimError::Invalid(format!(
                    "journal {} missing",
                    b.journal_code
                )));
            }
            let id = b.entry_id.unwrap_or_else(Uuid::new_v4);
            let entry_number = b
                .entry_number
                .unwrap_or_else(|| self.next_entry_number(div));
            let lines = b
                .lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| BankEntryLine {
                    id: l.id.unwrap_or_else(Uuid::new_v4),
                    line_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
                    account: l.account,
                    gl_account: l.gl_account,
                    amount: l.amount,
                    date: l.date.unwrap_or(today),
                    description: l.description,
                    our_ref: l.our_ref,
                })
                .collect();
            let currency = b.currency.unwrap_or_else(|| self.currency(div));
            self.bank_entries.push(BankEntry {
                entry_id: id,
                division: div,
                entry_number,
                journal_code: b.journal_code,
                currency,
                status: 20,
                lines,
                created: now,
                modified: now,
                visible_from: None,
            });
            report.bank_entries.push(id);
        }
        for s in seed.subscriptions {
            self.need_division(s.division)?;
            if self.account(s.ordered_by).is_none() {
                return Err(ExactSimError::Invalid(format!(
                    "account {} missing",
                    s.ordered_by
                )));
            }
            let id = s.entry_id.unwrap_or_else(Uuid::new_v4);
            let number = s.number.unwrap_or_else(|| {
                self.subscriptions
                    .iter()
                    .filter(|x| x.division == s.division)
                    .map(|x| x.number)
                    .max()
                    .unwrap_or(0)
                    .saturating_add(1)
            });
            let currency = s.currency.unwrap_or_else(|| self.currency(s.division));
            self.subscriptions.push(Subscription {
                entry_id: id,
                division: s.division,
                number,
                description: s.description,
                ordered_by: s.ordered_by,
                invoice_to: s.invoice_to,
                start_date: s.start_date.unwrap_or(today),
                end_date: s.end_date,
                cancellation_date: s.cancellation_date,
                currency,
                created: now,
                modified: now,
                visible_from: None,
            });
            report.subscriptions.push(id);
        }
        Ok(report)
    }

    fn seed_sales_entry(
        &mut self,
        s: SeedSalesEntry,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Uuid, ExactSimError> {
        let div = s.division;
        self.need_division(div)?;
        if self.journal(div, &s.journal).is_none() {
            return Err(ExactSimError::Invalid(format!(
                "journal {} missing",
                s.journal
            )));
        }
        let customer = match (s.customer, &s.customer_code) {
            (Some(id), _) => self.account(id).map(|a| a.id),
            (None, Some(code)) => self
                .accounts
                .iter()
                .find(|a| a.division == div && eq_trim(&a.code, code))
                .map(|a| a.id),
            (None, None) => None,
        }
        .ok_or_else(|| ExactSimError::Invalid("sales entry customer missing".into()))?;
        let mut lines = Vec::new();
        for (i, l) in s.lines.into_iter().enumerate() {
            let gl = match (l.gl_account, &l.gl_account_code) {
                (Some(id), _) => self.gl_account(id).map(|g| g.id),
                (None, Some(code)) => self
                    .gl_accounts
                    .iter()
                    .find(|g| g.division == div && eq_trim(&g.code, code))
                    .map(|g| g.id),
                (None, None) => None,
            }
            .ok_or_else(|| ExactSimError::Invalid("sales line GL account missing".into()))?;
            let pct = match &l.vat_code {
                Some(code) => self
                    .vat_code(div, code)
                    .map(|v| v.percentage)
                    .ok_or_else(|| ExactSimError::Invalid(format!("VAT code {code} missing")))?,
                None => Decimal::ZERO,
            };
            lines.push(SalesEntryLine {
                id: l.id.unwrap_or_else(Uuid::new_v4),
                line_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
                gl_account: gl,
                description: l.description,
                amount: l.amount,
                vat_code: l.vat_code.map(|c| c.trim().to_string()),
                vat_percentage: pct,
                vat_amount: l.vat_amount.unwrap_or_else(|| vat_of(l.amount, pct)),
                quantity: l.quantity,
            });
        }
        let id = s.entry_id.unwrap_or_else(Uuid::new_v4);
        let entry_number = s
            .entry_number
            .unwrap_or_else(|| self.next_entry_number(div));
        let currency = s.currency.unwrap_or_else(|| self.currency(div));
        self.sales_entries.push(SalesEntry {
            entry_id: id,
            division: div,
            entry_number,
            invoice_number: Some(s.invoice_number.unwrap_or(entry_number)),
            type_: s.type_.unwrap_or(20),
            journal: s.journal,
            customer,
            description: s.description,
            your_ref: s.your_ref,
            payment_reference: s.payment_reference,
            entry_date: s.entry_date.unwrap_or(today),
            due_date: s.due_date,
            currency,
            status: s.status.unwrap_or(20),
            lines,
            created: now,
            modified: now,
            visible_from: None,
        });
        self.assign_hid(id);
        Ok(id)
    }
}
