//! AFAS's own country codes (`CoId`), which are not ISO 3166: Belgium is `B`, Germany `D`,
//! Austria `A`, Finland `FIN`, Ireland `IRL`, Slovenia `SLO`, the United States `USA`, … The
//! simulator knows the EU members and a handful of others; an ISO code that is not also an AFAS
//! code (`BE`, `DE`, `AT`, `IE`, …) is refused like an unknown country.

/// One country: AFAS code, ISO 3166-1 alpha-2 code, name, EU member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// The AFAS code (`CoId`).
    pub afas: &'static str,
    /// The ISO 3166-1 alpha-2 code.
    pub iso: &'static str,
    /// The name AFAS shows.
    pub name: &'static str,
    /// Whether it is an EU member state (for ICP).
    pub eu: bool,
}

const fn c(afas: &'static str, iso: &'static str, name: &'static str, eu: bool) -> Country {
    Country {
        afas,
        iso,
        name,
        eu,
    }
}

/// The countries the simulator knows.
pub const COUNTRIES: &[Country] = &[
    c("NL", "NL", "Nederland", true),
    c("B", "BE", "België", true),
    c("D", "DE", "Duitsland", true),
    c("F", "FR", "Frankrijk", true),
    c("L", "LU", "Luxemburg", true),
    c("A", "AT", "Oostenrijk", true),
    c("E", "ES", "Spanje", true),
    c("I", "IT", "Italië", true),
    c("P", "PT", "Portugal", true),
    c("S", "SE", "Zweden", true),
    c("FIN", "FI", "Finland", true),
    c("DK", "DK", "Denemarken", true),
    c("IRL", "IE", "Ierland", true),
    c("GR", "GR", "Griekenland", true),
    c("PL", "PL", "Polen", true),
    c("CZ", "CZ", "Tsjechië", true),
    c("SK", "SK", "Slowakije", true),
    c("SLO", "SI", "Slovenië", true),
    c("H", "HU", "Hongarije", true),
    c("HR", "HR", "Kroatië", true),
    c("RO", "RO", "Roemenië", true),
    c("BG", "BG", "Bulgarije", true),
    c("EE", "EE", "Estland", true),
    c("LV", "LV", "Letland", true),
    c("LT", "LT", "Litouwen", true),
    c("M", "MT", "Malta", true),
    c("CY", "CY", "Cyprus", true),
    c("GB", "GB", "Verenigd Koninkrijk", false),
    c("CH", "CH", "Zwitserland", false),
    c("N", "NO", "Noorwegen", false),
    c("USA", "US", "Verenigde Staten", false),
    c("J", "JP", "Japan", false),
    c("CDN", "CA", "Canada", false),
    c("TR", "TR", "Turkije", false),
];

/// The country with this AFAS code (case-insensitive).
pub fn by_afas_code(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.afas.eq_ignore_ascii_case(code.trim()))
}

/// The country with this ISO code (case-insensitive); for translating in tests and seeds.
pub fn by_iso_code(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.iso.eq_ignore_ascii_case(code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_codes_are_not_afas_codes() {
        assert!(by_afas_code("B").is_some());
        assert!(by_afas_code("BE").is_none());
        assert!(by_afas_code("DE").is_none());
        assert_eq!(by_iso_code("AT").map(|c| c.afas), Some("A"));
        assert_eq!(by_afas_code("nl").map(|c| c.eu), Some(true));
    }
}
