//! Webhook notifications: the body Exact POSTs (`{"Content":{…},"HashCode":"…"}`), its
//! signature (upper-case hex HMAC-SHA256 of the raw `Content` text with the app's webhook
//! secret), the outbox tests pull from, and pushing to `http://` callbacks.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use super::json::Json;

/// One notification, as it was (or would be) POSTed to the callback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookDelivery {
    /// The subscription's callback URL.
    pub callback_url: String,
    /// The exact body bytes: `{"Content":{…},"HashCode":"…"}`.
    pub body: String,
    /// Topic, e.g. `FinancialTransactions`.
    pub topic: String,
    /// `Create`, `Update` or `Delete`.
    pub action: String,
    /// The entity's key.
    pub key: Uuid,
    /// Division.
    pub division: i32,
    /// When the event was created (simulated time).
    pub created_at: DateTime<Utc>,
    /// When the entity becomes readable (Q16); `None` = at once.
    pub readable_from: Option<DateTime<Utc>>,
}

/// `HashCode`: upper-case hex of HMAC-SHA256(secret, content).
pub fn hash_code(secret: &str, content: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty MAC anyway.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(content.as_bytes());
            hex::encode_upper(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Everything needed to build one notification body.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Topic.
    pub topic: &'a str,
    /// The subscribing app.
    pub client_id: &'a str,
    /// Division.
    pub division: i32,
    /// `Create` / `Update` / `Delete`.
    pub action: &'a str,
    /// Entity key.
    pub key: Uuid,
    /// The entity's URL.
    pub endpoint: &'a str,
    /// Event time.
    pub at: DateTime<Utc>,
}

/// The body Exact POSTs: compact JSON, `Content` first, then `HashCode`.
pub fn notification_body(event: &Event<'_>, webhook_secret: &str) -> String {
    let content = Json::obj([
        ("Topic", Json::str(event.topic)),
        ("ClientId", Json::str(event.client_id)),
        ("Division", Json::int(event.division.into())),
        ("Action", Json::str(event.action)),
        ("Key", Json::str(event.key.to_string())),
        ("ExactOnlineEndpoint", Json::str(event.endpoint)),
        (
            "EventCreatedOn",
            Json::str(event.at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()),
        ),
    ])
    .to_text();
    let hash = hash_code(webhook_secret, &content);
    format!("{{\"Content\":{content},\"HashCode\":\"{hash}\"}}")
}

/// POST `body` to an `http://host[:port]/path` URL and return the status code. Only plain
/// HTTP is supported (callbacks in tests run on loopback); anything else is an error.
pub async fn post(url: &str, body: &str) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// callbacks can be pushed: {url}"))?;
    let (host_port, path) = match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or(rest), rest.get(i..).unwrap_or("/")),
        None => (rest, "/"),
    };
    let addr = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:80")
    };
    let work = async {
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        // The status line is all we need.
        while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 8192 {
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
        let line = String::from_utf8_lossy(&buf);
        line.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| "no HTTP status in the callback's answer".to_string())
    };
    tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .map_err(|_| "callback timed out".to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_signed_over_the_raw_content() {
        let at = DateTime::parse_from_rfc3339("2020-01-06T16:26:08.587Z")
            .unwrap()
            .with_timezone(&Utc);
        let body = notification_body(
            &Event {
                topic: "SalesOrders",
                client_id: "5b1d9c52-1c4a-4d3c-9a4e-0f6e2a0c1d01",
                division: 123456,
                action: "Update",
                key: Uuid::nil(),
                endpoint: "https://x/api/v1/123456/salesorder/SalesOrders(guid'00000000-0000-0000-0000-000000000000')",
                at,
            },
            "secret",
        );
        let content = body
            .strip_prefix("{\"Content\":")
            .and_then(|r| r.split_once(",\"HashCode\":\""))
            .unwrap();
        let hash = content.1.strip_suffix("\"}").unwrap();
        assert_eq!(hash, hash_code("secret", content.0));
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash.to_uppercase());
        assert!(content
            .0
            .contains("\"EventCreatedOn\":\"2020-01-06T16:26:08.587\""));
    }
}
