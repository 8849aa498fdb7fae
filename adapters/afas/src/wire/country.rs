//! AFAS country codes ⇄ ISO 3166-1 alpha-2.
//!
//! AFAS does not use ISO codes: most European countries have their international vehicle
//! registration code (`B` Belgium, `D` Germany, `F` France, `E` Spain, `I` Italy, `P` Portugal,
//! `S` Sweden, `A` Austria, `L` Luxembourg, `H` Hungary, `M` Malta, `FIN`, `IRL`, `SLO`…), the
//! United States is `USA`, and a few two-letter AFAS codes are *another* country's ISO code (`AS`
//! is Saudi Arabia in AFAS, American Samoa in ISO; `RU` is Burundi in AFAS). So a value read from
//! AFAS is always looked up as an AFAS code, and an ISO code is always converted before it is sent.
//!
//! Sources: `reference/afas.md` (AFAS country codes ≠ ISO) and the country lists of public AFAS
//! client libraries, re-typed here as facts. The table covers the EU, the EEA, and the countries a
//! Dutch administration commonly invoices.

use grootboek_core::{CountryCode, Error, Result};

/// One country: ISO code, AFAS code, English name, Dutch name.
struct Country {
    iso: &'static str,
    afas: &'static str,
    en: &'static str,
    nl: &'static str,
}

const fn c(iso: &'static str, afas: &'static str, en: &'static str, nl: &'static str) -> Country {
    Country { iso, afas, en, nl }
}

/// The table. ISO codes and AFAS codes are each unique.
const COUNTRIES: &[Country] = &[
    // The EU (27).
    c("AT", "A", "Austria", "Oostenrijk"),
    c("BE", "B", "Belgium", "België"),
    c("BG", "BG", "Bulgaria", "Bulgarije"),
    c("CY", "CY", "Cyprus", "Cyprus"),
    c("CZ", "CZ", "Czech Republic", "Tsjechië"),
    c("DE", "D", "Germany", "Duitsland"),
    c("DK", "DK", "Denmark", "Denemarken"),
    c("EE", "EE", "Estonia", "Estland"),
    c("ES", "E", "Spain", "Spanje"),
    c("FI", "FIN", "Finland", "Finland"),
    c("FR", "F", "France", "Frankrijk"),
    c("GR", "GR", "Greece", "Griekenland"),
    c("HR", "HR", "Croatia", "Kroatië"),
    c("HU", "H", "Hungary", "Hongarije"),
    c("IE", "IRL", "Ireland", "Ierland"),
    c("IT", "I", "Italy", "Italië"),
    c("LT", "LT", "Lithuania", "Litouwen"),
    c("LU", "L", "Luxembourg", "Luxemburg"),
    c("LV", "LV", "Latvia", "Letland"),
    c("MT", "M", "Malta", "Malta"),
    c("NL", "NL", "Netherlands", "Nederland"),
    c("PL", "PL", "Poland", "Polen"),
    c("PT", "P", "Portugal", "Portugal"),
    c("RO", "RO", "Romania", "Roemenië"),
    c("SE", "S", "Sweden", "Zweden"),
    c("SI", "SLO", "Slovenia", "Slovenië"),
    c("SK", "SK", "Slovakia", "Slowakije"),
    // The rest of Europe.
    c("AD", "AND", "Andorra", "Andorra"),
    c("AL", "AL", "Albania", "Albanië"),
    c(
        "BA",
        "BA",
        "Bosnia and Herzegovina",
        "Bosnië en Herzegovina",
    ),
    c("BY", "BY", "Belarus", "Wit-Rusland"),
    c("CH", "CH", "Switzerland", "Zwitserland"),
    c("GB", "GB", "United Kingdom", "Verenigd Koninkrijk"),
    c("GI", "GIB", "Gibraltar", "Gibraltar"),
    c("IS", "IS", "Iceland", "IJsland"),
    c("LI", "FL", "Liechtenstein", "Liechtenstein"),
    c("MC", "MC", "Monaco", "Monaco"),
    c("MD", "MD", "Moldova", "Moldavië"),
    c("MK", "MK", "North Macedonia", "Noord-Macedonië"),
    c("NO", "N", "Norway", "Noorwegen"),
    c("RS", "SRB", "Serbia", "Servië"),
    c("RU", "RUS", "Russian Federation", "Rusland"),
    c("SM", "RSM", "San Marino", "San Marino"),
    c("TR", "TR", "Turkey", "Turkije"),
    c("UA", "UA", "Ukraine", "Oekraïne"),
    c("VA", "VAT", "Vatican City", "Vaticaanstad"),
    // The Dutch Caribbean and Suriname.
    c("AW", "AW", "Aruba", "Aruba"),
    c("SR", "SME", "Suriname", "Suriname"),
    // Others commonly invoiced.
    c(
        "AE",
        "AE",
        "United Arab Emirates",
        "Verenigde Arabische Emiraten",
    ),
    c("AR", "RA", "Argentina", "Argentinië"),
    c("AU", "AUS", "Australia", "Australië"),
    c("BR", "BR", "Brazil", "Brazilië"),
    c("CA", "CDN", "Canada", "Canada"),
    c("CL", "RCH", "Chile", "Chili"),
    c("CN", "CN", "China", "China"),
    c("EG", "ET", "Egypt", "Egypte"),
    c("HK", "HK", "Hong Kong", "Hongkong"),
    c("ID", "RI", "Indonesia", "Indonesië"),
    c("IL", "IL", "Israel", "Israël"),
    c("IN", "IND", "India", "India"),
    c("JP", "J", "Japan", "Japan"),
    c("KR", "ROK", "South Korea", "Zuid-Korea"),
    c("MA", "MA", "Morocco", "Marokko"),
    c("MX", "MEX", "Mexico", "Mexico"),
    c("MY", "MAL", "Malaysia", "Maleisië"),
    c("NG", "WAN", "Nigeria", "Nigeria"),
    c("NZ", "NZ", "New Zealand", "Nieuw-Zeeland"),
    c("PH", "RP", "Philippines", "Filipijnen"),
    c("QA", "QA", "Qatar", "Qatar"),
    c("SA", "AS", "Saudi Arabia", "Saoedi-Arabië"),
    c("SG", "SGP", "Singapore", "Singapore"),
    c("TH", "T", "Thailand", "Thailand"),
    c("TW", "RC", "Taiwan", "Taiwan"),
    c("US", "USA", "United States", "Verenigde Staten"),
    c("VN", "VN", "Viet Nam", "Vietnam"),
    c("ZA", "ZA", "South Africa", "Zuid-Afrika"),
];

/// The AFAS code of an ISO country; a country outside the table is refused before the wire.
pub fn iso_to_afas(iso: CountryCode) -> Result<&'static str> {
    COUNTRIES
        .iter()
        .find(|c| c.iso == iso.code())
        .map(|c| c.afas)
        .ok_or_else(|| {
            Error::validation(format!(
                "Country {iso} has no known AFAS country code; add it to the AFAS country table."
            ))
        })
}

/// The ISO country of an AFAS code (`B` → `BE`), `None` for a code outside the table.
pub fn afas_to_iso(afas: &str) -> Option<CountryCode> {
    let code = afas.trim();
    COUNTRIES
        .iter()
        .find(|c| c.afas.eq_ignore_ascii_case(code))
        .and_then(|c| c.iso.parse().ok())
}

/// The ISO country of a value a GetConnector shows for a country: an AFAS code, or the
/// country's name in English or Dutch (some connectors show the name).
pub fn afas_country_value_to_iso(value: &str) -> Option<CountryCode> {
    let v = value.trim();
    afas_to_iso(v).or_else(|| {
        COUNTRIES
            .iter()
            .find(|c| c.en.eq_ignore_ascii_case(v) || c.nl.eq_ignore_ascii_case(v))
            .and_then(|c| c.iso.parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn iso(s: &str) -> CountryCode {
        s.parse().unwrap()
    }

    #[test]
    fn codes_are_unique_both_ways() {
        let isos: BTreeSet<_> = COUNTRIES.iter().map(|c| c.iso).collect();
        let afas: BTreeSet<_> = COUNTRIES.iter().map(|c| c.afas).collect();
        assert_eq!(isos.len(), COUNTRIES.len());
        assert_eq!(afas.len(), COUNTRIES.len());
    }

    #[test]
    fn every_eu_member_is_in_the_table_and_round_trips() {
        let eu: Vec<_> = COUNTRIES.iter().filter(|c| iso(c.iso).is_eu()).collect();
        assert_eq!(eu.len(), 27);
        for c in COUNTRIES {
            let code = iso(c.iso);
            let afas = iso_to_afas(code).unwrap();
            assert_eq!(afas, c.afas);
            assert_eq!(afas_to_iso(afas), Some(code), "{}", c.iso);
        }
    }

    #[test]
    fn known_differences_map_both_ways() {
        for (i, a) in [
            ("BE", "B"),
            ("DE", "D"),
            ("FR", "F"),
            ("LU", "L"),
            ("AT", "A"),
            ("ES", "E"),
            ("IT", "I"),
            ("PT", "P"),
            ("SE", "S"),
            ("US", "USA"),
            ("NL", "NL"),
            ("IE", "IRL"),
            ("FI", "FIN"),
            ("SI", "SLO"),
        ] {
            assert_eq!(iso_to_afas(iso(i)).unwrap(), a);
            assert_eq!(afas_to_iso(a), Some(iso(i)));
        }
        // AFAS `AS` is Saudi Arabia, not ISO American Samoa.
        assert_eq!(afas_to_iso("AS"), Some(iso("SA")));
        // Lower case and padding are tolerated on read.
        assert_eq!(afas_to_iso(" b "), Some(iso("BE")));
        assert_eq!(afas_to_iso("XX"), None);
        assert!(iso_to_afas(iso("KP")).is_err());
    }

    #[test]
    fn names_are_understood() {
        assert_eq!(afas_country_value_to_iso("België"), Some(iso("BE")));
        assert_eq!(afas_country_value_to_iso("Germany"), Some(iso("DE")));
        assert_eq!(afas_country_value_to_iso("D"), Some(iso("DE")));
    }
}
