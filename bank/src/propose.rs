//! Which open items a bank line most likely pays.
//!
//! For each line, in this order of strength:
//!
//! 1. **Payment reference**: the line's structured reference (or end-to-end id) is an open
//!    item's invoice number.
//! 2. **Invoice number in the description**: the remittance text names open items' invoice
//!    numbers (compared without spaces, dashes and other punctuation, in any case; numbers of
//!    fewer than four characters are never looked for in free text).
//! 3. **Amount only**: no invoice is named, and exactly the line's amount is open on one item
//!    (several items with that amount are all offered, with less confidence).
//!
//! The amount then decides the confidence and says what kind of payment it is: in full, part,
//! several invoices at once. Lines from one payer (IBAN, else name) naming the same single invoice
//! are grouped (Q26: a G-account split arrives as two bank lines) and, together, are judged
//! against the open amount. Only lines and items of the same sign are paired (money in pays
//! invoices, money out refunds credit notes).

use std::collections::HashMap;

use grootboek_core::OpenItem;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::statement::BankLine;

/// The proposals for one bank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProposal {
    /// The line's position in the statement.
    pub line: usize,
    /// The open items it most likely pays, best first (empty: nothing to propose).
    pub candidates: Vec<Candidate>,
    /// Other lines of the same payer naming the same invoice (a split payment, Q26).
    pub split_with: Vec<usize>,
}

/// One open item a line may pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Position of the item in the open items given.
    pub item: usize,
    /// Its invoice number.
    pub reference: String,
    /// 1–100: how sure the proposal is.
    pub confidence: u8,
    /// Why it is proposed.
    pub reason: MatchReason,
}

/// Why an item is proposed for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The structured payment reference names it; the amount pays it in full.
    ReferencePaysInFull,
    /// The structured payment reference names it; the amount is less than what is open.
    ReferencePartPayment,
    /// The structured payment reference names it; the amount is more than what is open.
    ReferenceOverpayment,
    /// The description names it; the amount pays it in full.
    InvoiceNumberPaysInFull,
    /// The description names it; the amount is less than what is open.
    InvoiceNumberPartPayment,
    /// The description names it; the amount differs otherwise.
    InvoiceNumberOtherAmount,
    /// The description names several invoices whose open amounts add up to the line's.
    SeveralInvoicesInFull,
    /// The description names several invoices; their open amounts do not add up to the line's.
    SeveralInvoicesOtherAmount,
    /// Lines of one payer naming this invoice add up to its open amount (Q26).
    SplitPaymentInFull,
    /// Only the amount matches: exactly this much is open on the item.
    AmountOnly,
}

/// Normalise a reference for comparison: letters and digits only, upper case.
fn key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The shortest invoice number looked for in free text.
const MIN_FREE_TEXT_KEY: usize = 4;

/// Most amount-only candidates offered for one line.
const MAX_AMOUNT_ONLY: usize = 5;

/// Propose, for every line of `lines`, the items of `open_items` it most likely pays.
pub fn propose_matches(open_items: &[OpenItem], lines: &[BankLine]) -> Vec<LineProposal> {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_amount: HashMap<Decimal, Vec<usize>> = HashMap::new();
    for (i, item) in open_items.iter().enumerate().filter(|(_, i)| i.is_open()) {
        by_key.entry(key(&item.reference)).or_default().push(i);
        by_amount
            .entry(item.open_amount.amount.normalize())
            .or_default()
            .push(i);
    }
    let same_sign = |item: usize, line: &BankLine| {
        open_items[item].open_amount.amount.is_sign_negative() == line.amount.is_sign_negative()
    };
    // What each line names: by structured reference, else by its description.
    let named: Vec<(Vec<usize>, bool)> = lines
        .iter()
        .map(|line| {
            let structured = [&line.payment_reference, &line.end_to_end_id]
                .into_iter()
                .flatten()
                .filter_map(|r| by_key.get(&key(r)))
                .flatten()
                .copied()
                .filter(|&i| same_sign(i, line))
                .collect::<Vec<_>>();
            if !structured.is_empty() {
                return (dedup(structured), true);
            }
            let mut found = Vec::new();
            for token in line
                .description
                .split(|c: char| c.is_whitespace() || ",;:()[]".contains(c))
            {
                let k = key(token);
                if k.len() >= MIN_FREE_TEXT_KEY {
                    if let Some(items) = by_key.get(&k) {
                        found.extend(items.iter().copied().filter(|&i| same_sign(i, line)));
                    }
                }
            }
            (dedup(found), false)
        })
        .collect();
    // Q26: lines of one payer naming the same single invoice.
    let mut groups: HashMap<(String, usize), Vec<usize>> = HashMap::new();
    for (n, (items, _)) in named.iter().enumerate() {
        let line = &lines[n];
        let payer = line
            .counterparty_iban
            .as_deref()
            .map(key)
            .or_else(|| line.counterparty_name.as_deref().map(key))
            .filter(|p| !p.is_empty());
        if let (Some(payer), [item]) = (payer, &items[..]) {
            groups.entry((payer, *item)).or_default().push(n);
        }
    }
    let mut split_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for lines_of in groups.values().filter(|g| g.len() > 1) {
        for &n in lines_of {
            split_of.insert(n, lines_of.iter().copied().filter(|&m| m != n).collect());
        }
    }
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let (items, structured) = &named[n];
            let split_with = split_of.get(&n).cloned().unwrap_or_default();
            let candidates = if items.is_empty() {
                amount_only(open_items, &by_amount, line)
            } else {
                named_candidates(open_items, lines, items, *structured, line, &split_with)
            };
            LineProposal {
                line: n,
                candidates,
                split_with,
            }
        })
        .collect()
}

fn dedup(mut items: Vec<usize>) -> Vec<usize> {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|i| seen.insert(*i));
    items
}

fn candidate(
    open_items: &[OpenItem],
    item: usize,
    confidence: u8,
    reason: MatchReason,
) -> Candidate {
    Candidate {
        item,
        reference: open_items[item].reference.clone(),
        confidence,
        reason,
    }
}

fn named_candidates(
    open_items: &[OpenItem],
    lines: &[BankLine],
    items: &[usize],
    structured: bool,
    line: &BankLine,
    split_with: &[usize],
) -> Vec<Candidate> {
    use MatchReason::*;
    let paid = line.amount.abs();
    if let [item] = items {
        let open = open_items[*item].open_amount.amount.abs();
        let together: Decimal = paid
            + split_with
                .iter()
                .map(|&m| lines[m].amount.abs())
                .sum::<Decimal>();
        let (confidence, reason) = match (structured, paid.cmp(&open)) {
            (true, std::cmp::Ordering::Equal) => (100, ReferencePaysInFull),
            _ if !split_with.is_empty() && together == open => (95, SplitPaymentInFull),
            (true, std::cmp::Ordering::Less) => (90, ReferencePartPayment),
            (true, std::cmp::Ordering::Greater) => (80, ReferenceOverpayment),
            (false, std::cmp::Ordering::Equal) => (98, InvoiceNumberPaysInFull),
            (false, std::cmp::Ordering::Less) => (80, InvoiceNumberPartPayment),
            (false, std::cmp::Ordering::Greater) => (70, InvoiceNumberOtherAmount),
        };
        return vec![candidate(open_items, *item, confidence, reason)];
    }
    let sum: Decimal = items
        .iter()
        .map(|&i| open_items[i].open_amount.amount.abs())
        .sum();
    let (confidence, reason) = if sum == paid {
        (95, SeveralInvoicesInFull)
    } else {
        (60, SeveralInvoicesOtherAmount)
    };
    items
        .iter()
        .map(|&i| candidate(open_items, i, confidence, reason))
        .collect()
}

fn amount_only(
    open_items: &[OpenItem],
    by_amount: &HashMap<Decimal, Vec<usize>>,
    line: &BankLine,
) -> Vec<Candidate> {
    let Some(items) = by_amount.get(&line.amount.normalize()) else {
        return Vec::new();
    };
    let confidence = if items.len() == 1 { 50 } else { 20 };
    items
        .iter()
        .take(MAX_AMOUNT_ONLY)
        .map(|&i| candidate(open_items, i, confidence, MatchReason::AmountOnly))
        .collect()
}
