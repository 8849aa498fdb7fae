//! `result="0"` element errors (T07) and SOAP faults turned into core errors.
//!
//! Twinfield answers business errors with HTTP 200: `result="0"` on the failing element and on
//! every ancestor, `msgtype="error"` and `msg` on the precise element, several messages joined by
//! `//`. Each error keeps the element path (`transaction/lines/line[2]/vatcode`) and the raw text.

use grootboek_core::{Error, ErrorKind, Vendor, VendorError};

use crate::xml::soap::Fault;
use crate::xml::Node;

/// One `msgtype` message on one element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementError {
    /// Element path from the root, with `[id]` on lines (`transaction/lines/line[2]/vatcode`).
    pub path: String,
    /// `error` or `warning`.
    pub msgtype: String,
    /// The vendor's message, unchanged.
    pub msg: String,
}

fn segment(n: &Node) -> String {
    match n.attr("id") {
        Some(id) => format!("{}[{id}]", n.name),
        None => n.name.clone(),
    }
}

fn walk(n: &Node, prefix: &str, out: &mut Vec<ElementError>) {
    let path = if prefix.is_empty() {
        segment(n)
    } else {
        format!("{prefix}/{}", segment(n))
    };
    if let (Some(t), Some(m)) = (n.attr("msgtype"), n.attr("msg")) {
        out.push(ElementError {
            path: path.clone(),
            msgtype: t.to_string(),
            msg: m.to_string(),
        });
    }
    for c in &n.children {
        walk(c, &path, out);
    }
}

/// Every `msgtype` message in a result document, in document order.
pub fn element_errors(n: &Node) -> Vec<ElementError> {
    let mut out = Vec::new();
    walk(n, "", &mut out);
    out
}

/// Whether an element (or document) reports success (`result` absent or not `0`).
pub fn succeeded(n: &Node) -> bool {
    n.attr("result") != Some("0")
}

fn looks_not_found(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("bestaat niet")
        || m.contains("does not exist")
        || m.contains("not found")
        || m.contains("niet gevonden")
}

/// The core error for a failed result element, or `None` when it succeeded. Only `error`
/// messages fail an element; warnings ride along in the message.
pub fn result_error(n: &Node, operation: &'static str) -> Option<Error> {
    if succeeded(n) {
        return None;
    }
    let all = element_errors(n);
    let errors: Vec<&ElementError> = all.iter().filter(|e| e.msgtype == "error").collect();
    let first = errors.first().copied().or(all.first());
    let joined = if errors.is_empty() {
        all.iter()
            .map(|e| e.msg.as_str())
            .collect::<Vec<_>>()
            .join("//")
    } else {
        errors
            .iter()
            .map(|e| e.msg.as_str())
            .collect::<Vec<_>>()
            .join("//")
    };
    let location = first.map(|e| e.path.clone());
    let kind = if !joined.is_empty() && errors.iter().all(|e| looks_not_found(&e.msg)) {
        ErrorKind::NotFound
    } else {
        ErrorKind::Validation
    };
    let message = match &location {
        Some(path) => format!("Twinfield refused {path}: {joined}"),
        None => format!(
            "Twinfield answered result=\"0\" on <{}> without a message",
            n.name
        ),
    };
    Some(
        Error::new(kind, message)
            .with_vendor(Vendor::Twinfield)
            .with_operation(operation)
            .with_vendor_error(VendorError {
                code: None,
                message: Some(joined),
                location,
                reference: None,
                // Every element's own message with its own path, not only the first.
                problems: errors
                    .iter()
                    .map(|e| grootboek_core::VendorProblem {
                        location: Some(e.path.clone()),
                        message: e.msg.clone(),
                        code: None,
                    })
                    .collect(),
            }),
    )
}

/// [`result_error`] for a write: a "does not exist" on an element of a written document is a
/// validation failure of that document (e.g. an unknown account), not a missing entity.
pub fn write_result_error(n: &Node, operation: &'static str) -> Option<Error> {
    let e = result_error(n, operation)?;
    if e.kind() == &ErrorKind::NotFound {
        let mut out = Error::new(ErrorKind::Validation, e.message().to_string())
            .with_vendor(Vendor::Twinfield)
            .with_operation(operation);
        if let Some(ve) = e.vendor_error() {
            out = out.with_vendor_error(ve.clone());
        }
        Some(out)
    } else {
        Some(e)
    }
}

/// Twinfield fault codes that mean "this token is not accepted here" (wrong cluster, expired or
/// invalid token): worth re-resolving the cluster and refreshing the token (T02).
pub const AUTH_FAULT_CODES: &[&str] = &["101", "103", "351", "354", "358"];

/// Map a SOAP fault (with its HTTP status) to a core error.
pub fn fault_error(status: u16, fault: &Fault, operation: &'static str) -> Error {
    let code = fault.code.as_deref().unwrap_or("");
    let kind = if status == 401 || AUTH_FAULT_CODES.contains(&code) {
        ErrorKind::Unauthenticated
    } else if status == 403 || matches!(code, "102" | "104" | "105" | "106" | "109" | "352" | "353")
    {
        ErrorKind::PermissionDenied
    } else if status == 429 {
        ErrorKind::RateLimited { retry_after: None }
    } else if code == "187" || code == "186" {
        ErrorKind::Validation
    } else {
        ErrorKind::Unavailable
    };
    Error::new(kind, format!("SOAP fault: {}", fault.text()))
        .with_vendor(Vendor::Twinfield)
        .with_operation(operation)
        .with_vendor_error(VendorError {
            code: fault.code.clone().or_else(|| Some(fault.faultcode.clone())),
            message: Some(fault.text().to_string()),
            location: None,
            reference: None,
            ..Default::default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_document;

    #[test]
    fn t07_element_path_and_raw_message() {
        let doc = parse_document(
            r#"<transaction result="0"><header><office>001</office></header><lines result="0"><line id="2" result="0"><dim1>8020</dim1><vatcode msgtype="error" msg="Ongeldige btw-code.//De btw-code past niet bij het bedrag." result="0">VX</vatcode></line></lines></transaction>"#,
        )
        .unwrap();
        let e = result_error(&doc, "create_invoice").unwrap();
        assert_eq!(e.kind(), &ErrorKind::Validation);
        let ve = e.vendor_error().unwrap();
        assert_eq!(
            ve.location.as_deref(),
            Some("transaction/lines/line[2]/vatcode")
        );
        assert_eq!(
            ve.message.as_deref(),
            Some("Ongeldige btw-code.//De btw-code past niet bij het bedrag.")
        );
        assert!(e.to_string().contains("line[2]/vatcode"), "{e}");
    }

    #[test]
    fn not_found_messages_are_not_found() {
        let doc = parse_document(
            r#"<dimension result="0"><office>X</office><code msgtype="error" msg="Dimension 00590 does not exist." result="0">00590</code></dimension>"#,
        )
        .unwrap();
        assert_eq!(
            result_error(&doc, "get").unwrap().kind(),
            &ErrorKind::NotFound
        );
        let ok = parse_document(r#"<dimension result="1"><code>1</code></dimension>"#).unwrap();
        assert!(result_error(&ok, "get").is_none());
    }

    #[test]
    fn auth_faults_are_unauthenticated() {
        let f = Fault {
            faultcode: "soap:Client".into(),
            faultstring: "Access denied. Token invalid.".into(),
            code: Some("354".into()),
            message: None,
        };
        assert_eq!(
            fault_error(500, &f, "x").kind(),
            &ErrorKind::Unauthenticated
        );
    }
}
