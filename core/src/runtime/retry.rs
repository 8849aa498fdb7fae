//! Retry with `backon` backoff: temporary failures only, `Retry-After` honoured, and a write whose
//! outcome is [`WriteOutcome::Uncertain`] retried only after the caller's check says it did not
//! land (so nothing is posted twice).

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::error::{Error, ErrorKind, Result, WriteOutcome};

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (default 4).
    pub max_attempts: usize,
    /// The first backoff delay (default 200 ms); it doubles per attempt.
    pub min_delay: Duration,
    /// The longest backoff delay (default 10 s).
    pub max_delay: Duration,
    /// A vendor `Retry-After` longer than this is not waited for: the error is returned
    /// (default 60 s; e.g. a spent daily quota).
    pub max_retry_after: Duration,
    /// Randomise delays so that many workers do not retry in step (default on).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Set the total number of attempts.
    pub fn with_max_attempts(mut self, n: usize) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Set the first and the longest backoff delay.
    pub fn with_delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// Set the longest `Retry-After` that is waited for.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The backoff delays between attempts (one fewer than `max_attempts`), jittered when
    /// `jitter` is on: for a caller that runs its own attempts (the write driver).
    pub fn delays(&self) -> impl Iterator<Item = Duration> {
        self.backoff()
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> {
        let b = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1));
        if self.jitter {
            b.with_jitter().build()
        } else {
            b.build()
        }
    }
}

/// The answer of the caller's "did the uncertain write land?" check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landed<T> {
    /// It landed; this is its result (e.g. the entry found by its natural key).
    Yes(T),
    /// It did not land: writing again is safe.
    No,
}

/// Whether `err` may be retried at all: temporary, not a dead grant, not a validation failure,
/// and not a write that is known to have landed.
pub fn is_retryable(err: &Error) -> bool {
    !matches!(
        err.kind(),
        ErrorKind::ReconsentRequired | ErrorKind::Validation
    ) && err.is_retryable()
        && err.outcome() != WriteOutcome::Applied
}

/// Run `op` until it succeeds, fails for good, or the policy is spent.
///
/// - Only [`is_retryable`] errors are retried; `ReconsentRequired` and validation errors never.
/// - The delay is the backoff delay or the error's `Retry-After`, whichever is longer; a
///   `Retry-After` above [`RetryPolicy::max_retry_after`] returns the error at once.
/// - After an error with [`WriteOutcome::Uncertain`], `landed` is asked (after the backoff
///   delay, so an eventually consistent vendor has time to show the write) before writing
///   again: `Landed::Yes(v)` returns `Ok(v)`; `Landed::No` retries; an error from the check
///   returns the uncertain error (it is still unknown whether the write landed). When the attempts
///   run out on an uncertain error, that error is returned.
pub async fn retry<T, Op, OpFut, Check, CheckFut>(
    policy: &RetryPolicy,
    mut op: Op,
    mut landed: Check,
) -> Result<T>
where
    Op: FnMut() -> OpFut,
    OpFut: Future<Output = Result<T>>,
    Check: FnMut() -> CheckFut,
    CheckFut: Future<Output = Result<Landed<T>>>,
{
    let mut backoff = policy.backoff();
    let mut uncertain: Option<Error> = None;
    loop {
        if let Some(err) = uncertain.take() {
            match landed().await {
                Ok(Landed::Yes(v)) => return Ok(v),
                Ok(Landed::No) => {}
                Err(check_err) => {
                    tracing::warn!(error = %check_err, "the check whether an uncertain write landed failed");
                    return Err(err);
                }
            }
        }
        let err = match op().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !is_retryable(&err) {
            return Err(err);
        }
        let Some(delay) = backoff.next() else {
            return Err(err);
        };
        let delay = match err.retry_after() {
            Some(ra) if ra > policy.max_retry_after => return Err(err),
            Some(ra) => delay.max(ra),
            None => delay,
        };
        tracing::debug!(error = %err, delay_ms = delay.as_millis() as u64, "retrying");
        if err.outcome() == WriteOutcome::Uncertain {
            uncertain = Some(err);
        }
        tokio::time::sleep(delay).await;
    }
}

/// [`retry()`] for operations without a "did it land?" check (reads, idempotent calls): an error
/// with an uncertain outcome is returned, never retried.
pub async fn retry_without_check<T, Op, OpFut>(policy: &RetryPolicy, mut op: Op) -> Result<T>
where
    Op: FnMut() -> OpFut,
    OpFut: Future<Output = Result<T>>,
{
    retry(
        policy,
        || {
            let fut = op();
            async move {
                match fut.await {
                    Err(e) if e.outcome() == WriteOutcome::Uncertain => {
                        Err(e.with_retryable(false))
                    }
                    other => other,
                }
            }
        },
        || async { Ok(Landed::No) },
    )
    .await
}
