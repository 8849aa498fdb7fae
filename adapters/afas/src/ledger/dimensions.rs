//! Dimensions of an [`AfasLedger`]: customers (debtors, `KnSalesRelationOrg`) read and written
//! (Q09, Q15) and accounts read, and the [`Dimensions`] impl.

use async_trait::async_trait;
use grootboek_core::validation::{validate_dimension, validate_dimension_patch};
use grootboek_core::verify::verify_dimension;
use grootboek_core::{
    Cursor, Dimension, DimensionKind, DimensionPatch, Dimensions, Error, ErrorKind, Page, Result,
    WriteOutcome,
};
use reqwest::Method;

use super::{not_found, tag, AfasLedger};
use crate::client::{Filter, GetQuery};
use crate::mapping::debtor::{self, debtor_body, debtor_from_row, patch_body, AfasDebtor};
use crate::mapping::reference::account_from_row;

impl AfasLedger {
    /// The customer (debtor) with `code`, if any.
    pub(super) async fn debtor(&self, code: &str) -> Result<Option<AfasDebtor>> {
        let q = GetQuery {
            filters: vec![Filter::eq("DebtorId", code)],
            order_by: vec!["DebtorId".into()],
            skip: 0,
            take: 2,
        };
        let rows = self
            .client
            .get(&self.config.connectors.debtors, &q)
            .await?
            .rows;
        rows.iter()
            .map(debtor_from_row)
            .find(|d| d.as_ref().map_or(true, |d| d.dimension.code == code))
            .transpose()
    }

    async fn write_debtor(&self, method: Method, body: &serde_json::Value) -> Result<()> {
        self.client
            .update(method, debtor::CONNECTOR, body)
            .await
            .map(|_| ())
    }

    async fn read_back_dimension(&self, expected: &Dimension) -> Result<Dimension> {
        if !self.config.runtime.verify {
            return Ok(expected.clone());
        }
        let back = self
            .debtor(&expected.code)
            .await?
            .ok_or_else(|| Error::verification("code", &expected.code, "(none)"))?;
        verify_dimension(expected, &back.dimension)
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?;
        Ok(back.dimension)
    }

    fn customers_only(kind: DimensionKind) -> Result<()> {
        if kind == DimensionKind::Customer {
            Ok(())
        } else {
            Err(Error::unsupported(format!(
                "the AFAS adapter writes customers (debtors) only, not {kind:?}"
            )))
        }
    }
}

#[async_trait]
impl Dimensions for AfasLedger {
    async fn create_dimension(
        &self,
        _administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let op = tag("create_dimension");
        Self::customers_only(dimension.kind).map_err(&op)?;
        validate_dimension(dimension).map_err(&op)?;
        if self.config.runtime.defence("Q15")
            && self.debtor(&dimension.code).await.map_err(&op)?.is_some()
        {
            return Err(op(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "customer {} already exists; use upsert to overwrite it (Q15)",
                    dimension.code
                ),
            )));
        }
        let body = debtor_body(dimension, None, self.config.currency.code()).map_err(&op)?;
        self.write_debtor(Method::POST, &body).await.map_err(&op)?;
        self.read_back_dimension(dimension).await.map_err(&op)
    }

    async fn upsert_dimension(
        &self,
        _administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let op = tag("upsert_dimension");
        Self::customers_only(dimension.kind).map_err(&op)?;
        validate_dimension(dimension).map_err(&op)?;
        match self.debtor(&dimension.code).await.map_err(&op)? {
            None => {
                let body =
                    debtor_body(dimension, None, self.config.currency.code()).map_err(&op)?;
                self.write_debtor(Method::POST, &body).await.map_err(&op)?;
            }
            Some(current) => {
                // Overwrite every field: what the new dimension leaves empty is cleared (null).
                let patch = DimensionPatch {
                    name: grootboek_core::Patch::Set(dimension.name.clone()),
                    country: dimension.country.into(),
                    vat_number: dimension.vat_number.clone().into(),
                    email: dimension.email.clone().into(),
                    coc_number: dimension.coc_number.clone().into(),
                };
                let body = patch_body(
                    &dimension.code,
                    current.organisation.as_deref(),
                    &patch,
                    self.config.runtime.defence("Q09"),
                )
                .map_err(&op)?;
                self.write_debtor(Method::PUT, &body).await.map_err(&op)?;
            }
        }
        self.read_back_dimension(dimension).await.map_err(&op)
    }

    async fn update_dimension(
        &self,
        _administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        let op = tag("update_dimension");
        Self::customers_only(kind).map_err(&op)?;
        validate_dimension_patch(patch).map_err(&op)?;
        let current = self
            .debtor(code)
            .await
            .map_err(&op)?
            .ok_or_else(|| op(not_found(format!("customer {code} does not exist"))))?;
        if patch.is_empty() {
            return Ok(current.dimension);
        }
        let body = patch_body(
            code,
            current.organisation.as_deref(),
            patch,
            self.config.runtime.defence("Q09"),
        )
        .map_err(&op)?;
        self.write_debtor(Method::PUT, &body).await.map_err(&op)?;
        self.read_back_dimension(&current.dimension.patched(patch))
            .await
            .map_err(&op)
    }

    async fn get_dimension(
        &self,
        _administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let op = tag("get_dimension");
        let found = match kind {
            DimensionKind::Customer => self.debtor(code).await.map_err(&op)?.map(|d| d.dimension),
            DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => self
                .account(code)
                .await
                .map_err(&op)?
                .filter(|a| a.kind == kind),
            other => {
                return Err(op(Error::unsupported(format!(
                    "the AFAS adapter does not read {other:?}"
                ))))
            }
        };
        found.ok_or_else(|| op(not_found(format!("{kind:?} {code} does not exist"))))
    }

    async fn list_dimensions(
        &self,
        _administration: &str,
        kind: DimensionKind,
        cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let op = tag("list_dimensions");
        match kind {
            DimensionKind::Customer => {
                let (rows, next) = self
                    .listing(&self.config.connectors.debtors, vec![], "DebtorId", None)
                    .page(&self.client, cursor)
                    .await
                    .map_err(&op)?;
                let items = rows
                    .iter()
                    .map(|r| debtor_from_row(r).map(|d| d.dimension))
                    .collect::<Result<Vec<_>>>()
                    .map_err(&op)?;
                Ok(Page { items, next })
            }
            DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => {
                let (rows, next) = self
                    .listing(&self.config.connectors.accounts, vec![], "Account", None)
                    .page(&self.client, cursor)
                    .await
                    .map_err(&op)?;
                let items = rows
                    .iter()
                    .map(account_from_row)
                    .filter(|a| a.as_ref().map_or(true, |a| a.kind == kind))
                    .collect::<Result<Vec<_>>>()
                    .map_err(&op)?;
                Ok(Page { items, next })
            }
            other => Err(op(Error::unsupported(format!(
                "the AFAS adapter does not list {other:?}"
            )))),
        }
    }
}
