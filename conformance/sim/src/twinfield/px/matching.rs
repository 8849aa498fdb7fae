//! Matching: `<match><set>…</set></match>` (several sets answer as `<sets>`).
//!
//! Each line's `matchvalue` (signed, debit positive) defaults to its open amount; the match
//! values of a set must add up to zero. A line is `matched` once its open amount reaches zero,
//! `available` while something stays open. A line matched with a match value of 0.00 (a
//! proposal confirmed and then reversed in the same session) is the Q06 case: with Q06 on it
//! reads `matched` while its whole amount is still open; with Q06 off it stays `available`.

use rust_decimal::Decimal;

use super::super::soap::Fault;
use super::super::state::{civil_date, stamp, store_tx};
use super::super::xml::Element;
use super::render::{money, office_el, open_on_side, shown_match_status};
use super::{annotate, fmt_date, parse_amount, parse_date, Ctx, Located, Step, MAX_CHILDREN};

fn matchcode_name(code: &str) -> Option<&'static str> {
    match code {
        "070" => Some("Tussenrekening afletteren"),
        "170" => Some("Debiteuren afletteren"),
        "270" => Some("Crediteuren afletteren"),
        "370" => Some("Projecten afletteren"),
        _ => None,
    }
}

/// Match every set of the request.
pub(super) fn match_sets(ctx: &mut Ctx<'_>, doc: Element) -> Result<Element, Fault> {
    let sets: Vec<Element> = doc.children_named("set").cloned().collect();
    if sets.len() > MAX_CHILDREN {
        return Err(Fault::generic(ctx.now));
    }
    if sets.len() == 1 {
        if let Some(set) = sets.into_iter().next() {
            return Ok(one_set(ctx, set));
        }
        return Ok(doc);
    }
    let mut out = Element::new("sets");
    let mut all_ok = true;
    for set in sets {
        let r = one_set(ctx, set);
        all_ok &= r.attr("result") == Some("1");
        out.push(r);
    }
    out.set_attr("result", if all_ok { "1" } else { "0" });
    Ok(out)
}

struct Target {
    code: String,
    number: String,
    line: u32,
    value: Decimal,
}

fn one_set(ctx: &mut Ctx<'_>, mut set: Element) -> Element {
    let office_code = match ctx.office_code(set.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut set, &[(vec![Step::child("office")], m)]);
            return set;
        }
    };
    let mut errors: Vec<Located> = Vec::new();
    let matchcode = set.child_text("matchcode").unwrap_or_default();
    let Some(matchcode_label) = matchcode_name(&matchcode) else {
        let m = ctx.msg(
            format!("Afletter code {matchcode} bestaat niet."),
            format!("Matching code {matchcode} does not exist."),
        );
        annotate(&mut set, &[(vec![Step::child("matchcode")], m)]);
        return set;
    };
    let match_date = match set.child_value("matchdate") {
        Some(d) => match parse_date(&d) {
            Some(d) => d,
            None => {
                let m = ctx.msg("Ongeldige datum.", "Invalid date.");
                annotate(&mut set, &[(vec![Step::child("matchdate")], m)]);
                return set;
            }
        },
        None => civil_date(ctx.now),
    };
    let Some(office) = ctx.st.offices.get(&office_code) else {
        return set;
    };
    let line_els: Vec<Element> = set
        .child("lines")
        .map(|l| l.children_named("line").cloned().collect())
        .unwrap_or_default();
    if line_els.is_empty() {
        errors.push((
            vec![Step::child("lines")],
            ctx.msg(
                "Er zijn geen regels om af te letteren.",
                "There are no lines to match.",
            ),
        ));
    }
    let mut targets = Vec::new();
    for (i, le) in line_els.iter().enumerate() {
        let at = |f: Option<&str>| {
            let mut p = vec![Step::child("lines"), Step::Nth(i)];
            if let Some(f) = f {
                p.push(Step::child(f));
            }
            p
        };
        let code = le.child_text("transcode").unwrap_or_default();
        let number = le.child_text("transnumber").unwrap_or_default();
        let line_id = le
            .child_text("transline")
            .and_then(|l| l.parse::<u32>().ok());
        let line = line_id.and_then(|id| {
            office
                .txs
                .get(&(code.clone(), number.clone()))
                .and_then(|t| t.tx.lines.iter().find(|l| l.id == id))
        });
        let (Some(line), Some(line_id)) = (line, line_id) else {
            errors.push((
                at(None),
                ctx.msg("De regel bestaat niet.", "The line does not exist."),
            ));
            continue;
        };
        let Some(open) = line.open_value else {
            errors.push((
                at(None),
                ctx.msg(
                    "De regel is niet afletterbaar.",
                    "The line cannot be matched.",
                ),
            ));
            continue;
        };
        if open.is_zero() {
            errors.push((
                at(None),
                ctx.msg(
                    "De regel is al afgeletterd.",
                    "The line is already matched.",
                ),
            ));
            continue;
        }
        let value = match le.child_value("matchvalue") {
            Some(v) => match parse_amount(&v) {
                Some(v) => v,
                None => {
                    errors.push((
                        at(Some("matchvalue")),
                        ctx.msg("Waarde is ongeldig.", "Value is invalid."),
                    ));
                    continue;
                }
            },
            None => open,
        };
        let opposite = !value.is_zero() && value.is_sign_negative() != open.is_sign_negative();
        if value.abs() > open.abs() || opposite {
            errors.push((
                at(Some("matchvalue")),
                ctx.msg(
                    "Het afletterbedrag is groter dan het openstaande bedrag.",
                    "The match value exceeds the open amount.",
                ),
            ));
            continue;
        }
        targets.push(Target {
            code,
            number,
            line: line_id,
            value,
        });
    }
    if errors.is_empty() {
        let sum: Decimal = targets.iter().map(|t| t.value).sum();
        if !sum.is_zero() {
            errors.push((
                vec![],
                ctx.msg(
                    format!(
                        "De aflettering is niet in balans. Verschil: {}.",
                        money(sum)
                    ),
                    format!("The matching is not balanced. Difference: {}.", money(sum)),
                ),
            ));
        }
    }
    if !errors.is_empty() {
        annotate(&mut set, &errors);
        return set;
    }
    let q06 = ctx.core.quirk("Q06");
    let now = ctx.now;
    let Some(office) = ctx.st.offices.get_mut(&office_code) else {
        return set;
    };
    office.match_seq += 1;
    let match_number = office.match_seq;
    let mut out_lines = Element::new("lines");
    for t in &targets {
        let key = (t.code.clone(), t.number.clone());
        let Some(mut tx) = office.txs.get(&key).map(|s| s.tx.clone()) else {
            continue;
        };
        let mut rendered = None;
        if let Some(line) = tx.lines.iter_mut().find(|l| l.id == t.line) {
            let open = line.open_value.unwrap_or_default() - t.value;
            let open = if open.is_zero() { Decimal::ZERO } else { open };
            line.open_value = Some(open);
            line.match_status = if open.is_zero() || (t.value.is_zero() && q06) {
                "matched".into()
            } else {
                "available".into()
            };
            line.match_number = Some(match_number);
            line.match_date = Some(match_date);
            let open_side = money(open_on_side(line).unwrap_or_default());
            let book = office
                .day_books
                .get(&t.code)
                .map(|b| b.name.clone())
                .unwrap_or_default();
            rendered = Some(
                Element::new("line")
                    .with_attr("result", "1")
                    .with_child(
                        Element::text_el("transcode", &t.code)
                            .with_attr("name", &book)
                            .with_attr("shortname", &book),
                    )
                    .with_child(Element::text_el("transnumber", &t.number))
                    .with_child(Element::text_el("transline", &t.line.to_string()))
                    .with_child(Element::text_el("matchvalue", &money(t.value)))
                    .with_child(Element::text_el("origin", "import"))
                    .with_child(Element::text_el("status", &tx.status))
                    .with_child(Element::text_el("dim1", &line.dim1))
                    .with_child(Element::text_el("dim2", &line.dim2))
                    .with_child(Element::text_el("matchlevel", "2"))
                    .with_child(Element::text_el("basevalueopen", &open_side))
                    .with_child(Element::text_el("repvalueopen", &open_side))
                    .with_child(Element::text_el("valueopen", &open_side))
                    .with_child(Element::text_el("matchvaluerep", &money(t.value)))
                    .with_child(Element::text_el(
                        "matchstatus",
                        &shown_match_status(line, q06),
                    )),
            );
        }
        tx.modified = stamp(now);
        store_tx(office, tx, now);
        if let Some(r) = rendered {
            out_lines.push(r);
        }
    }
    let office_ref = &*office;
    Element::new("set")
        .with_attr("result", "1")
        .with_child(office_el(office_ref))
        .with_child(Element::text_el("matchcode", &matchcode).with_attr("name", matchcode_label))
        .with_child(Element::text_el("matchdate", &fmt_date(match_date)))
        .with_child(Element::text_el("matchnumber", &match_number.to_string()))
        .with_child(out_lines)
        .with_child(Element::text_el("value", "0.00"))
}
