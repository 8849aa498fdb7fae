//! The request log: every request a simulator answered, readable by tests and over `/__sim/requests`.

use std::sync::Mutex;

use serde::Serialize;

/// One request and the status it got.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// Simulated time at arrival, RFC 3339.
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request body as text (lossy UTF-8), cut at 64 KiB.
    pub body: String,
    /// Status answered (0 when the response was dropped on purpose).
    pub status: u16,
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
