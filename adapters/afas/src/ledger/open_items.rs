//! Open items and customer balances of an [`AfasLedger`]: the open items connector, and a
//! balance summed from it exactly to the cent (Q10).

use grootboek_core::{Cursor, Money, OpenItem, Page, Result};
use rust_decimal::Decimal;

use super::{tag, AfasLedger};
use crate::client::{Filter, GetQuery};
use crate::mapping::open_item::open_item_from_row;

impl AfasLedger {
    /// One page of an administration's open items.
    pub(super) async fn fetch_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let op = tag("list_open_items");
        let (rows, next) = self
            .listing(
                &self.config.connectors.open_items,
                vec![Filter::eq("UnitId", administration)],
                "InvoiceNr",
                Some("DebtorId"),
            )
            .page(&self.client, cursor)
            .await
            .map_err(&op)?;
        let items = rows
            .iter()
            .map(|r| open_item_from_row(r, self.config.currency))
            .collect::<Result<Vec<_>>>()
            .map_err(&op)?;
        Ok(Page { items, next })
    }

    /// What a customer owes in an administration: the sum of its open items (Q10).
    pub(super) async fn fetch_customer_balance(
        &self,
        administration: &str,
        customer: &str,
    ) -> Result<Money> {
        let op = tag("customer_balance");
        let filters = vec![
            Filter::eq("UnitId", administration),
            Filter::eq("DebtorId", customer),
        ];
        if self.config.runtime.defence("Q10") {
            // Summed from the open items, exact to the cent (Q10).
            let rows = self
                .listing(
                    &self.config.connectors.open_items,
                    filters,
                    "InvoiceNr",
                    Some("DebtorId"),
                )
                .all(&self.client)
                .await
                .map_err(&op)?;
            let mut total = Decimal::ZERO;
            for r in &rows {
                total += r.decimal("Balance").map_err(&op)?.unwrap_or_default();
            }
            Ok(Money::new(total, self.config.currency))
        } else {
            // The convenience connector, which rounds to whole euros.
            let q = GetQuery {
                filters,
                order_by: vec!["DebtorId".into()],
                skip: 0,
                take: 1,
            };
            let rows = self
                .client
                .get(&self.config.connectors.debtor_balance, &q)
                .await
                .map_err(&op)?
                .rows;
            let balance = match rows.first() {
                Some(r) => r.decimal("Balance").map_err(&op)?.unwrap_or_default(),
                None => Decimal::ZERO,
            };
            Ok(Money::new(balance, self.config.currency))
        }
    }
}
