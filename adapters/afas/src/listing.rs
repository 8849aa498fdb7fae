//! Paging GetConnectors without ever skipping deep (Q05).
//!
//! AFAS returns an ordinary-looking empty page once `skip` passes 10,000: no error, no total. With
//! the Q05 defence on, a listing is ordered by a unique key (key field, then a tie-break field)
//! and every page is a fresh **key window**: `key >= last key seen`, skipping only the rows of
//! that last key already returned (normally one). `skip` therefore stays tiny however long the
//! listing. An empty page right after a full one is suspicious: the listing re-windows with a
//! strict `key > last key` from skip 0 before it believes the end.
//!
//! With the defence off the listing pages naively (`skip += take` until an empty page), which
//! silently loses every row past 10,000.
//!
//! The cursor is opaque to callers: `w:<prev_full>:<dup>:<key>` or `s:<skip>`.

use grootboek_core::{Cursor, Error, Result};

use crate::client::{AfasClient, Filter, GetQuery};
use crate::wire::row::Row;

/// Largest `skip` the adapter ever sends inside a key window (AFAS stops at 10,000).
pub const MAX_WINDOW_SKIP: u64 = 5_000;

/// What to list and how to order it.
#[derive(Debug, Clone)]
pub struct KeyedListing<'a> {
    /// The GetConnector.
    pub connector: &'a str,
    /// Conditions that select the listing (ANDed with the window).
    pub filters: Vec<Filter>,
    /// The ordering key the windows slice on.
    pub key: &'a str,
    /// A second ordering field that makes the order unique when keys repeat.
    pub tie_break: Option<&'a str>,
    /// Rows per request.
    pub page_size: u64,
    /// Whether the Q05 defence (key windows) is on.
    pub windows: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Start,
    Window {
        prev_full: bool,
        dup: u64,
        key: String,
    },
    Skip(u64),
}

fn parse_cursor(c: Option<Cursor>) -> Result<State> {
    let Some(Cursor(s)) = c else {
        return Ok(State::Start);
    };
    let bad = || Error::validation(format!("`{s}` is not an AFAS listing cursor"));
    if let Some(rest) = s.strip_prefix("s:") {
        return rest.parse().map(State::Skip).map_err(|_| bad());
    }
    let rest = s.strip_prefix("w:").ok_or_else(bad)?;
    let mut parts = rest.splitn(3, ':');
    let prev_full = match parts.next() {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(bad()),
    };
    let dup = parts.next().and_then(|d| d.parse().ok()).ok_or_else(bad)?;
    let key = parts.next().ok_or_else(bad)?.to_string();
    Ok(State::Window {
        prev_full,
        dup,
        key,
    })
}

fn encode(state: &State) -> Option<Cursor> {
    match state {
        State::Start => None,
        State::Skip(n) => Some(Cursor(format!("s:{n}"))),
        State::Window {
            prev_full,
            dup,
            key,
        } => Some(Cursor(format!(
            "w:{}:{dup}:{key}",
            if *prev_full { 1 } else { 0 }
        ))),
    }
}

impl KeyedListing<'_> {
    fn query(&self, extra: Option<Filter>, skip: u64) -> GetQuery {
        let mut filters = self.filters.clone();
        filters.extend(extra);
        let mut order_by = vec![self.key.to_string()];
        order_by.extend(self.tie_break.map(str::to_string));
        GetQuery {
            filters,
            order_by,
            skip,
            take: self.page_size,
        }
    }

    /// One page of rows and the cursor of the next (`None` at the end).
    pub async fn page(
        &self,
        client: &AfasClient,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        let state = parse_cursor(cursor)?;
        if !self.windows {
            let skip = match state {
                State::Skip(n) => n,
                _ => 0,
            };
            let rows = client
                .get(self.connector, &self.query(None, skip))
                .await?
                .rows;
            if rows.is_empty() {
                return Ok((rows, None));
            }
            let next = State::Skip(skip + rows.len() as u64);
            return Ok((rows, encode(&next)));
        }
        let (mut rows, last_key, mut dup, prev_full) = match &state {
            State::Window {
                prev_full,
                dup,
                key,
            } => {
                let q = self.query(Some(Filter::ge(self.key, key.clone())), *dup);
                (
                    client.get(self.connector, &q).await?.rows,
                    Some(key.clone()),
                    *dup,
                    *prev_full,
                )
            }
            _ => (
                client.get(self.connector, &self.query(None, 0)).await?.rows,
                None,
                0,
                false,
            ),
        };
        if rows.is_empty() {
            match (&last_key, prev_full) {
                (Some(k), true) => {
                    // Empty right after a full page: re-window strictly past the last key.
                    tracing::debug!(connector = self.connector, key = %k, "afas: empty page after a full one, re-windowing");
                    rows = client
                        .get(
                            self.connector,
                            &self.query(Some(Filter::gt(self.key, k.clone())), 0),
                        )
                        .await?
                        .rows;
                    if rows.is_empty() {
                        return Ok((rows, None));
                    }
                    dup = 0;
                }
                _ => return Ok((rows, None)),
            }
        }
        let full = rows.len() as u64 >= self.page_size;
        let Some(new_key) = rows.last().and_then(|r| r.text(self.key)) else {
            return Err(Error::protocol(format!(
                "{}: a row has no `{}` to page on",
                self.connector, self.key
            )));
        };
        let same = rows
            .iter()
            .filter(|r| r.text(self.key).as_deref() == Some(new_key.as_str()))
            .count() as u64;
        let dup = if last_key.as_deref() == Some(new_key.as_str()) {
            dup + same
        } else {
            same
        };
        if dup >= MAX_WINDOW_SKIP {
            return Err(Error::protocol(format!(
                "{}: more than {MAX_WINDOW_SKIP} rows share `{}` = {new_key}; cannot page them safely",
                self.connector, self.key
            )));
        }
        let next = State::Window {
            prev_full: full,
            dup,
            key: new_key,
        };
        Ok((rows, encode(&next)))
    }

    /// Every row, following pages to the end.
    pub async fn all(&self, client: &AfasClient) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        let mut cursor = None;
        for _ in 0..grootboek_core::traits::MAX_PAGES {
            let (rows, next) = self.page(client, cursor).await?;
            out.extend(rows);
            match next {
                Some(n) => cursor = Some(n),
                None => return Ok(out),
            }
        }
        Err(Error::protocol(format!(
            "{}: the listing did not end",
            self.connector
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for s in [
            State::Skip(10_000),
            State::Window {
                prev_full: true,
                dup: 1,
                key: "F:0001".into(),
            },
            State::Window {
                prev_full: false,
                dup: 3,
                key: "".into(),
            },
        ] {
            assert_eq!(parse_cursor(encode(&s)).unwrap(), s);
        }
        assert_eq!(parse_cursor(None).unwrap(), State::Start);
        for bad in ["", "x", "s:-1", "w:2:1:k", "w:1:x:k", "w:1:1"] {
            assert!(parse_cursor(Some(Cursor(bad.into()))).is_err(), "{bad}");
        }
    }
}
