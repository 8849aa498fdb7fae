//! Fair use (T05): credits per sliding window on the simulated clock, per IP, client id,
//! organisation and client id + organisation, plus concurrency caps per client id and per
//! client id + organisation. A refused request is not processed and not charged.
//!
//! Queries cost 1 credit, everything else 3 (see [`credit_cost`]). Uncertified clients get
//! `uncertified_percent` of the client and client + organisation limits; the IP and
//! organisation limits do not depend on certification.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};

use super::model::{BucketReport, CreditReport, RateLimitConfig};

/// The credit cost of a request: 1 for queries, 3 for the rest.
///
/// Queries are HTTP GET/OPTIONS, SOAP actions starting with `Get`, `Query`, `Search` or `Load`,
/// and ProcessXml documents whose root is `list`, `read`, `columns`, `accountcode` or
/// `accountcodes`.
pub fn credit_cost(method: &str, soap_action: Option<&str>, process_xml_root: Option<&str>) -> u64 {
    if method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("OPTIONS") {
        return 1;
    }
    if let Some(root) = process_xml_root {
        return if matches!(
            root,
            "list" | "read" | "columns" | "accountcode" | "accountcodes"
        ) {
            1
        } else {
            3
        };
    }
    if let Some(action) = soap_action {
        let action = action.trim_matches('"');
        let name = action.rsplit('/').next().unwrap_or(action);
        let name = name.rsplit('.').next().unwrap_or(name);
        if ["Get", "Query", "Search", "Load"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            return 1;
        }
    }
    3
}

/// Who a request is charged to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    pub ip: String,
    /// Client id and whether it is certified (`None` uses the instance default).
    pub client: Option<(String, Option<bool>)>,
    pub org: Option<String>,
}

#[derive(Default)]
struct Bucket {
    entries: VecDeque<(DateTime<Utc>, u64)>,
    used: u64,
    total: u64,
    rejected: u64,
}

impl Bucket {
    fn prune(&mut self, horizon: DateTime<Utc>) {
        while let Some((t, c)) = self.entries.front().copied() {
            if t <= horizon {
                self.entries.pop_front();
                self.used = self.used.saturating_sub(c);
            } else {
                break;
            }
        }
    }

    /// Simulated seconds until `cost` more credits fit under `limit`.
    fn wait_secs(
        &self,
        cost: u64,
        limit: u64,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> u64 {
        let mut used = self.used;
        for (t, c) in &self.entries {
            if used.saturating_add(cost) <= limit {
                break;
            }
            used = used.saturating_sub(*c);
            let free_at = *t + window;
            if used.saturating_add(cost) <= limit {
                let ms = (free_at - now).num_milliseconds().max(0);
                return u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1);
            }
        }
        // Even an empty window cannot take it (cost > limit): a full window.
        u64::try_from(window.num_seconds()).unwrap_or(60).max(1)
    }
}

#[derive(Default)]
struct LimiterState {
    config: RateLimitConfig,
    buckets: BTreeMap<(String, String), Bucket>,
    in_flight_client: BTreeMap<String, u32>,
    in_flight_client_org: BTreeMap<String, u32>,
    client_certified: BTreeMap<String, bool>,
    rejected_total: u64,
    rejected_concurrency: u64,
}

/// The fair-use state of one simulator.
#[derive(Clone, Default)]
pub(crate) struct RateLimiter {
    inner: Arc<Mutex<LimiterState>>,
}

/// An admitted request: its concurrency slots are held until dropped.
pub(crate) struct Permit {
    limiter: RateLimiter,
    client_key: Option<String>,
    client_org_key: Option<String>,
    credited: u64,
    limit: u64,
    remaining: u64,
}

impl Permit {
    /// Add the `X-RateLimit-*` headers of this request.
    pub(crate) fn add_headers(&self, headers: &mut HeaderMap) {
        rate_headers(headers, self.limit, self.remaining, self.credited);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.limiter.lock();
        if let Some(k) = &self.client_key {
            if let Some(n) = s.in_flight_client.get_mut(k) {
                *n = n.saturating_sub(1);
            }
        }
        if let Some(k) = &self.client_org_key {
            if let Some(n) = s.in_flight_client_org.get_mut(k) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// A refused request: `Retry-After` seconds and the headers' figures.
pub(crate) struct Refusal {
    pub retry_after: u64,
    pub limit: u64,
    pub remaining: u64,
}

fn rate_headers(headers: &mut HeaderMap, limit: u64, remaining: u64, credited: u64) {
    for (name, value) in [
        ("x-ratelimit-limit", limit),
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-credited", credited),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, v);
        }
    }
}

impl Refusal {
    /// The 429 response with `Retry-After` and `X-RateLimit-*`.
    pub(crate) fn response(&self) -> axum::response::Response {
        let mut resp = super::soap::too_many_requests(self.retry_after);
        rate_headers(resp.headers_mut(), self.limit, self.remaining, 0);
        resp
    }
}

impl RateLimiter {
    fn lock(&self) -> MutexGuard<'_, LimiterState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config(&self) -> RateLimitConfig {
        self.lock().config.clone()
    }

    pub(crate) fn set_config(&self, config: RateLimitConfig) {
        self.lock().config = config;
    }

    pub(crate) fn set_client_certified(&self, client_id: &str, certified: bool) {
        self.lock()
            .client_certified
            .insert(client_id.to_string(), certified);
    }

    /// Forget every counter (configuration and certifications stay).
    pub(crate) fn reset_counters(&self) {
        let mut s = self.lock();
        s.buckets.clear();
        s.rejected_total = 0;
        s.rejected_concurrency = 0;
    }

    /// Back to the default configuration with no counters.
    pub(crate) fn reset_all(&self) {
        let mut s = self.lock();
        *s = LimiterState::default();
    }

    /// Admit (and charge) a request of `cost` credits, or refuse it.
    pub(crate) fn admit(
        &self,
        caller: &Caller,
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<Permit, Refusal> {
        let mut s = self.lock();
        let cfg = s.config.clone();
        let window = chrono::Duration::seconds(i64::try_from(cfg.window_secs.max(1)).unwrap_or(60));
        let horizon = now - window;
        let certified = match &caller.client {
            Some((id, own)) => s
                .client_certified
                .get(id)
                .copied()
                .or(*own)
                .unwrap_or(cfg.certified),
            None => true,
        };
        let scaled = |limit: u64| {
            if certified {
                limit
            } else {
                (limit.saturating_mul(cfg.uncertified_percent) / 100).max(1)
            }
        };
        let mut keys: Vec<((String, String), u64)> =
            vec![(("ip".into(), caller.ip.clone()), cfg.per_ip)];
        if let Some((client, _)) = &caller.client {
            keys.push((("client".into(), client.clone()), scaled(cfg.per_client)));
        }
        if let Some(org) = &caller.org {
            keys.push((("organisation".into(), org.clone()), cfg.per_organisation));
        }
        let client_org_key = match (&caller.client, &caller.org) {
            (Some((c, _)), Some(o)) => Some(format!("{c}|{o}")),
            _ => None,
        };
        if let Some(k) = &client_org_key {
            keys.push((
                ("client_organisation".into(), k.clone()),
                scaled(cfg.per_client_organisation),
            ));
        }
        let client_key = caller.client.as_ref().map(|(c, _)| c.clone());

        // Rate check on every bucket.
        let mut wait = 0u64;
        let mut tightest = (u64::MAX, u64::MAX);
        let mut violated = Vec::new();
        for (key, limit) in &keys {
            let b = s.buckets.entry(key.clone()).or_default();
            b.prune(horizon);
            let remaining = limit.saturating_sub(b.used);
            if remaining < tightest.1 {
                tightest = (*limit, remaining);
            }
            if b.used.saturating_add(cost) > *limit {
                wait = wait.max(b.wait_secs(cost, *limit, now, window));
                violated.push(key.clone());
            }
        }
        if cfg.enabled && !violated.is_empty() {
            for key in &violated {
                if let Some(b) = s.buckets.get_mut(key) {
                    b.rejected += 1;
                }
            }
            s.rejected_total += 1;
            return Err(Refusal {
                retry_after: wait.max(1),
                limit: tightest.0,
                remaining: tightest.1,
            });
        }
        // Concurrency check.
        let busy_client = client_key
            .as_ref()
            .map(|k| s.in_flight_client.get(k).copied().unwrap_or(0))
            .unwrap_or(0);
        let busy_client_org = client_org_key
            .as_ref()
            .map(|k| s.in_flight_client_org.get(k).copied().unwrap_or(0))
            .unwrap_or(0);
        if cfg.enabled
            && ((client_key.is_some() && busy_client >= cfg.max_concurrent_client)
                || (client_org_key.is_some()
                    && busy_client_org >= cfg.max_concurrent_client_organisation))
        {
            s.rejected_total += 1;
            s.rejected_concurrency += 1;
            return Err(Refusal {
                retry_after: 1,
                limit: tightest.0,
                remaining: tightest.1,
            });
        }
        // Charge.
        let mut after = (u64::MAX, u64::MAX);
        for (key, limit) in &keys {
            let b = s.buckets.entry(key.clone()).or_default();
            b.entries.push_back((now, cost));
            b.used = b.used.saturating_add(cost);
            b.total = b.total.saturating_add(cost);
            let remaining = limit.saturating_sub(b.used);
            if remaining < after.1 {
                after = (*limit, remaining);
            }
        }
        if let Some(k) = &client_key {
            *s.in_flight_client.entry(k.clone()).or_insert(0) += 1;
        }
        if let Some(k) = &client_org_key {
            *s.in_flight_client_org.entry(k.clone()).or_insert(0) += 1;
        }
        drop(s);
        Ok(Permit {
            limiter: self.clone(),
            client_key,
            client_org_key,
            credited: cost,
            limit: after.0,
            remaining: after.1,
        })
    }

    /// The counters, with each bucket's current window usage at `now`.
    pub(crate) fn report(&self, now: DateTime<Utc>) -> CreditReport {
        let mut s = self.lock();
        let cfg = s.config.clone();
        let window = chrono::Duration::seconds(i64::try_from(cfg.window_secs.max(1)).unwrap_or(60));
        let certs = s.client_certified.clone();
        let mut buckets = Vec::new();
        for ((kind, key), b) in s.buckets.iter_mut() {
            b.prune(now - window);
            let client_certified =
                |client: &str| certs.get(client).copied().unwrap_or(cfg.certified);
            let scale = |limit: u64, client: &str| {
                if client_certified(client) {
                    limit
                } else {
                    (limit.saturating_mul(cfg.uncertified_percent) / 100).max(1)
                }
            };
            let limit = match kind.as_str() {
                "ip" => cfg.per_ip,
                "client" => scale(cfg.per_client, key),
                "organisation" => cfg.per_organisation,
                _ => scale(
                    cfg.per_client_organisation,
                    key.split('|').next().unwrap_or(key),
                ),
            };
            buckets.push(BucketReport {
                kind: kind.clone(),
                key: key.clone(),
                used: b.used,
                limit,
                total_charged: b.total,
                rejected: b.rejected,
            });
        }
        CreditReport {
            buckets,
            rejected_total: s.rejected_total,
            rejected_concurrency: s.rejected_concurrency,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs() {
        assert_eq!(credit_cost("GET", None, None), 1);
        assert_eq!(
            credit_cost("POST", Some("http://www.twinfield.com/Search"), None),
            1
        );
        assert_eq!(
            credit_cost(
                "POST",
                Some("http://www.twinfield.com/ProcessXmlString"),
                Some("read")
            ),
            1
        );
        assert_eq!(
            credit_cost(
                "POST",
                Some("http://www.twinfield.com/ProcessXmlString"),
                Some("columns")
            ),
            1
        );
        assert_eq!(
            credit_cost(
                "POST",
                Some("http://www.twinfield.com/ProcessXmlString"),
                Some("transactions")
            ),
            3
        );
        assert_eq!(
            credit_cost(
                "POST",
                Some("\"http://www.twinfield.com/DeletedTransactionsService/Query\""),
                None
            ),
            1
        );
        assert_eq!(
            credit_cost("POST", Some("http://www.twinfield.com/SelectCompany"), None),
            3
        );
    }

    #[test]
    fn sliding_window_refuses_and_recovers() {
        let l = RateLimiter::default();
        l.set_config(RateLimitConfig {
            per_client_organisation: 10,
            ..RateLimitConfig::default()
        });
        let caller = Caller {
            ip: "ip".into(),
            client: Some(("c".into(), Some(true))),
            org: Some("o".into()),
        };
        let t0 = Utc::now();
        for _ in 0..3 {
            drop(l.admit(&caller, 3, t0).ok().unwrap());
        }
        let refused = l
            .admit(&caller, 3, t0 + chrono::Duration::seconds(10))
            .err()
            .unwrap();
        assert_eq!(refused.retry_after, 50);
        assert!(l.admit(&caller, 1, t0).is_ok());
        assert!(l
            .admit(&caller, 3, t0 + chrono::Duration::seconds(60))
            .is_ok());
        let r = l.report(t0 + chrono::Duration::seconds(60));
        assert_eq!(
            r.bucket("client_organisation", "c|o")
                .map(|b| b.total_charged),
            Some(13)
        );
        assert_eq!(r.rejected_total, 1);
    }
}
