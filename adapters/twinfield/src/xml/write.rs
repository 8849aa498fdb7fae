//! Writing XML with quick-xml's writer: ProcessXml payloads and the SOAP envelopes around them.
//!
//! Twinfield asks for no whitespace and no comments between elements, so nothing is indented.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// The Twinfield SOAP namespace.
pub const TWINFIELD_NS: &str = "http://www.twinfield.com/";
/// The SOAP 1.1 envelope namespace.
pub const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The XML Schema instance namespace (for `xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A small builder over quick-xml's [`Writer`]. Writing into a `Vec<u8>` cannot fail, so the
/// builder swallows the `io::Result` of each call.
pub struct XmlDoc {
    w: Writer<Vec<u8>>,
}

impl Default for XmlDoc {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlDoc {
    /// An empty document.
    pub fn new() -> Self {
        Self {
            w: Writer::new(Vec::new()),
        }
    }

    /// Write the `<?xml version="1.0" encoding="utf-8"?>` declaration.
    pub fn decl(&mut self) -> &mut Self {
        let _ = self
            .w
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
        self
    }

    /// Open an element with attributes.
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, *v));
        }
        let _ = self.w.write_event(Event::Start(start));
        self
    }

    /// Open an element.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.open_with(name, &[])
    }

    /// Close an element.
    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
        self
    }

    /// An element with escaped text; an empty text gives an empty element (`<a></a>`).
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        if !text.is_empty() {
            let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        }
        self.close(name)
    }

    /// An element with text when `text` is `Some`, nothing otherwise.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(name, t);
        }
        self
    }

    /// An empty element with attributes (`<a k="v"/>`).
    pub fn empty_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, *v));
        }
        let _ = self.w.write_event(Event::Empty(start));
        self
    }

    /// The document as a string.
    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.w.into_inner()).into_owned()
    }
}

/// The SOAP header values of one call.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    /// The OAuth access token.
    pub access_token: &'a str,
    /// The office (company) the call is scoped to; `None` only for `list offices` (T03/T08).
    pub company_code: Option<&'a str>,
}

fn open_envelope(doc: &mut XmlDoc, header: Header<'_>) {
    doc.decl();
    doc.open_with(
        "soap:Envelope",
        &[("xmlns:soap", SOAP_NS), ("xmlns:xsi", XSI_NS)],
    );
    doc.open("soap:Header");
    doc.open_with("Header", &[("xmlns", TWINFIELD_NS)]);
    doc.text("AccessToken", header.access_token);
    if let Some(code) = header.company_code {
        doc.text("CompanyCode", code);
    }
    // The office is named by code (T08); the id is sent as nil because some gateways refuse a
    // header without the element.
    doc.empty_with("CompanyId", &[("xsi:nil", "true")]);
    doc.close("Header");
    doc.close("soap:Header");
    doc.open("soap:Body");
}

fn close_envelope(doc: &mut XmlDoc) {
    doc.close("soap:Body");
    doc.close("soap:Envelope");
}

/// A `ProcessXmlString` envelope: the payload travels as an escaped string in `xmlRequest`.
pub fn process_xml_envelope(header: Header<'_>, payload: &str) -> String {
    let mut doc = XmlDoc::new();
    open_envelope(&mut doc, header);
    doc.open_with("ProcessXmlString", &[("xmlns", TWINFIELD_NS)]);
    doc.text("xmlRequest", payload);
    doc.close("ProcessXmlString");
    close_envelope(&mut doc);
    doc.finish()
}

/// One Finder search.
#[derive(Debug, Clone)]
pub struct FinderQuery<'a> {
    /// Finder type (`TRS` day books, `VAT` codes, `DIM` dimensions…).
    pub kind: &'a str,
    /// Search pattern (`*` for all).
    pub pattern: &'a str,
    /// Field to search in (0 = code and name).
    pub field: u32,
    /// First row, 1-based.
    pub first_row: u32,
    /// Most rows to return.
    pub max_rows: u32,
    /// Options as name/value pairs (`office`, `dimtype`, `vattype`…).
    pub options: Vec<(&'a str, &'a str)>,
}

/// A Finder `Search` envelope.
pub fn finder_envelope(header: Header<'_>, q: &FinderQuery<'_>) -> String {
    let mut doc = XmlDoc::new();
    open_envelope(&mut doc, header);
    doc.open_with("Search", &[("xmlns", TWINFIELD_NS)]);
    doc.text("type", q.kind);
    doc.text("pattern", q.pattern);
    doc.text("field", &q.field.to_string());
    doc.text("firstRow", &q.first_row.to_string());
    doc.text("maxRows", &q.max_rows.to_string());
    doc.open("options");
    for (k, v) in &q.options {
        doc.open("ArrayOfString");
        doc.text("string", k);
        doc.text("string", v);
        doc.close("ArrayOfString");
    }
    doc.close("options");
    doc.close("Search");
    close_envelope(&mut doc);
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::read::parse_document;

    #[test]
    fn envelope_names_the_office_and_escapes_the_payload() {
        let env = process_xml_envelope(
            Header {
                access_token: "tok",
                company_code: Some("NLA001"),
            },
            "<read><type>dimensions</type><code>A&B</code></read>",
        );
        assert!(env.contains("<CompanyCode>NLA001</CompanyCode>"), "{env}");
        assert!(env.contains("&lt;read&gt;"), "{env}");
        let n = parse_document(&env).unwrap();
        let req = n
            .text_at("Body/ProcessXmlString/xmlRequest")
            .unwrap()
            .to_string();
        assert_eq!(req, "<read><type>dimensions</type><code>A&B</code></read>");
    }

    #[test]
    fn offices_listing_has_no_company() {
        let env = process_xml_envelope(
            Header {
                access_token: "tok",
                company_code: None,
            },
            "<list><type>offices</type></list>",
        );
        assert!(!env.contains("CompanyCode"), "{env}");
    }
}
