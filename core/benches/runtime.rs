//! Overhead per call of the token broker and the budget, in memory, in files and on Redis.
//!
//! Redis: `GROOTBOEK_REDIS_URL`, else `redis://127.0.0.1:6379`; the Redis groups are left out
//! (with a message) when neither answers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use grootboek_core::runtime::{
    BrokerConfig, Bucket, Budget, Charge, ConnectionId, ExactBudget, FileTokenStore, MemoryBudget,
    MemoryTokenBroker, RedisBrokerConfig, RedisBudget, RedisBudgetConfig, RedisTokenBroker,
    StoreBrokerConfig, StoreTokenBroker, TokenBroker, TokenKey, TokenPair, TokenRefresher,
};
use grootboek_core::Result;

struct NeverCalled;

#[async_trait]
impl TokenRefresher for NeverCalled {
    async fn refresh(&self, _current: &TokenPair) -> Result<TokenPair> {
        Err(grootboek_core::Error::new(
            grootboek_core::ErrorKind::Unavailable,
            "not in a benchmark",
        ))
    }
}

fn pair() -> TokenPair {
    TokenPair::from_expires_in(
        "bench-access",
        "bench-refresh",
        Utc::now(),
        Duration::from_secs(3600),
    )
}

/// Buckets so large that every call is admitted: the figure is the limiter's own cost.
fn wide_charges() -> Vec<Charge> {
    let huge = 1_000_000_000;
    vec![
        Charge::new(
            Bucket::rate("bench:minute", huge, Duration::from_secs(60)),
            1,
        ),
        Charge::new(
            Bucket::rate("bench:day", huge, Duration::from_secs(86_400)),
            1,
        ),
    ]
}

/// The shape of a Twinfield request (four credit buckets, two concurrency caps) with buckets so
/// large that every call is admitted.
fn twinfield_shaped_charges() -> Vec<Charge> {
    let huge = 1_000_000_000;
    let minute = Duration::from_secs(60);
    let mut charges: Vec<Charge> = ["ip", "client", "org", "client-org"]
        .iter()
        .map(|b| Charge::new(Bucket::rate(format!("bench:{b}"), huge, minute), 1))
        .collect();
    charges.push(Charge::slot(Bucket::concurrent(
        "bench:inflight:client",
        20,
    )));
    charges.push(Charge::slot(Bucket::concurrent(
        "bench:inflight:client-org",
        10,
    )));
    charges
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let conn = ConnectionId::new("bench:conn").expect("id");

    let mut g = c.benchmark_group("runtime");
    g.measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500));

    let memory = MemoryTokenBroker::new(Arc::new(NeverCalled), BrokerConfig::default());
    rt.block_on(memory.store(&conn, pair())).expect("store");
    g.bench_function("token_broker/memory/access_token", |b| {
        b.to_async(&rt)
            .iter(|| async { memory.access_token(&conn).await.expect("token") })
    });

    // The file broker reads (and, with a key, opens) the record on every call.
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, key) in [
        ("token_broker/file/access_token", None),
        (
            "token_broker/file_sealed/access_token",
            Some(TokenKey::from_bytes([1; 32])),
        ),
    ] {
        let store = FileTokenStore::new(dir.path())
            .expect("store")
            .with_key(key);
        let file = StoreTokenBroker::new(
            Arc::new(store),
            Arc::new(NeverCalled),
            StoreBrokerConfig::default(),
        );
        rt.block_on(file.store(&conn, pair())).expect("store");
        g.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { file.access_token(&conn).await.expect("token") })
        });
    }

    let budget = MemoryBudget::new();
    let wide = wide_charges();
    g.bench_function("budget/memory/acquire_2_rate_buckets", |b| {
        b.to_async(&rt)
            .iter(|| async { budget.acquire(&wide).await.expect("permit") })
    });
    let tw = twinfield_shaped_charges();
    g.bench_function("budget/memory/acquire_twinfield_4_rates_2_caps", |b| {
        b.to_async(&rt)
            .iter(|| async { budget.acquire(&tw).await.expect("permit") })
    });
    let exact = ExactBudget::new("bench").charges("1");
    g.bench_function("budget/memory/try_acquire_exact_denied", |b| {
        b.to_async(&rt)
            .iter(|| async { budget.try_acquire(&exact).await.expect("answer") })
    });

    let url =
        std::env::var("GROOTBOEK_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("gbbench:{}", uuid::Uuid::new_v4().simple());
    let redis = rt.block_on(async {
        let broker = RedisTokenBroker::connect(
            &url,
            Arc::new(NeverCalled),
            RedisBrokerConfig::default().with_prefix(&prefix),
        )
        .await?;
        let budget =
            RedisBudget::connect(&url, RedisBudgetConfig::default().with_prefix(&prefix)).await?;
        broker.store(&conn, pair()).await?;
        Ok::<_, grootboek_core::Error>((broker, budget))
    });
    match redis {
        Ok((broker, budget)) => {
            g.bench_function("token_broker/redis/access_token", |b| {
                b.to_async(&rt)
                    .iter(|| async { broker.access_token(&conn).await.expect("token") })
            });
            g.bench_function("budget/redis/acquire_2_rate_buckets", |b| {
                b.to_async(&rt)
                    .iter(|| async { budget.acquire(&wide).await.expect("permit") })
            });
            g.bench_function("budget/redis/acquire_twinfield_4_rates_2_caps", |b| {
                b.to_async(&rt)
                    .iter(|| async { budget.acquire(&tw).await.expect("permit") })
            });
            rt.block_on(async {
                let _ = broker.remove(&conn).await;
                if let Ok(client) = redis::Client::open(url.as_str()) {
                    if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                        for pattern in [format!("{prefix}:*"), format!("{{{prefix}}}:*")] {
                            let keys: Vec<String> = redis::cmd("KEYS")
                                .arg(pattern)
                                .query_async(&mut c)
                                .await
                                .unwrap_or_default();
                            if !keys.is_empty() {
                                let _: redis::RedisResult<()> =
                                    redis::cmd("DEL").arg(keys).query_async(&mut c).await;
                            }
                        }
                    }
                }
            });
        }
        Err(e) => eprintln!("Redis benchmarks left out: {e}"),
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
