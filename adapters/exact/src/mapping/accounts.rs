//! `crm/Accounts` ⇄ customer and supplier [`Dimension`]s.

use grootboek_core::json::{JsonObject, JsonOut};
use grootboek_core::{CountryCode, Dimension, DimensionKind, DimensionPatch, Error, Patch, Result};

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
pub fn to_wire(d: &Dimension) -> JsonOut {
    fields(d).build()
}

fn fields(d: &Dimension) -> JsonObject {
    let mut m = JsonOut::object()
        .with("Code", &d.code)
        .with("Name", &d.name)
        .with_opt("Country", d.country.as_ref().map(|c| c.code()))
        .with_opt("VATNumber", d.vat_number.as_ref())
        .with_opt("Email", d.email.as_ref())
        .with_opt("ChamberOfCommerce", d.coc_number.as_ref());
    match d.kind {
        DimensionKind::Customer => {
            m.insert("Status", "C");
            m.insert("IsSales", true);
        }
        DimensionKind::Supplier => {
            m.insert("IsSupplier", true);
        }
        _ => {}
    }
    m
}

/// The full PUT body of an upsert over an existing account: every field of the dimension, a
/// field the dimension leaves empty cleared with `null` (an upsert overwrites).
pub fn to_wire_overwrite(d: &Dimension) -> JsonOut {
    let mut m = fields(d);
    for field in ["Country", "VATNumber", "Email", "ChamberOfCommerce"] {
        m.insert_null_if_absent(field);
    }
    m.build()
}

/// The PUT body of a patch: kept fields are left out, cleared fields are `null`.
pub fn patch_to_wire(p: &DimensionPatch) -> JsonOut {
    fn put<T>(m: &mut JsonObject, field: &str, p: &Patch<T>, f: impl Fn(&T) -> JsonOut) {
        match p {
            Patch::Keep => {}
            Patch::Clear => m.insert(field, JsonOut::Null),
            Patch::Set(v) => m.insert(field, f(v)),
        }
    }
    let mut m = JsonOut::object();
    put(&mut m, "Name", &p.name, |v| v.into());
    put(&mut m, "Country", &p.country, |c| c.code().into());
    put(&mut m, "VATNumber", &p.vat_number, |v| v.into());
    put(&mut m, "Email", &p.email, |v| v.into());
    put(&mut m, "ChamberOfCommerce", &p.coc_number, |v| v.into());
    m.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Row {
        crate::odata::parse_page(include_bytes!("../../tests/fixtures/account.json"))
            .unwrap()
            .rows
            .remove(0)
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
        assert_eq!(v.get("Code"), Some(&JsonOut::from("C1")));
        assert_eq!(v.get("Country"), Some(&JsonOut::from("BE")));
        assert_eq!(v.get("IsSales"), Some(&JsonOut::Bool(true)));
        assert!(v.get("Email").is_none());
        assert_eq!(to_wire_overwrite(&d).get("Email"), Some(&JsonOut::Null));
        assert_eq!(
            to_wire_overwrite(&d).get("Country"),
            Some(&JsonOut::from("BE"))
        );
        let p = DimensionPatch {
            email: Patch::Clear,
            name: Patch::Set("New".into()),
            ..Default::default()
        };
        let w = patch_to_wire(&p);
        assert_eq!(w.get("Email"), Some(&JsonOut::Null));
        assert_eq!(w.get("Name"), Some(&JsonOut::from("New")));
        assert!(w.get("Country").is_none());
    }
}
