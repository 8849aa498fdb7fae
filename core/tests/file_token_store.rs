//! `StoreTokenBroker` over a `FileTokenStore` with real files and real OS processes: one refresh
//! per expiry across three processes, a process killed (SIGKILL) in the middle of a refresh, reuse
//! of a still-valid access token after a restart, sealing at rest, corrupt files, dead grants
//! (Q04, T04). Also the broker over a store without a lock of its own (leases) and over a sealed
//! custom store, and `TokenStoreSpec`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use common::vendor::{run_token_workers, FakeVendor, TcpRefresher};
use grootboek_core::runtime::{
    BrokerConfig, Clock, ConnectionId, FileTokenStore, ManualClock, MemoryTokenStore, RefreshLease,
    SealedTokenStore, StoreBrokerConfig, StoreTokenBroker, TokenBroker, TokenKey, TokenPair,
    TokenRecord, TokenRefresher, TokenStore, TokenStoreSpec,
};
use grootboek_core::{Error, ErrorKind, Result, VendorError};
use secrecy::ExposeSecret;

/// Token lifetime, refresh skew and the vendor's minimum interval for the multi-process tests:
/// a refresh is due 700 ms after each issue; the vendor refuses one within 600 ms.
const LIFETIME: Duration = Duration::from_millis(1000);
const SKEW: Duration = Duration::from_millis(300);
const MIN_INTERVAL: Duration = Duration::from_millis(600);

const ROLE_VAR: &str = "GROOTBOEK_TEST_FILE_ROLE";
const KEY_B64: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

fn key() -> TokenKey {
    TokenKey::from_base64(KEY_B64).expect("test key")
}

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} not set by the parent"))
}

fn file_broker(
    dir: &Path,
    refresher: Arc<dyn TokenRefresher>,
    key: Option<TokenKey>,
    wait: Duration,
) -> Arc<StoreTokenBroker<FileTokenStore>> {
    let store = FileTokenStore::new(dir).expect("file store").with_key(key);
    let config = StoreBrokerConfig::new(BrokerConfig::default().with_skew(SKEW))
        .with_timeouts(Duration::from_secs(3), wait);
    Arc::new(StoreTokenBroker::new(Arc::new(store), refresher, config))
}

/// Every refresh happened at least `LIFETIME - SKEW` after the previous one (minus scheduling
/// slack): one refresh per expiry, never two.
fn assert_one_refresh_per_expiry(times: &[Instant]) {
    for w in times.windows(2) {
        let gap = w[1].duration_since(w[0]);
        assert!(
            gap >= LIFETIME - SKEW - Duration::from_millis(20),
            "two refreshes {gap:?} apart: more than one refresh for one expiry"
        );
    }
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// A refresher that announces the refresh in a marker file and then hangs, so the parent can
/// kill its process in the middle of the refresh.
struct HangingRefresher {
    marker: PathBuf,
}

#[async_trait]
impl TokenRefresher for HangingRefresher {
    async fn refresh(&self, _current: &TokenPair) -> Result<TokenPair> {
        std::fs::write(&self.marker, b"refreshing").expect("write marker");
        tokio::time::sleep(Duration::from_secs(120)).await;
        Err(Error::new(ErrorKind::Unavailable, "never reached"))
    }
}

/// The child half of the multi-process tests, chosen by `GROOTBOEK_TEST_FILE_ROLE`:
/// `worker` runs token workers against the parent's vendor and directory; `hang` refreshes
/// through a refresher that hangs until the parent kills the process. Run alone by `cargo test`
/// it does the worker part in one process with its own vendor and directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_child_process() {
    match std::env::var(ROLE_VAR).as_deref() {
        Ok("worker") => {
            let addr = env("GROOTBOEK_TEST_VENDOR")
                .parse()
                .expect("vendor address");
            let refresher = Arc::new(TcpRefresher::new(addr, MIN_INTERVAL));
            let b = file_broker(
                Path::new(&env("GROOTBOEK_TEST_DIR")),
                refresher.clone(),
                Some(key()),
                Duration::from_secs(20),
            );
            let conn = ConnectionId::new(env("GROOTBOEK_TEST_CONN")).expect("connection id");
            let run_ms: u64 = env("GROOTBOEK_TEST_RUN_MS").parse().expect("run time");
            let report = run_token_workers(b, conn, addr, 8, Duration::from_millis(run_ms)).await;
            println!(
                "\nCHILD_REPORT ok={} failures={} refreshes={}",
                report.ok,
                report.failures,
                refresher.calls.load(Ordering::SeqCst)
            );
            assert_eq!(report.failures, 0, "child failures: {:?}", report.errors);
            assert!(report.ok > 0, "the child did no work");
        }
        Ok("hang") => {
            let refresher = Arc::new(HangingRefresher {
                marker: PathBuf::from(env("GROOTBOEK_TEST_MARKER")),
            });
            let b = file_broker(
                Path::new(&env("GROOTBOEK_TEST_DIR")),
                refresher,
                None,
                Duration::from_secs(20),
            );
            let conn = ConnectionId::new(env("GROOTBOEK_TEST_CONN")).expect("connection id");
            let _ = b.access_token(&conn).await;
            panic!("the hanging refresh returned: the parent should have killed this process");
        }
        Ok(other) => panic!("unknown role {other}"),
        Err(_) => {
            let dir = tempfile::tempdir().expect("temp dir");
            let (vendor, pair) = FakeVendor::start(LIFETIME, MIN_INTERVAL).await;
            let refresher = Arc::new(TcpRefresher::new(vendor.addr, MIN_INTERVAL));
            let b = file_broker(dir.path(), refresher, Some(key()), Duration::from_secs(20));
            let conn = ConnectionId::new("exact:solo").expect("id");
            b.store(&conn, pair).await.expect("store");
            let report = run_token_workers(
                b.clone(),
                conn.clone(),
                vendor.addr,
                8,
                Duration::from_millis(1600),
            )
            .await;
            let stats = vendor.stats();
            assert_eq!(report.failures, 0, "{:?}", report.errors);
            assert_eq!(
                (stats.reused, stats.too_early, stats.unauthorized),
                (0, 0, 0)
            );
            assert!((2..=3).contains(&stats.refreshes), "{stats:?}");
            assert_eq!(
                b.refresh_count(&conn).await.expect("count"),
                stats.refreshes
            );
            assert_one_refresh_per_expiry(&stats.refresh_times);
        }
    }
}

fn child(role: &str, test: &str) -> tokio::process::Command {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE_VAR, role)
        .kill_on_drop(true);
    cmd
}

fn reported(out: &str, field: &str) -> u64 {
    out.lines()
        .find(|l| l.contains("CHILD_REPORT"))
        .and_then(|l| l.split(&format!("{field}=")).nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("the child did not report {field}: {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_three_processes_three_expiries_one_refresh_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (vendor, pair) = FakeVendor::start(LIFETIME, MIN_INTERVAL).await;
    let conn = ConnectionId::new("exact:acme").expect("connection id");
    let setup = file_broker(
        dir.path(),
        Arc::new(TcpRefresher::new(vendor.addr, MIN_INTERVAL)),
        Some(key()),
        Duration::from_secs(20),
    );
    setup.store(&conn, pair).await.expect("store initial pair");

    // Three expiries: a refresh is due every ~700 ms; 2.6 s of work covers at least three.
    let run = Duration::from_millis(2600);
    let children: Vec<_> = (0..3)
        .map(|_| {
            child("worker", "file_store_child_process")
                .env("GROOTBOEK_TEST_VENDOR", vendor.addr.to_string())
                .env("GROOTBOEK_TEST_DIR", dir.path())
                .env("GROOTBOEK_TEST_CONN", conn.as_str())
                .env("GROOTBOEK_TEST_RUN_MS", run.as_millis().to_string())
                .output()
        })
        .collect();
    let outputs = futures_join(children).await;
    let mut ok_total = 0;
    let mut refreshes_by_child = Vec::new();
    for out in outputs {
        let out = out.expect("run a child process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "a child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(reported(&stdout, "failures"), 0);
        ok_total += reported(&stdout, "ok");
        refreshes_by_child.push(reported(&stdout, "refreshes"));
    }

    let stats = vendor.stats();
    println!(
        "three processes: {} requests accepted, {} refreshes (by process: {refreshes_by_child:?}), \
         {} rejected",
        stats.used, stats.refreshes, stats.unauthorized
    );
    // Zero 401s, no reused (rotated) refresh token, no refresh refused as too early.
    assert_eq!(
        (stats.reused, stats.too_early, stats.unauthorized),
        (0, 0, 0),
        "{stats:?}"
    );
    assert_eq!(stats.used, ok_total);
    assert!(
        stats.refreshes >= 3,
        "three expiries were crossed: {stats:?}"
    );
    assert!(stats.refreshes <= 5, "{stats:?}");
    assert_one_refresh_per_expiry(&stats.refresh_times);
    // Every refresh the vendor saw was made by exactly one process and committed to the file.
    assert_eq!(refreshes_by_child.iter().sum::<u64>(), stats.refreshes);
    assert_eq!(
        setup.refresh_count(&conn).await.expect("count"),
        stats.refreshes
    );
    assert!(temporaries(dir.path()).is_empty());
}

/// Await every future (the children run concurrently).
async fn futures_join<F: std::future::Future>(fs: Vec<F>) -> Vec<F::Output> {
    futures_util::future::join_all(fs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_process_killed_in_refresh_leaves_a_usable_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (vendor, pair) = FakeVendor::start(Duration::from_secs(600), Duration::ZERO).await;
    let conn = ConnectionId::new("exact:killed").expect("connection id");
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::ZERO));
    // The stored access token has expired: the next caller must refresh.
    let expired = Utc::now() - chrono::Duration::seconds(1);
    let stale = TokenPair {
        issued_at: expired - chrono::Duration::seconds(600),
        expires_at: expired,
        ..pair
    };
    let parent = file_broker(dir.path(), refresher.clone(), None, Duration::from_secs(20));
    parent.store(&conn, stale).await.expect("store");

    let marker = dir.path().join("child-is-refreshing");
    let mut hung = child("hang", "file_store_child_process")
        .env("GROOTBOEK_TEST_DIR", dir.path())
        .env("GROOTBOEK_TEST_CONN", conn.as_str())
        .env("GROOTBOEK_TEST_MARKER", &marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the child");
    let started = Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the child never started its refresh"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While the child holds the refresh lock, another process waits and does not refresh.
    let impatient = file_broker(
        dir.path(),
        refresher.clone(),
        None,
        Duration::from_millis(300),
    );
    let e = impatient
        .access_token(&conn)
        .await
        .expect_err("the lock is held by the child");
    assert_eq!(*e.kind(), ErrorKind::Unavailable, "{e}");
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);

    hung.start_kill().expect("SIGKILL the child");
    let status = hung.wait().await.expect("wait for the child");
    assert!(!status.success());
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed by SIGKILL");
    }

    // The OS released the dead process's lock: the next caller refreshes at once.
    let t = Instant::now();
    let fresh = parent
        .access_token(&conn)
        .await
        .expect("usable after the kill");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    let stats = vendor.stats();
    assert_eq!((stats.refreshes, stats.reused), (1, 0), "{stats:?}");
    // A new process (a new store on the same directory) reads the committed pair.
    let next = file_broker(dir.path(), refresher.clone(), None, Duration::from_secs(5));
    let again = next.access_token(&conn).await.expect("token");
    assert_eq!(again.expose_secret(), fresh.expose_secret());
    assert_eq!(next.refresh_count(&conn).await.expect("count"), 1);
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    assert!(temporaries(dir.path()).is_empty());
}

/// A vendor in process on a manual clock: rotates the refresh token, refuses a reused one and a
/// refresh within the minimum interval, counts calls.
struct ClockedVendor {
    clock: Arc<ManualClock>,
    current: Mutex<(String, DateTime<Utc>)>,
    calls: AtomicU64,
    min_interval: Duration,
    revoked: std::sync::atomic::AtomicBool,
}

impl ClockedVendor {
    fn new(clock: Arc<ManualClock>, min_interval: Duration) -> Arc<Self> {
        let now = clock.now();
        Arc::new(Self {
            clock,
            current: Mutex::new(("SECRET-REFRESH-0".into(), now)),
            calls: AtomicU64::new(0),
            min_interval,
            revoked: false.into(),
        })
    }

    fn initial(&self) -> TokenPair {
        TokenPair::from_expires_in(
            "SECRET-ACCESS-0",
            "SECRET-REFRESH-0",
            self.clock.now(),
            Duration::from_secs(600),
        )
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenRefresher for ClockedVendor {
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.revoked.load(Ordering::SeqCst) {
            return Err(Error::new(ErrorKind::Unauthenticated, "refresh refused")
                .with_vendor_error(VendorError {
                    code: Some("invalid_grant".into()),
                    ..Default::default()
                }));
        }
        let now = self.clock.now();
        let mut cur = self.current.lock().expect("lock");
        if current.refresh_token.expose_secret() != cur.0 {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "Old refresh token used",
            ));
        }
        if now - cur.1 < chrono::Duration::from_std(self.min_interval).expect("interval") {
            return Err(Error::new(
                ErrorKind::RateLimited { retry_after: None },
                "TooEarlyToRefreshTokens",
            ));
        }
        *cur = (format!("SECRET-REFRESH-{n}"), now);
        Ok(TokenPair::from_expires_in(
            format!("SECRET-ACCESS-{n}"),
            cur.0.clone(),
            now,
            Duration::from_secs(600),
        ))
    }

    fn min_refresh_interval(&self) -> Duration {
        self.min_interval
    }
}

fn clocked_broker(
    dir: &Path,
    clock: &Arc<ManualClock>,
    vendor: &Arc<ClockedVendor>,
    key: Option<TokenKey>,
) -> StoreTokenBroker<FileTokenStore> {
    let store = FileTokenStore::new(dir).expect("store").with_key(key);
    let config = StoreBrokerConfig::new(
        BrokerConfig::default()
            .with_skew(Duration::from_secs(60))
            .with_clock(clock.clone()),
    );
    StoreTokenBroker::new(Arc::new(store), vendor.clone(), config)
}

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default()
}

#[tokio::test]
async fn file_store_restart_reuses_the_stored_access_token_without_refreshing() {
    // Exact: 10-minute tokens, no refresh within 570 s of the last one.
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::from_secs(570));
    let conn = ConnectionId::new("exact:restart").expect("id");
    {
        let first = clocked_broker(dir.path(), &clock, &vendor, Some(key()));
        first.store(&conn, vendor.initial()).await.expect("store");
        let tok = first.access_token(&conn).await.expect("token");
        assert_eq!(tok.expose_secret(), "SECRET-ACCESS-0");
    } // the process ends
    clock.advance(Duration::from_secs(120));
    let second = clocked_broker(dir.path(), &clock, &vendor, Some(key()));
    let tok = second
        .access_token(&conn)
        .await
        .expect("token after restart");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-0");
    assert_eq!(
        vendor.calls(),
        0,
        "a restart does not refresh a valid token"
    );
    // Inside the skew but before the minimum interval: still the stored token, no refresh.
    clock.advance(Duration::from_secs(430)); // 550 s after issue
    let tok = second.access_token(&conn).await.expect("token");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-0");
    assert_eq!(vendor.calls(), 0);
    // Past the minimum interval: one refresh, stored before it is handed out.
    clock.advance(Duration::from_secs(25)); // 575 s
    let tok = second.access_token(&conn).await.expect("refreshed");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-1");
    assert_eq!(vendor.calls(), 1);
    drop(second);
    // The next restart hands out the refreshed token and the rotated refresh token is kept.
    let third = clocked_broker(dir.path(), &clock, &vendor, Some(key()));
    let tok = third.access_token(&conn).await.expect("token");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-1");
    let stored = third.current(&conn).await.expect("read").expect("pair");
    assert_eq!(stored.refresh_token.expose_secret(), "SECRET-REFRESH-1");
    assert_eq!(stored.issued_at, clock.now());
    assert_eq!(third.refresh_count(&conn).await.expect("count"), 1);
    assert_eq!(vendor.calls(), 1);
}

#[tokio::test]
async fn file_store_sealed_at_rest_wrong_key_is_a_config_error_without_refresh() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let conn = ConnectionId::new("exact:sealed").expect("id");
    let sealed = clocked_broker(dir.path(), &clock, &vendor, Some(key()));
    sealed.store(&conn, vendor.initial()).await.expect("store");
    clock.advance(Duration::from_secs(590));
    let tok = sealed.access_token(&conn).await.expect("refreshed");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-1");
    assert_eq!(vendor.calls(), 1);

    // The file holds no token in clear (neither the refreshed pair nor the first one).
    let path = sealed.token_store().path_of(&conn);
    let raw = std::fs::read(&path).expect("read the token file");
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("gbx1."), "{text}");
    assert!(!text.contains(KEY_B64));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
        for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
            let mode = entry.metadata().expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{:?} is readable by others", entry.path());
        }
    }

    // A wrong key: a clear configuration error; nothing refreshes, nothing is written.
    let wrong = TokenKey::from_bytes([9; 32]);
    let other = clocked_broker(dir.path(), &clock, &vendor, Some(wrong));
    clock.advance(Duration::from_secs(3600)); // the stored token has expired
    let e = other.access_token(&conn).await.expect_err("wrong key");
    assert_eq!(*e.kind(), ErrorKind::Config, "{e}");
    assert!(e.to_string().contains("another key"), "{e}");
    assert!(!e.is_retryable());
    // No key with sealed data: the same.
    let keyless = clocked_broker(dir.path(), &clock, &vendor, None);
    let e2 = keyless.access_token(&conn).await.expect_err("no key");
    assert_eq!(*e2.kind(), ErrorKind::Config, "{e2}");
    assert!(e2.to_string().contains("GROOTBOEK_TOKEN_KEY"), "{e2}");
    assert_eq!(vendor.calls(), 1, "a key problem never triggers a refresh");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        raw,
        "the file is untouched"
    );
    let shown = format!("{e:?} {e2:?} {other:?} {sealed:?}");
    assert!(
        !shown.contains("SECRET") && !shown.contains(KEY_B64),
        "{shown}"
    );
}

#[tokio::test]
async fn file_store_corrupt_or_truncated_file_is_a_clear_error_and_consent_replaces_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let conn = ConnectionId::new("twinfield:org/42").expect("id");
    let b = clocked_broker(dir.path(), &clock, &vendor, None);
    b.store(&conn, vendor.initial()).await.expect("store");
    let path = b.token_store().path_of(&conn);
    let good = std::fs::read(&path).expect("read");
    // A killed writer's half-written temporary file is ignored, then cleaned by the next write.
    let tmp = dir.path().join(".twinfield%3Aorg%2F42.tmp-1-dead");
    std::fs::write(&tmp, &good[..good.len() / 2]).expect("write tmp");
    assert!(b.access_token(&conn).await.is_ok());

    let truncated = &good[..good.len() / 2];
    let other_conn = String::from_utf8_lossy(&good).replace("twinfield:org/42", "exact:else");
    for (bytes, what) in [
        (truncated.to_vec(), "truncated"),
        (Vec::new(), "empty"),
        (b"\x00\xff garbage".to_vec(), "garbage"),
        (other_conn.into_bytes(), "another connection"),
        (vec![b' '; 2 * 1024 * 1024], "huge"),
    ] {
        std::fs::write(&path, &bytes).expect("corrupt the file");
        clock.advance(Duration::from_secs(3600));
        let e = b.access_token(&conn).await.expect_err(what);
        assert_eq!(*e.kind(), ErrorKind::Protocol, "{what}: {e}");
        assert!(e.to_string().contains("corrupt"), "{what}: {e}");
        assert!(!e.to_string().contains("SECRET"), "{what}: {e}");
        assert_eq!(
            vendor.calls(),
            0,
            "{what}: never refreshed over a corrupt file"
        );
    }
    // A consent stores a new pair over the corrupt file.
    b.store(&conn, vendor.initial())
        .await
        .expect("store over corrupt");
    assert_eq!(
        b.access_token(&conn).await.expect("token").expose_secret(),
        "SECRET-ACCESS-0"
    );
    assert!(
        temporaries(dir.path()).is_empty(),
        "{:?}",
        temporaries(dir.path())
    );
    b.remove(&conn).await.expect("remove");
    assert!(!path.exists());
    let e = b.access_token(&conn).await.expect_err("removed");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_dead_grant_is_shared_and_a_401_refreshes_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let conn = ConnectionId::new("exact:q08").expect("id");
    let a = Arc::new(clocked_broker(dir.path(), &clock, &vendor, Some(key())));
    let b = Arc::new(clocked_broker(dir.path(), &clock, &vendor, Some(key())));
    a.store(&conn, vendor.initial()).await.expect("store");
    // Ten tasks on two "processes" got a 401 with the same token: one refresh.
    let first = a.access_token(&conn).await.expect("token");
    let mut handles = Vec::new();
    for i in 0..10 {
        let (br, c, t) = (
            if i % 2 == 0 { a.clone() } else { b.clone() },
            conn.clone(),
            first.clone(),
        );
        handles.push(tokio::spawn(async move {
            br.rejected(&c, &t)
                .await
                .map(|t| t.expose_secret().to_owned())
        }));
    }
    for h in handles {
        assert_eq!(h.await.expect("join").expect("newer"), "SECRET-ACCESS-1");
    }
    assert_eq!(vendor.calls(), 1);
    // A late 401 with the old token burns nothing.
    let newer = b.rejected(&conn, &first).await.expect("newer");
    assert_eq!(newer.expose_secret(), "SECRET-ACCESS-1");
    assert!(newer.generation() > first.generation());
    assert_eq!(vendor.calls(), 1);

    // The grant dies: one refusal, then every broker on the store answers re-consent.
    vendor.revoked.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(600));
    let e = a.access_token(&conn).await.expect_err("dead");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
    assert!(!e.is_retryable());
    let e = b
        .access_token(&conn)
        .await
        .expect_err("dead for the other broker too");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
    assert_eq!(vendor.calls(), 2, "a dead grant is never refreshed again");
    // A new consent revives it and keeps the refresh count.
    vendor.revoked.store(false, Ordering::SeqCst);
    *vendor.current.lock().expect("lock") = ("SECRET-REFRESH-0".into(), start());
    b.store(&conn, vendor.initial()).await.expect("consent");
    assert_eq!(
        a.access_token(&conn)
            .await
            .expect("revived")
            .expose_secret(),
        "SECRET-ACCESS-0"
    );
    assert_eq!(a.refresh_count(&conn).await.expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockless_store_leases_give_one_refresh_per_expiry_for_two_brokers() {
    // A team's own store without a lock: two brokers (as two processes would) share it.
    let (vendor, pair) = FakeVendor::start(LIFETIME, MIN_INTERVAL).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let conn = ConnectionId::new("exact:leased").expect("id");
    let config = StoreBrokerConfig::new(BrokerConfig::default().with_skew(SKEW))
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(10));
    let brokers: Vec<Arc<StoreTokenBroker>> = (0..2)
        .map(|_| {
            Arc::new(StoreTokenBroker::new(
                store.clone(),
                Arc::new(TcpRefresher::new(vendor.addr, MIN_INTERVAL)),
                config.clone(),
            ))
        })
        .collect();
    brokers[0].store(&conn, pair).await.expect("store");
    // Refreshes are due ~700, ~1400 and ~2100 ms after the store: three in 2.5 s.
    let run = Duration::from_millis(2500);
    let (r0, r1) = tokio::join!(
        run_token_workers(brokers[0].clone(), conn.clone(), vendor.addr, 12, run),
        run_token_workers(brokers[1].clone(), conn.clone(), vendor.addr, 12, run),
    );
    let stats = vendor.stats();
    assert_eq!(
        r0.failures + r1.failures,
        0,
        "{:?} {:?}",
        r0.errors,
        r1.errors
    );
    assert_eq!(
        (stats.reused, stats.too_early, stats.unauthorized),
        (0, 0, 0),
        "{stats:?}"
    );
    assert!((3..=4).contains(&stats.refreshes), "{stats:?}");
    assert_one_refresh_per_expiry(&stats.refresh_times);
    assert_eq!(
        brokers[1].refresh_count(&conn).await.expect("count"),
        stats.refreshes
    );
    let record = store.load(&conn).await.expect("load").expect("record");
    assert!(
        record.lease.is_none(),
        "the lease is released after each refresh"
    );
}

#[tokio::test]
async fn lockless_store_takes_over_the_lease_of_a_dead_process() {
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let store = Arc::new(MemoryTokenStore::new());
    let conn = ConnectionId::new("exact:ghost").expect("id");
    // A process claimed the refresh and died: its lease runs 400 ms more.
    let record = TokenRecord {
        pair: vendor.initial(),
        generation: 7,
        refreshes: 0,
        dead: false,
        lease: Some(RefreshLease {
            owner: "dead-process".into(),
            until: Utc::now() + chrono::Duration::milliseconds(400),
        }),
    };
    assert!(store
        .compare_and_swap(&conn, None, &record)
        .await
        .expect("cas"));
    clock.advance(Duration::from_secs(600));
    let config = StoreBrokerConfig::new(BrokerConfig::default().with_clock(clock.clone()));
    let b = StoreTokenBroker::new(store.clone(), vendor.clone(), config);
    let t = Instant::now();
    let tok = b.access_token(&conn).await.expect("taken over");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-1");
    assert_eq!(vendor.calls(), 1);
    let after = store.load(&conn).await.expect("load").expect("record");
    assert!(after.lease.is_none() && after.generation > 7 && after.refreshes == 1);
}

#[tokio::test]
async fn sealed_custom_store_holds_no_clear_token() {
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let inner = Arc::new(MemoryTokenStore::new());
    let conn = ConnectionId::new("afas:team-db").expect("id");
    // The team's store wrapped by the spec (a key seals it).
    let spec = TokenStoreSpec::custom(inner.clone() as Arc<dyn TokenStore>).with_key(Some(key()));
    assert!(
        !spec.is_durable(),
        "the memory store says it is not durable"
    );
    let b = spec
        .build(
            vendor.clone(),
            BrokerConfig::default().with_clock(clock.clone()),
        )
        .await
        .expect("build");
    b.store(&conn, vendor.initial()).await.expect("store");
    clock.advance(Duration::from_secs(600));
    assert_eq!(
        b.access_token(&conn).await.expect("token").expose_secret(),
        "SECRET-ACCESS-1"
    );
    let raw = inner.load(&conn).await.expect("load").expect("record");
    for v in [&raw.pair.access_token, &raw.pair.refresh_token] {
        assert!(v.expose_secret().starts_with("gbx1."));
        assert!(!v.expose_secret().contains("SECRET"));
    }
    // The same inner store without the key: a configuration error, not a refresh.
    let keyless =
        StoreTokenBroker::new(inner.clone(), vendor.clone(), StoreBrokerConfig::default());
    let e = keyless.access_token(&conn).await.expect_err("sealed");
    assert_eq!(*e.kind(), ErrorKind::Config);
    let sealed_again = SealedTokenStore::new(inner.clone(), TokenKey::from_bytes([3; 32]));
    let e = sealed_again.load(&conn).await.expect_err("wrong key");
    assert_eq!(*e.kind(), ErrorKind::Config);
    assert_eq!(vendor.calls(), 1);
}

#[tokio::test]
async fn spec_builds_file_and_memory_brokers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let conn = ConnectionId::new("exact:spec").expect("id");
    let text = format!("file:{}", dir.path().join("tokens").display());
    let spec = TokenStoreSpec::parse(&text)
        .expect("parse")
        .with_key(Some(key()));
    assert!(spec.is_durable());
    let config = BrokerConfig::default().with_clock(clock.clone());
    let b = spec
        .build(vendor.clone(), config.clone())
        .await
        .expect("build");
    b.store(&conn, vendor.initial()).await.expect("store");
    // Another build of the same spec (a restart) sees the pair.
    let again = spec
        .build(vendor.clone(), config.clone())
        .await
        .expect("build");
    assert_eq!(
        again
            .access_token(&conn)
            .await
            .expect("token")
            .expose_secret(),
        "SECRET-ACCESS-0"
    );
    let file = dir.path().join("tokens").join("exact%3Aspec.token.json");
    assert!(file.exists());
    assert!(!String::from_utf8_lossy(&std::fs::read(&file).expect("read")).contains("SECRET"));
    // Memory: not durable, and a rebuild knows nothing.
    let mem = TokenStoreSpec::parse("memory").expect("memory");
    assert!(!mem.is_durable());
    let m = mem
        .build(vendor.clone(), config.clone())
        .await
        .expect("build");
    m.store(&conn, vendor.initial()).await.expect("store");
    let m2 = mem.build(vendor.clone(), config).await.expect("build");
    let e = m2.access_token(&conn).await.expect_err("nothing kept");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
    assert_eq!(vendor.calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_if_absent_never_overwrites_a_stored_pair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let vendor = ClockedVendor::new(clock.clone(), Duration::ZERO);
    let conn = ConnectionId::new("exact:seeded").expect("id");
    let seed = || {
        TokenPair::new(
            "",
            "SECRET-REFRESH-0",
            DateTime::<Utc>::UNIX_EPOCH,
            DateTime::<Utc>::UNIX_EPOCH,
        )
    };
    // Eight "processes" start at once and each seeds the configured refresh token: one wins.
    let brokers: Vec<Arc<StoreTokenBroker<FileTokenStore>>> = (0..8)
        .map(|_| Arc::new(clocked_broker(dir.path(), &clock, &vendor, Some(key()))))
        .collect();
    let mut handles = Vec::new();
    for b in &brokers {
        let (b, c, p) = (b.clone(), conn.clone(), seed());
        handles.push(tokio::spawn(async move { b.store_if_absent(&c, p).await }));
    }
    let mut stored = 0;
    for h in handles {
        stored += u32::from(h.await.expect("join").expect("seed"));
    }
    assert_eq!(stored, 1);
    // The first call refreshes (the seed has no access token) and rotates the refresh token.
    let tok = brokers[0].access_token(&conn).await.expect("token");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-1");
    // A restart seeds the configured (now dead) refresh token again: it must not overwrite.
    assert!(!brokers[1]
        .store_if_absent(&conn, seed())
        .await
        .expect("seed"));
    let current = brokers[2]
        .current(&conn)
        .await
        .expect("read")
        .expect("pair");
    assert_eq!(current.refresh_token.expose_secret(), "SECRET-REFRESH-1");
    assert_eq!(vendor.calls(), 1);
    // The memory broker has the same semantics.
    let mem =
        grootboek_core::runtime::MemoryTokenBroker::new(vendor.clone(), BrokerConfig::default());
    assert!(mem.store_if_absent(&conn, seed()).await.expect("seed"));
    assert!(!mem.store_if_absent(&conn, seed()).await.expect("seed"));
}
