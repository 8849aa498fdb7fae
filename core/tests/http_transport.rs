//! The core transport over real loopback HTTP: `Retry-After` as an HTTP date pauses and is
//! honoured, a 503 keeps its wait, the size cap speaks of the response, a redirect to another
//! origin is not followed, a refused connection keeps its cause, and a URL outside the host
//! policy is never contacted.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::loopback::{get, ok, server, transport};
use grootboek_core::runtime::http::Call;
use grootboek_core::runtime::RetryPolicy;
use grootboek_core::{ErrorKind, WriteOutcome};
use url::Url;

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured_and_a_503_keeps_its_wait() {
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let (url, count) = server(vec![
        format!("HTTP/1.1 429 Too Many Requests\r\nretry-after: {at}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        ok("{}"),
    ])
    .await;
    let t = transport(&url, RetryPolicy::default(), 1024);
    let started = Instant::now();
    t.send(&Call::read("list", vec![]), &get(&url))
        .await
        .unwrap();
    assert_eq!(*count.lock().unwrap(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the HTTP-date wait was honoured: {:?}",
        started.elapsed()
    );

    let (url, _) = server(vec![
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 120\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string(),
    ])
    .await;
    let t = transport(&url, RetryPolicy::default(), 1024);
    let e = t
        .send(&Call::write("post", vec![]), &get(&url))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unavailable,
        "a 503 is unavailable: {e}"
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(
        e.outcome(),
        WriteOutcome::Uncertain,
        "a 503 after the body left may come after a commit (R01)"
    );
}

#[tokio::test]
async fn the_size_cap_speaks_of_the_response() {
    let (url, _) = server(vec![ok(&"x".repeat(4096))]).await;
    let t = transport(&url, RetryPolicy::default().with_max_attempts(1), 1024);
    let e = t
        .send(&Call::read("list", vec![]), &get(&url))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Protocol);
    assert!(e.message().contains("response"), "{e}");
    assert!(!e.message().contains("request is too large"), "{e}");
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_nothing_reaches_it() {
    let (other, other_count) = server(vec![ok("{\"stolen\":true}")]).await;
    let (url, _) = server(vec![format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {other}x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )])
    .await;
    let t = transport(&url, RetryPolicy::default(), 1024);
    let e = t
        .send(&Call::read("list", vec![]), &get(&url))
        .await
        .unwrap_err();
    assert!(e.message().contains("redirect"), "{e}");
    assert_eq!(*other_count.lock().unwrap(), 0);
    // A URL outside the policy is refused before anything is sent.
    let e = t
        .send(&Call::read("list", vec![]), &get(&other))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Config, "{e}");
    assert_eq!(*other_count.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_refused_connection_keeps_its_cause_and_is_not_applied() {
    // Bind and drop: nothing listens on the port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let t = transport(&url, RetryPolicy::default().with_max_attempts(1), 1024);
    let e = t
        .send(&Call::write("post", vec![]), &get(&url))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Unavailable);
    assert_eq!(e.outcome(), WriteOutcome::NotApplied, "it never left");
    assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
    assert!(e.message().contains("connect"), "{e}");
}
