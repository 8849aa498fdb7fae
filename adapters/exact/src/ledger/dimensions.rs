//! Dimensions of an [`ExactLedger`]: customers and suppliers (`crm/Accounts`, Q15) and GL
//! accounts, and the [`Dimensions`] impl.

use async_trait::async_trait;
use grootboek_core::validation::{validate_dimension, validate_dimension_patch};
use grootboek_core::verify::verify_dimension;
use grootboek_core::{
    Cursor, Dimension, DimensionKind, DimensionPatch, Dimensions, Error, ErrorKind, Page, Result,
    Vendor, WriteOutcome,
};

use super::{op_err, ExactLedger};
use crate::mapping::{accounts, gl_accounts};
use crate::odata::{self, string_literal, Row};
use crate::urls::{Division, Endpoint, Query};

impl ExactLedger {
    async fn get_relation(
        &self,
        division: Division,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<(Row, Dimension)>> {
        match self.account_row(division, code).await? {
            Some(row) if accounts::is_kind(&row, kind) => {
                let d = accounts::from_wire(&row, kind)?;
                Ok(Some((row, d)))
            }
            _ => Ok(None),
        }
    }

    /// After a dimension write: read it back and verify it against what was meant (unless
    /// verification is off, when the intended dimension is returned).
    async fn confirm_dimension(
        &self,
        division: Division,
        expected: &Dimension,
    ) -> Result<Dimension> {
        if !self.cfg().runtime.verify {
            return Ok(expected.clone());
        }
        let back = self
            .read_dimension_back(division, expected.kind, &expected.code)
            .await?;
        verify_dimension(expected, &back)?;
        Ok(back)
    }

    /// POST a new `crm/Accounts` row.
    async fn post_account(&self, division: Division, dimension: &Dimension) -> Result<()> {
        self.client()
            .post(
                "create_account",
                division,
                Endpoint::Accounts,
                &accounts::to_wire(dimension),
            )
            .await?;
        Ok(())
    }

    async fn read_dimension_back(
        &self,
        division: Division,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let (found, _) = self
            .patiently(|| async {
                Ok(self
                    .get_relation(division, kind, code)
                    .await?
                    .map(|(_, d)| d))
            })
            .await?;
        found.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("{code} is not readable after the write"),
            )
            .with_vendor(Vendor::Exact)
            .with_outcome(WriteOutcome::Applied)
        })
    }

    fn relation_only(kind: DimensionKind) -> Result<()> {
        if kind.is_relation() {
            Ok(())
        } else {
            Err(Error::unsupported(format!(
                "the Exact adapter writes customers and suppliers only, not {kind:?}"
            )))
        }
    }
}

#[async_trait]
impl Dimensions for ExactLedger {
    async fn create_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(dimension.kind)?;
            validate_dimension(dimension)?;
            let division = Self::division(administration)?;
            if self.defence("Q15") {
                if let Some(row) = self.account_row(division, &dimension.code).await? {
                    let name = odata::string(&row, "Name").unwrap_or_default();
                    return Err(Error::new(
                        ErrorKind::AlreadyExists,
                        format!("code {} is taken in division {division} (by {name}); use upsert to overwrite", dimension.code),
                    ));
                }
            }
            self.post_account(division, dimension).await?;
            self.confirm_dimension(division, dimension).await
        };
        run.await.map_err(|e| op_err(e, "create_dimension"))
    }

    async fn upsert_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(dimension.kind)?;
            validate_dimension(dimension)?;
            let division = Self::division(administration)?;
            match self.account_row(division, &dimension.code).await? {
                Some(row) => {
                    let guid = odata::guid(&row, "ID")
                        .ok_or_else(|| Error::protocol("account without ID"))?;
                    let url =
                        self.client()
                            .urls()
                            .entity(division, Endpoint::Accounts, &guid, None)?;
                    self.client()
                        .put(
                            "upsert_account",
                            &url,
                            &accounts::to_wire_overwrite(dimension),
                        )
                        .await?;
                }
                None => self.post_account(division, dimension).await?,
            }
            self.confirm_dimension(division, dimension).await
        };
        run.await.map_err(|e| op_err(e, "upsert_dimension"))
    }

    async fn update_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        let run = async {
            Self::relation_only(kind)?;
            validate_dimension_patch(patch)?;
            let division = Self::division(administration)?;
            let (row, current) =
                self.get_relation(division, kind, code)
                    .await?
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            format!("{kind:?} {code} not found in division {division}"),
                        )
                    })?;
            let guid =
                odata::guid(&row, "ID").ok_or_else(|| Error::protocol("account without ID"))?;
            let url = self
                .client()
                .urls()
                .entity(division, Endpoint::Accounts, &guid, None)?;
            self.client()
                .put("update_account", &url, &accounts::patch_to_wire(patch))
                .await?;
            self.confirm_dimension(division, &current.patched(patch))
                .await
        };
        run.await.map_err(|e| op_err(e, "update_dimension"))
    }

    async fn get_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        let run = async {
            let division = Self::division(administration)?;
            let found = match kind {
                DimensionKind::Customer | DimensionKind::Supplier => self
                    .get_relation(division, kind, code)
                    .await?
                    .map(|(_, d)| d),
                DimensionKind::BalanceSheetAccount | DimensionKind::ProfitAndLossAccount => {
                    let rows = self
                        .client()
                        .all(
                            "get_gl_account",
                            division,
                            Endpoint::GlAccounts,
                            &Query::select(gl_accounts::SELECT)
                                .filter(format!("Code eq {}", string_literal(code.trim()))),
                        )
                        .await?;
                    rows.iter()
                        .map(gl_accounts::from_wire)
                        .collect::<Result<Vec<_>>>()?
                        .into_iter()
                        .find(|d| d.kind == kind && d.code == code.trim())
                }
                other => {
                    return Err(Error::unsupported(format!(
                        "the Exact adapter does not read {other:?}"
                    )))
                }
            };
            found.ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("{kind:?} {code} not found in division {division}"),
                )
            })
        };
        run.await.map_err(|e| op_err(e, "get_dimension"))
    }

    async fn list_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
        cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let run = async {
            let division = Self::division(administration)?;
            let (endpoint, query) = match kind {
                DimensionKind::Customer => (
                    Endpoint::Accounts,
                    Query::select(accounts::SELECT).filter("IsSales eq true"),
                ),
                DimensionKind::Supplier => (
                    Endpoint::Accounts,
                    Query::select(accounts::SELECT).filter("IsSupplier eq true"),
                ),
                DimensionKind::BalanceSheetAccount => (
                    Endpoint::GlAccounts,
                    Query::select(gl_accounts::SELECT).filter("BalanceType eq 'B'"),
                ),
                DimensionKind::ProfitAndLossAccount => (
                    Endpoint::GlAccounts,
                    Query::select(gl_accounts::SELECT).filter("BalanceType eq 'W'"),
                ),
                other => {
                    return Err(Error::unsupported(format!(
                        "the Exact adapter does not list {other:?}"
                    )))
                }
            };
            let (rows, next) = self
                .page_of(division, endpoint, &query, cursor, "list_dimensions")
                .await?;
            let items = rows
                .iter()
                .map(|r| {
                    if kind.is_relation() {
                        accounts::from_wire(r, kind)
                    } else {
                        gl_accounts::from_wire(r)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_dimensions"))
    }
}
