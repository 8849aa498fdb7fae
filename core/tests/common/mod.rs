//! Helpers shared by the integration tests: the Redis resolution rule, unique key prefixes,
//! and a fake token endpoint that rotates refresh tokens like Exact Online.
#![allow(dead_code)]

pub mod loopback;
#[cfg(feature = "redis")]
pub mod redis_server;
pub mod vendor;
pub mod vendor_windows;

/// A key prefix unique to this test run, so parallel tests never share keys.
pub fn unique_prefix(test: &str) -> String {
    format!("gbtest:{test}:{}", uuid::Uuid::new_v4().simple())
}
