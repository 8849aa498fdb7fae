//! Tokens sealed at rest in Redis (`GROOTBOEK_TOKEN_KEY`): what `redis-cli` shows of every key of
//! a connection holds no token in clear, and a wrong or missing key is a clear configuration error
//! that never leads to a refresh. Built through `TokenStoreSpec`, as the adapters do. Needs Redis
//! (see `common/redis_server.rs`) and `redis-cli`: a missing one fails the test.
#![cfg(feature = "redis")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::redis_server::test_redis;
use common::unique_prefix;
use common::vendor::{FakeVendor, TcpRefresher};
use grootboek_core::runtime::{BrokerConfig, ConnectionId, TokenKey, TokenStoreSpec};
use grootboek_core::ErrorKind;
use secrecy::ExposeSecret;

const KEY_B64: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

/// `redis-cli` against `url`, its standard output as text.
fn redis_cli(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("redis-cli")
        .args(["-u", url])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("redis-cli is needed for this test ({e}); install redis-tools"));
    assert!(
        out.status.success(),
        "redis-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything `redis-cli` shows of the keys under `prefix`.
fn dump_prefix(url: &str, prefix: &str) -> String {
    let keys = redis_cli(url, &["--scan", "--pattern", &format!("{prefix}:*")]);
    let mut shown = String::new();
    for key in keys.lines().filter(|k| !k.is_empty()) {
        let kind = redis_cli(url, &["TYPE", key]);
        let value = match kind.trim() {
            "hash" => redis_cli(url, &["HGETALL", key]),
            "string" => redis_cli(url, &["GET", key]),
            other => panic!("unexpected key type {other} for {key}"),
        };
        shown.push_str(&format!("{key} ({}):\n{value}\n", kind.trim()));
    }
    shown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_token_values_are_sealed_and_a_wrong_key_is_a_config_error() {
    let redis = test_redis().await;
    let prefix = unique_prefix("sealed");
    // 200 ms tokens under the default 60 s skew: every call past the first needs a refresh.
    let (vendor, pair) = FakeVendor::start(Duration::from_millis(200), Duration::ZERO).await;
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::ZERO));
    let key = TokenKey::from_base64(KEY_B64).expect("key");
    let spec = TokenStoreSpec::parse(&redis.url)
        .expect("redis spec")
        .with_key(Some(key))
        .with_redis_prefix(&prefix);
    assert!(spec.is_durable());
    let broker = spec
        .build(refresher.clone(), BrokerConfig::default())
        .await
        .expect("build");
    let conn = ConnectionId::new("exact:sealed").expect("id");
    broker.store(&conn, pair.clone()).await.expect("store");
    let stored_view = dump_prefix(&redis.url, &prefix);
    let tok = broker.access_token(&conn).await.expect("refreshed token");
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    let stored = broker.current(&conn).await.expect("read").expect("pair");
    assert_eq!(stored.access_token.expose_secret(), tok.expose_secret());

    let refreshed_view = dump_prefix(&redis.url, &prefix);
    for view in [&stored_view, &refreshed_view] {
        assert!(
            view.contains(":tok:"),
            "no token hash under the prefix: {view}"
        );
        assert!(
            !view.contains("SECRET"),
            "a token in clear in Redis:\n{view}"
        );
        assert!(!view.contains(KEY_B64));
        assert!(view.contains("gbx1."), "{view}");
    }
    for secret in [
        pair.access_token.expose_secret(),
        pair.refresh_token.expose_secret(),
        tok.expose_secret(),
        stored.refresh_token.expose_secret(),
    ] {
        assert!(!refreshed_view.contains(secret));
    }

    // A wrong key, or none: a configuration error; the vendor is not called.
    let wrong = TokenStoreSpec::parse(&redis.url)
        .expect("spec")
        .with_key(Some(TokenKey::from_bytes([9; 32])))
        .with_redis_prefix(&prefix)
        .build(refresher.clone(), BrokerConfig::default())
        .await
        .expect("build");
    let keyless = TokenStoreSpec::parse(&redis.url)
        .expect("spec")
        .with_redis_prefix(&prefix)
        .build(refresher.clone(), BrokerConfig::default())
        .await
        .expect("build");
    tokio::time::sleep(Duration::from_millis(250)).await; // the stored token has expired
    for (b, what) in [(&wrong, "another key"), (&keyless, "GROOTBOEK_TOKEN_KEY")] {
        let e = b.access_token(&conn).await.expect_err("key problem");
        assert_eq!(*e.kind(), ErrorKind::Config, "{e}");
        assert!(e.to_string().contains(what), "{e}");
        assert!(!format!("{e:?} {b:?}").contains("SECRET"));
    }
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "no refresh on a key problem"
    );
    assert_eq!(
        dump_prefix(&redis.url, &prefix),
        refreshed_view,
        "nothing written"
    );
    assert_eq!(vendor.stats().reused, 0);
    redis.delete_prefix(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_if_absent_never_overwrites_a_stored_pair() {
    let redis = test_redis().await;
    let prefix = unique_prefix("seed");
    let (vendor, pair) = FakeVendor::start(Duration::from_secs(600), Duration::ZERO).await;
    let refresher = Arc::new(TcpRefresher::new(vendor.addr, Duration::ZERO));
    let broker = TokenStoreSpec::parse(&redis.url)
        .expect("spec")
        .with_redis_prefix(&prefix)
        .build(refresher, BrokerConfig::default())
        .await
        .expect("build");
    let conn = ConnectionId::new("exact:seed").expect("id");
    assert!(broker
        .store_if_absent(&conn, pair.clone())
        .await
        .expect("seed"));
    let other = grootboek_core::runtime::TokenPair::new(
        "SECRET-ACCESS-other",
        "SECRET-REFRESH-other",
        chrono::Utc::now(),
        chrono::Utc::now(),
    );
    assert!(!broker.store_if_absent(&conn, other).await.expect("seed"));
    let current = broker.current(&conn).await.expect("read").expect("pair");
    assert_eq!(
        current.refresh_token.expose_secret(),
        pair.refresh_token.expose_secret()
    );
    // After a remove (tombstone), a seed is stored again.
    broker.remove(&conn).await.expect("remove");
    assert!(broker.store_if_absent(&conn, pair).await.expect("seed"));
    redis.delete_prefix(&prefix).await;
}
