//! ProcessXml documents: dispatch on the request's root element, the per-request context, and
//! the error annotation every document shares (`result="0"` on the failing element and each
//! ancestor, `msgtype="error"` + `msg` on the failing element, several messages joined by `//`).

mod browse;
mod dimensions;
mod matching;
mod offices;
mod pdf;
mod render;
mod transactions;
mod vat;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::soap::Fault;
use super::state::{Lang, Office, State};
use super::xml::{Element, Node};
use crate::common::SimCore;

pub(crate) use pdf::PDF_URL_MINUTES;
pub(crate) use render::shown_match_status as shown_status;

/// Most children a batch parent may hold (T06).
pub(crate) const MAX_CHILDREN: usize = 25;
/// Most lines a transaction may hold (T06).
pub(crate) const MAX_LINES: usize = 1000;

/// Everything a document handler needs for one request.
pub(crate) struct Ctx<'a> {
    pub st: &'a mut State,
    pub core: &'a SimCore,
    /// The token's organisation.
    pub org: String,
    /// The organisation user's code.
    pub user: String,
    pub lang: Lang,
    /// The office named by the SOAP header, already checked to belong to `org`.
    pub company: Option<String>,
    pub now: DateTime<Utc>,
    /// This cluster's base URL.
    pub cluster_url: String,
}

impl Ctx<'_> {
    /// A message in the user's language.
    pub(crate) fn msg(&self, nl: impl Into<String>, en: impl Into<String>) -> String {
        self.lang.pick(nl.into(), en.into())
    }

    /// The office a document addresses: its own `<office>` or the header's company; it must be
    /// an office of the token's organisation.
    pub(crate) fn office_code(&self, explicit: Option<String>) -> Result<String, String> {
        let code = explicit.or_else(|| self.company.clone());
        match code {
            Some(c) if self.st.offices.get(&c).is_some_and(|o| o.org == self.org) => Ok(c),
            _ => Err(self.msg(
                "De administratie bestaat niet.",
                "The administration does not exist.",
            )),
        }
    }

    pub(crate) fn office(&self, code: &str) -> Option<&Office> {
        self.st.offices.get(code)
    }
}

/// Whether a document can be sent without `CompanyCode` / `CompanyId` (only the office list).
pub(crate) fn needs_company(doc: &Element) -> bool {
    !(doc.name == "list" && doc.child_text("type").as_deref() == Some("offices"))
}

/// Handle one ProcessXml document. A fault is returned for what Twinfield answers with a SOAP
/// fault (oversize batches); business errors are in the returned document.
pub(crate) fn dispatch(ctx: &mut Ctx<'_>, mut doc: Element) -> Result<Element, Fault> {
    doc.strip_whitespace();
    match doc.name.as_str() {
        "list" => Ok(list(ctx, doc)),
        "read" => Ok(read(ctx, doc)),
        "dimensions" | "dimension" => dimensions::write(ctx, doc),
        "transactions" | "transaction" => transactions::write(ctx, doc),
        "columns" => browse::browse(ctx, doc),
        "match" => matching::match_sets(ctx, doc),
        _ => {
            let m = ctx.msg(
                format!("Het bericht '{}' wordt niet ondersteund.", doc.name),
                format!("The message '{}' is not supported.", doc.name),
            );
            Ok(error_on_root(doc, &m))
        }
    }
}

fn list(ctx: &mut Ctx<'_>, doc: Element) -> Element {
    match doc.child_text("type").as_deref() {
        Some("offices") => offices::list(ctx),
        Some("dimensions") => dimensions::list(ctx, doc),
        other => {
            let t = other.unwrap_or_default().to_string();
            unknown_type(ctx, doc, &t)
        }
    }
}

fn read(ctx: &mut Ctx<'_>, doc: Element) -> Element {
    match doc.child_text("type").as_deref() {
        Some("dimensions") => dimensions::read(ctx, doc),
        Some("vat") => vat::read(ctx, doc),
        Some("transaction") => transactions::read(ctx, doc),
        Some("office") => offices::read(ctx, doc),
        Some("invoicepdf") => pdf::read(ctx, doc),
        other => {
            let t = other.unwrap_or_default().to_string();
            unknown_type(ctx, doc, &t)
        }
    }
}

fn unknown_type(ctx: &Ctx<'_>, mut doc: Element, t: &str) -> Element {
    let m = ctx.msg(
        format!("Het type '{t}' wordt niet ondersteund."),
        format!("The type '{t}' is not supported."),
    );
    annotate(&mut doc, &[(vec![Step::child("type")], m)]);
    doc
}

/// The request echoed with an error on its root.
pub(crate) fn error_on_root(mut doc: Element, msg: &str) -> Element {
    annotate(&mut doc, &[(vec![], msg.to_string())]);
    doc
}

/// One step of a path from a document element to the element an error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// The first child with this name (created, empty, when absent).
    Child(String),
    /// The n-th child element (0-based).
    Nth(usize),
}

impl Step {
    pub(crate) fn child(name: &str) -> Self {
        Step::Child(name.to_string())
    }
}

/// An error: where, and the message.
pub(crate) type Located = (Vec<Step>, String);

fn mark(el: &mut Element, msg: &str) {
    el.set_attr("result", "0");
    let joined = match el.attr("msg") {
        Some(prev) if !prev.is_empty() => format!("{prev}//{msg}"),
        _ => msg.to_string(),
    };
    // Twinfield writes msgtype, msg, result in that order.
    el.remove_attr("msgtype");
    el.remove_attr("msg");
    el.remove_attr("result");
    el.attrs.push(("msgtype".into(), "error".into()));
    el.attrs.push(("msg".into(), joined));
    el.attrs.push(("result".into(), "0".into()));
}

/// Put each error on its element, with `result="0"` on every ancestor.
pub(crate) fn annotate(root: &mut Element, errors: &[Located]) {
    for (path, msg) in errors {
        annotate_one(root, path, msg);
    }
}

fn annotate_one(el: &mut Element, path: &[Step], msg: &str) {
    let Some((step, rest)) = path.split_first() else {
        mark(el, msg);
        return;
    };
    el.set_attr("result", "0");
    let idx = match step {
        Step::Child(name) => {
            let found = el
                .children
                .iter()
                .position(|n| matches!(n, Node::Element(e) if &e.name == name));
            Some(found.unwrap_or_else(|| {
                el.push(Element::new(name));
                el.children.len() - 1
            }))
        }
        Step::Nth(n) => el
            .children
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Node::Element(_)))
            .nth(*n)
            .map(|(i, _)| i),
    };
    match idx.and_then(|i| el.children.get_mut(i)) {
        Some(Node::Element(child)) => annotate_one(child, rest, msg),
        _ => mark(el, msg),
    }
}

/// `YYYYMMDD`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y%m%d").ok()
}

/// `YYYYMMDD` of a date.
pub(crate) fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Largest absolute amount accepted (keeps every sum far from `Decimal` overflow).
pub(crate) const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// A decimal amount as Twinfield writes it in requests (`121.00`, `-5`); `None` when it is
/// not a plain decimal or larger than [`MAX_AMOUNT`].
pub(crate) fn parse_amount(s: &str) -> Option<Decimal> {
    let t = s.trim();
    if t.is_empty() || t.contains(['e', 'E']) {
        return None;
    }
    t.parse::<Decimal>()
        .ok()
        .filter(|d| d.abs() <= Decimal::from(MAX_AMOUNT))
}

/// Wildcard match without recursion: `many` characters match any run, `one` any single
/// character; letters compare case-insensitively.
pub(crate) fn glob(pattern: &str, value: &str, many: &[char], one: &[char]) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(c) if many.contains(c) => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(c) if one.contains(c) || v.get(vi).is_some_and(|d| c.eq_ignore_ascii_case(d)) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| many.contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_without_recursion() {
        let g = |p: &str, v: &str| glob(p, v, &['*', '%'], &['?', '_']);
        assert!(g("*", ""));
        assert!(g("VH*", "vhx"));
        assert!(g("%00_", "1000"));
        assert!(!g("1?", "100"));
        assert!(g("*a*b*", "xxaYYbzz"));
        assert!(!g("*a*b", "ab c"));
        let long = "*".repeat(200_000);
        assert!(g(&long, "abc"));
    }

    #[test]
    fn amounts_are_bounded() {
        assert_eq!(parse_amount(" 121.00 "), Some(Decimal::new(12100, 2)));
        assert_eq!(parse_amount("1e5"), None);
        assert_eq!(parse_amount("99999999999999999999"), None);
        assert_eq!(parse_amount(""), None);
    }
}
