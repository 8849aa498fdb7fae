//! Browse data (`<columns code="100">`, customer transactions): open items and lookups by
//! invoice number. Results are read row by row from a stream; no tree of the whole result is
//! built (a large administration answers with many thousands of rows).

use grootboek_core::{Currency, EntryId, Money, OpenItem, Result, Vendor};

use super::errors::result_error;
use super::{parse_amount, parse_date, protocol};
use std::borrow::Cow;

use crate::xml::read::RawEv;
use crate::xml::{Ev, Pull, XmlDoc};

/// The browse code of customer transactions.
pub const CUSTOMER_TRANSACTIONS: &str = "100";

/// One browse column: a field, shown, optionally filtered.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The field (`fin.trs.line.openbasevaluesigned`).
    pub field: &'a str,
    /// `equal` / `between` filter values, if any.
    pub filter: Option<(&'a str, &'a str, &'a str)>,
}

/// The fields an open-items listing reads.
pub const OPEN_ITEM_FIELDS: &[&str] = &[
    "fin.trs.head.code",
    "fin.trs.head.number",
    "fin.trs.head.date",
    "fin.trs.head.curcode",
    "fin.trs.line.dim2",
    "fin.trs.line.invnumber",
    "fin.trs.line.datedue",
    "fin.trs.line.valuesigned",
    "fin.trs.line.openbasevaluesigned",
    "fin.trs.line.matchstatus",
];

/// A `<columns>` request: the office filter first, then the given columns.
pub fn columns_request(code: &str, office: &str, columns: &[Column<'_>]) -> String {
    let mut d = XmlDoc::new();
    d.open_with("columns", &[("code", code)]);
    let office_col = Column {
        field: "fin.trs.head.office",
        filter: Some(("equal", office, "")),
    };
    for c in std::iter::once(&office_col).chain(columns.iter()) {
        d.open("column")
            .text("field", c.field)
            .text("visible", "true");
        if let Some((op, from, to)) = c.filter {
            d.text("ask", "false")
                .text("operator", op)
                .text("from", from)
                .text("to", to);
        }
        d.close("column");
    }
    d.close("columns");
    d.finish()
}

/// The open-items request for an office, optionally for one customer, optionally for the
/// periods `from..=to` (`YYYY/PP`; an empty bound is open).
pub fn open_items_request(
    office: &str,
    customer: Option<&str>,
    periods: Option<(&str, &str)>,
) -> String {
    let mut cols: Vec<Column<'_>> = OPEN_ITEM_FIELDS
        .iter()
        .map(|f| Column {
            field: f,
            filter: match (*f, customer) {
                ("fin.trs.line.dim2", Some(c)) => Some(("equal", c, "")),
                _ => None,
            },
        })
        .collect();
    if let Some((from, to)) = periods {
        cols.push(Column {
            field: "fin.trs.head.yearperiod",
            filter: Some(("between", from, to)),
        });
    }
    columns_request(CUSTOMER_TRANSACTIONS, office, &cols)
}

/// The lookup of the transactions with an invoice number in an office.
pub fn by_reference_request(office: &str, reference: &str) -> String {
    let cols = [
        Column {
            field: "fin.trs.head.code",
            filter: None,
        },
        Column {
            field: "fin.trs.head.number",
            filter: None,
        },
        Column {
            field: "fin.trs.line.invnumber",
            filter: Some(("equal", reference, "")),
        },
    ];
    columns_request(CUSTOMER_TRANSACTIONS, office, &cols)
}

/// One browse row: its cells by field and its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// `(field, value)` per cell; the fields the adapter asks for are not allocated per row.
    pub cells: Vec<(Cow<'static, str>, String)>,
    /// `<key>`: office, code (day book), number.
    pub key: Option<(String, String, String)>,
    /// `<key><line>`: the line's id within its transaction.
    pub line: Option<u32>,
}

/// The browse fields the adapter requests, shared by every row that carries them.
const KNOWN_FIELDS: &[&str] = &[
    "fin.trs.head.office",
    "fin.trs.head.code",
    "fin.trs.head.number",
    "fin.trs.head.date",
    "fin.trs.head.curcode",
    "fin.trs.head.status",
    "fin.trs.head.yearperiod",
    "fin.trs.line.dim1",
    "fin.trs.line.dim2",
    "fin.trs.line.dim2type",
    "fin.trs.line.dim3",
    "fin.trs.line.invnumber",
    "fin.trs.line.datedue",
    "fin.trs.line.valuesigned",
    "fin.trs.line.basevaluesigned",
    "fin.trs.line.repvaluesigned",
    "fin.trs.line.openvaluesigned",
    "fin.trs.line.openbasevaluesigned",
    "fin.trs.line.openrepvaluesigned",
    "fin.trs.line.matchstatus",
    "fin.trs.line.vatcode",
    "fin.trs.line.vatbasevaluesigned",
    "fin.trs.line.description",
    "fin.trs.line.debitcredit",
];

/// A cell's `field` attribute: one of [`KNOWN_FIELDS`] without allocating, else its text.
fn field_name(raw: &[u8]) -> Result<Cow<'static, str>> {
    if let Some(known) = KNOWN_FIELDS.iter().find(|f| f.as_bytes() == raw) {
        return Ok(Cow::Borrowed(known));
    }
    let text = String::from_utf8_lossy(raw);
    Ok(Cow::Owned(crate::xml::read::unescape_attr(text)?))
}

impl Row {
    /// Read the row whose `<tr>` start was just pulled, cell by cell, up to and including its
    /// end: each `<td field=…>` gives a cell (its text trimmed), `<key>` the entry; anything else
    /// is read past. No element tree is built for the row, and nothing is allocated for element
    /// names or attributes.
    fn read(p: &mut Pull<'_>) -> Result<Self> {
        let mut row = Row::default();
        loop {
            match p.raw_event()? {
                RawEv::Start(start) => match start.local_name().as_ref() {
                    b"td" => {
                        let field = match start
                            .try_get_attribute("field")
                            .map_err(|e| protocol(format!("malformed attribute: {e}")))?
                        {
                            Some(a) => field_name(&a.value)?,
                            None => Cow::Borrowed(""),
                        };
                        let value = p.element_text()?;
                        row.cells.push((field, value));
                    }
                    b"key" => {
                        let k = p.node("key".to_string(), Vec::new())?;
                        row.line = k.text_of("line").and_then(|l| l.parse().ok());
                        row.key = (|| {
                            Some((
                                k.text_of("office")?.to_string(),
                                k.text_of("code")?.to_string(),
                                k.text_of("number")?.to_string(),
                            ))
                        })();
                    }
                    _ => p.skip_element()?,
                },
                RawEv::End(_) => return Ok(row),
                RawEv::Eof => return Err(protocol("a browse row is not closed")),
                RawEv::Text(_) | RawEv::Ref(_) | RawEv::CData(_) => {}
            }
        }
    }

    /// The value of a field, when present and non-empty.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The entry this row belongs to.
    pub fn entry(&self, office: &str) -> Option<EntryId> {
        match &self.key {
            Some((o, c, n)) => Some(EntryId::new(Vendor::Twinfield, o, c, n)),
            None => Some(EntryId::new(
                Vendor::Twinfield,
                office,
                self.get("fin.trs.head.code")?,
                self.get("fin.trs.head.number")?,
            )),
        }
    }
}

/// Stream the rows of a browse result to `each`.
pub fn for_each_row(
    xml: &str,
    operation: &'static str,
    mut each: impl FnMut(Row) -> Result<()>,
) -> Result<()> {
    let mut p = Pull::new(xml.as_bytes());
    let mut seen_root = false;
    while let Some(ev) = p.next_event()? {
        match ev {
            Ev::Start(name, attrs) if !seen_root => {
                seen_root = true;
                if attrs.iter().any(|(k, v)| k == "result" && v == "0") {
                    let node = p.node(name, attrs)?;
                    return Err(result_error(&node, operation)
                        .unwrap_or_else(|| protocol("browse refused without a message")));
                }
            }
            Ev::Start(name, _) if name == "tr" => each(Row::read(&mut p)?)?,
            Ev::Start(name, attrs) => {
                // Header rows (`th`) and anything else: read past it.
                p.node(name, attrs)?;
            }
            _ => {}
        }
    }
    if seen_root {
        Ok(())
    } else {
        Err(protocol("empty browse result"))
    }
}

/// How open is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenRule {
    /// From the open amount (`openbasevaluesigned`), never the status flag (Q06 defence).
    Amounts,
    /// From `matchstatus` (`matched` = paid): what a naive client does (Q06 defence off).
    MatchStatus,
}

/// Map a customer-transaction row to an open item, or `None` when it is not open (or not a
/// relation line).
pub fn open_item(
    row: &Row,
    office: &str,
    base: Currency,
    rule: OpenRule,
) -> Result<Option<OpenItem>> {
    let status = row.get("fin.trs.line.matchstatus").unwrap_or_default();
    if status == "notmatchable" {
        return Ok(None);
    }
    let Some(relation) = row.get("fin.trs.line.dim2") else {
        return Ok(None);
    };
    // Sales and purchase told apart: a supplier line (a browse of code 200, or 000 across the
    // ledger) is a payable, never returned as a receivable.
    if let Some(t) = row
        .get("fin.trs.line.dim2type")
        .filter(|t| !t.is_empty() && *t != "DEB")
    {
        return Err(grootboek_core::Error::unsupported(format!(
            "a browse row is a line on {} {relation} (`fin.trs.line.dim2type` `{t}`), not on a \
             customer: a payable is never read as a receivable (the purchase side is not \
             supported yet)",
            if t == "CRD" { "supplier" } else { "relation" }
        ))
        .with_vendor(grootboek_core::Vendor::Twinfield));
    }
    let currency: Currency = row
        .get("fin.trs.head.curcode")
        .map(str::parse)
        .transpose()
        .map_err(|_| protocol("browse row with an unknown currency"))?
        .unwrap_or(base);
    // R04: the amounts are read from whichever of the columns the answer carries, in one
    // precedence, and a row with none of them is an error naming them, never 0.00.
    // Line amount: `valuesigned` (transaction currency), else `basevaluesigned` (base).
    let (amount, amount_currency) = match (
        row.get("fin.trs.line.valuesigned"),
        row.get("fin.trs.line.basevaluesigned"),
    ) {
        (Some(v), _) => (parse_amount(v)?, currency),
        (None, Some(v)) => (parse_amount(v)?, base),
        (None, None) => {
            return Err(protocol(
                "a browse row of a customer line has neither `fin.trs.line.valuesigned` nor \
                 `fin.trs.line.basevaluesigned`: its amount is unknown (R04)",
            ))
        }
    };
    // Open amount: `openbasevaluesigned` (base currency), else `openvaluesigned` (transaction
    // currency).
    let (open, open_currency) =
        match (
            row.get("fin.trs.line.openbasevaluesigned"),
            row.get("fin.trs.line.openvaluesigned"),
        ) {
            (Some(v), _) => (parse_amount(v)?, base),
            (None, Some(v)) => (parse_amount(v)?, currency),
            (None, None) => return Err(protocol(
                "a browse row of a customer line has neither `fin.trs.line.openbasevaluesigned` \
                 nor `fin.trs.line.openvaluesigned`: what is open is unknown (R04)",
            )),
        };
    let open = match rule {
        OpenRule::Amounts => open,
        OpenRule::MatchStatus if status == "matched" => rust_decimal::Decimal::ZERO,
        OpenRule::MatchStatus => open,
    };
    if open.is_zero() {
        return Ok(None);
    }
    Ok(Some(OpenItem {
        entry: row.entry(office),
        relation: relation.to_string(),
        reference: row
            .get("fin.trs.line.invnumber")
            .unwrap_or_default()
            .to_string(),
        date: parse_date(row.get("fin.trs.head.date").unwrap_or_default())?,
        due_date: row
            .get("fin.trs.line.datedue")
            .map(parse_date)
            .transpose()?,
        amount: Money::new(amount, amount_currency),
        open_amount: Money::new(open, open_currency),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rows() -> Vec<Row> {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/browse-100.xml"
        ))
        .unwrap();
        let mut out = Vec::new();
        for_each_row(&xml, "t", |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn q06_open_from_amounts_not_matchstatus() {
        let rows = rows();
        assert_eq!(rows.len(), 3);
        let open: Vec<OpenItem> = rows
            .iter()
            .filter_map(|r| open_item(r, "NLA001", Currency::EUR, OpenRule::Amounts).unwrap())
            .collect();
        // The "matched" row still has 60.50 open: it is open.
        assert_eq!(open.len(), 2);
        assert_eq!(open[1].open_amount.amount, dec!(60.50));
        assert_eq!(open[1].entry.as_ref().unwrap().key, "202600002");
        let naive: Vec<OpenItem> = rows
            .iter()
            .filter_map(|r| open_item(r, "NLA001", Currency::EUR, OpenRule::MatchStatus).unwrap())
            .collect();
        assert_eq!(naive.len(), 1);
    }

    /// One customer line with `amounts` as its amount cells.
    fn line_with(amounts: &[(&str, &str)]) -> Row {
        let cells: String = [
            ("fin.trs.head.code", "VRK"),
            ("fin.trs.head.number", "202600009"),
            ("fin.trs.head.date", "20260105"),
            ("fin.trs.head.curcode", "USD"),
            ("fin.trs.line.dim2", "1000"),
            ("fin.trs.line.invnumber", "F-9"),
            ("fin.trs.line.matchstatus", "available"),
        ]
        .iter()
        .chain(amounts)
        .map(|(f, v)| format!("<td field=\"{f}\">{v}</td>"))
        .collect();
        let xml = format!("<browse result=\"1\"><tr>{cells}<key><office>NLA001</office><code>VRK</code><number>202600009</number><line>1</line></key></tr></browse>");
        let mut out = Vec::new();
        for_each_row(&xml, "t", |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
        out.remove(0)
    }

    #[test]
    fn r04_amounts_from_whichever_columns_the_answer_carries_or_an_error_naming_them() {
        let item = |amounts: &[(&str, &str)]| {
            open_item(
                &line_with(amounts),
                "NLA001",
                Currency::EUR,
                OpenRule::Amounts,
            )
        };
        // Base columns only: amounts in the office's base currency, not 0.
        let base = item(&[
            ("fin.trs.line.basevaluesigned", "110.00"),
            ("fin.trs.line.openbasevaluesigned", "55.00"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(base.amount, Money::new(dec!(110.00), Currency::EUR));
        assert_eq!(base.open_amount, Money::new(dec!(55.00), Currency::EUR));
        // Transaction-currency columns only: open in the row's currency, never "not open".
        let tx = item(&[
            ("fin.trs.line.valuesigned", "121.00"),
            ("fin.trs.line.openvaluesigned", "121.00"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            tx.open_amount,
            Money::new(dec!(121.00), "USD".parse::<Currency>().unwrap())
        );
        // Credit lines are negative and stay negative.
        let credit = item(&[
            ("fin.trs.line.valuesigned", "-30.25"),
            ("fin.trs.line.openbasevaluesigned", "-30.25"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(credit.open_amount.amount, dec!(-30.25));
        // No amount column, or no open-amount column: an error naming them.
        let e = item(&[]).unwrap_err();
        assert!(e.to_string().contains("fin.trs.line.valuesigned"), "{e}");
        let e = item(&[("fin.trs.line.valuesigned", "121.00")]).unwrap_err();
        assert!(
            e.to_string().contains("fin.trs.line.openbasevaluesigned"),
            "{e}"
        );
        assert_eq!(*e.kind(), grootboek_core::ErrorKind::Protocol);
    }

    #[test]
    fn refused_browse_is_an_error() {
        let e = for_each_row(r#"<browse result="0"><columns msgtype="error" msg="Ongeldige kolom." result="0"/></browse>"#, "t", |_| Ok(())).unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Validation);
    }

    #[test]
    fn request_filters_the_office() {
        let x = by_reference_request("NLA001", "F-1");
        assert!(x.starts_with("<columns code=\"100\"><column><field>fin.trs.head.office</field><visible>true</visible><ask>false</ask><operator>equal</operator><from>NLA001</from><to></to></column>"), "{x}");
        assert!(x.contains("<field>fin.trs.line.invnumber</field><visible>true</visible><ask>false</ask><operator>equal</operator><from>F-1</from>"), "{x}");
    }
}
