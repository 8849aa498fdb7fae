//! A small XML element tree for the simulator's requests and responses.
//!
//! Parsing uses quick-xml and refuses document type declarations and any entity reference other
//! than the five predefined ones and character references: nothing is ever expanded. Element and
//! attribute names are kept by local name (namespace prefixes are dropped), which is what SOAP
//! dispatch needs. The tree is public so that tests (and the conformance suite) can read the
//! simulator's answers with the same code.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted in a request.
const MAX_DEPTH: usize = 64;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The document declares a DTD (`<!DOCTYPE …>`); refused, never expanded.
    #[error("DTDs are not allowed")]
    Dtd,
    /// The document uses an entity reference that is not predefined; refused, never expanded.
    #[error("undeclared entity reference &{0};")]
    Entity(String),
    /// The document is not well-formed.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The document has no root element.
    #[error("no root element")]
    Empty,
    /// The document nests deeper than the simulator accepts.
    #[error("elements nested too deeply")]
    TooDeep,
}

/// A child of an element: another element or a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (text and CDATA are both kept as text).
    Text(String),
    /// Markup already rendered (well-formed, escaped), written as it is: for answers of many
    /// uniform rows (a browse), which as element trees would take several times their size.
    Markup(String),
}

/// An XML element: local name, attributes in document order, children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (no namespace prefix).
    pub name: String,
    /// Attributes by local name, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements and text.
    pub children: Vec<Node>,
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s.into_owned(),
    }
}

fn predefined(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn element_from_start(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let mut el = Element::new(&local(e.name().as_ref()));
    for attr in e.attributes() {
        let attr = attr.map_err(|err| XmlError::Malformed(err.to_string()))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr.unescape_value().map_err(|err| match err {
            quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(
                _,
                name,
            )) => XmlError::Entity(name),
            other => XmlError::Malformed(other.to_string()),
        })?;
        el.attrs
            .push((local(attr.key.as_ref()), value.into_owned()));
    }
    Ok(el)
}

/// Parse a document into its root element. DTDs and undeclared entities are refused.
pub fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(e) => {
                if root.is_some() {
                    return Err(XmlError::Malformed("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(element_from_start(&e)?);
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Empty(e) => {
                // Not produced with expand_empty_elements, kept for safety.
                let done = element_from_start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| XmlError::Malformed(e.to_string()))?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| XmlError::Malformed(e.to_string()))?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => {
                        let name = r
                            .decode()
                            .map_err(|e| XmlError::Malformed(e.to_string()))?
                            .into_owned();
                        predefined(&name).ok_or(XmlError::Entity(name))?
                    }
                    Err(e) => return Err(XmlError::Malformed(e.to_string())),
                };
                push_text(&mut stack, ch.encode_utf8(&mut [0u8; 4]))?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("unclosed element".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => {
            if let Some(Node::Text(prev)) = parent.children.last_mut() {
                prev.push_str(text);
            } else {
                parent.children.push(Node::Text(text.to_string()));
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(XmlError::Malformed("text outside the root element".into())),
    }
}

/// Escape text for attribute values (`<`, `>`, `&`, `"`, `'`).
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Escape text for element content (`<`, `>`, `&` only, as Twinfield writes it).
pub fn escape_text(text: &str) -> String {
    quick_xml::escape::partial_escape(text).into_owned()
}

impl Element {
    /// An element with no attributes or children.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An element holding just `text`.
    pub fn text_el(name: &str, text: &str) -> Self {
        Self::new(name).with_text(text)
    }

    /// Builder: add (or replace) an attribute.
    pub fn with_attr(mut self, key: &str, value: &str) -> Self {
        self.set_attr(key, value);
        self
    }

    /// Builder: append text.
    pub fn with_text(mut self, text: &str) -> Self {
        if !text.is_empty() {
            self.children.push(Node::Text(text.to_string()));
        }
        self
    }

    /// Builder: append a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Append a child element.
    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Set attribute `key` (replacing an existing value, else appending).
    pub fn set_attr(&mut self, key: &str, value: &str) {
        if let Some(slot) = self.attrs.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value.to_string();
        } else {
            self.attrs.push((key.to_string(), value.to_string()));
        }
    }

    /// Remove attribute `key` if present.
    pub fn remove_attr(&mut self, key: &str) {
        self.attrs.retain(|(k, _)| k != key);
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) | Node::Markup(_) => None,
        })
    }

    /// Child elements in order, mutably.
    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) | Node::Markup(_) => None,
        })
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The first child element named `name`, mutably.
    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.elements_mut().find(|e| e.name == name)
    }

    /// Every child element named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The element's own text (children's text excluded), trimmed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out.trim().to_string()
    }

    /// The trimmed text of the first child named `name`, if that child exists.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(Element::text)
    }

    /// The trimmed text of child `name`, `None` when absent or empty.
    pub fn child_value(&self, name: &str) -> Option<String> {
        self.child_text(name).filter(|t| !t.is_empty())
    }

    /// Follow a path of child names (`["header", "office"]`).
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut cur = self;
        for n in names {
            cur = cur.child(n)?;
        }
        Some(cur)
    }

    /// Set the text of child `name`, creating it at the end when absent.
    pub fn set_child_text(&mut self, name: &str, text: &str) {
        if let Some(c) = self.child_mut(name) {
            c.children.retain(|n| matches!(n, Node::Element(_)));
            if !text.is_empty() {
                c.children.insert(0, Node::Text(text.to_string()));
            }
        } else {
            self.push(Element::text_el(name, text));
        }
    }

    /// Serialise without an XML declaration; empty elements self-close.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        let _ = write!(out, "<{}", self.name);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {}=\"{}\"", k, escape(v));
        }
        if self.children.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        for c in &self.children {
            match c {
                Node::Element(e) => e.write_into(out),
                Node::Text(t) => out.push_str(&escape_text(t)),
                Node::Markup(m) => out.push_str(m),
            }
        }
        let _ = write!(out, "</{}>", self.name);
    }

    /// Drop whitespace-only text nodes everywhere (request documents may be pretty-printed).
    pub fn strip_whitespace(&mut self) {
        let has_elements = self.children.iter().any(|n| matches!(n, Node::Element(_)));
        if has_elements {
            self.children
                .retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
        }
        for e in self.elements_mut() {
            e.strip_whitespace();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let root = parse(r#"<?xml version="1.0"?><a x="1 &amp; 2"><b>t&lt;1&#65;</b><c/><d><![CDATA[<x>]]></d></a>"#)
            .unwrap();
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert_eq!(root.child_text("b").as_deref(), Some("t<1A"));
        assert_eq!(root.child_text("d").as_deref(), Some("<x>"));
        let again = parse(&root.to_xml()).unwrap();
        assert_eq!(again, root);
    }

    #[test]
    fn refuses_dtd_and_unknown_entities() {
        let dtd = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#;
        assert_eq!(parse(dtd), Err(XmlError::Dtd));
        assert_eq!(parse("<a>&e;</a>"), Err(XmlError::Entity("e".into())));
        assert!(matches!(parse("<a x=\"&e;\"/>"), Err(XmlError::Entity(_))));
        assert!(parse("<a><b></a>").is_err());
        assert_eq!(parse("  "), Err(XmlError::Empty));
    }

    #[test]
    fn prefixes_are_dropped() {
        let root = parse(r#"<s:Envelope xmlns:s="x"><s:Body><t:Foo xmlns:t="y" xsi:nil="true"/></s:Body></s:Envelope>"#).unwrap();
        assert_eq!(root.name, "Envelope");
        assert_eq!(
            root.path(&["Body", "Foo"]).and_then(|e| e.attr("nil")),
            Some("true")
        );
    }
}
