//! Where secrets may go (R02): `https` except on loopback, a list of the hosts a connection is
//! configured for, and a redirect policy that never leaves the origin it started from.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use url::Url;

use crate::error::{Error, Result};

/// Whether `host` is a loopback name or address (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parse a configured endpoint and refuse one that would carry secrets in clear: `https` is
/// required, except on loopback (the simulators, a local proxy). `what` names the setting in the
/// error (e.g. `GROOTBOEK_EXACT_BASE_URL`).
pub fn checked_url(what: &str, url: &str) -> Result<Url> {
    let parsed = Url::parse(url.trim())
        .map_err(|e| Error::config(format!("{what}: `{url}` is not a URL: {e}")))?;
    check_url(what, &parsed)?;
    Ok(parsed)
}

/// [`checked_url`] for a URL already parsed.
pub fn check_url(what: &str, url: &Url) -> Result<()> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::config(format!("{what}: `{url}` names no host")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(Error::config(format!(
            "{what}: `{url}` uses plain http:// to `{host}`, which is not loopback; tokens and \
             secrets would travel in clear (R02): use https://"
        ))),
        other => Err(Error::config(format!(
            "{what}: `{url}` has the scheme `{other}`; only https (and http on loopback) is allowed"
        ))),
    }
}

/// One rule of a [`HostPolicy`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// Exactly this scheme, host and port.
    Origin(String, String, u16),
    /// This domain or any subdomain of it, over https only.
    Domain(String),
    /// Any loopback host and port (simulators, a local proxy).
    Loopback,
}

/// The hosts a connection may send requests (and so secrets) to. Every request the
/// [`HttpClient`](super::HttpClient) sends is checked against it; nothing else is reachable.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    rules: Arc<RwLock<Vec<Rule>>>,
}

impl HostPolicy {
    /// An empty policy: nothing may be reached until origins are allowed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allow the origin (scheme, host, port) of `url`, after [`check_url`].
    pub fn allow_origin(&self, what: &str, url: &Url) -> Result<()> {
        check_url(what, url)?;
        let rule = Rule::Origin(
            url.scheme().to_string(),
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.port_or_known_default().unwrap_or(0),
        );
        let mut rules = self.rules.write().unwrap_or_else(|p| p.into_inner());
        if !rules.contains(&rule) {
            rules.push(rule);
        }
        Ok(())
    }

    /// Allow `domain` and its subdomains over https (e.g. `twinfield.com` for the clusters).
    pub fn allow_domain(&self, domain: &str) {
        let rule = Rule::Domain(domain.trim().trim_start_matches('.').to_ascii_lowercase());
        let mut rules = self.rules.write().unwrap_or_else(|p| p.into_inner());
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }

    /// Allow any loopback host and port (`http` or `https`): for simulators whose ports are
    /// chosen at run time.
    pub fn allow_loopback(&self) {
        let mut rules = self.rules.write().unwrap_or_else(|p| p.into_inner());
        if !rules.contains(&Rule::Loopback) {
            rules.push(Rule::Loopback);
        }
    }

    /// Allow `host` the way a configuration names it: a loopback name allows loopback, any
    /// other a domain and its subdomains over https.
    pub fn allow_host(&self, host: &str) {
        if is_loopback(host) {
            self.allow_loopback();
        } else {
            self.allow_domain(host);
        }
    }

    /// Whether a request to `url` is allowed.
    pub fn allows(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let port = url.port_or_known_default().unwrap_or(0);
        let rules = self.rules.read().unwrap_or_else(|p| p.into_inner());
        rules.iter().any(|r| match r {
            Rule::Origin(s, h, p) => s == url.scheme() && *h == host && *p == port,
            Rule::Domain(d) => {
                url.scheme() == "https" && (host == *d || host.ends_with(&format!(".{d}")))
            }
            Rule::Loopback => matches!(url.scheme(), "http" | "https") && is_loopback(&host),
        })
    }

    /// Refuse `url` unless allowed, naming it (without its query, which may hold a token).
    pub fn check(&self, url: &Url) -> Result<()> {
        if self.allows(url) {
            return Ok(());
        }
        Err(Error::config(format!(
            "refused to send a request to `{}`: not a host this connection is configured for \
             (R02: secrets go only to configured hosts)",
            without_query(url)
        )))
    }
}

/// `url` without query and fragment, for messages and logs.
pub fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The redirect policy of every grootboek HTTP client: follow a redirect only to the same
/// origin (scheme, host and port), at most 5 times; any other redirect is not followed and its
/// 3xx answer reaches the vendor's classification (and becomes an error naming the target).
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        let same = first.scheme() == attempt.url().scheme()
            && first.host_str() == attempt.url().host_str()
            && first.port_or_known_default() == attempt.url().port_or_known_default();
        if same && attempt.previous().len() <= 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_http_only_on_loopback() {
        assert!(checked_url("X", "https://start.exactonline.nl").is_ok());
        assert!(checked_url("X", "http://127.0.0.1:8080/api").is_ok());
        assert!(checked_url("X", "http://localhost:1").is_ok());
        assert!(checked_url("X", "http://[::1]:1").is_ok());
        let e = checked_url("GROOTBOEK_EXACT_BASE_URL", "http://start.exactonline.nl").unwrap_err();
        assert!(e.message().contains("GROOTBOEK_EXACT_BASE_URL"), "{e}");
        assert!(e.message().contains("http://start.exactonline.nl"), "{e}");
        assert!(checked_url("X", "ftp://127.0.0.1").is_err());
        assert!(checked_url("X", "not a url").is_err());
    }

    #[test]
    fn policy_allows_configured_origins_and_domains_only() {
        let p = HostPolicy::new();
        p.allow_origin("X", &Url::parse("https://a.example:8443/x").unwrap())
            .unwrap();
        p.allow_domain("twinfield.com");
        assert!(p.allows(&Url::parse("https://a.example:8443/y?z=1").unwrap()));
        assert!(!p.allows(&Url::parse("https://a.example/y").unwrap()));
        assert!(!p.allows(&Url::parse("http://a.example:8443/y").unwrap()));
        assert!(p.allows(&Url::parse("https://api.accounting1.twinfield.com/w").unwrap()));
        assert!(!p.allows(&Url::parse("http://api.accounting1.twinfield.com/w").unwrap()));
        assert!(!p.allows(&Url::parse("https://eviltwinfield.com/w").unwrap()));
        let e = p
            .check(&Url::parse("https://evil.example/x?token=secret").unwrap())
            .unwrap_err();
        assert!(!e.message().contains("token=secret"), "{e}");
        assert!(e.message().contains("evil.example"), "{e}");
    }
}
