//! A live administration as a pre-flight harness: the adapter built from the vendor's environment
//! variables, and the pre-flight's fixture from `GROOTBOEK_PREFLIGHT_*`.
//!
//! | variable | meaning |
//! |---|---|
//! | `GROOTBOEK_PREFLIGHT_ADMINISTRATION` | administration (office, division) to test |
//! | `GROOTBOEK_PREFLIGHT_JOURNAL` | its sales journal (day book) |
//! | `GROOTBOEK_PREFLIGHT_ACCOUNT` | a revenue ledger account |
//! | `GROOTBOEK_PREFLIGHT_CUSTOMER` | a domestic test customer's code |
//! | `GROOTBOEK_PREFLIGHT_EU_CUSTOMER` | a test customer in another EU country |
//! | `GROOTBOEK_PREFLIGHT_EXPORT_CUSTOMER` | a test customer outside the EU |
//! | `GROOTBOEK_PREFLIGHT_VAT_HIGH` | domestic high-rate VAT code and rate, `CODE:RATE` (e.g. `VH:21`) |
//! | `GROOTBOEK_PREFLIGHT_VAT_ICP` | the intra-community VAT code, `CODE:0` |
//! | `GROOTBOEK_PREFLIGHT_VAT_EXPORT` | the export VAT code, `CODE:0` |
//! | `GROOTBOEK_PREFLIGHT_JOURNAL_COUNT` | how many journals the vendor's own screen shows (P3) |
//!
//! The vendor's own connection variables are read by its adapter (`GROOTBOEK_EXACT_*`,
//! `GROOTBOEK_TWINFIELD_*`, `GROOTBOEK_AFAS_*`; see each adapter's `from_env`).

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use grootboek_core::{Decimal, Ledger, Vendor};

use crate::case::Failure;
use crate::harness::{Fixture, Harness, SeedOpenItem, SeededVat};

/// A live administration (or a separately running simulator) reached through the vendor's
/// environment variables.
pub struct LiveHarness {
    vendor: Vendor,
    ledger: Arc<dyn Ledger>,
    fixture: Fixture,
    journal_count: usize,
}

fn var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<String, String> {
    lookup(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set (see the README's pre-flight section)"))
}

fn vat(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<SeededVat, String> {
    let v = var(lookup, name)?;
    let (code, rate) = v
        .split_once(':')
        .ok_or_else(|| format!("{name} must be CODE:RATE, e.g. VH:21 (got `{v}`)"))?;
    let rate: Decimal = rate
        .trim()
        .parse()
        .map_err(|_| format!("{name}: `{rate}` is not a VAT percentage"))?;
    Ok(SeededVat {
        code: code.trim().to_string(),
        rate,
    })
}

/// The pre-flight fixture and declared journal count from `GROOTBOEK_PREFLIGHT_*`.
pub fn fixture_from(lookup: &dyn Fn(&str) -> Option<String>) -> Result<(Fixture, usize), String> {
    let p = |n: &str| format!("GROOTBOEK_PREFLIGHT_{n}");
    let count_var = p("JOURNAL_COUNT");
    let count = var(lookup, &count_var)?;
    let journal_count = count
        .parse()
        .map_err(|_| format!("{count_var}: `{count}` is not a number"))?;
    let fixture = Fixture {
        administration: var(lookup, &p("ADMINISTRATION"))?,
        other_administration: None,
        other_administration_only_vat: None,
        sales_journal: var(lookup, &p("JOURNAL"))?,
        revenue_account: var(lookup, &p("ACCOUNT"))?,
        padded_account: None,
        domestic_customer: var(lookup, &p("CUSTOMER"))?,
        icp_customer: var(lookup, &p("EU_CUSTOMER"))?,
        export_customer: var(lookup, &p("EXPORT_CUSTOMER"))?,
        vat_high: vat(lookup, &p("VAT_HIGH"))?,
        vat_icp: vat(lookup, &p("VAT_ICP"))?,
        vat_export: vat(lookup, &p("VAT_EXPORT"))?,
    };
    Ok((fixture, journal_count))
}

impl LiveHarness {
    /// Connect to the administration the environment names.
    pub async fn from_env(vendor: Vendor) -> Result<Self, String> {
        let (fixture, journal_count) = fixture_from(&|n| std::env::var(n).ok())?;
        let ledger = grootboek::connect_from_env(vendor)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            vendor,
            ledger,
            fixture,
            journal_count,
        })
    }
}

#[async_trait]
impl Harness for LiveHarness {
    fn vendor(&self) -> Vendor {
        self.vendor
    }

    fn ledger(&self) -> Arc<dyn Ledger> {
        self.ledger.clone()
    }

    fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// Not observable on a live administration; no pre-flight check uses it.
    fn write_requests(&self) -> usize {
        0
    }

    /// Not observable on a live administration.
    fn requests(&self) -> Vec<(String, String, u16)> {
        Vec::new()
    }

    /// A live administration is never seeded: the journals walked are compared with the count
    /// the vendor's own screen shows (`GROOTBOEK_PREFLIGHT_JOURNAL_COUNT`).
    async fn seed_journals(&self, _n: usize) -> Result<(), Failure> {
        Ok(())
    }

    fn vendor_journal_count(&self) -> usize {
        self.journal_count
    }

    async fn seed_open_items(&self, _items: &[SeedOpenItem]) -> Result<(), Failure> {
        Err(Failure("a live administration is never seeded".into()))
    }

    fn set_quirk(&self, _id: &str, _on: bool) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (format!("GROOTBOEK_PREFLIGHT_{k}"), v.to_string()))
            .collect();
        move |n| map.get(n).cloned()
    }

    const FULL: [(&str, &str); 10] = [
        ("ADMINISTRATION", "1"),
        ("JOURNAL", "10"),
        ("ACCOUNT", "8000"),
        ("CUSTOMER", "10001"),
        ("EU_CUSTOMER", "10002"),
        ("EXPORT_CUSTOMER", "10004"),
        ("VAT_HIGH", "1:21"),
        ("VAT_ICP", "4:0"),
        ("VAT_EXPORT", "6:0"),
        ("JOURNAL_COUNT", "3"),
    ];

    #[test]
    fn reads_the_whole_fixture() {
        let (fx, count) = fixture_from(&env(&FULL)).unwrap();
        assert_eq!(count, 3);
        assert_eq!(fx.vat_high.code, "1");
        assert_eq!(fx.vat_high.rate, Decimal::from(21));
        assert_eq!(fx.export_customer, "10004");
    }

    #[test]
    fn a_missing_or_bad_variable_is_one_clear_line() {
        let e = fixture_from(&env(&FULL[..9])).err().unwrap();
        assert!(
            e.contains("GROOTBOEK_PREFLIGHT_JOURNAL_COUNT is not set"),
            "{e}"
        );
        let mut bad = FULL;
        bad[6] = ("VAT_HIGH", "21");
        let e = fixture_from(&env(&bad)).err().unwrap();
        assert!(e.contains("CODE:RATE"), "{e}");
    }
}
