//! A vendor's answer to a write, item by item (`grootboek decode --kind outcome`).

use serde::{Deserialize, Serialize};

use crate::error::VendorProblem;

/// What a vendor answered to one write request: a refusal, or a batch with each item's own
/// outcome. A batch whose root says "failed" while some items were booked keeps those items as
/// [`ItemStatus::Applied`]: the root's verdict never overrides an item's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WriteReport {
    /// One entry per item of the request, in the request's order.
    pub items: Vec<ItemOutcome>,
    /// Problems the vendor named for the request as a whole (not for one item).
    pub problems: Vec<VendorProblem>,
}

impl WriteReport {
    /// Whether every item was applied and nothing was refused.
    pub fn all_applied(&self) -> bool {
        self.problems.is_empty() && self.items.iter().all(|i| i.status == ItemStatus::Applied)
    }
}

/// One item of a write request and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOutcome {
    /// Position in the request, from 0.
    pub index: usize,
    /// Applied or refused.
    pub status: ItemStatus,
    /// The key the vendor gave or echoed (transaction number, entry id, code), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The errors the vendor named for this item, each with its location.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<VendorProblem>,
    /// The warnings the vendor named for this item (the item may still be applied).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<VendorProblem>,
}

/// What became of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// The vendor booked it.
    Applied,
    /// The vendor refused it; nothing of it was booked.
    Refused,
}
