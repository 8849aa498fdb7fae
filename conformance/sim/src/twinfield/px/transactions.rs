//! Transactions: writes of `<transaction>` / `<transactions>` (sales, purchase and journal day
//! books; `destiny` temporary/final; VAT lines computed from detail lines; numbers allocated per
//! day book and year; balance checks; Q03 VAT code swap), `action="delete"` of provisional
//! transactions, and `<read><type>transaction</type>…`.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::{Decimal, RoundingStrategy};

use super::super::model::{Transaction, TransactionLine};
use super::super::soap::Fault;
use super::super::state::{fill_line_defaults, period_of, signed, stamp, store_tx, Office};
use super::super::xml::Element;
use super::render::{money, transaction as render_transaction};
use super::{annotate, parse_amount, parse_date, Ctx, Located, Step, MAX_CHILDREN, MAX_LINES};

fn line_count(el: &Element) -> usize {
    el.child("lines")
        .map(|l| l.children_named("line").count())
        .unwrap_or(0)
}

/// Write one transaction or a batch (at most 25 children and 1000 lines each, else the
/// generic fault and nothing is written). Each child succeeds or fails on its own.
pub(super) fn write(ctx: &mut Ctx<'_>, doc: Element) -> Result<Element, Fault> {
    if doc.name == "transaction" {
        if line_count(&doc) > MAX_LINES {
            return Err(Fault::generic(ctx.now));
        }
        return Ok(write_one(ctx, doc));
    }
    let items: Vec<Element> = doc.elements().cloned().collect();
    if items.len() > MAX_CHILDREN || items.iter().any(|i| line_count(i) > MAX_LINES) {
        return Err(Fault::generic(ctx.now));
    }
    let mut out = Element::new("transactions");
    let mut all_ok = true;
    for item in items {
        let r = write_one(ctx, item);
        all_ok &= r.attr("result") == Some("1");
        out.push(r);
    }
    out.set_attr("result", if all_ok { "1" } else { "0" });
    Ok(out)
}

fn lines_step(i: usize, field: Option<&str>) -> Vec<Step> {
    let mut p = vec![Step::child("lines"), Step::Nth(i)];
    if let Some(f) = field {
        p.push(Step::child(f));
    }
    p
}

fn normalise_period(p: &str) -> Option<String> {
    let (y, m) = p.split_once('/')?;
    let year: i32 = y.trim().parse().ok()?;
    let month: u32 = m.trim().parse().ok()?;
    if !(1000..=9999).contains(&year) || month > 55 {
        return None;
    }
    Some(format!("{year}/{month:02}"))
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Whether the relation of a line is domestic for Q03 (same country as the office, or none).
fn domestic(office: &Office, relation: Option<&str>) -> bool {
    let Some(code) = relation else {
        return true;
    };
    match office.dim_any(&["DEB", "CRD"], code) {
        Some(d) => d.country.is_empty() || d.country == office.country,
        None => true,
    }
}

struct Parsed {
    lines: Vec<TransactionLine>,
    errors: Vec<Located>,
}

fn parse_lines(ctx: &Ctx<'_>, office: &Office, kind: &str, el: &Element) -> Parsed {
    let mut errors: Vec<Located> = Vec::new();
    let mut lines = Vec::new();
    let line_els: Vec<&Element> = el
        .child("lines")
        .map(|l| l.children_named("line").collect())
        .unwrap_or_default();
    if line_els.len() < 2 {
        errors.push((
            vec![Step::child("lines")],
            ctx.msg(
                "Er moeten minimaal twee boekingsregels worden opgegeven.",
                "A minimum of two transaction lines must be provided.",
            ),
        ));
    }
    let relation_type = if kind == "purchase" { "CRD" } else { "DEB" };
    let mut totals = 0usize;
    for (i, le) in line_els.iter().enumerate() {
        let line_type = le.attr("type").unwrap_or("detail").to_string();
        let allowed = match kind {
            "journal" => matches!(line_type.as_str(), "detail" | "vat"),
            _ => matches!(line_type.as_str(), "total" | "detail" | "vat"),
        };
        if !allowed {
            errors.push((
                lines_step(i, None),
                ctx.msg(
                    format!("Regeltype {line_type} is ongeldig."),
                    format!("Line type {line_type} is invalid."),
                ),
            ));
            continue;
        }
        if line_type == "total" {
            totals += 1;
        }
        let text = |n: &str| le.child_text(n).unwrap_or_default();
        let mut line = TransactionLine {
            line_type: line_type.clone(),
            dim1: text("dim1"),
            dim2: text("dim2"),
            dim3: text("dim3"),
            vat_code: text("vatcode"),
            description: text("description"),
            invoice_number: text("invoicenumber"),
            ..TransactionLine::default()
        };
        let dc = text("debitcredit");
        if dc != "debit" && dc != "credit" {
            errors.push((
                lines_step(i, Some("debitcredit")),
                ctx.msg("Debet/credit is ongeldig.", "Debit/credit is invalid."),
            ));
        }
        line.debit_credit = dc;
        match parse_amount(&text("value")) {
            Some(v) if v < Decimal::ZERO => {
                line.value = -v;
                line.debit_credit = if line.debit_credit == "credit" {
                    "debit"
                } else {
                    "credit"
                }
                .into();
            }
            Some(v) => line.value = v,
            None => errors.push((
                lines_step(i, Some("value")),
                ctx.msg("Waarde is ongeldig.", "Value is invalid."),
            )),
        }
        if let Some(v) = le.child_value("vatvalue").and_then(|v| parse_amount(&v)) {
            line.vat_value = Some(v.abs());
        }
        // Dimension 1.
        if line_type != "vat" {
            if line.dim1.is_empty() {
                let mut m = ctx.msg(
                    "Dimensie 1 moet altijd worden ingevuld.",
                    "Dimension 1 is mandatory.",
                );
                if !line.dim2.is_empty() {
                    m.push_str("//");
                    m.push_str(&ctx.msg(
                        "De dimensie 1 mag niet leeg zijn als dimensie 2 gevuld is.",
                        "Dimension 1 may not be empty when dimension 2 is filled.",
                    ));
                }
                errors.push((lines_step(i, Some("dim1")), m));
            } else if office.dim_any(&["BAS", "PNL"], &line.dim1).is_none() {
                errors.push((lines_step(i, Some("dim1")), not_found(ctx, &line.dim1)));
            }
        }
        // Dimension 2.
        if line_type == "total" {
            if line.dim2.is_empty() {
                errors.push((
                    lines_step(i, Some("dim2")),
                    ctx.msg(
                        "Dimensie 2 moet worden ingevuld.",
                        "Dimension 2 is mandatory.",
                    ),
                ));
            } else if office.dim(relation_type, &line.dim2).is_none() {
                errors.push((lines_step(i, Some("dim2")), not_found(ctx, &line.dim2)));
            }
        } else if !line.dim2.is_empty()
            && office.dim_any(&["DEB", "CRD", "KPL"], &line.dim2).is_none()
        {
            errors.push((lines_step(i, Some("dim2")), not_found(ctx, &line.dim2)));
        }
        if !line.dim3.is_empty() && office.dim("PRJ", &line.dim3).is_none() {
            errors.push((lines_step(i, Some("dim3")), not_found(ctx, &line.dim3)));
        }
        if line_type == "vat" && line.vat_code.is_empty() {
            errors.push((lines_step(i, Some("vatcode")), bad_vat(ctx, "")));
        }
        lines.push((i, line));
    }
    if kind != "journal" && totals != 1 {
        errors.push((
            vec![Step::child("lines")],
            ctx.msg(
                "Er moet precies één totaalregel zijn.",
                "Exactly one total line is required.",
            ),
        ));
    }
    // VAT codes (Q03).
    let total_relation = lines
        .iter()
        .find(|(_, l)| l.line_type == "total")
        .map(|(_, l)| l.dim2.clone());
    let q03 = ctx.core.quirk("Q03");
    for (i, line) in lines.iter_mut() {
        if line.vat_code.is_empty() || office.vat.contains_key(&line.vat_code) {
            continue;
        }
        let relation = if line.line_type == "detail" && kind == "journal" {
            Some(line.dim2.clone()).filter(|d| !d.is_empty())
        } else {
            total_relation.clone()
        };
        let default_ok = office
            .default_vat
            .as_ref()
            .filter(|d| office.vat.contains_key(*d));
        match default_ok {
            Some(default)
                if q03 && line.line_type == "detail" && domestic(office, relation.as_deref()) =>
            {
                // Q03: silently swapped for the office default.
                line.vat_code = default.clone();
                line.vat_value = None;
            }
            _ => errors.push((
                lines_step(*i, Some("vatcode")),
                bad_vat(ctx, &line.vat_code),
            )),
        }
    }
    Parsed {
        lines: lines.into_iter().map(|(_, l)| l).collect(),
        errors,
    }
}

fn not_found(ctx: &Ctx<'_>, code: &str) -> String {
    ctx.msg(
        format!("Dimensie {code} bestaat niet."),
        format!("Dimension {code} does not exist."),
    )
}

fn bad_vat(ctx: &Ctx<'_>, code: &str) -> String {
    ctx.msg(
        "Ongeldige btw-code.".to_string(),
        format!("VAT {code} does not exist or is not (yet) active."),
    )
}

/// Compute VAT on detail lines and add the VAT lines Twinfield generates; returns all lines.
fn with_vat_lines(office: &Office, mut lines: Vec<TransactionLine>) -> Vec<TransactionLine> {
    // Per VAT code: signed VAT and signed turnover of the detail lines.
    let mut per_code: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for line in lines
        .iter_mut()
        .filter(|l| l.line_type == "detail" && !l.vat_code.is_empty())
    {
        let pct = office
            .vat
            .get(&line.vat_code)
            .map(|v| v.percentage)
            .unwrap_or_default();
        let vat = line
            .vat_value
            .unwrap_or_else(|| round2(line.value * pct / Decimal::from(100)));
        line.vat_value = Some(vat);
        let sign = if line.debit_credit == "credit" {
            -Decimal::ONE
        } else {
            Decimal::ONE
        };
        let entry = per_code.entry(line.vat_code.clone()).or_insert_with(|| {
            order.push(line.vat_code.clone());
            (Decimal::ZERO, Decimal::ZERO)
        });
        entry.0 += sign * vat;
        entry.1 += sign * line.value;
    }
    // VAT lines supplied by the caller win for their code.
    for line in lines.iter_mut().filter(|l| l.line_type == "vat") {
        if line.dim1.is_empty() {
            line.dim1 = office
                .vat
                .get(&line.vat_code)
                .map(|v| v.account.clone())
                .unwrap_or_default();
        }
        if let Some((_, turnover)) = per_code.remove(&line.vat_code) {
            line.vat_turnover = Some(turnover.abs());
        }
    }
    for code in order {
        let Some((vat, turnover)) = per_code.get(&code).copied() else {
            continue;
        };
        let account = office
            .vat
            .get(&code)
            .map(|v| v.account.clone())
            .unwrap_or_default();
        lines.push(TransactionLine {
            line_type: "vat".into(),
            dim1: account,
            debit_credit: if vat < Decimal::ZERO || (vat.is_zero() && turnover < Decimal::ZERO) {
                "credit".into()
            } else {
                "debit".into()
            },
            value: vat.abs(),
            vat_code: code.clone(),
            vat_turnover: Some(turnover.abs()),
            ..TransactionLine::default()
        });
    }
    let vat_total: Decimal = lines
        .iter()
        .filter(|l| l.line_type == "vat")
        .map(signed)
        .sum();
    for line in lines.iter_mut().filter(|l| l.line_type == "total") {
        line.vat_value = Some(vat_total.abs());
    }
    for (i, line) in lines.iter_mut().enumerate() {
        line.id = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    lines
}

fn balance_error(ctx: &Ctx<'_>, diff: Decimal) -> String {
    let x = money(diff.abs());
    let (nl, en) = if diff > Decimal::ZERO {
        ("credit", "credit")
    } else {
        ("debet", "debit")
    };
    ctx.msg(
        format!(
            "De boeking is niet in balans. Er ontbreekt {x} {nl}.//De boeking balanceert niet in de basisvaluta. Er ontbreekt {x} {nl}.//De boeking balanceert niet in de rapportagevaluta. Er ontbreekt {x} {nl}."
        ),
        format!(
            "The booking is not balanced. There is no {x} {en}.//The booking is not balanced in the base currency. There is no {x} {en}.//The booking is not balanced in the reporting currency. There is no {x} {en}."
        ),
    )
}

fn write_one(ctx: &mut Ctx<'_>, mut el: Element) -> Element {
    if el.name != "transaction" {
        let m = ctx.msg(
            format!("Het element '{}' wordt niet ondersteund.", el.name),
            format!("The element '{}' is not supported.", el.name),
        );
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    if el.attr("action") == Some("delete") {
        return delete(ctx, el);
    }
    let mut errors: Vec<Located> = Vec::new();
    let destiny = el.attr("destiny").unwrap_or("temporary").to_string();
    if destiny != "temporary" && destiny != "final" {
        errors.push((
            vec![],
            ctx.msg(
                "Incorrecte XML - de bestemming is ongeldig.",
                "Incorrect XML - the destiny is invalid.",
            ),
        ));
    }
    let header = el.child("header").cloned().unwrap_or_default();
    let office_code = match ctx.office_code(header.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            errors.push((vec![Step::child("header"), Step::child("office")], m));
            annotate(&mut el, &errors);
            return el;
        }
    };
    let Some(office) = ctx.st.offices.get(&office_code) else {
        return el;
    };
    let code = header.child_text("code").unwrap_or_default();
    let Some(kind) = office.day_books.get(&code).map(|b| b.kind.clone()) else {
        errors.push((
            vec![Step::child("header"), Step::child("code")],
            ctx.msg(
                format!("Dagboek {code} bestaat niet."),
                format!("Transaction type {code} does not exist."),
            ),
        ));
        annotate(&mut el, &errors);
        return el;
    };
    let date = header.child_value("date").and_then(|d| parse_date(&d));
    if date.is_none() {
        errors.push((
            vec![Step::child("header"), Step::child("date")],
            ctx.msg("Ongeldige datum.", "Invalid date."),
        ));
    }
    let period = match header.child_value("period") {
        Some(p) => match normalise_period(&p) {
            Some(p) => Some(p),
            None => {
                errors.push((
                    vec![Step::child("header"), Step::child("period")],
                    ctx.msg("Ongeldige periode.", "Invalid period."),
                ));
                None
            }
        },
        None => date.map(period_of),
    };
    let due_date = match header.child_value("duedate") {
        Some(d) => match parse_date(&d) {
            Some(d) => Some(d),
            None => {
                errors.push((
                    vec![Step::child("header"), Step::child("duedate")],
                    ctx.msg("De vervaldatum is ongeldig.", "The due date is invalid."),
                ));
                None
            }
        },
        None => None,
    };
    let number = header.child_value("number");
    if let Some(n) = &number {
        match office.txs.get(&(code.clone(), n.clone())) {
            None => errors.push((
                vec![Step::child("header"), Step::child("number")],
                ctx.msg(
                    format!("Boeking {code} {n} bestaat niet."),
                    format!("Transaction {code} {n} does not exist."),
                ),
            )),
            Some(stored) if stored.tx.status == "final" => errors.push((
                vec![],
                ctx.msg(
                    "De boeking is definitief en kan niet meer worden gewijzigd.",
                    "The transaction is final and can no longer be changed.",
                ),
            )),
            Some(_) => {}
        }
    }
    let parsed = parse_lines(ctx, office, &kind, &el);
    errors.extend(parsed.errors);
    if !errors.is_empty() {
        annotate(&mut el, &errors);
        return el;
    }
    let lines = with_vat_lines(office, parsed.lines);
    let diff: Decimal = lines.iter().map(signed).sum();
    if !diff.is_zero() {
        let m = balance_error(ctx, diff);
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    let (Some(date), Some(period)) = (date, period) else {
        return el;
    };
    let relation_due_days = lines
        .iter()
        .find(|l| l.line_type == "total")
        .and_then(|l| office.dim_any(&["DEB", "CRD"], &l.dim2))
        .and_then(|d| d.due_days)
        .unwrap_or(30);
    let currency = header
        .child_value("currency")
        .unwrap_or_else(|| office.currency.clone());
    let invoice_number = header.child_text("invoicenumber").unwrap_or_default();
    let payment_reference = header.child_text("paymentreference").unwrap_or_default();
    let due_date = if kind == "journal" {
        due_date
    } else {
        due_date.or_else(|| date.checked_add_days(chrono::Days::new(u64::from(relation_due_days))))
    };
    let now = ctx.now;
    let user = ctx.user.clone();
    let q06 = ctx.core.quirk("Q06");
    let Some(office) = ctx.st.offices.get_mut(&office_code) else {
        return el;
    };
    let number = number.unwrap_or_else(|| office.next_number(&code, date.year()));
    let mut tx = Transaction {
        office: office_code.clone(),
        code: code.clone(),
        number: number.clone(),
        status: destiny,
        date: Some(date),
        period,
        currency,
        invoice_number,
        payment_reference,
        due_date,
        lines,
        modified: stamp(now),
    };
    for line in tx.lines.iter_mut() {
        fill_line_defaults(office, line);
    }
    store_tx(office, tx, now);
    let mut out = match office.txs.get(&(code, number)) {
        Some(stored) => render_transaction(office, &stored.tx, &user, q06),
        None => return el,
    };
    if let Some(rw) = el.attr("raisewarning") {
        out.attrs.insert(0, ("raisewarning".into(), rw.to_string()));
    }
    out
}

/// `<transaction action="delete" reason="…"><office/><code/><number/></transaction>`: only
/// provisional (temporary) transactions can be deleted; a reason is mandatory.
fn delete(ctx: &mut Ctx<'_>, mut el: Element) -> Element {
    let office_code = match ctx.office_code(
        el.child_value("office")
            .or_else(|| el.path(&["header", "office"]).map(Element::text)),
    ) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut el, &[(vec![], m)]);
            return el;
        }
    };
    if el.attr("reason").is_none_or(|r| r.trim().is_empty()) {
        let m = ctx.msg("Een reden is verplicht.", "A reason is mandatory.");
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    let code = el.child_text("code").unwrap_or_default();
    let number = el.child_text("number").unwrap_or_default();
    let key = (code.clone(), number.clone());
    let status = ctx
        .st
        .offices
        .get(&office_code)
        .and_then(|o| o.txs.get(&key))
        .map(|t| t.tx.status.clone());
    let m = match status.as_deref() {
        None => Some(ctx.msg(
            format!("Boeking {code} {number} bestaat niet."),
            format!("Transaction {code} {number} does not exist."),
        )),
        Some("temporary") => None,
        Some(_) => Some(ctx.msg(
            "De status van de boeking moet Concept zijn.",
            "The status of the transaction must be Provisional.",
        )),
    };
    if let Some(m) = m {
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    if let Some(o) = ctx.st.offices.get_mut(&office_code) {
        o.txs.remove(&key);
    }
    el.set_attr("result", "1");
    el
}

/// `<read><type>transaction</type><office/><code/><number/></read>`.
pub(super) fn read(ctx: &Ctx<'_>, mut doc: Element) -> Element {
    let office_code = match ctx.office_code(doc.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("office")], m)]);
            return doc;
        }
    };
    let code = doc.child_text("code").unwrap_or_default();
    let number = doc.child_text("number").unwrap_or_default();
    let found = ctx
        .office(&office_code)
        .and_then(|o| o.txs.get(&(code.clone(), number.clone())).map(|t| (o, t)));
    match found {
        Some((o, t)) => render_transaction(o, &t.tx, &ctx.user, ctx.core.quirk("Q06")),
        None => {
            let mut out = Element::new("transaction");
            let m = ctx.msg(
                format!("Boeking {code} {number} bestaat niet."),
                format!("Transaction {code} {number} does not exist."),
            );
            annotate(&mut out, &[(vec![], m)]);
            out
        }
    }
}
