//! The core transport over real loopback HTTP: budget waits are logged, `Retry-After` as an HTTP
//! date pauses and is honoured, a 503 keeps its wait, the size cap speaks of the response, a
//! redirect to another origin is not followed, a refused connection keeps its cause, and a URL
//! outside the host policy is never contacted.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use grootboek_core::runtime::http::{
    status_error, Answer, Call, HostPolicy, HttpClient, HttpSettings, Protocol, Request, Transport,
};
use grootboek_core::runtime::{Bucket, Charge, MemoryBudget, RetryPolicy};
use grootboek_core::{ErrorKind, Result, Vendor, VendorError, WriteOutcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// A loopback server answering each request with the next of `answers` (the last repeats),
/// counting requests.
async fn server(answers: Vec<String>) -> (Url, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let count = Arc::new(Mutex::new(0usize));
    let c = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = {
                let mut g = c.lock().unwrap();
                *g += 1;
                *g
            };
            let answer = answers[(n - 1).min(answers.len() - 1)].clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = tokio::time::timeout(Duration::from_millis(100), sock.read(&mut buf)).await;
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (url, count)
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

struct Plain;

#[async_trait]
impl Protocol for Plain {
    type Credential = ();
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }
    async fn credential(&self, _http: &HttpClient) -> Result<()> {
        Ok(())
    }
    fn classify(&self, call: &Call, answer: &Answer) -> Result<()> {
        if answer.is_success() {
            return Ok(());
        }
        Err(status_error(
            Vendor::Afas,
            call,
            answer,
            VendorError::default(),
        ))
    }
}

fn transport(url: &Url, retry: RetryPolicy, max_bytes: usize) -> Transport<Plain> {
    let policy = HostPolicy::new();
    policy.allow_origin("test", url).unwrap();
    let http = HttpClient::new(
        Vendor::Afas,
        HttpSettings {
            max_response_bytes: max_bytes,
            ..HttpSettings::default()
        },
        policy,
    )
    .unwrap();
    Transport::new(http, Plain, Arc::new(MemoryBudget::new()), retry)
}

fn get(url: &Url) -> impl Fn(&()) -> Result<Request> + Send + Sync + '_ {
    move |_| Ok(Request::get(url.join("x").unwrap()))
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn budget_waits_and_http_calls_are_logged() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (url, count) = server(vec![ok("{}")]).await;
    let t = transport(&url, RetryPolicy::default(), 1024);
    // Two credits per 400 ms: the third call waits for budget.
    let bucket = Bucket::rate_with_burst("test:minute", 2, Duration::from_millis(400), 2);
    let call = Call::read("list", vec![Charge::new(bucket, 1)]);
    for _ in 0..3 {
        t.send(&call, &get(&url)).await.unwrap();
    }
    assert_eq!(*count.lock().unwrap(), 3);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("waited for budget"), "{text}");
    assert!(text.contains("test:minute"), "the bucket is named: {text}");
    assert_eq!(text.matches("http call").count(), 3, "{text}");
    assert!(text.contains("duration_ms="), "{text}");
    let stats = t.stats().snapshot();
    assert_eq!(stats.requests, 3);
    assert!(stats.budget_waits >= 1, "{stats:?}");
}

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
