//! The UpdateConnector envelope: `{"<Root>": {"Element": <element | [elements]>}}`, where an
//! element is `{"@Key": …, "Fields": {…} | [{…}], "Objects": {Sub: {"Element": …}} | [{Sub: …}]}`.
//! Values may be strings or native JSON scalars; numbers reach this module as their exact text
//! (see [`super::super::decimal::quote_numbers`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::decimal::{parse_decimal, quote_numbers};
use super::super::error::AfasError;

/// A field value as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// JSON `null`.
    Null,
    /// A string, or a number's exact text.
    Text(String),
    /// A JSON boolean.
    Bool(bool),
}

impl FieldValue {
    /// The value as text (`true`/`false` for booleans), `None` for null.
    pub fn text(&self) -> Option<String> {
        match self {
            FieldValue::Null => None,
            FieldValue::Text(s) => Some(s.clone()),
            FieldValue::Bool(b) => Some(b.to_string()),
        }
    }

    /// The value as non-empty trimmed text, `None` for null or empty.
    pub fn non_empty(&self) -> Option<String> {
        self.text()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }
}

/// One element of an UpdateConnector body.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// `@`-prefixed keys, without the `@`.
    pub keys: BTreeMap<String, FieldValue>,
    /// `Fields`.
    pub fields: BTreeMap<String, FieldValue>,
    /// Sub-objects by name, each a list of elements.
    pub objects: BTreeMap<String, Vec<Element>>,
}

impl Element {
    /// A field (or key of the same name) as sent.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.fields.get(name).or_else(|| self.keys.get(name))
    }

    /// A field as non-empty text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(FieldValue::non_empty)
    }

    /// A boolean field (`true`, `1`, `"true"`, `"1"`; everything else false).
    pub fn flag(&self, name: &str) -> bool {
        self.text(name)
            .is_some_and(|t| matches!(t.to_ascii_lowercase().as_str(), "true" | "1" | "j" | "y"))
    }

    /// A decimal field: zero when absent or empty, an error when not a number.
    pub fn amount(&self, name: &str) -> Result<rust_decimal::Decimal, AfasError> {
        match self.text(name) {
            None => Ok(rust_decimal::Decimal::ZERO),
            Some(t) => parse_decimal(&t).ok_or_else(|| {
                AfasError::validation(format!(
                    "The value '{t}' for field '{name}' is not a valid number."
                ))
            }),
        }
    }

    /// The elements of a sub-object.
    pub fn sub(&self, name: &str) -> &[Element] {
        self.objects.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Parse a request body: numbers become their text first, so nothing passes through `f64`.
pub fn parse_body(bytes: &[u8]) -> Result<Value, AfasError> {
    let text = std::str::from_utf8(bytes).map_err(|_| AfasError::invalid_json())?;
    serde_json::from_str(&quote_numbers(text)).map_err(|_| AfasError::invalid_json())
}

/// The elements under the body root `root` (matched case-insensitively; any other root is
/// refused, as AFAS does when FiEntries is posted with a root other than `FiEntryPar`).
pub fn root_elements(body: &Value, root: &str) -> Result<Vec<Element>, AfasError> {
    let obj = body.as_object().ok_or_else(|| {
        AfasError::with_status(axum::http::StatusCode::BAD_REQUEST, "Missing elements")
    })?;
    let (_, inner) = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(root))
        .ok_or_else(|| {
            let sent = obj.keys().next().cloned().unwrap_or_default();
            AfasError::general(format!(
                "General message: Object '{sent}' does not exist for this UpdateConnector; expected '{root}'."
            ))
        })?;
    elements_of(inner, root)
}

fn elements_of(container: &Value, object: &str) -> Result<Vec<Element>, AfasError> {
    let found = container.get("Element").ok_or_else(|| {
        AfasError::with_status(
            axum::http::StatusCode::BAD_REQUEST,
            format!("Missing elements in '{object}'"),
        )
    })?;
    match found {
        Value::Array(items) => items.iter().map(|e| element(e, object)).collect(),
        Value::Object(_) => Ok(vec![element(found, object)?]),
        _ => Err(bad(object)),
    }
}

fn bad(object: &str) -> AfasError {
    AfasError::unexpected(format!("Invalid element in '{object}'"))
}

fn scalar(v: &Value, name: &str) -> Result<FieldValue, AfasError> {
    match v {
        Value::Null => Ok(FieldValue::Null),
        Value::String(s) => Ok(FieldValue::Text(s.clone())),
        Value::Bool(b) => Ok(FieldValue::Bool(*b)),
        Value::Number(n) => Ok(FieldValue::Text(n.to_string())),
        _ => Err(AfasError::validation(format!(
            "Invalid value for field '{name}'"
        ))),
    }
}

fn element(v: &Value, object: &str) -> Result<Element, AfasError> {
    let obj = v.as_object().ok_or_else(|| bad(object))?;
    let mut el = Element::default();
    for (k, value) in obj {
        if let Some(key) = k.strip_prefix('@') {
            el.keys.insert(key.to_string(), scalar(value, k)?);
        } else if k == "Fields" {
            let maps: Vec<&serde_json::Map<String, Value>> = match value {
                Value::Object(m) => vec![m],
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_object().ok_or_else(|| bad(object)))
                    .collect::<Result<_, _>>()?,
                Value::Null => Vec::new(),
                _ => return Err(bad(object)),
            };
            for m in maps {
                for (name, fv) in m {
                    el.fields.insert(name.clone(), scalar(fv, name)?);
                }
            }
        } else if k == "Objects" {
            let maps: Vec<&serde_json::Map<String, Value>> = match value {
                Value::Object(m) => vec![m],
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_object().ok_or_else(|| bad(object)))
                    .collect::<Result<_, _>>()?,
                Value::Null => Vec::new(),
                _ => return Err(bad(object)),
            };
            for m in maps {
                for (name, sub) in m {
                    let subs = elements_of(sub, name)?;
                    el.objects.entry(name.clone()).or_default().extend(subs);
                }
            }
        }
    }
    Ok(el)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_and_objects_as_object_or_array() {
        let a = parse_body(br#"{"FiEntryPar":{"Element":{"Fields":{"Year":2026,"JoCo":"10"},"Objects":{"FiEntries":{"Element":[{"Fields":{"AmDe":-.5}},{"Fields":{"AmDe":"1.10"}}]}}}}}"#)
            .unwrap_or_default();
        let els = root_elements(&a, "FiEntryPar").unwrap_or_default();
        assert_eq!(els.len(), 1);
        let lines = els[0].sub("FiEntries");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text("AmDe").as_deref(), Some("-.5"));
        assert_eq!(els[0].text("Year").as_deref(), Some("2026"));

        let b = parse_body(br#"{"FiEntryPar":{"Element":[{"Fields":[{"Year":"2023","JoCo":"80"}],"Objects":[{"FiEntries":{"Element":{"Fields":{"AmDe":"1"}}}}]}]}}"#)
            .unwrap_or_default();
        let els = root_elements(&b, "FiEntryPar").unwrap_or_default();
        assert_eq!(els.len(), 1);
        assert_eq!(els[0].sub("FiEntries").len(), 1);
        assert_eq!(els[0].text("JoCo").as_deref(), Some("80"));
    }

    #[test]
    fn wrong_root_and_bad_json_are_refused() {
        let v = parse_body(br#"{"FiEntries":{"Element":{}}}"#).unwrap_or_default();
        assert!(root_elements(&v, "FiEntryPar").is_err());
        assert!(parse_body(b"{not json").is_err());
    }
}
