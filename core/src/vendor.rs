//! The vendors grootboek speaks to, and the catalog IDs of their quirks.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A supported accounting system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Twinfield (Wolters Kluwer): OpenID Connect + SOAP ProcessXml.
    Twinfield,
    /// Exact Online: OAuth 2 with rotating refresh tokens + REST/OData v2 JSON.
    Exact,
    /// AFAS Profit: AfasToken + GetConnectors/UpdateConnectors JSON.
    Afas,
}

impl Vendor {
    /// Every vendor, in report order.
    pub const ALL: [Vendor; 3] = [Vendor::Twinfield, Vendor::Exact, Vendor::Afas];

    /// The lower-case name used in URLs, flags and reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Vendor::Twinfield => "twinfield",
            Vendor::Exact => "exact",
            Vendor::Afas => "afas",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Vendor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "twinfield" => Ok(Vendor::Twinfield),
            "exact" | "exact-online" | "exactonline" => Ok(Vendor::Exact),
            "afas" | "afas-profit" => Ok(Vendor::Afas),
            other => Err(Error::config(format!(
                "unknown vendor `{other}` (expected twinfield, exact or afas)"
            ))),
        }
    }
}

/// A catalog ID from `QUIRKS.md` (`Q01`…`Q27`, `Q29`, `P1`…`P5`, `T01`…`T15`, `R01`…`R05`),
/// kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QuirkId(String);

impl QuirkId {
    /// Every ID in the catalog, in the order `QUIRKS.md` lists them (there is no `Q28`).
    pub fn catalog() -> Vec<QuirkId> {
        let q = (1..=16).map(|n| format!("Q{n:02}"));
        let p = (1..=5).map(|n| format!("P{n}"));
        let t = (1..=9).map(|n| format!("T{n:02}"));
        let payments = (17..=27).chain([29]).map(|n| format!("Q{n:02}"));
        let r = (1..=5).map(|n| format!("R{n:02}"));
        let onboarding = (10..=15).map(|n| format!("T{n:02}"));
        q.chain(p)
            .chain(t)
            .chain(payments)
            .chain(r)
            .chain(onboarding)
            .map(QuirkId)
            .collect()
    }

    /// The ID's text (`Q01`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for QuirkId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        if Self::catalog().iter().any(|q| q.0 == upper) {
            Ok(QuirkId(upper))
        } else {
            Err(Error::config(format!(
                "`{s}` is not a catalog ID (Q01–Q27, Q29, P1–P5, T01–T15, R01–R05)"
            )))
        }
    }
}

impl TryFrom<String> for QuirkId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<QuirkId> for String {
    fn from(q: QuirkId) -> String {
        q.0
    }
}

impl fmt::Display for QuirkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which quirk defences an adapter runs. All are on. Only a build with the `without-defences`
/// feature (the conformance suite, which turns one off with `--without-defence ID` to show what
/// it protects against) can turn one off: in any other build [`Defences::without`] does not
/// exist, so no value of this type has a defence off ([`Defences::SWITCHABLE`] says which build
/// this is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defences {
    disabled: BTreeSet<QuirkId>,
}

impl Defences {
    /// Every defence on.
    pub fn all() -> Self {
        Self::default()
    }

    /// Whether this build can turn defences off (the `without-defences` feature).
    pub const SWITCHABLE: bool = cfg!(feature = "without-defences");

    /// Every defence on except the given IDs (only in `without-defences` builds).
    #[cfg(feature = "without-defences")]
    pub fn without(ids: impl IntoIterator<Item = QuirkId>) -> Self {
        Self {
            disabled: ids.into_iter().collect(),
        }
    }

    /// Whether the defence for `id` (e.g. `"Q01"`) is on.
    pub fn is_on(&self, id: &str) -> bool {
        !self
            .disabled
            .iter()
            .any(|q| q.as_str().eq_ignore_ascii_case(id))
    }

    /// The IDs whose defence is off.
    pub fn disabled(&self) -> impl Iterator<Item = &QuirkId> {
        self.disabled.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_lists_every_id_of_quirks_md() {
        let c = QuirkId::catalog();
        assert_eq!(c.len(), 53);
        assert_eq!(c[0].as_str(), "Q01");
        assert_eq!(c[16].as_str(), "P1");
        assert_eq!(c[29].as_str(), "T09");
        assert!("Q28".parse::<QuirkId>().is_err());
        for id in ["Q24", "Q25", "Q29", "R01", "R05", "T11", "T15"] {
            assert!(id.parse::<QuirkId>().is_ok(), "{id}");
        }
        assert!("q7".parse::<QuirkId>().is_err());
        assert_eq!("q07".parse::<QuirkId>().unwrap().as_str(), "Q07");
    }

    #[cfg(feature = "without-defences")]
    #[test]
    fn defences_are_on_unless_disabled() {
        let d = Defences::without(["Q01".parse().unwrap()]);
        assert!(!d.is_on("Q01"));
        assert!(d.is_on("Q02"));
        assert!(Defences::all().is_on("Q01"));
    }

    /// A production build (no `without-defences` feature) has no way to turn a defence off:
    /// `Defences::without` does not exist there, and every catalog defence reads on. Run it
    /// without the feature: `cargo test -p grootboek-core --lib` (scripts/test.sh does).
    #[cfg(not(feature = "without-defences"))]
    #[test]
    fn a_production_build_cannot_switch_a_defence_off() {
        assert!(!Defences::SWITCHABLE);
        let d = Defences::all();
        assert!(QuirkId::catalog().iter().all(|q| d.is_on(q.as_str())));
        assert_eq!(d.disabled().count(), 0);
    }

    #[test]
    fn vendors_parse() {
        assert_eq!("Exact".parse::<Vendor>().unwrap(), Vendor::Exact);
        assert!("snelstart".parse::<Vendor>().is_err());
    }
}
