//! `FiEntries` (body root `FiEntryPar`): financial entries. Every element is validated (journal,
//! accounts, VAT codes, dates, blocked periods, balance, Q02) before any is stored; then each
//! gets the next entry number of its administration and its debtor lines open or settle items.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::super::countries;
use super::super::dates::parse_wire_date;
use super::super::error::AfasError;
use super::super::model::{Entry, EntryLine, Movement, OpenItem};
use super::super::state::AfasState;
use super::envelope::{root_elements, Element};

/// The body root of the FiEntries UpdateConnector.
pub const ROOT: &str = "FiEntryPar";

/// Switch positions FiEntries needs.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    /// Q02: an ICP line without VAT code is booked without one.
    pub q02: bool,
    /// Q14: dates keep the date part of what was sent, dropping the zone.
    pub q14: bool,
}

#[derive(Debug)]
struct Prepared {
    unit: u32,
    year: i32,
    period: u32,
    journal: String,
    auto_number: bool,
    lines: Vec<EntryLine>,
}

fn not_exist(field: &str, value: &str) -> AfasError {
    AfasError::validation(format!(
        "The entered value for '{field}' does not exist: '{value}'."
    ))
}

fn int_field<T: std::str::FromStr>(el: &Element, name: &str) -> Result<Option<T>, AfasError> {
    match el.text(name) {
        None => Ok(None),
        Some(t) => t.parse::<T>().map(Some).map_err(|_| {
            AfasError::validation(format!(
                "The value '{t}' for field '{name}' is not a valid number."
            ))
        }),
    }
}

fn date_field(el: &Element, name: &str, q14: bool) -> Result<Option<NaiveDate>, AfasError> {
    match el.text(name) {
        None => Ok(None),
        Some(t) => parse_wire_date(&t, q14).map(Some).ok_or_else(|| {
            AfasError::validation(format!("'{t}' is not a valid date for field '{name}'."))
        }),
    }
}

fn prepare_line(
    state: &AfasState,
    el: &Element,
    seq_no: u32,
    flags: Flags,
) -> Result<EntryLine, AfasError> {
    let kind = el.text("VaAs").ok_or_else(|| {
        AfasError::validation(format!(
            "Line {seq_no}: field 'VaAs' (Kenmerk rekening) is mandatory."
        ))
    })?;
    let account_no = el.text("AcNr").ok_or_else(|| {
        AfasError::validation(format!(
            "Line {seq_no}: field 'AcNr' (Rekening) is mandatory."
        ))
    })?;
    let (ledger_account, debtor_id) = match kind.as_str() {
        "1" => {
            let acc = state
                .accounts
                .get(&account_no)
                .ok_or_else(|| not_exist("Account Number", &account_no))?;
            if acc.blocked {
                return Err(AfasError::validation(format!(
                    "Account {account_no} is blocked."
                )));
            }
            (account_no.clone(), None)
        }
        "2" => {
            let d = state
                .debtors
                .get(&account_no)
                .ok_or_else(|| not_exist("Account Number", &account_no))?;
            if d.blocked {
                return Err(AfasError::validation(format!(
                    "Debtor {account_no} is blocked."
                )));
            }
            let collect = d
                .collect_account
                .clone()
                .unwrap_or_else(|| "1300".to_string());
            (collect, Some(account_no.clone()))
        }
        "3" => return Err(not_exist("Account Number", &account_no)),
        other => {
            return Err(AfasError::validation(format!(
                "The entered value for 'VaAs' is not valid: '{other}'."
            )))
        }
    };
    let entry_date_sent = el.get("EnDa").and_then(|v| v.text()).unwrap_or_default();
    let entry_date = date_field(el, "EnDa", flags.q14)?.ok_or_else(|| {
        AfasError::validation(format!(
            "Line {seq_no}: field 'EnDa' (Boekdatum) is mandatory."
        ))
    })?;
    let voucher_date = date_field(el, "BpDa", flags.q14)?.unwrap_or(entry_date);
    let due_date = date_field(el, "DaEx", flags.q14)?;
    let vat_code = el.text("VaId");
    if let Some(code) = &vat_code {
        let v = state
            .vat_codes
            .get(code)
            .ok_or_else(|| not_exist("Btw-code", code))?;
        if v.blocked {
            return Err(AfasError::validation(format!(
                "VAT code {code} is blocked."
            )));
        }
    }
    Ok(EntryLine {
        seq_no,
        account_kind: kind,
        account_no,
        ledger_account,
        debtor_id,
        entry_date,
        entry_date_sent,
        voucher_date,
        voucher_no: el.text("BpNr"),
        invoice_id: el.text("InId"),
        description: el.text("Ds"),
        debit: el.amount("AmDe")?,
        credit: el.amount("AmCr")?,
        vat_code,
        due_date,
    })
}

/// Q02: the ICP check. A line on a profit-and-loss account without VAT code, in an entry for a
/// debtor in another EU country than the administration, is an intra-community supply at 0%
/// without the code that puts it on the ICP return.
fn icp_violation(state: &AfasState, unit: u32, lines: &[EntryLine]) -> Option<String> {
    let home = state.unit_country(unit);
    let foreign_eu = lines
        .iter()
        .filter_map(|l| l.debtor_id.as_ref())
        .find_map(|id| {
            let d = state.debtors.get(id)?;
            let c = countries::by_afas_code(d.country.as_deref()?)?;
            (c.eu && !c.afas.eq_ignore_ascii_case(&home)).then(|| (id.clone(), c.afas))
        })?;
    let line = lines.iter().find(|l| {
        l.account_kind == "1"
            && l.vat_code.is_none()
            && state
                .accounts
                .get(&l.ledger_account)
                .is_some_and(|a| !a.balance_sheet)
    })?;
    Some(format!(
        "Line {}: a VAT code is mandatory for an intra-community supply (debtor {}, country {}).",
        line.seq_no, foreign_eu.0, foreign_eu.1
    ))
}

fn prepare(state: &AfasState, el: &Element, flags: Flags) -> Result<Prepared, AfasError> {
    let unit: u32 = int_field(el, "UnId")?.unwrap_or(1);
    if !state.units.contains_key(&unit) {
        return Err(not_exist("Administratie", &unit.to_string()));
    }
    let journal = el
        .text("JoCo")
        .ok_or_else(|| AfasError::validation("Field 'JoCo' (Dagboek) is mandatory."))?;
    match state.journals.get(&(unit, journal.clone())) {
        None => return Err(not_exist("Dagboek", &journal)),
        Some(j) if j.blocked => {
            return Err(AfasError::validation(format!(
                "Journal {journal} is blocked."
            )))
        }
        Some(_) => {}
    }
    let line_elements = el.sub("FiEntries");
    if line_elements.is_empty() {
        return Err(AfasError::with_status(
            axum::http::StatusCode::BAD_REQUEST,
            "Missing elements: an entry needs lines (Objects/FiEntries).",
        ));
    }
    let mut lines = Vec::with_capacity(line_elements.len());
    for (i, line) in line_elements.iter().enumerate() {
        let seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
        lines.push(prepare_line(state, line, seq, flags)?);
    }
    let first_date = lines.first().map(|l| l.entry_date).unwrap_or_default();
    let year: i32 = int_field(el, "Year")?.unwrap_or(first_date.year());
    let period: u32 = int_field(el, "Peri")?.unwrap_or(first_date.month());
    if state.blocked_periods.contains(&(unit, year, period)) {
        return Err(AfasError::validation(format!(
            "Date '{}' belongs to a blocked period | For this administration, period {period} of the year {year} is blocked.",
            first_date.format("%-d-%-m-%Y")
        )));
    }
    let debit: Decimal = lines.iter().map(|l| l.debit).sum();
    let credit: Decimal = lines.iter().map(|l| l.credit).sum();
    if debit != credit {
        return Err(AfasError::validation(format!(
            "The entry is not in balance: debit {debit}, credit {credit}."
        )));
    }
    if !flags.q02 {
        if let Some(msg) = icp_violation(state, unit, &lines) {
            return Err(AfasError::validation(msg));
        }
    }
    // Settling an invoice of another debtor is refused.
    for l in &lines {
        if let (Some(debtor), Some(inv)) = (&l.debtor_id, &l.invoice_id) {
            if let Some(item) = state.open_items.get(&(unit, inv.clone())) {
                if &item.debtor_id != debtor {
                    return Err(AfasError::validation(format!(
                        "Invoice {inv} belongs to debtor {}, not to debtor {debtor}.",
                        item.debtor_id
                    )));
                }
            }
        }
    }
    Ok(Prepared {
        unit,
        year,
        period,
        journal,
        auto_number: el.flag("AuNu"),
        lines,
    })
}

fn commit(state: &mut AfasState, p: Prepared, now: NaiveDateTime) -> Value {
    let entry_no = state.allocate_entry_no(p.unit);
    let generated = p
        .lines
        .iter()
        .any(|l| l.debtor_id.is_some() && l.invoice_id.is_none());
    let generated_invoice = generated.then(|| entry_no.to_string());
    let mut lines = p.lines;
    for l in &mut lines {
        let Some(debtor) = l.debtor_id.clone() else {
            continue;
        };
        let invoice = l
            .invoice_id
            .clone()
            .or_else(|| generated_invoice.clone())
            .unwrap_or_default();
        l.invoice_id = Some(invoice.clone());
        let amount = l.debit - l.credit;
        match state.open_items.get_mut(&(p.unit, invoice.clone())) {
            Some(item) => {
                item.open_amount += amount;
                item.movements.push(Movement { entry_no, amount });
            }
            None => {
                state.open_items.insert(
                    (p.unit, invoice.clone()),
                    OpenItem {
                        unit_id: p.unit,
                        debtor_id: debtor,
                        invoice_nr: invoice,
                        voucher_date: l.voucher_date,
                        due_date: l.due_date.unwrap_or(l.voucher_date + Duration::days(30)),
                        currency: "EUR".to_string(),
                        amount,
                        open_amount: amount,
                        description: l.description.clone(),
                        entry_no: Some(entry_no),
                        movements: Vec::new(),
                    },
                );
            }
        }
    }
    let mut result = json!({"UnId": p.unit.to_string(), "EnNo": entry_no.to_string()});
    if p.auto_number {
        if let Some(inv) = &generated_invoice {
            result["InId"] = json!(inv);
        }
    }
    state.entries.insert(
        (p.unit, entry_no),
        Entry {
            unit_id: p.unit,
            entry_no,
            year: p.year,
            period: p.period,
            journal_id: p.journal,
            created: now,
            generated_invoice,
            lines,
        },
    );
    result
}

/// `POST /connectors/FiEntries`: validate every element, then store them. Answers the
/// `{"results":{"FiEntryPar":{"UnId","EnNo"[,"InId"]}}}` body (an array under `FiEntryPar` when
/// several elements were sent).
pub fn post(
    state: &mut AfasState,
    body: &Value,
    flags: Flags,
    now: NaiveDateTime,
) -> Result<Value, AfasError> {
    let elements = root_elements(body, ROOT)?;
    if elements.is_empty() {
        return Err(AfasError::with_status(
            axum::http::StatusCode::BAD_REQUEST,
            "Missing elements",
        ));
    }
    let prepared = elements
        .iter()
        .map(|el| prepare(state, el, flags))
        .collect::<Result<Vec<_>, _>>()?;
    let many = prepared.len() > 1;
    let mut results: Vec<Value> = prepared
        .into_iter()
        .map(|p| commit(state, p, now))
        .collect();
    let inner = if many {
        Value::Array(results)
    } else {
        results.pop().unwrap_or(Value::Null)
    };
    Ok(json!({"results": {ROOT: inner}}))
}

/// Which entry a DELETE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryRef {
    /// By entry number (`@EnNo`).
    EntryNo(u64),
    /// By invoice number (`InId`): the entry that created the invoice.
    Invoice(String),
}

/// `DELETE /connectors/FiEntries/FiEntryPar/UnId,JoCo/{unit},{journal}/FiEntries/@EnNo/{n}` (or
/// `…/FiEntries/InId/{invoice}`): remove the entry and undo its effect on open items.
pub fn delete(
    state: &mut AfasState,
    unit: u32,
    journal: Option<&str>,
    which: &EntryRef,
) -> Result<(), AfasError> {
    let key = state
        .entries
        .values()
        .find(|e| {
            e.unit_id == unit
                && journal.is_none_or(|j| e.journal_id == j)
                && match which {
                    EntryRef::EntryNo(n) => e.entry_no == *n,
                    EntryRef::Invoice(inv) => state
                        .open_items
                        .get(&(unit, inv.clone()))
                        .is_some_and(|o| o.entry_no == Some(e.entry_no)),
                }
        })
        .map(|e| (e.unit_id, e.entry_no))
        .ok_or_else(|| AfasError::validation("The entry to delete does not exist."))?;
    let entry_no = key.1;
    let invoices: Vec<String> = state
        .entries
        .get(&key)
        .map(|e| {
            e.lines
                .iter()
                .filter_map(|l| l.invoice_id.clone())
                .collect()
        })
        .unwrap_or_default();
    for inv in &invoices {
        if let Some(item) = state.open_items.get(&(unit, inv.clone())) {
            if item.entry_no == Some(entry_no) && !item.movements.is_empty() {
                return Err(AfasError::validation(format!(
                    "Entry {entry_no} cannot be deleted: invoice {inv} has been (partly) settled."
                )));
            }
        }
    }
    for inv in &invoices {
        let k = (unit, inv.clone());
        let remove = match state.open_items.get_mut(&k) {
            Some(item) if item.entry_no == Some(entry_no) => true,
            Some(item) => {
                let undone: Decimal = item
                    .movements
                    .iter()
                    .filter(|m| m.entry_no == entry_no)
                    .map(|m| m.amount)
                    .sum();
                item.movements.retain(|m| m.entry_no != entry_no);
                item.open_amount -= undone;
                false
            }
            None => false,
        };
        if remove {
            state.open_items.remove(&k);
        }
    }
    state.entries.remove(&key);
    Ok(())
}
