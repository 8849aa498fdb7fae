//! GetConnector query parameters: `skip`/`take`, `orderbyfieldids`, the
//! `filterfieldids`/`filtervalues`/`operatortypes` triple (`,` = AND, `;` = OR) or `filterjson`,
//! and running them over a connector's rows.

use std::cmp::Ordering;

use super::super::dates::{has_zone, parse_local_datetime};
use super::super::decimal::parse_decimal;
use super::super::error::AfasError;
use super::cell::{cmp_cells, cmp_sort_keys, sort_key, Cell, FieldDef, FieldType};

/// Default page size.
pub const DEFAULT_TAKE: i64 = 100;

/// Under quirk Q05, rows at a position of 10,000 or more are never returned.
pub const Q05_CAP: usize = 10_000;

/// One filter condition.
#[derive(Debug, Clone)]
pub struct Condition {
    field: usize,
    op: u8,
    text: String,
    value: Option<Cell>,
}

/// A parsed GetConnector request.
#[derive(Debug, Clone)]
pub struct Query {
    /// `skip` as sent (0 when absent); -1 means everything.
    pub skip: i64,
    /// `take` as sent (100 when absent).
    pub take: i64,
    order: Vec<(usize, bool)>,
    /// OR of AND groups.
    groups: Vec<Vec<Condition>>,
}

fn unexpected() -> AfasError {
    AfasError::unexpected("An unexpected error has occurred.")
}

fn field_index(fields: &[FieldDef], id: &str) -> Result<usize, AfasError> {
    fields
        .iter()
        .position(|f| f.id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| AfasError::unexpected(format!("Connector field '{}' not found", id.trim())))
}

fn parse_value(def: &FieldDef, op: u8, text: &str) -> Result<Option<Cell>, AfasError> {
    // Text operators and the emptiness tests compare text; no typed value needed.
    if matches!(op, 6 | 8..=15) {
        return Ok(None);
    }
    let t = text.trim();
    if op == 1 && t.contains('%') {
        return Ok(None);
    }
    let bad =
        || AfasError::unexpected(format!("Invalid filter value '{t}' for field '{}'", def.id));
    let cell = match def.ty {
        FieldType::Str => Cell::Str(text.to_string()),
        FieldType::Int => Cell::Int(t.parse::<i64>().map_err(|_| bad())?),
        FieldType::Dec => Cell::Dec(parse_decimal(t).ok_or_else(bad)?),
        FieldType::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "1" => Cell::Bool(true),
            "false" | "0" => Cell::Bool(false),
            _ => return Err(bad()),
        },
        FieldType::Date => {
            if has_zone(t) {
                return Err(AfasError::unexpected(format!(
                    "Invalid date '{t}' for field '{}': a time zone is not allowed in a filter",
                    def.id
                )));
            }
            Cell::DateTime(parse_local_datetime(t).ok_or_else(bad)?)
        }
    };
    Ok(Some(cell))
}

fn condition(fields: &[FieldDef], id: &str, op: &str, text: &str) -> Result<Condition, AfasError> {
    let field = field_index(fields, id)?;
    let op: u8 = op
        .trim()
        .parse()
        .ok()
        .filter(|o| (1..=15).contains(o))
        .ok_or_else(|| AfasError::unexpected(format!("Invalid operator type '{}'", op.trim())))?;
    let def = fields.get(field).ok_or_else(unexpected)?;
    // `""` is how clients send an empty value for operators 8/9.
    let text = if text == "\"\"" { "" } else { text };
    let value = parse_value(def, op, text)?;
    Ok(Condition {
        field,
        op,
        text: text.to_string(),
        value,
    })
}

impl Query {
    /// Parse the query string pairs for a connector with these fields.
    pub fn parse(pairs: &[(String, String)], fields: &[FieldDef]) -> Result<Self, AfasError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        // skip: non-numeric or below -1 counts as 0 (observed); take: 100 by default.
        let skip = match get("skip").map(|s| s.trim().parse::<i64>()) {
            Some(Ok(n)) if n >= -1 => n,
            _ => 0,
        };
        let take = match get("take") {
            None => DEFAULT_TAKE,
            Some(t) => t.trim().parse::<i64>().map_err(|_| unexpected())?,
        };
        if skip != -1 && take <= 0 {
            return Err(unexpected());
        }
        let mut order = Vec::new();
        if let Some(o) = get("orderbyfieldids") {
            for part in o.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (desc, id) = match part.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, part),
                };
                order.push((field_index(fields, id)?, desc));
            }
        }
        let groups = match (get("filterfieldids"), get("filterjson")) {
            (Some(ids), _) => {
                let values = get("filtervalues").unwrap_or("");
                let ops = get("operatortypes").unwrap_or("");
                triple_groups(fields, ids, values, ops)?
            }
            (None, Some(json)) => json_groups(fields, json)?,
            (None, None) => Vec::new(),
        };
        Ok(Self {
            skip,
            take,
            order,
            groups,
        })
    }

    fn matches(&self, cell: &dyn Fn(usize) -> Cell) -> bool {
        if self.groups.is_empty() {
            return true;
        }
        self.groups
            .iter()
            .any(|group| group.iter().all(|c| condition_holds(c, &cell(c.field))))
    }

    /// Run the query over `items` and write the `{"skip","take","rows"}` body.
    pub fn run<T>(
        &self,
        items: Vec<T>,
        fields: &[FieldDef],
        cell: impl Fn(&T, usize) -> Cell,
        q05: bool,
        legacy_decimals: bool,
    ) -> String {
        let matching: Vec<T> = items
            .into_iter()
            .filter(|it| self.matches(&|i| cell(it, i)))
            .collect();
        let n = matching.len();
        let (start, mut end) = if self.skip == -1 {
            (0usize, n)
        } else {
            let start = usize::try_from(self.skip).unwrap_or(0);
            let take = usize::try_from(self.take).unwrap_or(0);
            (start, start.saturating_add(take).min(n))
        };
        if q05 {
            end = end.min(Q05_CAP);
        }
        let mut page: Vec<&T> = Vec::new();
        if start < end {
            if self.order.is_empty() {
                page.extend(matching.get(start..end).unwrap_or(&[]).iter());
            } else {
                let mut keyed: Vec<(Vec<Cell>, usize)> = matching
                    .iter()
                    .enumerate()
                    .map(|(idx, it)| {
                        let key = self
                            .order
                            .iter()
                            .map(|(f, _)| sort_key(cell(it, *f)))
                            .collect();
                        (key, idx)
                    })
                    .collect();
                let order = &self.order;
                let cmp = |a: &(Vec<Cell>, usize), b: &(Vec<Cell>, usize)| -> Ordering {
                    for (pos, (_, desc)) in order.iter().enumerate() {
                        let (Some(x), Some(y)) = (a.0.get(pos), b.0.get(pos)) else {
                            continue;
                        };
                        let o = cmp_sort_keys(x, y);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    a.1.cmp(&b.1)
                };
                if end < keyed.len() {
                    keyed.select_nth_unstable_by(end, cmp);
                    keyed.truncate(end);
                }
                keyed.sort_unstable_by(cmp);
                page.extend(
                    keyed
                        .get(start..end)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|(_, idx)| matching.get(*idx)),
                );
            }
        }
        let mut out = String::with_capacity(64 + page.len() * 256);
        out.push_str(&format!(
            "{{\"skip\":{},\"take\":{},\"rows\":[",
            self.skip, self.take
        ));
        for (r, it) in page.iter().enumerate() {
            if r > 0 {
                out.push(',');
            }
            out.push('{');
            for (i, def) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(def.id);
                out.push_str("\":");
                cell(it, i).write_json(&mut out, legacy_decimals);
            }
            out.push('}');
        }
        out.push_str("]}");
        out
    }
}

fn triple_groups(
    fields: &[FieldDef],
    ids: &str,
    values: &str,
    ops: &str,
) -> Result<Vec<Vec<Condition>>, AfasError> {
    let id_groups: Vec<&str> = ids.split(';').collect();
    let value_groups: Vec<&str> = values.split(';').collect();
    let op_groups: Vec<&str> = ops.split(';').collect();
    if id_groups.len() != value_groups.len() || id_groups.len() != op_groups.len() {
        return Err(unexpected());
    }
    let mut groups = Vec::new();
    for ((ids, values), ops) in id_groups.iter().zip(&value_groups).zip(&op_groups) {
        let ids: Vec<&str> = ids.split(',').collect();
        let values: Vec<&str> = values.split(',').collect();
        let ops: Vec<&str> = ops.split(',').collect();
        if ids.len() != values.len() || ids.len() != ops.len() {
            return Err(unexpected());
        }
        let mut group = Vec::new();
        for ((id, value), op) in ids.iter().zip(&values).zip(&ops) {
            group.push(condition(fields, id, op, value)?);
        }
        groups.push(group);
    }
    Ok(groups)
}

fn one_or_many(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    match v {
        serde_json::Value::Array(items) => items.iter().collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn json_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn json_groups(fields: &[FieldDef], json: &str) -> Result<Vec<Vec<Condition>>, AfasError> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|_| AfasError::unexpected("Invalid filterjson"))?;
    let filters = v
        .get("Filters")
        .and_then(|f| f.get("Filter"))
        .ok_or_else(|| AfasError::unexpected("Invalid filterjson"))?;
    let mut groups = Vec::new();
    for filter in one_or_many(filters) {
        let mut group = Vec::new();
        for field in filter.get("Field").map(one_or_many).unwrap_or_default() {
            let id = json_text(field.get("@FieldId"));
            let op = json_text(field.get("@OperatorType"));
            let text = json_text(field.get("#text"));
            group.push(condition(fields, &id, &op, &text)?);
        }
        groups.push(group);
    }
    Ok(groups)
}

fn strip_wildcards(s: &str) -> String {
    s.trim_matches('%').to_lowercase()
}

fn like(text: &str, pattern: &str) -> bool {
    let text = text.to_lowercase();
    let pattern = pattern.to_lowercase();
    let parts: Vec<&str> = pattern.split('%').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return text == pattern;
    }
    if !text.starts_with(first) {
        return false;
    }
    let mut pos = first.len();
    for mid in parts.iter().skip(1).take(parts.len() - 2) {
        match text.get(pos..).and_then(|rest| rest.find(mid)) {
            Some(found) => pos += found + mid.len(),
            None => return false,
        }
    }
    text.get(pos..).is_some_and(|rest| rest.ends_with(last))
}

fn condition_holds(c: &Condition, cell: &Cell) -> bool {
    let text = cell.text().map(|t| t.to_lowercase());
    let needle = strip_wildcards(&c.text);
    let equal = || match (&c.value, cell) {
        (_, Cell::Null) => false,
        (Some(v), _) => cmp_cells(cell, v) == Ordering::Equal,
        (None, _) => text.as_deref().is_some_and(|t| like(t, &c.text)),
    };
    let compare = |want: &[Ordering]| match (&c.value, cell) {
        (_, Cell::Null) | (None, _) => false,
        (Some(v), _) => want.contains(&cmp_cells(cell, v)),
    };
    match c.op {
        1 => equal(),
        2 => compare(&[Ordering::Greater, Ordering::Equal]),
        3 => compare(&[Ordering::Less, Ordering::Equal]),
        4 => compare(&[Ordering::Greater]),
        5 => compare(&[Ordering::Less]),
        6 | 15 => text.as_deref().is_some_and(|t| t.contains(&needle)),
        7 => !equal(),
        8 => text.as_deref().is_none_or(str::is_empty),
        9 => text.as_deref().is_some_and(|t| !t.is_empty()),
        10 => text.as_deref().is_some_and(|t| t.starts_with(&needle)),
        11 => !text.as_deref().is_some_and(|t| t.contains(&needle)),
        12 => !text.as_deref().is_some_and(|t| t.starts_with(&needle)),
        13 => text.as_deref().is_some_and(|t| t.ends_with(&needle)),
        14 => !text.as_deref().is_some_and(|t| t.ends_with(&needle)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("internet bv", "%net%"));
        assert!(like("internet bv", "inter%"));
        assert!(like("internet bv", "%bv"));
        assert!(!like("internet bv", "%xyz%"));
        assert!(!like("internet bv", "net%"));
        assert!(like("abc", "a%c"));
        assert!(!like("abcd", "a%c"));
    }
}
