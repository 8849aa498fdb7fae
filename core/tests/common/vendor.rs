//! A fake token endpoint over a tiny line protocol on TCP (so a second OS process can share it):
//!
//! - `REFRESH <refresh token>` → `OK <access> <refresh> <lifetime ms>`; the refresh token rotates
//!   and the previous one dies at once (`ERR invalid_grant Old refresh token used`); a refresh
//!   within the minimum interval is refused (`ERR too_early`), like Exact Online (Q04).
//! - `USE <access token>` → `OK`, or `ERR 401` for an unknown or expired token.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use grootboek_core::runtime::{ConnectionId, TokenBroker, TokenPair, TokenRefresher};
use grootboek_core::{Error, ErrorKind, Result, VendorError};
use secrecy::ExposeSecret;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the fake vendor saw.
#[derive(Debug, Clone, Default)]
pub struct VendorStats {
    /// Successful refreshes.
    pub refreshes: u64,
    /// Refreshes with a dead (already used) refresh token.
    pub reused: u64,
    /// Refreshes refused as too early.
    pub too_early: u64,
    /// Requests answered 401.
    pub unauthorized: u64,
    /// Requests answered OK.
    pub used: u64,
    /// When each successful refresh happened.
    pub refresh_times: Vec<Instant>,
}

struct State {
    refresh: String,
    access: HashMap<String, Instant>,
    lifetime: Duration,
    min_interval: Duration,
    last_issue: Instant,
    serial: u64,
    stats: VendorStats,
    revoked: bool,
}

/// The running fake vendor.
pub struct FakeVendor {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeVendor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn secret(kind: &str, serial: u64) -> String {
    format!("SECRET-{kind}-{serial}-{}", uuid::Uuid::new_v4().simple())
}

impl FakeVendor {
    /// Start a vendor whose access tokens live `lifetime` and that refuses refreshes within
    /// `min_interval` of the last issue. Returns it with the initial pair (as from the code
    /// exchange).
    pub async fn start(lifetime: Duration, min_interval: Duration) -> (Self, TokenPair) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake vendor");
        let addr = listener.local_addr().expect("fake vendor address");
        let (access, refresh) = (secret("ACCESS", 0), secret("REFRESH", 0));
        let now = Instant::now();
        let state = Arc::new(Mutex::new(State {
            refresh: refresh.clone(),
            access: HashMap::from([(access.clone(), now + lifetime)]),
            lifetime,
            min_interval,
            last_issue: now,
            serial: 0,
            stats: VendorStats::default(),
            revoked: false,
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let answer = handle(&st, &line);
                        if w.write_all(format!("{answer}\n").as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let pair = TokenPair::from_expires_in(access, refresh, Utc::now(), lifetime);
        (Self { addr, state, task }, pair)
    }

    /// What the vendor saw so far.
    pub fn stats(&self) -> VendorStats {
        self.state.lock().expect("vendor state").stats.clone()
    }

    /// Revoke the grant (password changed): every later refresh is `invalid_grant`.
    pub fn revoke(&self) {
        self.state.lock().expect("vendor state").revoked = true;
    }
}

fn handle(st: &Mutex<State>, line: &str) -> String {
    let mut s = st.lock().expect("vendor state");
    let now = Instant::now();
    match line.split_once(' ') {
        Some(("REFRESH", rt)) => {
            if s.revoked {
                return "ERR invalid_grant The grant was revoked".into();
            }
            if rt != s.refresh {
                s.stats.reused += 1;
                return "ERR invalid_grant Old refresh token used".into();
            }
            if now.duration_since(s.last_issue) < s.min_interval {
                s.stats.too_early += 1;
                return "ERR too_early TooEarlyToRefreshTokens".into();
            }
            s.serial += 1;
            let (access, refresh) = (secret("ACCESS", s.serial), secret("REFRESH", s.serial));
            let lifetime = s.lifetime;
            s.access.insert(access.clone(), now + lifetime);
            s.refresh = refresh.clone();
            s.last_issue = now;
            s.stats.refreshes += 1;
            s.stats.refresh_times.push(now);
            format!("OK {access} {refresh} {}", lifetime.as_millis())
        }
        Some(("USE", at)) => match s.access.get(at) {
            Some(exp) if *exp > now => {
                s.stats.used += 1;
                "OK".into()
            }
            _ => {
                s.stats.unauthorized += 1;
                "ERR 401".into()
            }
        },
        _ => "ERR bad_request".into(),
    }
}

async fn call(addr: SocketAddr, line: &str) -> std::io::Result<String> {
    let sock = TcpStream::connect(addr).await?;
    let (r, mut w) = sock.into_split();
    w.write_all(format!("{line}\n").as_bytes()).await?;
    let mut lines = BufReader::new(r).lines();
    Ok(lines.next_line().await?.unwrap_or_default())
}

/// The adapter side: refreshes through the fake vendor.
pub struct TcpRefresher {
    /// The vendor.
    pub addr: SocketAddr,
    /// The minimum interval stated to the broker.
    pub min_interval: Duration,
    /// How often `refresh` was called.
    pub calls: AtomicU64,
}

impl TcpRefresher {
    /// A refresher for the vendor at `addr`.
    pub fn new(addr: SocketAddr, min_interval: Duration) -> Self {
        Self {
            addr,
            min_interval,
            calls: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl TokenRefresher for TcpRefresher {
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let line = format!("REFRESH {}", current.refresh_token.expose_secret());
        let answer = call(self.addr, &line).await.map_err(|e| {
            Error::new(ErrorKind::Unavailable, "token endpoint unreachable").with_source(e)
        })?;
        let mut parts = answer.splitn(4, ' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("OK"), Some(access), Some(refresh), Some(ms)) => {
                let ms: u64 = ms.parse().map_err(|_| Error::protocol("bad expires_in"))?;
                Ok(TokenPair::from_expires_in(
                    access,
                    refresh,
                    Utc::now(),
                    Duration::from_millis(ms),
                ))
            }
            (Some("ERR"), Some(code), rest1, rest2) => {
                let message = [rest1, rest2]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let kind = if code == "too_early" {
                    ErrorKind::RateLimited { retry_after: None }
                } else {
                    ErrorKind::Unauthenticated
                };
                Err(
                    Error::new(kind, "the token endpoint refused the refresh").with_vendor_error(
                        VendorError {
                            code: Some(code.to_owned()),
                            message: Some(message),
                            ..Default::default()
                        },
                    ),
                )
            }
            _ => Err(Error::protocol("unreadable token endpoint answer")),
        }
    }

    fn min_refresh_interval(&self) -> Duration {
        self.min_interval
    }
}

/// What a group of workers achieved.
#[derive(Debug, Default)]
pub struct WorkerReport {
    /// Requests the vendor accepted.
    pub ok: u64,
    /// Requests that failed (401 or broker error).
    pub failures: u64,
    /// The first few failure descriptions.
    pub errors: Vec<String>,
}

/// `tasks` workers that each, until `run_for` has passed, take a token from the broker and use it
/// at the vendor.
pub async fn run_token_workers(
    broker: Arc<dyn TokenBroker>,
    conn: ConnectionId,
    vendor: SocketAddr,
    tasks: usize,
    run_for: Duration,
) -> WorkerReport {
    let deadline = tokio::time::Instant::now() + run_for;
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (broker, conn) = (broker.clone(), conn.clone());
        handles.push(tokio::spawn(async move {
            let mut report = WorkerReport::default();
            let sock = TcpStream::connect(vendor)
                .await
                .expect("connect to fake vendor");
            let (r, mut w) = sock.into_split();
            let mut lines = BufReader::new(r).lines();
            while tokio::time::Instant::now() < deadline {
                let outcome = match broker.access_token(&conn).await {
                    Ok(tok) => {
                        let line = format!("USE {}\n", tok.expose_secret());
                        w.write_all(line.as_bytes()).await.expect("write to vendor");
                        match lines.next_line().await {
                            Ok(Some(a)) if a == "OK" => Ok(()),
                            other => Err(format!("vendor answered {other:?}")),
                        }
                    }
                    Err(e) => Err(format!("broker: {e}")),
                };
                match outcome {
                    Ok(()) => report.ok += 1,
                    Err(e) => {
                        report.failures += 1;
                        if report.errors.len() < 5 {
                            report.errors.push(e);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            report
        }));
    }
    let mut total = WorkerReport::default();
    for h in handles {
        let r = h.await.expect("worker task");
        total.ok += r.ok;
        total.failures += r.failures;
        total
            .errors
            .extend(r.errors.into_iter().take(5 - total.errors.len().min(5)));
    }
    total
}
