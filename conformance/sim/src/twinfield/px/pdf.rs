//! `<read><type>invoicepdf</type><office>…</office><code>VRK</code><number>…</number></read>`:
//! a tokenised download URL of a sales invoice's PDF (Q11: it expires after 60 minutes).
//!
//! Twinfield's own source of these URLs is not publicly documented; this document is the
//! simulator's stand-in. The URL is `{cluster}/sim/invoicepdf/{token}` and needs no token.

use super::super::state::{new_token, stamp, PdfLink};
use super::super::xml::Element;
use super::{annotate, Ctx, Step};

/// How long a PDF URL lives while Q11 is on.
pub(crate) const PDF_URL_MINUTES: i64 = 60;

pub(super) fn read(ctx: &mut Ctx<'_>, mut doc: Element) -> Element {
    let office = match ctx.office_code(doc.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("office")], m)]);
            return doc;
        }
    };
    let code = doc.child_text("code").unwrap_or_default();
    let number = doc.child_text("number").unwrap_or_default();
    let is_sales = ctx
        .office(&office)
        .and_then(|o| o.day_books.get(&code))
        .is_some_and(|b| b.kind == "sales");
    let exists = ctx
        .office(&office)
        .is_some_and(|o| o.txs.contains_key(&(code.clone(), number.clone())));
    if !is_sales || !exists {
        let m = ctx.msg(
            format!("Factuur {number} van type {code} bestaat niet."),
            format!("Invoice {number} of type {code} does not exist."),
        );
        annotate(&mut doc, &[(vec![], m)]);
        return doc;
    }
    let token = new_token();
    ctx.st.pdfs.insert(
        token.clone(),
        PdfLink {
            office: office.clone(),
            code: code.clone(),
            number: number.clone(),
            issued: ctx.now,
        },
    );
    let expires = if ctx.core.quirk("Q11") {
        stamp(ctx.now + chrono::Duration::minutes(PDF_URL_MINUTES))
    } else {
        String::new()
    };
    Element::new("invoicepdf")
        .with_attr("result", "1")
        .with_child(Element::text_el("office", &office))
        .with_child(Element::text_el("code", &code))
        .with_child(Element::text_el("number", &number))
        .with_child(Element::text_el(
            "url",
            &format!("{}/sim/invoicepdf/{token}", ctx.cluster_url),
        ))
        .with_child(Element::text_el("expires", &expires))
}
