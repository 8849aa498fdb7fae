//! Bank entries (`financialtransaction/BankEntries`), an Exact-only operation of
//! [`ExactLedger`]: post one (read back and verified), read them all.

use std::collections::HashMap;

use grootboek_core::{Error, ErrorKind, Result, WriteOutcome};
use serde_json::Value;

use crate::ledger::{op_err, ExactLedger};
use crate::mapping::bank_entries;
use crate::model::{BankEntry, PostedBankEntry};
use crate::odata::{self, Row};
use crate::urls::{Division, Endpoint, Query};

impl ExactLedger {
    /// Post a bank entry (`financialtransaction/BankEntries`, always addressed with its division,
    /// Q08), read it back and verify it.
    pub async fn post_bank_entry(&self, entry: &BankEntry) -> Result<PostedBankEntry> {
        self.post_bank_entry_inner(entry)
            .await
            .map_err(|e| op_err(e, "post_bank_entry"))
    }

    async fn post_bank_entry_inner(&self, entry: &BankEntry) -> Result<PostedBankEntry> {
        let division = Self::division(&entry.administration)?;
        if entry.journal.trim().is_empty() {
            return Err(Error::validation("the bank entry has no journal"));
        }
        if entry.lines.is_empty() {
            return Err(Error::validation("the bank entry has no lines"));
        }
        for (i, l) in entry.lines.iter().enumerate() {
            if l.amount.normalize().scale() > 2 {
                return Err(Error::validation(format!(
                    "bank line {} has more than 2 decimals",
                    i + 1
                )));
            }
            if l.amount.is_zero() {
                return Err(Error::validation(format!("bank line {} is zero", i + 1)));
            }
        }
        let gl_codes: Vec<&str> = entry
            .lines
            .iter()
            .filter_map(|l| l.gl_account.as_deref())
            .collect();
        let gl = self.gl_guids(division, &gl_codes).await?;
        let mut accounts_by_code = HashMap::new();
        for code in entry.lines.iter().filter_map(|l| l.customer.as_deref()) {
            if let Some(row) = self.account_row(division, code).await? {
                if let Some(g) = odata::guid(&row, "ID") {
                    accounts_by_code.insert(code.trim().to_string(), g);
                }
            }
        }
        let body = bank_entries::create_body(entry, &gl, &accounts_by_code)?;
        let created = self
            .client()
            .post("post_bank_entry", division, Endpoint::BankEntries, &body)
            .await?;
        let entry_id = created
            .as_ref()
            .and_then(|r| odata::guid(r, "EntryID"))
            .ok_or_else(|| {
                Error::protocol("Exact did not return the bank entry's EntryID")
                    .with_outcome(WriteOutcome::Applied)
            })?;
        if !self.cfg().runtime.verify {
            return Ok(PostedBankEntry {
                entry_id,
                entry_number: created
                    .as_ref()
                    .and_then(|r| odata::integer(r, "EntryNumber")),
                entry: entry.clone(),
            });
        }
        let (back, _) = self
            .patiently(|| self.get_bank_entry_opt(division, &entry_id))
            .await?;
        let back = back.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("bank entry {entry_id} is not readable after the write"),
            )
            .with_outcome(WriteOutcome::Applied)
        })?;
        let mut expected = entry.clone();
        expected.currency = back.entry.currency.clone().or(expected.currency);
        if back.entry.journal != expected.journal.trim()
            || back.entry.lines.len() != expected.lines.len()
        {
            return Err(Error::verification(
                "bank entry",
                format!("{:?}", expected.lines.len()),
                format!("{:?}", back.entry.lines.len()),
            ));
        }
        for (i, (e, a)) in expected.lines.iter().zip(&back.entry.lines).enumerate() {
            if e.amount != a.amount || e.date != a.date {
                return Err(Error::verification(
                    format!("lines[{i}].amount"),
                    format!("{} {}", e.amount, e.date),
                    format!("{} {}", a.amount, a.date),
                ));
            }
        }
        Ok(back)
    }

    async fn get_bank_entry_opt(
        &self,
        division: Division,
        entry_id: &str,
    ) -> Result<Option<PostedBankEntry>> {
        let row = self
            .client()
            .get_entity(
                "get_bank_entry",
                division,
                Endpoint::BankEntries,
                entry_id,
                &Query::select(bank_entries::EXPANDED_SELECT).expand("BankEntryLines"),
            )
            .await?;
        match row {
            Some(r) => Ok(Some(self.bank_entry_of_row(division, &r).await?)),
            None => Ok(None),
        }
    }

    async fn bank_entry_of_row(&self, division: Division, row: &Row) -> Result<PostedBankEntry> {
        let entry_id = odata::guid(row, "EntryID")
            .ok_or_else(|| Error::protocol("bank entry without EntryID"))?;
        let lines: Vec<Row> = match row.get("BankEntryLines") {
            Some(v @ Value::Object(_)) | Some(v @ Value::Array(_))
                if v.get("__deferred").is_none() =>
            {
                let page = odata::page_of_value(&serde_json::json!({ "d": v }))?;
                let mut rows = page.rows;
                let mut next = page.next;
                while let Some(n) = next.take() {
                    let p = self
                        .client()
                        .page(
                            "bank_entry_lines",
                            &self.client().urls().next_page(division, &n)?,
                        )
                        .await?;
                    rows.extend(p.rows);
                    next = p.next;
                }
                rows
            }
            _ => {
                self.client()
                    .all(
                        "bank_entry_lines",
                        division,
                        Endpoint::BankEntryLines,
                        &Query::select(bank_entries::LINE_SELECT)
                            .filter(format!("EntryID eq {}", odata::guid_literal(&entry_id)?)),
                    )
                    .await?
            }
        };
        let mut codes = HashMap::new();
        let gl_missing: Vec<String> = lines
            .iter()
            .filter(|l| odata::string(l, "GLAccountCode").is_none())
            .filter_map(|l| odata::guid(l, "GLAccount"))
            .collect();
        if !gl_missing.is_empty() {
            codes.extend(self.gl_codes(division, &gl_missing).await?);
        }
        for l in &lines {
            if odata::string(l, "AccountCode").is_none() {
                if let Some(g) = odata::guid(l, "Account") {
                    let code = self.account_code(division, &g).await?;
                    codes.insert(g, code);
                }
            }
        }
        bank_entries::from_wire(&division.to_string(), row, &lines, &codes)
    }

    /// Every bank entry of an administration (division), all pages (Q07).
    pub async fn bank_entries(&self, administration: &str) -> Result<Vec<PostedBankEntry>> {
        let division = Self::division(administration)?;
        let rows = self
            .client()
            .all(
                "bank_entries",
                division,
                Endpoint::BankEntries,
                &Query::select(bank_entries::HEADER_SELECT),
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.bank_entry_of_row(division, r).await?);
        }
        Ok(out)
    }
}
