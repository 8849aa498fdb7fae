//! OData v2 (verbose JSON) as Exact speaks it: `/Date(ms)/` values, query options (`$select`,
//! `$filter`, `$top`, `$skiptoken`, `$expand`, `$inlinecount`) and the `d` / `d.results`
//! envelopes with `__metadata`, `__deferred` and `__next`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::filter::{self, Expr};
use super::json::Json;

/// `/Date(ms)/` for an instant.
pub fn datetime_json(at: DateTime<Utc>) -> Json {
    Json::Str(format!("/Date({})/", at.timestamp_millis()))
}

/// `/Date(ms)/` for a civil date: midnight UTC of that day, as Exact sends date-only fields.
pub fn date_json(d: NaiveDate) -> Json {
    Json::Str(format!(
        "/Date({})/",
        d.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
    ))
}

/// An optional civil date as `/Date(ms)/` or `null`.
pub fn opt_date_json(d: Option<NaiveDate>) -> Json {
    d.map_or(Json::Null, date_json)
}

/// Milliseconds inside `/Date(ms)/` or `/Date(ms+0100)/`.
pub fn parse_date_millis(s: &str) -> Option<i64> {
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
        .map_or(inner.len(), |(i, _)| i);
    inner.get(..digits_end)?.parse().ok()
}

/// A date sent by a client on a write: `2024-01-31`, `2024-01-31T00:00:00[.fff][Z]` or
/// `/Date(ms)/`. The time part is dropped (document dates are civil dates).
pub fn parse_write_date(s: &str) -> Option<NaiveDate> {
    if let Some(ms) = parse_date_millis(s) {
        return DateTime::<Utc>::from_timestamp_millis(ms).map(|d| d.date_naive());
    }
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|dt| dt.date())
        .or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|d| d.date_naive()))
}

/// Milliseconds since the epoch of a `datetime'…'` literal (taken as UTC).
pub fn parse_literal_datetime(s: &str) -> Option<i64> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.and_time(NaiveTime::MIN).and_utc().timestamp_millis());
    }
    let t = s.strip_suffix('Z').unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// The key of an entity: a GUID for almost everything, an integer for `HID` / `Code` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// `guid'…'`.
    Guid(Uuid),
    /// An Int32/Int64 key (`123` or `123L`).
    Int(i64),
}

impl Key {
    /// The literal form used in URLs and skip tokens (`guid'…'`, `123L`).
    pub fn literal(&self) -> String {
        match self {
            Key::Guid(g) => format!("guid'{g}'"),
            Key::Int(i) => format!("{i}L"),
        }
    }

    /// The form used inside an entity URI: `(guid'…')` or `(123)`.
    pub fn uri_part(&self) -> String {
        match self {
            Key::Guid(g) => format!("(guid'{g}')"),
            Key::Int(i) => format!("({i})"),
        }
    }

    /// Parse `guid'…'`, `123` or `123L`.
    pub fn parse(s: &str) -> Option<Key> {
        let s = s.trim();
        if let Some(inner) = s.strip_prefix("guid'").and_then(|r| r.strip_suffix('\'')) {
            return Uuid::parse_str(inner).ok().map(Key::Guid);
        }
        let digits = s.strip_suffix(['L', 'l']).unwrap_or(s);
        digits.parse::<i64>().ok().map(Key::Int)
    }
}

/// A navigation property of a rendered entity: deferred unless expanded.
#[derive(Debug, Clone)]
pub struct Nav {
    /// Property name, e.g. `SalesEntryLines`.
    pub name: &'static str,
    /// Its URI (`…/SalesEntries(guid'…')/SalesEntryLines`).
    pub uri: String,
    /// The linked rows, rendered.
    pub items: Vec<Entity>,
}

/// One entity ready to be written: its key, URI, type, properties and navigation properties.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Key value.
    pub key: Key,
    /// Absolute URI of the entity.
    pub uri: String,
    /// `Exact.Web.Api.Models.…` type name.
    pub type_name: &'static str,
    /// Properties in the order Exact lists them.
    pub fields: Vec<(&'static str, Json)>,
    /// Navigation properties.
    pub navs: Vec<Nav>,
    /// Not readable yet (Q16): skipped by reads.
    pub hidden: bool,
}

impl Entity {
    /// The value of property `name` (navigation properties are not values).
    pub fn field(&self, name: &str) -> Option<&Json> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Verbose JSON: `__metadata`, then the selected properties (all when `select` is `None`),
    /// navigation properties deferred unless named in `expand`.
    pub fn to_json(
        &self,
        select: Option<&[String]>,
        expand: &[String],
        nulls_except_key: Option<&str>,
    ) -> Json {
        let wanted =
            |name: &str| select.is_none_or(|s| s.iter().any(|f| f.eq_ignore_ascii_case(name)));
        let mut pairs: Vec<(String, Json)> = Vec::new();
        for (name, value) in &self.fields {
            if !wanted(name) {
                continue;
            }
            let v = match nulls_except_key {
                Some(key) if *name != key => Json::Null,
                _ => value.clone(),
            };
            pairs.push(((*name).to_string(), v));
        }
        for nav in &self.navs {
            let expanded = expand.iter().any(|e| e.eq_ignore_ascii_case(nav.name));
            if !(wanted(nav.name) || expanded) {
                continue;
            }
            let v = if expanded {
                Json::obj([(
                    "results",
                    Json::Arr(
                        nav.items
                            .iter()
                            .map(|e| e.to_json(None, &[], None))
                            .collect(),
                    ),
                )])
            } else {
                Json::obj([("__deferred", Json::obj([("uri", Json::str(&nav.uri))]))])
            };
            pairs.push((nav.name.to_string(), v));
        }
        // WCF writes properties in ordinal order, navigation properties among them.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.insert(
            0,
            (
                "__metadata".into(),
                Json::obj([
                    ("uri", Json::str(&self.uri)),
                    ("type", Json::str(self.type_name)),
                ]),
            ),
        );
        Json::Obj(pairs)
    }
}

/// The `{"d": …}` envelope around a single entity.
pub fn single_envelope(entity: Json) -> Json {
    Json::obj([("d", entity)])
}

/// The `{"d": {"results": […], "__next": …}}` envelope around a page.
pub fn list_envelope(rows: Vec<Json>, next: Option<String>, count: Option<usize>) -> Json {
    let mut d: Vec<(String, Json)> = Vec::new();
    if let Some(c) = count {
        d.push(("__count".into(), Json::Str(c.to_string())));
    }
    d.push(("results".into(), Json::Arr(rows)));
    if let Some(n) = next {
        d.push(("__next".into(), Json::Str(n)));
    }
    Json::obj([("d", Json::Obj(d))])
}

/// The query options of one request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `$select`, split on commas.
    pub select: Option<Vec<String>>,
    /// `$filter`, parsed.
    pub filter: Option<Expr>,
    /// `$top`.
    pub top: Option<usize>,
    /// `$skiptoken`: rows after this key.
    pub skiptoken: Option<Key>,
    /// `$expand`, split on commas.
    pub expand: Vec<String>,
    /// `$inlinecount=allpages`.
    pub inline_count: bool,
    /// Every raw `name=value` pair, still encoded, to rebuild `__next`.
    pub raw_pairs: Vec<(String, String)>,
}

/// Decode `%XX` escapes and `+` (a space, as form encoders write it).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'+') => {
                out.push(b' ');
                i += 1;
            }
            Some(b'%') => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            Some(b) => {
                out.push(*b);
                i += 1;
            }
            None => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Split a raw query string into decoded `(name, value)` pairs.
pub fn decoded_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Why a query string was refused (rendered as Exact's 400).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError(pub String);

impl Query {
    /// Parse the query string of a request against the properties of the addressed entity set.
    pub fn parse(raw: Option<&str>, fields: &[&str], type_name: &str) -> Result<Query, QueryError> {
        Self::parse_documented(raw, fields, &[], type_name)
    }

    /// [`Query::parse`] where `$select` may also name `documented` properties, which the set's
    /// rows do not carry (see [`crate::exact::sets::SetInfo::documented`]).
    pub fn parse_documented(
        raw: Option<&str>,
        fields: &[&str],
        documented: &[&str],
        type_name: &str,
    ) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            q.raw_pairs.push((k.to_string(), v.to_string()));
            let name = percent_decode(k);
            let value = percent_decode(v);
            match name.as_str() {
                "$select" => {
                    let list: Vec<String> = value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    for f in &list {
                        let base = f.split('/').next().unwrap_or(f);
                        if base != "*"
                            && !fields
                                .iter()
                                .chain(documented)
                                .any(|x| x.eq_ignore_ascii_case(base))
                        {
                            return Err(QueryError(format!(
                                "No property '{base}' exists in type '{type_name}'."
                            )));
                        }
                    }
                    if !list.iter().any(|f| f == "*") {
                        q.select = Some(list);
                    }
                }
                "$filter" => {
                    q.filter = Some(filter::parse(&value, fields, type_name).map_err(QueryError)?);
                }
                "$top" => {
                    q.top =
                        Some(value.trim().parse().map_err(|_| {
                            QueryError("Bad Request - Error in query syntax.".into())
                        })?);
                }
                "$skiptoken" => {
                    q.skiptoken = Some(Key::parse(&value).ok_or_else(|| {
                        QueryError("Bad Request - Error in query syntax.".into())
                    })?);
                }
                "$expand" => {
                    q.expand = value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    for e in &q.expand {
                        if !fields.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                            return Err(QueryError(format!(
                                "No property '{e}' exists in type '{type_name}'."
                            )));
                        }
                    }
                }
                "$inlinecount" => q.inline_count = value == "allpages",
                "$orderby" => return Err(QueryError(
                    "$orderby is not supported by the grootboek simulator; rows come in key order."
                        .into(),
                )),
                "$skip" => {
                    return Err(QueryError(
                        "$skip is not supported on this endpoint; follow __next ($skiptoken)."
                            .into(),
                    ))
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// The `__next` URL: the same path and options with `$skiptoken` set to `after`, and `$top`
    /// lowered by what was already returned.
    pub fn next_url(&self, base_path_url: &str, after: Key, returned: usize) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (k, v) in &self.raw_pairs {
            let name = percent_decode(k);
            if name == "$skiptoken" {
                continue;
            }
            if name == "$top" {
                if let Some(top) = self.top {
                    parts.push(format!("{k}={}", top.saturating_sub(returned)));
                }
                continue;
            }
            parts.push(format!("{k}={v}"));
        }
        parts.push(format!("$skiptoken={}", after.literal()));
        format!("{base_path_url}?{}", parts.join("&"))
    }
}

/// Compare a property value with a literal for the filter evaluator.
pub(crate) fn json_to_value(j: &Json) -> filter::Value {
    match j {
        Json::Null => filter::Value::Null,
        Json::Bool(b) => filter::Value::Bool(*b),
        Json::Num(n) => n
            .parse::<Decimal>()
            .map(filter::Value::Num)
            .unwrap_or(filter::Value::Null),
        Json::Str(s) => match parse_date_millis(s) {
            Some(ms) => filter::Value::DateTime(ms),
            None => filter::Value::Str(s.clone()),
        },
        Json::Arr(_) | Json::Obj(_) => filter::Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2012, 10, 26).unwrap();
        assert_eq!(date_json(d), Json::str("/Date(1351209600000)/"));
        assert_eq!(parse_write_date("/Date(1351209600000)/"), Some(d));
        assert_eq!(parse_write_date("2012-10-26T00:00:00"), Some(d));
        assert_eq!(parse_write_date("2012-10-26"), Some(d));
        assert_eq!(parse_write_date("2012-10-26T00:00:00.000Z"), Some(d));
        assert_eq!(parse_date_millis("/Date(123+0100)/"), Some(123));
        assert_eq!(parse_write_date("nonsense"), None);
    }

    #[test]
    fn keys_parse() {
        let g = Uuid::nil();
        assert_eq!(Key::parse(&format!("guid'{g}'")), Some(Key::Guid(g)));
        assert_eq!(Key::parse("493115L"), Some(Key::Int(493115)));
        assert_eq!(Key::parse("guid'x'"), None);
    }

    #[test]
    fn next_url_keeps_options_and_lowers_top() {
        let q = Query::parse(Some("$select=Code&$top=100&$skiptoken=5L"), &["Code"], "T").unwrap();
        assert_eq!(
            q.next_url("http://h/x", Key::Int(9), 60),
            "http://h/x?$select=Code&$top=40&$skiptoken=9L"
        );
    }
}
