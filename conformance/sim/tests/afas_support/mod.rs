//! Shared helpers of the AFAS raw-HTTP tests: start a simulator, send requests with the right
//! token, parse AFAS JSON (leniently, for `-.5`), and compare against fixtures with placeholders.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use grootboek_sim::afas::decimal::quote_numbers;
use grootboek_sim::afas::AfasSim;
use serde_json::Value;

/// A simulator and an HTTP client.
pub struct Harness {
    /// The simulator.
    pub sim: AfasSim,
    /// The client.
    pub http: reqwest::Client,
}

/// A response: status, headers, body text.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub text: String,
}

impl Reply {
    /// The body as JSON, numbers turned into their exact text (so `-.5` parses).
    pub fn lenient(&self) -> Value {
        serde_json::from_str(&quote_numbers(&self.text))
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    /// The body parsed strictly, as a naive serde_json client would.
    pub fn strict(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.text)
    }

    /// The `rows` of a GetConnector answer (lenient).
    pub fn rows(&self) -> Vec<Value> {
        match self.lenient().get("rows") {
            Some(Value::Array(rows)) => rows.clone(),
            other => panic!("no rows in {other:?}: {}", self.text),
        }
    }
}

impl Harness {
    /// A fresh simulator with the demo environment.
    pub async fn start() -> Self {
        let sim = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .await
            .expect("simulator starts");
        Self {
            sim,
            http: reqwest::Client::new(),
        }
    }

    /// A Profit URL: `path` is relative to `/ProfitRestServices`.
    pub fn profit(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    /// Send a request with the right token.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> Reply {
        let mut req = self
            .http
            .request(method, self.profit(path))
            .header("Authorization", self.sim.authorization_header());
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json;charset=utf-8")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        reply(resp).await
    }

    /// GET with the right token.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    /// POST a JSON text.
    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// PUT a JSON text.
    pub async fn put(&self, path: &str, body: &str) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Flip a quirk switch over HTTP, as an outside test driver would.
    pub async fn switch(&self, id: &str, on: bool) {
        let resp = self
            .http
            .put(format!("{}/__sim/switches", self.sim.url()))
            .json(&serde_json::json!({ id: on }))
            .send()
            .await
            .expect("switch request");
        assert_eq!(resp.status().as_u16(), 200, "switch {id}");
    }

    /// POST a control route.
    pub async fn control(&self, path: &str, body: Value) -> Reply {
        let resp = self
            .http
            .post(format!("{}{}", self.sim.url(), path))
            .json(&body)
            .send()
            .await
            .expect("control request");
        reply(resp).await
    }
}

/// Read a reqwest response into a [`Reply`].
pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        text,
    }
}

/// Assert the AFAS error body: `externalMessage`, `errorNumber`, 32-hex `profitLogReference`.
pub fn assert_afas_error(reply: &Reply, status: u16, message_contains: &str) {
    assert_eq!(reply.status, status, "status of {}", reply.text);
    let v: Value = serde_json::from_str(&reply.text).expect("error body is JSON");
    let msg = v["externalMessage"].as_str().expect("externalMessage");
    assert!(
        msg.contains(message_contains),
        "message {msg:?} does not contain {message_contains:?}"
    );
    assert!(
        v["errorNumber"].as_i64().is_some_and(|n| n < 0),
        "errorNumber in {v}"
    );
    let reference = v["profitLogReference"]
        .as_str()
        .expect("profitLogReference");
    assert_eq!(reference.len(), 32);
    assert!(reference.chars().all(|c| c.is_ascii_hexdigit()));
}

/// A file of `fixtures/afas/`.
pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/afas")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A JSON fixture.
pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name))
        .unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

fn placeholder_ok(placeholder: &str, actual: &Value) -> Option<bool> {
    let s = actual.as_str();
    Some(match placeholder {
        "{{any}}" => true,
        "{{string}}" => s.is_some(),
        "{{hex32}}" => s.is_some_and(|s| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())),
        "{{digits}}" => s.is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "{{int}}" => actual.as_i64().is_some(),
        "{{datetime}}" => s.is_some_and(|s| {
            s.len() == 20
                && s.ends_with('Z')
                && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").is_ok()
        }),
        _ => return None,
    })
}

/// Compare `actual` to a fixture: objects must have exactly the same keys, arrays the same
/// length, scalars be equal, except where the fixture holds a placeholder string
/// (`{{any}}`, `{{string}}`, `{{hex32}}`, `{{digits}}`, `{{int}}`, `{{datetime}}`).
pub fn assert_matches(expected: &Value, actual: &Value) {
    if let Err(e) = matches(expected, actual, "$") {
        panic!("{e}\nexpected: {expected}\nactual:   {actual}");
    }
}

fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    if let Value::String(p) = expected {
        if let Some(ok) = placeholder_ok(p, actual) {
            return if ok {
                Ok(())
            } else {
                Err(format!("{path}: {actual} is not {p}"))
            };
        }
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let ek: Vec<&String> = e.keys().collect();
            let ak: Vec<&String> = a.keys().collect();
            if ek != ak {
                return Err(format!("{path}: keys {ek:?} != {ak:?}"));
            }
            for (k, v) in e {
                matches(v, &a[k], &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: {} items expected, {} found",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                matches(x, y, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, found {actual}")),
    }
}
