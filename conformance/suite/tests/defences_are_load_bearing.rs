//! Every switchable defence of every adapter is load-bearing: its quirk case passes with the
//! defence on and fails with it off (`grootboek conformance --without-defence ID --case ID`).

use std::sync::Arc;

use grootboek_conformance::case::{Case, Outcome};
use grootboek_conformance::harness::VendorBinding;
use grootboek_conformance::runner::{run_one, RunOptions};
use grootboek_conformance::{bindings, cases};
use grootboek_core::{Defences, Vendor};

fn defended() -> Vec<(Vendor, &'static [&'static str])> {
    vec![
        (Vendor::Twinfield, grootboek_twinfield::DEFENCES),
        (Vendor::Exact, grootboek_exact::DEFENCES),
        (Vendor::Afas, grootboek_afas::DEFENCES),
    ]
}

async fn check(vendor: Vendor, ids: &[&str], problems: &mut Vec<String>) -> usize {
    let all_cases = cases::all();
    let all_bindings = bindings();
    let Some(binding): Option<&Arc<dyn VendorBinding>> =
        all_bindings.iter().find(|b| b.vendor() == vendor)
    else {
        problems.push(format!("no {vendor} binding is registered"));
        return 0;
    };
    let mut checked = 0;
    for id in ids {
        let Some(case): Option<&Arc<dyn Case>> = all_cases.iter().find(|c| c.id() == *id) else {
            problems.push(format!(
                "{vendor} defends {id} but the suite has no case {id}"
            ));
            continue;
        };
        let on = run_one(case.as_ref(), binding.as_ref(), &RunOptions::default()).await;
        if on.outcome != Outcome::Passed {
            problems.push(format!(
                "{id} on {vendor} with its defence: {} ({})",
                on.outcome, on.reason
            ));
        }
        let options = RunOptions {
            defences: Defences::without([id.parse().expect("catalog ID")]),
            ..RunOptions::default()
        };
        let off = run_one(case.as_ref(), binding.as_ref(), &options).await;
        if off.outcome != Outcome::Failed {
            problems.push(format!(
                "{id} on {vendor} without its defence: {} instead of failed",
                off.outcome
            ));
        }
        checked += 1;
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defence_makes_its_case_fail_when_switched_off() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (vendor, ids) in defended() {
        checked += check(vendor, ids, &mut problems).await;
    }
    assert!(checked >= 20, "only {checked} defences were checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
