//! Helpers the cases share: reaching a vendor's own harness, concurrent reads, and a minimal
//! HTTP GET for following an OAuth authorize URL to its redirect.

use std::sync::Arc;

use grootboek_core::{Error, Ledger};

use crate::case::Failure;
#[cfg(any(feature = "exact", feature = "twinfield"))]
use crate::harness::Harness;

/// The Exact harness behind `h`.
#[cfg(feature = "exact")]
pub fn exact(h: &dyn Harness) -> Result<&crate::vendors::exact::ExactHarness, Failure> {
    h.as_any()
        .downcast_ref::<crate::vendors::exact::ExactHarness>()
        .ok_or_else(|| {
            Failure(format!(
                "the {} harness is not the Exact harness",
                h.vendor()
            ))
        })
}

/// The Twinfield harness behind `h`.
#[cfg(feature = "twinfield")]
pub fn twinfield(h: &dyn Harness) -> Result<&crate::vendors::twinfield::TwinfieldHarness, Failure> {
    h.as_any()
        .downcast_ref::<crate::vendors::twinfield::TwinfieldHarness>()
        .ok_or_else(|| {
            Failure(format!(
                "the {} harness is not the Twinfield harness",
                h.vendor()
            ))
        })
}

/// Run `per_ledger` journal-page reads on each ledger, all at once. Returns every error; a panic
/// inside the adapter becomes a failure of its own.
pub async fn concurrent_reads(
    ledgers: &[Arc<dyn Ledger>],
    administration: &str,
    per_ledger: usize,
) -> Result<Vec<Error>, Failure> {
    let mut tasks = tokio::task::JoinSet::new();
    for ledger in ledgers {
        for _ in 0..per_ledger {
            let (ledger, administration) = (ledger.clone(), administration.to_string());
            tasks.spawn(async move { ledger.list_journals(&administration, None).await });
        }
    }
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => errors.push(e),
            Err(e) => return Err(Failure(format!("the adapter panicked: {e}"))),
        }
    }
    Ok(errors)
}

/// The requests in `requests` (method, path with query, status) from position `from` on whose
/// status is one of `statuses`, as "METHOD path → status" lines. The query is left out: some
/// vendors carry tokens in it.
pub fn answered_with(
    requests: &[(String, String, u16)],
    from: usize,
    statuses: &[u16],
) -> Vec<String> {
    requests
        .iter()
        .skip(from)
        .filter(|(_, _, s)| statuses.contains(s))
        .map(|(m, p, s)| {
            let path = p.split('?').next().unwrap_or_default();
            format!("{m} {path} → {s}")
        })
        .collect()
}

#[cfg(any(feature = "exact", feature = "twinfield"))]
/// GET a plain-HTTP loopback URL without following redirects: the status and the `Location`
/// header. Enough to play the browser in an OAuth consent against a simulator.
pub async fn get_without_redirect(url: &str) -> Result<(u16, Option<String>), Failure> {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Failure(format!("only http:// URLs can be followed here: {url}")))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or(rest), rest.get(i..).unwrap_or("/")),
        None => (rest, "/"),
    };
    let work = async {
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| Failure(format!("cannot reach {host}: {e}")))?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| Failure(format!("cannot send to {host}: {e}")))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .map_err(|e| Failure(format!("cannot read from {host}: {e}")))?;
        Ok::<_, Failure>(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .map_err(|_| Failure(format!("{url} did not answer within 10 s")))??;
    let text = String::from_utf8_lossy(&answer);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| Failure(format!("{url} answered without an HTTP status line")))?;
    let location = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    Ok((status, location))
}

/// The vendor's product name, for reasons a person reads.
pub fn vendor_name(vendor: grootboek_core::Vendor) -> &'static str {
    match vendor {
        grootboek_core::Vendor::Twinfield => "Twinfield",
        grootboek_core::Vendor::Exact => "Exact Online",
        grootboek_core::Vendor::Afas => "AFAS Profit",
    }
}
