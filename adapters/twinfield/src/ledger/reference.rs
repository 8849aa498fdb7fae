//! Reference data of a [`TwinfieldLedger`]: offices (the administrations), day books (the
//! journals) and VAT codes, cached per office (Q03).

use std::sync::Arc;

use grootboek_core::{Administration, Cursor, Error, Journal, Page, Result, VatCode};

use super::{lock, TwinfieldLedger, READ};
use crate::mapping::{finder, office, vat};
use crate::xml::write::FinderQuery;

/// Rows per Finder page.
const FINDER_PAGE: u32 = 100;

impl TwinfieldLedger {
    /// Every office of the organisation (sent without `CompanyCode`): the listing across
    /// administrations (T03).
    pub async fn offices(&self) -> Result<Vec<Administration>> {
        let xml = self
            .t
            .process_xml(None, &office::list_request(), READ, "administrations")
            .await?;
        office::parse_list(&xml, self.cfg().office_country, self.cfg().office_currency)
    }

    /// Every row a Finder search of `kind` in `office` answers, page after page (`field`: 0 code
    /// and name, 1 code, 2 name; `options` beside the `office` option).
    async fn finder_rows(
        &self,
        office: &str,
        kind: &str,
        pattern: &str,
        field: u32,
        options: &[(&str, &str)],
        operation: &'static str,
    ) -> Result<Vec<Vec<String>>> {
        let mut rows = Vec::new();
        let mut first_row = 1;
        loop {
            let mut all_options = vec![("office", office)];
            all_options.extend_from_slice(options);
            let q = FinderQuery {
                kind,
                pattern,
                field,
                first_row,
                max_rows: FINDER_PAGE,
                options: all_options,
            };
            let page = self.t.finder(office, &q, operation).await?;
            let n = page.rows.len() as u32;
            rows.extend(page.rows);
            first_row += n;
            if n == 0 || first_row > page.total_rows {
                return Ok(rows);
            }
        }
    }

    /// The VAT codes of `office`, cached per office (Q03).
    pub async fn office_vat_codes(&self, office_code: &str) -> Result<Arc<Vec<VatCode>>> {
        if let Some(v) = lock(&self.vat_cache).get(office_code) {
            return Ok(v.clone());
        }
        let codes: Vec<String> = self
            .finder_rows(office_code, "VAT", "*", 0, &[], "vat_codes")
            .await?
            .iter()
            .filter_map(|r| finder::vat_code_from_row(r))
            .collect();
        let today = grootboek_core::dates::amsterdam_date(self.cfg().runtime.clock.now());
        let mut out = Vec::new();
        for code in codes {
            let xml = self
                .t
                .process_xml(
                    Some(office_code),
                    &vat::read_request(office_code, &code),
                    READ,
                    "vat_codes",
                )
                .await?;
            out.push(vat::parse_read(&xml, today)?);
        }
        let out = Arc::new(out);
        lock(&self.vat_cache).insert(office_code.to_string(), out.clone());
        Ok(out)
    }

    /// Q25: make sure `code` is a balance-sheet (`BAS`) or profit-and-loss (`PNL`) account of
    /// `office`, compared verbatim: never trimmed of zeros, never re-padded. Twinfield's browse
    /// reads `0110` as `110`; a line written on the code read that way posts to another account,
    /// or to none. A code the office does not have is refused as a validation error that names
    /// the stored codes differing from it only by leading zeros. Found codes are cached.
    pub async fn check_account(&self, office: &str, code: &str) -> Result<()> {
        let key = (office.to_string(), code.to_string());
        if lock(&self.account_cache).contains(&key) {
            return Ok(());
        }
        if code.is_empty() || code.contains(['*', '?']) || code.trim() != code {
            return Err(Error::validation(format!(
                "ledger account {code:?} is not a code Twinfield can store (Q25)"
            )));
        }
        let digits = code.trim_start_matches('0');
        let pattern = format!("*{digits}");
        let mut near = Vec::new();
        for dim_type in ["BAS", "PNL"] {
            let rows = self
                .finder_rows(
                    office,
                    "DIM",
                    &pattern,
                    1,
                    &[("dimtype", dim_type)],
                    "check_account",
                )
                .await?;
            for stored in rows.iter().filter_map(|r| r.first()) {
                if stored == code {
                    lock(&self.account_cache).insert(key);
                    return Ok(());
                }
                if stored.trim_start_matches('0') == digits {
                    near.push(stored.clone());
                }
            }
        }
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(
                "; it stores {} (codes are kept exactly as stored)",
                near.join(", ")
            )
        };
        Err(Error::validation(format!(
            "ledger account {code} does not exist in office {office}{hint} (Q25)"
        )))
    }

    /// Forget the cached VAT codes (all offices).
    pub fn clear_vat_cache(&self) {
        lock(&self.vat_cache).clear();
    }

    /// Every office of the organisation.
    pub(super) async fn fetch_administrations(&self) -> Result<Vec<Administration>> {
        self.offices().await
    }

    /// One page of an office's day books (Finder `TRS`).
    pub(super) async fn fetch_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let first_row: u32 = match cursor {
            Some(c) => {
                c.0.parse()
                    .map_err(|_| Error::validation("not a Twinfield journal cursor"))?
            }
            None => 1,
        };
        let q = FinderQuery {
            kind: "TRS",
            pattern: "*",
            field: 0,
            first_row,
            max_rows: FINDER_PAGE,
            options: vec![("office", administration)],
        };
        let page = self.t.finder(administration, &q, "list_journals").await?;
        let n = page.rows.len() as u32;
        let items = page
            .rows
            .iter()
            .filter_map(|r| finder::journal_from_row(r))
            .collect();
        let next_row = first_row + n;
        let next = (n > 0 && next_row <= page.total_rows).then(|| Cursor(next_row.to_string()));
        Ok(Page { items, next })
    }

    /// An office's VAT codes (cached per office).
    pub(super) async fn fetch_vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        Ok(self
            .office_vat_codes(administration)
            .await?
            .as_ref()
            .clone())
    }
}
