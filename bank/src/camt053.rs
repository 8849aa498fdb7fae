//! CAMT.053 (ISO 20022 `BkToCstmrStmt`, versions .001.02 to .001.08), streamed with `quick-xml`.
//!
//! No DTD is accepted (a `DOCTYPE` is refused before any entity could expand) and nesting is
//! bounded at [`MAX_DEPTH`] levels (R05). An entry (`Ntry`) with one transaction is one line; an
//! entry batching several transactions (`NtryDtls` with several `TxDtls`) is one line per
//! transaction, each with its own amount.

use chrono::NaiveDate;
use grootboek_core::Currency;
use quick_xml::events::Event;
use quick_xml::Reader;
use rust_decimal::Decimal;

use crate::error::StatementError;
use crate::statement::{BankLine, BankStatement};

const FORMAT: &str = "CAMT.053";

/// The deepest element nesting accepted; CAMT.053 documents nest about 12 levels.
pub const MAX_DEPTH: usize = 64;

fn err(message: impl Into<String>) -> StatementError {
    StatementError::new(FORMAT, message)
}

/// What one `TxDtls` (or the entry itself) says.
#[derive(Default, Clone)]
struct Tx {
    amount: Option<(String, Option<String>)>,
    debtor_name: Option<String>,
    creditor_name: Option<String>,
    debtor_iban: Option<String>,
    creditor_iban: Option<String>,
    end_to_end: Option<String>,
    reference: Option<String>,
    unstructured: Vec<String>,
}

#[derive(Default)]
struct Entry {
    amount: Option<(String, Option<String>)>,
    credit: Option<bool>,
    reversal: bool,
    booked: Option<String>,
    value: Option<String>,
    bank_reference: Option<String>,
    additional: Option<String>,
    txs: Vec<Tx>,
}

/// Every statement (`Stmt`) of a CAMT.053 document.
pub fn parse_camt053(xml: &[u8]) -> Result<Vec<BankStatement>, StatementError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut statements = Vec::new();
    let mut account: Option<String> = None;
    let mut currency: Option<String> = None;
    let mut lines: Vec<BankLine> = Vec::new();
    let mut entry: Option<Entry> = None;
    let mut amount_ccy: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(format!("not XML that can be read: {e}")))?;
        match event {
            Event::DocType(_) => return Err(err("a DOCTYPE is not accepted in a statement")),
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.len() >= MAX_DEPTH {
                    return Err(err(format!(
                        "the document nests elements deeper than {MAX_DEPTH} levels"
                    )));
                }
                amount_ccy = None;
                if name == "Amt" {
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == b"Ccy" {
                            amount_ccy = Some(String::from_utf8_lossy(&a.value).into_owned());
                        }
                    }
                }
                match name.as_str() {
                    "Stmt" => {
                        account = None;
                        currency = None;
                        lines = Vec::new();
                    }
                    "Ntry" => entry = Some(Entry::default()),
                    "TxDtls" => {
                        if let Some(en) = entry.as_mut() {
                            en.txs.push(Tx::default());
                        }
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::End(_) => {
                let closed = path.pop().unwrap_or_default();
                match closed.as_str() {
                    "Ntry" => {
                        if let Some(en) = entry.take() {
                            let fallback = currency.clone();
                            lines.extend(entry_lines(en, fallback.as_deref(), lines.len())?);
                        }
                    }
                    "Stmt" => {
                        let account = account
                            .take()
                            .ok_or_else(|| err("a statement without `Acct/Id`"))?;
                        let ccy = match currency.take() {
                            Some(c) => c,
                            None => lines
                                .first()
                                .map(|l| l.currency.code().to_string())
                                .ok_or_else(|| err("a statement without `Acct/Ccy` or lines"))?,
                        };
                        statements.push(BankStatement {
                            account,
                            currency: currency_of(&ccy)?,
                            lines: std::mem::take(&mut lines),
                        });
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                let text = t
                    .decode()
                    .map_err(|e| err(format!("text that cannot be read: {e}")))?;
                let text = quick_xml::escape::unescape(&text)
                    .map_err(|e| err(format!("an entity that is not XML's own: {e}")))?
                    .trim()
                    .to_string();
                take_text(
                    &path,
                    text,
                    amount_ccy.clone(),
                    &mut account,
                    &mut currency,
                    &mut entry,
                );
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(err(format!(
            "the document ends inside <{}>",
            path.join("/")
        )));
    }
    if statements.is_empty() {
        return Err(err(
            "no `Stmt` in the document (is it a CAMT.053 `BkToCstmrStmt`?)",
        ));
    }
    Ok(statements)
}

/// Does the path end with these element names?
fn ends(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn take_text(
    path: &[String],
    text: String,
    ccy: Option<String>,
    account: &mut Option<String>,
    currency: &mut Option<String>,
    entry: &mut Option<Entry>,
) {
    let in_entry = path.iter().any(|p| p == "Ntry");
    if !in_entry {
        if ends(path, &["Stmt", "Acct", "Id", "IBAN"])
            || ends(path, &["Stmt", "Acct", "Id", "Othr", "Id"])
        {
            *account = Some(text);
        } else if ends(path, &["Stmt", "Acct", "Ccy"]) {
            *currency = Some(text);
        }
        return;
    }
    let Some(en) = entry.as_mut() else { return };
    let in_tx = path.iter().any(|p| p == "TxDtls");
    if !in_tx {
        if ends(path, &["Ntry", "Amt"]) {
            en.amount = Some((text, ccy));
        } else if ends(path, &["Ntry", "CdtDbtInd"]) {
            en.credit = match text.as_str() {
                "CRDT" => Some(true),
                "DBIT" => Some(false),
                _ => None,
            };
        } else if ends(path, &["Ntry", "RvslInd"]) {
            en.reversal = text == "true" || text == "1";
        } else if ends(path, &["BookgDt", "Dt"]) || ends(path, &["BookgDt", "DtTm"]) {
            en.booked = Some(text);
        } else if ends(path, &["ValDt", "Dt"]) || ends(path, &["ValDt", "DtTm"]) {
            en.value = Some(text);
        } else if ends(path, &["Ntry", "AcctSvcrRef"]) {
            en.bank_reference = Some(text);
        } else if ends(path, &["Ntry", "AddtlNtryInf"]) {
            en.additional = Some(text);
        }
        return;
    }
    let Some(tx) = en.txs.last_mut() else { return };
    let party = |who: &str| path.iter().any(|p| p == who);
    if ends(path, &["TxDtls", "Amt"]) || ends(path, &["AmtDtls", "TxAmt", "Amt"]) {
        tx.amount.get_or_insert((text, ccy));
    } else if ends(path, &["Refs", "EndToEndId"]) {
        if text != "NOTPROVIDED" {
            tx.end_to_end = Some(text);
        }
    } else if ends(path, &["CdtrRefInf", "Ref"]) {
        tx.reference = Some(text);
    } else if ends(path, &["RmtInf", "Ustrd"]) {
        tx.unstructured.push(text);
    } else if ends(path, &["Nm"]) && party("Dbtr") && !party("DbtrAgt") {
        tx.debtor_name = Some(text);
    } else if ends(path, &["Nm"]) && party("Cdtr") && !party("CdtrAgt") {
        tx.creditor_name = Some(text);
    } else if ends(path, &["DbtrAcct", "Id", "IBAN"]) {
        tx.debtor_iban = Some(text);
    } else if ends(path, &["CdtrAcct", "Id", "IBAN"]) {
        tx.creditor_iban = Some(text);
    }
}

fn currency_of(code: &str) -> Result<Currency, StatementError> {
    code.parse()
        .map_err(|_| err(format!("`{code}` is not a currency")))
}

fn date_of(text: &str) -> Result<NaiveDate, StatementError> {
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
        .map_err(|_| err(format!("`{text}` is not an ISO date")))
}

fn amount_of(
    (text, ccy): &(String, Option<String>),
    fallback: Option<&str>,
) -> Result<(Decimal, Currency), StatementError> {
    let amount: Decimal = text
        .parse()
        .map_err(|_| err(format!("`{text}` in `Amt` is not an amount")))?;
    if amount.is_sign_negative() {
        return Err(err(format!(
            "`Amt` {text} is negative; the sign is `CdtDbtInd`"
        )));
    }
    let code = ccy
        .as_deref()
        .or(fallback)
        .ok_or_else(|| err(format!("`Amt` {text} has no `Ccy`")))?;
    Ok((amount, currency_of(code)?))
}

fn entry_lines(
    en: Entry,
    fallback_ccy: Option<&str>,
    before: usize,
) -> Result<Vec<BankLine>, StatementError> {
    let n = before + 1;
    let credit = en
        .credit
        .ok_or_else(|| err(format!("entry {n} has no `CdtDbtInd` (CRDT or DBIT)")))?;
    // A reversal undoes the entry it names: a reversed credit takes money out.
    let incoming = credit != en.reversal;
    let date = en
        .booked
        .as_deref()
        .or(en.value.as_deref())
        .ok_or_else(|| err(format!("entry {n} has neither `BookgDt` nor `ValDt`")))?;
    let date = date_of(date)?;
    let entry_amount = en
        .amount
        .as_ref()
        .ok_or_else(|| err(format!("entry {n} has no `Amt`")))?;
    let txs = if en.txs.is_empty() {
        vec![Tx::default()]
    } else {
        en.txs
    };
    let several = txs.len() > 1;
    txs.into_iter()
        .enumerate()
        .map(|(i, tx)| {
            let (amount, currency) = match (&tx.amount, several) {
                (Some(a), true) => amount_of(a, fallback_ccy)?,
                (None, true) => {
                    return Err(err(format!(
                        "entry {n} batches several transactions but transaction {} has no `Amt`",
                        i + 1
                    )))
                }
                (_, false) => amount_of(entry_amount, fallback_ccy)?,
            };
            let (name, iban) = if incoming {
                (tx.debtor_name, tx.debtor_iban)
            } else {
                (tx.creditor_name, tx.creditor_iban)
            };
            let description = if tx.unstructured.is_empty() {
                en.additional.clone().unwrap_or_default()
            } else {
                tx.unstructured.join(" ")
            };
            Ok(BankLine {
                date,
                amount: if incoming { amount } else { -amount },
                currency,
                counterparty_name: name,
                counterparty_iban: iban,
                payment_reference: tx.reference,
                end_to_end_id: tx.end_to_end,
                description,
                bank_reference: en.bank_reference.clone(),
            })
        })
        .collect()
}
