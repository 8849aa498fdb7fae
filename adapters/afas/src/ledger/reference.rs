//! Reference data of an [`AfasLedger`]: administrations, journals, VAT codes (cached per
//! administration) and accounts, read through GetConnectors.

use grootboek_core::{Administration, Cursor, Dimension, Journal, Page, Result, VatCode};

use super::{tag, AfasLedger};
use crate::client::{Filter, GetQuery};
use crate::mapping::reference::{
    account_from_row, administration_from_row, journal_from_row, vat_code_from_row, AfasVatCode,
};

impl AfasLedger {
    /// The VAT codes of an administration with their AFAS details (cached; `refresh` reads them
    /// again).
    pub(super) async fn afas_vat_codes(
        &self,
        administration: &str,
        refresh: bool,
    ) -> Result<Vec<AfasVatCode>> {
        if !refresh {
            let cache = self.vat_cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = cache.get(administration) {
                return Ok(v.clone());
            }
        }
        let rows = self
            .listing(&self.config.connectors.vat_codes, vec![], "VatCode", None)
            .all(&self.client)
            .await?;
        let codes = rows
            .iter()
            // The connector may span administrations; keep this one's rows when it says so.
            .filter(|r| {
                r.text_any(&["UnitId", "UnId"])
                    .is_none_or(|u| u == administration)
            })
            .map(vat_code_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.vat_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(administration.to_string(), codes.clone());
        Ok(codes)
    }

    /// The account with `code`, if any.
    pub(super) async fn account(&self, code: &str) -> Result<Option<Dimension>> {
        let q = GetQuery {
            filters: vec![Filter::eq("Account", code)],
            order_by: vec!["Account".into()],
            skip: 0,
            take: 2,
        };
        let rows = self
            .client
            .get(&self.config.connectors.accounts, &q)
            .await?
            .rows;
        rows.iter()
            .map(account_from_row)
            .find(|a| a.as_ref().map_or(true, |a| a.code == code))
            .transpose()
    }

    /// Every administration the connectors show.
    pub(super) async fn fetch_administrations(&self) -> Result<Vec<Administration>> {
        let op = tag("administrations");
        let rows = self
            .listing(
                &self.config.connectors.administrations,
                vec![],
                "AdminId",
                None,
            )
            .all(&self.client)
            .await
            .map_err(&op)?;
        rows.iter()
            .map(|r| {
                administration_from_row(
                    r,
                    |code| self.config.country_of(code),
                    self.config.currency,
                )
            })
            .collect::<Result<Vec<_>>>()
            .map_err(op)
    }

    /// One page of an administration's journals.
    pub(super) async fn fetch_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let op = tag("list_journals");
        let (rows, next) = self
            .listing(
                &self.config.connectors.journals,
                vec![Filter::eq("UnitId", administration)],
                "JournalId",
                None,
            )
            .page(&self.client, cursor)
            .await
            .map_err(&op)?;
        let items = rows
            .iter()
            .map(journal_from_row)
            .collect::<Result<Vec<_>>>()
            .map_err(&op)?;
        Ok(Page { items, next })
    }

    /// An administration's VAT codes, read afresh (the cache is refilled).
    pub(super) async fn fetch_vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        let codes = self
            .afas_vat_codes(administration, true)
            .await
            .map_err(tag("vat_codes"))?;
        Ok(codes.into_iter().map(|v| v.code).collect())
    }
}
