//! `retry` on tokio's paused clock: temporary failures only, `Retry-After` honoured, uncertain
//! writes retried only after the check says they did not land.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grootboek_core::runtime::retry::retry_without_check;
use grootboek_core::runtime::{retry, Landed, RetryPolicy};
use grootboek_core::{Error, ErrorKind, WriteOutcome};
use tokio::time::Instant;

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_delays(Duration::from_millis(100), Duration::from_secs(2))
}

fn unavailable() -> Error {
    Error::new(ErrorKind::Unavailable, "503")
}

#[tokio::test(start_paused = true)]
async fn retry_temporary_failures_until_success() {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let r = retry_without_check(&policy(), || {
        let c = c.clone();
        async move {
            if c.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(unavailable())
            } else {
                Ok("done")
            }
        }
    })
    .await;
    assert_eq!(r.expect("third attempt"), "done");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_gives_up_after_max_attempts() {
    let calls = AtomicU32::new(0);
    let r: Result<(), _> = retry_without_check(&policy(), || {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err(unavailable()) }
    })
    .await;
    assert_eq!(*r.expect_err("spent").kind(), ErrorKind::Unavailable);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn retry_honours_retry_after_and_refuses_too_long_ones() {
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    let r = retry_without_check(&policy(), || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(Error::new(
                    ErrorKind::RateLimited {
                        retry_after: Some(Duration::from_secs(30)),
                    },
                    "429",
                ))
            } else {
                Ok(n)
            }
        }
    })
    .await;
    assert_eq!(r.expect("after the wait"), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "waited {:?}",
        started.elapsed()
    );

    let calls = AtomicU32::new(0);
    let started = Instant::now();
    let r: Result<(), _> = retry_without_check(&policy(), || {
        calls.fetch_add(1, Ordering::SeqCst);
        async {
            Err(Error::new(
                ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(3600)),
                },
                "daily limit",
            ))
        }
    })
    .await;
    assert!(r.is_err());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a Retry-After beyond the maximum is not waited for"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn retry_never_retries_reconsent_validation_or_applied_writes() {
    for err in [
        Error::new(ErrorKind::ReconsentRequired, "invalid_grant"),
        Error::validation("VAT code missing"),
        unavailable().with_outcome(WriteOutcome::Applied),
        Error::new(ErrorKind::NotFound, "gone"),
    ] {
        let calls = AtomicU32::new(0);
        let kind = err.kind().clone();
        let mut err = Some(err);
        let r: Result<(), _> = retry(
            &policy(),
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                let e = err.take().unwrap_or_else(unavailable);
                async move { Err(e) }
            },
            || async { panic!("no check for a certain outcome") },
        )
        .await;
        assert_eq!(*r.expect_err("not retried").kind(), kind);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{kind:?} was retried");
    }
}

#[tokio::test(start_paused = true)]
async fn retry_uncertain_write_that_landed_is_not_posted_again() {
    let (posts, checks) = (AtomicU32::new(0), AtomicU32::new(0));
    let r = retry(
        &policy(),
        || {
            posts.fetch_add(1, Ordering::SeqCst);
            async {
                Err(
                    Error::new(ErrorKind::Unavailable, "connection dropped after sending")
                        .with_outcome(WriteOutcome::Uncertain),
                )
            }
        },
        || {
            checks.fetch_add(1, Ordering::SeqCst);
            async { Ok(Landed::Yes("INV-2024-001 found by its number")) }
        },
    )
    .await;
    assert_eq!(r.expect("found"), "INV-2024-001 found by its number");
    assert_eq!(
        (posts.load(Ordering::SeqCst), checks.load(Ordering::SeqCst)),
        (1, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn retry_uncertain_write_that_did_not_land_is_retried() {
    let (posts, checks) = (AtomicU32::new(0), AtomicU32::new(0));
    let r = retry(
        &policy(),
        || {
            let n = posts.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(Error::new(ErrorKind::Unavailable, "timeout")
                        .with_outcome(WriteOutcome::Uncertain))
                } else {
                    Ok("posted")
                }
            }
        },
        || {
            checks.fetch_add(1, Ordering::SeqCst);
            async { Ok(Landed::No) }
        },
    )
    .await;
    assert_eq!(r.expect("posted"), "posted");
    assert_eq!(
        (posts.load(Ordering::SeqCst), checks.load(Ordering::SeqCst)),
        (2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn retry_uncertain_write_with_failing_check_is_not_retried() {
    let posts = AtomicU32::new(0);
    let r: Result<(), _> = retry(
        &policy(),
        || {
            posts.fetch_add(1, Ordering::SeqCst);
            async {
                Err(Error::new(ErrorKind::Unavailable, "timeout")
                    .with_outcome(WriteOutcome::Uncertain))
            }
        },
        || async { Err(unavailable()) },
    )
    .await;
    assert_eq!(r.expect_err("unknown").outcome(), WriteOutcome::Uncertain);
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    // Without a check an uncertain write is never retried.
    let posts = AtomicU32::new(0);
    let r: Result<(), _> = retry_without_check(&policy(), || {
        posts.fetch_add(1, Ordering::SeqCst);
        async {
            Err(Error::new(ErrorKind::Unavailable, "timeout").with_outcome(WriteOutcome::Uncertain))
        }
    })
    .await;
    assert_eq!(r.expect_err("unknown").outcome(), WriteOutcome::Uncertain);
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}
