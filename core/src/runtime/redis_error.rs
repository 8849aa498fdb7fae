//! Mapping Redis failures into grootboek errors (without ever echoing keys' values).

use crate::error::{Error, ErrorKind};

/// A Redis failure during `operation`: temporary (`Unavailable`), the Redis error as source.
pub(crate) fn redis_error(operation: &'static str, err: redis::RedisError) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("redis command failed during {operation}"),
    )
    .with_operation(operation)
    .with_source(err)
}

/// Check a key prefix: no hash-tag braces (keys place their own), not empty.
pub(crate) fn check_prefix(prefix: &str) -> crate::Result<()> {
    if prefix.is_empty() || prefix.contains(['{', '}']) || prefix.chars().any(char::is_whitespace) {
        return Err(Error::config(format!(
            "redis key prefix `{}` must be non-empty without braces or spaces",
            prefix.escape_debug()
        )));
    }
    Ok(())
}

/// Open a connection manager on `url` (the URL, which may hold a password, is never echoed).
pub(crate) async fn connect(url: &str) -> crate::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url)
        .map_err(|e| Error::config("the redis URL is not valid").with_source(e))?;
    // Few quick reconnect attempts: a broker or budget that cannot reach Redis reports
    // `Unavailable` within seconds rather than hanging the caller.
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_number_of_retries(2)
        .set_min_delay(std::time::Duration::from_millis(50))
        .set_max_delay(std::time::Duration::from_millis(500))
        .set_connection_timeout(Some(std::time::Duration::from_secs(3)))
        .set_response_timeout(Some(std::time::Duration::from_secs(10)));
    redis::aio::ConnectionManager::new_with_config(client, config)
        .await
        .map_err(|e| redis_error("connect", e))
}
