//! Metainfo: `GET /metainfo`, `/metainfo/get/{id}`, `/metainfo/update/{id}` and `/ProfitVersion`.

use serde_json::{json, Value};

use super::countries::COUNTRIES;
use super::error::AfasError;
use super::get::{fields, FieldType};
use super::model::GetConnectorKind;
use super::state::AfasState;
use super::update::{debtor, fientries};

/// The Profit version the simulator reports (a Profit 6 version, matching its `-.5` decimals).
pub const PROFIT_VERSION: &str = "6.6.9";

/// The UpdateConnectors the simulator serves, with their descriptions.
pub const UPDATE_CONNECTORS: &[(&str, &str)] = &[
    ("FiEntries", "Financiële mutaties"),
    (debtor::ROOT, "Debiteur (organisatie)"),
];

/// `GET /metainfo`.
pub fn overview(state: &AfasState) -> Value {
    let gets: Vec<Value> = GetConnectorKind::ALL
        .iter()
        .map(|k| (state.name_of(*k), k.description()))
        .filter(|(id, _)| !state.is_withheld(id))
        .map(|(id, d)| json!({"id": id, "description": d}))
        .collect();
    let updates: Vec<Value> = UPDATE_CONNECTORS
        .iter()
        .filter(|(id, _)| !state.is_withheld(id))
        .map(|(id, d)| json!({"id": id, "description": d}))
        .collect();
    json!({
        "updateConnectors": updates,
        "getConnectors": gets,
        "info": {
            "envid": "O12345AA",
            "appName": "grootboek-sim",
            "group": "AuthorizationGroup 1 (12345.SIM)",
            "tokenExpiry": "0",
        }
    })
}

/// `GET /metainfo/get/{id}`.
pub fn get_connector(state: &AfasState, id: &str) -> Result<Value, AfasError> {
    let kind = state.kind_of(id).ok_or_else(not_supported_get)?;
    let list: Vec<Value> = fields(kind)
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (length, decimals) = match f.ty {
                FieldType::Str => (50, 0),
                FieldType::Int => (9, 0),
                FieldType::Dec => (18, 2),
                FieldType::Bool => (1, 0),
                FieldType::Date => (20, 0),
            };
            json!({
                "id": f.id,
                "fieldId": format!("U{:03}", i + 1),
                "dataType": f.ty.name(),
                "label": f.label,
                "length": length,
                "controlType": 1,
                "decimals": decimals,
                "decimalsFieldId": "",
            })
        })
        .collect();
    Ok(json!({"name": state.name_of(kind), "description": kind.description(), "fields": list}))
}

fn uf(
    id: &str,
    data_type: &str,
    label: &str,
    mandatory: bool,
    length: u32,
    values: Value,
) -> Value {
    json!({
        "fieldId": id,
        "primaryKey": false,
        "dataType": data_type,
        "label": label,
        "mandatory": mandatory,
        "length": length,
        "decimals": if data_type == "decimal" { 2 } else { 0 },
        "decimalFieldId": "",
        "notzero": false,
        "controlType": 1,
        "values": values,
    })
}

fn code_values(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(id, d)| json!({"id": id, "description": d}))
            .collect(),
    )
}

/// `GET /metainfo/update/{id}`.
pub fn update_connector(id: &str) -> Result<Value, AfasError> {
    if id.eq_ignore_ascii_case("FiEntries") {
        let line_fields = vec![
            uf(
                "VaAs",
                "string",
                "Kenmerk rekening",
                true,
                1,
                code_values(&[
                    ("1", "Grootboekrekening"),
                    ("2", "Debiteur"),
                    ("3", "Crediteur"),
                ]),
            ),
            uf("AcNr", "string", "Rekeningnummer", true, 16, Value::Null),
            uf("EnDa", "date", "Boekdatum", true, 0, Value::Null),
            uf("BpDa", "date", "Boekstukdatum", true, 0, Value::Null),
            uf("BpNr", "string", "Boekstuknummer", false, 32, Value::Null),
            uf("InId", "string", "Factuurnummer", false, 12, Value::Null),
            uf(
                "Ds",
                "string",
                "Omschrijving boeking",
                false,
                255,
                Value::Null,
            ),
            uf("AmDe", "decimal", "Bedrag debet", false, 0, Value::Null),
            uf("AmCr", "decimal", "Bedrag credit", false, 0, Value::Null),
            uf("VaId", "string", "Btw-code", false, 3, Value::Null),
            uf("DaEx", "date", "Vervaldatum", false, 0, Value::Null),
        ];
        return Ok(json!({
            "name": fientries::ROOT,
            "description": "Financiële mutaties",
            "fields": [
                uf("Year", "int", "Boekjaar", true, 4, Value::Null),
                uf("Peri", "int", "Periode", true, 3, Value::Null),
                uf("UnId", "int", "Administratie", false, 9, Value::Null),
                uf("JoCo", "string", "Dagboek", true, 6, Value::Null),
                uf("AuNu", "boolean", "Factuurnummer automatisch", false, 1, Value::Null),
            ],
            "objects": [{"name": "FiEntries", "fields": line_fields, "objects": []}],
        }));
    }
    if id.eq_ignore_ascii_case(debtor::ROOT) {
        let countries: Vec<Value> = COUNTRIES
            .iter()
            .map(|c| json!({"id": c.afas, "description": c.name}))
            .collect();
        let address = json!({
            "name": "KnBasicAddressAdr",
            "fields": [
                uf("Ad", "string", "Straat", false, 60, Value::Null),
                uf("HmNr", "int", "Huisnummer", false, 10, Value::Null),
                uf("HmAd", "string", "Toev. aan huisnr.", false, 30, Value::Null),
                uf("ZpCd", "string", "Postcode", false, 15, Value::Null),
                uf("Rs", "string", "Woonplaats", false, 50, Value::Null),
                uf("CoId", "string", "Land", true, 3, Value::Array(countries)),
            ],
            "objects": [],
        });
        return Ok(json!({
            "name": debtor::ROOT,
            "description": "Debiteur (organisatie)",
            "fields": [
                uf("DbId", "string", "Nummer debiteur", false, 16, Value::Null),
                uf("IsDb", "boolean", "Is debiteur", false, 1, Value::Null),
                uf("VaId", "string", "Btw-identificatienummer", false, 21, Value::Null),
                uf("VaDu", "string", "Btw-plicht", false, 3, Value::Null),
                uf("PaCd", "string", "Betalingsvoorwaarde", false, 3, Value::Null),
                uf("CuId", "string", "Valuta", true, 3, Value::Null),
                uf("ColA", "string", "Verzamelrekening", false, 16, Value::Null),
                uf("InPv", "string", "Voorkeur factuurverzending", false, 1, Value::Null),
                uf("Bl", "boolean", "Geblokkeerd", false, 1, Value::Null),
                uf("Krli", "decimal", "Kredietlimiet", false, 0, Value::Null),
                uf("Iban", "string", "IBAN", false, 40, Value::Null),
            ],
            "objects": [{
                "name": "KnOrganisation",
                "fields": [
                    uf("MatchOga", "string", "Organisatie vergelijken op", false, 1, Value::Null),
                    uf("BcCo", "string", "Nummer", false, 15, Value::Null),
                    uf("Nm", "string", "Naam", false, 255, Value::Null),
                    uf("SeNm", "string", "Zoeknaam", false, 10, Value::Null),
                    uf("EmAd", "string", "E-mail werk", false, 255, Value::Null),
                    uf("TeNr", "string", "Telefoonnr. werk", false, 30, Value::Null),
                    uf("CcNr", "string", "Nummer KvK", false, 30, Value::Null),
                ],
                "objects": [address],
            }],
        }));
    }
    Err(not_supported_update())
}

/// The error for an unknown GetConnector.
pub fn not_supported_get() -> AfasError {
    AfasError::general("GetConnector not supported for this app or the user is not authorized")
}

/// The error for an unknown UpdateConnector.
pub fn not_supported_update() -> AfasError {
    AfasError::general(
        "General message: Deze UpdateConnector wordt niet ondersteund of de gebruiker is niet geautoriseerd.",
    )
}
