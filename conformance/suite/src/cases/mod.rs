//! The catalog cases. Each module is one catalog ID, written against the core traits.

mod docs;
mod p1_entry_kinds_round_trip;
mod p2_partial_update;
mod p3_journal_count;
mod p5_duplicate_customer;
mod q01_update_by_identity;
mod q02_icp_without_vat_code;
mod q03_vat_code_of_target_administration;
mod q05_deep_listing;
mod q06_open_from_amounts;
mod q07_journals_follow_pages;
mod q09_clear_field;
mod q10_balance_to_the_cent;
mod q14_amsterdam_dates;
mod q15_create_refuses_taken_code;

use std::sync::Arc;

use crate::case::Case;

/// Every case, in catalog order.
pub fn all() -> Vec<Arc<dyn Case>> {
    vec![
        Arc::new(q01_update_by_identity::Q01),
        Arc::new(q02_icp_without_vat_code::Q02),
        Arc::new(q03_vat_code_of_target_administration::Q03),
        Arc::new(q05_deep_listing::Q05),
        Arc::new(q06_open_from_amounts::Q06),
        Arc::new(q07_journals_follow_pages::Q07),
        Arc::new(q09_clear_field::Q09),
        Arc::new(q10_balance_to_the_cent::Q10),
        Arc::new(q14_amsterdam_dates::Q14),
        Arc::new(q15_create_refuses_taken_code::Q15),
        Arc::new(p1_entry_kinds_round_trip::P1),
        Arc::new(p2_partial_update::P2),
        Arc::new(p3_journal_count::P3),
        Arc::new(p5_duplicate_customer::P5),
    ]
}
