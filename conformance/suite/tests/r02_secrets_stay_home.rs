//! R02 against real HTTP: a hostile server answers every request with a redirect to another
//! host. On every vendor, neither the access token, the refresh token, the client secret, the AFAS
//! token nor the request body reaches that host; and plain `http://` to a non-loopback host is a
//! configuration error naming the URL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use grootboek_core::runtime::{RuntimeConfig, TokenPair};
use grootboek_core::{ErrorKind, Ledger};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ACCESS: &str = "ACCESS-TOKEN-SECRET-1";
const REFRESH: &str = "REFRESH-TOKEN-SECRET-2";
const CLIENT_SECRET: &str = "CLIENT-SECRET-3";
const AFAS_TOKEN_DATA: &str = "ABCDEF0123456789ABCDEF0123456789";

/// A server on loopback that records every byte it receives and answers `answer(port)`.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<u8>>>,
    requests: Arc<Mutex<usize>>,
}

async fn serve(answer: impl Fn() -> String + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(Mutex::new(0));
    let (s, r) = (seen.clone(), requests.clone());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (s, r, answer) = (s.clone(), r.clone(), answer.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                // Read what arrives within a short window (headers and body of one request).
                let mut got = Vec::new();
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(150), sock.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                *r.lock().unwrap() += 1;
                s.lock().unwrap().extend_from_slice(&got);
                let _ = sock.write_all(answer().as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Server {
        port,
        seen,
        requests,
    }
}

/// The other host (another port: another origin), and a server redirecting everything to it
/// with 307 (which would resend the body) and 302 alternately.
async fn redirecting_pair() -> (Server, Server) {
    let other = serve(|| {
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}".to_string()
    })
    .await;
    let to = other.port;
    let flip = Arc::new(Mutex::new(false));
    let hostile = serve(move || {
        let mut f = flip.lock().unwrap();
        *f = !*f;
        let status = if *f { "307 Temporary Redirect" } else { "302 Found" };
        format!(
            "HTTP/1.1 {status}\r\nlocation: http://127.0.0.1:{to}/stolen\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
    })
    .await;
    (hostile, other)
}

fn assert_nothing_reached(other: &Server, hostile: &Server, secrets: &[&str]) {
    assert!(
        *hostile.requests.lock().unwrap() > 0,
        "the hostile server was asked something (the test reached the wire)"
    );
    let seen = String::from_utf8_lossy(&other.seen.lock().unwrap()).into_owned();
    assert_eq!(
        *other.requests.lock().unwrap(),
        0,
        "the other host received a request: {seen}"
    );
    for s in secrets {
        assert!(!seen.contains(s), "{s} reached the other host");
    }
}

fn pair(expired: bool) -> TokenPair {
    let now = Utc::now();
    let expires = if expired {
        now - chrono::Duration::hours(1)
    } else {
        now + chrono::Duration::hours(1)
    };
    TokenPair::new(ACCESS, REFRESH, now - chrono::Duration::hours(2), expires)
}

#[tokio::test]
async fn r02_exact_sends_no_token_or_body_to_a_redirect_target() {
    for expired in [false, true] {
        let (hostile, other) = redirecting_pair().await;
        let config = grootboek_exact::ExactConfig::new("client", CLIENT_SECRET)
            .with_base_url(format!("http://127.0.0.1:{}", hostile.port))
            .with_division(1)
            .with_ephemeral_tokens(true)
            .with_retry(grootboek_core::runtime::RetryPolicy::default().with_max_attempts(1));
        let ledger = grootboek_exact::connect(config).await.unwrap();
        ledger.store_tokens(pair(expired)).await.unwrap();
        let e = ledger.all_journals("1").await.unwrap_err();
        // A refresh answered by a redirect, or an API call answered by one: either way an error
        // that names the redirect, never data from the other host.
        assert!(
            e.to_string().contains("redirect")
                || e.to_string().contains("307")
                || e.to_string().contains("302"),
            "{e}"
        );
        assert_nothing_reached(&other, &hostile, &[ACCESS, REFRESH, CLIENT_SECRET]);
    }
}

#[tokio::test]
async fn r02_twinfield_sends_no_token_or_body_to_a_redirect_target() {
    for expired in [false, true] {
        let (hostile, other) = redirecting_pair().await;
        let base = format!("http://127.0.0.1:{}", hostile.port);
        let config = grootboek_twinfield::TwinfieldConfig::new(
            "client",
            CLIENT_SECRET,
            "https://app.example/cb",
            "ORG",
        )
        .with_login_url(base.clone())
        .with_cluster_hosts(["127.0.0.1"])
        .with_retry(grootboek_core::runtime::RetryPolicy::default().with_max_attempts(1));
        let ledger = grootboek_twinfield::connect(config).await.unwrap();
        // The cluster is the hostile server too: SOAP bodies carry the access token.
        ledger
            .store_tokens(pair(expired).with_metadata("twf.clusterUrl", base.clone()))
            .await
            .unwrap();
        let e = ledger.administrations().await.unwrap_err();
        assert!(!e.to_string().contains(ACCESS), "{e}");
        assert_nothing_reached(&other, &hostile, &[ACCESS, REFRESH, CLIENT_SECRET]);
    }
}

#[tokio::test]
async fn r02_twinfield_refuses_a_cluster_on_another_host_or_over_plain_http() {
    let (hostile, other) = redirecting_pair().await;
    let config = grootboek_twinfield::TwinfieldConfig::new(
        "client",
        CLIENT_SECRET,
        "https://app.example/cb",
        "ORG",
    )
    .with_login_url(format!("http://127.0.0.1:{}", hostile.port));
    // Default cluster hosts: twinfield.com over https only.
    let ledger = grootboek_twinfield::connect(config).await.unwrap();
    for cluster in [
        "http://api.accounting1.twinfield.com".to_string(),
        "https://evil.example.com".to_string(),
        format!("http://127.0.0.1:{}", other.port),
    ] {
        ledger
            .store_tokens(pair(false).with_metadata("twf.clusterUrl", cluster.clone()))
            .await
            .unwrap();
        let e = ledger.administrations().await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Config, "{cluster}: {e}");
        assert!(
            e.to_string().contains(cluster.trim_end_matches('/')) || e.to_string().contains("R02"),
            "{e}"
        );
    }
    assert_eq!(*other.requests.lock().unwrap(), 0);
}

#[tokio::test]
async fn r02_afas_sends_no_token_to_a_redirect_target_and_takes_no_data_from_it() {
    let (hostile, other) = redirecting_pair().await;
    let config = grootboek_afas::AfasConfig::new(AFAS_TOKEN_DATA)
        .with_base_url(&format!("http://127.0.0.1:{}", hostile.port))
        .unwrap()
        .with_retry(grootboek_core::runtime::RetryPolicy::default().with_max_attempts(1));
    let ledger = grootboek_afas::connect(config).await.unwrap();
    let e = ledger.administrations().await.unwrap_err();
    assert!(e.to_string().contains("redirect"), "{e}");
    // The Authorization header carries base64 of the XML token: check both forms.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!(
        "<token><version>1</version><data>{AFAS_TOKEN_DATA}</data></token>"
    ));
    assert_nothing_reached(&other, &hostile, &[AFAS_TOKEN_DATA, &b64]);
}

#[test]
fn r02_plain_http_to_another_host_is_a_configuration_error_naming_the_url() {
    let e = grootboek_exact::ExactConfig::new("c", "s")
        .with_base_url("http://start.exactonline.nl")
        .validate()
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Config);
    assert!(e.to_string().contains("http://start.exactonline.nl"), "{e}");
    let e = grootboek_afas::AfasConfig::new(AFAS_TOKEN_DATA)
        .with_base_url("http://12345.rest.afas.online")
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Config);
    assert!(
        e.to_string().contains("http://12345.rest.afas.online"),
        "{e}"
    );
    let e = grootboek_twinfield::TwinfieldConfig::from_lookup(|k| {
        match k {
            "GROOTBOEK_TWINFIELD_CLIENT_ID" => Some("c"),
            "GROOTBOEK_TWINFIELD_CLIENT_SECRET" => Some("s"),
            "GROOTBOEK_TWINFIELD_REDIRECT_URI" => Some("https://app.example/cb"),
            "GROOTBOEK_TWINFIELD_ORGANISATION" => Some("O"),
            "GROOTBOEK_TWINFIELD_LOGIN_URL" => Some("http://login.twinfield.com"),
            _ => None,
        }
        .map(str::to_string)
    })
    .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Config);
    assert!(e.to_string().contains("http://login.twinfield.com"), "{e}");
}
