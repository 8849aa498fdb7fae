//! Typed GetConnector values: how a field is compared, filtered and written as JSON.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::super::dates::{render_date, render_datetime};
use super::super::decimal::render_decimal;

/// The data type of a GetConnector field, as metainfo reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `string`
    Str,
    /// `int`
    Int,
    /// `decimal`
    Dec,
    /// `boolean`
    Bool,
    /// `date` (also datetimes)
    Date,
}

impl FieldType {
    /// The metainfo `dataType` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Int => "int",
            Self::Dec => "decimal",
            Self::Bool => "boolean",
            Self::Date => "date",
        }
    }
}

/// One field of a GetConnector.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// Field id (the JSON key, the id used in filters and sorting).
    pub id: &'static str,
    /// Data type.
    pub ty: FieldType,
    /// Dutch label as metainfo shows it.
    pub label: &'static str,
}

/// Shorthand constructor for the static field tables.
pub const fn f(id: &'static str, ty: FieldType, label: &'static str) -> FieldDef {
    FieldDef { id, ty, label }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Empty: written as `null`.
    Null,
    /// Text.
    Str(String),
    /// Whole number.
    Int(i64),
    /// Decimal.
    Dec(Decimal),
    /// Boolean.
    Bool(bool),
    /// Date (written `YYYY-MM-DDT00:00:00Z`).
    Date(NaiveDate),
    /// Local datetime (written with a misleading `Z`).
    DateTime(NaiveDateTime),
}

impl Cell {
    /// Text or `Null` for an optional string.
    pub fn opt(s: Option<&str>) -> Self {
        match s {
            Some(v) if !v.is_empty() => Cell::Str(v.to_string()),
            _ => Cell::Null,
        }
    }

    /// The text form used by the text operators (contains, starts with, …).
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Str(s) => Some(s.clone()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Dec(d) => Some(d.normalize().to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(dt) => Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Cell::Null => 0,
            Cell::Bool(_) => 1,
            Cell::Int(_) | Cell::Dec(_) => 2,
            Cell::Date(_) | Cell::DateTime(_) => 3,
            Cell::Str(_) => 4,
        }
    }

    /// Write the value as JSON text.
    pub fn write_json(&self, out: &mut String, legacy_decimals: bool) {
        match self {
            Cell::Null => out.push_str("null"),
            Cell::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Cell::Int(i) => out.push_str(&i.to_string()),
            Cell::Dec(d) => out.push_str(&render_decimal(*d, legacy_decimals)),
            Cell::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Cell::Date(d) => {
                out.push('"');
                out.push_str(&render_date(*d));
                out.push('"');
            }
            Cell::DateTime(dt) => {
                out.push('"');
                out.push_str(&render_datetime(*dt));
                out.push('"');
            }
        }
    }
}

fn ci_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            let o = p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
        }
        return x.len().cmp(&y.len());
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// The cell as a sort key: text lower-cased once, so that sorting can compare keys with
/// [`cmp_sort_keys`] cheaply.
pub fn sort_key(cell: Cell) -> Cell {
    match cell {
        Cell::Str(s) => Cell::Str(s.to_lowercase()),
        other => other,
    }
}

/// Compare two keys made by [`sort_key`]: the same order as [`cmp_cells`].
pub fn cmp_sort_keys(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Str(x), Cell::Str(y)) => x.cmp(y),
        _ => cmp_cells(a, b),
    }
}

/// Total order used for sorting and range filters: nulls first, text case-insensitive (as
/// AFAS's SQL Server collation), numbers by value, dates by time.
pub fn cmp_cells(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Str(x), Cell::Str(y)) => ci_cmp(x, y),
        (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
        (Cell::Int(x), Cell::Dec(y)) => Decimal::from(*x).cmp(y),
        (Cell::Dec(x), Cell::Int(y)) => x.cmp(&Decimal::from(*y)),
        (Cell::Dec(x), Cell::Dec(y)) => x.cmp(y),
        (Cell::Bool(x), Cell::Bool(y)) => x.cmp(y),
        (Cell::Date(x), Cell::Date(y)) => x.cmp(y),
        (Cell::DateTime(x), Cell::DateTime(y)) => x.cmp(y),
        (Cell::Date(x), Cell::DateTime(y)) => x.and_time(chrono::NaiveTime::MIN).cmp(y),
        (Cell::DateTime(x), Cell::Date(y)) => x.cmp(&y.and_time(chrono::NaiveTime::MIN)),
        _ => a.rank().cmp(&b.rank()),
    }
}
