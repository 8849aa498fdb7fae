//! A loopback HTTP server with canned answers and a minimal vendor protocol, for the
//! transport tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use grootboek_core::runtime::http::{
    status_error, Answer, Call, HostPolicy, HttpClient, HttpSettings, Protocol, Request, Transport,
};
use grootboek_core::runtime::{MemoryBudget, RetryPolicy};
use grootboek_core::{Result, Vendor, VendorError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// A loopback server answering each request with the next of `answers` (the last repeats),
/// counting requests.
pub async fn server(answers: Vec<String>) -> (Url, Arc<Mutex<usize>>) {
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

pub fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

pub struct Plain;

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

pub fn transport(url: &Url, retry: RetryPolicy, max_bytes: usize) -> Transport<Plain> {
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

pub fn get(url: &Url) -> impl Fn(&()) -> Result<Request> + Send + Sync + '_ {
    move |_| Ok(Request::get(url.join("x").unwrap()))
}
