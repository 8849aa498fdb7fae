//! Exact's OAuth as the simulator serves it: authorize with single-use 3-minute codes, the
//! token endpoint (string `expires_in`), rotation, the 570 s floor, expiry, revocation (T04).
#![cfg(feature = "exact")]

mod exact_support;

use exact_support::*;
use grootboek_sim::exact::json::Json;
use grootboek_sim::exact::odata::percent_decode;
use reqwest::StatusCode;

/// Run the authorize step with a client that does not follow redirects; return the decoded
/// code and the raw Location header.
async fn authorize(env: &Env) -> (String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = format!(
        "{}/api/oauth2/auth?client_id={CLIENT_ID}&redirect_uri={}&response_type=code&force_login=0&state=xyz",
        env.base,
        grootboek_sim::exact::routes::oauth::encode_component(REDIRECT)
    );
    let r = client.get(url).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz"), "{location}");
    let raw = location
        .split_once("code=")
        .and_then(|(_, rest)| rest.split('&').next())
        .expect("code")
        .to_string();
    (percent_decode(&raw), location)
}

async fn exchange(env: &Env, code: &str) -> Resp {
    env.token_request(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ])
    .await
}

#[tokio::test]
async fn oauth_code_flow_gives_string_expires_in_and_codes_are_single_use() {
    let env = Env::new().await;
    let (code, location) = authorize(&env).await;
    assert!(
        location.contains("%21"),
        "the ! in the code arrives URL-encoded: {location}"
    );
    assert!(code.contains('!'));
    let r = exchange(&env, &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_matches_fixture(&r.json(), "token_response.json", &env.base);
    // The new pair works.
    let access = s(&r.json(), "access_token");
    let me = env
        .http
        .get(format!("{}/api/v1/current/Me", env.base))
        .bearer_auth(access)
        .send()
        .await
        .expect("send");
    assert_eq!(me.status(), StatusCode::OK);
    // Used once: the second exchange is a plain 400 Bad Request.
    let again = exchange(&env, &code).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.text, "Bad Request");
}

#[tokio::test]
async fn oauth_codes_expire_after_three_minutes_and_need_the_registered_redirect() {
    let env = Env::new().await;
    let (code, _) = authorize(&env).await;
    env.advance(181);
    assert_eq!(exchange(&env, &code).await.text, "Bad Request");
    let (code, _) = authorize(&env).await;
    let wrong = env
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://evil.invalid/cb"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oauth_refresh_floor_refuses_refreshes_within_570_seconds() {
    let env = Env::new().await;
    env.advance(569);
    let early = env.refresh_with(&env.refresh).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert_matches_fixture(&early.json(), "token_error_too_early.json", &env.base);
    assert_eq!(
        early.header("reason").as_deref(),
        Some("TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired")
    );
    env.advance(1);
    let ok = env.refresh_with(&env.refresh).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json().get("expires_in"), Some(&Json::str("600")));
    assert_eq!(
        env.sim.refresh_count(CLIENT_ID),
        1,
        "exactly one refresh counted"
    );
}

#[tokio::test]
async fn oauth_superseded_refresh_token_body_matches_fixture() {
    let env = Env::new().await;
    env.advance(600);
    assert_eq!(env.refresh_with(&env.refresh).await.status, StatusCode::OK);
    let old = env.refresh_with(&env.refresh).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    assert_matches_fixture(&old.json(), "token_error_old_refresh_token.json", &env.base);
}

#[tokio::test]
async fn oauth_expired_access_token_answers_401_with_www_authenticate() {
    let env = Env::new().await;
    assert_eq!(env.get("crm/Accounts").await.status, StatusCode::OK);
    env.advance(600);
    let r = env.get("crm/Accounts").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer")));
    assert_matches_fixture(&r.json(), "error_unauthorized.json", &env.base);
    let none = env
        .http
        .get(env.url("crm/Accounts"))
        .send()
        .await
        .expect("send");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oauth_refresh_token_expires_after_30_days_unused() {
    let env = Env::new().await;
    env.advance(31 * 24 * 3600);
    let r = env.refresh_with(&env.refresh).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json().get("error"), Some(&Json::str("invalid_request")));
    assert!(s(&r.json(), "error_description").starts_with("The refresh token expired at"));
}

#[tokio::test]
async fn oauth_wrong_client_secret_is_refused() {
    let env = Env::new().await;
    env.advance(600);
    let r = env
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.refresh),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json().get("error"), Some(&Json::str("invalid_client")));
    assert_eq!(
        env.refresh_with(&env.refresh).await.status,
        StatusCode::OK,
        "the chain is intact"
    );
}

#[tokio::test]
async fn t04_revoked_grant_fails_refresh_with_invalid_grant_and_other_connections_keep_working() {
    let env = Env::new().await;
    let other = env
        .sim
        .issue_tokens_as(CLIENT_ID, "second-user")
        .expect("tokens");
    assert!(env.sim.revoke_grant(CLIENT_ID));
    assert_eq!(
        env.get("crm/Accounts").await.status,
        StatusCode::UNAUTHORIZED,
        "access dies at once"
    );
    env.advance(600);
    let r = env.refresh_with(&env.refresh).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_matches_fixture(&r.json(), "token_error_revoked.json", &env.base);
    assert!(r
        .header("reason")
        .is_some_and(|h| h.starts_with("Unknown:")));
    // The other user's connection is untouched.
    let other_refresh = env.refresh_with(&other.refresh_token).await;
    assert_eq!(
        other_refresh.status,
        StatusCode::OK,
        "{}",
        other_refresh.text
    );
}

#[tokio::test]
async fn t04_revocation_over_http_by_refresh_token() {
    let env = Env::new().await;
    let r = env
        .http
        .post(format!("{}/__sim/revoke", env.base))
        .body(format!(r#"{{"refresh_token": "{}"}}"#, env.refresh))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.expect("text"), r#"{"revoked":true}"#);
    env.advance(600);
    assert_eq!(
        env.refresh_with(&env.refresh).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn oauth_new_authorization_replaces_the_chain() {
    let env = Env::new().await;
    let fresh = env.sim.issue_tokens(CLIENT_ID).expect("tokens");
    env.advance(600);
    let old_chain = env.refresh_with(&env.refresh).await;
    assert_eq!(old_chain.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        old_chain.json().get("error"),
        Some(&Json::str("invalid_grant"))
    );
    assert_eq!(
        env.refresh_with(&fresh.refresh_token).await.status,
        StatusCode::OK
    );
    assert!(
        format!("{fresh:?}").contains("redacted"),
        "tokens never in Debug output"
    );
}
