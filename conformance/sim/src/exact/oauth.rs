//! Exact's OAuth 2 server: registered apps, single-use 3-minute authorization codes, 600 s
//! access tokens, rotating refresh tokens (Q04), the 570 s refresh floor, revocation (T04).
//!
//! One refresh-token chain ("grant") per app and user: a new authorization replaces the chain,
//! so the tokens of the old chain stop working, as Exact documents.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::distr::{Alphanumeric, SampleString};

use super::seed::ClientApp;

/// Lifetime of an access token.
pub const ACCESS_TOKEN_SECS: i64 = 600;
/// The refresh floor: no new token before this many seconds after the last one.
pub const REFRESH_FLOOR_SECS: i64 = 570;
/// Lifetime of an unused refresh token.
pub const REFRESH_TOKEN_DAYS: i64 = 30;
/// Lifetime of an authorization code.
pub const CODE_SECS: i64 = 180;

/// The user every grant belongs to unless a test names another.
pub const DEFAULT_USER: &str = "default";

/// A token pair as the token endpoint or [`super::ExactSim::issue_tokens`] hands it out.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    /// Bearer access token.
    pub access_token: String,
    /// Refresh token (contains `!`, as Exact's do).
    pub refresh_token: String,
    /// Seconds until the access token expires (600 on a fresh pair).
    pub expires_in: u64,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why a token request failed: status, the JSON body fields and the `Reason` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// HTTP status.
    pub status: u16,
    /// `error` (`None` = the plain-text `Bad Request` body).
    pub error: Option<&'static str>,
    /// `error_description`.
    pub description: Option<String>,
    /// `Reason` response header.
    pub reason: Option<String>,
}

impl TokenError {
    fn plain_bad_request() -> Self {
        Self {
            status: 400,
            error: None,
            description: None,
            reason: None,
        }
    }

    fn json(status: u16, error: &'static str, description: Option<String>) -> Self {
        Self {
            status,
            error: Some(error),
            description,
            reason: None,
        }
    }

    fn broken_chain() -> Self {
        let msg = "Token is not allowed, because of invalid or empty chainId";
        Self {
            reason: Some(format!("Unknown: {msg}")),
            ..Self::json(400, "invalid_grant", Some(msg.into()))
        }
    }
}

/// Who an access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCtx {
    /// The app.
    pub client_id: String,
    /// The user.
    pub user: String,
    /// Divisions the user consented to for this app (`None` = all).
    pub divisions: Option<Vec<i32>>,
}

#[derive(Clone)]
struct Code {
    client_id: String,
    redirect_uri: String,
    expires: DateTime<Utc>,
}

#[derive(Clone)]
struct Grant {
    client_id: String,
    user: String,
    current_refresh: String,
    /// The refresh token the current one replaced (accepted in lenient mode until the current
    /// one is redeemed).
    previous_refresh: Option<String>,
    /// Every refresh token this chain superseded.
    old_refresh: Vec<String>,
    current_access: String,
    access_expires: DateTime<Utc>,
    last_issued: DateTime<Utc>,
    refresh_expires: DateTime<Utc>,
    /// Revoked (password change, consent withdrawn) or replaced by a new authorization.
    dead: bool,
}

#[derive(Clone)]
struct Access {
    grant: usize,
    expires: DateTime<Utc>,
}

/// The OAuth state of one simulator.
#[derive(Clone, Default)]
pub struct OAuth {
    apps: HashMap<String, ClientApp>,
    codes: HashMap<String, Code>,
    grants: Vec<Grant>,
    access: HashMap<String, Access>,
    refreshes: HashMap<String, u64>,
}

fn token(prefix: &str, len: usize) -> String {
    format!(
        "{prefix}{}",
        Alphanumeric.sample_string(&mut rand::rng(), len)
    )
}

impl OAuth {
    /// Register (or replace) an app.
    pub fn register(&mut self, app: ClientApp) {
        self.apps.insert(app.client_id.clone(), app);
    }

    /// The registered app.
    pub fn app(&self, client_id: &str) -> Option<&ClientApp> {
        self.apps.get(client_id)
    }

    /// `GET /api/oauth2/auth`: a code for the redirect, or `None` (plain 400) when the client or
    /// redirect URI is wrong.
    pub fn authorize(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let app = self.apps.get(client_id)?;
        if app.redirect_uri != redirect_uri {
            return None;
        }
        let code = format!("{}!{}", token("", 8), token("IAAAA", 120));
        self.codes.insert(
            code.clone(),
            Code {
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                expires: now + Duration::seconds(CODE_SECS),
            },
        );
        Some(code)
    }

    fn check_client(&self, client_id: &str, client_secret: &str) -> Result<(), TokenError> {
        match self.apps.get(client_id) {
            Some(app) if app.client_secret == client_secret => Ok(()),
            _ => Err(TokenError::json(400, "invalid_client", None)),
        }
    }

    /// Start a new chain for `client_id` + `user`, killing the previous one.
    pub fn new_grant(&mut self, client_id: &str, user: &str, now: DateTime<Utc>) -> IssuedTokens {
        for g in self.grants.iter_mut() {
            if g.client_id == client_id && g.user == user {
                g.dead = true;
            }
        }
        let refresh = token("Gcp7!IAAAA", 200);
        let access = token("gAAAA", 300);
        self.grants.push(Grant {
            client_id: client_id.into(),
            user: user.into(),
            current_refresh: refresh.clone(),
            previous_refresh: None,
            old_refresh: Vec::new(),
            current_access: access.clone(),
            access_expires: now + Duration::seconds(ACCESS_TOKEN_SECS),
            last_issued: now,
            refresh_expires: now + Duration::days(REFRESH_TOKEN_DAYS),
            dead: false,
        });
        self.access.insert(
            access.clone(),
            Access {
                grant: self.grants.len() - 1,
                expires: now + Duration::seconds(ACCESS_TOKEN_SECS),
            },
        );
        IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: ACCESS_TOKEN_SECS as u64,
        }
    }

    /// `grant_type=authorization_code`.
    pub fn exchange_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        client_id: &str,
        client_secret: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, TokenError> {
        self.check_client(client_id, client_secret)?;
        // Single use: the code is gone whatever happens next.
        let c = self
            .codes
            .remove(code)
            .ok_or_else(TokenError::plain_bad_request)?;
        if c.client_id != client_id || c.redirect_uri != redirect_uri || now > c.expires {
            return Err(TokenError::plain_bad_request());
        }
        Ok(self.new_grant(client_id, DEFAULT_USER, now))
    }

    /// `grant_type=refresh_token`. `strict` is Q04 (rotation: a superseded token dies at once).
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        client_id: &str,
        client_secret: &str,
        now: DateTime<Utc>,
        strict: bool,
    ) -> Result<IssuedTokens, TokenError> {
        self.check_client(client_id, client_secret)?;
        let found = self.grants.iter().enumerate().rev().find_map(|(i, g)| {
            if g.client_id != client_id {
                return None;
            }
            if g.current_refresh == refresh_token {
                Some((i, true))
            } else if g.old_refresh.iter().any(|t| t == refresh_token) {
                Some((i, false))
            } else {
                None
            }
        });
        let Some((idx, is_current)) = found else {
            return Err(TokenError::broken_chain());
        };
        let Some(g) = self.grants.get(idx) else {
            return Err(TokenError::broken_chain());
        };
        if g.dead {
            return Err(TokenError::broken_chain());
        }
        if !is_current {
            let lenient_ok = !strict && g.previous_refresh.as_deref() == Some(refresh_token);
            if !lenient_ok {
                return Err(TokenError::json(
                    401,
                    "unauthorized_client",
                    Some("Old refresh token used.".into()),
                ));
            }
            // Lenient (documented) mode: the previous token still works while the new one is
            // unused. Within the floor it answers with the pair already issued, so two holders
            // of the old token converge on one chain.
            if now - g.last_issued < Duration::seconds(REFRESH_FLOOR_SECS) {
                let left = (g.access_expires - now).num_seconds().max(0);
                return Ok(IssuedTokens {
                    access_token: g.current_access.clone(),
                    refresh_token: g.current_refresh.clone(),
                    expires_in: left as u64,
                });
            }
        }
        if now > g.refresh_expires {
            let fmt = "%m/%d/%Y %-I:%M:%S %p";
            return Err(TokenError::json(
                400,
                "invalid_request",
                Some(format!(
                    "The refresh token expired at {} and it is now {}.",
                    g.refresh_expires.format(fmt),
                    now.format(fmt)
                )),
            ));
        }
        if now - g.last_issued < Duration::seconds(REFRESH_FLOOR_SECS) {
            let msg = "Rate limit exceeded: access_token not expired";
            return Err(TokenError {
                reason: Some(format!("TooEarlyToRefreshTokens: {msg}")),
                ..TokenError::json(400, "access_denied", Some(msg.into()))
            });
        }
        let refresh = token("Gcp7!IAAAA", 200);
        let access = token("gAAAA", 300);
        let expires = now + Duration::seconds(ACCESS_TOKEN_SECS);
        let Some(g) = self.grants.get_mut(idx) else {
            return Err(TokenError::broken_chain());
        };
        let old = std::mem::replace(&mut g.current_refresh, refresh.clone());
        g.old_refresh.push(old.clone());
        g.previous_refresh = Some(old);
        g.current_access = access.clone();
        g.access_expires = expires;
        g.last_issued = now;
        g.refresh_expires = now + Duration::days(REFRESH_TOKEN_DAYS);
        let client = g.client_id.clone();
        self.access.insert(
            access.clone(),
            Access {
                grant: idx,
                expires,
            },
        );
        *self.refreshes.entry(client).or_default() += 1;
        Ok(IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: ACCESS_TOKEN_SECS as u64,
        })
    }

    /// Who a bearer token belongs to, if it is known, unexpired and its grant alive.
    pub fn check_access(&self, token: &str, now: DateTime<Utc>) -> Option<AccessCtx> {
        let a = self.access.get(token)?;
        if now >= a.expires {
            return None;
        }
        let g = self.grants.get(a.grant)?;
        if g.dead {
            return None;
        }
        Some(AccessCtx {
            client_id: g.client_id.clone(),
            user: g.user.clone(),
            divisions: self
                .apps
                .get(&g.client_id)
                .and_then(|app| app.divisions.clone()),
        })
    }

    /// Revoke the live grant of `client_id` + `user` (T04): its access tokens stop working at
    /// once and its refresh token answers `invalid_grant`. False when there was none.
    pub fn revoke(&mut self, client_id: &str, user: &str) -> bool {
        let mut any = false;
        for g in self.grants.iter_mut() {
            if g.client_id == client_id && g.user == user && !g.dead {
                g.dead = true;
                any = true;
            }
        }
        any
    }

    /// Revoke the grant a refresh token (current or old) belongs to.
    pub fn revoke_by_refresh_token(&mut self, refresh_token: &str) -> bool {
        let mut any = false;
        for g in self.grants.iter_mut() {
            if !g.dead
                && (g.current_refresh == refresh_token
                    || g.old_refresh.iter().any(|t| t == refresh_token))
            {
                g.dead = true;
                any = true;
            }
        }
        any
    }

    /// Successful refreshes (rotations) of `client_id` so far.
    pub fn refresh_count(&self, client_id: &str) -> u64 {
        self.refreshes.get(client_id).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> OAuth {
        let mut o = OAuth::default();
        o.register(ClientApp {
            client_id: "c".into(),
            client_secret: "s".into(),
            redirect_uri: "http://cb".into(),
            webhook_secret: "w".into(),
            divisions: None,
        });
        o
    }

    #[test]
    fn codes_are_single_use_and_expire() {
        let mut o = oauth();
        let now = Utc::now();
        let code = o.authorize("c", "http://cb", now).unwrap();
        assert!(code.contains('!'));
        assert!(o.exchange_code(&code, "http://cb", "c", "s", now).is_ok());
        assert_eq!(
            o.exchange_code(&code, "http://cb", "c", "s", now)
                .unwrap_err()
                .status,
            400
        );
        let late = o.authorize("c", "http://cb", now).unwrap();
        let err = o
            .exchange_code(&late, "http://cb", "c", "s", now + Duration::seconds(181))
            .unwrap_err();
        assert_eq!(err.error, None);
        assert!(o.authorize("c", "http://other", now).is_none());
    }

    #[test]
    fn rotation_floor_and_revocation() {
        let mut o = oauth();
        let t0 = Utc::now();
        let first = o.new_grant("c", DEFAULT_USER, t0);
        let early = o
            .refresh(
                &first.refresh_token,
                "c",
                "s",
                t0 + Duration::seconds(100),
                true,
            )
            .unwrap_err();
        assert_eq!((early.status, early.error), (400, Some("access_denied")));
        assert!(early.reason.unwrap().starts_with("TooEarlyToRefreshTokens"));
        let t1 = t0 + Duration::seconds(600);
        let second = o.refresh(&first.refresh_token, "c", "s", t1, true).unwrap();
        let old = o
            .refresh(&first.refresh_token, "c", "s", t1, true)
            .unwrap_err();
        assert_eq!(old.status, 401);
        assert_eq!(old.description.as_deref(), Some("Old refresh token used."));
        assert!(o.check_access(&second.access_token, t1).is_some());
        assert!(o
            .check_access(&second.access_token, t1 + Duration::seconds(600))
            .is_none());
        assert_eq!(o.refresh_count("c"), 1);
        assert!(o.revoke("c", DEFAULT_USER));
        assert!(o.check_access(&second.access_token, t1).is_none());
        let gone = o
            .refresh(
                &second.refresh_token,
                "c",
                "s",
                t1 + Duration::seconds(600),
                true,
            )
            .unwrap_err();
        assert_eq!(gone.error, Some("invalid_grant"));
    }
}
