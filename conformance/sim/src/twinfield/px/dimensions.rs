//! Dimensions: `<list><type>dimensions</type>…`, `<read><type>dimensions</type>…` and writes of
//! `<dimension>` / `<dimensions>` (upsert; Q15: an existing code is overwritten).

use super::super::model::{Bank, Dimension};
use super::super::soap::Fault;
use super::super::state::DIM_TYPES;
use super::super::xml::Element;
use super::render::{dimension as render_dimension, office_el, type_el};
use super::{annotate, Ctx, Located, Step, MAX_CHILDREN};

/// `<dimensions office=… type=… result="1"><dimension name=… shortname=…>code</dimension>…`.
/// Like Twinfield, the list ends with a pseudo-row carrying the type code itself.
pub(super) fn list(ctx: &Ctx<'_>, mut doc: Element) -> Element {
    let office = match ctx.office_code(doc.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("office")], m)]);
            return doc;
        }
    };
    let dim_type = doc.child_text("dimtype").unwrap_or_default();
    if !DIM_TYPES.contains(&dim_type.as_str()) {
        let m = bad_type_msg(ctx, &dim_type);
        annotate(&mut doc, &[(vec![Step::child("dimtype")], m)]);
        return doc;
    }
    let mut out = Element::new("dimensions")
        .with_attr("office", &office)
        .with_attr("type", &dim_type)
        .with_attr("result", "1");
    if let Some(o) = ctx.office(&office) {
        for d in o
            .dims
            .values()
            .filter(|d| d.dim_type == dim_type && d.status != "deleted")
        {
            out.push(
                Element::text_el("dimension", &d.code)
                    .with_attr("name", &d.name)
                    .with_attr("shortname", &d.shortname),
            );
        }
    }
    out.push(
        Element::text_el("dimension", &dim_type)
            .with_attr("name", "")
            .with_attr("shortname", ""),
    );
    out
}

fn bad_type_msg(ctx: &Ctx<'_>, t: &str) -> String {
    ctx.msg(
        format!("Dimensietype {t} bestaat niet."),
        format!("Dimension type {t} does not exist."),
    )
}

/// One dimension, or Twinfield's not-found shape with the error on `code`.
pub(super) fn read(ctx: &Ctx<'_>, mut doc: Element) -> Element {
    let office = match ctx.office_code(doc.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("office")], m)]);
            return doc;
        }
    };
    let Some(o) = ctx.office(&office) else {
        return doc;
    };
    let dim_type = doc.child_text("dimtype").unwrap_or_default();
    let code = doc.child_text("code").unwrap_or_default();
    if !DIM_TYPES.contains(&dim_type.as_str()) {
        let mut out = Element::new("dimension")
            .with_child(office_el(o))
            .with_child(Element::text_el("type", &dim_type))
            .with_child(Element::text_el("code", &code));
        annotate(
            &mut out,
            &[(vec![Step::child("type")], bad_type_msg(ctx, &dim_type))],
        );
        return out;
    }
    match o.dim(&dim_type, &code) {
        Some(d) => render_dimension(o, d),
        None => {
            let mut out = Element::new("dimension")
                .with_child(office_el(o))
                .with_child(type_el(&dim_type))
                .with_child(Element::text_el("code", &code));
            let m = ctx.msg(
                format!("Dimensie {code} bestaat niet."),
                format!("Dimension {code} does not exist."),
            );
            annotate(&mut out, &[(vec![Step::child("code")], m)]);
            out
        }
    }
}

/// Write one `<dimension>` or a `<dimensions>` batch (at most 25 children, else the generic
/// fault). Each child succeeds or fails on its own.
pub(super) fn write(ctx: &mut Ctx<'_>, doc: Element) -> Result<Element, Fault> {
    if doc.name == "dimension" {
        return Ok(write_one(ctx, doc));
    }
    let items: Vec<Element> = doc.elements().cloned().collect();
    if items.len() > MAX_CHILDREN {
        return Err(Fault::generic(ctx.now));
    }
    let mut out = Element::new("dimensions");
    let mut all_ok = true;
    for item in items {
        let r = write_one(ctx, item);
        all_ok &= r.attr("result") == Some("1");
        out.push(r);
    }
    out.set_attr("result", if all_ok { "1" } else { "0" });
    Ok(out)
}

fn next_code(ctx: &Ctx<'_>, office: &str, dim_type: &str) -> String {
    let base: u64 = match dim_type {
        "DEB" => 1000,
        "CRD" => 2000,
        "KPL" => 100,
        _ => 1,
    };
    let max = ctx
        .office(office)
        .map(|o| {
            o.dims
                .values()
                .filter(|d| d.dim_type == dim_type)
                .filter_map(|d| d.code.parse::<u64>().ok())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    max.saturating_add(1).max(base).to_string()
}

fn write_one(ctx: &mut Ctx<'_>, mut el: Element) -> Element {
    if el.name != "dimension" {
        let m = ctx.msg(
            format!("Het element '{}' wordt niet ondersteund.", el.name),
            format!("The element '{}' is not supported.", el.name),
        );
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    let office = match ctx.office_code(el.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut el, &[(vec![], m)]);
            return el;
        }
    };
    let mut errors: Vec<Located> = Vec::new();
    let dim_type = el.child_text("type").unwrap_or_default();
    let type_ok = DIM_TYPES.contains(&dim_type.as_str());
    if !type_ok {
        errors.push((vec![Step::child("type")], bad_type_msg(ctx, &dim_type)));
    }
    if el.child("inuse").is_some() {
        errors.push((
            vec![Step::child("inuse")],
            ctx.msg(
                "Het element 'inuse' mag niet worden aangeleverd.",
                "The element 'inuse' may not be supplied.",
            ),
        ));
    }
    let mut code = el.child_text("code").unwrap_or_default();
    if code.is_empty() && type_ok {
        if matches!(dim_type.as_str(), "BAS" | "PNL") {
            errors.push((
                vec![Step::child("code")],
                ctx.msg("Code mag niet leeg zijn.", "Code may not be empty."),
            ));
        } else {
            code = next_code(ctx, &office, &dim_type);
        }
    }
    let vat_code = el.path(&["financials", "vatcode"]).map(Element::text);
    if let Some(v) = vat_code.as_deref().filter(|v| !v.is_empty()) {
        let known = ctx.office(&office).is_some_and(|o| o.vat.contains_key(v));
        if !known {
            errors.push((
                vec![Step::child("financials"), Step::child("vatcode")],
                ctx.msg(
                    "Ongeldige btw-code.",
                    format!("VAT {v} does not exist or is not (yet) active."),
                ),
            ));
        }
    }
    let due_days = el.path(&["financials", "duedays"]).map(Element::text);
    let due_days = match due_days.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((
                    vec![Step::child("financials"), Step::child("duedays")],
                    ctx.msg(
                        "Waarde moet een geheel getal zijn.",
                        "Value must be an integer.",
                    ),
                ));
                None
            }
        },
        None => None,
    };
    let existing = ctx
        .office(&office)
        .and_then(|o| o.dim(&dim_type, &code))
        .cloned();
    if let Some(ex) = &existing {
        let uid_matches = el.child_value("uid").as_deref() == Some(ex.uid.as_str());
        if !ctx.core.quirk("Q15") && !uid_matches {
            errors.push((
                vec![Step::child("code")],
                ctx.msg(
                    format!("Dimensie {code} bestaat al."),
                    format!("Dimension {code} already exists."),
                ),
            ));
        }
    }
    if !errors.is_empty() {
        annotate(&mut el, &errors);
        return el;
    }
    let mut d = existing.unwrap_or_else(|| Dimension {
        office: office.clone(),
        dim_type: dim_type.clone(),
        code: code.clone(),
        ..Dimension::default()
    });
    if let Some(v) = el.child_text("name") {
        d.name = v;
    }
    if let Some(v) = el.child_text("shortname") {
        d.shortname = v;
    }
    if let Some(v) = el.child_text("website") {
        d.website = v;
    }
    if let Some(v) = vat_code {
        d.vat_code = v;
    }
    if due_days.is_some() {
        d.due_days = due_days;
    }
    if let Some(a) = el.child("addresses").and_then(|a| a.child("address")) {
        d.country = a.child_text("country").unwrap_or_default();
        d.city = a.child_text("city").unwrap_or_default();
        d.postcode = a.child_text("postcode").unwrap_or_default();
        d.email = a.child_text("email").unwrap_or_default();
        let mut fields: Vec<String> = (1..=6)
            .map(|i| a.child_text(&format!("field{i}")).unwrap_or_default())
            .collect();
        while fields.last().is_some_and(String::is_empty) {
            fields.pop();
        }
        d.address_lines = fields;
        for (tag, field) in [
            ("telephone", &mut d.telephone),
            ("telefax", &mut d.telefax),
            ("contact", &mut d.contact),
        ] {
            if let Some(v) = a.child_text(tag) {
                *field = v;
            }
        }
    }
    for (tag, field) in [
        ("cocnumber", &mut d.coc_number),
        ("vatnumber", &mut d.vat_number),
    ] {
        if let Some(v) = el.child_text(tag) {
            *field = v;
        }
    }
    if let Some(banks) = el.child("banks") {
        d.banks = banks.children_named("bank").map(bank_of).collect();
    }
    d.status = if el.attr("status") == Some("deleted") {
        "deleted".into()
    } else {
        "active".into()
    };
    if ctx.st.put_dimension(d).is_err() {
        let m = ctx.msg(
            "De administratie bestaat niet.",
            "The administration does not exist.",
        );
        annotate(&mut el, &[(vec![], m)]);
        return el;
    }
    match ctx
        .office(&office)
        .and_then(|o| o.dim(&dim_type, &code).map(|d| (o, d)))
    {
        Some((o, d)) => render_dimension(o, d),
        None => el,
    }
}

/// A `<bank>` of a dimension write: every element Twinfield keeps (absent ones empty).
fn bank_of(b: &Element) -> Bank {
    let text = |tag: &str| b.child_text(tag).unwrap_or_default();
    Bank {
        ascription: text("ascription"),
        account_number: text("accountnumber"),
        bank_name: text("bankname"),
        bic: text("biccode"),
        city: text("city"),
        country: text("country").to_ascii_uppercase(),
        iban: text("iban"),
        nat_bic: text("natbiccode"),
        postcode: text("postcode"),
        state: text("state"),
    }
}
