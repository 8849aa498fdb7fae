//! The core transport logs every HTTP call and every budget wait (`grootboek::http`,
//! `grootboek::budget`). Alone in its test binary: `tracing` caches per call site whether anyone
//! listens, so a subscriber must be in place before the first event of the process.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::loopback::{get, ok, server, transport};
use grootboek_core::runtime::http::Call;
use grootboek_core::runtime::{Bucket, Charge, RetryPolicy};

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
    tracing::subscriber::set_global_default(subscriber).unwrap();
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
