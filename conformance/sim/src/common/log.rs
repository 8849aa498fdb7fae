//! The request log: every request a simulator answered, readable by tests and over `/__sim/requests`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// One request and the status it got.
///
/// Secrets never reach the log: query values of credential-like parameters (`token`,
/// `access_token`, `refresh_token`, `id_token_hint`, `code`, `client_secret`, `password`, …),
/// the same members of form, JSON and SOAP bodies, and the credentials of `Authorization`,
/// `Cookie` and token-like headers are replaced by `***` (an `Authorization` header keeps its
/// scheme: `Bearer ***`, `AfasToken ***`).
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// Simulated time at arrival, RFC 3339.
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query string, if any, with secret values replaced by `***`.
    pub query: Option<String>,
    /// Request headers (names lower case; repeated headers joined with `, `), credentials
    /// replaced by `***`.
    pub headers: BTreeMap<String, String>,
    /// Request body as text (lossy UTF-8), cut at 64 KiB.
    pub body: String,
    /// Status answered (0 when the response was dropped on purpose).
    pub status: u16,
    /// The injected fault that decided the answer, if any ([`Fault::describe`]:
    /// `respond 503 after_commit`, `drop_response`, `redirect 307`, `latency 200ms`, …; several
    /// joined with `, `).
    ///
    /// [`Fault::describe`]: super::Fault::describe
    pub fault: Option<String>,
    /// When a fault replaced the answer after the handler ran: the status the handler
    /// answered (a 2xx means the write committed).
    pub handler_status: Option<u16>,
}

/// The request log of one simulator.
#[derive(Debug, Default)]
pub struct RequestLog {
    records: Mutex<Vec<RequestRecord>>,
}

impl RequestLog {
    /// Append a record.
    pub fn push(&self, record: RequestRecord) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }

    /// Every record so far, oldest first.
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forget every record.
    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
