//! Rendering stored dimensions and transactions in Twinfield's read shapes.

use rust_decimal::{Decimal, RoundingStrategy};

use super::super::model::{Bank, Dimension, Transaction, TransactionLine};
use super::super::state::Office;
use super::super::xml::Element;
use super::fmt_date;

/// Money as Twinfield writes it: two decimals, half away from zero.
pub(crate) fn money(d: Decimal) -> String {
    let r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // No "-0.00".
    let r = if r.is_zero() { Decimal::ZERO } else { r };
    format!("{r:.2}")
}

/// Display name of a dimension type.
pub(crate) fn type_name(t: &str) -> &'static str {
    match t {
        "DEB" => "Debiteuren",
        "CRD" => "Crediteuren",
        "BAS" => "Balans",
        "PNL" => "Winst & verlies",
        "KPL" => "Kostenplaatsen",
        "PRJ" => "Projecten",
        _ => "",
    }
}

/// `<office name=… shortname=…>code</office>`.
pub(crate) fn office_el(office: &Office) -> Element {
    Element::text_el("office", &office.code)
        .with_attr("name", &office.name)
        .with_attr("shortname", &office.name)
}

/// `<type name=… shortname=…>DEB</type>`.
pub(crate) fn type_el(t: &str) -> Element {
    let n = type_name(t);
    Element::text_el("type", t)
        .with_attr("name", n)
        .with_attr("shortname", n)
}

/// Display name of a country, as the `name` attribute of `<country>` carries it (Dutch user).
fn country_name(code: &str) -> &'static str {
    match code {
        "NL" => "Nederland",
        "BE" => "België",
        "DE" => "Duitsland",
        "FR" => "Frankrijk",
        "GB" => "Verenigd Koninkrijk",
        _ => "",
    }
}

/// `<country name=… shortname="">NL</country>`.
fn country_el(code: &str) -> Element {
    Element::text_el("country", code)
        .with_attr("name", country_name(code))
        .with_attr("shortname", "")
}

/// An element with `name` and `shortname` attributes and no text (`<vattype name="" …/>`).
fn named_empty(tag: &str) -> Element {
    Element::new(tag)
        .with_attr("name", "")
        .with_attr("shortname", "")
}

/// The `<financials>` of a customer or supplier, every element a read carries, in the order
/// of recorded reads.
fn relation_financials(office: &Office, d: &Dimension) -> Element {
    let collective = if d.dim_type == "DEB" { "1300" } else { "1600" };
    let collective_name = office
        .dim("BAS", collective)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let vat_name = office
        .vat
        .get(&d.vat_code)
        .map(|v| v.name.clone())
        .unwrap_or_default();
    Element::new("financials")
        .with_child(Element::text_el("matchtype", "customersupplier"))
        .with_child(Element::text_el("accounttype", "inherit"))
        .with_child(Element::text_el("subanalyse", "false"))
        .with_child(Element::text_el(
            "duedays",
            &d.due_days.unwrap_or(30).to_string(),
        ))
        .with_child(Element::text_el("level", "2"))
        .with_child(Element::text_el("payavailable", "false"))
        .with_child(named_empty("paycode"))
        .with_child(Element::text_el("meansofpayment", "none"))
        .with_child(Element::text_el("ebilling", "false"))
        .with_child(Element::new("ebillmail"))
        .with_child(Element::text_el("substitutionlevel", "1"))
        .with_child(
            Element::text_el("substitutewith", collective)
                .with_attr("name", &collective_name)
                .with_attr("shortname", &collective_name)
                .with_attr("dimensiontype", "BAS"),
        )
        .with_child(Element::new("relationsreference"))
        .with_child(named_empty("vattype"))
        .with_child(
            Element::text_el("vatcode", &d.vat_code)
                .with_attr("name", &vat_name)
                .with_attr("shortname", &vat_name)
                .with_attr("type", ""),
        )
        .with_child(Element::text_el("vatobligatory", "false"))
        .with_child(Element::new("performancetype"))
        .with_child(
            Element::new("collectmandate")
                .with_child(Element::new("id"))
                .with_child(Element::new("signaturedate"))
                .with_child(Element::new("firstrundate")),
        )
        .with_child(Element::new("collectionschema"))
        .with_child(
            Element::new("childvalidations").with_child(
                Element::text_el("childvalidation", collective)
                    .with_attr("type", "code")
                    .with_attr("level", "1"),
            ),
        )
}

/// The `<financials>` of a ledger account, cost centre or project.
fn account_financials(d: &Dimension) -> Element {
    let mut fin = Element::new("financials");
    match d.dim_type.as_str() {
        "BAS" | "PNL" => {
            let matchable = if d.dim_type == "BAS" && matches!(d.code.as_str(), "1300" | "1600") {
                "customersupplier"
            } else {
                "notmatchable"
            };
            fin.push(Element::text_el("matchtype", matchable));
            fin.push(Element::text_el(
                "accounttype",
                if d.dim_type == "BAS" {
                    "balance"
                } else {
                    "profitandloss"
                },
            ));
            fin.push(Element::text_el("level", "1"));
            fin.push(Element::text_el("vatcode", &d.vat_code));
        }
        "PRJ" => fin.push(Element::text_el("level", "3")),
        _ => fin.push(Element::text_el("level", "2")),
    }
    fin
}

/// The default invoice address: every element a read carries, empty ones included.
fn address(d: &Dimension) -> Element {
    let mut a = Element::new("address")
        .with_attr("id", "1")
        .with_attr("type", "invoice")
        .with_attr("default", "true")
        .with_child(Element::text_el("name", &d.name))
        .with_child(country_el(&d.country))
        .with_child(Element::text_el("city", &d.city))
        .with_child(Element::text_el("postcode", &d.postcode))
        .with_child(Element::text_el("telephone", &d.telephone))
        .with_child(Element::text_el("telefax", &d.telefax))
        .with_child(Element::text_el("email", &d.email))
        .with_child(Element::text_el("contact", &d.contact));
    for i in 0..6 {
        let v = d.address_lines.get(i).map(String::as_str).unwrap_or("");
        a.push(Element::text_el(&format!("field{}", i + 1), v));
    }
    a
}

/// A `<bank>` with every element, the first one the default.
fn bank(index: usize, b: &Bank) -> Element {
    Element::new("bank")
        .with_attr("default", if index == 0 { "true" } else { "false" })
        .with_attr("id", &(index + 1).to_string())
        .with_child(Element::text_el("ascription", &b.ascription))
        .with_child(Element::text_el("accountnumber", &b.account_number))
        .with_child(
            Element::new("address")
                .with_child(Element::new("field2"))
                .with_child(Element::new("field3")),
        )
        .with_child(Element::text_el("bankname", &b.bank_name))
        .with_child(Element::text_el("biccode", &b.bic))
        .with_child(Element::text_el("city", &b.city))
        .with_child(country_el(&b.country))
        .with_child(Element::text_el("iban", &b.iban))
        .with_child(Element::text_el("natbiccode", &b.nat_bic))
        .with_child(Element::text_el("postcode", &b.postcode))
        .with_child(Element::text_el("state", &b.state))
}

/// A customer's `<creditmanagement>` with the elements a read carries (nothing set here).
fn credit_management() -> Element {
    Element::new("creditmanagement")
        .with_child(named_empty("responsibleuser"))
        .with_child(Element::text_el("basecreditlimit", "0.00"))
        .with_child(Element::text_el("sendreminder", "true"))
        .with_child(Element::new("reminderemail"))
        .with_child(
            Element::text_el("blocked", "false")
                .with_attr("locked", "false")
                .with_attr("modified", ""),
        )
        .with_child(Element::new("freetext1"))
        .with_child(Element::new("freetext2"))
        .with_child(Element::new("freetext3"))
        .with_child(Element::new("comment"))
}

/// A dimension in the read shape: the whole record, in the element order of recorded reads
/// (no `modified`: a dimension read carries none).
pub(crate) fn dimension(office: &Office, d: &Dimension) -> Element {
    let relation = matches!(d.dim_type.as_str(), "DEB" | "CRD");
    let mut el = Element::new("dimension")
        .with_attr("status", &d.status)
        .with_attr("result", "1")
        .with_child(office_el(office))
        .with_child(type_el(&d.dim_type))
        .with_child(Element::text_el("code", &d.code))
        .with_child(Element::text_el("uid", &d.uid))
        .with_child(Element::text_el("name", &d.name))
        .with_child(Element::text_el("shortname", &d.shortname))
        .with_child(Element::text_el("inuse", "false"))
        .with_child(Element::text_el("behaviour", "normal"))
        .with_child(Element::text_el("touched", "0"))
        .with_child(Element::text_el("beginperiod", "0"))
        .with_child(Element::text_el("beginyear", "0"))
        .with_child(Element::text_el("endperiod", "0"))
        .with_child(Element::text_el("endyear", "0"))
        .with_child(Element::text_el("website", &d.website));
    if !relation {
        return el.with_child(account_financials(d));
    }
    el = el
        .with_child(Element::text_el("cocnumber", &d.coc_number))
        .with_child(Element::text_el("vatnumber", &d.vat_number))
        .with_child(Element::text_el("editdimensionname", "true"))
        .with_child(relation_financials(office, d))
        .with_child(Element::new("addresses").with_child(address(d)));
    let mut banks = Element::new("banks");
    for (i, b) in d.banks.iter().enumerate() {
        banks.push(bank(i, b));
    }
    el = el.with_child(banks);
    if d.dim_type == "DEB" {
        el = el.with_child(credit_management());
    }
    el
}

/// `<dimN name=… type=…>code</dimN>` for a line's dimension.
fn dim_el(office: &Office, tag: &str, code: &str, types: &[&str]) -> Element {
    let found = types.iter().find_map(|t| office.dim(t, code));
    let mut el = Element::text_el(tag, code);
    if let Some(d) = found {
        el = el
            .with_attr("name", &d.name)
            .with_attr("shortname", &d.shortname)
            .with_attr("type", &d.dim_type)
            .with_attr("inuse", "true")
            .with_attr("vatcode", &d.vat_code)
            .with_attr("vatobligatory", "false");
    }
    el
}

/// The match status a reader sees: with Q06 on a line stored `matched` keeps that status even
/// when its open amount is not zero (a matched amount of 0.00); with Q06 off it reads
/// `available` again.
pub(crate) fn shown_match_status(line: &TransactionLine, q06: bool) -> String {
    let open_nonzero = line.open_value.is_some_and(|o| !o.is_zero());
    if line.match_status == "matched" && open_nonzero && !q06 {
        "available".to_string()
    } else {
        line.match_status.clone()
    }
}

/// Open amount on the line's own side (what `<openvalue>` shows).
pub(crate) fn open_on_side(line: &TransactionLine) -> Option<Decimal> {
    line.open_value
        .map(|o| if line.debit_credit == "credit" { -o } else { o })
}

/// A transaction in the read shape (`location` = its status).
pub(crate) fn transaction(office: &Office, tx: &Transaction, user: &str, q06: bool) -> Element {
    let book = office.day_books.get(&tx.code);
    let book_name = book.map(|b| b.name.clone()).unwrap_or_default();
    let kind = book.map(|b| b.kind.clone()).unwrap_or_default();
    let invoiced = kind == "sales" || kind == "purchase";
    // The header in the element order of recorded reads; no `modified` (reads carry none).
    let mut header = Element::new("header")
        .with_child(
            Element::text_el("code", &tx.code)
                .with_attr("name", &book_name)
                .with_attr("shortname", &book_name),
        )
        .with_child(
            Element::text_el("currency", &tx.currency)
                .with_attr("name", if tx.currency == "EUR" { "Euro" } else { "" })
                .with_attr("shortname", if tx.currency == "EUR" { "Euro" } else { "" }),
        )
        .with_child(Element::text_el(
            "date",
            &tx.date.map(fmt_date).unwrap_or_default(),
        ))
        .with_child(Element::text_el("period", &tx.period));
    if invoiced {
        header.push(Element::text_el("invoicenumber", &tx.invoice_number));
        header.push(Element::text_el("paymentreference", &tx.payment_reference));
    }
    header.push(office_el(office));
    if invoiced {
        header.push(Element::text_el(
            "duedate",
            &tx.due_date.map(fmt_date).unwrap_or_default(),
        ));
    }
    header.push(Element::text_el("origin", "import"));
    header.push(Element::text_el("originreference", ""));
    header.push(
        Element::text_el("user", user)
            .with_attr("name", user)
            .with_attr("shortname", user),
    );
    header.push(Element::text_el("number", &tx.number));
    let mut lines = Element::new("lines");
    for line in &tx.lines {
        lines.push(transaction_line(office, tx, line, invoiced, q06));
    }
    Element::new("transaction")
        .with_attr("result", "1")
        .with_attr("location", &tx.status)
        .with_child(header)
        .with_child(lines)
}

/// A line in the element set and order of recorded reads (no `vatrep*` elements: reads carry
/// none). A VAT line names the detail line it was computed from in `baseline`.
fn transaction_line(
    office: &Office,
    tx: &Transaction,
    line: &TransactionLine,
    invoiced: bool,
    q06: bool,
) -> Element {
    let mut el = Element::new("line")
        .with_attr("type", &line.line_type)
        .with_attr("id", &line.id.to_string())
        .with_child(dim_el(office, "dim1", &line.dim1, &["BAS", "PNL"]));
    if !line.dim2.is_empty() {
        el.push(dim_el(office, "dim2", &line.dim2, &["DEB", "CRD", "KPL"]));
    }
    if !line.dim3.is_empty() {
        el.push(dim_el(office, "dim3", &line.dim3, &["PRJ"]));
    }
    let value = money(line.value);
    el.push(Element::text_el("value", &value));
    if line.line_type == "vat" {
        el.push(Element::text_el("vatcode", &line.vat_code));
        el.push(Element::text_el("debitcredit", &line.debit_credit));
        let t = money(line.vat_turnover.unwrap_or_default());
        el.push(Element::text_el("vatturnover", &t));
        el.push(Element::text_el("vatbaseturnover", &t));
        let base = tx
            .lines
            .iter()
            .find(|l| l.line_type == "detail" && l.vat_code == line.vat_code)
            .map(|l| l.id.to_string())
            .unwrap_or_default();
        el.push(Element::text_el("baseline", &base));
        el.push(Element::text_el("rate", "1"));
        el.push(Element::text_el("basevalue", &value));
        el.push(Element::text_el("reprate", "1"));
        el.push(Element::text_el("repvalue", &value));
        return el;
    }
    el.push(Element::text_el("debitcredit", &line.debit_credit));
    el.push(Element::text_el("description", &line.description));
    if !line.vat_code.is_empty() {
        let name = office
            .vat
            .get(&line.vat_code)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        el.push(
            Element::text_el("vatcode", &line.vat_code)
                .with_attr("name", &name)
                .with_attr("shortname", &name),
        );
    }
    el.push(Element::text_el("rate", "1"));
    el.push(Element::text_el("basevalue", &value));
    el.push(Element::text_el("reprate", "1"));
    el.push(Element::text_el("repvalue", &value));
    match line.line_type.as_str() {
        "total" => {
            let vat = money(line.vat_value.unwrap_or_default());
            el.push(Element::text_el("vattotal", &vat));
            el.push(Element::text_el("vatbasetotal", &vat));
        }
        "detail" => {
            if invoiced {
                el.push(Element::new("currencydate"));
            }
            if let Some(v) = line.vat_value {
                let v = money(v);
                el.push(Element::text_el("vatvalue", &v));
                el.push(Element::text_el("vatbasevalue", &v));
            }
        }
        _ => {}
    }
    if !line.invoice_number.is_empty() {
        el.push(Element::text_el("invoicenumber", &line.invoice_number));
    }
    if let Some(open) = open_on_side(line) {
        let open = money(open);
        el.push(Element::text_el("matchlevel", "2"));
        el.push(Element::text_el("openvalue", &open));
        el.push(Element::text_el("openbasevalue", &open));
        el.push(Element::text_el("openrepvalue", &open));
    }
    el.push(Element::text_el(
        "matchstatus",
        &shown_match_status(line, q06),
    ));
    if let Some(d) = line.match_date {
        el.push(Element::text_el("matchdate", &fmt_date(d)));
    }
    if let Some(n) = line.match_number {
        el.push(Element::text_el("matchnumber", &n.to_string()));
    }
    el
}
