//! Open items and customer balances of a [`TwinfieldLedger`]: the browse of open sales
//! transaction lines, open decided from the amounts (Q06), windowed by book year when the
//! office is too large for one answer (T12, [`crate::periods`]).

use chrono::Datelike;
use grootboek_core::{Cursor, Error, ErrorKind, Money, OpenItem, Page, Result, Vendor};
use rust_decimal::Decimal;

use super::{TwinfieldLedger, READ};
use crate::mapping::browse::{self, OpenRule};
use crate::periods::{self, Progress, Window};

/// Whether a browse failed because it asked for too much at once: its answer was over the
/// response cap, or it timed out (T12: whole-ledger browses on large offices time out).
fn too_large_for_one_answer(e: &Error) -> bool {
    e.is_response_too_large() || e.is_timeout()
}

impl TwinfieldLedger {
    fn open_rule(&self) -> OpenRule {
        if self.cfg().defence("Q06") {
            OpenRule::Amounts
        } else {
            OpenRule::MatchStatus
        }
    }

    /// An office's open items. One page when the whole customer-transactions browse fits one
    /// answer; otherwise (an answer over the response cap, or a browse that timed out: T12) one
    /// book year per page, newest
    /// first, a year too large for one answer read in halves of its periods. The cursor says
    /// where the listing stands.
    pub(super) async fn fetch_open_items(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<OpenItem>> {
        let progress = Progress::from_cursor(cursor.as_ref()).ok_or_else(|| {
            Error::new(
                ErrorKind::Validation,
                "the cursor is not one of this open-items listing",
            )
            .with_vendor(Vendor::Twinfield)
        })?;
        let (to, probe_in, gap) = match progress {
            Progress::Start => match self.open_items_in(administration, Window::ALL).await {
                Err(e) if too_large_for_one_answer(&e) => {
                    tracing::info!(
                        office = administration,
                        "open items too large for one answer; reading them by book year (T12)"
                    );
                    (None, 1, 2)
                }
                other => return other.map(Page::last),
            },
            Progress::Years {
                to,
                probe_in: 0,
                gap,
            } => {
                // Try everything that remains in one answer.
                let remaining = Window { from: None, to };
                match self.open_items_in(administration, remaining).await {
                    Err(e) if too_large_for_one_answer(&e) => (to, gap, gap.saturating_mul(2)),
                    other => return other.map(Page::last),
                }
            }
            Progress::Years { to, probe_in, gap } => (to, probe_in, gap),
        };
        let now_year = self.cfg().runtime.clock.now().year();
        let window = periods::year_window(to, now_year);
        let items = self.open_items_windowed(administration, window).await?;
        let next = Progress::Years {
            to: periods::before(&window),
            probe_in: probe_in.saturating_sub(1),
            gap,
        };
        Ok(Page {
            items,
            next: next.cursor(),
        })
    }

    /// The open items of `window`, read in halves of its periods while an answer is too large.
    fn open_items_windowed<'a>(
        &'a self,
        administration: &'a str,
        window: Window,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<OpenItem>>> + Send + 'a>>
    {
        Box::pin(async move {
            match self.open_items_in(administration, window).await {
                Err(e) if too_large_for_one_answer(&e) => {
                    let Some((newer, older)) = window.halves() else {
                        return Err(e);
                    };
                    let mut items = self.open_items_windowed(administration, newer).await?;
                    items.extend(self.open_items_windowed(administration, older).await?);
                    Ok(items)
                }
                other => other,
            }
        })
    }

    /// The open items of one browse over `window`.
    async fn open_items_in(&self, administration: &str, window: Window) -> Result<Vec<OpenItem>> {
        let rule = self.open_rule();
        let filter = window.filter();
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(
                    administration,
                    None,
                    filter.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                ),
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
        Ok(items)
    }

    /// What a customer owes in an office: the sum of its open items.
    pub(super) async fn fetch_customer_balance(
        &self,
        administration: &str,
        customer: &str,
    ) -> Result<Money> {
        let rule = self.open_rule();
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &browse::open_items_request(administration, Some(customer), None),
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
