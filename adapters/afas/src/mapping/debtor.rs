//! Debtors: `Profit_Debtor` rows ⇄ core customers, and `KnSalesRelationOrg` bodies (with the
//! nested `KnOrganisation` and its `KnBasicAddressAdr`).
//!
//! Note the two meanings of `VaId`: on `KnSalesRelationOrg` it is the relation's **VAT number**;
//! on `FiEntries` lines it is a **VAT code**.

use grootboek_core::{Dimension, DimensionKind, DimensionPatch, Patch, Result};
use serde_json::{json, Map, Value};

use crate::wire::country::{afas_country_value_to_iso, iso_to_afas};
use crate::wire::row::Row;

/// The UpdateConnector of debtors.
pub const CONNECTOR: &str = "KnSalesRelationOrg";

/// A debtor as read, with the organisation number needed to address the nested organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfasDebtor {
    /// The core customer.
    pub dimension: Dimension,
    /// `BcCo`: the organisation's number (key of the nested `KnOrganisation`).
    pub organisation: Option<String>,
}

/// `Profit_Debtor` row → customer. The country may be an AFAS code or a country name
/// (`AdressLine4` shows the name on some connectors).
pub fn debtor_from_row(row: &Row) -> Result<AfasDebtor> {
    let code = row.required_text("DebtorId", "debtor")?;
    let name = row
        .text_any(&["DebtorName", "Name", "Nm"])
        .unwrap_or_default();
    let country_text = row.text_any(&["CountryId", "CoId", "Country", "AdressLine4"]);
    let country = country_text.as_deref().and_then(|c| {
        let iso = afas_country_value_to_iso(c);
        if iso.is_none() {
            tracing::warn!(debtor = %code, country = c, "afas: unknown country code");
        }
        iso
    });
    let mut d = Dimension::new(DimensionKind::Customer, code, name);
    d.country = country;
    d.vat_number = row.text_any(&["VatNr", "VaId"]);
    d.email = row.text_any(&["Email", "EmAd"]);
    d.coc_number = row.text_any(&["ChOfCommNr", "CcNr"]);
    Ok(AfasDebtor {
        dimension: d,
        organisation: row.text("BcCo"),
    })
}

fn fields_of(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.get_mut("Fields").and_then(Value::as_object_mut)
}

/// The `KnSalesRelationOrg` body that creates a debtor (POST), or overwrites it (PUT, upsert).
///
/// `organisation`: `None` creates a new organisation (`MatchOga` 6, numbered by AFAS); `Some`
/// addresses the existing one (`MatchOga` 0 on `BcCo`).
pub fn debtor_body(d: &Dimension, organisation: Option<&str>, currency: &str) -> Result<Value> {
    let mut rel = json!({ "IsDb": true, "CuId": currency, "VaDu": "1" });
    let mut org = match organisation {
        None => json!({"Fields": {"PadAdr": true, "AutoNum": true, "MatchOga": "6", "Nm": d.name}}),
        Some(bcco) => json!({"Fields": {"MatchOga": "0", "BcCo": bcco, "Nm": d.name}}),
    };
    if let Some(v) = &d.vat_number {
        rel["VaId"] = json!(v);
    }
    if let Some(f) = fields_of(&mut org) {
        if let Some(e) = &d.email {
            f.insert("EmAd".into(), json!(e));
        }
        if let Some(c) = &d.coc_number {
            f.insert("CcNr".into(), json!(c));
        }
    }
    if let Some(c) = d.country {
        org["Objects"] = json!({"KnBasicAddressAdr": {"Element": {"Fields": {"CoId": iso_to_afas(c)?, "PbAd": false}}}});
    }
    Ok(json!({ CONNECTOR: { "Element": {
        "@DbId": d.code,
        "Fields": rel,
        "Objects": { "KnOrganisation": { "Element": org } }
    }}}))
}

/// The value a patch field sends: absent for keep, `null` for clear (Q09: never `""`; with the
/// Q09 defence off, clear is sent as `""`, AFAS's documented but unreliable way), the value for set.
fn patch_value<T>(
    p: &Patch<T>,
    q09: bool,
    show: impl Fn(&T) -> Result<Value>,
) -> Result<Option<Value>> {
    Ok(match p {
        Patch::Keep => None,
        Patch::Clear if q09 => Some(Value::Null),
        Patch::Clear => Some(json!("")),
        Patch::Set(v) => Some(show(v)?),
    })
}

/// The `KnSalesRelationOrg` PUT body of a patch (tri-state per field, Q09).
pub fn patch_body(
    code: &str,
    organisation: Option<&str>,
    patch: &DimensionPatch,
    q09: bool,
) -> Result<Value> {
    let text = |s: &String| Ok(json!(s));
    let mut rel = Map::new();
    if let Some(v) = patch_value(&patch.vat_number, q09, text)? {
        rel.insert("VaId".into(), v);
    }
    let mut org_fields = Map::new();
    for (key, p) in [
        ("Nm", &patch.name),
        ("EmAd", &patch.email),
        ("CcNr", &patch.coc_number),
    ] {
        if let Some(v) = patch_value(p, q09, text)? {
            org_fields.insert(key.into(), v);
        }
    }
    let country = patch_value(&patch.country, q09, |c| Ok(json!(iso_to_afas(*c)?)))?;
    let mut element = json!({ "@DbId": code, "Fields": rel });
    if !org_fields.is_empty() || country.is_some() {
        // Address the relation's organisation by its number when AFAS showed it (`MatchOga` 0
        // on `BcCo`); without it the nested organisation is the relation's own.
        if let Some(bcco) = organisation {
            org_fields.insert("MatchOga".into(), json!("0"));
            org_fields.insert("BcCo".into(), json!(bcco));
        }
        let mut org = json!({ "Fields": org_fields });
        if let Some(c) = country {
            org["Objects"] = json!({"KnBasicAddressAdr": {"Element": {"Fields": {"CoId": c}}}});
        }
        element["Objects"] = json!({ "KnOrganisation": { "Element": org } });
    }
    Ok(json!({ CONNECTOR: { "Element": element } }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use grootboek_core::CountryCode;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => Row(m),
            _ => Row::default(),
        }
    }

    #[test]
    fn row_to_customer_maps_the_afas_country() {
        let d = debtor_from_row(&row(json!({"DebtorId": "10004", "DebtorName": "Brussels Machine Parts", "AdressLine4": "B", "VatNr": "BE0123456789", "Email": null, "ChOfCommNr": null, "BcCo": "1000241"}))).unwrap();
        assert_eq!(
            d.dimension.country.map(|c| c.to_string()).as_deref(),
            Some("BE")
        );
        assert_eq!(d.dimension.vat_number.as_deref(), Some("BE0123456789"));
        assert_eq!(d.organisation.as_deref(), Some("1000241"));
        assert!(debtor_from_row(&row(json!({"DebtorName": "x"}))).is_err());
    }

    #[test]
    fn create_body_uses_afas_country_and_vat_number() {
        let mut d = Dimension::customer("20010", "Jansen", "DE".parse::<CountryCode>().unwrap());
        d.vat_number = Some("DE123456789".into());
        let b = debtor_body(&d, None, "EUR").unwrap();
        let e = &b["KnSalesRelationOrg"]["Element"];
        assert_eq!(e["@DbId"], "20010");
        assert_eq!(e["Fields"]["VaId"], "DE123456789");
        let org = &e["Objects"]["KnOrganisation"]["Element"];
        assert_eq!(org["Fields"]["MatchOga"], "6");
        assert_eq!(
            org["Objects"]["KnBasicAddressAdr"]["Element"]["Fields"]["CoId"],
            "D"
        );
    }

    #[test]
    fn q09_patch_clears_with_null_keeps_by_absence() {
        let p = DimensionPatch {
            email: Patch::Clear,
            vat_number: Patch::Set("NL1B01".into()),
            ..Default::default()
        };
        let b = patch_body("10004", Some("1000241"), &p, true).unwrap();
        let e = &b["KnSalesRelationOrg"]["Element"];
        assert_eq!(e["Fields"]["VaId"], "NL1B01");
        let org = &e["Objects"]["KnOrganisation"]["Element"]["Fields"];
        assert!(org["EmAd"].is_null() && org.as_object().is_some_and(|o| o.contains_key("EmAd")));
        assert!(!org.as_object().is_some_and(|o| o.contains_key("Nm")));
        assert!(!org.as_object().is_some_and(|o| o.contains_key("CcNr")));
        // Without the defence, clear is the empty string.
        let b = patch_body("10004", Some("1000241"), &p, false).unwrap();
        assert_eq!(
            b["KnSalesRelationOrg"]["Element"]["Objects"]["KnOrganisation"]["Element"]["Fields"]
                ["EmAd"],
            ""
        );
        // A relation-only patch needs no organisation.
        let p = DimensionPatch {
            vat_number: Patch::Clear,
            ..Default::default()
        };
        let b = patch_body("10004", None, &p, true).unwrap();
        assert!(b["KnSalesRelationOrg"]["Element"]["Fields"]["VaId"].is_null());
        assert!(b["KnSalesRelationOrg"]["Element"].get("Objects").is_none());
        let p = DimensionPatch {
            email: Patch::Clear,
            ..Default::default()
        };
        let b = patch_body("10004", None, &p, true).unwrap();
        let org =
            &b["KnSalesRelationOrg"]["Element"]["Objects"]["KnOrganisation"]["Element"]["Fields"];
        assert!(org["EmAd"].is_null() && org.get("BcCo").is_none());
    }
}
