//! Open items and customer balances of a [`TwinfieldLedger`]: the browse of open sales
//! transaction lines, open decided from the amounts (Q06).

use grootboek_core::{Cursor, Money, OpenItem, Page, Result};
use rust_decimal::Decimal;

use super::{TwinfieldLedger, READ};
use crate::mapping::browse::{self, OpenRule};

impl TwinfieldLedger {
    /// An office's open items, all in one page.
    pub(super) async fn fetch_open_items(
        &self,
        administration: &str,
        _cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let rule = if self.cfg().defence("Q06") {
            OpenRule::Amounts
        } else {
            OpenRule::MatchStatus
        };
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(administration, None),
                READ,
                "list_open_items",
            )
            .await?;
        let base = self.cfg().office_currency;
        let mut items = Vec::new();
        browse::for_each_row(&xml, "list_open_items", |row| {
            if let Some(item) = browse::open_item(&row, administration, base, rule)? {
                items.push(item);
            }
            Ok(())
        })?;
        Ok(Page::last(items))
    }

    /// What a customer owes in an office: the sum of its open items.
    pub(super) async fn fetch_customer_balance(
        &self,
        administration: &str,
        customer: &str,
    ) -> Result<Money> {
        let rule = if self.cfg().defence("Q06") {
            OpenRule::Amounts
        } else {
            OpenRule::MatchStatus
        };
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(administration, Some(customer)),
                READ,
                "customer_balance",
            )
            .await?;
        let base = self.cfg().office_currency;
        let mut total = Decimal::ZERO;
        browse::for_each_row(&xml, "customer_balance", |row| {
            if let Some(item) = browse::open_item(&row, administration, base, rule)? {
                if item.relation == customer {
                    total += item.open_amount.amount;
                }
            }
            Ok(())
        })?;
        Ok(Money::new(total, base))
    }
}
