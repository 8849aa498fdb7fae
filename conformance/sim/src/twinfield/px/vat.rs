//! `<read><type>vat</type><office>…</office><code>VH</code></read>`: one VAT code of an office.

use super::super::xml::Element;
use super::{annotate, Ctx, Step};

/// The VAT code in Twinfield's read shape, or the request with an error on `code`.
pub(super) fn read(ctx: &Ctx<'_>, mut doc: Element) -> Element {
    let office = match ctx.office_code(doc.child_value("office")) {
        Ok(o) => o,
        Err(m) => {
            annotate(&mut doc, &[(vec![Step::child("office")], m)]);
            return doc;
        }
    };
    let code = doc.child_text("code").unwrap_or_default();
    let found = ctx.office(&office).and_then(|o| o.vat.get(&code));
    let Some(v) = found else {
        let m = ctx.msg(
            format!("Btw-code {code} bestaat niet of is (nog) niet actief."),
            format!("VAT {code} does not exist or is not (yet) active."),
        );
        annotate(&mut doc, &[(vec![Step::child("code")], m)]);
        return doc;
    };
    let dim1_name = ctx
        .office(&office)
        .and_then(|o| o.dim("BAS", &v.account))
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let account = Element::new("account")
        .with_attr("id", "1")
        .with_child(
            Element::text_el("dim1", &v.account)
                .with_attr("name", &dim1_name)
                .with_attr("shortname", "")
                .with_attr("dimensiontype", "BAS"),
        )
        .with_child(Element::text_el("percentage", "100.0"))
        .with_child(Element::text_el("linetype", "vat"));
    let percentage = Element::new("percentage")
        .with_attr("status", "active")
        .with_attr("inuse", "true")
        .with_child(Element::text_el("date", "20000101"))
        .with_child(Element::text_el(
            "percentage",
            &format!("{:.9}", v.percentage),
        ))
        .with_child(Element::text_el("name", &v.name))
        .with_child(Element::text_el("shortname", &v.name))
        .with_child(Element::new("accounts").with_child(account));
    Element::new("vat")
        .with_attr("status", "active")
        .with_attr("result", "1")
        .with_child(Element::text_el("code", &v.code))
        .with_child(Element::text_el("name", &v.name))
        .with_child(Element::text_el("shortname", &v.code))
        .with_child(Element::text_el("type", &v.vat_type))
        .with_child(Element::new("percentages").with_child(percentage))
}
