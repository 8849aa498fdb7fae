//! One job over every administration a connection reaches: Twinfield offices, Exact divisions
//! (`system/Divisions`, Q20), AFAS administrations.
//!
//! The administrations are listed once through [`Ledger::administrations`], then the job runs
//! for up to `concurrency` of them at a time on the same ledger, so every run shares the
//! connection's token broker and budget (and, with Redis, those of every other process on the
//! connection): the vendor's limits hold however many administrations there are. Each
//! administration gets its own result; one failing never stops or hides the others.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

use crate::error::Result;
use crate::model::Administration;
use crate::traits::Ledger;

/// What one administration's run gave.
#[derive(Debug)]
pub struct PerAdministration<T> {
    /// The administration, as the connection lists it.
    pub administration: Administration,
    /// The job's result for it.
    pub result: Result<T>,
}

/// Progress after each administration finishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOutProgress {
    /// Administrations finished so far.
    pub done: usize,
    /// Administrations in all.
    pub total: usize,
    /// The code of the one that just finished.
    pub administration: String,
    /// Whether its job succeeded.
    pub ok: bool,
}

/// Run `job` for every administration `ledger` reaches, up to `concurrency` at once (at least
/// one), calling `progress` as each finishes. Results come in the order the ledger lists the
/// administrations. Only listing the administrations can fail the whole run.
pub async fn for_each_administration<L, T, F, Fut>(
    ledger: &L,
    concurrency: usize,
    job: F,
    progress: impl Fn(&FanOutProgress) + Send + Sync,
) -> Result<Vec<PerAdministration<T>>>
where
    L: Ledger + ?Sized,
    F: Fn(Administration) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let administrations = ledger.administrations().await?;
    Ok(run_over(administrations, concurrency, job, progress).await)
}

/// [`for_each_administration`] over a list already in hand.
pub async fn run_over<T, F, Fut>(
    administrations: Vec<Administration>,
    concurrency: usize,
    job: F,
    progress: impl Fn(&FanOutProgress) + Send + Sync,
) -> Vec<PerAdministration<T>>
where
    F: Fn(Administration) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let total = administrations.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let runs: Vec<_> = administrations
        .into_iter()
        .map(|administration| {
            let run = job(administration.clone());
            let (done, progress) = (&done, &progress);
            async move {
                let result = run.await;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                progress(&FanOutProgress {
                    done: finished,
                    total,
                    administration: administration.code.clone(),
                    ok: result.is_ok(),
                });
                PerAdministration {
                    administration,
                    result,
                }
            }
        })
        .collect();
    stream::iter(runs)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::error::Error;
    use crate::{CountryCode, Currency};

    fn admins(n: usize) -> Vec<Administration> {
        (1..=n)
            .map(|i| Administration {
                code: format!("A{i:02}"),
                name: format!("Administration {i}"),
                country: CountryCode::NL,
                currency: Currency::EUR,
            })
            .collect()
    }

    #[tokio::test]
    async fn every_administration_gets_its_own_result_in_order_within_the_concurrency() {
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let seen = Mutex::new(Vec::new());
        let results = run_over(
            admins(9),
            3,
            |a| {
                let (in_flight, most) = (&in_flight, &most);
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Later administrations finish first: order must still be the listing's.
                    let n: u64 = a.code[1..].parse().unwrap();
                    tokio::time::sleep(Duration::from_millis(40 - 4 * n)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if a.code == "A05" {
                        Err(Error::new(
                            crate::ErrorKind::PermissionDenied,
                            "no access to A05",
                        ))
                    } else {
                        Ok(n * 10)
                    }
                }
            },
            |p| seen.lock().unwrap().push(p.clone()),
        )
        .await;
        let codes: Vec<&str> = results
            .iter()
            .map(|r| r.administration.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09"]
        );
        for r in &results {
            match r.administration.code.as_str() {
                "A05" => assert!(r.result.is_err()),
                code => assert_eq!(
                    *r.result.as_ref().unwrap(),
                    code[1..].parse::<u64>().unwrap() * 10
                ),
            }
        }
        let m = most.load(Ordering::SeqCst);
        assert!(m > 1 && m <= 3, "{m} in flight at once");
        let seen = seen.into_inner().unwrap();
        assert_eq!(
            seen.iter().map(|p| p.done).collect::<Vec<_>>(),
            (1..=9).collect::<Vec<_>>()
        );
        assert!(seen.iter().all(|p| p.total == 9));
        assert_eq!(seen.iter().filter(|p| !p.ok).count(), 1);
    }

    #[tokio::test]
    async fn no_administrations_is_an_empty_run() {
        let results = run_over(admins(0), 4, |_| async { Ok(()) }, |_| {}).await;
        assert!(results.is_empty());
    }
}
