//! Pages of a listing. Adapters follow the vendor's own paging (OData `__next`, AFAS key windows,
//! Twinfield browse) inside one page call and hand out an opaque [`Cursor`] for the next one.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An opaque position in a listing, produced by the adapter that listed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor(pub String);

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page. An empty page with a cursor is not the
    /// end (vendors sometimes answer empty pages mid-listing).
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// The last page.
    pub fn last(items: Vec<T>) -> Self {
        Self { items, next: None }
    }
}

/// Collect every page of a listing, following cursors to the end.
///
/// `max_pages` bounds the walk so that a vendor that hands out cursors forever is an error, not a
/// hang.
pub async fn collect_all<T, F, Fut>(max_pages: usize, mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..max_pages {
        let page = fetch(cursor.take()).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
    Err(crate::Error::protocol(format!(
        "listing did not end after {max_pages} pages"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn follows_cursors_through_empty_pages() {
        let pages = [vec![1, 2], vec![], vec![3]];
        let all = collect_all(10, |c: Option<Cursor>| {
            let i: usize = c.map(|c| c.0.parse().unwrap()).unwrap_or(0);
            let items = pages[i].clone();
            let next = (i + 1 < pages.len()).then(|| Cursor((i + 1).to_string()));
            async move { Ok(Page { items, next }) }
        })
        .await
        .unwrap();
        assert_eq!(all, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn endless_listings_are_an_error() {
        let r = collect_all(3, |_c: Option<Cursor>| async {
            Ok(Page {
                items: vec![1],
                next: Some(Cursor("again".into())),
            })
        })
        .await;
        assert!(r.is_err());
    }
}
