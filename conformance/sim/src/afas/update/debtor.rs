//! `KnSalesRelationOrg`: debtors (sales relations of an organisation), with the nested
//! `KnOrganisation` and its address `KnBasicAddressAdr`.
//!
//! `VaId` here is the VAT identification number (btw-nummer), not a VAT code; `CoId` takes
//! AFAS's country codes (`B`, `D`, …), not ISO. On PUT, quirk Q09 decides what `""` means:
//! with Q09 on (observed) it leaves the field unchanged and only `null` clears; with Q09 off
//! (AFAS's documentation) `""` clears too.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use super::super::countries;
use super::super::decimal::parse_decimal;
use super::super::error::AfasError;
use super::super::model::Debtor;
use super::super::state::AfasState;
use super::envelope::{root_elements, Element, FieldValue};

/// The connector id and body root.
pub const ROOT: &str = "KnSalesRelationOrg";

/// What a field change does.
enum Change {
    Keep,
    Clear,
    Set(String),
}

fn change(value: Option<&FieldValue>, is_put: bool, q09: bool) -> Change {
    match value {
        None => Change::Keep,
        Some(FieldValue::Null) => Change::Clear,
        Some(v) => match v.non_empty() {
            Some(t) => Change::Set(t),
            None if is_put && q09 => Change::Keep,
            None => Change::Clear,
        },
    }
}

struct Apply {
    is_put: bool,
    q09: bool,
}

impl Apply {
    fn text(
        &self,
        target: &mut Option<String>,
        el: &Element,
        name: &str,
        max_len: usize,
    ) -> Result<(), AfasError> {
        match change(el.fields.get(name), self.is_put, self.q09) {
            Change::Keep => {}
            Change::Clear => *target = None,
            Change::Set(t) => {
                if t.chars().count() > max_len {
                    return Err(AfasError::validation(format!(
                        "The value for field '{name}' is too long (maximum {max_len} characters)."
                    )));
                }
                *target = Some(t);
            }
        }
        Ok(())
    }

    fn flag(&self, target: &mut bool, el: &Element, name: &str) {
        match change(el.fields.get(name), self.is_put, self.q09) {
            Change::Keep => {}
            Change::Clear => *target = false,
            Change::Set(t) => *target = matches!(t.to_ascii_lowercase().as_str(), "true" | "1"),
        }
    }
}

fn apply(state: &AfasState, d: &mut Debtor, el: &Element, how: &Apply) -> Result<(), AfasError> {
    how.text(&mut d.vat_number, el, "VaId", 21)?;
    how.text(&mut d.vat_duty, el, "VaDu", 3)?;
    how.text(&mut d.payment_condition, el, "PaCd", 3)?;
    how.text(&mut d.currency, el, "CuId", 3)?;
    how.text(&mut d.collect_account, el, "ColA", 16)?;
    how.text(&mut d.invoice_method, el, "InPv", 1)?;
    how.text(&mut d.iban, el, "Iban", 40)?;
    how.flag(&mut d.blocked, el, "Bl");
    match change(el.fields.get("Krli"), how.is_put, how.q09) {
        Change::Keep => {}
        Change::Clear => d.credit_limit = None,
        Change::Set(t) => {
            d.credit_limit = Some(parse_decimal(&t).ok_or_else(|| {
                AfasError::validation(format!(
                    "The value '{t}' for field 'Krli' is not a valid number."
                ))
            })?)
        }
    }
    if let Some(acc) = &d.collect_account {
        if !state.accounts.contains_key(acc) {
            return Err(AfasError::validation(format!(
                "The entered value for 'Verzamelrekening' does not exist: '{acc}'."
            )));
        }
    }
    for org in el.sub("KnOrganisation") {
        how.text(&mut d.name, org, "Nm", 255)?;
        how.text(&mut d.search_name, org, "SeNm", 10)?;
        how.text(&mut d.org_number, org, "BcCo", 15)?;
        how.text(&mut d.email, org, "EmAd", 255)?;
        how.text(&mut d.phone, org, "TeNr", 30)?;
        how.text(&mut d.coc_number, org, "CcNr", 30)?;
        for adr in org.sub("KnBasicAddressAdr") {
            how.text(&mut d.street, adr, "Ad", 60)?;
            how.text(&mut d.house_number, adr, "HmNr", 10)?;
            how.text(&mut d.house_number_add, adr, "HmAd", 30)?;
            how.text(&mut d.zip_code, adr, "ZpCd", 15)?;
            how.text(&mut d.city, adr, "Rs", 50)?;
            how.text(&mut d.country, adr, "CoId", 3)?;
        }
    }
    if let Some(code) = d.country.clone() {
        let c = countries::by_afas_code(&code).ok_or_else(|| {
            AfasError::validation(format!(
                "The entered value for 'Land' does not exist: '{code}'."
            ))
        })?;
        d.country = Some(c.afas.to_string());
    }
    Ok(())
}

fn debtor_key(el: &Element) -> Option<String> {
    el.keys
        .get("DbId")
        .and_then(FieldValue::non_empty)
        .or_else(|| el.text("DbId"))
}

fn next_debtor_id(state: &AfasState, taken: &BTreeMap<String, Debtor>) -> String {
    let max = state
        .debtors
        .keys()
        .chain(taken.keys())
        .filter_map(|k| k.parse::<u64>().ok())
        .max()
        .unwrap_or(10_000);
    (max + 1).max(10_001).to_string()
}

/// `POST` (create) or `PUT` (update) of debtors. Every element is validated before any is
/// stored. Answers `{"results":{"KnSalesRelationOrg":{"DbId":"…"}}}` (an array when several
/// elements were sent).
pub fn write(
    state: &mut AfasState,
    body: &Value,
    is_put: bool,
    q09: bool,
    now: NaiveDateTime,
) -> Result<Value, AfasError> {
    let elements = root_elements(body, ROOT)?;
    let how = Apply { is_put, q09 };
    let mut staged: BTreeMap<String, Debtor> = BTreeMap::new();
    let mut order = Vec::new();
    for el in &elements {
        let mut d = if is_put {
            let id = debtor_key(el).ok_or_else(|| {
                AfasError::validation("Key field 'DbId' is mandatory for an update.")
            })?;
            staged
                .get(&id)
                .or_else(|| state.debtors.get(&id))
                .cloned()
                .ok_or_else(|| {
                    AfasError::validation(format!("The debtor '{id}' does not exist."))
                })?
        } else {
            let id = match debtor_key(el) {
                Some(id) => id,
                None => next_debtor_id(state, &staged),
            };
            if state.debtors.contains_key(&id) || staged.contains_key(&id) {
                return Err(AfasError::validation(format!(
                    "The debtor '{id}' already exists."
                )));
            }
            if id.chars().count() > 16 {
                return Err(AfasError::validation(
                    "The value for field 'DbId' is too long (maximum 16 characters).",
                ));
            }
            Debtor {
                debtor_id: id,
                collect_account: Some("1300".to_string()),
                currency: Some("EUR".to_string()),
                created: Some(now),
                ..Debtor::default()
            }
        };
        apply(state, &mut d, el, &how)?;
        d.modified = Some(now);
        order.push(d.debtor_id.clone());
        staged.insert(d.debtor_id.clone(), d);
    }
    for (id, d) in staged {
        state.debtors.insert(id, d);
    }
    let mut results: Vec<Value> = order.iter().map(|id| json!({"DbId": id})).collect();
    let inner = if results.len() > 1 {
        Value::Array(results)
    } else {
        results.pop().unwrap_or(Value::Null)
    };
    Ok(json!({"results": {ROOT: inner}}))
}

/// `DELETE /connectors/KnSalesRelationOrg/KnSalesRelationOrg/@DbId/{id}`: refused while the
/// debtor has open items or entry lines.
pub fn delete(state: &mut AfasState, id: &str) -> Result<(), AfasError> {
    if !state.debtors.contains_key(id) {
        return Err(AfasError::validation(format!(
            "The debtor '{id}' does not exist."
        )));
    }
    let used = state.open_items.values().any(|o| o.debtor_id == id)
        || state
            .entries
            .values()
            .any(|e| e.lines.iter().any(|l| l.debtor_id.as_deref() == Some(id)));
    if used {
        return Err(AfasError::validation(format!(
            "The debtor '{id}' cannot be deleted: it is used in financial entries."
        )));
    }
    state.debtors.remove(id);
    Ok(())
}
