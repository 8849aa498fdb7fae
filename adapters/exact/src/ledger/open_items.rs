//! Open items and customer balances of an [`ExactLedger`] (`read/financial/ReceivablesList`,
//! with the full amounts of the sales entries behind them).

use std::collections::HashMap;

use grootboek_core::{Currency, Cursor, Error, Ledger, Money, OpenItem, Page, Result};

use super::{op_err, ExactLedger};
use crate::mapping::receivables;
use crate::odata::{self, Row};
use crate::urls::{Division, Endpoint, Query};

impl ExactLedger {
    /// The full amounts (VAT included, signed as Exact holds them) of the sales entries behind a
    /// page of open items, in one request per 40 entries.
    async fn entry_amounts(
        &self,
        division: Division,
        rows: &[Row],
    ) -> Result<HashMap<String, rust_decimal::Decimal>> {
        let ids: Vec<String> = rows.iter().filter_map(|r| odata::guid(r, "Id")).collect();
        let mut out = HashMap::new();
        for chunk in ids.chunks(40) {
            let filter = chunk
                .iter()
                .map(|id| odata::guid_literal(id).map(|g| format!("EntryID eq {g}")))
                .collect::<Result<Vec<_>>>()?
                .join(" or ");
            let found = self
                .client()
                .all(
                    "open_item_amounts",
                    division,
                    Endpoint::SalesEntries,
                    &Query::select(&["EntryID", "AmountFC"]).filter(filter),
                )
                .await?;
            for r in &found {
                if let (Some(id), Some(amount)) =
                    (odata::guid(r, "EntryID"), odata::decimal(r, "AmountFC")?)
                {
                    out.insert(id, amount);
                }
            }
        }
        Ok(out)
    }

    /// One page of a division's open items, each with the full amount of its sales entry.
    pub(super) async fn fetch_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let run = async {
            let division = Self::division(administration)?;
            let (rows, next) = self
                .page_of(
                    division,
                    Endpoint::ReceivablesList,
                    &Query::select(receivables::SELECT),
                    cursor,
                    "list_open_items",
                )
                .await?;
            let originals = self.entry_amounts(division, &rows).await?;
            let items = rows
                .iter()
                .map(|r| {
                    let original = odata::guid(r, "Id").and_then(|id| originals.get(&id).copied());
                    receivables::from_wire(&division.to_string(), r, original)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_open_items"))
    }

    /// What a customer owes: the sum of its open items.
    pub(super) async fn fetch_customer_balance(
        &self,
        administration: &str,
        customer: &str,
    ) -> Result<Money> {
        let items = self.all_open_items(administration).await?;
        let mut total: Option<Money> = None;
        for i in items.into_iter().filter(|i| i.relation == customer.trim()) {
            total = Some(match total {
                None => i.open_amount,
                Some(t) => t.checked_add(i.open_amount).ok_or_else(|| {
                    Error::protocol("open items of a customer in several currencies")
                })?,
            });
        }
        Ok(total.unwrap_or_else(|| Money::zero(Currency::EUR)))
    }
}
