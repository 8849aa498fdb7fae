//! `MemoryTokenBroker` on an injected clock: one refresh per expiry however many tasks ask,
//! dead grants, the vendor's minimum refresh interval, 401 handling and redaction (Q04, Q08, T04).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use grootboek_core::runtime::{
    BrokerConfig, Clock, ConnectionId, ManualClock, MemoryTokenBroker, TokenBroker, TokenPair,
    TokenRefresher,
};
use grootboek_core::{Error, ErrorKind, Result, VendorError};
use secrecy::ExposeSecret;

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default()
}

/// A vendor in process: rotates the refresh token, rejects a reused one, counts calls.
struct RotatingRefresher {
    clock: Arc<ManualClock>,
    current_refresh: Mutex<String>,
    calls: AtomicU64,
    lifetime: Duration,
    min_interval: Duration,
    revoked: std::sync::atomic::AtomicBool,
}

impl RotatingRefresher {
    fn new(clock: Arc<ManualClock>, lifetime: Duration, min_interval: Duration) -> Self {
        Self {
            clock,
            current_refresh: Mutex::new("SECRET-REFRESH-0".into()),
            calls: AtomicU64::new(0),
            lifetime,
            min_interval,
            revoked: false.into(),
        }
    }

    fn initial(&self) -> TokenPair {
        TokenPair::from_expires_in(
            "SECRET-ACCESS-0",
            "SECRET-REFRESH-0",
            self.clock.now(),
            self.lifetime,
        )
    }
}

#[async_trait]
impl TokenRefresher for RotatingRefresher {
    async fn refresh(&self, current: &TokenPair) -> Result<TokenPair> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        // Let other tasks run while the "HTTP call" is in flight.
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        if self.revoked.load(Ordering::SeqCst) {
            return Err(Error::new(ErrorKind::Unauthenticated, "refresh refused")
                .with_vendor_error(VendorError {
                    code: Some("invalid_grant".into()),
                    message: Some("the grant was revoked".into()),
                    ..Default::default()
                }));
        }
        let mut rt = self.current_refresh.lock().expect("lock");
        if current.refresh_token.expose_secret() != rt.as_str() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "Old refresh token used",
            ));
        }
        *rt = format!("SECRET-REFRESH-{n}");
        Ok(TokenPair::from_expires_in(
            format!("SECRET-ACCESS-{n}"),
            rt.clone(),
            self.clock.now(),
            self.lifetime,
        ))
    }

    fn min_refresh_interval(&self) -> Duration {
        self.min_interval
    }
}

fn setup(
    lifetime: Duration,
    min: Duration,
) -> (
    Arc<ManualClock>,
    Arc<RotatingRefresher>,
    Arc<MemoryTokenBroker>,
    ConnectionId,
) {
    let clock = Arc::new(ManualClock::new(start()));
    let refresher = Arc::new(RotatingRefresher::new(clock.clone(), lifetime, min));
    let config = BrokerConfig::default()
        .with_skew(Duration::from_secs(60))
        .with_clock(clock.clone());
    let broker = Arc::new(MemoryTokenBroker::new(refresher.clone(), config));
    (
        clock,
        refresher,
        broker,
        ConnectionId::new("exact:acme").expect("id"),
    )
}

async fn many_ask(
    broker: &Arc<MemoryTokenBroker>,
    conn: &ConnectionId,
    n: usize,
) -> Vec<Result<String>> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let (b, c) = (broker.clone(), conn.clone());
        handles.push(tokio::spawn(async move {
            b.access_token(&c)
                .await
                .map(|t| t.expose_secret().to_owned())
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_broker_one_refresh_per_expiry_for_32_tasks() {
    // Exact: 10-minute tokens, refresh no earlier than 570 s after the last one.
    let (clock, refresher, broker, conn) =
        setup(Duration::from_secs(600), Duration::from_secs(570));
    broker
        .store(&conn, refresher.initial())
        .await
        .expect("store");
    for expiry in 1..=5u64 {
        let got = many_ask(&broker, &conn, 32).await;
        let expected = format!("SECRET-ACCESS-{}", expiry - 1);
        assert!(
            got.iter()
                .all(|r| r.as_deref().ok() == Some(expected.as_str())),
            "{got:?}"
        );
        assert_eq!(refresher.calls.load(Ordering::SeqCst), expiry - 1);
        clock.advance(Duration::from_secs(571)); // past expiry - skew and the minimum interval
        let got = many_ask(&broker, &conn, 32).await;
        let expected = format!("SECRET-ACCESS-{expiry}");
        assert!(
            got.iter()
                .all(|r| r.as_deref().ok() == Some(expected.as_str())),
            "{got:?}"
        );
        assert_eq!(
            refresher.calls.load(Ordering::SeqCst),
            expiry,
            "exactly one refresh per expiry"
        );
        assert_eq!(broker.refresh_count(&conn).await.expect("count"), expiry);
        // The pair is stored before (and as) the new access token is handed out.
        let stored = broker.current(&conn).await.expect("read").expect("pair");
        assert_eq!(stored.access_token.expose_secret(), expected);
        assert_eq!(
            stored.issued_at,
            clock.now(),
            "issued_at is the broker's clock"
        );
    }
}

#[tokio::test]
async fn memory_broker_keeps_a_valid_token_until_refreshing_is_allowed() {
    // 600 s token, 60 s skew, but 570 s minimum: between 540 s and 570 s the old token is used.
    let (clock, refresher, broker, conn) =
        setup(Duration::from_secs(600), Duration::from_secs(570));
    broker
        .store(&conn, refresher.initial())
        .await
        .expect("store");
    clock.advance(Duration::from_secs(550));
    assert_eq!(
        broker
            .access_token(&conn)
            .await
            .expect("token")
            .expose_secret(),
        "SECRET-ACCESS-0"
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);
    // A pair that expires before the minimum interval: a clear error, the vendor is not called.
    let early = TokenPair::from_expires_in(
        "SECRET-ACCESS-x",
        "SECRET-REFRESH-0",
        clock.now(),
        Duration::from_secs(100),
    );
    broker.store(&conn, early).await.expect("store");
    clock.advance(Duration::from_secs(200));
    let e = broker.access_token(&conn).await.expect_err("too early");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(370)), "{e}");
    assert!(e.to_string().contains("minimum refresh interval"), "{e}");
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_broker_dead_grant_is_reconsent_and_never_retried() {
    let (clock, refresher, broker, conn) = setup(Duration::from_secs(3600), Duration::ZERO);
    broker
        .store(&conn, refresher.initial())
        .await
        .expect("store");
    refresher.revoked.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(3600));
    let got = many_ask(&broker, &conn, 16).await;
    for r in &got {
        let e = r.as_ref().expect_err("dead");
        assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
        assert!(!e.is_retryable());
    }
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "one refusal, then no more vendor calls"
    );
    // Other connections keep working.
    let other = ConnectionId::new("exact:other").expect("id");
    broker
        .store(
            &other,
            TokenPair::from_expires_in(
                "SECRET-ACCESS-o",
                "SECRET-REFRESH-o",
                clock.now(),
                Duration::from_secs(600),
            ),
        )
        .await
        .expect("store");
    assert!(broker.access_token(&other).await.is_ok());
    // Re-consent revives the connection.
    refresher.revoked.store(false, Ordering::SeqCst);
    broker
        .store(
            &conn,
            TokenPair::from_expires_in(
                "SECRET-ACCESS-new",
                "SECRET-REFRESH-0",
                clock.now(),
                Duration::from_secs(600),
            ),
        )
        .await
        .expect("store");
    assert_eq!(
        broker
            .access_token(&conn)
            .await
            .expect("token")
            .expose_secret(),
        "SECRET-ACCESS-new"
    );
}

#[tokio::test]
async fn memory_broker_reused_refresh_token_is_reconsent() {
    let (clock, refresher, broker, conn) = setup(Duration::from_secs(600), Duration::ZERO);
    // A pair whose refresh token another process already used (Exact: "Old refresh token used").
    broker
        .store(
            &conn,
            TokenPair::from_expires_in(
                "SECRET-ACCESS-z",
                "SECRET-REFRESH-stale",
                clock.now(),
                Duration::from_secs(30),
            ),
        )
        .await
        .expect("store");
    let e = broker.access_token(&conn).await.expect_err("dead");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired, "{e}");
    assert!(broker.access_token(&conn).await.is_err());
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_broker_401_refreshes_only_if_token_is_still_current() {
    let (_clock, refresher, broker, conn) = setup(Duration::from_secs(3600), Duration::ZERO);
    broker
        .store(&conn, refresher.initial())
        .await
        .expect("store");
    let first = broker.access_token(&conn).await.expect("token");
    let mut handles = Vec::new();
    for _ in 0..10 {
        let (b, c, t) = (broker.clone(), conn.clone(), first.clone());
        handles.push(tokio::spawn(async move {
            b.rejected(&c, &t)
                .await
                .map(|t| t.expose_secret().to_owned())
        }));
    }
    for h in handles {
        assert_eq!(
            h.await.expect("join").expect("newer").as_str(),
            "SECRET-ACCESS-1"
        );
    }
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    // A 401 reported with an old token burns no refresh (Q08).
    let newer = broker.rejected(&conn, &first).await.expect("newer");
    assert_eq!(newer.expose_secret(), "SECRET-ACCESS-1");
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    assert!(newer.generation() > first.generation());
}

#[tokio::test]
async fn memory_broker_unknown_connection_needs_consent() {
    let (_clock, _refresher, broker, _conn) = setup(Duration::from_secs(600), Duration::ZERO);
    let e = broker
        .access_token(&ConnectionId::new("exact:nobody").expect("id"))
        .await
        .expect_err("none");
    assert_eq!(*e.kind(), ErrorKind::ReconsentRequired);
}

#[tokio::test]
async fn memory_broker_debug_and_errors_never_show_tokens() {
    let (clock, refresher, broker, conn) = setup(Duration::from_secs(600), Duration::ZERO);
    let pair = refresher.initial();
    broker.store(&conn, pair.clone()).await.expect("store");
    let tok = broker.access_token(&conn).await.expect("token");
    refresher.revoked.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(600));
    let e = broker.access_token(&conn).await.expect_err("dead");
    let shown = format!("{pair:?} {tok:?} {broker:?} {e:?} {e}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("REDACTED"));
}
