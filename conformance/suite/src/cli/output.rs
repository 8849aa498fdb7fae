//! What `grootboek open-items` and `grootboek decode` print: the neutral model as JSON (serde of
//! the core types) or as a table for a person, and the helpers both commands share.

use std::path::Path;

use grootboek_core::runtime::token::TokenSummary;
use grootboek_core::{Dimension, ListedAdministration, OpenItem, PostedDocument, WriteReport};
use serde::Serialize;

/// The largest payload file `decode` reads (the adapters cap responses similarly).
pub const MAX_PAYLOAD_BYTES: u64 = 64 * 1024 * 1024;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object on stdout: `{"open_items":[…]}`, `{"invoices":[…]}`,
    /// `{"credit_notes":[…]}`, `{"dimensions":[…]}`, `{"administrations":[…]}`, `{"token":{…}}`
    /// or `{"outcome":{…}}`.
    Json,
    /// Aligned columns for a person.
    Table,
}

/// A decoded or listed result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    /// Open items.
    OpenItems(Vec<OpenItem>),
    /// Posted invoices.
    Invoices(Vec<PostedDocument>),
    /// Posted credit notes.
    CreditNotes(Vec<PostedDocument>),
    /// Dimensions.
    Dimensions(Vec<Dimension>),
    /// Administrations as a listing names them (offices, divisions).
    Administrations(Vec<ListedAdministration>),
    /// A token response, described without its secrets.
    Token(TokenSummary),
    /// A vendor's answer to a write, item by item.
    Outcome(WriteReport),
    /// Open items of every administration a connection reaches, each with its own result.
    PerAdministration(Vec<AdministrationOpenItems>),
}

/// One administration's open items, or why they could not be listed.
#[derive(Debug, Clone, Serialize)]
pub struct AdministrationOpenItems {
    /// The administration.
    pub administration: grootboek_core::Administration,
    /// Its open items, when listing them succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_items: Option<Vec<OpenItem>>,
    /// Why listing them failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Listing {
    /// Render in `format`, ending with a newline.
    pub fn render(&self, format: Format) -> Result<String, String> {
        match format {
            Format::Json => serde_json::to_string_pretty(self)
                .map(|s| s + "\n")
                .map_err(|e| one_line(&format!("cannot write JSON: {e}"))),
            Format::Table => Ok(match self {
                Listing::PerAdministration(runs) => runs
                    .iter()
                    .map(|r| {
                        let a = &r.administration;
                        match (&r.open_items, &r.error) {
                            (Some(items), _) => format!(
                                "== {} {} ({} open items)\n{}",
                                a.code,
                                one_line(&a.name),
                                items.len(),
                                Listing::OpenItems(items.clone()).table()
                            ),
                            (None, e) => format!(
                                "== {} {}: failed: {}\n",
                                a.code,
                                one_line(&a.name),
                                one_line(e.as_deref().unwrap_or("no result"))
                            ),
                        }
                    })
                    .collect(),
                other => other.table(),
            }),
        }
    }

    fn table(&self) -> String {
        let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match self {
            Listing::OpenItems(items) => (
                vec![
                    "relation",
                    "reference",
                    "date",
                    "due",
                    "amount",
                    "open",
                    "currency",
                    "entry",
                ],
                items
                    .iter()
                    .map(|i| {
                        vec![
                            i.relation.clone(),
                            i.reference.clone(),
                            i.date.to_string(),
                            i.due_date.map(|d| d.to_string()).unwrap_or_default(),
                            i.amount.amount.to_string(),
                            i.open_amount.amount.to_string(),
                            i.open_amount.currency.code().to_string(),
                            i.entry.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            Listing::Invoices(docs) | Listing::CreditNotes(docs) => (
                vec![
                    "entry",
                    "kind",
                    "customer",
                    "reference",
                    "date",
                    "due",
                    "net",
                    "vat",
                    "gross",
                    "lines",
                    "status",
                ],
                docs.iter()
                    .map(|p| {
                        let d = &p.document;
                        vec![
                            p.id.to_string(),
                            d.kind.to_string(),
                            d.customer.clone(),
                            d.reference.clone(),
                            d.date.to_string(),
                            d.due_date.map(|d| d.to_string()).unwrap_or_default(),
                            d.net_total().amount.to_string(),
                            d.vat_total().amount.to_string(),
                            d.gross_total().amount.to_string(),
                            d.lines.len().to_string(),
                            p.status.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            Listing::Dimensions(dims) => (
                vec!["kind", "code", "name", "country", "vat number", "email"],
                dims.iter()
                    .map(|d| {
                        vec![
                            format!("{:?}", d.kind),
                            d.code.clone(),
                            d.name.clone(),
                            d.country.map(|c| c.code().to_string()).unwrap_or_default(),
                            d.vat_number.clone().unwrap_or_default(),
                            d.email.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            Listing::Administrations(admins) => (
                vec!["code", "name", "country", "currency"],
                admins
                    .iter()
                    .map(|a| {
                        vec![
                            a.code.clone(),
                            a.name.clone(),
                            a.country.map(|c| c.code().to_string()).unwrap_or_default(),
                            a.currency.map(|c| c.code().to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            Listing::Token(t) => (vec!["field", "value"], token_rows(t)),
            Listing::Outcome(report) => (
                vec!["item", "status", "key", "errors", "warnings"],
                outcome_rows(report),
            ),
            Listing::PerAdministration(runs) => (
                vec!["administration", "name", "open items", "error"],
                runs.iter()
                    .map(|r| {
                        vec![
                            r.administration.code.clone(),
                            r.administration.name.clone(),
                            r.open_items
                                .as_ref()
                                .map(|i| i.len().to_string())
                                .unwrap_or_default(),
                            r.error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
        };
        table(&header, &rows)
    }
}

/// A token summary as `field, value` rows (never a secret: the summary holds none).
fn token_rows(t: &TokenSummary) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["token type".to_string(), t.token_type.clone()],
        vec![
            "expires in (s)".to_string(),
            t.expires_in_seconds
                .map(|s| s.to_string())
                .unwrap_or_else(|| "does not expire".to_string()),
        ],
        vec![
            "access token".to_string(),
            format!("{} characters", t.access_token_chars),
        ],
        vec![
            "refresh token".to_string(),
            if t.has_refresh_token {
                "present"
            } else {
                "absent"
            }
            .to_string(),
        ],
        vec![
            "id token".to_string(),
            if t.has_id_token { "present" } else { "absent" }.to_string(),
        ],
    ];
    if let Some(scope) = &t.scope {
        rows.push(vec!["scope".to_string(), scope.clone()]);
    }
    for (k, v) in &t.metadata {
        rows.push(vec![k.clone(), v.clone()]);
    }
    rows
}

/// One row per item, then one row for problems of the request as a whole.
fn outcome_rows(report: &WriteReport) -> Vec<Vec<String>> {
    let problems = |list: &[grootboek_core::VendorProblem]| -> String {
        list.iter()
            .map(|p| match &p.location {
                Some(at) => format!("{at}: {}", p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let mut rows: Vec<Vec<String>> = report
        .items
        .iter()
        .map(|i| {
            vec![
                i.index.to_string(),
                format!("{:?}", i.status).to_lowercase(),
                i.key.clone().unwrap_or_default(),
                problems(&i.errors),
                problems(&i.warnings),
            ]
        })
        .collect();
    if !report.problems.is_empty() {
        rows.push(vec![
            "request".to_string(),
            "refused".to_string(),
            String::new(),
            problems(&report.problems),
            String::new(),
        ]);
    }
    rows
}

/// A plain-text table: columns padded to their widest cell, each cell on one line, `(none)` when
/// there are no rows.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.iter().map(|c| one_line(c)).collect()));
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// `s` on one line: line breaks and other control characters become spaces, runs of spaces one.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Read a payload file, refusing one larger than [`MAX_PAYLOAD_BYTES`].
pub fn read_payload(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| one_line(&format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(format!("cannot read {}: not a file", path.display()));
    }
    if meta.len() > MAX_PAYLOAD_BYTES {
        return Err(format!(
            "{} is {} bytes, more than the {MAX_PAYLOAD_BYTES} a payload may have",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| one_line(&format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_breaks() {
        assert_eq!(one_line("a\nb\r\n  c\td"), "a b c d");
    }

    #[test]
    fn tables_align_and_say_none() {
        let t = table(&["a", "bb"], &[vec!["xxx".into(), "y".into()]]);
        assert_eq!(t, "a    bb\nxxx  y\n");
        assert_eq!(table(&["a"], &[]), "a\n(none)\n");
    }
}
