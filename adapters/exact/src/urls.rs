//! Typed Exact URLs that always carry the division (Q08).
//!
//! Exact answers a request without the division in the path (e.g. `financialtransaction/BankEntries`
//! instead of `{division}/financialtransaction/BankEntries`) with 401, which looks exactly like a
//! dead token. So a [`Division`] is a required part of every [`ApiUrl`] the adapter builds; the
//! only division-less URL is `current/Me` ([`ApiUrls::me`]), which Exact documents without one.
//! Next-page links (`__next`) are checked to still carry the same division before they are
//! followed.

use std::fmt;
use std::str::FromStr;

use grootboek_core::{Error, Result};
use url::Url;

use crate::odata::guid_literal;

/// An Exact division (the "administratie"): a positive Int32 company code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Division(i32);

impl Division {
    /// A division; refuses zero and negative numbers.
    pub fn new(code: i32) -> Result<Self> {
        if code > 0 {
            Ok(Self(code))
        } else {
            Err(Error::validation(format!(
                "{code} is not an Exact division"
            )))
        }
    }

    /// The division number.
    pub fn code(&self) -> i32 {
        self.0
    }
}

impl FromStr for Division {
    type Err = Error;
    /// Parse a core administration code (the division number as text).
    fn from_str(s: &str) -> Result<Self> {
        let n: i32 = s.trim().parse().map_err(|_| {
            Error::validation(format!(
                "administration `{s}` is not an Exact division number"
            ))
        })?;
        Division::new(n)
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The Exact entity sets the adapter uses, by `{service}/{Entity}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `crm/Accounts`
    Accounts,
    /// `financial/GLAccounts`
    GlAccounts,
    /// `financial/Journals`
    Journals,
    /// `vat/VATCodes`
    VatCodes,
    /// `salesentry/SalesEntries`
    SalesEntries,
    /// `salesentry/SalesEntryLines`
    SalesEntryLines,
    /// `cashflow/Receivables`
    Receivables,
    /// `read/financial/ReceivablesList`
    ReceivablesList,
    /// `financialtransaction/BankEntries`
    BankEntries,
    /// `financialtransaction/BankEntryLines`
    BankEntryLines,
    /// `subscription/Subscriptions`
    Subscriptions,
    /// `webhooks/WebhookSubscriptions`
    WebhookSubscriptions,
    /// `system/Divisions`
    Divisions,
}

impl Endpoint {
    /// The path below `/api/v1/{division}/`.
    pub fn path(&self) -> &'static str {
        match self {
            Endpoint::Accounts => "crm/Accounts",
            Endpoint::GlAccounts => "financial/GLAccounts",
            Endpoint::Journals => "financial/Journals",
            Endpoint::VatCodes => "vat/VATCodes",
            Endpoint::SalesEntries => "salesentry/SalesEntries",
            Endpoint::SalesEntryLines => "salesentry/SalesEntryLines",
            Endpoint::Receivables => "cashflow/Receivables",
            Endpoint::ReceivablesList => "read/financial/ReceivablesList",
            Endpoint::BankEntries => "financialtransaction/BankEntries",
            Endpoint::BankEntryLines => "financialtransaction/BankEntryLines",
            Endpoint::Subscriptions => "subscription/Subscriptions",
            Endpoint::WebhookSubscriptions => "webhooks/WebhookSubscriptions",
            Endpoint::Divisions => "system/Divisions",
        }
    }
}

/// OData query options, encoded in a stable order: `$select`, `$filter`, `$expand`, `$top`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `$select` fields.
    pub select: Vec<&'static str>,
    /// `$filter` expression (literals already escaped).
    pub filter: Option<String>,
    /// `$expand` navigation properties.
    pub expand: Option<&'static str>,
    /// `$top`.
    pub top: Option<u32>,
}

impl Query {
    /// A query selecting `fields`.
    pub fn select(fields: &[&'static str]) -> Self {
        Self {
            select: fields.to_vec(),
            ..Self::default()
        }
    }

    /// Add a `$filter`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Add an `$expand`.
    pub fn expand(mut self, nav: &'static str) -> Self {
        self.expand = Some(nav);
        self
    }

    /// Add a `$top`.
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }

    fn encode(&self) -> String {
        let mut parts = Vec::new();
        if !self.select.is_empty() {
            parts.push(format!("$select={}", encode(&self.select.join(","))));
        }
        if let Some(f) = &self.filter {
            parts.push(format!("$filter={}", encode(f)));
        }
        if let Some(e) = self.expand {
            parts.push(format!("$expand={}", encode(e)));
        }
        if let Some(t) = self.top {
            parts.push(format!("$top={t}"));
        }
        parts.join("&")
    }
}

/// Percent-encode a query value: unreserved characters and the OData punctuation `$ , ' ( ) / :`
/// stay, a space is `%20` (never `+`, which some servers keep as a plus).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$,'()/:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A URL below `/api/v1/{division}/`: it cannot be built without a division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl {
    division: Division,
    url: Url,
}

impl ApiUrl {
    /// The division the URL addresses.
    pub fn division(&self) -> Division {
        self.division
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// Builds every URL the adapter sends to.
#[derive(Debug, Clone)]
pub struct ApiUrls {
    base: Url,
}

impl ApiUrls {
    /// URLs below `base` (the host, e.g. `https://start.exactonline.nl`).
    pub fn new(base: Url) -> Self {
        Self { base }
    }

    fn prefix(&self, division: Division) -> String {
        format!(
            "{}/api/v1/{division}/",
            self.base.as_str().trim_end_matches('/')
        )
    }

    fn build(&self, division: Division, path: &str, query: Option<&Query>) -> Result<ApiUrl> {
        let mut text = format!("{}{path}", self.prefix(division));
        if let Some(q) = query {
            let encoded = q.encode();
            if !encoded.is_empty() {
                text.push('?');
                text.push_str(&encoded);
            }
        }
        let url = Url::parse(&text)
            .map_err(|e| Error::config(format!("cannot build an Exact URL from `{text}`: {e}")))?;
        Ok(ApiUrl { division, url })
    }

    /// The entity set `endpoint` of `division`, with a query.
    pub fn collection(
        &self,
        division: Division,
        endpoint: Endpoint,
        query: &Query,
    ) -> Result<ApiUrl> {
        self.build(division, endpoint.path(), Some(query))
    }

    /// One entity `endpoint(guid'…')` of `division`, with an optional query.
    pub fn entity(
        &self,
        division: Division,
        endpoint: Endpoint,
        key: &str,
        query: Option<&Query>,
    ) -> Result<ApiUrl> {
        let path = format!("{}({})", endpoint.path(), guid_literal(key)?);
        self.build(division, &path, query)
    }

    /// A next-page link (`__next`, absolute or `../api/v1/…`), accepted only when it stays on the
    /// same host and under the same division.
    pub fn next_page(&self, division: Division, next: &str) -> Result<ApiUrl> {
        let joined = if next.starts_with("http://") || next.starts_with("https://") {
            Url::parse(next)
        } else {
            let path = next.trim_start_matches("../").trim_start_matches('/');
            self.base.join(&format!("/{path}"))
        }
        .map_err(|e| Error::protocol(format!("Exact's next-page link is not a URL: {e}")))?;
        let same_host = joined.host_str() == self.base.host_str()
            && joined.port_or_known_default() == self.base.port_or_known_default();
        let prefix = format!("/api/v1/{division}/");
        if !same_host || !joined.path().starts_with(&prefix) {
            return Err(Error::protocol(format!(
                "Exact's next-page link leaves division {division} or the host: {}",
                joined.path()
            )));
        }
        Ok(ApiUrl {
            division,
            url: joined,
        })
    }

    /// Any URL Exact handed out (a webhook's `ExactOnlineEndpoint`, a `__deferred` link),
    /// accepted only on the same host and under `division`.
    pub fn handed_out(&self, division: Division, link: &str) -> Result<ApiUrl> {
        self.next_page(division, link)
    }

    /// `current/Me`: the one endpoint Exact serves without a division (reference §2). Used only to
    /// check whether an access token is alive.
    pub fn me(&self) -> Result<Url> {
        let text = format!(
            "{}/api/v1/current/Me?$select=CurrentDivision",
            self.base.as_str().trim_end_matches('/')
        );
        Url::parse(&text).map_err(|e| Error::config(format!("cannot build `{text}`: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> ApiUrls {
        ApiUrls::new(Url::parse("https://start.exactonline.nl").unwrap())
    }

    #[test]
    fn q08_every_url_carries_the_division() {
        let d = Division::new(4133185).unwrap();
        let u = urls()
            .collection(
                d,
                Endpoint::BankEntries,
                &Query::select(&["EntryID", "JournalCode"]).filter("JournalCode eq '20'"),
            )
            .unwrap();
        assert_eq!(
            u.as_str(),
            "https://start.exactonline.nl/api/v1/4133185/financialtransaction/BankEntries?$select=EntryID,JournalCode&$filter=JournalCode%20eq%20%2720%27"
        );
        assert!(Division::new(0).is_err());
        assert!("abc".parse::<Division>().is_err());
        let e = urls()
            .entity(
                d,
                Endpoint::SalesEntries,
                "9C0E0000-0000-0000-0000-000000000001",
                None,
            )
            .unwrap();
        assert!(e.as_str().ends_with(
            "/api/v1/4133185/salesentry/SalesEntries(guid'9c0e0000-0000-0000-0000-000000000001')"
        ));
        assert!(urls()
            .entity(d, Endpoint::SalesEntries, "x')", None)
            .is_err());
    }

    #[test]
    fn q08_next_links_must_stay_in_the_division() {
        let d = Division::new(1).unwrap();
        let ok = urls()
            .next_page(d, "https://start.exactonline.nl/api/v1/1/financial/Journals?$skiptoken=guid'5b3debef-9b1c-4bcd-b7ae-003e8d4139df'")
            .unwrap();
        assert!(ok.as_str().contains("skiptoken"));
        let rel = urls()
            .next_page(d, "../api/v1/1/financial/Journals?$skiptoken=1L")
            .unwrap();
        assert_eq!(rel.url().host_str(), Some("start.exactonline.nl"));
        assert!(urls()
            .next_page(d, "https://evil.example/api/v1/1/x")
            .is_err());
        assert!(urls()
            .next_page(d, "https://start.exactonline.nl/api/v1/2/x")
            .is_err());
        assert!(urls()
            .next_page(d, "https://start.exactonline.nl/api/v1/financial/x")
            .is_err());
    }

    #[test]
    fn encoding_keeps_odata_punctuation_and_escapes_the_rest() {
        assert_eq!(encode("Code eq '  8'"), "Code%20eq%20'%20%208'");
        assert_eq!(encode("a+b&c=d"), "a%2Bb%26c%3Dd");
    }
}
