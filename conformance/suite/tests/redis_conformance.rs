//! `grootboek conformance --redis URL`: the token-sharing and budget cases with the Redis token
//! broker and budgets. Uses `GROOTBOEK_REDIS_URL` when set, else 127.0.0.1:6379; a missing Redis
//! fails the test, it is never skipped.

use grootboek_conformance::case::Outcome;
use grootboek_conformance::runner::{run, RunOptions};
use grootboek_conformance::{bindings, cases};

fn redis_url() -> String {
    std::env::var("GROOTBOEK_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_broker_and_budgets_pass_the_sharing_and_budget_cases() {
    let url = redis_url();
    // Fail loudly (not skip) when Redis does not answer.
    let probe = std::net::TcpStream::connect(
        url.trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap_or("127.0.0.1:6379"),
    );
    assert!(
        probe.is_ok(),
        "Redis does not answer at {url}: start one (scripts/setup-redis.sh) or set GROOTBOEK_REDIS_URL"
    );
    let wanted = ["Q04", "P4", "T04", "T05", "Q01", "Q02"];
    let selected = cases::all()
        .into_iter()
        .filter(|c| wanted.contains(&c.id()))
        .collect::<Vec<_>>();
    assert_eq!(selected.len(), wanted.len());
    let options = RunOptions {
        redis: Some(url),
        concurrency: 2,
        ..RunOptions::default()
    };
    let runs = run(selected, bindings(), options, |_| {}).await;
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .map(|r| format!("{} {}: {}", r.case, r.vendor, r.reason))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    let passed = runs.iter().filter(|r| r.outcome == Outcome::Passed).count();
    // Q04, P4, T04 on two OAuth vendors, T05 on three, Q01 on two, Q02 on three.
    assert!(passed >= 14, "only {passed} runs passed");
}
