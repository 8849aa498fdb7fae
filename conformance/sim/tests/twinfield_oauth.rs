//! The login host: authorization code flow (T01), token lifetimes, refresh, revocation (T04),
//! access token validation with `twf.clusterUrl`.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use twinfield_support::*;

const SCOPE: &str = "openid twf.user twf.organisation twf.organisationUser offline_access";

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

async fn authorize(env: &Env, params: &[(&str, &str)]) -> reqwest::Response {
    env.http
        .get(format!(
            "{}/auth/authentication/connect/authorize",
            env.sim.login_url()
        ))
        .query(params)
        .send()
        .await
        .expect("authorize")
}

fn query_of(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let mut out = String::new();
            let bytes = v.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("20");
                    out.push(char::from(u8::from_str_radix(hex, 16).unwrap_or(b' ')));
                    i += 3;
                } else {
                    out.push(char::from(bytes[i]));
                    i += 1;
                }
            }
            (k.to_string(), out)
        })
        .collect()
}

async fn code_for(env: &Env, org: &str) -> String {
    let resp = authorize(
        env,
        &[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("redirect_uri", REDIRECT),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("sim_organisation", org),
        ],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 302);
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
    q.get("code").cloned().expect("code")
}

async fn token(env: &Env, auth: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let resp = env
        .http
        .post(format!(
            "{}/auth/authentication/connect/token",
            env.sim.login_url()
        ))
        .header("Authorization", auth)
        .form(form)
        .send()
        .await
        .expect("token");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

async fn validate(env: &Env, access: &str) -> (u16, serde_json::Value) {
    let resp = env
        .http
        .get(format!(
            "{}/auth/authentication/connect/accesstokenvalidation",
            env.sim.login_url()
        ))
        .query(&[("token", access)])
        .send()
        .await
        .expect("validate");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

#[tokio::test]
async fn t01_code_flow_gives_tokens_and_cluster_claim() {
    let env = env().await;
    let code = code_for(&env, "ORG-B").await;
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"]
        .as_str()
        .expect("access token")
        .to_string();
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    // The id token carries the nonce.
    let id = body["id_token"].as_str().expect("id token");
    let payload = id.split('.').nth(1).expect("jwt payload");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["nonce"], "n-1");

    let (status, claims) = validate(&env, &access).await;
    assert_eq!(status, 200);
    assert_eq!(
        claims["twf.clusterUrl"].as_str(),
        Some(env.cluster(2).as_str())
    );
    assert_eq!(claims["twf.organisationCode"], "ORG-B");
    assert_eq!(claims["client_id"], CLIENT);
    assert!(
        claims["exp"].is_string() && claims["nbf"].is_string(),
        "{claims}"
    );
    assert!(claims["scope"].as_array().is_some_and(|s| s.len() == 5));

    // A code is single-use.
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn t01_authorize_requires_nonce_scope_and_exact_redirect() {
    let env = env().await;
    let base = [
        ("client_id", CLIENT),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("state", "s"),
    ];
    // Missing nonce: redirected back with invalid_request.
    let mut p = base.to_vec();
    p.push(("scope", SCOPE));
    let resp = authorize(&env, &p).await;
    let q = query_of(resp.headers()["location"].to_str().unwrap());
    assert_eq!(q.get("error").map(String::as_str), Some("invalid_request"));
    // Missing twf.organisationUser: invalid_scope.
    let mut p = base.to_vec();
    p.push(("scope", "openid offline_access"));
    p.push(("nonce", "n"));
    let resp = authorize(&env, &p).await;
    let q = query_of(resp.headers()["location"].to_str().unwrap());
    assert_eq!(q.get("error").map(String::as_str), Some("invalid_scope"));
    // Redirect URI with a trailing slash is not the registered one: no redirect at all.
    let resp = authorize(
        &env,
        &[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:8080/callback/"),
            ("scope", SCOPE),
            ("nonce", "n"),
        ],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    // The token endpoint wants the same redirect URI byte for byte.
    let code = code_for(&env, "ORG-A").await;
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:8080/callback/"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

/// The token endpoint authenticates the client by Basic or by `client_id` and `client_secret`
/// in the form body: php-twinfield's `PhpTwinfield\Secure\Provider\OAuthProvider` leaves the
/// token request to league/oauth2-client's default, which puts them in the body, and that client
/// works against the real login host. No credentials, or a wrong secret either way, is
/// `401 invalid_client`.
#[tokio::test]
async fn t01_token_endpoint_takes_client_credentials_as_basic_or_in_the_form() {
    let env = env().await;
    let post_form = |form: Vec<(&'static str, String)>| {
        env.http
            .post(format!(
                "{}/auth/authentication/connect/token",
                env.sim.login_url()
            ))
            .form(&form)
            .send()
    };
    // In the form body: tokens.
    let code = code_for(&env, "ORG-A").await;
    let resp = post_form(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("redirect_uri", REDIRECT.into()),
        ("client_id", CLIENT.into()),
        ("client_secret", SECRET.into()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );

    // No credentials at all.
    let code = code_for(&env, "ORG-A").await;
    let resp = post_form(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("redirect_uri", REDIRECT.into()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A wrong secret in the form.
    let resp = post_form(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("redirect_uri", REDIRECT.into()),
        ("client_id", CLIENT.into()),
        ("client_secret", "wrong".into()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A wrong secret as Basic.
    let (status, body) = token(
        &env,
        &basic(CLIENT, "wrong"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // The code was never spent by the refused attempts: Basic with the right secret takes it.
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn t01_access_token_dies_after_3600s_and_refresh_gives_a_new_one() {
    let env = env().await;
    let list = "<list><type>offices</type></list>";
    let base = env.cluster(1);
    let ok = env.px_at(&base, &env.a.access_token, None, list).await;
    assert_eq!(ok.status, 200);
    env.sim.core().clock.advance(Duration::from_secs(3601));
    let expired = env.px_at(&base, &env.a.access_token, None, list).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.fault_code().as_deref(), Some("354"));
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.a.refresh_token),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["refresh_token"].as_str(),
        Some(env.a.refresh_token.as_str())
    );
    let fresh = body["access_token"].as_str().unwrap();
    assert_ne!(fresh, env.a.access_token);
    let again = env.px_at(&base, fresh, None, list).await;
    assert_eq!(again.status, 200);
    // Twenty years later the refresh token still works.
    env.sim
        .core()
        .clock
        .advance(Duration::from_secs(20 * 365 * 86_400));
    let (status, _) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.a.refresh_token),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn t04_revoked_refresh_token_fails_with_invalid_grant_and_other_grants_live() {
    let env = env().await;
    assert!(env.sim.revoke_refresh_token(&env.a.refresh_token));
    let (status, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.a.refresh_token),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Its access token is dead too.
    let (status, _) = validate(&env, &env.a.access_token).await;
    assert_eq!(status, 400);
    // ORG-B's grant is untouched.
    let (status, _) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.b.refresh_token),
        ],
    )
    .await;
    assert_eq!(status, 200);
    // Over HTTP as well.
    let r = env
        .control(
            reqwest::Method::POST,
            "/__sim/revoke",
            serde_json::json!({"client_id": CLIENT, "organisation": "ORG-B"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, _) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.b.refresh_token),
        ],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn t02_validation_without_organisation_scope_has_no_cluster_url() {
    let env = env().await;
    let resp = authorize(
        &env,
        &[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("scope", "openid twf.organisationUser"),
            ("redirect_uri", REDIRECT),
            ("nonce", "n"),
        ],
    )
    .await;
    let code = query_of(resp.headers()["location"].to_str().unwrap())
        .get("code")
        .cloned()
        .expect("code");
    let (_, body) = token(
        &env,
        &basic(CLIENT, SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let (status, claims) = validate(&env, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(claims.get("twf.clusterUrl").is_none(), "{claims}");
    let (status, _) = validate(&env, "not-a-token").await;
    assert_eq!(status, 400);
}
