//! MT940 through the `mt940` crate (strict), with the Dutch structured `:86:` subfields read
//! here: `/EREF/`, `/IBAN/`, `/NAME/`, `/REMI/` (`USTD` free text or `STRD/CUR/` a structured
//! reference), `/CDTRREF/`. A `:86:` in another layout is kept whole as the description.

use ::mt940 as swift;
use grootboek_core::Currency;
use rust_decimal::Decimal;

use crate::error::StatementError;
use crate::statement::{BankLine, BankStatement};

const FORMAT: &str = "MT940";

/// Every statement (`:20:` message) of an MT940 file, bare or in SWIFT blocks
/// (`{1:F01INGBNL2A…}{2:…}{4:` … `-}`, as ING's export has them).
pub fn parse_mt940(text: &str) -> Result<Vec<BankStatement>, StatementError> {
    let text = strip_envelopes(text);
    // The parser is a third-party crate: a panic inside it on a hostile file is turned into an
    // error here, never into an abort of the caller.
    let parsed = std::panic::catch_unwind(|| swift::parse_mt940(&text))
        .map_err(|_| StatementError::new(FORMAT, "the MT940 parser gave up on this file"))?;
    let messages = parsed.map_err(|e| StatementError::new(FORMAT, e.to_string()))?;
    if messages.is_empty() {
        return Err(StatementError::new(FORMAT, "the file holds no statement"));
    }
    messages.into_iter().map(statement).collect()
}

/// The text of the messages without SWIFT's block envelope: a line opening blocks keeps only
/// what follows `{4:`; a line closing block 4 (`-}`, with trailer blocks) is dropped.
fn strip_envelopes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let kept = if trimmed.starts_with('{') {
            match trimmed.find("{4:") {
                Some(at) => &trimmed[at + 3..],
                None => "",
            }
        } else if trimmed.starts_with("-}") {
            ""
        } else {
            line
        };
        if !kept.trim().is_empty() {
            out.push_str(kept);
        }
    }
    out
}

fn statement(m: swift::Message) -> Result<BankStatement, StatementError> {
    let currency: Currency = m.opening_balance.iso_currency_code.parse().map_err(|_| {
        StatementError::new(
            FORMAT,
            format!(
                "statement {}: `{}` in :60F: is not a currency",
                m.statement_no, m.opening_balance.iso_currency_code
            ),
        )
    })?;
    let lines = m
        .statement_lines
        .into_iter()
        .map(|l| line(l, currency))
        .collect();
    Ok(BankStatement {
        account: m.account_id,
        currency,
        lines,
    })
}

fn line(l: swift::StatementLine, currency: Currency) -> BankLine {
    use swift::ExtDebitOrCredit as Dc;
    // `RD` (a reversed credit) takes money out, `RC` (a reversed debit) puts it back.
    let amount: Decimal = match l.ext_debit_credit_indicator {
        Dc::Credit | Dc::ReverseDebit => l.amount,
        Dc::Debit | Dc::ReverseCredit => -l.amount,
    };
    let mut out = BankLine {
        date: l.entry_date.unwrap_or(l.value_date),
        amount,
        currency,
        counterparty_name: None,
        counterparty_iban: None,
        payment_reference: None,
        end_to_end_id: None,
        description: String::new(),
        bank_reference: l.bank_ref.filter(|r| !r.trim().is_empty()),
    };
    match l.information_to_account_owner {
        Some(swift::InformationToAccountOwner::Plain(text)) => dutch_subfields(&text, &mut out),
        Some(swift::InformationToAccountOwner::Structured {
            purpose,
            applicant_iban,
            applicant_name,
            additional_purpose,
            ..
        }) => {
            out.counterparty_iban = applicant_iban;
            out.counterparty_name = applicant_name;
            out.description = [purpose, additional_purpose]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
        }
        None => {}
    }
    out
}

/// The subfield tags of the Dutch structured `:86:` (the common layout of ING, Rabobank and
/// ABN AMRO's SEPA export).
const TAGS: &[&str] = &[
    "TRTP",
    "EREF",
    "MARF",
    "CSID",
    "IBAN",
    "BIC",
    "NAME",
    "REMI",
    "CDTRREF",
    "CDTRREFTP",
    "ORDP",
    "BENM",
    "ID",
    "ADDR",
    "PURP",
    "RTRN",
    "ULTC",
    "ULTD",
    "SVCL",
    "ISDT",
    "CNTP",
    "PREF",
    "FX",
];

/// Read `/TAG/value/TAG/value…` into the line; text in another layout is the description.
fn dutch_subfields(raw: &str, out: &mut BankLine) {
    // The field's lines are cut at 65 characters, mid-word: the cut carries no meaning.
    let text: String = raw.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    if !text.starts_with('/') || !TAGS.iter().any(|t| text.contains(&format!("/{t}/"))) {
        out.description = text.trim().to_string();
        return;
    }
    let parts: Vec<&str> = text.split('/').collect();
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut i = 1;
    while i < parts.len() {
        let tag = parts[i];
        if TAGS.contains(&tag) {
            let mut value = Vec::new();
            i += 1;
            while i < parts.len() && !TAGS.contains(&parts[i]) {
                value.push(parts[i]);
                i += 1;
            }
            fields.push((tag, value.join("/").trim_matches('/').trim().to_string()));
        } else {
            i += 1;
        }
    }
    let nonempty = |v: &str| (!v.is_empty()).then(|| v.to_string());
    for (tag, value) in fields {
        match tag {
            "EREF" if value != "NOTPROVIDED" => out.end_to_end_id = nonempty(&value),
            "IBAN" => out.counterparty_iban = nonempty(&value),
            "NAME" if out.counterparty_name.is_none() => out.counterparty_name = nonempty(&value),
            "CDTRREF" => out.payment_reference = nonempty(&value),
            // ING's layout: `/CNTP/IBAN/BIC/name/city/`.
            "CNTP" => {
                let mut parts = value.split('/');
                out.counterparty_iban = parts.next().and_then(nonempty);
                let _bic = parts.next();
                if let Some(name) = parts.next().and_then(nonempty) {
                    out.counterparty_name = Some(name);
                }
            }
            "REMI" => {
                if let Some(reference) = value.strip_prefix("STRD/CUR/") {
                    out.payment_reference = nonempty(reference);
                } else {
                    let free = value
                        .strip_prefix("USTD//")
                        .or_else(|| value.strip_prefix("USTD/"))
                        .unwrap_or(&value);
                    out.description = free.trim().to_string();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const ING_LIKE: &str = ":20:P260504000000001\r\n\
:25:NL12INGB0001234567EUR\r\n\
:28C:00001\r\n\
:60F:C260503EUR1000,00\r\n\
:61:2605040504C121,00NTRFEREF//00000000001\r\n\
/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/Bakk\r\n\
erij de Vries/REMI/USTD//Factuur F2026-0042 dank u/EREF/NOTPROVIDED/\r\n\
:61:2605040504D15,50NTRFNONREF//00000000002\r\n\
:86:/TRTP/SEPA INCASSO/IBAN/NL02RABO0123456789/NAME/Energie BV/REMI/STRD/CUR/1234567890123456/\r\n\
:62F:C260504EUR1105,50\r\n";

    #[test]
    fn dutch_structured_lines_with_sign_counterparty_and_references() {
        let text = ING_LIKE.replacen(
            ":61:2605040504C121,00NTRFEREF//00000000001\r\n/TRTP",
            ":61:2605040504C121,00NTRFEREF//00000000001\r\n:86:/TRTP",
            1,
        );
        let statements = parse_mt940(&text).unwrap();
        assert_eq!(statements.len(), 1);
        let s = &statements[0];
        assert_eq!(s.account, "NL12INGB0001234567EUR");
        let [paid, debited] = &s.lines[..] else {
            panic!("two lines: {:?}", s.lines)
        };
        assert_eq!(paid.amount, dec!(121.00));
        assert_eq!(
            paid.counterparty_iban.as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(paid.counterparty_name.as_deref(), Some("Bakkerij de Vries"));
        assert_eq!(paid.description, "Factuur F2026-0042 dank u");
        assert_eq!(paid.end_to_end_id, None, "NOTPROVIDED is no reference");
        assert_eq!(debited.amount, dec!(-15.50));
        assert_eq!(
            debited.payment_reference.as_deref(),
            Some("1234567890123456")
        );
    }

    #[test]
    fn swift_blocks_around_the_messages_are_taken_off() {
        let text = ING_LIKE.replacen(
            ":61:2605040504C121,00NTRFEREF//00000000001\r\n/TRTP",
            ":61:2605040504C121,00NTRFEREF//00000000001\r\n:86:/TRTP",
            1,
        );
        let wrapped = format!(
            "{{1:F01INGBNL2ABXXX0000000000}}{{2:I940INGBNL2AXXXN}}{{3:{{108:B1}}}}{{4:\r\n{text}-}}{{5:}}\r\n"
        );
        let statements = parse_mt940(&wrapped).unwrap();
        assert_eq!(statements[0].lines.len(), 2);
    }

    #[test]
    fn garbage_never_panics() {
        for junk in [
            ":20:\r\n:61:\r\n",
            ":61:99999999",
            "{4:\r\n-}",
            "\u{0}\u{1}:86:/REMI/",
            ":20:X\r\n:25:Y\r\n:28C:1\r\n:60F:C2601XXEUR1,00\r\n",
        ] {
            assert!(parse_mt940(junk).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn broken_files_are_errors_naming_the_format() {
        let e = parse_mt940(":20:X\r\n:61:garbage\r\n").unwrap_err();
        assert_eq!(e.format, "MT940");
        assert!(parse_mt940("").is_err());
    }
}
