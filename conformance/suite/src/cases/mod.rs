//! The catalog cases. Each module is one catalog ID, written against the core traits.

mod docs;
pub(crate) mod p1_entry_kinds_round_trip;
mod p2_partial_update;
mod p3_journal_count;
mod p4_two_processes_in_sequence;
mod p5_duplicate_customer;
mod q01_update_by_identity;
mod q02_icp_without_vat_code;
mod q03_vat_code_of_target_administration;
mod q04_shared_token_broker;
mod q05_deep_listing;
mod q06_open_from_amounts;
mod q07_journals_follow_pages;
mod q08_division_in_every_url;
mod q09_clear_field;
mod q10_balance_to_the_cent;
mod q11_pdf_bytes_cached;
mod q12_read_your_writes;
mod q13_grace_period_is_running;
mod q14_amsterdam_dates;
mod q15_create_refuses_taken_code;
mod q16_webhook_before_entity;
mod q24_zero_rate_needs_vat_code;
mod q25_codes_kept_as_stored;
mod r01_fault_after_commit;
mod r02_secrets_stay_home;
pub mod r03_concurrent_creates;
mod r04_missing_fields;
mod r05_hostile_bodies;
mod support;
mod t01_consent_flow;
mod t02_stale_cluster;
mod t03_two_administrations;
mod t04_dead_grant;
mod t05_burst_within_budget;
mod t06_batches_of_25;
mod t07_vendor_validation_error;
mod t08_company_code_convention;
mod t09_marked_and_reversed;
mod t11_webhook_validation;

use std::sync::Arc;

use crate::case::Case;

/// Every case, in catalog order.
pub fn all() -> Vec<Arc<dyn Case>> {
    vec![
        Arc::new(q01_update_by_identity::Q01),
        Arc::new(q02_icp_without_vat_code::Q02),
        Arc::new(q03_vat_code_of_target_administration::Q03),
        Arc::new(q04_shared_token_broker::Q04),
        Arc::new(q05_deep_listing::Q05),
        Arc::new(q06_open_from_amounts::Q06),
        Arc::new(q07_journals_follow_pages::Q07),
        Arc::new(q08_division_in_every_url::Q08),
        Arc::new(q09_clear_field::Q09),
        Arc::new(q10_balance_to_the_cent::Q10),
        Arc::new(q11_pdf_bytes_cached::Q11),
        Arc::new(q12_read_your_writes::Q12),
        Arc::new(q13_grace_period_is_running::Q13),
        Arc::new(q14_amsterdam_dates::Q14),
        Arc::new(q15_create_refuses_taken_code::Q15),
        Arc::new(q16_webhook_before_entity::Q16),
        Arc::new(p1_entry_kinds_round_trip::P1),
        Arc::new(p2_partial_update::P2),
        Arc::new(p3_journal_count::P3),
        Arc::new(p4_two_processes_in_sequence::P4),
        Arc::new(p5_duplicate_customer::P5),
        Arc::new(t01_consent_flow::T01),
        Arc::new(t02_stale_cluster::T02),
        Arc::new(t03_two_administrations::T03),
        Arc::new(t04_dead_grant::T04),
        Arc::new(t05_burst_within_budget::T05),
        Arc::new(t06_batches_of_25::T06),
        Arc::new(t07_vendor_validation_error::T07),
        Arc::new(t08_company_code_convention::T08),
        Arc::new(t09_marked_and_reversed::T09),
        Arc::new(q24_zero_rate_needs_vat_code::Q24),
        Arc::new(q25_codes_kept_as_stored::Q25),
        Arc::new(r01_fault_after_commit::R01),
        Arc::new(r02_secrets_stay_home::R02),
        Arc::new(r03_concurrent_creates::R03),
        Arc::new(r04_missing_fields::R04),
        Arc::new(r05_hostile_bodies::R05),
        Arc::new(t11_webhook_validation::T11),
    ]
}
