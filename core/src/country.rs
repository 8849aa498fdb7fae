//! ISO 3166-1 alpha-2 country codes and EU membership (for intra-community VAT, Q02).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// An ISO 3166-1 alpha-2 country code (`NL`, `BE`, …), upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

/// EU member states for VAT purposes, as ISO codes. (Greece's VAT prefix is `EL`, its ISO code `GR`.)
const EU_MEMBERS: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

impl CountryCode {
    /// The Netherlands.
    pub const NL: CountryCode = CountryCode(*b"NL");

    /// The two-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// Whether the country is an EU member state (intra-community supplies apply between two).
    pub fn is_eu(&self) -> bool {
        EU_MEMBERS.contains(&self.code())
    }
}

impl FromStr for CountryCode {
    type Err = Error;
    /// Parses a two-letter code, trimming the trailing spaces some vendors pad with.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            Ok(CountryCode([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
            ]))
        } else {
            Err(Error::new(
                ErrorKind::Validation,
                format!("`{s}` is not a two-letter ISO 3166 country code"),
            ))
        }
    }
}

impl TryFrom<String> for CountryCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.code().to_string()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_padded_codes_and_knows_the_eu() {
        let be: CountryCode = "be ".parse().unwrap();
        assert_eq!(be.code(), "BE");
        assert!(be.is_eu());
        assert!(!"GB".parse::<CountryCode>().unwrap().is_eu());
        assert!(!"CH".parse::<CountryCode>().unwrap().is_eu());
        assert!("NLD".parse::<CountryCode>().is_err());
        assert!("N1".parse::<CountryCode>().is_err());
    }
}
