//! R04: a listing answered `200` in the vendor's real shape but without the column or field
//! that carries the money is an error naming what is missing — never an item of 0.00, never a
//! shorter or empty listing taken for the truth. Once the server answers normally again, the
//! same connection lists normally.
//!
//! Each body is the vendor's own listing shape for open items (a Twinfield browse of customer
//! transactions, Exact's `ReceivablesList`, an AFAS GetConnector answer) with one needed
//! column or field left out, so the adapter's real decoder meets it.

use async_trait::async_trait;
use grootboek_core::{Capabilities, ErrorKind, Vendor};
use grootboek_sim::common::{Fault, FaultSpec};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct R04;

/// One answer lacking something: a name for the report, the body, its content type, and the
/// texts of which the error must name at least one (the missing column or field).
struct Lacking {
    name: &'static str,
    body: String,
    content_type: &'static str,
    names_one_of: &'static [&'static str],
}

/// A Twinfield browse row's cells (field, type, value) and its key.
fn twinfield_browse(cells: &[(&str, &str, &str)]) -> String {
    let mut th = String::new();
    let mut tr = String::new();
    for (field, kind, value) in cells {
        th.push_str(&format!(
            "<td label=\"{field}\" hideforuser=\"false\" type=\"{kind}\">{field}</td>"
        ));
        tr.push_str(&format!(
            "<td field=\"{field}\" hideforuser=\"false\" type=\"{kind}\">{value}</td>"
        ));
    }
    let browse = format!(
        "<browse result=\"1\" first=\"1\" last=\"1\" total=\"1\"><th>{th}</th><tr>{tr}\
         <key><office>NLA000001</office><code>VRK</code><number>202600417</number><line>1</line></key></tr></browse>"
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ProcessXmlStringResponse xmlns=\"http://www.twinfield.com/\"><ProcessXmlStringResult>\
         <![CDATA[{browse}]]></ProcessXmlStringResult></ProcessXmlStringResponse></soap:Body></soap:Envelope>"
    )
}

/// The cells of a customer line every open-item decoder needs, except the money.
const TWINFIELD_LINE: &[(&str, &str, &str)] = &[
    ("fin.trs.head.code", "String", "VRK"),
    ("fin.trs.head.number", "String", "202600417"),
    ("fin.trs.head.date", "Date", "20260105"),
    ("fin.trs.head.curcode", "String", "EUR"),
    ("fin.trs.line.dim2", "String", "1000"),
    ("fin.trs.line.invnumber", "String", "R04-1"),
    ("fin.trs.line.datedue", "Date", "20260204"),
    ("fin.trs.line.matchstatus", "String", "available"),
];

fn twinfield_line_with(extra: &[(&'static str, &'static str, &'static str)]) -> String {
    let mut cells: Vec<(&str, &str, &str)> = TWINFIELD_LINE.to_vec();
    cells.extend_from_slice(extra);
    twinfield_browse(&cells)
}

/// Exact's `ReceivablesList` envelope with one row of `fields`.
fn exact_receivables(fields: &str) -> String {
    format!(
        "{{\"d\":{{\"results\":[{{\"__metadata\":{{\"uri\":\"https://start.exactonline.nl/api/v1/1/read/financial/ReceivablesList(417)\",\
         \"type\":\"Exact.Web.Api.Models.Financial.ReceivablesList\"}},\"HID\":417,\
         \"Id\":\"5f0c8f4e-3d1a-4b8e-9a41-7c2d6e0b1a17\",\"AccountCode\":\"                 8\",\
         \"AccountId\":\"4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64\",\"CurrencyCode\":\"EUR\",\
         \"DueDate\":\"/Date(1770163200000)/\",\"EntryNumber\":26700417,\"InvoiceDate\":\"/Date(1767571200000)/\",\
         \"InvoiceNumber\":26700417,\"JournalCode\":\"70\",\"YourRef\":\"R04-1\"{fields}}}]}}}}"
    )
}

/// An AFAS GetConnector answer with one open-item row of `fields`.
fn afas_rows(fields: &str) -> String {
    format!(
        "{{\"skip\":0,\"take\":100,\"rows\":[{{\"UnitId\":1,\"DebtorId\":\"10001\",\"InvoiceNr\":\"R04-1\",\
         \"NookPieceDate\":\"2026-01-05T00:00:00Z\",\"ExpDate\":\"2026-02-04T00:00:00Z\",\"CurrencyId\":\"EUR\",\
         \"Description\":\"R04\",\"EntryNo\":null{fields}}}]}}"
    )
}

/// The answers lacking a needed column or field, per vendor.
fn lacking(vendor: Vendor) -> Vec<Lacking> {
    const XML: &str = "text/xml; charset=utf-8";
    const JSON: &str = "application/json; charset=utf-8";
    match vendor {
        Vendor::Twinfield => vec![
            Lacking {
                name: "a browse of customer lines without any amount column",
                body: twinfield_line_with(&[]),
                content_type: XML,
                names_one_of: &["valuesigned"],
            },
            Lacking {
                name: "a browse with the line amount but no open-amount column",
                body: twinfield_line_with(&[("fin.trs.line.valuesigned", "Value", "121.00")]),
                content_type: XML,
                names_one_of: &["openbasevaluesigned", "openvaluesigned"],
            },
        ],
        Vendor::Exact => vec![Lacking {
            name: "a ReceivablesList row without `Amount`",
            body: exact_receivables(""),
            content_type: JSON,
            names_one_of: &["Amount"],
        }],
        Vendor::Afas => vec![
            Lacking {
                name: "an open-item row without `Balance` or `AmtInvoice`",
                body: afas_rows(""),
                content_type: JSON,
                names_one_of: &["Balance", "AmtInvoice"],
            },
            Lacking {
                name: "an open-item row with `AmtInvoice` but no `Balance`",
                body: afas_rows(",\"AmtInvoice\":121,\"AmtInvoiceCurr\":121"),
                content_type: JSON,
                names_one_of: &["Balance"],
            },
        ],
    }
}

/// Only the listing under test: the requests that fetch the open items.
fn listing_requests(vendor: Vendor, fault: Fault) -> FaultSpec {
    let spec = FaultSpec::new(fault);
    match vendor {
        Vendor::Twinfield => spec.path_contains("processxml.asmx"),
        Vendor::Exact => spec.path_contains("ReceivablesList"),
        Vendor::Afas => spec.method("GET").path_contains("/connectors/"),
    }
}

#[async_trait]
impl Case for R04 {
    fn id(&self) -> &'static str {
        "R04"
    }
    fn title(&self) -> &'static str {
        "an open-items answer without its amount column or field is an error naming it, never an item of 0.00 or an empty listing; the next read works"
    }
    fn applies(&self, _vendor: Vendor, _caps: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let faults = h
            .sim_faults()
            .ok_or_else(|| Failure("this harness cannot fault its simulator".into()))?;
        let ledger = h.ledger();
        let administration = h.fixture().administration.clone();
        for case in lacking(h.vendor()) {
            faults.push(listing_requests(
                h.vendor(),
                Fault::before_handling(200)
                    .with_body(case.body)
                    .with_header("content-type", case.content_type),
            ));
            let read = ledger.list_open_items(&administration, None).await;
            faults.clear();
            let name = case.name;
            match read {
                Ok(page) => {
                    return Err(Failure(format!(
                        "{name}: taken as data ({} open items: {:?})",
                        page.items.len(),
                        page.items
                            .iter()
                            .map(|i| i.open_amount.amount.to_string())
                            .collect::<Vec<_>>()
                    )))
                }
                Err(e) => {
                    ensure!(
                        *e.kind() == ErrorKind::Protocol,
                        "{name}: refused as {:?}, not as a protocol error: {e}",
                        e.kind()
                    );
                    let text = e.to_string();
                    ensure!(
                        case.names_one_of.iter().any(|n| text.contains(n)),
                        "{name}: the error does not name the missing {:?}: {text}",
                        case.names_one_of
                    );
                }
            }
            ledger
                .list_open_items(&administration, None)
                .await
                .map_err(|e| Failure(format!("after {name}, the next read failed: {e}")))?;
        }
        Ok(())
    }
}
