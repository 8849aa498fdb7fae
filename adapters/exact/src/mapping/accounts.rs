//! `crm/Accounts` ⇄ customer and supplier [`Dimension`]s.

use grootboek_core::{CountryCode, Dimension, DimensionKind, DimensionPatch, Error, Patch, Result};
use serde_json::{json, Map, Value};

use crate::odata::{self, Row};

/// The fields read from `crm/Accounts`.
pub const SELECT: &[&str] = &[
    "ID",
    "Code",
    "Name",
    "Country",
    "VATNumber",
    "Email",
    "ChamberOfCommerce",
    "Status",
    "IsSales",
    "IsSupplier",
    "Blocked",
];

/// Read an account as a dimension of `kind` (customer or supplier).
pub fn from_wire(row: &Row, kind: DimensionKind) -> Result<Dimension> {
    let code = odata::required_string(row, "Code", "account")?;
    let country = match odata::string(row, "Country") {
        Some(c) => Some(c.parse::<CountryCode>().map_err(|_| {
            Error::protocol(format!("account {code} has country `{c}`, not an ISO code"))
        })?),
        None => None,
    };
    Ok(Dimension {
        kind,
        name: odata::string(row, "Name").unwrap_or_default(),
        country,
        vat_number: odata::string(row, "VATNumber"),
        email: odata::string(row, "Email"),
        coc_number: odata::string(row, "ChamberOfCommerce"),
        code,
    })
}

/// Whether an account row is of `kind`: customers have `IsSales` or a customer `Status`,
/// suppliers `IsSupplier` (one account can be both).
pub fn is_kind(row: &Row, kind: DimensionKind) -> bool {
    match kind {
        DimensionKind::Customer => {
            odata::boolean(row, "IsSales") == Some(true)
                || odata::string(row, "Status").as_deref() == Some("C")
        }
        DimensionKind::Supplier => odata::boolean(row, "IsSupplier") == Some(true),
        _ => false,
    }
}

/// The POST body of a new account (or the full PUT body of an upsert).
pub fn to_wire(d: &Dimension) -> Value {
    let mut m = Map::new();
    m.insert("Code".into(), json!(d.code));
    m.insert("Name".into(), json!(d.name));
    if let Some(c) = d.country {
        m.insert("Country".into(), json!(c.code()));
    }
    if let Some(v) = &d.vat_number {
        m.insert("VATNumber".into(), json!(v));
    }
    if let Some(v) = &d.email {
        m.insert("Email".into(), json!(v));
    }
    if let Some(v) = &d.coc_number {
        m.insert("ChamberOfCommerce".into(), json!(v));
    }
    match d.kind {
        DimensionKind::Customer => {
            m.insert("Status".into(), json!("C"));
            m.insert("IsSales".into(), json!(true));
        }
        DimensionKind::Supplier => {
            m.insert("IsSupplier".into(), json!(true));
        }
        _ => {}
    }
    Value::Object(m)
}

/// The full PUT body of an upsert over an existing account: every field of the dimension, a
/// field the dimension leaves empty cleared with `null` (an upsert overwrites).
pub fn to_wire_overwrite(d: &Dimension) -> Value {
    let mut v = to_wire(d);
    if let Value::Object(m) = &mut v {
        for field in ["Country", "VATNumber", "Email", "ChamberOfCommerce"] {
            m.entry(field).or_insert(Value::Null);
        }
    }
    v
}

/// The PUT body of a patch: kept fields are left out, cleared fields are `null`.
pub fn patch_to_wire(p: &DimensionPatch) -> Value {
    fn put<T>(m: &mut Map<String, Value>, field: &str, p: &Patch<T>, f: impl Fn(&T) -> Value) {
        match p {
            Patch::Keep => {}
            Patch::Clear => {
                m.insert(field.into(), Value::Null);
            }
            Patch::Set(v) => {
                m.insert(field.into(), f(v));
            }
        }
    }
    let mut m = Map::new();
    put(&mut m, "Name", &p.name, |v| json!(v));
    put(&mut m, "Country", &p.country, |c| json!(c.code()));
    put(&mut m, "VATNumber", &p.vat_number, |v| json!(v));
    put(&mut m, "Email", &p.email, |v| json!(v));
    put(&mut m, "ChamberOfCommerce", &p.coc_number, |v| json!(v));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Row {
        let v: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/account.json")).unwrap();
        crate::odata::page_of_value(&v).unwrap().rows.remove(0)
    }

    #[test]
    fn reads_padded_code_and_country() {
        let row = fixture();
        let d = from_wire(&row, DimensionKind::Customer).unwrap();
        assert_eq!(d.code, "8");
        assert_eq!(d.country, Some("BE".parse().unwrap()));
        assert_eq!(d.vat_number.as_deref(), Some("BE0123456789"));
        assert!(is_kind(&row, DimensionKind::Customer));
        assert!(!is_kind(&row, DimensionKind::Supplier));
    }

    #[test]
    fn writes_customers_and_patches() {
        let d = Dimension::customer("C1", "Acme", "BE".parse().unwrap());
        let v = to_wire(&d);
        assert_eq!(v["Code"], "C1");
        assert_eq!(v["Country"], "BE");
        assert_eq!(v["IsSales"], true);
        assert!(v.get("Email").is_none());
        assert_eq!(to_wire_overwrite(&d)["Email"], Value::Null);
        let p = DimensionPatch {
            email: Patch::Clear,
            name: Patch::Set("New".into()),
            ..Default::default()
        };
        let w = patch_to_wire(&p);
        assert_eq!(w["Email"], Value::Null);
        assert_eq!(w["Name"], "New");
        assert!(w.get("Country").is_none());
    }
}
