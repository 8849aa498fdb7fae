//! Fault injection: rules that match requests by method and path and make them slow, fail, or
//! lose their response after the write committed.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What to do to a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer after this many real milliseconds (the request is then handled normally).
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answer with this status instead of handling the request (nothing is written).
    /// A 429 or 503 carries `Retry-After` when `retry_after_secs` is set.
    Status {
        /// HTTP status to answer with.
        status: u16,
        /// Seconds for the `Retry-After` header.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Handle the request (the write commits), then break the connection instead of answering:
    /// the client cannot tell whether its write landed.
    DropResponse,
}

/// A fault and the requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path contains this text (any when absent).
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests it applies to (every one when absent).
    #[serde(default)]
    pub times: Option<u32>,
    /// What happens to them.
    pub fault: Fault,
}

/// The pending fault rules of one simulator.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    /// Add a rule; rules are tried in the order they were added.
    pub fn push(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(rule);
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The pending rules.
    pub fn snapshot(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The faults that apply to this request (a latency may combine with another fault),
    /// using up one of each matching rule's `times`. Control routes are never faulted.
    pub fn take(&self, method: &str, path: &str) -> Vec<Fault> {
        if path.starts_with("/__sim") {
            return Vec::new();
        }
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for rule in rules.iter_mut() {
            let method_ok = rule
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method));
            let path_ok = rule
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p));
            if !(method_ok && path_ok) || rule.times == Some(0) {
                continue;
            }
            let is_latency = matches!(rule.fault, Fault::Latency { .. });
            if !is_latency && out.iter().any(|f| !matches!(f, Fault::Latency { .. })) {
                continue;
            }
            if let Some(t) = rule.times.as_mut() {
                *t -= 1;
            }
            out.push(rule.fault.clone());
        }
        rules.retain(|r| r.times != Some(0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_and_run_out() {
        let f = Faults::default();
        f.push(FaultRule {
            method: Some("POST".into()),
            path_contains: Some("SalesEntries".into()),
            times: Some(1),
            fault: Fault::Status {
                status: 503,
                retry_after_secs: Some(2),
            },
        });
        assert!(f
            .take("GET", "/api/v1/1/salesentry/SalesEntries")
            .is_empty());
        assert_eq!(f.take("POST", "/api/v1/1/salesentry/SalesEntries").len(), 1);
        assert!(f
            .take("POST", "/api/v1/1/salesentry/SalesEntries")
            .is_empty());
        assert!(f.snapshot().is_empty());
    }

    #[test]
    fn control_routes_are_never_faulted() {
        let f = Faults::default();
        f.push(FaultRule {
            method: None,
            path_contains: None,
            times: None,
            fault: Fault::DropResponse,
        });
        assert!(f.take("GET", "/__sim/health").is_empty());
        assert_eq!(f.take("GET", "/x"), vec![Fault::DropResponse]);
    }
}
