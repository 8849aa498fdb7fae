//! The REST API under `/api/v1/…`: token check, division check (Q08), rate limits, then the
//! entity sets with OData reads and writes, including the reference-resolved update of Q01
//! and the webhook emission of Q16.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::exact::errors::{json_response, ApiError};
use crate::exact::filter;
use crate::exact::json::Json;
use crate::exact::oauth::AccessCtx;
use crate::exact::odata::{list_envelope, single_envelope, Entity, Key, Query};
use crate::exact::render::{self, Ctx};
use crate::exact::sets::{self, Resolved, SetInfo, SetKind};
use crate::exact::state::{Inner, Shared};
use crate::exact::webhooks::{self, Event, WebhookDelivery};
use crate::exact::writes;

/// Rows per page on normal endpoints (Q07), per the seed; the documentation says 100.
pub const PAGE_Q07: usize = 60;
/// Rows per page with Q07 off.
pub const PAGE_DOCUMENTED: usize = 100;
/// Rows per page on bulk endpoints.
pub const PAGE_BULK: usize = 1000;

/// `http://host:port` as the client addressed us.
fn base_from(headers: &HeaderMap, shared: &Shared) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| shared.base_url())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn with_headers(mut resp: Response, headers: &[(&'static str, String)]) -> Response {
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(*name, v);
        }
    }
    resp
}

/// Every request under `/api/v1/`.
pub async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let rest = path.strip_prefix("/api/v1/").unwrap_or("");
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let now = shared.core.clock.now();
    let base = base_from(&headers, &shared);

    let Some(ctx) = bearer(&headers).and_then(|t| shared.lock().oauth.check_access(&t, now)) else {
        return ApiError::unauthorized().into_response();
    };

    let first = segs.first().copied().unwrap_or("");
    if first.eq_ignore_ascii_case("current") {
        return match segs.get(1) {
            Some(s) if s.eq_ignore_ascii_case("Me") && segs.len() == 2 => {
                if method != Method::GET {
                    return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
                        .into_response();
                }
                me(&shared, &ctx, &base, uri.query()).unwrap_or_else(IntoResponse::into_response)
            }
            _ => ApiError::not_found().into_response(),
        };
    }
    let Ok(division) = first.parse::<i32>() else {
        // Q08: no division in the URL. Exact answers like an expired token.
        if shared.core.quirk("Q08") {
            return ApiError::unauthorized().into_response();
        }
        return ApiError::bad_request(format!(
            "The division is missing from the URL: use /api/v1/{{division}}/{rest}"
        ))
        .into_response();
    };

    let allowed = shared.lock().store.divisions.contains_key(&division)
        && ctx.divisions.as_ref().is_none_or(|d| d.contains(&division));
    if !allowed {
        return ApiError::new(StatusCode::FORBIDDEN, "Forbidden")
            .with_header("reason", "NoDivisionAccess")
            .into_response();
    }

    let limit = shared.lock().limiter.check(&ctx.client_id, division, now);
    let rate_headers = match limit {
        Ok(h) => h,
        Err(h) => {
            return with_headers(
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded")
                    .into_response(),
                &h,
            )
        }
    };

    let resp = match sets::resolve(segs.get(1..).unwrap_or_default()) {
        None => ApiError::not_found().into_response(),
        Some(resolved) => {
            let api_base = format!("{base}/api/v1/{division}");
            let request_url = format!("{base}{path}");
            let req = Req {
                shared: &shared,
                ctx: &ctx,
                division,
                resolved,
                api_base,
                request_url,
                query: uri.query(),
                headers: &headers,
                body: &body,
            };
            match dispatch(&req, &method).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        }
    };
    with_headers(resp, &rate_headers)
}

struct Req<'a> {
    shared: &'a Arc<Shared>,
    ctx: &'a AccessCtx,
    division: i32,
    resolved: Resolved,
    api_base: String,
    request_url: String,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl Req<'_> {
    fn render_ctx(&self) -> Ctx {
        Ctx {
            api_base: self.api_base.clone(),
            now: self.shared.core.clock.now(),
            q13: self.shared.core.quirk("Q13"),
        }
    }

    fn set(&self) -> &SetInfo {
        &self.resolved.set
    }

    fn key(&self) -> Result<Option<Key>, ApiError> {
        match &self.resolved.key {
            None => Ok(None),
            Some(k) => Key::parse(k)
                .map(Some)
                .ok_or_else(|| ApiError::bad_request("Bad Request - Error in query syntax.")),
        }
    }

    fn json_body(&self) -> Result<Json, ApiError> {
        let text = std::str::from_utf8(self.body).map_err(|_| {
            ApiError::bad_request(
                "Error processing request stream. JSON text specified is not valid.",
            )
        })?;
        Json::parse(text).map_err(|_| {
            ApiError::bad_request(
                "Error processing request stream. JSON text specified is not valid.",
            )
        })
    }
}

async fn dispatch(req: &Req<'_>, method: &Method) -> Result<Response, ApiError> {
    let key = req.key()?;
    match (method.as_str(), key) {
        ("GET", None) => get_list(req),
        ("GET", Some(k)) => get_one(req, k),
        ("POST", None) => post(req).await,
        ("PUT" | "PATCH" | "MERGE", Some(k)) => put(req, k),
        ("PUT" | "PATCH" | "MERGE", None) => put_without_key(req),
        ("DELETE", Some(k)) => delete(req, k),
        ("DELETE", None) => Err(ApiError::bad_request(
            "The key of the entity is required for a DELETE.",
        )),
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        )),
    }
}

fn visible_rows(req: &Req<'_>, inner: &Inner) -> Vec<Entity> {
    render::all_rows(req.set(), req.division, &inner.store, &req.render_ctx())
        .into_iter()
        .filter(|e| !e.hidden)
        .collect()
}

/// The documented-but-unmodelled properties a `$select` names, added to `e` as `null`.
fn with_documented_nulls(e: &mut Entity, set: &SetInfo, select: Option<&[String]>) {
    for name in select.unwrap_or_default() {
        if let Some(doc) = set.documented.iter().find(|d| d.eq_ignore_ascii_case(name)) {
            if e.field(doc).is_none() {
                e.fields.push((doc, Json::Null));
            }
        }
    }
}

fn matches(e: &Entity, f: &filter::Expr) -> Result<bool, ApiError> {
    let lookup = |name: &str| e.field(name).cloned();
    filter::eval(f, &lookup)
        .map(|v| filter::truthy(&v))
        .map_err(ApiError::bad_request)
}

fn get_list(req: &Req<'_>) -> Result<Response, ApiError> {
    let set = *req.set();
    let names = set.names();
    let q = Query::parse_documented(req.query, &names, set.documented, set.type_name)
        .map_err(|e| ApiError::bad_request(e.0))?;
    if let Some(tail) = &req.resolved.tail {
        if tail != "$count" {
            return Err(ApiError::not_found());
        }
    }
    if req.resolved.bulk && q.select.is_none() {
        return Err(ApiError::bad_request(
            "Please add a $select or a $top=1 statement to the query string.",
        ));
    }
    let rows = visible_rows(req, &req.shared.lock());
    let mut selected = Vec::new();
    for mut e in rows {
        with_documented_nulls(&mut e, &set, q.select.as_deref());
        let ok = match &q.filter {
            Some(f) => matches(&e, f)?,
            None => true,
        };
        if ok {
            selected.push(e);
        }
    }
    if req.resolved.tail.is_some() {
        return Ok((
            StatusCode::OK,
            [("content-type", "text/plain; charset=utf-8")],
            selected.len().to_string(),
        )
            .into_response());
    }
    let total = selected.len();
    if let Some(after) = q.skiptoken {
        selected.retain(|e| e.key > after);
    }
    let page_size = if req.resolved.bulk {
        PAGE_BULK
    } else if req.shared.core.quirk("Q07") {
        PAGE_Q07
    } else {
        PAGE_DOCUMENTED
    };
    let limit = q.top.map_or(page_size, |t| t.min(page_size));
    let more = selected.len() > limit && q.top.is_none_or(|t| t > limit);
    selected.truncate(limit);
    let next = if more {
        selected
            .last()
            .map(|last| q.next_url(&req.request_url, last.key, limit))
    } else {
        None
    };
    let results = selected
        .iter()
        .map(|e| e.to_json(q.select.as_deref(), &q.expand, None))
        .collect();
    let body = list_envelope(results, next, q.inline_count.then_some(total));
    Ok(json_response(StatusCode::OK, &body))
}

fn find_visible(req: &Req<'_>, inner: &Inner, key: Key) -> Result<Entity, ApiError> {
    visible_rows(req, inner)
        .into_iter()
        .find(|e| e.key == key)
        .ok_or_else(ApiError::not_found)
}

fn get_one(req: &Req<'_>, key: Key) -> Result<Response, ApiError> {
    let set = *req.set();
    let names = set.names();
    let q = Query::parse_documented(req.query, &names, set.documented, set.type_name)
        .map_err(|e| ApiError::bad_request(e.0))?;
    let mut entity = find_visible(req, &req.shared.lock(), key)?;
    with_documented_nulls(&mut entity, &set, q.select.as_deref());
    match &req.resolved.tail {
        None => Ok(json_response(
            StatusCode::OK,
            &single_envelope(entity.to_json(q.select.as_deref(), &q.expand, None)),
        )),
        Some(tail) => {
            let nav = entity
                .navs
                .iter()
                .find(|n| n.name.eq_ignore_ascii_case(tail))
                .ok_or_else(ApiError::not_found)?;
            let rows = nav
                .items
                .iter()
                .map(|e| e.to_json(None, &[], None))
                .collect();
            Ok(json_response(
                StatusCode::OK,
                &list_envelope(rows, None, None),
            ))
        }
    }
}

fn guid_key(key: Key) -> Result<Uuid, ApiError> {
    match key {
        Key::Guid(g) => Ok(g),
        Key::Int(_) => Err(ApiError::bad_request(
            "Bad Request - Error in query syntax.",
        )),
    }
}

fn wants_representation(headers: &HeaderMap) -> bool {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("return=representation"))
}

/// Record webhook notifications for a write and apply the Q16 visibility delay to a created
/// row. Returns the deliveries to push.
fn emit(req: &Req<'_>, inner: &mut Inner, id: Uuid, action: &str) -> Vec<WebhookDelivery> {
    let Some(topic) = req.set().topic else {
        return Vec::new();
    };
    let now = req.shared.core.clock.now();
    let endpoint = format!("{}/{}(guid'{id}')", req.api_base, req.set().path);
    let readable_from = (action == "Create" && req.shared.core.quirk("Q16"))
        .then(|| now + chrono::Duration::from_std(inner.q16_delay).unwrap_or_default());
    let subs: Vec<_> = inner
        .store
        .webhook_subscriptions
        .iter()
        .filter(|w| w.division == req.division && w.topic == topic)
        .cloned()
        .collect();
    let mut out = Vec::new();
    for sub in subs {
        let secret = inner
            .oauth
            .app(&sub.client_id)
            .map(|a| a.webhook_secret.clone())
            .unwrap_or_default();
        let body = webhooks::notification_body(
            &Event {
                topic,
                client_id: &sub.client_id,
                division: req.division,
                action,
                key: id,
                endpoint: &endpoint,
                at: now,
            },
            &secret,
        );
        out.push(WebhookDelivery {
            callback_url: sub.callback_url.clone(),
            body,
            topic: topic.to_string(),
            action: action.to_string(),
            key: id,
            division: req.division,
            created_at: now,
            readable_from,
        });
    }
    if !out.is_empty() {
        if let Some(until) = readable_from {
            inner.hide_until(req.set().kind, id, until);
        }
    }
    inner.outbox.extend(out.iter().cloned());
    out
}

/// Push deliveries to `http://` callbacks in the background.
pub fn push(deliveries: Vec<WebhookDelivery>) {
    for d in deliveries {
        if d.callback_url.starts_with("http://") {
            tokio::spawn(async move {
                let _ = webhooks::post(&d.callback_url, &d.body).await;
            });
        }
    }
}

async fn post(req: &Req<'_>) -> Result<Response, ApiError> {
    if req.resolved.tail.is_some() {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        ));
    }
    let json = req.json_body()?;
    let now = req.shared.core.clock.now();
    let div = req.division;
    let kind = req.set().kind;
    if kind == SetKind::WebhookSubscriptions {
        return post_webhook_subscription(req, &json).await;
    }
    let (entity, deliveries) = {
        let mut inner = req.shared.lock();
        let store = &mut inner.store;
        let id = match kind {
            SetKind::Accounts => writes::create_account(store, div, &json, now)?,
            SetKind::GlAccounts => writes::create_gl(store, div, &json, now)?,
            SetKind::Journals => writes::create_journal(store, div, &json, now)?,
            SetKind::VatCodes => writes::create_vat(store, div, &json, now)?,
            SetKind::SalesEntries => {
                let id = writes::create_sales_entry(store, div, &json, now)?;
                if req.shared.core.quirk("Q24") {
                    writes::apply_default_vat_codes(store, id);
                }
                id
            }
            SetKind::BankEntries => writes::create_bank_entry(store, div, &json, now)?,
            SetKind::Subscriptions => writes::create_subscription(store, div, &json, now)?,
            _ => {
                return Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method not allowed",
                ))
            }
        };
        let deliveries = emit(req, &mut inner, id, "Create");
        // The POST answer is built from the row itself, readable or not.
        let entity = render::all_rows(req.set(), div, &inner.store, &req.render_ctx())
            .into_iter()
            .find(|e| e.key == Key::Guid(id));
        (entity, deliveries)
    };
    push(deliveries);
    let entity = entity.ok_or_else(|| ApiError::validation("A problem has occurred."))?;
    let key_name = req.set().key;
    let nulls = (!wants_representation(req.headers)).then_some(key_name);
    Ok(json_response(
        StatusCode::CREATED,
        &single_envelope(entity.to_json(None, &[], nulls)),
    ))
}

async fn post_webhook_subscription(req: &Req<'_>, json: &Json) -> Result<Response, ApiError> {
    let (url, topic, description) = writes::webhook_subscription_fields(json)?;
    {
        let inner = req.shared.lock();
        if inner.store.webhook_subscriptions.iter().any(|w| {
            w.division == req.division && w.topic == topic && w.client_id == req.ctx.client_id
        }) {
            return Err(ApiError::validation("Data already exists"));
        }
    }
    // Exact validates the callback with an empty POST and refuses the subscription when the
    // callback does not answer 2xx. Only http:// callbacks can be reached from here.
    if url.starts_with("http://") {
        match webhooks::post(&url, "").await {
            Ok(status) if (200..300).contains(&status) => {}
            Ok(status) => {
                return Err(ApiError::validation(format!(
                    "Invalid: Post to callback URL endpoint returns {status}"
                )))
            }
            Err(e) => {
                return Err(ApiError::validation(format!(
                    "Invalid: Post to callback URL endpoint failed: {e}"
                )))
            }
        }
    }
    let now = req.shared.core.clock.now();
    let mut inner = req.shared.lock();
    let sub = crate::exact::model::WebhookSubscription {
        id: Uuid::new_v4(),
        division: req.division,
        client_id: req.ctx.client_id.clone(),
        callback_url: url,
        topic,
        description,
        created: now,
    };
    let entity = render::webhook_subscription(&sub, &inner.store, &req.render_ctx());
    inner.store.webhook_subscriptions.push(sub);
    Ok(json_response(
        StatusCode::CREATED,
        &single_envelope(entity.to_json(None, &[], None)),
    ))
}

fn apply_update(req: &Req<'_>, inner: &mut Inner, id: Uuid, json: &Json) -> Result<(), ApiError> {
    let now = req.shared.core.clock.now();
    let store = &mut inner.store;
    match req.set().kind {
        SetKind::Accounts => writes::update_account(store, id, json, now),
        SetKind::SalesEntries => writes::update_sales_entry(store, id, json, now),
        SetKind::Subscriptions => writes::update_subscription(store, id, json, now),
        k @ (SetKind::GlAccounts | SetKind::Journals | SetKind::VatCodes) => {
            writes::update_simple(store, k, id, json, now)
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        )),
    }
}

fn no_content() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

fn put(req: &Req<'_>, key: Key) -> Result<Response, ApiError> {
    if req.resolved.tail.is_some() {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        ));
    }
    let id = guid_key(key)?;
    let json = req.json_body()?;
    let deliveries = {
        let mut inner = req.shared.lock();
        find_visible(req, &inner, key)?;
        apply_update(req, &mut inner, id, &json)?;
        emit(req, &mut inner, id, "Update")
    };
    push(deliveries);
    Ok(no_content())
}

fn key_required() -> ApiError {
    ApiError::bad_request(
        "The key of the entity is required for an update: address it as SalesEntries(guid'…') (EntryID).",
    )
}

/// Q01: an update addressed to the collection (by `$filter` on the document reference, or by
/// `YourRef`/`InvoiceNumber` in the body) is resolved to the sibling with the lowest
/// `EntryNumber`, which then takes every field of the body (its `Type` included). An
/// `EntryID` in the body addresses that entry. With Q01 off every update without the key in
/// the URL is refused with 400, as Exact documents.
fn put_without_key(req: &Req<'_>) -> Result<Response, ApiError> {
    if req.set().kind != SetKind::SalesEntries || req.resolved.tail.is_some() {
        return Err(ApiError::bad_request(
            "The key of the entity is required for an update.",
        ));
    }
    let json = req.json_body()?;
    let names = req.set().names();
    let q = Query::parse(req.query, &names, req.set().type_name)
        .map_err(|e| ApiError::bad_request(e.0))?;
    let body_key = match json.get("EntryID") {
        Some(Json::Str(s)) => Some(
            Uuid::parse_str(s)
                .map_err(|_| ApiError::bad_request("Bad Request - Error in query syntax."))?,
        ),
        _ => None,
    };
    // Documented behaviour (Q01 off): an update without the key in the URL is refused.
    if !req.shared.core.quirk("Q01") {
        return Err(key_required());
    }
    let deliveries = {
        let mut inner = req.shared.lock();
        let target = match body_key {
            Some(id) => {
                find_visible(req, &inner, Key::Guid(id))?;
                id
            }
            None => {
                let rows = visible_rows(req, &inner);
                let mut candidates = Vec::new();
                for e in rows {
                    let hit = match &q.filter {
                        Some(f) => matches(&e, f)?,
                        None => match (json.get("YourRef"), json.get("InvoiceNumber")) {
                            (Some(r @ Json::Str(_)), _) => e.field("YourRef") == Some(r),
                            (None, Some(n @ Json::Num(_))) => e.field("InvoiceNumber") == Some(n),
                            _ => return Err(key_required()),
                        },
                    };
                    if hit {
                        candidates.push(e);
                    }
                }
                let lowest = candidates
                    .iter()
                    .filter_map(|e| Some((e.field("EntryNumber")?.as_i64()?, e.key)))
                    .min_by_key(|(n, _)| *n)
                    .ok_or_else(ApiError::not_found)?;
                guid_key(lowest.1)?
            }
        };
        apply_update(req, &mut inner, target, &json)?;
        emit(req, &mut inner, target, "Update")
    };
    push(deliveries);
    Ok(no_content())
}

fn row_count(s: &crate::exact::store::Store) -> usize {
    s.accounts.len()
        + s.sales_entries.len()
        + s.subscriptions.len()
        + s.webhook_subscriptions.len()
        + s.gl_accounts.len()
        + s.journals.len()
        + s.vat_codes.len()
}

fn delete(req: &Req<'_>, key: Key) -> Result<Response, ApiError> {
    if req.resolved.tail.is_some() {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        ));
    }
    let id = guid_key(key)?;
    let div = req.division;
    let deliveries = {
        let mut inner = req.shared.lock();
        let s = &mut inner.store;
        let before = row_count(s);
        match req.set().kind {
            SetKind::Accounts => {
                if s.sales_entries.iter().any(|e| e.customer == id) {
                    let code = s.account(id).map(|a| a.code.clone()).unwrap_or_default();
                    return Err(ApiError::bad_request(format!(
                        "Can't delete: Account {code} - Used in: Sales entries"
                    )));
                }
                s.accounts.retain(|a| !(a.id == id && a.division == div));
            }
            SetKind::SalesEntries => s
                .sales_entries
                .retain(|e| !(e.entry_id == id && e.division == div)),
            SetKind::Subscriptions => s
                .subscriptions
                .retain(|e| !(e.entry_id == id && e.division == div)),
            SetKind::WebhookSubscriptions => s
                .webhook_subscriptions
                .retain(|w| !(w.id == id && w.division == div)),
            SetKind::GlAccounts => s.gl_accounts.retain(|g| !(g.id == id && g.division == div)),
            SetKind::Journals => s.journals.retain(|j| !(j.id == id && j.division == div)),
            SetKind::VatCodes => s.vat_codes.retain(|v| !(v.id == id && v.division == div)),
            _ => {
                return Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method not allowed",
                ))
            }
        }
        if row_count(&inner.store) == before {
            // Exact answers a DELETE of a GUID that does not exist with 403.
            return Err(ApiError::new(StatusCode::FORBIDDEN, "Forbidden"));
        }
        emit(req, &mut inner, id, "Delete")
    };
    push(deliveries);
    Ok(no_content())
}

/// `GET /api/v1/current/Me` — in the list envelope, like Exact.
fn me(
    shared: &Shared,
    ctx: &AccessCtx,
    base: &str,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    const FIELDS: &[&str] = &[
        "AccountingDivision",
        "CurrentDivision",
        "DivisionCustomer",
        "Email",
        "FirstName",
        "FullName",
        "Language",
        "LanguageCode",
        "LastName",
        "Legislation",
        "ServerTime",
        "ServerUtcOffset",
        "UserID",
        "UserName",
    ];
    let q = Query::parse(query, FIELDS, "Exact.Web.Api.Models.System.Me")
        .map_err(|e| ApiError::bad_request(e.0))?;
    let inner = shared.lock();
    let store = &inner.store;
    // The division last opened in the web UI: it may lie outside what the app may use.
    let current = store.current_division;
    let div_json = |d: Option<i32>| d.map_or(Json::Null, |d| Json::int(d.into()));
    let now = shared.core.clock.now();
    let user = format!("{}@example.invalid", ctx.user);
    let entity = Entity {
        key: Key::Guid(store.user_id),
        uri: format!("{base}/api/v1/current/Me(guid'{}')", store.user_id),
        type_name: "Exact.Web.Api.Models.System.Me",
        fields: vec![
            ("AccountingDivision", div_json(store.current_division)),
            ("CurrentDivision", div_json(current)),
            ("DivisionCustomer", Json::Null),
            ("Email", Json::str(&user)),
            ("FirstName", Json::str("Simulated")),
            ("FullName", Json::str("Simulated User")),
            ("Language", Json::str("NL-NL")),
            ("LanguageCode", Json::str("nl-NL")),
            ("LastName", Json::str("User")),
            ("Legislation", Json::int(1)),
            ("ServerTime", crate::exact::odata::datetime_json(now)),
            ("ServerUtcOffset", Json::int(0)),
            ("UserID", Json::str(store.user_id.to_string())),
            ("UserName", Json::str(&user)),
        ],
        navs: Vec::new(),
        hidden: false,
    };
    let row = entity.to_json(q.select.as_deref(), &[], None);
    Ok(json_response(
        StatusCode::OK,
        &list_envelope(vec![row], None, None),
    ))
}
