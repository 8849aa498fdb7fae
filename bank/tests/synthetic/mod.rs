//! Synthetic open items and statements shared by the proposal tests and the bench.

#![allow(dead_code)]

use chrono::NaiveDate;
use grootboek_core::{Currency, Money, OpenItem};
use rust_decimal::Decimal;

pub const ITEMS: usize = 2_000;

pub fn reference(i: usize) -> String {
    format!("F2026-{:05}", i + 1)
}

/// Open amount of item `i`: distinct per item, so an amount names at most one item.
pub fn open_of(i: usize) -> Decimal {
    Decimal::new(10_000 + 137 * i as i64, 2)
}

pub fn open_items() -> Vec<OpenItem> {
    (0..ITEMS)
        .map(|i| OpenItem {
            entry: None,
            relation: format!("{}", 1000 + i % 300),
            reference: reference(i),
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            due_date: None,
            amount: Money::new(open_of(i), Currency::EUR),
            open_amount: Money::new(open_of(i), Currency::EUR),
        })
        .collect()
}

/// What a synthetic line is, and what the proposal must say.
#[derive(Clone)]
pub struct Spec {
    pub amount: Decimal,
    pub iban: String,
    pub name: String,
    pub description: String,
    pub structured: Option<String>,
    /// The item this line must be proposed first (reference or invoice number present).
    pub expect: Option<usize>,
    pub split: bool,
}

/// 500 lines: 150 naming their invoice in the description and paying it in full, 100 with a
/// structured reference, 50 part payments naming the invoice, 25 invoices paid in two lines by
/// one payer (50 lines), 100 lines naming nothing but an open amount, 50 naming nothing at all.
pub fn specs() -> Vec<Spec> {
    let mut out = Vec::new();
    let spec = |i: usize,
                amount: Decimal,
                description: String,
                structured: Option<String>,
                expect: bool| Spec {
        amount,
        iban: format!("NL{:02}ABNA{:010}", 10 + i % 89, 417_164_300 + i),
        name: format!("Klant {}", 1000 + i % 300),
        description,
        structured,
        expect: expect.then_some(i),
        split: false,
    };
    for i in 0..150 {
        out.push(spec(
            i,
            open_of(i),
            format!("Factuur {} dank u wel", reference(i)),
            None,
            true,
        ));
    }
    for i in 150..250 {
        out.push(spec(
            i,
            open_of(i),
            "Betaling".to_string(),
            Some(reference(i)),
            true,
        ));
    }
    for i in 250..300 {
        let part = (open_of(i) / Decimal::from(2)).round_dp(2);
        out.push(spec(
            i,
            part,
            format!("deel {} termijn 1", reference(i).to_lowercase()),
            None,
            true,
        ));
    }
    for i in 300..325 {
        let g = (open_of(i) * Decimal::new(21, 2)).round_dp(2);
        for (amount, what) in [(g, "G-rekening"), (open_of(i) - g, "rest")] {
            let mut s = spec(i, amount, format!("{} {what}", reference(i)), None, true);
            s.split = true;
            out.push(s);
        }
    }
    for i in 1000..1100 {
        out.push(spec(i, open_of(i), "Overboeking".to_string(), None, false));
    }
    for i in 0..50 {
        out.push(spec(
            5000 + i,
            Decimal::new(1, 2) + Decimal::from(7 * i as i64 + 3),
            "Onbekend".to_string(),
            None,
            false,
        ));
    }
    assert_eq!(out.len(), 500);
    out
}

pub fn mt940_of(specs: &[Spec]) -> String {
    let mut s = String::from(
        ":20:P260505000000001\r\n:25:NL12INGB0001234567EUR\r\n:28C:00001\r\n:60F:C260504EUR0,00\r\n",
    );
    let mut balance = Decimal::ZERO;
    for (n, l) in specs.iter().enumerate() {
        balance += l.amount;
        let amount = l.amount.to_string().replace('.', ",");
        s.push_str(&format!(":61:2605050505C{amount}NTRFNONREF//B{n:06}\r\n"));
        let remi = match &l.structured {
            Some(r) => format!("/REMI/STRD/CUR/{r}/"),
            None => format!("/REMI/USTD//{}/", l.description),
        };
        let info = format!(
            "/TRTP/SEPA OVERBOEKING/IBAN/{}/BIC/ABNANL2A/NAME/{}{remi}EREF/NOTPROVIDED/",
            l.iban, l.name
        );
        let wrapped: Vec<String> = info
            .as_bytes()
            .chunks(65)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        s.push_str(&format!(":86:{}\r\n", wrapped.join("\r\n")));
    }
    s.push_str(&format!(
        ":62F:C260505EUR{}\r\n",
        balance.to_string().replace('.', ",")
    ));
    s
}

pub fn camt_of(specs: &[Spec]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-05-05T06:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>\
<Acct><Id><IBAN>NL12INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>",
    );
    for (n, l) in specs.iter().enumerate() {
        let remittance = match &l.structured {
            Some(r) => format!("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>"),
            None => format!("<Ustrd>{}</Ustrd>", l.description),
        };
        s.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
<BookgDt><Dt>2026-05-05</Dt></BookgDt><ValDt><Dt>2026-05-05</Dt></ValDt><AcctSvcrRef>B{n:06}</AcctSvcrRef>\
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\
<RltdPties><Dbtr><Nm>{}</Nm></Dbtr><DbtrAcct><Id><IBAN>{}</IBAN></Id></DbtrAcct></RltdPties>\
<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>",
            l.amount, l.name, l.iban
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>");
    s
}
