//! Token values sealed at rest with XChaCha20-Poly1305 (`chacha20poly1305`), when a
//! [`TokenKey`] is configured (`GROOTBOEK_TOKEN_KEY`, 32 bytes in base64).
//!
//! A sealed value is text: `gbx1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The 24-byte
//! nonce is random per value; the associated data binds the value to its connection and field
//! (`access` or `refresh`), so a sealed value moved to another connection or field does not open.
//! The key id (8 hex digits of a SHA-256 of the key) only tells "sealed with another key" apart
//! from "corrupted": it reveals nothing useful about a 256-bit key.
//!
//! Opening fails with [`ErrorKind::Config`](crate::ErrorKind::Config), never with a kind that
//! would make a broker refresh: a wrong key, or sealed data without a key, must be fixed by an
//! operator, and a refresh would throw away the stored (rotating) refresh token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};

use super::store::{RefreshLock, TokenRecord, TokenStore};
use super::ConnectionId;
use crate::error::{Error, Result};

/// The environment variable holding the key: 32 bytes, base64 (standard or URL-safe alphabet,
/// padding optional). Generate one with `openssl rand -base64 32`.
pub const TOKEN_KEY_ENV: &str = "GROOTBOEK_TOKEN_KEY";

/// The prefix of every sealed value; values without it are stored in clear.
const SEALED_PREFIX: &str = "gbx1.";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A 32-byte key that seals token values at rest. `Debug` shows only the key id; the key bytes
/// never appear in `Debug`, `Display` or errors.
#[derive(Clone)]
pub struct TokenKey {
    key: std::sync::Arc<SecretBox<[u8; 32]>>,
    id: String,
}

impl TokenKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"grootboek-token-key-id:")
            .chain_update(bytes)
            .finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            key: std::sync::Arc::new(SecretBox::new(Box::new(bytes))),
            id,
        }
    }

    /// A key from base64 text (standard or URL-safe alphabet, padding optional, surrounding
    /// whitespace ignored). Anything but exactly 32 bytes is an [`ErrorKind::Config`] error that
    /// does not repeat the text.
    ///
    /// [`ErrorKind::Config`]: crate::ErrorKind::Config
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let trimmed = text.trim_end_matches('=');
        let decoded = URL_SAFE_NO_PAD
            .decode(trimmed)
            .or_else(|_| STANDARD.decode(text))
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed));
        let bytes = decoded.map_err(|_| {
            Error::config(format!(
                "{TOKEN_KEY_ENV} is not valid base64 (expected 32 random bytes in base64, e.g. \
                 from `openssl rand -base64 32`)"
            ))
        })?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            Error::config(format!(
                "{TOKEN_KEY_ENV} must decode to exactly 32 bytes, not {}",
                b.len()
            ))
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key from `GROOTBOEK_TOKEN_KEY`, `None` when unset or empty.
    pub fn from_env() -> Result<Option<Self>> {
        match std::env::var(TOKEN_KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::from_base64(&v).map(Some),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(format!(
                "{TOKEN_KEY_ENV} is not valid base64"
            ))),
        }
    }

    /// A short public identifier of the key (8 hex digits of a SHA-256 of it), written next to
    /// every value it seals so that a wrong key is reported as such.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(*self.key.expose_secret()))
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl PartialEq for TokenKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

fn aad(conn: &ConnectionId, field: &str) -> Vec<u8> {
    format!("grootboek-token-v1\0{conn}\0{field}").into_bytes()
}

/// Whether a stored value is sealed (starts with the sealed-value prefix).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// Seal `secret` (field `field` of connection `conn`) with `key`; without a key the value is
/// returned in clear.
pub fn seal(
    key: Option<&TokenKey>,
    conn: &ConnectionId,
    field: &str,
    secret: &SecretString,
) -> String {
    let Some(key) = key else {
        return secret.expose_secret().to_owned();
    };
    let nonce_bytes: [u8; NONCE_LEN] = rand::random();
    let nonce = XNonce::from(nonce_bytes);
    let aad = aad(conn, field);
    let sealed = key.cipher().encrypt(
        &nonce,
        Payload {
            msg: secret.expose_secret().as_bytes(),
            aad: &aad,
        },
    );
    // XChaCha20-Poly1305 fails only for messages of ~256 GiB; a token never is one.
    let ciphertext = sealed.unwrap_or_default();
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce_bytes);
    blob.extend_from_slice(&ciphertext);
    format!(
        "{SEALED_PREFIX}{}.{}",
        key.id(),
        URL_SAFE_NO_PAD.encode(blob)
    )
}

/// Open a stored value of field `field` of connection `conn`. A value in clear is returned as is
/// (also when a key is configured: it is sealed at the next write). Errors
/// ([`ErrorKind::Config`](crate::ErrorKind::Config), never echoing the value): sealed without a
/// key configured, sealed with another key, or corrupted.
pub fn open(
    key: Option<&TokenKey>,
    conn: &ConnectionId,
    field: &str,
    stored: &str,
) -> Result<SecretString> {
    let Some(rest) = stored.strip_prefix(SEALED_PREFIX) else {
        if key.is_some() {
            tracing::warn!(connection = %conn, field, "token value stored in clear although a key is configured; it is sealed at the next write");
        }
        return Ok(SecretString::from(stored.to_owned()));
    };
    let Some(key) = key else {
        return Err(Error::config(format!(
            "the stored {field} token of connection {conn} is sealed, but no key is configured: \
             set {TOKEN_KEY_ENV} to the key it was sealed with"
        ))
        .with_operation("open_token"));
    };
    let corrupt = || {
        Error::config(format!(
            "the stored {field} token of connection {conn} is sealed but corrupted (it does not \
             open with the configured key {}); store a new pair (consent again)",
            key.id()
        ))
        .with_operation("open_token")
    };
    let (id, data) = rest.split_once('.').ok_or_else(corrupt)?;
    if id != key.id() {
        return Err(Error::config(format!(
            "the stored {field} token of connection {conn} is sealed with another key (id {}) \
             than the configured {TOKEN_KEY_ENV} (id {}): configure the right key",
            id.escape_debug(),
            key.id()
        ))
        .with_operation("open_token"));
    }
    let blob = URL_SAFE_NO_PAD.decode(data).map_err(|_| corrupt())?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(corrupt());
    }
    let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| corrupt())?;
    let aad = aad(conn, field);
    let plain = key
        .cipher()
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| corrupt())?;
    let text = String::from_utf8(plain).map_err(|_| corrupt())?;
    Ok(SecretString::from(text))
}

/// A [`TokenStore`] wrapper that seals access and refresh tokens before they reach the inner
/// store and opens them on the way back: a team's own database then holds only sealed values.
pub struct SealedTokenStore<S: TokenStore + ?Sized = dyn TokenStore> {
    inner: Arc<S>,
    key: TokenKey,
}

impl<S: TokenStore + ?Sized> SealedTokenStore<S> {
    /// Seal the tokens of `inner` with `key`.
    pub fn new(inner: Arc<S>, key: TokenKey) -> Self {
        Self { inner, key }
    }
}

impl<S: TokenStore + ?Sized> fmt::Debug for SealedTokenStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedTokenStore")
            .field("inner", &self.inner)
            .field("key", &self.key)
            .finish()
    }
}

#[async_trait]
impl<S: TokenStore + ?Sized> TokenStore for SealedTokenStore<S> {
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>> {
        let Some(mut record) = self.inner.load(conn).await? else {
            return Ok(None);
        };
        let key = Some(&self.key);
        record.pair.access_token = open(
            key,
            conn,
            "access",
            record.pair.access_token.expose_secret(),
        )?;
        record.pair.refresh_token = open(
            key,
            conn,
            "refresh",
            record.pair.refresh_token.expose_secret(),
        )?;
        Ok(Some(record))
    }

    async fn compare_and_swap(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        record: &TokenRecord,
    ) -> Result<bool> {
        let key = Some(&self.key);
        let mut sealed = record.clone();
        sealed.pair.access_token =
            SecretString::from(seal(key, conn, "access", &record.pair.access_token));
        sealed.pair.refresh_token =
            SecretString::from(seal(key, conn, "refresh", &record.pair.refresh_token));
        self.inner.compare_and_swap(conn, expected, &sealed).await
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        self.inner.remove(conn).await
    }

    async fn generation(&self, conn: &ConnectionId) -> Result<Option<u64>> {
        self.inner.generation(conn).await
    }

    async fn lock_refresh(
        &self,
        conn: &ConnectionId,
        wait: Duration,
    ) -> Result<Option<RefreshLock>> {
        self.inner.lock_refresh(conn, wait).await
    }

    fn is_durable(&self) -> bool {
        self.inner.is_durable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn conn(s: &str) -> ConnectionId {
        ConnectionId::new(s).expect("id")
    }

    #[test]
    fn seal_and_open_round_trip_and_bind_to_connection_and_field() {
        let key = TokenKey::from_bytes([7; 32]);
        let c = conn("exact:acme");
        let secret = SecretString::from("SECRET-refresh".to_owned());
        let sealed = seal(Some(&key), &c, "refresh", &secret);
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("SECRET"));
        // Random nonce: the same value seals differently every time.
        assert_ne!(sealed, seal(Some(&key), &c, "refresh", &secret));
        let opened = open(Some(&key), &c, "refresh", &sealed).expect("open");
        assert_eq!(opened.expose_secret(), "SECRET-refresh");
        for (k, cn, field) in [
            (Some(&key), conn("exact:other"), "refresh"),
            (Some(&key), c.clone(), "access"),
        ] {
            let e = open(k, &cn, field, &sealed).expect_err("bound");
            assert_eq!(*e.kind(), ErrorKind::Config);
        }
    }

    #[test]
    fn wrong_key_missing_key_and_corruption_are_config_errors() {
        let key = TokenKey::from_bytes([7; 32]);
        let other = TokenKey::from_bytes([8; 32]);
        let c = conn("exact:acme");
        let sealed = seal(
            Some(&key),
            &c,
            "access",
            &SecretString::from("SECRET-a".to_owned()),
        );
        let e = open(Some(&other), &c, "access", &sealed).expect_err("wrong key");
        assert_eq!(*e.kind(), ErrorKind::Config);
        assert!(e.message().contains("another key"), "{e}");
        let e = open(None, &c, "access", &sealed).expect_err("no key");
        assert_eq!(*e.kind(), ErrorKind::Config);
        assert!(e.message().contains(TOKEN_KEY_ENV), "{e}");
        for bad in [
            "gbx1.",
            "gbx1.abc",
            &format!("gbx1.{}.", key.id()),
            &format!("gbx1.{}.!!!", key.id()),
            &format!("gbx1.{}.AAAA", key.id()),
            &sealed[..sealed.len() - 3],
        ] {
            let e = open(Some(&key), &c, "access", bad).expect_err("corrupt");
            assert_eq!(*e.kind(), ErrorKind::Config, "{bad}");
        }
        // Clear values still open (migration), with or without a key.
        let clear = open(Some(&key), &c, "access", "plain").expect("clear");
        assert_eq!(clear.expose_secret(), "plain");
    }

    #[test]
    fn keys_parse_from_base64_and_never_show() {
        let b64 = STANDARD.encode([1u8; 32]);
        let k = TokenKey::from_base64(&format!(" {b64}\n")).expect("standard");
        let k2 = TokenKey::from_base64(&URL_SAFE_NO_PAD.encode([1u8; 32])).expect("url-safe");
        assert_eq!(k, k2);
        assert!(!format!("{k:?}").contains(&b64));
        for bad in ["", "not base64 !", &STANDARD.encode([1u8; 31])] {
            let e = TokenKey::from_base64(bad).expect_err("bad key");
            assert_eq!(*e.kind(), ErrorKind::Config);
            assert!(bad.is_empty() || !e.message().contains(bad), "{e}");
        }
    }
}
