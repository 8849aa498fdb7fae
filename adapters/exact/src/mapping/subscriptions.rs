//! `subscription/Subscriptions` → [`Subscription`] with a state derived from the dates (Q13).

use chrono::NaiveDate;
use grootboek_core::{Error, Result};

use crate::model::{Subscription, SubscriptionState};
use crate::odata::{self, Row};

/// The fields read: the published ones only (no `Status`, which Exact's field lists lack).
pub const SELECT: &[&str] = &[
    "EntryID",
    "Number",
    "Description",
    "OrderedBy",
    "StartDate",
    "EndDate",
    "CancellationDate",
];

/// Read a subscription; its state is derived on `today` from the dates, or `assumed` when given
/// (the naive path trusts the server-side status filter).
pub fn from_wire(
    row: &Row,
    today: NaiveDate,
    assumed: Option<SubscriptionState>,
) -> Result<Subscription> {
    let entry_id = odata::guid(row, "EntryID")
        .ok_or_else(|| Error::protocol("Exact returned a subscription without `EntryID`"))?;
    let start_date = odata::date(row, "StartDate")?;
    let end_date = odata::date(row, "EndDate")?;
    let cancellation_date = odata::date(row, "CancellationDate")?;
    let state = assumed.unwrap_or_else(|| {
        SubscriptionState::derive(today, start_date, end_date, cancellation_date)
    });
    Ok(Subscription {
        entry_id,
        number: odata::integer(row, "Number"),
        description: odata::string(row, "Description"),
        ordered_by: odata::guid(row, "OrderedBy"),
        start_date,
        end_date,
        cancellation_date,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q13_grace_period_is_running() {
        let row: Row = odata::test_row(
            r#"{"EntryID":"5b3debef-9b1c-4bcd-b7ae-003e8d4139df","Number":7,"StartDate":"/Date(1767225600000)/",
                "EndDate":"/Date(1782864000000)/","CancellationDate":"/Date(1777593600000)/"}"#,
        );
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let s = from_wire(&row, today, None).unwrap();
        assert_eq!(s.state, SubscriptionState::Grace);
        assert_eq!(s.number, Some(7));
        assert!(s.state.is_running());
    }
}
