//! The Profit REST routes under `/ProfitRestServices/` (matched case-insensitively, as clients
//! spell it both ways): concurrency cap, token check, size limit, then metainfo, GetConnectors
//! and UpdateConnectors.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query as AxumQuery, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::app::Shared;
use super::auth;
use super::error::{unavailable, AfasError};
use super::get::{connectors, fields, Query};
use super::metainfo;
use super::update::debtor;
use super::update::envelope::parse_body;
use super::update::fientries::{self, EntryRef};

/// The path prefix of every Profit route.
pub const PREFIX: &str = "/ProfitRestServices";

/// The longest query string (the `?…` part) AFAS accepts; longer is a 404.
pub const MAX_QUERY_CHARS: usize = 2049;

fn not_found() -> AfasError {
    AfasError::with_status(StatusCode::NOT_FOUND, "Not Found")
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The handler for every non-control path.
pub async fn profit(State(app): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let rest = match path.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => path.get(PREFIX.len()..).unwrap_or(""),
        _ => return not_found().into_response(),
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return not_found().into_response();
    }
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    if parts.uri.query().map_or(0, |q| q.len() + 1) > MAX_QUERY_CHARS {
        return not_found().into_response();
    }
    let load = app.lock().load;
    let Some(_slot) = app.enter(load.background_calls) else {
        return unavailable(
            "Het maximale aantal gelijktijdige verzoeken (8) is bereikt. Probeer het later opnieuw.",
            load.retry_after_secs.max(1),
        );
    };
    if load.processing_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(load.processing_delay_ms)).await;
    }
    let token = app.lock().token_data.clone();
    let auth_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    if let Err(e) = auth::check(auth_header, &token) {
        return e.into_response();
    }
    let max = app.lock().max_request_bytes;
    let bytes = match axum::body::to_bytes(Body::new(body), max).await {
        Ok(b) => b,
        Err(_) => {
            return AfasError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "De totale omvang van een API-call is maximaal 75 MB.",
            )
            .into_response()
        }
    };
    match dispatch(&app, &parts.method, &segments, &parts.uri, &bytes) {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn dispatch(
    app: &Shared,
    method: &Method,
    segs: &[String],
    uri: &Uri,
    body: &[u8],
) -> Result<Response, AfasError> {
    let seg = |i: usize| segs.get(i).map(String::as_str);
    let first = seg(0).map(str::to_ascii_lowercase);
    match first.as_deref() {
        Some("profitversion") if *method == Method::GET && segs.len() == 1 => Ok(json_response(
            StatusCode::OK,
            json!({"version": metainfo::PROFIT_VERSION}).to_string(),
        )),
        Some("metainfo") if *method == Method::GET => {
            let what = seg(1).map(str::to_ascii_lowercase);
            let value = match (what.as_deref(), seg(2), segs.len()) {
                (None, _, _) => metainfo::overview(&app.lock()),
                (Some("get"), Some(id), 3) => metainfo::get_connector(&app.lock(), id)?,
                (Some("update"), Some(id), 3) if app.lock().is_withheld(id) => {
                    return Err(metainfo::not_supported_update())
                }
                (Some("update"), Some(id), 3) => metainfo::update_connector(id)?,
                _ => return Err(not_found()),
            };
            Ok(json_response(StatusCode::OK, value.to_string()))
        }
        Some("connectors") => {
            let id = seg(1).ok_or_else(not_found)?;
            match *method {
                Method::GET if segs.len() == 2 => get_connector(app, id, uri),
                Method::POST | Method::PUT => update(app, id, method == Method::PUT, body),
                Method::DELETE => delete(app, id, segs.get(2..).unwrap_or(&[])),
                _ => Err(not_found()),
            }
        }
        _ => Err(not_found()),
    }
}

fn get_connector(app: &Shared, id: &str, uri: &Uri) -> Result<Response, AfasError> {
    let pairs: Vec<(String, String)> = AxumQuery::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|_| AfasError::unexpected("An unexpected error has occurred."))?;
    let flags = connectors::Flags {
        q05: app.core.quirk("Q05"),
        q10: app.core.quirk("Q10"),
    };
    let mut state = app.lock();
    let kind = state.kind_of(id).ok_or_else(metainfo::not_supported_get)?;
    let name = state.name_of(kind);
    state.count_request(&name);
    let query = Query::parse(&pairs, fields(kind))?;
    let body = connectors::run(kind, &state, &query, flags);
    Ok(json_response(StatusCode::OK, body))
}

fn update(app: &Shared, id: &str, is_put: bool, body: &[u8]) -> Result<Response, AfasError> {
    if app.lock().is_withheld(id) {
        return Err(metainfo::not_supported_update());
    }
    let now = app.now_local();
    if id.eq_ignore_ascii_case("FiEntries") {
        app.lock().count_request("FiEntries");
        if is_put {
            return Err(AfasError::general(
                "General message: PUT is not supported by UpdateConnector 'FiEntries'.",
            ));
        }
        let value = parse_body(body)?;
        let flags = fientries::Flags {
            q02: app.core.quirk("Q02"),
            q14: app.core.quirk("Q14"),
        };
        let result = fientries::post(&mut app.lock(), &value, flags, now)?;
        return Ok(json_response(StatusCode::CREATED, result.to_string()));
    }
    if id.eq_ignore_ascii_case(debtor::ROOT) {
        app.lock().count_request(debtor::ROOT);
        let value = parse_body(body)?;
        let q09 = app.core.quirk("Q09");
        let result: Value = debtor::write(&mut app.lock(), &value, is_put, q09, now)?;
        let status = if is_put {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        return Ok(json_response(status, result.to_string()));
    }
    Err(metainfo::not_supported_update())
}

/// Split `k1,k2` / `v1,v2` into pairs, keys without `@`.
fn key_pairs(keys: &str, values: &str) -> Vec<(String, String)> {
    keys.split(',')
        .map(|k| k.trim().trim_start_matches('@').to_string())
        .zip(values.split(',').map(|v| v.trim().to_string()))
        .collect()
}

fn find<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn empty_ok() -> Response {
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    resp
}

fn delete(app: &Shared, id: &str, rest: &[String]) -> Result<Response, AfasError> {
    let bad_url = || {
        AfasError::with_status(
            StatusCode::BAD_REQUEST,
            "Invalid DELETE URL: expected /{object}/{keys}/{values}.",
        )
    };
    if app.lock().is_withheld(id) {
        return Err(metainfo::not_supported_update());
    }
    if id.eq_ignore_ascii_case("FiEntries") {
        app.lock().count_request("FiEntries");
        let [obj, keys, values, sub, sub_key, sub_value] = rest else {
            return Err(bad_url());
        };
        if !obj.eq_ignore_ascii_case(fientries::ROOT) || !sub.eq_ignore_ascii_case("FiEntries") {
            return Err(bad_url());
        }
        let header = key_pairs(keys, values);
        let unit = match find(&header, "UnId") {
            Some(u) => u.parse::<u32>().map_err(|_| bad_url())?,
            None => 1,
        };
        let journal = find(&header, "JoCo");
        let which = match sub_key
            .trim_start_matches('@')
            .to_ascii_lowercase()
            .as_str()
        {
            "enno" => EntryRef::EntryNo(sub_value.parse::<u64>().map_err(|_| bad_url())?),
            "inid" => EntryRef::Invoice(sub_value.clone()),
            _ => return Err(bad_url()),
        };
        fientries::delete(&mut app.lock(), unit, journal, &which)?;
        return Ok(empty_ok());
    }
    if id.eq_ignore_ascii_case(debtor::ROOT) {
        app.lock().count_request(debtor::ROOT);
        let [obj, keys, values] = rest else {
            return Err(bad_url());
        };
        if !obj.eq_ignore_ascii_case(debtor::ROOT) {
            return Err(bad_url());
        }
        let pairs = key_pairs(keys, values);
        let db_id = find(&pairs, "DbId").ok_or_else(bad_url)?;
        debtor::delete(&mut app.lock(), db_id)?;
        return Ok(empty_ok());
    }
    Err(metainfo::not_supported_update())
}
