//! Configuration of an AFAS Profit connection, from code (builder setters) or from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `GROOTBOEK_AFAS_PARTICIPANT` | participant (environment) number, `12345`, or the `O12345AA`/`T12345AA`/`A12345AA` form that also names the environment | — |
//! | `GROOTBOEK_AFAS_ENVIRONMENT` | `production`, `test` or `accept` | `production` |
//! | `GROOTBOEK_AFAS_BASE_URL` | explicit base URL (…`/ProfitRestServices`), overrides the two above (simulators, proxies) | — |
//! | `GROOTBOEK_AFAS_TOKEN` | the AFAS token: the XML `<token><version>1</version><data>…</data></token>` or only its hex data (secret) | required |
//! | `GROOTBOEK_AFAS_CONNECTOR_ADMINISTRATIONS` … `_DEBTORS`, `_ACCOUNTS`, `_VAT_CODES`, `_JOURNALS`, `_OPEN_ITEMS`, `_TRANSACTIONS`, `_DEBTOR_BALANCE` | GetConnector names (per customer in AFAS) | see [`GetConnectors`] |
//! | `GROOTBOEK_AFAS_MAX_CONCURRENT` | most requests in flight (AFAS allows 8) | `8` |
//! | `GROOTBOEK_AFAS_PAGE_SIZE` | rows per GetConnector request (`take`) | `1000` |
//! | `GROOTBOEK_AFAS_COUNTRY` | ISO country the administrations file VAT in | `NL` |
//! | `GROOTBOEK_AFAS_LANGUAGE` | `Accept-Language` for AFAS messages (`nl-nl`, `en-us`…) | none |
//! | `GROOTBOEK_AFAS_INTEGRATION_ID` | `IntegrationId` header of a partner integration | none |
//!
//! Budgets, retry, timeouts, the size cap and verification are read by the one reader of every
//! vendor ([`grootboek_core::runtime::connection`]: `GROOTBOEK_TIMEOUT_SECS`, …, each also as
//! `GROOTBOEK_AFAS_…`).

use std::collections::BTreeMap;
use std::fmt;

use grootboek_core::runtime::http::checked_url;
use grootboek_core::runtime::{AfasBudget, ConnectionRuntime, EnvReader, RuntimeConfig};
use grootboek_core::{CountryCode, Currency, Error, Result, Vendor};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Most parallel calls AFAS allows (OAS `troubleshooting.md` §10).
pub const AFAS_MAX_CONCURRENT: usize = 8;

/// Which AFAS environment of a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AfasEnvironment {
    /// `https://{id}.rest.afas.online`.
    #[default]
    Production,
    /// `https://{id}.resttest.afas.online`.
    Test,
    /// `https://{id}.restaccept.afas.online`.
    Accept,
}

impl AfasEnvironment {
    fn host_label(self) -> &'static str {
        match self {
            AfasEnvironment::Production => "rest",
            AfasEnvironment::Test => "resttest",
            AfasEnvironment::Accept => "restaccept",
        }
    }
}

impl std::str::FromStr for AfasEnvironment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" | "o" => Ok(Self::Production),
            "test" | "t" => Ok(Self::Test),
            "accept" | "acceptance" | "a" => Ok(Self::Accept),
            other => Err(Error::config(format!(
                "unknown AFAS environment `{other}` (expected production, test or accept)"
            ))),
        }
    }
}

/// The GetConnectors the adapter reads. AFAS GetConnectors are defined per customer; these
/// defaults are AFAS's standard Profit connectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetConnectors {
    /// Administrations (`AdminId`, `AdminNm`). Default `Profit_Administrations`.
    pub administrations: String,
    /// Debtors (`DebtorId`, `DebtorName`, `VatNr`, …). Default `Profit_Debtor`.
    pub debtors: String,
    /// Ledger accounts (`Account`, `Description`). Default `Profit_Accounts`.
    pub accounts: String,
    /// VAT codes (`VatCode`, `VatPerc`, `AccountNr`, …). Default `Profit_VAT_code`.
    pub vat_codes: String,
    /// Journals (`UnitId`, `JournalId`, `Description`, `JournalType`). Default `Profit_Journals`.
    pub journals: String,
    /// Open items of debtors (`UnitId`, `DebtorId`, `InvoiceNr`, `AmtInvoice`, `Balance`, …).
    /// Default `Profit_Debtor_Invoices`.
    pub open_items: String,
    /// Financial transactions, for reading entries back (`UnitId`, `EntryNo`, `SeqNo`,
    /// `JournalId`, `AccountNo`, `AmtDebit`, `AmtCredit`, `VatCode`, …). Default `Profit_Transactions`.
    pub transactions: String,
    /// The debtor balance convenience connector, which rounds to whole euros (Q10); read only
    /// with the Q10 defence off. Default `Profit_Debtor_Balance`.
    pub debtor_balance: String,
}

impl Default for GetConnectors {
    fn default() -> Self {
        Self {
            administrations: "Profit_Administrations".into(),
            debtors: "Profit_Debtor".into(),
            accounts: "Profit_Accounts".into(),
            vat_codes: "Profit_VAT_code".into(),
            journals: "Profit_Journals".into(),
            open_items: "Profit_Debtor_Invoices".into(),
            transactions: "Profit_Transactions".into(),
            debtor_balance: "Profit_Debtor_Balance".into(),
        }
    }
}

/// Where a written document's date comes from (Q14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocumentDate {
    /// The civil date on the document (the default; the caller chose it).
    #[default]
    AsGiven,
    /// The moment of the write, read from the configured [`Clock`](grootboek_core::runtime::Clock): with the Q14 defence on it
    /// becomes the Europe/Amsterdam civil date, with it off the naive UTC date. Used by
    /// integrations that book "today" and by the conformance suite to prove Q14.
    WriteInstant,
}

/// Everything an [`AfasLedger`](crate::AfasLedger) needs. Build with [`AfasConfig::new`] and the
/// `with_*` setters, or [`AfasConfig::from_env`].
#[derive(Clone)]
pub struct AfasConfig {
    /// Participant (environment) number, e.g. `12345`.
    pub participant: Option<String>,
    /// Which environment of the participant.
    pub environment: AfasEnvironment,
    /// Explicit base URL ending in `/ProfitRestServices`; overrides participant and environment.
    pub base_url: Option<Url>,
    token: SecretString,
    /// The GetConnectors to read.
    pub connectors: GetConnectors,
    /// Most requests in flight at once (at most [`AFAS_MAX_CONCURRENT`]).
    pub max_concurrent: usize,
    /// Rows per GetConnector request (`take`).
    pub page_size: usize,
    /// Country the administrations file VAT in (unless overridden per administration).
    pub default_country: CountryCode,
    /// Country per administration (`UnId`), overriding `default_country`.
    pub administration_countries: BTreeMap<String, CountryCode>,
    /// Base currency of the administrations.
    pub currency: Currency,
    /// Where a written document's date comes from (Q14).
    pub document_date: DocumentDate,
    /// `Accept-Language` for AFAS's messages.
    pub accept_language: Option<String>,
    /// `IntegrationId` header.
    pub integration_id: Option<String>,
    /// Budget (the cap of calls in flight), retry, timeouts, size cap, verification, the clock
    /// (of [`DocumentDate::WriteInstant`]) and defences: the part every vendor shares.
    pub runtime: ConnectionRuntime,
}

impl RuntimeConfig for AfasConfig {
    fn runtime_mut(&mut self) -> &mut ConnectionRuntime {
        &mut self.runtime
    }
}

impl fmt::Debug for AfasConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfasConfig")
            .field("participant", &self.participant)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("token", &"[redacted]")
            .field("connectors", &self.connectors)
            .field("max_concurrent", &self.max_concurrent)
            .field("page_size", &self.page_size)
            .field("runtime", &self.runtime)
            .field("default_country", &self.default_country)
            .field("document_date", &self.document_date)
            .finish_non_exhaustive()
    }
}

impl AfasConfig {
    /// A configuration with a token and every default; name the participant or a base URL next.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            participant: None,
            environment: AfasEnvironment::Production,
            base_url: None,
            token: SecretString::from(token.into()),
            connectors: GetConnectors::default(),
            max_concurrent: AFAS_MAX_CONCURRENT,
            page_size: 1000,
            default_country: CountryCode::NL,
            administration_countries: BTreeMap::new(),
            currency: Currency::EUR,
            document_date: DocumentDate::AsGiven,
            accept_language: None,
            integration_id: None,
            runtime: ConnectionRuntime::with_max_response_bytes(80 * 1024 * 1024),
        }
    }

    /// Set the participant number (`12345`, or `T12345AA` which also sets the environment).
    pub fn with_participant(mut self, participant: impl Into<String>) -> Self {
        let p: String = participant.into();
        let t = p.trim();
        let first = t.chars().next().map(|c| c.to_ascii_uppercase());
        if t.len() > 5 && matches!(first, Some('O' | 'T' | 'A')) {
            self.environment = match first {
                Some('T') => AfasEnvironment::Test,
                Some('A') => AfasEnvironment::Accept,
                _ => AfasEnvironment::Production,
            };
            self.participant = Some(t.chars().filter(char::is_ascii_digit).collect());
        } else {
            self.participant = Some(t.to_string());
        }
        self
    }

    /// Set the environment.
    pub fn with_environment(mut self, environment: AfasEnvironment) -> Self {
        self.environment = environment;
        self
    }

    /// Set an explicit base URL (a simulator's, or a proxy's); `/ProfitRestServices` is appended
    /// when missing.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self> {
        let mut s = base_url.trim().trim_end_matches('/').to_string();
        if !s.to_ascii_lowercase().ends_with("/profitrestservices") {
            s.push_str("/ProfitRestServices");
        }
        self.base_url = Some(checked_url("the AFAS base URL", &s)?);
        Ok(self)
    }

    /// Set the GetConnector names.
    pub fn with_connectors(mut self, connectors: GetConnectors) -> Self {
        self.connectors = connectors;
        self
    }

    /// Set the concurrency cap (clamped to 1..=8).
    pub fn with_max_concurrent(mut self, n: usize) -> Self {
        self.max_concurrent = n.clamp(1, AFAS_MAX_CONCURRENT);
        self
    }

    /// The budget charges of one call: one slot of the environment's cap of
    /// [`AfasConfig::max_concurrent`] calls in flight.
    pub fn charges(&self) -> Vec<grootboek_core::runtime::Charge> {
        let env = match (&self.participant, &self.base_url) {
            (_, Some(u)) => u.as_str().to_string(),
            (Some(p), None) => format!("{p}:{:?}", self.environment),
            (None, None) => "unknown".into(),
        };
        AfasBudget::new(env)
            .with_max_in_flight(self.max_concurrent as u32)
            .charges()
    }

    /// Set the rows per GetConnector request (clamped to 1..=10,000).
    pub fn with_page_size(mut self, n: usize) -> Self {
        self.page_size = n.clamp(1, 10_000);
        self
    }

    /// Set the country the administrations file VAT in.
    pub fn with_default_country(mut self, country: CountryCode) -> Self {
        self.default_country = country;
        self
    }

    /// Set one administration's country.
    pub fn with_administration_country(
        mut self,
        administration: impl Into<String>,
        country: CountryCode,
    ) -> Self {
        self.administration_countries
            .insert(administration.into(), country);
        self
    }

    /// Set where a written document's date comes from (Q14).
    pub fn with_document_date(mut self, source: DocumentDate) -> Self {
        self.document_date = source;
        self
    }

    /// Set `Accept-Language`.
    pub fn with_accept_language(mut self, language: impl Into<String>) -> Self {
        self.accept_language = Some(language.into());
        self
    }

    /// Set the `IntegrationId` header.
    pub fn with_integration_id(mut self, id: impl Into<String>) -> Self {
        self.integration_id = Some(id.into());
        self
    }

    /// The country of an administration.
    pub fn country_of(&self, administration: &str) -> CountryCode {
        self.administration_countries
            .get(administration)
            .copied()
            .unwrap_or(self.default_country)
    }

    /// The token (secret).
    pub(crate) fn token(&self) -> &str {
        self.token.expose_secret()
    }

    /// The base URL: explicit, or built from participant and environment.
    pub fn resolved_base_url(&self) -> Result<Url> {
        if let Some(u) = &self.base_url {
            return Ok(u.clone());
        }
        let p = self.participant.as_deref().map(str::trim).unwrap_or("");
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::config(
                "AFAS needs a participant number (digits, e.g. 12345) or an explicit base URL",
            ));
        }
        let s = format!(
            "https://{p}.{}.afas.online/ProfitRestServices",
            self.environment.host_label()
        );
        Url::parse(&s).map_err(|e| Error::config(format!("AFAS base URL `{s}`: {e}")))
    }

    /// Read the configuration from `GROOTBOEK_AFAS_*` environment variables (see the module docs).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the configuration through a lookup function (the environment, a file, a test map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = EnvReader::new(Vendor::Afas, &lookup);
        let get = |k: &str| env.vendor_var(k);
        let token = get("TOKEN").ok_or_else(|| Error::config("GROOTBOEK_AFAS_TOKEN is not set"))?;
        let mut cfg = Self::new(token);
        if let Some(env) = get("ENVIRONMENT") {
            cfg.environment = env.parse()?;
        }
        if let Some(p) = get("PARTICIPANT") {
            cfg = cfg.with_participant(p);
        }
        if let Some(u) = get("BASE_URL") {
            cfg = cfg.with_base_url(&u)?;
        }
        let c = &mut cfg.connectors;
        for (key, slot) in [
            ("ADMINISTRATIONS", &mut c.administrations),
            ("DEBTORS", &mut c.debtors),
            ("ACCOUNTS", &mut c.accounts),
            ("VAT_CODES", &mut c.vat_codes),
            ("JOURNALS", &mut c.journals),
            ("OPEN_ITEMS", &mut c.open_items),
            ("TRANSACTIONS", &mut c.transactions),
            ("DEBTOR_BALANCE", &mut c.debtor_balance),
        ] {
            if let Some(v) = get(&format!("CONNECTOR_{key}")) {
                *slot = v;
            }
        }
        let number = |k: &str| env.number(k);
        if let Some(n) = number("MAX_CONCURRENT")? {
            if n == 0 || n as usize > AFAS_MAX_CONCURRENT {
                return Err(Error::config(format!(
                    "GROOTBOEK_AFAS_MAX_CONCURRENT must be 1..=8 (AFAS allows 8 parallel calls), got {n}"
                )));
            }
            cfg.max_concurrent = n as usize;
        }
        if let Some(n) = number("PAGE_SIZE")? {
            cfg = cfg.with_page_size(n as usize);
        }
        cfg.runtime = cfg.runtime.read_env(&env)?;
        if let Some(v) = get("COUNTRY") {
            cfg.default_country = v.parse().map_err(|_| {
                Error::config(format!(
                    "GROOTBOEK_AFAS_COUNTRY must be an ISO code, got `{v}`"
                ))
            })?;
        }
        cfg.accept_language = get("LANGUAGE");
        cfg.integration_id = get("INTEGRATION_ID");
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "ADE370BE8DAF40D0A17FFB914E42675E9998C2D546A2F4FA3E4F3ABFA867B96F";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn debug_never_shows_the_token() {
        let cfg = AfasConfig::new(SECRET).with_participant("12345");
        let d = format!("{cfg:?}");
        assert!(!d.contains(SECRET), "{d}");
        assert!(d.contains("[redacted]"));
    }

    #[test]
    fn base_url_from_participant_and_environment() {
        let cfg = AfasConfig::new(SECRET).with_participant("12345");
        assert_eq!(
            cfg.resolved_base_url().unwrap().as_str(),
            "https://12345.rest.afas.online/ProfitRestServices"
        );
        let cfg = AfasConfig::new(SECRET).with_participant("T12345AA");
        assert_eq!(cfg.environment, AfasEnvironment::Test);
        assert_eq!(
            cfg.resolved_base_url().unwrap().as_str(),
            "https://12345.resttest.afas.online/ProfitRestServices"
        );
        let cfg = AfasConfig::new(SECRET)
            .with_participant("12345")
            .with_environment(AfasEnvironment::Accept);
        assert!(cfg
            .resolved_base_url()
            .unwrap()
            .as_str()
            .contains(".restaccept."));
        assert!(AfasConfig::new(SECRET).resolved_base_url().is_err());
        assert!(AfasConfig::new(SECRET)
            .with_participant("evil.example.com/x")
            .resolved_base_url()
            .is_err());
        let cfg = AfasConfig::new(SECRET)
            .with_base_url("http://127.0.0.1:9999/")
            .unwrap();
        assert_eq!(
            cfg.resolved_base_url().unwrap().as_str(),
            "http://127.0.0.1:9999/ProfitRestServices"
        );
    }

    #[test]
    fn from_env_reads_every_setting() {
        let cfg = AfasConfig::from_lookup(env(&[
            ("GROOTBOEK_AFAS_TOKEN", SECRET),
            ("GROOTBOEK_AFAS_PARTICIPANT", "54321"),
            ("GROOTBOEK_AFAS_ENVIRONMENT", "accept"),
            ("GROOTBOEK_AFAS_CONNECTOR_DEBTORS", "Klant_Debiteuren"),
            ("GROOTBOEK_AFAS_MAX_CONCURRENT", "4"),
            ("GROOTBOEK_AFAS_VERIFY", "false"),
            ("GROOTBOEK_AFAS_PAGE_SIZE", "250"),
            ("GROOTBOEK_AFAS_COUNTRY", "BE"),
        ]))
        .unwrap();
        assert_eq!(cfg.environment, AfasEnvironment::Accept);
        assert_eq!(cfg.connectors.debtors, "Klant_Debiteuren");
        assert_eq!(cfg.connectors.open_items, "Profit_Debtor_Invoices");
        assert_eq!(cfg.max_concurrent, 4);
        assert!(!cfg.runtime.verify);
        assert_eq!(cfg.page_size, 250);
        assert_eq!(cfg.country_of("1").code(), "BE");
        assert_eq!(cfg.token(), SECRET);
    }

    #[test]
    fn from_env_refuses_bad_values() {
        assert!(AfasConfig::from_lookup(env(&[])).is_err());
        let bad = |k: &str, v: &str| {
            AfasConfig::from_lookup(env(&[("GROOTBOEK_AFAS_TOKEN", SECRET), (k, v)])).unwrap_err()
        };
        let e = bad("GROOTBOEK_AFAS_MAX_CONCURRENT", "9");
        assert!(e.to_string().contains("1..=8"));
        assert!(!e.to_string().contains(SECRET));
        bad("GROOTBOEK_AFAS_VERIFY", "maybe");
        let e = bad("GROOTBOEK_AFAS_BASE_URL", "http://afas.example.com");
        assert!(e.to_string().contains("http://afas.example.com"), "{e}");
        bad("GROOTBOEK_AFAS_ENVIRONMENT", "staging");
        bad("GROOTBOEK_AFAS_PAGE_SIZE", "lots");
    }
}
