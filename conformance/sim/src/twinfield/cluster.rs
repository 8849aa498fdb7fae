//! A cluster host (each cluster is its own server):
//!
//! | route | what |
//! |---|---|
//! | `POST /webservices/processxml.asmx` | SOAP `ProcessXmlString` / `ProcessXmlDocument` |
//! | `POST /webservices/finder.asmx` | SOAP `Search` (finder types `VAT`, `DIM`, `OFF`) |
//! | `GET /api/v1/offices/{office}/transactions/{code}/{number}` | REST-style status read (Bearer token); lags SOAP by 30 s after a write (Q12) |
//! | `GET /sim/invoicepdf/{token}` | the PDF behind a tokenised invoice URL (Q11: expires after 60 min) |
//!
//! Every request is charged fair-use credits first (see [`super::rate_limit`]); every answer
//! carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Credited`.
//! A valid token of an organisation that lives on another cluster gets the same fault as an
//! invalid token (T02).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::finder;
use super::model::Transaction;
use super::oauth::bearer;
use super::px::{self, Ctx};
use super::rate_limit::{credit_cost, Caller, Permit};
use super::soap::{self, Fault, SoapRequest};
use super::state::{Lang, RestView};
use super::xml::{self, Element, XmlError};
use super::Shared;

/// How long the REST-style read lags behind SOAP after a write while Q12 is on.
pub const Q12_LAG_SECS: i64 = 30;

#[derive(Clone)]
struct ClusterCtx {
    sh: Arc<Shared>,
    cluster: u8,
}

/// The routes of cluster `cluster` (1-based).
pub(crate) fn router(sh: Arc<Shared>, cluster: u8) -> Router {
    Router::new()
        .route(
            "/webservices/processxml.asmx",
            post(processxml).get(processxml_wsdl),
        )
        .route("/webservices/finder.asmx", post(finder_route))
        .route(
            "/api/v1/offices/{office}/transactions/{code}/{number}",
            get(rest_status),
        )
        .route("/sim/invoicepdf/{token}", get(invoice_pdf))
        .with_state(ClusterCtx { sh, cluster })
}

/// `GET processxml.asmx?wsdl`: the service description, its address this cluster's. Without
/// `?wsdl` an ASMX answers with its HTML help page; the simulator answers 404 to that.
async fn processxml_wsdl(
    State(cx): State<ClusterCtx>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    if !query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        return (axum::http::StatusCode::NOT_FOUND, "no such page").into_response();
    }
    let address = format!("{}/webservices/processxml.asmx", cx.url());
    (
        [(axum::http::header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        super::wsdl::processxml_wsdl(&address),
    )
        .into_response()
}

/// The authenticated side of a request.
struct Auth {
    org: String,
    user: String,
    lang: Lang,
}

fn client_ip(headers: &HeaderMap) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

/// Who pays for the request, and whether its token is good on this cluster.
fn identify(
    cx: &ClusterCtx,
    token: Option<&str>,
    session: Option<&str>,
    ip: String,
    now: DateTime<Utc>,
) -> (Caller, Result<Auth, Fault>) {
    let st = cx.sh.lock();
    let mut caller = Caller {
        ip,
        ..Caller::default()
    };
    let Some(token) = token else {
        let f = if session.is_some() {
            Fault::session_invalid()
        } else {
            Fault::missing_token()
        };
        return (caller, Err(f));
    };
    let Some((_, grant)) = st.valid_access(token, now) else {
        return (caller, Err(Fault::token_invalid()));
    };
    let certified = st.clients.get(&grant.client_id).and_then(|c| c.certified);
    caller.client = Some((grant.client_id.clone(), certified));
    caller.org = Some(grant.org.clone());
    let Some(org) = st.orgs.get(&grant.org) else {
        return (caller, Err(Fault::token_invalid()));
    };
    if org.cluster != cx.cluster {
        return (caller, Err(Fault::token_invalid()));
    }
    let auth = Auth {
        org: org.code.clone(),
        user: org.user_code.clone(),
        lang: org.lang,
    };
    (caller, Ok(auth))
}

impl ClusterCtx {
    fn url(&self) -> String {
        self.sh
            .lock()
            .cluster_urls
            .get(usize::from(self.cluster.saturating_sub(1)))
            .cloned()
            .unwrap_or_default()
    }

    /// Admit a request (429 when refused) and hold it for the configured processing delay.
    async fn admit(
        &self,
        caller: &Caller,
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<Permit, Response> {
        let permit = self
            .sh
            .limiter
            .admit(caller, cost, now)
            .map_err(|r| r.response())?;
        let delay = self.sh.limiter.config().processing_delay_ms;
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        Ok(permit)
    }
}

fn with_headers(mut resp: Response, permit: &Permit) -> Response {
    permit.add_headers(resp.headers_mut());
    resp
}

/// The ProcessXml payload of a request.
fn payload(req: &SoapRequest) -> Result<Element, XmlError> {
    let xml_request = req.body.child("xmlRequest").ok_or(XmlError::Empty)?;
    if req.op == "ProcessXmlDocument" {
        return xml_request
            .elements()
            .next()
            .cloned()
            .ok_or(XmlError::Empty);
    }
    xml::parse(&xml_request.text())
}

/// The office named by the header (`CompanyCode` or `CompanyId`), checked against the org.
fn company(cx: &ClusterCtx, req: &SoapRequest, org: &str) -> Result<Option<String>, Fault> {
    let st = cx.sh.lock();
    // A right withheld from the user (T14): the office exists, its calls are refused.
    let allowed = |code: &str| !st.withheld_offices.contains(code);
    if let Some(code) = &req.header.company_code {
        return match st.offices.get(code) {
            Some(o) if o.org == org && allowed(&o.code) => Ok(Some(o.code.clone())),
            _ => Err(Fault::no_company_access(code)),
        };
    }
    if let Some(id) = &req.header.company_id {
        return match st.offices.values().find(|o| o.id.eq_ignore_ascii_case(id)) {
            Some(o) if o.org == org && allowed(&o.code) => Ok(Some(o.code.clone())),
            _ => Err(Fault::no_company_access(id)),
        };
    }
    Ok(None)
}

/// The action of a request: the `SOAPAction` header (SOAP 1.1) or the `action` parameter of
/// its `Content-Type` (SOAP 1.2).
fn soap_action(headers: &HeaderMap) -> Option<String> {
    headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| soap::SoapVersion::action_of(headers))
}

async fn processxml(State(cx): State<ClusterCtx>, headers: HeaderMap, body: Bytes) -> Response {
    let now = cx.sh.core.clock.now();
    let version = soap::SoapVersion::of(&headers);
    let actor = format!("{}/webservices/processxml.asmx?wsdl", cx.url());
    let parsed = std::str::from_utf8(&body)
        .map_err(|_| Fault::invalid_xml(&XmlError::Malformed("not UTF-8".into())))
        .and_then(soap::parse_envelope);
    let (token, session) = match &parsed {
        Ok(r) => (r.header.access_token.clone(), r.header.session_id.clone()),
        Err(_) => (None, None),
    };
    let (caller, auth) = identify(
        &cx,
        token.as_deref(),
        session.as_deref(),
        client_ip(&headers),
        now,
    );
    let doc = parsed.as_ref().ok().map(payload);
    let root = doc
        .as_ref()
        .and_then(|d| d.as_ref().ok())
        .map(|e| e.name.clone());
    let action = soap_action(&headers).or_else(|| {
        parsed
            .as_ref()
            .ok()
            .map(|r| format!("http://www.twinfield.com/{}", r.op))
    });
    let cost = credit_cost("POST", action.as_deref(), root.as_deref());
    let permit = match cx.admit(&caller, cost, now).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let source = parsed
        .as_ref()
        .map(|r| r.op.clone())
        .unwrap_or_else(|_| "ProcessXmlString".to_string());
    let resp = match handle_processxml(&cx, parsed, auth, doc, now) {
        Ok(r) => r,
        Err(f) => f.render(&actor, &source),
    };
    let resp = soap::in_chosen_encoding(soap::answer_in(version, resp)).await;
    with_headers(resp, &permit)
}

fn handle_processxml(
    cx: &ClusterCtx,
    parsed: Result<SoapRequest, Fault>,
    auth: Result<Auth, Fault>,
    doc: Option<Result<Element, XmlError>>,
    now: DateTime<Utc>,
) -> Result<Response, Fault> {
    let req = parsed?;
    if req.op != "ProcessXmlString" && req.op != "ProcessXmlDocument" {
        return Err(Fault::unknown_operation(&format!(
            "http://www.twinfield.com/{}",
            req.op
        )));
    }
    let auth = auth?;
    let doc = match doc {
        Some(Ok(d)) => d,
        Some(Err(e)) => return Err(Fault::invalid_xml(&e)),
        None => return Err(Fault::invalid_xml(&XmlError::Empty)),
    };
    let company = company(cx, &req, &auth.org)?;
    if company.is_none() && px::needs_company(&doc) {
        return Err(Fault::missing_company());
    }
    let cluster_url = cx.url();
    let mut st = cx.sh.lock();
    let mut ctx = Ctx {
        st: &mut st,
        core: &cx.sh.core,
        org: auth.org,
        user: auth.user,
        lang: auth.lang,
        company,
        now,
        cluster_url,
    };
    let out = px::dispatch(&mut ctx, doc)?;
    let mut resp = soap::process_xml_response(&req.op, &out);
    if out.name == "offices" && ctx.st.utf16_office_list {
        resp.extensions_mut().insert(soap::InUtf16);
    }
    Ok(resp)
}

async fn finder_route(State(cx): State<ClusterCtx>, headers: HeaderMap, body: Bytes) -> Response {
    let now = cx.sh.core.clock.now();
    let version = soap::SoapVersion::of(&headers);
    let actor = format!("{}/webservices/finder.asmx?wsdl", cx.url());
    let parsed = std::str::from_utf8(&body)
        .map_err(|_| Fault::invalid_xml(&XmlError::Malformed("not UTF-8".into())))
        .and_then(soap::parse_envelope);
    let (token, session) = match &parsed {
        Ok(r) => (r.header.access_token.clone(), r.header.session_id.clone()),
        Err(_) => (None, None),
    };
    let (caller, auth) = identify(
        &cx,
        token.as_deref(),
        session.as_deref(),
        client_ip(&headers),
        now,
    );
    let action = soap_action(&headers).or_else(|| {
        parsed
            .as_ref()
            .ok()
            .map(|r| format!("http://www.twinfield.com/{}", r.op))
    });
    let cost = credit_cost("POST", action.as_deref(), None);
    let permit = match cx.admit(&caller, cost, now).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let result = (|| -> Result<Response, Fault> {
        let req = parsed?;
        if req.op != "Search" {
            return Err(Fault::unknown_operation(&format!(
                "http://www.twinfield.com/{}",
                req.op
            )));
        }
        let auth = auth?;
        let company = company(&cx, &req, &auth.org)?;
        let cluster_url = cx.url();
        let mut st = cx.sh.lock();
        let ctx = Ctx {
            st: &mut st,
            core: &cx.sh.core,
            org: auth.org,
            user: auth.user,
            lang: auth.lang,
            company,
            now,
            cluster_url,
        };
        Ok(soap::envelope_response(&finder::search(&ctx, &req.body)))
    })();
    let resp = result.unwrap_or_else(|f| f.render(&actor, "Search"));
    let resp = soap::in_chosen_encoding(soap::answer_in(version, resp)).await;
    with_headers(resp, &permit)
}

fn rest_view(tx: &Transaction, q06: bool) -> RestView {
    let line = tx
        .lines
        .iter()
        .find(|l| l.line_type == "total")
        .or_else(|| tx.lines.iter().find(|l| l.open_value.is_some()));
    RestView {
        office: tx.office.clone(),
        code: tx.code.clone(),
        number: tx.number.clone(),
        status: tx.status.clone(),
        date: tx.date,
        period: tx.period.clone(),
        invoice_number: tx.invoice_number.clone(),
        match_status: line
            .map(|l| super::px::shown_status(l, q06))
            .unwrap_or_default(),
        open_value: line.and_then(|l| l.open_value),
        modified: tx.modified.clone(),
    }
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

async fn rest_status(
    State(cx): State<ClusterCtx>,
    Path((office, code, number)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let now = cx.sh.core.clock.now();
    let token = bearer(&headers);
    let (caller, auth) = identify(&cx, token.as_deref(), None, client_ip(&headers), now);
    let permit = match cx.admit(&caller, credit_cost("GET", None, None), now).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let resp = match auth {
        Err(_) => json_error(StatusCode::UNAUTHORIZED, "Access denied. Token invalid."),
        Ok(auth) => {
            let st = cx.sh.lock();
            match st.offices.get(&office) {
                Some(o) if o.org == auth.org => {
                    let lagging = cx.sh.core.quirk("Q12");
                    let horizon = now - chrono::Duration::seconds(Q12_LAG_SECS);
                    let q06 = cx.sh.core.quirk("Q06");
                    let visible = o.txs.get(&(code, number)).and_then(|s| {
                        if lagging {
                            s.versions
                                .iter()
                                .rev()
                                .find(|(at, _)| *at <= horizon)
                                .map(|(_, t)| t.clone())
                        } else {
                            Some(s.tx.clone())
                        }
                    });
                    match visible {
                        Some(t) => Json(rest_view(&t, q06)).into_response(),
                        None => json_error(StatusCode::NOT_FOUND, "Transaction not found."),
                    }
                }
                _ => json_error(
                    StatusCode::FORBIDDEN,
                    "Access denied. No access to this office.",
                ),
            }
        }
    };
    with_headers(resp, &permit)
}

fn pdf_bytes(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 770 Td ({text}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >> endobj\n\
         4 0 obj << /Length {} >> stream\n{content}\nendstream endobj\n\
         5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n",
        content.len()
    )
    .into_bytes()
}

async fn invoice_pdf(
    State(cx): State<ClusterCtx>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = cx.sh.core.clock.now();
    let caller = Caller {
        ip: client_ip(&headers),
        ..Caller::default()
    };
    let permit = match cx.admit(&caller, 1, now).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let resp = {
        let st = cx.sh.lock();
        match st.pdfs.get(&token) {
            None => (StatusCode::NOT_FOUND, "Not found").into_response(),
            Some(link)
                if cx.sh.core.quirk("Q11")
                    && now
                        >= link.issued + chrono::Duration::minutes(super::px::PDF_URL_MINUTES) =>
            {
                (StatusCode::FORBIDDEN, "This link has expired.").into_response()
            }
            Some(link) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"{}-{}.pdf\"", link.code, link.number),
                    ),
                ],
                pdf_bytes(&format!(
                    "Invoice {} {} {}",
                    link.office, link.code, link.number
                )),
            )
                .into_response(),
        }
    };
    with_headers(resp, &permit)
}
