//! `<list><type>offices</type></list>` and `<read><type>office</type>…</read>`.

use super::super::xml::Element;
use super::{annotate, Ctx, Step};

/// The offices of the token's organisation:
/// `<offices result="1"><office name=… shortname=…>CODE</office>…</offices>`.
pub(super) fn list(ctx: &Ctx<'_>) -> Element {
    let mut out = Element::new("offices").with_attr("result", "1");
    for o in ctx.st.offices.values().filter(|o| o.org == ctx.org) {
        out.push(
            Element::text_el("office", &o.code)
                .with_attr("name", &o.name)
                .with_attr("shortname", &o.name),
        );
    }
    out
}

/// One office; needs both `<office>` (context) and `<code>`, as on Twinfield.
pub(super) fn read(ctx: &Ctx<'_>, mut doc: Element) -> Element {
    let office = doc.child_value("office");
    let code = doc.child_value("code");
    let (Some(office), Some(code)) = (office, code) else {
        let m = ctx.msg(
            "U hebt geen toegang tot deze administratie.",
            "You do not have access to this administration.",
        );
        annotate(&mut doc, &[(vec![], m)]);
        return doc;
    };
    match ctx.office_code(Some(office)) {
        Ok(c) if c == code => {
            let Some(o) = ctx.office(&c) else {
                return doc;
            };
            Element::new("office")
                .with_attr("result", "1")
                .with_child(Element::text_el("code", &o.code))
                .with_child(Element::text_el("uid", &o.id))
                .with_child(Element::text_el("name", &o.name))
                .with_child(Element::text_el("shortname", &o.name))
                .with_child(Element::text_el("countrycode", &o.country))
                .with_child(Element::text_el("basecurrency", &o.currency))
                .with_child(Element::text_el("reportingcurrency", &o.currency))
                .with_child(Element::text_el(
                    "vatcode",
                    o.default_vat.as_deref().unwrap_or(""),
                ))
        }
        _ => {
            let m = ctx.msg(
                "U hebt geen toegang tot deze administratie.",
                "You do not have access to this administration.",
            );
            annotate(&mut doc, &[(vec![Step::child("code")], m)]);
            doc
        }
    }
}
