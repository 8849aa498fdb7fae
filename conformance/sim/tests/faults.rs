//! The fault API with raw HTTP (no adapter), on every vendor: answers after commit (R01: the
//! naive client that retries books twice), a connection reset after commit, sequences,
//! `Retry-After` as an HTTP date, redirects to another host (R02), matching by request kind,
//! and a request log without secrets.
// With one vendor's feature only, some shared helpers go unused.
#![cfg_attr(
    not(all(feature = "exact", feature = "twinfield", feature = "afas")),
    allow(dead_code, unused_imports)
)]

#[cfg(feature = "afas")]
mod afas_support;
#[cfg(feature = "exact")]
mod exact_support;
#[cfg(feature = "twinfield")]
mod twinfield_support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use grootboek_sim::common::{Fault, FaultSpec, RequestRecord, RetryAfter, SimCore};
use reqwest::header::HeaderMap;

/// The statuses a gateway or proxy answers after the backend committed (R01).
const AFTER_COMMIT: [u16; 5] = [500, 502, 503, 504, 429];

/// What a raw client got: an answer, or a transport error before any status line.
#[derive(Debug)]
enum Got {
    Answer {
        status: u16,
        headers: HeaderMap,
        body: String,
    },
    NoAnswer(String),
}

impl Got {
    fn status(&self) -> Option<u16> {
        match self {
            Got::Answer { status, .. } => Some(*status),
            Got::NoAnswer(_) => None,
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        match self {
            Got::Answer { headers, .. } => headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            Got::NoAnswer(_) => None,
        }
    }

    fn body(&self) -> &str {
        match self {
            Got::Answer { body, .. } => body,
            Got::NoAnswer(_) => "",
        }
    }
}

async fn send(req: reqwest::RequestBuilder) -> Got {
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            match resp.text().await {
                Ok(body) => Got::Answer {
                    status,
                    headers,
                    body,
                },
                Err(e) => panic!("status {status} arrived, then the body broke: {e}"),
            }
        }
        Err(e) => {
            let mut chain = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                src = s.source();
            }
            Got::NoAnswer(chain)
        }
    }
}

/// A client that does not follow redirects.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The request was sent and the connection was reset before any status line came back.
fn assert_reset(got: &Got) {
    match got {
        Got::NoAnswer(e) => {
            let e = e.to_ascii_lowercase();
            assert!(
                e.contains("reset") || e.contains("closed before message completed"),
                "not a reset: {e}"
            );
        }
        Got::Answer { status, .. } => panic!("expected a reset, got status {status}"),
    }
}

/// The last log record of a request to a path containing `path`.
fn last_record(core: &SimCore, path: &str) -> RequestRecord {
    core.log
        .snapshot()
        .into_iter()
        .rev()
        .find(|r| r.path.contains(path))
        .unwrap_or_else(|| panic!("no request to {path} logged"))
}

/// A loopback server on another port ("another host") that records every request it gets.
struct Catcher {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    _server: grootboek_sim::common::RunningServer,
}

impl Catcher {
    async fn start() -> Self {
        let seen: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
        let store = seen.clone();
        let app =
            axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: String| {
                let store = store.clone();
                async move {
                    let mut h = HeaderMap::new();
                    for (k, v) in &headers {
                        if let (Ok(k), Ok(v)) = (
                            reqwest::header::HeaderName::from_bytes(k.as_str().as_bytes()),
                            reqwest::header::HeaderValue::from_bytes(v.as_bytes()),
                        ) {
                            h.append(k, v);
                        }
                    }
                    store.lock().unwrap().push((h, body));
                    "caught"
                }
            });
        let server =
            grootboek_sim::common::RunningServer::start(app, SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .expect("catcher");
        Catcher {
            url: server.url(),
            seen,
            _server: server,
        }
    }

    fn requests(&self) -> Vec<(HeaderMap, String)> {
        self.seen.lock().unwrap().clone()
    }
}

fn parse_http_date(v: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc2822(&v.replace(" GMT", " +0000"))
        .unwrap_or_else(|e| panic!("{v:?} is not an HTTP date: {e}"))
        .with_timezone(&chrono::Utc)
}

#[cfg(feature = "exact")]
mod exact {
    use super::exact_support::*;
    use super::*;

    fn sale(your_ref: &str) -> String {
        format!(
            r#"{{"Customer": "{CUSTOMER}", "Journal": "70", "YourRef": "{your_ref}", "SalesEntryLines": [{{"GLAccount": "{GL_REVENUE}", "AmountFC": 5}}]}}"#
        )
    }

    fn post_sale(env: &Env, your_ref: &str) -> reqwest::RequestBuilder {
        env.http
            .post(env.url("salesentry/SalesEntries"))
            .bearer_auth(&env.access)
            .header("content-type", "application/json")
            .header("prefer", "return=representation")
            .body(sale(your_ref))
    }

    fn count(env: &Env, your_ref: &str) -> usize {
        env.sim
            .sales_entries(DIV)
            .iter()
            .filter(|e| e.your_ref.as_deref() == Some(your_ref))
            .count()
    }

    async fn control(env: &Env, body: &str) -> Got {
        send(
            env.http
                .post(format!("{}/__sim/faults", env.base))
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// R01 naive proof: every gateway answer after commit leaves exactly one entry, the client
    /// sees the fault status, and a naive retry books a second entry.
    #[tokio::test]
    async fn r01_error_after_commit_then_naive_retry_books_twice() {
        let env = Env::new().await;
        for status in AFTER_COMMIT {
            let your_ref = format!("R01-{status}");
            env.sim.core().faults.push(
                FaultSpec::new(Fault::after_commit(status))
                    .method("POST")
                    .path_contains("salesentry/SalesEntries")
                    .times(1),
            );
            let got = send(post_sale(&env, &your_ref)).await;
            assert_eq!(got.status(), Some(status), "{got:?}");
            assert_eq!(count(&env, &your_ref), 1, "{status}: the write committed");
            let rec = last_record(env.sim.core(), "SalesEntries");
            assert_eq!(rec.status, status);
            assert_eq!(rec.handler_status, Some(201));
            let label = format!("respond {status} after_commit");
            assert_eq!(rec.fault.as_deref(), Some(label.as_str()));
            // The naive client retries: a second entry.
            assert_eq!(send(post_sale(&env, &your_ref)).await.status(), Some(201));
            assert_eq!(
                count(&env, &your_ref),
                2,
                "{status}: a naive retry books twice"
            );
        }
    }

    /// R01 naive proof: the write commits, the connection is reset before any answer.
    #[tokio::test]
    async fn r01_reset_after_commit_then_naive_retry_books_twice() {
        let env = Env::new().await;
        let rule = r#"{"method": "POST", "path_contains": "salesentry/SalesEntries", "times": 1, "fault": {"kind": "drop_response"}}"#;
        assert_eq!(control(&env, rule).await.status(), Some(204));
        let got = send(post_sale(&env, "RESET-1")).await;
        assert_reset(&got);
        assert_eq!(count(&env, "RESET-1"), 1, "the write committed");
        let rec = last_record(env.sim.core(), "SalesEntries");
        assert_eq!((rec.status, rec.handler_status), (0, Some(201)));
        assert_eq!(send(post_sale(&env, "RESET-1")).await.status(), Some(201));
        assert_eq!(count(&env, "RESET-1"), 2, "a naive retry books twice");
    }

    /// `drop_response` is a real TCP reset: not one byte of an answer, `ECONNRESET` on read.
    #[tokio::test]
    async fn drop_response_is_a_tcp_reset() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let env = Env::new().await;
        env.sim
            .core()
            .faults
            .push(FaultSpec::new(Fault::DropResponse).times(1));
        let addr = env.base.trim_start_matches("http://").to_string();
        let mut tcp = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let path = format!("/api/v1/{DIV}/crm/Accounts");
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\r\n",
            env.access
        );
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut buf = Vec::new();
        let read = tcp.read_to_end(&mut buf).await;
        assert!(buf.is_empty(), "bytes of an answer arrived: {buf:?}");
        assert_eq!(
            read.expect_err("a reset, not a clean close").kind(),
            std::io::ErrorKind::ConnectionReset
        );
        // The server is fine: the next connection is answered.
        assert_eq!(env.get("crm/Accounts").await.status.as_u16(), 200);
    }

    /// `skip`, `times` and a `sequence` over HTTP: exactly the failures asked for, then success.
    #[tokio::test]
    async fn sequences_fail_exactly_as_often_as_asked() {
        let env = Env::new().await;
        let twice = r#"{"method": "GET", "path_contains": "crm/Accounts", "times": 2,
                        "fault": {"kind": "respond", "status": 503, "when": "before_handling"}}"#;
        assert_eq!(control(&env, twice).await.status(), Some(204));
        let statuses = {
            let mut v = Vec::new();
            for _ in 0..4 {
                v.push(env.get("crm/Accounts").await.status.as_u16());
            }
            v
        };
        assert_eq!(statuses, [503, 503, 200, 200]);

        let seq = r#"{"path_contains": "financial/Journals", "skip": 1, "sequence": [
            {"kind": "status", "status": 502},
            {"kind": "pass"},
            {"kind": "respond", "status": 504, "when": "before_handling"}]}"#;
        assert_eq!(control(&env, seq).await.status(), Some(204));
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(env.get("financial/Journals").await.status.as_u16());
        }
        assert_eq!(statuses, [200, 502, 200, 504, 200, 200]);
        assert!(env.sim.core().faults.snapshot().is_empty(), "used up");

        // Writes: fail twice after commit, then succeed — three entries for three sends.
        env.sim.core().faults.push(
            FaultSpec::new(Fault::after_commit(502))
                .method("POST")
                .times(2),
        );
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(send(post_sale(&env, "SEQ")).await.status());
        }
        assert_eq!(statuses, [Some(502), Some(502), Some(201)]);
        assert_eq!(count(&env, "SEQ"), 3);

        // An invalid rule is refused with a reason, and nothing is added.
        let bad = control(&env, r#"{"soapaction": "x", "fault": {"kind": "pass"}}"#).await;
        assert_eq!(bad.status(), Some(400));
        assert!(bad.body().contains("soapaction"), "{}", bad.body());
        let bad = control(&env, r#"{"times": 1, "sequence": [{"kind": "pass"}]}"#).await;
        assert_eq!(bad.status(), Some(400));
        assert!(env.sim.core().faults.snapshot().is_empty());
    }

    /// `Retry-After` as an HTTP date (and as seconds), with a vendor body or a gateway's own.
    #[tokio::test]
    async fn retry_after_as_an_http_date() {
        let env = Env::new().await;
        let rules = r#"[
          {"method": "POST", "times": 1, "fault": {"kind": "respond", "status": 429, "when": "after_commit",
                                                  "retry_after": {"date_in": 30}}},
          {"method": "GET", "times": 1, "fault": {"kind": "respond", "status": 503, "when": "before_handling",
              "body": "<html><body>Service Unavailable</body></html>",
              "headers": {"content-type": "text/html", "x-gateway": "edge-7"},
              "retry_after": {"seconds": 12}}}]"#;
        assert_eq!(control(&env, rules).await.status(), Some(204));
        let got = send(post_sale(&env, "RA-1")).await;
        assert_eq!(got.status(), Some(429));
        let at = parse_http_date(&got.header("retry-after").expect("retry-after"));
        let ahead = (at - chrono::Utc::now()).num_seconds();
        assert!((28..=31).contains(&ahead), "{ahead} s ahead");
        assert!(got.body().contains("Too many requests"), "Exact's own body");
        assert_eq!(count(&env, "RA-1"), 1);

        let r = env.get("crm/Accounts").await;
        assert_eq!(r.status.as_u16(), 503);
        assert_eq!(r.header("retry-after").as_deref(), Some("12"));
        assert_eq!(r.header("content-type").as_deref(), Some("text/html"));
        assert_eq!(r.header("x-gateway").as_deref(), Some("edge-7"));
        assert_eq!(r.text, "<html><body>Service Unavailable</body></html>");
    }

    /// A redirect to another host answers before handling: 307 with the Location, nothing written.
    #[tokio::test]
    async fn redirect_to_another_host() {
        let env = Env::new().await;
        let catcher = Catcher::start().await;
        let rule = serde_json::json!({"method": "POST", "path_contains": "SalesEntries", "times": 1,
            "fault": {"kind": "redirect", "status": 307, "location": catcher.url, "keep_path": true}});
        assert_eq!(control(&env, &rule.to_string()).await.status(), Some(204));
        let got = send(
            no_redirects()
                .post(format!(
                    "{}?$select=EntryID",
                    env.url("salesentry/SalesEntries")
                ))
                .bearer_auth(&env.access)
                .header("content-type", "application/json")
                .body(sale("REDIR-1")),
        )
        .await;
        assert_eq!(got.status(), Some(307));
        assert_eq!(
            got.header("location"),
            Some(format!(
                "{}/api/v1/{DIV}/salesentry/SalesEntries?$select=EntryID",
                catcher.url
            ))
        );
        assert_eq!(count(&env, "REDIR-1"), 0, "nothing written");
        assert!(catcher.requests().is_empty());
        assert_eq!(last_record(env.sim.core(), "SalesEntries").status, 307);
    }

    /// The log holds no bearer token and no secret query value.
    #[tokio::test]
    async fn the_log_holds_no_token() {
        let env = Env::new().await;
        let r = env
            .get(&format!(
                "crm/Accounts?$top=1&access_token={}&code=c0de&refresh_token={}&client_secret=s3&Token=t",
                env.access, env.refresh
            ))
            .await;
        assert_eq!(r.status.as_u16(), 200);
        let rec = last_record(env.sim.core(), "crm/Accounts");
        assert_eq!(
            rec.query.as_deref(),
            Some("$top=1&access_token=***&code=***&refresh_token=***&client_secret=***&Token=***")
        );
        assert_eq!(
            rec.headers.get("authorization").map(String::as_str),
            Some("Bearer ***")
        );
        let log = send(env.http.get(format!("{}/__sim/requests", env.base))).await;
        assert_eq!(log.status(), Some(200));
        for secret in [env.access.as_str(), env.refresh.as_str(), "c0de", "s3&"] {
            assert!(!log.body().contains(secret), "{secret} in the log");
        }
    }
}

#[cfg(feature = "twinfield")]
mod twinfield {
    use super::twinfield_support::*;
    use super::*;

    fn post_px(env: &Env, invoice: &str) -> reqwest::RequestBuilder {
        env.http
            .post(format!("{}/webservices/processxml.asmx", env.cluster(1)))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header(
                "SOAPAction",
                "\"http://www.twinfield.com/ProcessXmlString\"",
            )
            .body(envelope(&env.a.access_token, Some(OFFICE_A1), invoice))
    }

    fn invoice(number: &str) -> String {
        sales_invoice(OFFICE_A1, "1000", "100.00", "121.00", "VH", "final").replace("INV-1", number)
    }

    fn count(env: &Env, number: &str) -> usize {
        env.sim
            .transactions(OFFICE_A1)
            .iter()
            .filter(|t| t.invoice_number == number)
            .count()
    }

    /// R01 naive proof on Twinfield: a gateway answer after commit, then a blind retry.
    #[tokio::test]
    async fn r01_error_after_commit_then_naive_retry_books_twice() {
        let env = env().await;
        for status in AFTER_COMMIT {
            let number = format!("R01-{status}");
            env.sim.core().faults.push(
                FaultSpec::new(Fault::after_commit(status))
                    .soap_action("ProcessXmlString")
                    .root_element("transaction")
                    .times(1),
            );
            let got = send(post_px(&env, &invoice(&number))).await;
            assert_eq!(got.status(), Some(status), "{got:?}");
            if status == 429 {
                assert!(got.header("retry-after").is_some());
            } else {
                assert!(got.body().contains("soap:Fault"), "{}", got.body());
            }
            assert_eq!(count(&env, &number), 1, "{status}: the write committed");
            let rec = last_record(env.sim.core(), "processxml");
            assert_eq!((rec.status, rec.handler_status), (status, Some(200)));
            assert_eq!(
                send(post_px(&env, &invoice(&number))).await.status(),
                Some(200)
            );
            assert_eq!(
                count(&env, &number),
                2,
                "{status}: a naive retry books twice"
            );
        }
    }

    #[tokio::test]
    async fn r01_reset_after_commit_then_naive_retry_books_twice() {
        let env = env().await;
        env.sim.core().faults.push(
            FaultSpec::new(Fault::reset_after_commit())
                .root_element("transaction")
                .times(1),
        );
        assert_reset(&send(post_px(&env, &invoice("RESET-1"))).await);
        assert_eq!(count(&env, "RESET-1"), 1, "the write committed");
        assert_eq!(
            send(post_px(&env, &invoice("RESET-1"))).await.status(),
            Some(200)
        );
        assert_eq!(count(&env, "RESET-1"), 2, "a naive retry books twice");
    }

    /// Matching by SOAP action, ProcessXml root element and body substring, over HTTP.
    #[tokio::test]
    async fn matching_by_soap_action_root_element_and_body() {
        let env = env().await;
        let rule = serde_json::json!({
            "soap_action": "http://www.twinfield.com/ProcessXmlString",
            "root_element": "transaction",
            "body_contains": "<invoicenumber>MATCH-ME</invoicenumber>",
            "fault": {"kind": "respond", "status": 504, "when": "after_commit"}});
        let r = env
            .control(reqwest::Method::POST, "/__sim/faults", rule)
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
        // Another root element, another invoice, another SOAP action: untouched.
        assert_eq!(
            env.px_a(OFFICE_A1, "<list><type>offices</type></list>")
                .await
                .status,
            200
        );
        assert_eq!(
            send(post_px(&env, &invoice("OTHER"))).await.status(),
            Some(200)
        );
        let as_document = env
            .http
            .post(format!("{}/webservices/processxml.asmx", env.cluster(1)))
            .header(
                "SOAPAction",
                "\"http://www.twinfield.com/ProcessXmlDocument\"",
            )
            .body(
                envelope(&env.a.access_token, Some(OFFICE_A1), &invoice("MATCH-ME"))
                    .replace("ProcessXmlString", "ProcessXmlDocument"),
            );
        let got = send(as_document).await;
        assert_ne!(
            got.status(),
            Some(504),
            "ProcessXmlDocument is another action"
        );
        let before = count(&env, "MATCH-ME");
        // The matching request: the write commits, the client gets the 504.
        assert_eq!(
            send(post_px(&env, &invoice("MATCH-ME"))).await.status(),
            Some(504)
        );
        assert_eq!(count(&env, "MATCH-ME"), before + 1);
        assert_eq!(
            last_record(env.sim.core(), "processxml").fault.as_deref(),
            Some("respond 504 after_commit")
        );
        // No `times`: every matching request gets it until the rule is deleted.
        assert_eq!(
            send(post_px(&env, &invoice("MATCH-ME"))).await.status(),
            Some(504)
        );
        env.control(
            reqwest::Method::DELETE,
            "/__sim/faults",
            serde_json::Value::Null,
        )
        .await;
        assert_eq!(
            send(post_px(&env, &invoice("MATCH-ME"))).await.status(),
            Some(200)
        );
    }

    /// R02 naive proof: a cluster redirects (307) to another host; a client that follows
    /// redirects re-posts the SOAP envelope there, access token included.
    #[tokio::test]
    async fn redirect_to_another_host_leaks_the_soap_token_to_a_naive_client() {
        let env = env().await;
        let catcher = Catcher::start().await;
        env.sim.core().faults.push(
            FaultSpec::new(Fault::redirect(307, catcher.url.clone()).keeping_path())
                .path_contains("processxml")
                .times(2),
        );
        let got = send(post_px(&env, &invoice("R02-1"))).await;
        assert_eq!(got.status(), Some(307));
        assert_eq!(
            got.header("location"),
            Some(format!("{}/webservices/processxml.asmx", catcher.url))
        );
        assert_eq!(count(&env, "R02-1"), 0, "nothing written");

        let naive = reqwest::Client::new(); // follows redirects, re-sending a 307's body
        let got = send(
            naive
                .post(format!("{}/webservices/processxml.asmx", env.cluster(1)))
                .header(
                    "SOAPAction",
                    "\"http://www.twinfield.com/ProcessXmlString\"",
                )
                .body(envelope(
                    &env.a.access_token,
                    Some(OFFICE_A1),
                    &invoice("R02-2"),
                )),
        )
        .await;
        assert_eq!(got.body(), "caught");
        let caught = catcher.requests();
        assert_eq!(caught.len(), 1);
        assert!(
            caught[0].1.contains(&env.a.access_token),
            "the other host received the access token"
        );
    }

    /// `accesstokenvalidation?token=` and SOAP headers: no token in the log.
    #[tokio::test]
    async fn the_log_holds_no_token() {
        let env = env().await;
        let r = env
            .http
            .get(format!(
                "{}/auth/authentication/connect/accesstokenvalidation?token={}",
                env.sim.login_url(),
                env.a.access_token
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            env.px_a(OFFICE_A1, "<list><type>offices</type></list>")
                .await
                .status,
            200
        );
        let rec = last_record(env.sim.core(), "accesstokenvalidation");
        assert_eq!(rec.query.as_deref(), Some("token=***"));
        let log = env
            .control(
                reqwest::Method::GET,
                "/__sim/requests",
                serde_json::Value::Null,
            )
            .await;
        assert!(log.body.contains("<AccessToken>***</AccessToken>"));
        for secret in [&env.a.access_token, &env.a.refresh_token] {
            assert!(!log.body.contains(secret.as_str()), "token in the log");
        }
    }
}

#[cfg(feature = "afas")]
mod afas {
    use super::afas_support::*;
    use super::*;

    fn sale(invoice: &str) -> String {
        format!(
            r#"{{"FiEntryPar":{{"Element":{{"Fields":{{"Year":2026,"Peri":2,"UnId":1,"JoCo":"10"}},"Objects":{{"FiEntries":{{"Element":[
            {{"Fields":{{"VaAs":"2","AcNr":"10001","EnDa":"2026-02-03","BpDa":"2026-02-03","InId":"{invoice}","AmDe":121,"AmCr":0,"Ds":"Levering"}}}},
            {{"Fields":{{"VaAs":"1","AcNr":"8000","EnDa":"2026-02-03","BpDa":"2026-02-03","AmDe":0,"AmCr":100,"VaId":"1"}}}},
            {{"Fields":{{"VaAs":"1","AcNr":"1510","EnDa":"2026-02-03","BpDa":"2026-02-03","AmDe":0,"AmCr":21,"VaId":"1"}}}}]}}}}}}}}}}"#
        )
    }

    fn post_sale(h: &Harness, invoice: &str) -> reqwest::RequestBuilder {
        h.http
            .post(h.profit("/connectors/FiEntries"))
            .header("Authorization", h.sim.authorization_header())
            .header("Content-Type", "application/json;charset=utf-8")
            .body(sale(invoice))
    }

    fn count(h: &Harness, invoice: &str) -> usize {
        h.sim
            .entries()
            .iter()
            .filter(|e| {
                e.lines
                    .iter()
                    .any(|l| l.invoice_id.as_deref() == Some(invoice))
            })
            .count()
    }

    /// R01 naive proof on AFAS: a gateway answer after commit, then a blind retry.
    #[tokio::test]
    async fn r01_error_after_commit_then_naive_retry_books_twice() {
        let h = Harness::start().await;
        for status in AFTER_COMMIT {
            let invoice = format!("R01-{status}");
            let rule = serde_json::json!({"method": "POST", "path_contains": "/connectors/FiEntries",
                "body_contains": "\"InId\":\"R01-", "times": 1,
                "fault": {"kind": "respond", "status": status, "when": "after_commit"}});
            assert_eq!(h.control("/__sim/faults", rule).await.status, 204);
            let got = send(post_sale(&h, &invoice)).await;
            assert_eq!(got.status(), Some(status), "{got:?}");
            assert_eq!(count(&h, &invoice), 1, "{status}: the write committed");
            let rec = last_record(h.sim.core(), "FiEntries");
            assert_eq!((rec.status, rec.handler_status), (status, Some(201)));
            assert_eq!(send(post_sale(&h, &invoice)).await.status(), Some(201));
            assert_eq!(
                count(&h, &invoice),
                2,
                "{status}: a naive retry books twice"
            );
        }
    }

    #[tokio::test]
    async fn r01_reset_after_commit_then_naive_retry_books_twice() {
        let h = Harness::start().await;
        h.sim.core().faults.push(
            FaultSpec::new(Fault::DropResponse)
                .method("POST")
                .path_contains("FiEntries")
                .times(1),
        );
        assert_reset(&send(post_sale(&h, "RESET-1")).await);
        assert_eq!(count(&h, "RESET-1"), 1, "the write committed");
        assert_eq!(send(post_sale(&h, "RESET-1")).await.status(), Some(201));
        assert_eq!(count(&h, "RESET-1"), 2, "a naive retry books twice");
    }

    /// Fail twice (a 503 with an HTTP-date Retry-After, then a reset), then succeed.
    #[tokio::test]
    async fn a_sequence_fails_twice_then_succeeds() {
        let h = Harness::start().await;
        h.sim.core().faults.push(
            FaultSpec::sequence_of([
                Fault::before_handling(503).with_retry_after(RetryAfter::DateIn(120)),
                Fault::DropResponse,
            ])
            .method("POST"),
        );
        let first = send(post_sale(&h, "SEQ-1")).await;
        assert_eq!(first.status(), Some(503));
        let at = parse_http_date(&first.header("retry-after").expect("retry-after"));
        assert!((118..=121).contains(&(at - chrono::Utc::now()).num_seconds()));
        assert_eq!(count(&h, "SEQ-1"), 0, "before handling: nothing written");
        assert_reset(&send(post_sale(&h, "SEQ-1")).await);
        assert_eq!(count(&h, "SEQ-1"), 1);
        assert_eq!(send(post_sale(&h, "SEQ-1")).await.status(), Some(201));
        assert_eq!(count(&h, "SEQ-1"), 2);
        assert!(h.sim.core().faults.snapshot().is_empty());
    }

    /// The AFAS token (in the Authorization header) never reaches the log.
    #[tokio::test]
    async fn the_log_holds_no_token() {
        let h = Harness::start().await;
        assert_eq!(
            h.get("/connectors/Profit_Debtor_Invoices").await.status,
            200
        );
        let rec = last_record(h.sim.core(), "Profit_Debtor_Invoices");
        assert_eq!(
            rec.headers.get("authorization").map(String::as_str),
            Some("AfasToken ***")
        );
        let header = h.sim.authorization_header();
        // A token set through the control route is not logged either.
        let r = h
            .control(
                "/__sim/token",
                serde_json::json!({"data": "C0FFEE0123456789"}),
            )
            .await;
        assert!(r.status < 300, "{}", r.text);
        let log = send(no_redirects().get(format!("{}/__sim/requests", h.sim.url()))).await;
        assert!(
            !log.body().contains("C0FFEE0123456789"),
            "token data in the log"
        );
        let token = header.trim_start_matches("AfasToken ");
        assert!(!log.body().contains(token), "token in the log");
    }
}
