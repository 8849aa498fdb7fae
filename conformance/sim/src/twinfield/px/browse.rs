//! Browse data: `<columns code="…">` with `<column>` filters, answered as
//! `<browse result="1" first=… last=… total=…><th>…</th><tr>…<key>…</key></tr></browse>`.
//!
//! Codes: `000`, `010`, `020`, `030_1..3`, `040_1` (all transaction lines), `100` (customer
//! lines), `200` (supplier lines), `130_1..3` / `230_1..2` (customer / supplier open items:
//! lines whose match status reads `available` or `proposed`). An unknown field is answered with
//! Twinfield's generic server fault, as Twinfield does for unsupported field combinations.

use rust_decimal::Decimal;

use super::super::model::{Transaction, TransactionLine};
use super::super::soap::Fault;
use super::super::state::StoredTx;
use super::super::state::{relation_type, Lang, Office};
use super::super::xml::{escape, escape_text, Element, Node};
use super::render::{money, shown_match_status};
use super::{annotate, fmt_date, Ctx, Step};

struct Column {
    field: String,
    label: String,
    visible: bool,
    operator: String,
    from: String,
    to: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Relation(&'static str),
    Open(&'static str),
}

fn scope_of(code: &str) -> Option<Scope> {
    match code {
        "000" | "010" | "020" | "030_1" | "030_2" | "030_3" | "040_1" => Some(Scope::All),
        "100" => Some(Scope::Relation("DEB")),
        "200" => Some(Scope::Relation("CRD")),
        "130_1" | "130_2" | "130_3" => Some(Scope::Open("DEB")),
        "230_1" | "230_2" => Some(Scope::Open("CRD")),
        _ => None,
    }
}

const FIELDS: &[&str] = &[
    "fin.trs.head.office",
    "fin.trs.head.officename",
    "fin.trs.head.year",
    "fin.trs.head.period",
    "fin.trs.head.yearperiod",
    "fin.trs.head.code",
    "fin.trs.head.shortname",
    "fin.trs.head.number",
    "fin.trs.head.status",
    "fin.trs.head.date",
    "fin.trs.head.curcode",
    "fin.trs.head.relation",
    "fin.trs.head.relationname",
    "fin.trs.head.inpdate",
    "fin.trs.head.modified",
    "fin.trs.head.origin",
    "fin.trs.line.dim1",
    "fin.trs.line.dim1name",
    "fin.trs.line.dim1type",
    "fin.trs.line.dim2",
    "fin.trs.line.dim2name",
    "fin.trs.line.dim2type",
    "fin.trs.line.dim3",
    "fin.trs.line.dim3name",
    "fin.trs.line.valuesigned",
    "fin.trs.line.basevaluesigned",
    "fin.trs.line.repvaluesigned",
    "fin.trs.line.openvaluesigned",
    "fin.trs.line.openbasevaluesigned",
    "fin.trs.line.openrepvaluesigned",
    "fin.trs.line.debitcredit",
    "fin.trs.line.vatcode",
    "fin.trs.line.vatbasevaluesigned",
    "fin.trs.line.description",
    "fin.trs.line.invnumber",
    "fin.trs.line.datedue",
    "fin.trs.line.matchstatus",
    "fin.trs.line.matchnumber",
    "fin.trs.line.matchdate",
    "fin.trs.line.modified",
];

fn cell_type(field: &str) -> &'static str {
    if field.ends_with("valuesigned") {
        "Value"
    } else if matches!(
        field,
        "fin.trs.head.date" | "fin.trs.line.datedue" | "fin.trs.line.matchdate"
    ) {
        "Date"
    } else {
        "String"
    }
}

fn status_name(lang: Lang, status: &str) -> &'static str {
    match (lang, status) {
        (Lang::Nl, "available") => "Beschikbaar",
        (Lang::Nl, "matched") => "Afgeletterd",
        (Lang::Nl, "proposed") => "Voorstel",
        (Lang::Nl, _) => "Niet afletterbaar",
        (Lang::En, "available") => "Available",
        (Lang::En, "matched") => "Matched",
        (Lang::En, "proposed") => "Proposed",
        (Lang::En, _) => "Not matchable",
    }
}

struct RowCtx<'a> {
    office: &'a Office,
    tx: &'a Transaction,
    line: &'a TransactionLine,
    q06: bool,
    q25: bool,
}

/// Q25: the browse reads an all-digit ledger account code as a number, so a code stored as
/// `0110` is shown as `110`; ProcessXml reads and writes keep the stored `0110`.
fn read_form(q25: bool, code: &str) -> String {
    if q25 && code.len() > 1 && code.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = code.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        }
    } else {
        code.into()
    }
}

fn dim_name(office: &Office, code: &str) -> (String, String) {
    for t in ["BAS", "PNL", "DEB", "CRD", "KPL", "PRJ"] {
        if let Some(d) = office.dim(t, code) {
            return (d.name.clone(), t.to_string());
        }
    }
    (String::new(), String::new())
}

fn relation_of(r: &RowCtx<'_>) -> String {
    r.tx.lines
        .iter()
        .find(|l| l.line_type == "total")
        .map(|l| l.dim2.clone())
        .unwrap_or_else(|| r.line.dim2.clone())
}

fn value_of(r: &RowCtx<'_>, field: &str) -> String {
    let sign = |l: &TransactionLine, v: Decimal| if l.debit_credit == "credit" { -v } else { v };
    let date = r.tx.date.map(fmt_date).unwrap_or_default();
    match field {
        "fin.trs.head.office" => r.office.code.clone(),
        "fin.trs.head.officename" => r.office.name.clone(),
        "fin.trs.head.year" => {
            r.tx.period
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string()
        }
        "fin.trs.head.period" => {
            r.tx.period
                .split('/')
                .nth(1)
                .unwrap_or_default()
                .to_string()
        }
        "fin.trs.head.yearperiod" => r.tx.period.clone(),
        "fin.trs.head.code" => r.tx.code.clone(),
        "fin.trs.head.shortname" => r
            .office
            .day_books
            .get(&r.tx.code)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        "fin.trs.head.number" => r.tx.number.clone(),
        "fin.trs.head.status" => r.tx.status.clone(),
        "fin.trs.head.date" => date,
        "fin.trs.head.curcode" => r.tx.currency.clone(),
        "fin.trs.head.relation" => relation_of(r),
        "fin.trs.head.relationname" => dim_name(r.office, &relation_of(r)).0,
        "fin.trs.head.inpdate" | "fin.trs.head.modified" | "fin.trs.line.modified" => {
            r.tx.modified.clone()
        }
        "fin.trs.head.origin" => "import".into(),
        "fin.trs.line.dim1" => read_form(r.q25, &r.line.dim1),
        "fin.trs.line.dim1name" => dim_name(r.office, &r.line.dim1).0,
        "fin.trs.line.dim1type" => dim_name(r.office, &r.line.dim1).1,
        "fin.trs.line.dim2" => r.line.dim2.clone(),
        "fin.trs.line.dim2name" => dim_name(r.office, &r.line.dim2).0,
        "fin.trs.line.dim2type" => dim_name(r.office, &r.line.dim2).1,
        "fin.trs.line.dim3" => r.line.dim3.clone(),
        "fin.trs.line.dim3name" => dim_name(r.office, &r.line.dim3).0,
        "fin.trs.line.valuesigned"
        | "fin.trs.line.basevaluesigned"
        | "fin.trs.line.repvaluesigned" => money(sign(r.line, r.line.value)),
        "fin.trs.line.openvaluesigned"
        | "fin.trs.line.openbasevaluesigned"
        | "fin.trs.line.openrepvaluesigned" => r.line.open_value.map(money).unwrap_or_default(),
        "fin.trs.line.vatbasevaluesigned" => r
            .line
            .vat_value
            .map(|v| money(sign(r.line, v)))
            .unwrap_or_default(),
        "fin.trs.line.debitcredit" => r.line.debit_credit.clone(),
        "fin.trs.line.vatcode" => r.line.vat_code.clone(),
        "fin.trs.line.description" => r.line.description.clone(),
        "fin.trs.line.invnumber" => {
            if r.line.invoice_number.is_empty() {
                r.tx.invoice_number.clone()
            } else {
                r.line.invoice_number.clone()
            }
        }
        "fin.trs.line.datedue" => r.tx.due_date.map(fmt_date).unwrap_or_default(),
        "fin.trs.line.matchstatus" => shown_match_status(r.line, r.q06),
        "fin.trs.line.matchnumber" => r
            .line
            .match_number
            .map(|n| n.to_string())
            .unwrap_or_default(),
        "fin.trs.line.matchdate" => r.line.match_date.map(fmt_date).unwrap_or_default(),
        _ => String::new(),
    }
}

fn compare(field: &str, a: &str, b: &str) -> std::cmp::Ordering {
    if cell_type(field) == "Value" {
        let x = a.parse::<Decimal>().unwrap_or_default();
        let y = b.parse::<Decimal>().unwrap_or_default();
        return x.cmp(&y);
    }
    a.cmp(b)
}

fn like(pattern: &str, value: &str) -> bool {
    super::glob(pattern, value, &['*', '%'], &['?', '_'])
}

fn matches_filter(col: &Column, value: &str) -> bool {
    use std::cmp::Ordering::*;
    let f = col.field.as_str();
    if f == "fin.trs.head.status" && (col.from == "normal" || col.from.is_empty()) {
        return true;
    }
    match col.operator.as_str() {
        "" | "none" => true,
        "equal" => col.from.is_empty() || compare(f, value, &col.from) == Equal,
        "notequal" => col.from.is_empty() || compare(f, value, &col.from) != Equal,
        "between" => {
            (col.from.is_empty() || compare(f, value, &col.from) != Less)
                && (col.to.is_empty() || compare(f, value, &col.to) != Greater)
        }
        "greaterequal" => col.from.is_empty() || compare(f, value, &col.from) != Less,
        "lessequal" => col.from.is_empty() || compare(f, value, &col.from) != Greater,
        "like" => col.from.is_empty() || like(&col.from, value),
        "in" => col.from.is_empty() || col.from.split(',').any(|x| x.trim() == value),
        _ => true,
    }
}

/// Answer a `<columns>` browse request.
pub(super) fn browse(ctx: &Ctx<'_>, mut doc: Element) -> Result<Element, Fault> {
    let code = doc.attr("code").unwrap_or_default().to_string();
    let Some(scope) = scope_of(&code) else {
        let m = ctx.msg(
            format!("Browse-code {code} bestaat niet."),
            format!("Browse code {code} does not exist."),
        );
        annotate(&mut doc, &[(vec![], m)]);
        return Ok(doc);
    };
    let mut cols = Vec::new();
    for c in doc.children_named("column") {
        let field = c.child_text("field").unwrap_or_default();
        if !FIELDS.contains(&field.as_str()) {
            return Err(Fault::generic(ctx.now));
        }
        cols.push(Column {
            label: c.child_value("label").unwrap_or_else(|| field.clone()),
            visible: c.child_text("visible").is_none_or(|v| v != "false"),
            operator: c.child_text("operator").unwrap_or_default(),
            from: c.child_text("from").unwrap_or_default(),
            to: c.child_text("to").unwrap_or_default(),
            field,
        });
    }
    let office_filter = cols
        .iter()
        .find(|c| c.field == "fin.trs.head.office" && c.operator == "equal" && !c.from.is_empty())
        .map(|c| c.from.clone());
    let office_code = match ctx.office_code(office_filter) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("column")], m)]);
            return Ok(doc);
        }
    };
    let Some(office) = ctx.office(&office_code) else {
        return Ok(doc);
    };
    let q06 = ctx.core.quirk("Q06");
    let q25 = ctx.core.quirk("Q25");
    let visible: Vec<&Column> = cols.iter().filter(|c| c.visible).collect();
    let mut th = Element::new("th");
    for c in &visible {
        th.push(
            Element::text_el("td", &c.field)
                .with_attr("label", &c.label)
                .with_attr("hideforuser", "false")
                .with_attr("type", cell_type(&c.field)),
        );
    }
    let mut rows = Vec::new();
    for stored in office.txs.values() {
        for line in &stored.tx.lines {
            let r = RowCtx {
                office,
                tx: &stored.tx,
                line,
                q06,
                q25,
            };
            let rel = relation_type(office, line);
            let in_scope = match scope {
                Scope::All => true,
                Scope::Relation(t) => rel == Some(t),
                Scope::Open(t) => {
                    rel == Some(t)
                        && matches!(
                            shown_match_status(line, q06).as_str(),
                            "available" | "proposed"
                        )
                }
            };
            if !in_scope
                || !cols
                    .iter()
                    .all(|c| matches_filter(c, &value_of(&r, &c.field)))
            {
                continue;
            }
            rows.push(render_row(ctx.lang, &visible, &r, office, stored, line));
        }
    }
    let total = rows.len().to_string();
    let mut out = Element::new("browse")
        .with_attr("result", "1")
        .with_attr("first", if rows.is_empty() { "0" } else { "1" })
        .with_attr("last", &total)
        .with_attr("total", &total)
        .with_child(th);
    for r in rows {
        out.children.push(Node::Markup(r));
    }
    Ok(out)
}

/// One `<tr>` as text: a `<td>` per visible column (enum and date cells with their display
/// `name`), then the `<key>`. Rendered directly rather than as elements, so that a browse of a
/// million lines stays within memory.
fn render_row(
    lang: Lang,
    visible: &[&Column],
    r: &RowCtx<'_>,
    office: &Office,
    stored: &StoredTx,
    line: &TransactionLine,
) -> String {
    use std::fmt::Write as _;
    let mut tr = String::with_capacity(96 * (visible.len() + 2));
    tr.push_str("<tr>");
    for c in visible {
        let v = value_of(r, &c.field);
        let _ = write!(
            tr,
            r#"<td field="{}" hideforuser="false" type="{}""#,
            escape(&c.field),
            cell_type(&c.field)
        );
        if c.field == "fin.trs.line.matchstatus" {
            let _ = write!(tr, r#" name="{}""#, escape(status_name(lang, &v)));
        } else if cell_type(&c.field) == "Date" && v.len() == 8 {
            let _ = write!(
                tr,
                r#" name="{}/{}/{}""#,
                v.get(6..8).unwrap_or(""),
                v.get(4..6).unwrap_or(""),
                v.get(0..4).unwrap_or("")
            );
        }
        if v.is_empty() {
            tr.push_str(" />");
        } else {
            let _ = write!(tr, ">{}</td>", escape_text(&v));
        }
    }
    let _ = write!(
        tr,
        "<key><office>{}</office><code>{}</code><number>{}</number><line>{}</line></key></tr>",
        escape_text(&office.code),
        escape_text(&stored.tx.code),
        escape_text(&stored.tx.number),
        line.id
    );
    tr
}
