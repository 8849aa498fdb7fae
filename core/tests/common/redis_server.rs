//! Which Redis the tests use:
//!
//! 1. `GROOTBOEK_REDIS_URL` when set: it must answer, or the test fails.
//! 2. Otherwise `redis://127.0.0.1:6379` if it answers.
//! 3. Otherwise a `redis-server` started on a free port for this test (stopped on drop).
//!
//! If none works the test fails with a clear message: a missing Redis is never a skip.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The Redis a test talks to; keeps a started server alive until dropped.
pub struct TestRedis {
    /// The URL to connect to.
    pub url: String,
    server: Option<Child>,
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(child) = self.server.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn ping(url: &str, within: Duration) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| format!("invalid URL: {e}"))?;
    let attempt = async {
        let mut c = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut c).await
    };
    match tokio::time::timeout(within, attempt).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {within:?}")),
    }
}

/// Resolve the test Redis by the rule above, or panic with the reason.
pub async fn test_redis() -> TestRedis {
    if let Ok(url) = std::env::var("GROOTBOEK_REDIS_URL") {
        if let Err(e) = ping(&url, Duration::from_secs(5)).await {
            panic!("GROOTBOEK_REDIS_URL is set but that Redis does not answer PING: {e}");
        }
        return TestRedis { url, server: None };
    }
    let local = "redis://127.0.0.1:6379".to_owned();
    if ping(&local, Duration::from_secs(1)).await.is_ok() {
        return TestRedis {
            url: local,
            server: None,
        };
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port for a test redis-server: {e}"));
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "no Redis for the tests: GROOTBOEK_REDIS_URL is not set, 127.0.0.1:6379 does not \
                 answer, and `redis-server` could not be started ({e}). Install redis-server or \
                 set GROOTBOEK_REDIS_URL."
            )
        });
    let url = format!("redis://127.0.0.1:{port}");
    let redis = TestRedis {
        url,
        server: Some(child),
    };
    for _ in 0..100 {
        if ping(&redis.url, Duration::from_millis(200)).await.is_ok() {
            return redis;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("started redis-server on port {port} but it never answered PING");
}

impl TestRedis {
    /// Delete every key a test made under `prefix` (token keys `prefix:*`, budget keys
    /// `{prefix}:*`), so the shared Redis does not fill up with test keys.
    pub async fn delete_prefix(&self, prefix: &str) {
        let client = redis::Client::open(self.url.as_str()).expect("redis client");
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        for pattern in [format!("{prefix}:*"), format!("{{{prefix}}}:*")] {
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(500)
                    .query_async(&mut c)
                    .await
                    .expect("scan");
                if !keys.is_empty() {
                    redis::cmd("DEL")
                        .arg(&keys)
                        .query_async::<()>(&mut c)
                        .await
                        .expect("del");
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
    }
}
