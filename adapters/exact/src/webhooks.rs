//! Webhook verification (reference §7): the signature is no header but the `HashCode` field,
//! upper-case hex of HMAC-SHA256 over the raw bytes of the `Content` value, keyed with the app's
//! webhook secret. The raw substring is hashed (never a re-encoding) and compared in constant
//! time.
//!
//! The webhook operations of [`ExactLedger`] live here too: subscribing a callback URL, listing
//! the subscriptions, and handling a delivery (verify, then fetch the entity patiently, Q16).

use grootboek_core::json::{parse_numbers_as_text, JsonOut};
use grootboek_core::{Error, ErrorKind, Result, Vendor};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::client::Method;
use crate::ledger::ExactLedger;
use crate::model::{WebhookContent, WebhookEvent, WebhookSubscription};
use crate::odata::{self, Row};
use crate::urls::{Division, Endpoint, Query};

const HASH_FIELD: &[u8] = b"\"HashCode\"";

fn refused(message: &str) -> Error {
    Error::new(ErrorKind::Unauthenticated, message)
        .with_vendor(Vendor::Exact)
        .with_operation("verify_webhook")
}

/// Split a notification body into the raw `Content` bytes and the `HashCode` text. Exact sends
/// `{"Content":{…},"HashCode":"…"}`; whitespace between those tokens (a body pretty-printed by a
/// relay) is allowed, and the `Content` value is taken byte for byte between them.
pub fn split(body: &[u8]) -> Result<(&[u8], &str)> {
    let body = odata::strip_bom(body).trim_ascii();
    let rest = body
        .strip_prefix(b"{")
        .map(<[u8]>::trim_ascii)
        .and_then(|r| r.strip_prefix(b"\"Content\""))
        .map(<[u8]>::trim_ascii)
        .and_then(|r| r.strip_prefix(b":"))
        .ok_or_else(|| refused("the webhook body does not start with {\"Content\":"))?;
    let at = rest
        .windows(HASH_FIELD.len())
        .rposition(|w| w == HASH_FIELD)
        .ok_or_else(|| refused("the webhook body has no HashCode"))?;
    let content = rest
        .get(..at)
        .unwrap_or_default()
        .trim_ascii()
        .strip_suffix(b",")
        .map(<[u8]>::trim_ascii)
        .ok_or_else(|| refused("the webhook body has no comma before its HashCode"))?;
    let hash = rest
        .get(at + HASH_FIELD.len()..)
        .unwrap_or_default()
        .trim_ascii()
        .strip_prefix(b":")
        .map(<[u8]>::trim_ascii)
        .and_then(|t| t.strip_suffix(b"}"))
        .map(<[u8]>::trim_ascii)
        .and_then(|t| t.strip_prefix(b"\""))
        .and_then(|t| t.strip_suffix(b"\""))
        .ok_or_else(|| refused("the webhook body does not end after its HashCode"))?;
    let hash = std::str::from_utf8(hash).map_err(|_| refused("the HashCode is not text"))?;
    Ok((content, hash))
}

/// The `HashCode` Exact computes for `content`: upper-case hex HMAC-SHA256.
pub fn sign(secret: &SecretString, content: &[u8]) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| Error::config("the webhook secret cannot key HMAC-SHA256"))?;
    mac.update(content);
    Ok(hex::encode_upper(mac.finalize().into_bytes()))
}

/// Verify a notification body and read its `Content`. A forged or altered body is refused with
/// [`ErrorKind::Unauthenticated`] before anything in it is used.
pub fn verify(secret: &SecretString, body: &[u8]) -> Result<WebhookContent> {
    let (content, hash) = split(body)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| Error::config("the webhook secret cannot key HMAC-SHA256"))?;
    mac.update(content);
    let expected = mac.finalize().into_bytes();
    let given = hex::decode(hash.trim()).map_err(|_| refused("the HashCode is not hex"))?;
    let same: bool = given.as_slice().ct_eq(expected.as_slice()).into();
    if !same {
        return Err(refused(
            "the webhook HashCode does not match its Content: refused",
        ));
    }
    parse_content(content)
}

fn parse_content(content: &[u8]) -> Result<WebhookContent> {
    // Numbers (the `Division`) arrive as their text, like every answer the adapter reads.
    let v: Value = parse_numbers_as_text(content).map_err(|e| {
        Error::protocol(format!(
            "the webhook Content cannot be read as JSON: {}",
            e.message()
        ))
    })?;
    let s = |f: &str| v.get(f).and_then(Value::as_str).map(str::to_string);
    let division = match v.get("Division") {
        Some(Value::String(t)) => t.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Error::protocol("the webhook Content has no Division"))?;
    Ok(WebhookContent {
        topic: s("Topic").ok_or_else(|| Error::protocol("the webhook Content has no Topic"))?,
        division,
        action: s("Action").unwrap_or_default(),
        key: s("Key").ok_or_else(|| Error::protocol("the webhook Content has no Key"))?,
        endpoint: s("ExactOnlineEndpoint"),
        event_created_on: s("EventCreatedOn"),
    })
}

// ---------------------------------------------------------------- the ledger's webhook operations

impl ExactLedger {
    /// Subscribe `callback_url` to `topic` in a division (`webhooks/WebhookSubscriptions`).
    pub async fn create_webhook_subscription(
        &self,
        administration: &str,
        topic: &str,
        callback_url: &str,
    ) -> Result<WebhookSubscription> {
        let division = Self::division(administration)?;
        let body = JsonOut::object()
            .with("CallbackURL", callback_url)
            .with("Topic", topic)
            .build();
        let row = self
            .client()
            .post(
                "create_webhook_subscription",
                division,
                Endpoint::WebhookSubscriptions,
                &body,
            )
            .await?
            .ok_or_else(|| Error::protocol("Exact did not return the webhook subscription"))?;
        webhook_subscription_of(&row)
    }

    /// The webhook subscriptions of a division.
    pub async fn webhook_subscriptions(
        &self,
        administration: &str,
    ) -> Result<Vec<WebhookSubscription>> {
        let division = Self::division(administration)?;
        let rows = self
            .client()
            .all(
                "webhook_subscriptions",
                division,
                Endpoint::WebhookSubscriptions,
                &Query::select(&["ID", "Topic", "CallbackURL", "Description"]),
            )
            .await?;
        rows.iter().map(webhook_subscription_of).collect()
    }

    /// Handle a webhook delivery: verify its `HashCode` over the raw `Content` (constant time)
    /// with the webhook secret, then fetch the entity it names, retrying with bounded backoff
    /// until it is readable or the deadline passes (Q16). `Ok(None)` for the empty validation
    /// POST Exact sends when a subscription is created (answer it with 200).
    pub async fn handle_webhook(&self, raw_body: &[u8]) -> Result<Option<WebhookEvent>> {
        if odata::strip_bom(raw_body)
            .iter()
            .all(u8::is_ascii_whitespace)
        {
            return Ok(None);
        }
        let secret = self.cfg().webhook_secret.as_ref().ok_or_else(|| {
            Error::config("no webhook secret configured (GROOTBOEK_EXACT_WEBHOOK_SECRET)")
        })?;
        let content = crate::webhooks::verify(secret, raw_body)?;
        if content.action.eq_ignore_ascii_case("delete") {
            return Ok(Some(WebhookEvent {
                content,
                entity: None,
                attempts: 0,
            }));
        }
        let division = Division::new(content.division)?;
        let url = match &content.endpoint {
            Some(link) => self.client().urls().handed_out(division, link)?,
            None => {
                return Err(Error::protocol("the webhook names no ExactOnlineEndpoint")
                    .with_vendor(Vendor::Exact))
            }
        };
        let fetch = || async {
            match self
                .client()
                .call("webhook_entity", Method::Get, &url)
                .await
            {
                Ok(r) => odata::parse_single(&r.body),
                Err(e) if *e.kind() == ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        };
        let (entity, attempts) = if self.defence("Q16") {
            self.patiently(fetch).await?
        } else {
            (fetch().await?, 1)
        };
        let entity = entity.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "the {} entity {} of the webhook is not readable",
                    content.topic, content.key
                ),
            )
            .with_vendor(Vendor::Exact)
            .with_operation("handle_webhook")
            .with_retryable(true)
        })?;
        Ok(Some(WebhookEvent {
            content,
            entity: Some(entity),
            attempts,
        }))
    }

    /// Verify a webhook body without fetching anything.
    pub fn verify_webhook(&self, raw_body: &[u8]) -> Result<crate::model::WebhookContent> {
        let secret = self
            .cfg()
            .webhook_secret
            .as_ref()
            .ok_or_else(|| Error::config("no webhook secret configured"))?;
        crate::webhooks::verify(secret, raw_body)
    }
}

fn webhook_subscription_of(row: &Row) -> Result<WebhookSubscription> {
    Ok(WebhookSubscription {
        id: odata::guid(row, "ID")
            .ok_or_else(|| Error::protocol("webhook subscription without ID"))?,
        topic: odata::string(row, "Topic")
            .ok_or_else(|| Error::protocol("webhook subscription without Topic"))?,
        callback_url: odata::string(row, "CallbackURL")
            .ok_or_else(|| Error::protocol("webhook subscription without CallbackURL"))?,
        description: odata::string(row, "Description"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTENT: &str = r#"{"Topic":"SalesOrders","ClientId":"5b1d9c52-1c4a-4d3c-9a4e-0f6e2a0c1d01","Division":123456,"Action":"Update","Key":"8e2f0a71-4c3b-4d52-9b6e-1a7c3d5e9f20","ExactOnlineEndpoint":"https://start.exactonline.nl/api/v1/123456/salesorder/SalesOrders(guid'8e2f0a71-4c3b-4d52-9b6e-1a7c3d5e9f20')","EventCreatedOn":"2024-03-21T10:15:00.000"}"#;

    fn secret() -> SecretString {
        SecretString::from("webhook-secret".to_string())
    }

    fn body(hash: &str) -> String {
        format!(r#"{{"Content":{CONTENT},"HashCode":"{hash}"}}"#)
    }

    #[test]
    fn q16_signed_bodies_verify_and_forged_ones_do_not() {
        let hash = sign(&secret(), CONTENT.as_bytes()).unwrap();
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash.to_ascii_uppercase());
        let c = verify(&secret(), body(&hash).as_bytes()).unwrap();
        assert_eq!(c.division, 123456);
        assert_eq!(c.action, "Update");
        assert_eq!(c.key, "8e2f0a71-4c3b-4d52-9b6e-1a7c3d5e9f20");
        let forged = "0".repeat(64);
        let e = verify(&secret(), body(&forged).as_bytes()).unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::Unauthenticated);
        let tampered = body(&hash).replace("123456", "123457");
        assert!(verify(&secret(), tampered.as_bytes()).is_err());
        let other_key = SecretString::from("client-secret".to_string());
        assert!(verify(&other_key, body(&hash).as_bytes()).is_err());
        assert!(verify(&secret(), b"").is_err());
        assert!(verify(&secret(), b"{\"Content\":{}}").is_err());
        assert!(verify(&secret(), body("zz").as_bytes()).is_err());
    }

    /// The shared notification fixture (pretty-printed, as a relay may pass it on): signed over
    /// its raw `Content` bytes it verifies and reads topic, division and action; one changed
    /// byte inside `Content` is refused.
    #[test]
    fn the_shared_notification_fixture_verifies_byte_for_byte() {
        let fixture = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/exact/webhook_notification.json"
        ))
        .unwrap();
        let (content, placeholder) = split(fixture.as_bytes()).unwrap();
        assert_eq!(placeholder, "<string>");
        assert!(content.starts_with(b"{\"Topic\"") && content.ends_with(b"}"));
        let hash = sign(&secret(), content).unwrap();
        let at = fixture.rfind("<string>").unwrap();
        let signed = format!(
            "{}{hash}{}",
            &fixture[..at],
            &fixture[at + "<string>".len()..]
        );
        let c = verify(&secret(), signed.as_bytes()).unwrap();
        assert_eq!(
            (c.topic.as_str(), c.division, c.action.as_str()),
            ("FinancialTransactions", 123456, "Create")
        );
        let altered = signed.replacen("\"Create\"", "\"Delete\"", 1);
        assert_eq!(
            *verify(&secret(), altered.as_bytes()).unwrap_err().kind(),
            ErrorKind::Unauthenticated
        );
    }
}
