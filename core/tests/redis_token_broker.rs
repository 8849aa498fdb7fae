//! `RedisTokenBroker` against a real Redis (see `common/redis_server.rs` for which one) and a
//! fake token endpoint that rotates refresh tokens and rejects a reused one (Q04, T04).
#![cfg(feature = "redis")]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use common::redis_server::test_redis;
use common::unique_prefix;
use common::vendor::{run_token_workers, FakeVendor, TcpRefresher};
use grootboek_core::runtime::{
    BrokerConfig, ConnectionId, RedisBrokerConfig, RedisTokenBroker, TokenBroker, TokenPair,
    TokenRefresher,
};
use grootboek_core::{Error, ErrorKind, Result};
use secrecy::ExposeSecret;

/// Token lifetime, refresh skew and the vendor's minimum interval for the multi-worker tests:
/// a refresh is due 700 ms after each issue; the vendor refuses one within 600 ms.
const LIFETIME: Duration = Duration::from_millis(1000);
const SKEW: Duration = Duration::from_millis(300);
const MIN_INTERVAL: Duration = Duration::from_millis(600);

const ROLE_VAR: &str = "GROOTBOEK_TEST_BROKER_ROLE";

fn config(prefix: &str) -> RedisBrokerConfig {
    RedisBrokerConfig::default()
        .with_prefix(prefix)
        .with_broker(BrokerConfig::default().with_skew(SKEW))
        .with_lease(Duration::from_secs(5), Duration::from_secs(2))
}

async fn broker(url: &str, prefix: &str, refresher: Arc<dyn TokenRefresher>) -> RedisTokenBroker {
    RedisTokenBroker::connect(url, refresher, config(prefix))
        .await
        .expect("connect the broker to redis")
}

/// Every refresh happened at least `LIFETIME - SKEW` after the previous one (minus scheduling
/// slack): one refresh per expiry, never two.
fn assert_one_refresh_per_expiry(times: &[std::time::Instant]) {
    for w in times.windows(2) {
        let gap = w[1].duration_since(w[0]);
        assert!(
            gap >= LIFETIME - SKEW - Duration::from_millis(20),
            "two refreshes {gap:?} apart: more than one refresh for one expiry"
        );
    }
}

/// The worker half. Started by `redis_token_broker_32_tasks_and_2_processes` as the second OS
/// process (with the role variable set); run alone by `cargo test` it does the same against its
/// own vendor and connection, in one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_worker() {
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set by the parent"));
    if std::env::var(ROLE_VAR).as_deref() == Ok("child") {
        let addr = env("GROOTBOEK_TEST_VENDOR")
            .parse()
            .expect("vendor address");
        let refresher = Arc::new(TcpRefresher::new(addr, MIN_INTERVAL));
        let b = broker(
            &env("GROOTBOEK_TEST_REDIS"),
            &env("GROOTBOEK_TEST_PREFIX"),
            refresher,
        )
        .await;
        let conn = ConnectionId::new(env("GROOTBOEK_TEST_CONN")).expect("connection id");
        let run_ms: u64 = env("GROOTBOEK_TEST_RUN_MS").parse().expect("run time");
        let report =
            run_token_workers(Arc::new(b), conn, addr, 32, Duration::from_millis(run_ms)).await;
        println!(
            "\nCHILD_REPORT ok={} failures={}",
            report.ok, report.failures
        );
        assert_eq!(report.failures, 0, "child failures: {:?}", report.errors);
        assert!(report.ok > 0, "the child did no work");
        return;
    }
    let redis = test_redis().await;
    let (vendor, pair) = FakeVendor::start(LIFETIME, MIN_INTERVAL).await;
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, MIN_INTERVAL));
    let prefix = unique_prefix("worker");
    let b = Arc::new(broker(&redis.url, &prefix, refresher.clone()).await);
    let conn = ConnectionId::new("exact:solo").expect("connection id");
    b.store(&conn, pair).await.expect("store initial pair");
    let report = run_token_workers(
        b.clone(),
        conn.clone(),
        vendor.addr,
        32,
        Duration::from_millis(2000),
    )
    .await;
    let stats = vendor.stats();
    assert_eq!(report.failures, 0, "failures: {:?}", report.errors);
    assert_eq!(
        (stats.reused, stats.too_early, stats.unauthorized),
        (0, 0, 0),
        "{stats:?}"
    );
    // A refresh is due every ~700 ms: 2 (or 3) in 2 s.
    assert!((2..=3).contains(&stats.refreshes), "{stats:?}");
    assert_eq!(
        b.refresh_count(&conn).await.expect("count"),
        stats.refreshes
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), stats.refreshes);
    assert_one_refresh_per_expiry(&stats.refresh_times);
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_32_tasks_and_2_processes() {
    let redis = test_redis().await;
    let (vendor, pair) = FakeVendor::start(LIFETIME, MIN_INTERVAL).await;
    let prefix = unique_prefix("two-procs");
    let conn = ConnectionId::new("exact:acme").expect("connection id");
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, MIN_INTERVAL));
    let b = Arc::new(broker(&redis.url, &prefix, refresher.clone()).await);
    b.store(&conn, pair).await.expect("store initial pair");

    let run = Duration::from_millis(3000);
    let exe = std::env::current_exe().expect("test binary path");
    let child = tokio::process::Command::new(exe)
        .args([
            "redis_token_broker_worker",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE_VAR, "child")
        .env("GROOTBOEK_TEST_VENDOR", vendor.addr.to_string())
        .env("GROOTBOEK_TEST_REDIS", &redis.url)
        .env("GROOTBOEK_TEST_PREFIX", &prefix)
        .env("GROOTBOEK_TEST_CONN", conn.as_str())
        .env("GROOTBOEK_TEST_RUN_MS", run.as_millis().to_string())
        .kill_on_drop(true)
        .output();
    let (local, child) = tokio::join!(
        run_token_workers(b.clone(), conn.clone(), vendor.addr, 32, run),
        child
    );
    let child = child.expect("run the second process");
    let out = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "second process failed: {}\n{}",
        out,
        String::from_utf8_lossy(&child.stderr)
    );
    let child_ok: u64 = out
        .lines()
        .find_map(|l| l.split("CHILD_REPORT ok=").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the second process did not report: {out}"));
    assert!(child_ok > 0);

    let stats = vendor.stats();
    assert_eq!(local.failures, 0, "failures: {:?}", local.errors);
    assert_eq!(
        (stats.reused, stats.too_early, stats.unauthorized),
        (0, 0, 0),
        "{stats:?}"
    );
    // A refresh is due every ~700 ms: 4 in 3 s (the child runs a little longer: it starts later).
    assert!((3..=5).contains(&stats.refreshes), "{stats:?}");
    assert_eq!(
        b.refresh_count(&conn).await.expect("count"),
        stats.refreshes
    );
    assert_one_refresh_per_expiry(&stats.refresh_times);
    // Both processes refreshed or used the shared pair; the parent alone did not do all refreshes
    // unless the child only ever read the pair (both are fine; the counts above are the proof).
    assert!(
        local.ok > 0 && stats.used == local.ok + child_ok,
        "{stats:?}"
    );
    redis.delete_prefix(&prefix).await;
}

/// A refresher whose first call stalls past the lock's lease.
struct StallingRefresher {
    calls: AtomicU64,
    stall: Duration,
}

#[async_trait]
impl TokenRefresher for StallingRefresher {
    async fn refresh(&self, _current: &TokenPair) -> Result<TokenPair> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            tokio::time::sleep(self.stall).await;
        }
        Ok(TokenPair::from_expires_in(
            format!("SECRET-ACCESS-by-call-{n}"),
            format!("SECRET-REFRESH-by-call-{n}"),
            Utc::now(),
            Duration::from_secs(600),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_stalled_holder_cannot_overwrite_newer_pair() {
    let redis = test_redis().await;
    let prefix = unique_prefix("fencing");
    let refresher = Arc::new(StallingRefresher {
        calls: AtomicU64::new(0),
        stall: Duration::from_millis(900),
    });
    // Lease 300 ms, but the vendor call may take 5 s: the first holder outlives its lease.
    let cfg = RedisBrokerConfig::default()
        .with_prefix(&prefix)
        .with_lease(Duration::from_millis(300), Duration::from_secs(5));
    let a = Arc::new(
        RedisTokenBroker::connect(&redis.url, refresher.clone(), cfg.clone())
            .await
            .expect("broker a"),
    );
    let b = RedisTokenBroker::connect(&redis.url, refresher.clone(), cfg)
        .await
        .expect("broker b");
    let conn = ConnectionId::new("exact:fenced").expect("id");
    let expired = Utc::now() - chrono::Duration::seconds(1);
    b.store(
        &conn,
        TokenPair::new("SECRET-ACCESS-old", "SECRET-REFRESH-old", expired, expired),
    )
    .await
    .expect("store");

    let (a2, c2) = (a.clone(), conn.clone());
    let stalled = tokio::spawn(async move { a2.access_token(&c2).await });
    tokio::time::sleep(Duration::from_millis(500)).await; // A's lease has ended, A still stalls
    let fresh = b
        .access_token(&conn)
        .await
        .expect("b refreshes after a's lease ended");
    assert_eq!(fresh.expose_secret(), "SECRET-ACCESS-by-call-1");

    let from_a = stalled
        .await
        .expect("join")
        .expect("a gets the newer token");
    assert_eq!(
        from_a.expose_secret(),
        "SECRET-ACCESS-by-call-1",
        "A must hand out B's pair, never its own"
    );
    let stored = b.current(&conn).await.expect("read").expect("pair");
    assert_eq!(
        stored.access_token.expose_secret(),
        "SECRET-ACCESS-by-call-1"
    );
    assert_eq!(
        stored.refresh_token.expose_secret(),
        "SECRET-REFRESH-by-call-1"
    );
    assert_eq!(
        b.refresh_count(&conn).await.expect("count"),
        1,
        "only B's refresh committed"
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 2);

    // A's refused pair is kept aside for recovery, not dropped.
    let client = redis::Client::open(redis.url.as_str()).expect("client");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let orphan: Option<String> = redis::cmd("HGET")
        .arg(format!("{prefix}:orphan:{{exact:fenced}}"))
        .arg("refresh")
        .query_async(&mut c)
        .await
        .expect("hget");
    assert_eq!(orphan.as_deref(), Some("SECRET-REFRESH-by-call-0"));
    redis.delete_prefix(&prefix).await;
}

/// A refresher that waits until told, so a test can act while a refresh is in flight.
struct GatedRefresher {
    gate: tokio::sync::Notify,
    started: tokio::sync::Notify,
}

#[async_trait]
impl TokenRefresher for GatedRefresher {
    async fn refresh(&self, _current: &TokenPair) -> Result<TokenPair> {
        self.started.notify_one();
        self.gate.notified().await;
        Ok(TokenPair::from_expires_in(
            "SECRET-ACCESS-late",
            "SECRET-REFRESH-late",
            Utc::now(),
            Duration::from_secs(600),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_store_during_refresh_wins_by_fence() {
    let redis = test_redis().await;
    let prefix = unique_prefix("store-wins");
    let refresher = Arc::new(GatedRefresher {
        gate: tokio::sync::Notify::new(),
        started: tokio::sync::Notify::new(),
    });
    let cfg = RedisBrokerConfig::default().with_prefix(&prefix);
    let b = Arc::new(
        RedisTokenBroker::connect(&redis.url, refresher.clone(), cfg)
            .await
            .expect("broker"),
    );
    let conn = ConnectionId::new("twinfield:org").expect("id");
    let expired = Utc::now() - chrono::Duration::seconds(1);
    b.store(
        &conn,
        TokenPair::new("SECRET-ACCESS-old", "SECRET-REFRESH-old", expired, expired),
    )
    .await
    .expect("store");

    let (b2, c2) = (b.clone(), conn.clone());
    let refreshing = tokio::spawn(async move { b2.access_token(&c2).await });
    refresher.started.notified().await;
    // A re-consent stores a new pair while the refresh (which still holds the lock) is in flight.
    let later = Utc::now() + chrono::Duration::seconds(600);
    b.store(
        &conn,
        TokenPair::new(
            "SECRET-ACCESS-consent",
            "SECRET-REFRESH-consent",
            Utc::now(),
            later,
        ),
    )
    .await
    .expect("store during refresh");
    refresher.gate.notify_one();
    let tok = refreshing.await.expect("join").expect("token");
    assert_eq!(tok.expose_secret(), "SECRET-ACCESS-consent");
    let stored = b.current(&conn).await.expect("read").expect("pair");
    assert_eq!(
        stored.refresh_token.expose_secret(),
        "SECRET-REFRESH-consent"
    );
    assert_eq!(b.refresh_count(&conn).await.expect("count"), 0);
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_dead_grant_is_reconsent_for_every_process() {
    let redis = test_redis().await;
    let prefix = unique_prefix("dead");
    let (vendor, pair) = FakeVendor::start(Duration::from_millis(200), Duration::ZERO).await;
    vendor.revoke();
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::ZERO));
    let a = broker(&redis.url, &prefix, refresher.clone()).await;
    let b = broker(&redis.url, &prefix, refresher.clone()).await;
    let conn = ConnectionId::new("exact:revoked").expect("id");
    a.store(&conn, pair.clone()).await.expect("store");
    // 200 ms lifetime < 300 ms skew: due at once.
    let e = a.access_token(&conn).await.expect_err("dead grant");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
    assert!(!e.is_retryable());
    let e2 = b
        .access_token(&conn)
        .await
        .expect_err("dead for the other process too");
    assert_eq!(*e2.kind(), ErrorKind::ReconsentRequired, "{e2}");
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "a dead grant is never refreshed again"
    );
    // Other connections keep working.
    let other = ConnectionId::new("exact:healthy").expect("id");
    let far = Utc::now() + chrono::Duration::seconds(600);
    a.store(
        &other,
        TokenPair::new("SECRET-ACCESS-ok", "SECRET-REFRESH-ok", Utc::now(), far),
    )
    .await
    .expect("store");
    assert!(b.access_token(&other).await.is_ok());
    // A re-consent revives the connection.
    a.store(
        &conn,
        TokenPair::new("SECRET-ACCESS-new", "SECRET-REFRESH-new", Utc::now(), far),
    )
    .await
    .expect("store");
    assert_eq!(
        b.access_token(&conn)
            .await
            .expect("revived")
            .expose_secret(),
        "SECRET-ACCESS-new"
    );
    // Nothing of the secrets shows in Debug of brokers or errors.
    let dbg = format!("{a:?} {e:?} {e2:?} {e} {pair:?}");
    assert!(!dbg.contains("SECRET"), "{dbg}");
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_401_refreshes_only_the_current_token() {
    let redis = test_redis().await;
    let prefix = unique_prefix("rejected");
    let (vendor, pair) = FakeVendor::start(Duration::from_secs(600), Duration::ZERO).await;
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::ZERO));
    let b = Arc::new(broker(&redis.url, &prefix, refresher.clone()).await);
    let conn = ConnectionId::new("exact:q08").expect("id");
    b.store(&conn, pair).await.expect("store");
    let first = b.access_token(&conn).await.expect("token");
    // Ten workers got a 401 with the same token at once: one refresh.
    let mut handles = Vec::new();
    for _ in 0..10 {
        let (b, c, t) = (b.clone(), conn.clone(), first.clone());
        handles.push(tokio::spawn(async move { b.rejected(&c, &t).await }));
    }
    let mut newer = Vec::new();
    for h in handles {
        newer.push(h.await.expect("join").expect("newer token"));
    }
    assert_eq!(vendor.stats().refreshes, 1);
    assert!(newer
        .iter()
        .all(|t| t.expose_secret() == newer[0].expose_secret()));
    assert_ne!(newer[0].expose_secret(), first.expose_secret());
    // A late 401 report with the old token (Q08: the URL, not the token, was wrong) burns nothing.
    let again = b.rejected(&conn, &first).await.expect("newer");
    assert_eq!(again.expose_secret(), newer[0].expose_secret());
    assert_eq!(vendor.stats().refreshes, 1);
    assert_eq!(b.refresh_count(&conn).await.expect("count"), 1);
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_broker_refuses_refresh_before_minimum_interval() {
    let redis = test_redis().await;
    let prefix = unique_prefix("too-early");
    let (vendor, _) = FakeVendor::start(Duration::from_secs(600), Duration::from_secs(570)).await;
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::from_secs(570)));
    let b = broker(&redis.url, &prefix, refresher.clone()).await;
    let conn = ConnectionId::new("exact:early").expect("id");
    // Issued 100 s ago, yet already expired (vendor cut it short): refreshing is not allowed yet.
    let issued = Utc::now() - chrono::Duration::seconds(100);
    b.store(
        &conn,
        TokenPair::new("SECRET-A", "SECRET-R", issued, Utc::now()),
    )
    .await
    .expect("store");
    let e = b.access_token(&conn).await.expect_err("too early");
    match e.kind() {
        ErrorKind::RateLimited {
            retry_after: Some(d),
        } => {
            assert!(
                *d > Duration::from_secs(460) && *d <= Duration::from_secs(470),
                "{d:?}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        0,
        "the vendor is never called too early"
    );
    assert_eq!(vendor.stats().too_early, 0);
    redis.delete_prefix(&prefix).await;
}

#[tokio::test]
async fn redis_token_broker_missing_pair_and_bad_prefix() {
    let redis = test_redis().await;
    let refresher = Arc::new(StallingRefresher {
        calls: AtomicU64::new(0),
        stall: Duration::ZERO,
    });
    let prefix = unique_prefix("missing");
    let b = broker(&redis.url, &prefix, refresher.clone()).await;
    let e = b
        .access_token(&ConnectionId::new("exact:none").expect("id"))
        .await
        .expect_err("no pair");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
    let bad = RedisTokenBroker::connect(
        &redis.url,
        refresher,
        RedisBrokerConfig::default().with_prefix("a{b}"),
    )
    .await;
    assert_eq!(
        bad.map(|_| ()).map_err(|e| e.kind().clone()),
        Err(ErrorKind::Config)
    );
    // An unreachable Redis is a temporary failure, not a panic.
    let unreachable = RedisTokenBroker::connect(
        "redis://127.0.0.1:1",
        Arc::new(StallingRefresher {
            calls: AtomicU64::new(0),
            stall: Duration::ZERO,
        }),
        RedisBrokerConfig::default(),
    )
    .await;
    let err: Error = unreachable.map(|_| ()).expect_err("unreachable");
    assert_eq!(*err.kind(), ErrorKind::Unavailable);
    redis.delete_prefix(&prefix).await;
}
