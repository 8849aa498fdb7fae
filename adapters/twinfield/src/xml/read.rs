//! Streaming XML reading over quick-xml's pull parser.
//!
//! Nothing here expands entities: the five predefined XML entities and character references are
//! resolved, anything else (and every `<!DOCTYPE>`, which is where entities would be declared) is
//! refused with [`ErrorKind::Protocol`](grootboek_core::ErrorKind::Protocol). Large documents are
//! walked event by event ([`Pull`]); only one record at a time is gathered into a small [`Node`].
//!
//! Nesting is bounded (R05): an element opened deeper than [`MAX_DEPTH`] levels is refused with
//! a protocol error that names the limit, the moment it is opened, without reading further. A
//! hostile body nested a million levels deep therefore costs [`MAX_DEPTH`] events, and no
//! [`Node`] tree is ever deeper than [`MAX_DEPTH`] (its drop, clone and comparison recurse once
//! per level, so an unbounded tree would overflow the stack and abort the process).

use grootboek_core::{Error, Result};
use quick_xml::events::Event;
use quick_xml::Reader;

fn protocol(msg: impl Into<String>) -> Error {
    Error::protocol(msg.into()).with_vendor(grootboek_core::Vendor::Twinfield)
}

/// The deepest element nesting [`Pull`] accepts: the document element is level 1, and an
/// element at level `MAX_DEPTH + 1` is refused.
///
/// The deepest shape Twinfield sends is about 7 levels (a SOAP envelope around a Finder
/// result; a browse result; the ProcessXml result document inside a SOAP answer is parsed on
/// its own), so 64 leaves a wide margin for shapes not yet seen while keeping a hostile body
/// cheap to refuse.
pub const MAX_DEPTH: usize = 64;

/// One simplified event: element start (with attributes), element end, or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    /// An element starts (`<a x="1">` or `<a/>`, which is followed by its [`Ev::End`]).
    Start(String, Vec<(String, String)>),
    /// An element ends.
    End(String),
    /// Text content, references resolved; never only whitespace.
    Text(String),
}

/// One borrowed event for hot loops ([`Pull::raw_event`]): nothing is allocated for names,
/// attributes or text until the caller asks.
#[derive(Debug)]
pub enum RawEv<'a> {
    /// An element starts (an empty element is followed by its [`RawEv::End`]).
    Start(quick_xml::events::BytesStart<'a>),
    /// An element ends.
    End(quick_xml::events::BytesEnd<'a>),
    /// Text, unresolved.
    Text(quick_xml::events::BytesText<'a>),
    /// A reference (`&amp;`, `&#233;`…) inside text.
    Ref(quick_xml::events::BytesRef<'a>),
    /// CDATA.
    CData(quick_xml::events::BytesCData<'a>),
    /// The end of the document.
    Eof,
}

/// A pull parser over one XML document held as bytes.
///
/// Element nesting deeper than [`MAX_DEPTH`] is refused as a protocol error.
pub struct Pull<'a> {
    reader: Reader<&'a [u8]>,
    text: String,
    pending: Option<Ev>,
    /// Elements open at the reader's position.
    depth: usize,
}

fn local(name: &[u8]) -> String {
    let local = match name.iter().rposition(|b| *b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
        None => name,
    };
    String::from_utf8_lossy(local).into_owned()
}

fn resolve_ref(name: &str) -> Result<char> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    return Err(protocol(format!(
                        "the response uses the XML entity `&{name};`; entities are refused"
                    )));
                };
            code.and_then(char::from_u32)
                .ok_or_else(|| protocol(format!("invalid character reference `&{name};`")))
        }
    }
}

impl<'a> Pull<'a> {
    /// A parser over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        let mut reader = Reader::from_reader(bytes);
        let cfg = reader.config_mut();
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        cfg.trim_text(false);
        Self {
            reader,
            text: String::new(),
            pending: None,
            depth: 0,
        }
    }

    fn flush_text(&mut self) -> Option<Ev> {
        if self.text.trim().is_empty() {
            self.text.clear();
            None
        } else {
            Some(Ev::Text(std::mem::take(&mut self.text)))
        }
    }

    /// The next event, or `None` at the end of the document.
    pub fn next_event(&mut self) -> Result<Option<Ev>> {
        if let Some(ev) = self.pending.take() {
            return Ok(Some(ev));
        }
        loop {
            let raw = self.read_raw()?;
            if append_text(&mut self.text, &raw)? {
                continue;
            }
            let structural = match raw {
                RawEv::Start(s) => {
                    let mut attrs = Vec::new();
                    for a in s.attributes() {
                        let a = a.map_err(|e| protocol(format!("malformed attribute: {e}")))?;
                        let value = unescape_attr(String::from_utf8_lossy(&a.value))?;
                        attrs.push((local(a.key.as_ref()), value));
                    }
                    Ev::Start(local(s.name().as_ref()), attrs)
                }
                RawEv::End(e) => Ev::End(local(e.name().as_ref())),
                RawEv::Eof => return Ok(self.flush_text()),
                _ => continue,
            };
            if let Some(text) = self.flush_text() {
                self.pending = Some(structural);
                return Ok(Some(text));
            }
            return Ok(Some(structural));
        }
    }

    /// The next event, borrowed from the document, with the same guards as
    /// [`Pull::next_event`]: nesting bounded, `DOCTYPE` refused; declarations, comments and
    /// processing instructions skipped. Only between whole events of [`Pull::next_event`] (it
    /// must hold no text or event back): for reading a record's fields without allocating.
    pub fn raw_event(&mut self) -> Result<RawEv<'a>> {
        debug_assert!(self.pending.is_none() && self.text.is_empty());
        self.read_raw()
    }

    /// One event from the reader, guarded: nesting bounded (R05), `DOCTYPE` refused, nothing
    /// returned for declarations, comments and processing instructions.
    fn read_raw(&mut self) -> Result<RawEv<'a>> {
        loop {
            let event = self
                .reader
                .read_event()
                .map_err(|e| protocol(format!("malformed XML: {e}")))?;
            return Ok(match event {
                Event::Start(s) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(protocol(format!(
                            "the XML nests elements deeper than {MAX_DEPTH} levels, the limit \
                             of this reader; the answer is refused"
                        )));
                    }
                    RawEv::Start(s)
                }
                Event::End(e) => {
                    self.depth = self.depth.saturating_sub(1);
                    RawEv::End(e)
                }
                Event::Text(t) => RawEv::Text(t),
                Event::GeneralRef(r) => RawEv::Ref(r),
                Event::CData(c) => RawEv::CData(c),
                Event::DocType(_) => {
                    return Err(protocol(
                        "the response carries a DOCTYPE (entity declarations are refused)",
                    ))
                }
                Event::Eof => RawEv::Eof,
                // Declarations, comments and processing instructions carry nothing we read.
                _ => continue,
            });
        }
    }

    /// The text of the element whose start [`Pull::raw_event`] just gave, trimmed, references
    /// resolved, up to and including its end; the text of elements nested in it is left out.
    pub fn element_text(&mut self) -> Result<String> {
        let mut text = String::new();
        let mut nested = 0usize;
        loop {
            let raw = self.read_raw()?;
            if nested == 0 && append_text(&mut text, &raw)? {
                continue;
            }
            match raw {
                RawEv::Start(_) => nested += 1,
                RawEv::End(_) if nested == 0 => break,
                RawEv::End(_) => nested -= 1,
                RawEv::Eof => return Err(protocol("the XML document ends inside an element")),
                _ => {}
            }
        }
        let trimmed = text.trim();
        Ok(if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_string()
        })
    }

    /// Read past the element whose start [`Pull::raw_event`] just gave, up to and including
    /// its end.
    pub fn skip_element(&mut self) -> Result<()> {
        let mut nested = 0usize;
        loop {
            match self.read_raw()? {
                RawEv::Start(_) => nested += 1,
                RawEv::End(_) if nested == 0 => return Ok(()),
                RawEv::End(_) => nested -= 1,
                RawEv::Eof => return Err(protocol("the XML document ends inside an element")),
                _ => {}
            }
        }
    }

    /// Gather the element whose start was just read (`name`, `attrs`) into a [`Node`], reading
    /// up to and including its end.
    pub fn node(&mut self, name: String, attrs: Vec<(String, String)>) -> Result<Node> {
        let mut stack = vec![Node {
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
        }];
        loop {
            match self.next_event()? {
                Some(Ev::Start(n, a)) => stack.push(Node {
                    name: n,
                    attrs: a,
                    text: String::new(),
                    children: Vec::new(),
                }),
                Some(Ev::Text(t)) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t);
                    }
                }
                Some(Ev::End(_)) => {
                    let done = stack.pop().ok_or_else(|| protocol("unbalanced XML"))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                None => return Err(protocol("the XML document ends inside an element")),
            }
        }
    }

    /// Skip to the first element start and gather the whole document into a [`Node`]. Only for
    /// small documents (single entities, write results).
    pub fn document(&mut self) -> Result<Node> {
        loop {
            match self.next_event()? {
                Some(Ev::Start(n, a)) => return self.node(n, a),
                Some(_) => continue,
                None => return Err(protocol("the XML document is empty")),
            }
        }
    }
}

/// Append the text of a text, CDATA or reference event to `out` (a reference resolved under the
/// entity policy); `false` for any other event.
fn append_text(out: &mut String, ev: &RawEv<'_>) -> Result<bool> {
    match ev {
        RawEv::Text(t) => {
            let s = t
                .xml_content()
                .map_err(|e| protocol(format!("undecodable text: {e}")))?;
            out.push_str(&s);
        }
        RawEv::CData(c) => {
            let s = c
                .decode()
                .map_err(|e| protocol(format!("undecodable CDATA: {e}")))?;
            out.push_str(&s);
        }
        RawEv::Ref(r) => {
            let name = r
                .decode()
                .map_err(|e| protocol(format!("undecodable reference: {e}")))?;
            out.push(resolve_ref(&name)?);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

pub(crate) fn unescape_attr(raw: std::borrow::Cow<'_, str>) -> Result<String> {
    if !raw.contains('&') {
        return Ok(raw.into_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest: &str = &raw;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        let end = after
            .find(';')
            .ok_or_else(|| protocol("unterminated reference in an attribute"))?;
        out.push(resolve_ref(after.get(..end).unwrap_or(""))?);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// Parse a small document into a [`Node`].
pub fn parse_document(xml: &str) -> Result<Node> {
    Pull::new(xml.as_bytes()).document()
}

/// The body as UTF-8: a UTF-8 byte-order mark is dropped, a UTF-16 body (little- or big-endian,
/// told by its byte-order mark, as Twinfield sends the office list) is transcoded. Any other
/// body is returned as it is (the reader then refuses what is not UTF-8).
pub fn utf8_body(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    let utf16 = |bytes: &[u8], little: bool| -> Result<Cow<'_, [u8]>> {
        if !bytes.len().is_multiple_of(2) {
            return Err(Error::protocol(
                "a UTF-16 body with an odd number of bytes is refused",
            ));
        }
        let units = bytes.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::protocol("the UTF-16 body holds an unpaired surrogate"))?;
        // The declaration still names UTF-16; the text is now UTF-8.
        let text = match text.find("?>") {
            Some(end) if text.starts_with("<?xml") => {
                let decl = text[..end]
                    .replace("utf-16", "utf-8")
                    .replace("UTF-16", "UTF-8");
                format!("{decl}{}", &text[end..])
            }
            _ => text,
        };
        Ok(Cow::Owned(text.into_bytes()))
    };
    match body {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Ok(Cow::Borrowed(rest)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => Ok(Cow::Borrowed(body)),
    }
}

/// An element with its attributes, text and children (a small subtree).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Local name.
    pub name: String,
    /// Attributes (local names), values unescaped.
    pub attrs: Vec<(String, String)>,
    /// The element's own text.
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Node>,
}

impl Node {
    /// An attribute's value.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Node> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name, when present and non-empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The child at a `/`-separated path.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |n, part| n.child(part))
    }

    /// Trimmed text at a `/`-separated path, when non-empty.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.at(path)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_predefined_entities_and_char_refs() {
        let n = parse_document("<a x=\"&lt;b&#65;\">1 &amp; 2&#x41;<![CDATA[<c>]]></a>").unwrap();
        assert_eq!(n.attr("x"), Some("<bA"));
        assert_eq!(n.text, "1 & 2A<c>");
    }

    #[test]
    fn refuses_doctype_and_custom_entities() {
        let e = parse_document("<!DOCTYPE a [<!ENTITY x \"boom\">]><a>&x;</a>").unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Protocol);
        let e = parse_document("<a>&x;</a>").unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Protocol);
        let e = parse_document("<a b=\"&x;\"/>").unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Protocol);
    }

    /// `depth` nested `<a>` elements, closed when `closed`.
    fn nested(depth: usize, closed: bool) -> String {
        let mut xml = "<a>".repeat(depth);
        if closed {
            xml.push_str(&"</a>".repeat(depth));
        }
        xml
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_one_more_is_refused() {
        let n = parse_document(&nested(MAX_DEPTH, true)).unwrap();
        let mut levels = 1;
        let mut at = &n;
        while let Some(c) = at.children.first() {
            levels += 1;
            at = c;
        }
        assert_eq!(levels, MAX_DEPTH);
        let e = parse_document(&nested(MAX_DEPTH + 1, true)).unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Protocol);
        assert!(e.message().contains("deeper than 64 levels"), "{e}");
        // Siblings do not add up: depth is nesting, not element count.
        let wide = format!("<a>{}</a>", "<b><c/></b>".repeat(10_000));
        assert_eq!(parse_document(&wide).unwrap().children.len(), 10_000);
    }

    /// The body that aborted the process before R05: 70,000 levels, under 500 KB. The tree was
    /// built iteratively but dropped recursively, one stack frame per level.
    #[test]
    fn seventy_thousand_levels_are_an_error_not_a_stack_overflow() {
        let xml = nested(70_000, true);
        assert!(xml.len() < 500_000);
        let e = parse_document(&xml).unwrap_err();
        assert_eq!(e.kind(), &grootboek_core::ErrorKind::Protocol);
        assert!(e.message().contains("64"), "{e}");
    }

    #[test]
    fn a_million_levels_are_refused_at_the_limit_without_reading_on() {
        for closed in [false, true] {
            let xml = nested(1_000_000, closed);
            let started = std::time::Instant::now();
            let mut p = Pull::new(xml.as_bytes());
            let mut events = 0usize;
            let e = loop {
                match p.next_event() {
                    Ok(Some(_)) => events += 1,
                    Ok(None) => panic!("a million levels were read to the end"),
                    Err(e) => break e,
                }
            };
            let took = started.elapsed();
            eprintln!(
                "1,000,000 levels (closed: {closed}) refused after {events} events in {took:?}"
            );
            assert_eq!(events, MAX_DEPTH, "refused as the limit is passed");
            assert!(e.message().contains("deeper than 64 levels"), "{e}");
            assert!(took < std::time::Duration::from_secs(1), "{took:?}");
        }
    }

    #[test]
    fn builds_nodes_with_prefixes_stripped() {
        let n = parse_document("<s:a><s:b k=\"v\">t</s:b><c/></s:a>").unwrap();
        assert_eq!(n.name, "a");
        assert_eq!(n.text_of("b"), Some("t"));
        assert_eq!(n.child("b").and_then(|b| b.attr("k")), Some("v"));
        assert!(n.child("c").is_some());
        assert!(parse_document("<a><b></a>").is_err());
        assert!(parse_document("<a><b>").is_err());
    }
}
