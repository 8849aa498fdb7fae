//! SOAP plumbing: reading the envelope and its Twinfield `Header`, writing result envelopes and
//! SOAP faults with Twinfield's `detail/{message,code,source}`.
//!
//! Answers are rendered in SOAP 1.1; a request that came in on the SOAP 1.2 binding (the WSDL's
//! `ProcessXmlSoap12` port: `Content-Type: application/soap+xml`) is answered in SOAP 1.2 by
//! [`answer_in`]: the 1.2 envelope namespace, `application/soap+xml`, and a fault as
//! `Code/Value` (`soap:Sender` / `soap:Receiver`), `Reason/Text`, `Node` and `Detail`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::xml::{self, Element, XmlError};
use crate::common::ErrorFlavour;

const ENVELOPE_OPEN: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" "#,
    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
    r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>"#
);
const ENVELOPE_CLOSE: &str = "</soap:Body></soap:Envelope>";
const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The SOAP version of a request, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SoapVersion {
    /// `text/xml`, the `SOAPAction` header.
    Soap11,
    /// `application/soap+xml`, the action as a `Content-Type` parameter.
    Soap12,
}

impl SoapVersion {
    /// The version a request's headers name.
    pub(crate) fn of(headers: &axum::http::HeaderMap) -> Self {
        let soap12 = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/soap+xml")
            });
        if soap12 {
            Self::Soap12
        } else {
            Self::Soap11
        }
    }

    /// The SOAP 1.2 `action` parameter of a `Content-Type`, if any.
    pub(crate) fn action_of(headers: &axum::http::HeaderMap) -> Option<String> {
        let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        ct.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("action"))
                .then(|| v.trim().trim_matches('"').to_string())
                .filter(|v| !v.is_empty())
        })
    }
}

/// The body of an answer as rendered in SOAP 1.1, kept so that [`answer_in`] can re-render it.
#[derive(Clone)]
struct Soap11Body(String);

/// The SOAP 1.2 rendering of a fault, kept beside its 1.1 body.
#[derive(Clone)]
struct Soap12Fault(String);

/// The Twinfield `Header` of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct SoapHeader {
    pub access_token: Option<String>,
    pub session_id: Option<String>,
    pub company_code: Option<String>,
    pub company_id: Option<String>,
}

/// A parsed SOAP request: the operation element of the body and the header.
#[derive(Debug, Clone)]
pub(crate) struct SoapRequest {
    /// Local name of the body's first element (`ProcessXmlString`, `Search`, …).
    pub op: String,
    pub body: Element,
    pub header: SoapHeader,
}

/// A SOAP fault with Twinfield's detail.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    pub client: bool,
}

impl Fault {
    fn new(status: StatusCode, code: u32, message: impl Into<String>, client: bool) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            client,
        }
    }

    /// 354: unknown, expired or revoked token, or a token of an organisation on another
    /// cluster (T02).
    pub(crate) fn token_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            354,
            "Access denied. Token invalid.",
            true,
        )
    }

    /// 101: neither an access token nor a session id.
    pub(crate) fn missing_token() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            101,
            "Access denied. Access token and company id or session id missing.",
            true,
        )
    }

    /// 101: no `CompanyCode` / `CompanyId` where one is needed.
    pub(crate) fn missing_company() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            101,
            "Toegang geweigerd. Company ontbreekt in request header.",
            true,
        )
    }

    /// 109: the header's company is not an office of the token's organisation.
    pub(crate) fn no_company_access(company: &str) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            109,
            format!("Access denied. No access to company {company}."),
            true,
        )
    }

    /// 187: the envelope or the ProcessXml payload is not acceptable XML.
    pub(crate) fn invalid_xml(err: &XmlError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            187,
            format!("Invalid XML data. {err}"),
            true,
        )
    }

    /// 103: a legacy session id that is not (or no longer) valid.
    pub(crate) fn session_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            103,
            "Your logon credentials are not valid anymore. Try to log on again.",
            true,
        )
    }

    /// The unknown-operation fault ASP.NET web services give.
    pub(crate) fn unknown_operation(op: &str) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            100,
            format!("Server did not recognize the value of HTTP Header SOAPAction: {op}."),
            true,
        )
    }

    /// Twinfield's generic server error (oversize payloads, T06), with an error reference.
    pub(crate) fn generic(now: DateTime<Utc>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            format!(
                "An error occurred on the server. Always include the following error reference when you report this error: '{} {}'",
                now.format("%Y-%m-%d %H:%M:%S"),
                uuid::Uuid::new_v4()
            ),
            false,
        )
    }

    /// Render as a SOAP 1.1 fault envelope; `actor` is the service URL, `source` the operation.
    pub(crate) fn render(&self, actor: &str, source: &str) -> Response {
        let detail = Element::new("detail")
            .with_child(Element::text_el("message", &self.message))
            .with_child(Element::text_el("code", &self.code.to_string()))
            .with_child(Element::text_el("source", source));
        let fault = Element::new("soap:Fault")
            .with_child(Element::text_el(
                "faultcode",
                if self.client {
                    "soap:Client"
                } else {
                    "soap:Server"
                },
            ))
            .with_child(Element::text_el("faultstring", &self.message))
            .with_child(Element::text_el("faultactor", actor))
            .with_child(detail);
        let mut resp = xml_response(
            self.status,
            format!("{ENVELOPE_OPEN}{}{ENVELOPE_CLOSE}", fault.to_xml()),
        );
        let detail12 = Element::new("soap:Detail")
            .with_child(Element::text_el("message", &self.message))
            .with_child(Element::text_el("code", &self.code.to_string()))
            .with_child(Element::text_el("source", source));
        let fault12 = Element::new("soap:Fault")
            .with_child(Element::new("soap:Code").with_child(Element::text_el(
                "soap:Value",
                if self.client {
                    "soap:Sender"
                } else {
                    "soap:Receiver"
                },
            )))
            .with_child(Element::new("soap:Reason").with_child(
                Element::text_el("soap:Text", &self.message).with_attr("xml:lang", "en"),
            ))
            .with_child(Element::text_el("soap:Node", actor))
            .with_child(detail12);
        let body12 = format!("{ENVELOPE_OPEN}{}{ENVELOPE_CLOSE}", fault12.to_xml())
            .replacen(SOAP11_NS, SOAP12_NS, 1);
        resp.extensions_mut().insert(Soap12Fault(body12));
        resp
    }
}

/// `resp` as the answer to a request of version `v`: unchanged for SOAP 1.1; for SOAP 1.2 the
/// envelope in the 1.2 namespace (a fault in the 1.2 structure) as `application/soap+xml`. An
/// answer that is not a SOAP envelope (a 429's text) is left as it is.
pub(crate) fn answer_in(v: SoapVersion, mut resp: Response) -> Response {
    if v == SoapVersion::Soap11 {
        return resp;
    }
    let body = if let Some(Soap12Fault(b)) = resp.extensions_mut().remove::<Soap12Fault>() {
        b
    } else if let Some(Soap11Body(b)) = resp.extensions_mut().remove::<Soap11Body>() {
        b.replacen(SOAP11_NS, SOAP12_NS, 1)
    } else {
        return resp;
    };
    let (mut parts, _) = resp.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/soap+xml; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Marks an answer to be sent in UTF-16 (see [`in_chosen_encoding`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InUtf16;

/// `resp` re-encoded as UTF-16 little-endian with a byte-order mark when it is marked
/// [`InUtf16`] (the XML declaration and the `charset` then say `utf-16`); otherwise unchanged.
pub(crate) async fn in_chosen_encoding(resp: Response) -> Response {
    if resp.extensions().get::<InUtf16>().is_none() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "unreadable answer").into_response();
    };
    let text =
        String::from_utf8_lossy(&bytes).replacen(r#"encoding="utf-8""#, r#"encoding="utf-16""#, 1);
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/xml; charset=utf-8")
        .replace("charset=utf-8", "charset=utf-16");
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        parts.headers.insert(header::CONTENT_TYPE, v);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(out))
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let kept = Soap11Body(body.clone());
    let mut resp = (status, body).into_response();
    resp.extensions_mut().insert(kept);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    resp
}

/// Read a SOAP envelope.
pub(crate) fn parse_envelope(body: &str) -> Result<SoapRequest, Fault> {
    let root = xml::parse(body).map_err(|e| Fault::invalid_xml(&e))?;
    if root.name != "Envelope" {
        return Err(Fault::invalid_xml(&XmlError::Malformed(
            "not a SOAP envelope".into(),
        )));
    }
    let op = root
        .child("Body")
        .and_then(|b| b.elements().next())
        .cloned()
        .ok_or_else(|| Fault::invalid_xml(&XmlError::Malformed("empty SOAP body".into())))?;
    let mut header = SoapHeader::default();
    if let Some(h) = root.path(&["Header", "Header"]) {
        let value = |name: &str| -> Option<String> {
            let el = h.child(name)?;
            if el.attr("nil") == Some("true") {
                return None;
            }
            Some(el.text()).filter(|t| !t.is_empty())
        };
        header.access_token = value("AccessToken");
        header.session_id = value("SessionID");
        header.company_code = value("CompanyCode");
        header.company_id = value("CompanyId");
    }
    Ok(SoapRequest {
        op: op.name.clone(),
        body: op,
        header,
    })
}

/// The `<OpResponse><OpResult>…` envelope of a ProcessXml answer: entity-escaped text for
/// `ProcessXmlString`, literal XML for `ProcessXmlDocument`.
pub(crate) fn process_xml_response(op: &str, result: &Element) -> Response {
    let inner = if op == "ProcessXmlDocument" {
        result.to_xml()
    } else {
        xml::escape_text(&result.to_xml())
    };
    xml_response(
        StatusCode::OK,
        format!(
            r#"{ENVELOPE_OPEN}<{op}Response xmlns="http://www.twinfield.com/"><{op}Result>{inner}</{op}Result></{op}Response>{ENVELOPE_CLOSE}"#
        ),
    )
}

/// A SOAP response whose body is `body` (already rendered) inside the envelope.
pub(crate) fn envelope_response(body: &Element) -> Response {
    xml_response(
        StatusCode::OK,
        format!("{ENVELOPE_OPEN}{}{ENVELOPE_CLOSE}", body.to_xml()),
    )
}

/// The 429 answer of the fair-use policy: status, `Retry-After`, short text body.
pub(crate) fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// How injected faults look on Twinfield: a 429 as the fair-use answer, anything else as a
/// SOAP fault (`soap:Server`, code 100) with the given status.
#[derive(Debug, Default, Clone, Copy)]
pub struct TwinfieldFlavour;

impl ErrorFlavour for TwinfieldFlavour {
    fn error_response(
        &self,
        status: StatusCode,
        message: &str,
        retry_after_secs: Option<u64>,
    ) -> Response {
        if status == StatusCode::TOO_MANY_REQUESTS {
            return too_many_requests(retry_after_secs.unwrap_or(1));
        }
        let fault = Fault::new(status, 100, message, status.is_client_error());
        let mut resp = fault.render("", "ProcessXml");
        if let Some(secs) = retry_after_secs {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
