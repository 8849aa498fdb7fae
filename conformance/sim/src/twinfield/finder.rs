//! The Finder web service (`finder.asmx`, SOAP action `Search`): types `VAT` (an office's VAT
//! codes, option `vattype`), `DIM` (dimensions, option `dimtype`), `TRS` (transaction types:
//! the office's day books) and `OFF` (offices).
//! Options `office` (else the header's company), paging with `firstRow` (1-based) and
//! `maxRows`; `pattern` with `*` / `?` on `field` 0 (code or name), 1 (code) or 2 (name).

use super::px::Ctx;
use super::xml::Element;

fn glob(pattern: &str, value: &str) -> bool {
    super::px::glob(pattern, value, &['*'], &['?'])
}

fn response() -> Element {
    Element::new("SearchResponse").with_attr("xmlns", "http://www.twinfield.com/")
}

fn error(code: &str, text: &str) -> Element {
    response().with_child(
        Element::new("SearchResult").with_child(
            Element::new("MessageOfErrorCodes")
                .with_child(Element::text_el("Type", "Error"))
                .with_child(Element::text_el("Text", text))
                .with_child(Element::text_el("Code", code))
                .with_child(Element::new("Parameters")),
        ),
    )
}

/// Answer a `Search` body with a `SearchResponse` element.
pub(crate) fn search(ctx: &Ctx<'_>, body: &Element) -> Element {
    let finder_type = body.child_text("type").unwrap_or_default();
    let pattern = body.child_value("pattern").unwrap_or_else(|| "*".into());
    let field = body
        .child_text("field")
        .and_then(|f| f.parse::<u8>().ok())
        .unwrap_or(0);
    let first_row = body
        .child_text("firstRow")
        .and_then(|f| f.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let max_rows = body
        .child_text("maxRows")
        .and_then(|f| f.parse::<usize>().ok())
        .unwrap_or(100);
    let mut options: Vec<(String, String)> = Vec::new();
    if let Some(opts) = body.child("options") {
        for arr in opts.children_named("ArrayOfString") {
            let strings: Vec<String> = arr.children_named("string").map(Element::text).collect();
            if let (Some(k), Some(v)) = (strings.first(), strings.get(1)) {
                options.push((k.clone(), v.clone()));
            }
        }
    }
    let opt = |k: &str| {
        options
            .iter()
            .find(|(ok, _)| ok == k)
            .map(|(_, v)| v.clone())
    };
    let name_col = ctx.msg("Naam", "Name");
    let rows: Vec<(String, String)> = match finder_type.as_str() {
        "OFF" => ctx
            .st
            .offices
            .values()
            .filter(|o| o.org == ctx.org)
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        "VAT" | "DIM" | "TRS" => {
            let office = match ctx.office_code(opt("office")) {
                Ok(o) => o,
                Err(m) => return error("NoAccessToOffice", &m),
            };
            let Some(o) = ctx.office(&office) else {
                return error("NoAccessToOffice", "");
            };
            if finder_type == "TRS" {
                // Transaction types: the office's day books (code, name).
                o.day_books
                    .values()
                    .map(|b| (b.code.clone(), b.name.clone()))
                    .collect()
            } else if finder_type == "VAT" {
                let vat_type = opt("vattype");
                o.vat
                    .values()
                    .filter(|v| vat_type.as_ref().is_none_or(|t| &v.vat_type == t))
                    .map(|v| (v.code.clone(), v.name.clone()))
                    .collect()
            } else {
                let Some(dim_type) = opt("dimtype") else {
                    return error("InvalidEnumerationOptionValue", "dimtype");
                };
                let hidden = opt("includehidden").as_deref() == Some("true");
                o.dims
                    .values()
                    .filter(|d| d.dim_type == dim_type && (hidden || d.status != "deleted"))
                    .map(|d| (d.code.clone(), d.name.clone()))
                    .collect()
            }
        }
        other => {
            return error(
                "InvalidFinderType",
                &format!("Invalid finder type {other}."),
            )
        }
    };
    let rows: Vec<(String, String)> = rows
        .into_iter()
        .filter(|(code, name)| match field {
            1 => glob(&pattern, code),
            2 => glob(&pattern, name),
            _ => glob(&pattern, code) || glob(&pattern, name),
        })
        .collect();
    let total = rows.len();
    let mut items = Element::new("Items");
    let take = if max_rows == 0 { usize::MAX } else { max_rows };
    for (code, name) in rows.into_iter().skip(first_row - 1).take(take) {
        items.push(
            Element::new("ArrayOfString")
                .with_child(Element::text_el("string", &code))
                .with_child(Element::text_el("string", &name)),
        );
    }
    response()
        .with_child(Element::new("SearchResult"))
        .with_child(
            Element::new("data")
                .with_child(Element::text_el("TotalRows", &total.to_string()))
                .with_child(
                    Element::new("Columns")
                        .with_child(Element::text_el("string", "Code"))
                        .with_child(Element::text_el("string", &name_col)),
                )
                .with_child(items),
        )
}
