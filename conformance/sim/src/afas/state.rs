//! The mutable state of one AFAS simulator: token, administrations, master data, open items,
//! entries, per-connector request counts and the injected load.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::countries;
use super::model::{
    AfasSeed, BulkOpenItems, Debtor, Entry, GetConnectorKind, Journal, LedgerAccount, OpenItem,
    SeedOpenItem, Unit, VatCode,
};

/// The token data (the hex inside `<data>`) a fresh simulator accepts: AFAS's documented example.
pub const DEFAULT_TOKEN_DATA: &str =
    "ADE370BE8DAF40D0A17FFB914E42675E9998C2D546A2F4FA3E4F3ABFA867B96F";

/// AFAS's documented limit on one API call: 75 MB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 75 * 1024 * 1024;

/// AFAS's documented limit of parallel calls.
pub const MAX_CONCURRENT_CALLS: usize = 8;

/// Injected load: calls "from other clients" that occupy the 8 parallel slots, and a processing
/// delay that keeps each real call in flight longer (real milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Load {
    /// Slots taken by simulated other callers (0–8; 8 means every call gets a 503).
    pub background_calls: usize,
    /// `retry_after` seconds in the 503 answer (1 when 0).
    pub retry_after_secs: u64,
    /// Extra real milliseconds every Profit call stays in flight before it is handled.
    pub processing_delay_ms: u64,
}

/// What a seed added, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeedSummary {
    /// Administrations.
    pub units: usize,
    /// Ledger accounts.
    pub ledger_accounts: usize,
    /// VAT codes.
    pub vat_codes: usize,
    /// Journals.
    pub journals: usize,
    /// Debtors.
    pub debtors: usize,
    /// Open items (including bulk).
    pub open_items: usize,
}

/// All data of one simulator.
pub struct AfasState {
    pub(crate) token_data: String,
    pub(crate) legacy_decimals: bool,
    pub(crate) max_request_bytes: usize,
    pub(crate) connector_names: BTreeMap<GetConnectorKind, String>,
    pub(crate) units: BTreeMap<u32, Unit>,
    pub(crate) accounts: BTreeMap<String, LedgerAccount>,
    pub(crate) vat_codes: BTreeMap<String, VatCode>,
    pub(crate) journals: BTreeMap<(u32, String), Journal>,
    pub(crate) debtors: BTreeMap<String, Debtor>,
    pub(crate) open_items: BTreeMap<(u32, String), OpenItem>,
    pub(crate) entries: BTreeMap<(u32, u64), Entry>,
    pub(crate) next_entry_no: BTreeMap<u32, u64>,
    pub(crate) blocked_periods: BTreeSet<(u32, i32, u32)>,
    pub(crate) request_counts: BTreeMap<String, u64>,
    pub(crate) load: Load,
    /// Connector ids (lower case) left out of the App Connector: AFAS answers them "not
    /// supported" (T15). See [`super::AfasSim::withhold_connector`].
    pub(crate) withheld: BTreeSet<String>,
}

impl std::fmt::Debug for AfasState {
    // The token is a secret: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfasState")
            .field("token_data", &"<redacted>")
            .field("units", &self.units.len())
            .field("debtors", &self.debtors.len())
            .field("open_items", &self.open_items.len())
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl AfasState {
    /// An empty state with the default token, current decimals (`-0.5`) and default connector names.
    pub(crate) fn empty() -> Self {
        Self {
            token_data: DEFAULT_TOKEN_DATA.to_string(),
            legacy_decimals: false,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            connector_names: GetConnectorKind::ALL
                .iter()
                .map(|k| (*k, k.default_name().to_string()))
                .collect(),
            units: BTreeMap::new(),
            accounts: BTreeMap::new(),
            vat_codes: BTreeMap::new(),
            journals: BTreeMap::new(),
            debtors: BTreeMap::new(),
            open_items: BTreeMap::new(),
            entries: BTreeMap::new(),
            next_entry_no: BTreeMap::new(),
            blocked_periods: BTreeSet::new(),
            request_counts: BTreeMap::new(),
            load: Load::default(),
            withheld: BTreeSet::new(),
        }
    }

    /// Whether the connector `id` is left out of the App Connector (T15).
    pub(crate) fn is_withheld(&self, id: &str) -> bool {
        self.withheld.contains(&id.to_ascii_lowercase())
    }

    /// Empty the business data (administrations, master data, open items, entries).
    pub(crate) fn clear_business_data(&mut self) {
        self.units.clear();
        self.accounts.clear();
        self.vat_codes.clear();
        self.journals.clear();
        self.debtors.clear();
        self.open_items.clear();
        self.entries.clear();
        self.next_entry_no.clear();
        self.blocked_periods.clear();
    }

    /// The kind a GetConnector id names, if any (case-insensitive, as AFAS ids are).
    pub(crate) fn kind_of(&self, connector: &str) -> Option<GetConnectorKind> {
        if self.is_withheld(connector) {
            return None;
        }
        self.connector_names
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(connector))
            .map(|(k, _)| *k)
    }

    /// The current id of a GetConnector kind.
    pub(crate) fn name_of(&self, kind: GetConnectorKind) -> String {
        self.connector_names
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| kind.default_name().to_string())
    }

    /// Count one request addressed to `connector`.
    pub(crate) fn count_request(&mut self, connector: &str) {
        *self
            .request_counts
            .entry(connector.to_string())
            .or_insert(0) += 1;
    }

    /// Allocate the next entry number of an administration.
    pub(crate) fn allocate_entry_no(&mut self, unit: u32) -> u64 {
        let next = self.next_entry_no.entry(unit).or_insert(1);
        let n = *next;
        *next += 1;
        n
    }

    /// Apply a seed; `now` is the Amsterdam local time used for created/modified stamps.
    pub(crate) fn apply_seed(
        &mut self,
        seed: AfasSeed,
        now: NaiveDateTime,
    ) -> Result<SeedSummary, String> {
        validate_seed(self, &seed)?;
        if seed.replace {
            self.clear_business_data();
        }
        let mut summary = SeedSummary::default();
        if let Some(data) = seed.token_data {
            self.token_data = data;
        }
        if let Some(legacy) = seed.legacy_decimals {
            self.legacy_decimals = legacy;
        }
        for (kind, name) in seed.get_connector_names {
            self.connector_names.insert(kind, name);
        }
        for unit in seed.units {
            summary.units += 1;
            if let Some(n) = seed.next_entry_no {
                self.next_entry_no.insert(unit.unit_id, n);
            }
            self.units.insert(unit.unit_id, unit);
        }
        for a in seed.ledger_accounts {
            summary.ledger_accounts += 1;
            self.accounts.insert(a.account.clone(), a);
        }
        for v in seed.vat_codes {
            summary.vat_codes += 1;
            self.vat_codes.insert(v.code.clone(), v);
        }
        for j in seed.journals {
            summary.journals += 1;
            self.journals.insert((j.unit_id, j.journal_id.clone()), j);
        }
        for mut d in seed.debtors {
            summary.debtors += 1;
            if let Some(c) = d.country.as_deref().and_then(countries::by_afas_code) {
                d.country = Some(c.afas.to_string());
            }
            d.created.get_or_insert(now);
            d.modified.get_or_insert(now);
            self.debtors.insert(d.debtor_id.clone(), d);
        }
        for item in seed.open_items {
            summary.open_items += 1;
            self.insert_seed_item(item);
        }
        if let Some(bulk) = seed.bulk_open_items {
            summary.open_items += self.seed_bulk(&bulk, now);
        }
        for b in seed.blocked_periods {
            self.blocked_periods.insert((b.unit_id, b.year, b.period));
        }
        Ok(summary)
    }

    fn insert_seed_item(&mut self, item: SeedOpenItem) {
        let open = OpenItem {
            unit_id: item.unit_id,
            debtor_id: item.debtor_id,
            invoice_nr: item.invoice_nr.clone(),
            voucher_date: item.voucher_date,
            due_date: item
                .due_date
                .unwrap_or(item.voucher_date + Duration::days(30)),
            currency: item.currency.unwrap_or_else(|| "EUR".to_string()),
            amount: item.amount,
            open_amount: item.open_amount.unwrap_or(item.amount),
            description: item.description,
            entry_no: None,
            movements: Vec::new(),
        };
        self.open_items
            .insert((item.unit_id, item.invoice_nr), open);
    }

    /// Generate `bulk.count` deterministic open items; returns how many.
    pub(crate) fn seed_bulk(&mut self, bulk: &BulkOpenItems, now: NaiveDateTime) -> usize {
        let mut debtors: Vec<String> = if bulk.debtor_ids.is_empty() {
            self.debtors.keys().cloned().collect()
        } else {
            bulk.debtor_ids.clone()
        };
        if debtors.is_empty() {
            let d = Debtor {
                debtor_id: "BULK".to_string(),
                name: Some("Bulk debiteur".to_string()),
                country: Some("NL".to_string()),
                currency: Some("EUR".to_string()),
                created: Some(now),
                modified: Some(now),
                ..Debtor::default()
            };
            self.debtors.insert(d.debtor_id.clone(), d);
            debtors.push("BULK".to_string());
        }
        for i in 0..bulk.count {
            let Some(debtor) = debtors.get(i % debtors.len()).cloned() else {
                break;
            };
            // Deterministic amounts from 10.00 to 1009.99, all distinct enough to spot mix-ups.
            let cents = ((i as i64).wrapping_mul(7919) % 100_000) + 1_000;
            let amount = Decimal::new(cents, 2);
            let voucher_date = bulk.start_date + Duration::days((i % 365) as i64);
            self.insert_seed_item(SeedOpenItem {
                unit_id: bulk.unit_id,
                debtor_id: debtor,
                invoice_nr: format!("{}{:07}", bulk.invoice_prefix, i),
                voucher_date,
                due_date: None,
                currency: None,
                amount,
                open_amount: None,
                description: None,
            });
        }
        bulk.count
    }

    /// The administration's country (AFAS code); `NL` when unknown.
    pub(crate) fn unit_country(&self, unit: u32) -> String {
        self.units
            .get(&unit)
            .map(|u| u.country.clone())
            .unwrap_or_else(|| "NL".to_string())
    }
}

fn validate_seed(state: &AfasState, seed: &AfasSeed) -> Result<(), String> {
    for d in &seed.debtors {
        if d.debtor_id.trim().is_empty() {
            return Err("a debtor without debtor_id".to_string());
        }
        if let Some(code) = d.country.as_deref() {
            if countries::by_afas_code(code).is_none() {
                let hint = countries::by_iso_code(code)
                    .map(|c| format!(" (AFAS codes are not ISO: use '{}')", c.afas))
                    .unwrap_or_default();
                return Err(format!(
                    "debtor {}: unknown AFAS country code '{code}'{hint}",
                    d.debtor_id
                ));
            }
        }
    }
    for item in &seed.open_items {
        let known = seed.debtors.iter().any(|d| d.debtor_id == item.debtor_id)
            || (!seed.replace && state.debtors.contains_key(&item.debtor_id));
        if !known {
            return Err(format!(
                "open item {}: unknown debtor '{}'",
                item.invoice_nr, item.debtor_id
            ));
        }
    }
    if let Some(bulk) = &seed.bulk_open_items {
        for id in &bulk.debtor_ids {
            let known = seed.debtors.iter().any(|d| &d.debtor_id == id)
                || (!seed.replace && state.debtors.contains_key(id));
            if !known {
                return Err(format!("bulk open items: unknown debtor '{id}'"));
            }
        }
    }
    Ok(())
}

fn d(text: &str) -> Decimal {
    super::decimal::parse_decimal(text).unwrap_or_default()
}

fn date(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

impl AfasSeed {
    /// The demo environment a fresh simulator starts with (see the module docs of
    /// [`crate::afas`] for its contents). Debtor `10001` has open items totalling 1,234.56;
    /// debtor `10002` (Belgium, AFAS code `B`) has an open credit of -0.50, which the
    /// GetConnector renders as `-.5`.
    pub fn demo() -> Self {
        let acc = |account: &str, description: &str, balance_sheet: bool| LedgerAccount {
            account: account.to_string(),
            description: description.to_string(),
            balance_sheet,
            blocked: false,
        };
        let vat = |code: &str,
                   description: &str,
                   perc: &str,
                   account: Option<&str>,
                   vat_type: &str,
                   method: &str| VatCode {
            code: code.to_string(),
            description: description.to_string(),
            percentage: d(perc),
            account: account.map(str::to_string),
            vat_duty: Some("1".to_string()),
            vat_type: Some(vat_type.to_string()),
            method: Some(method.to_string()),
            blocked: false,
        };
        let journal = |id: &str, description: &str, kind: &str| Journal {
            unit_id: 1,
            journal_id: id.to_string(),
            description: description.to_string(),
            journal_type: kind.to_string(),
            blocked: false,
        };
        let debtor =
            |id: &str, name: &str, country: &str, city: &str, vat_number: Option<&str>| Debtor {
                debtor_id: id.to_string(),
                name: Some(name.to_string()),
                search_name: Some(name.to_uppercase().chars().take(10).collect()),
                city: Some(city.to_string()),
                country: Some(country.to_string()),
                vat_number: vat_number.map(str::to_string),
                collect_account: Some("1300".to_string()),
                payment_condition: Some("30".to_string()),
                vat_duty: Some("1".to_string()),
                currency: Some("EUR".to_string()),
                ..Debtor::default()
            };
        let item =
            |debtor_id: &str, invoice_nr: &str, day: u32, amount: &str, description: &str| {
                SeedOpenItem {
                    unit_id: 1,
                    debtor_id: debtor_id.to_string(),
                    invoice_nr: invoice_nr.to_string(),
                    voucher_date: date(2026, 1, day),
                    due_date: None,
                    currency: None,
                    amount: d(amount),
                    open_amount: None,
                    description: Some(description.to_string()),
                }
            };
        AfasSeed {
            units: vec![Unit {
                unit_id: 1,
                name: "Grootboek Demo BV".to_string(),
                code: "GDB".to_string(),
                country: "NL".to_string(),
            }],
            ledger_accounts: vec![
                acc("1100", "Bank", true),
                acc("1300", "Debiteuren", true),
                acc("1500", "Te vorderen btw", true),
                acc("1510", "Te betalen btw hoog", true),
                acc("1520", "Te betalen btw laag", true),
                acc("8000", "Omzet hoog", false),
                acc("8010", "Omzet laag", false),
                acc("8100", "Omzet ICP", false),
                acc("8200", "Omzet export", false),
                acc("8900", "Betalingsverschillen", false),
            ],
            vat_codes: vec![
                vat("0", "Geen btw", "0", None, "Verkoop", "Normaal"),
                vat("1", "Btw hoog", "21", Some("1510"), "Verkoop", "Normaal"),
                vat("2", "Btw laag", "9", Some("1520"), "Verkoop", "Normaal"),
                vat("4", "ICP levering binnen EU", "0", None, "Verkoop", "ICP"),
                vat(
                    "5",
                    "Btw inkoop hoog",
                    "21",
                    Some("1500"),
                    "Inkoop",
                    "Normaal",
                ),
                vat("6", "Export buiten EU", "0", None, "Verkoop", "Export"),
            ],
            journals: vec![
                journal("10", "Verkoopboek", "Verkoop"),
                journal("50", "Bank", "Bank"),
                journal("90", "Memoriaal", "Memoriaal"),
            ],
            debtors: vec![
                debtor(
                    "10001",
                    "Bakkerij De Korenschoof",
                    "NL",
                    "Utrecht",
                    Some("NL001234567B01"),
                ),
                debtor(
                    "10002",
                    "Machinefabriek Brussel NV",
                    "B",
                    "Brussel",
                    Some("BE0123456789"),
                ),
                debtor(
                    "10003",
                    "Werkzeugbau Köln GmbH",
                    "D",
                    "Köln",
                    Some("DE123456789"),
                ),
            ],
            open_items: vec![
                item("10001", "IH000101", 5, "121.00", "Brood en banket januari"),
                item("10001", "IH000102", 12, "1113.56", "Bedrijfscatering"),
                item("10002", "IH000103", 15, "-0.50", "Afrondingsverschil"),
            ],
            ..AfasSeed::default()
        }
    }
}
