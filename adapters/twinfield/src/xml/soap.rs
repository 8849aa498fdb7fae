//! Reading SOAP replies: faults, `ProcessXmlString` results and Finder searches, streamed.

use grootboek_core::{Error, Result};

use super::read::{Ev, Node, Pull};

fn protocol(msg: impl Into<String>) -> Error {
    Error::protocol(msg.into()).with_vendor(grootboek_core::Vendor::Twinfield)
}

/// A SOAP fault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fault {
    /// `faultcode` (`soap:Client`, `soap:Server`).
    pub faultcode: String,
    /// `faultstring`.
    pub faultstring: String,
    /// `detail/code` (Twinfield's numeric code, e.g. `354`).
    pub code: Option<String>,
    /// `detail/message`.
    pub message: Option<String>,
}

impl Fault {
    fn from_node(n: &Node) -> Self {
        Fault {
            faultcode: n.text_of("faultcode").unwrap_or_default().to_string(),
            faultstring: n.text_of("faultstring").unwrap_or_default().to_string(),
            code: n.text_at("detail/code").map(str::to_string),
            message: n.text_at("detail/message").map(str::to_string),
        }
    }

    /// The best message: the detail message or the fault string.
    pub fn text(&self) -> &str {
        self.message.as_deref().unwrap_or(&self.faultstring)
    }
}

/// What a SOAP body held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<T> {
    /// A SOAP fault.
    Fault(Fault),
    /// The operation's result.
    Ok(T),
}

/// Walk to the first child of `Body`; returns its name and attributes.
fn body_child(p: &mut Pull<'_>) -> Result<(String, Vec<(String, String)>)> {
    let mut in_body = false;
    loop {
        match p.next_event()? {
            Some(Ev::Start(name, attrs)) => {
                if in_body {
                    return Ok((name, attrs));
                }
                if name == "Body" {
                    in_body = true;
                }
            }
            Some(_) => {}
            None => return Err(protocol("the SOAP reply has no Body")),
        }
    }
}

/// Read a `ProcessXmlString` reply: the inner document as text (unescaped), or the fault.
pub fn process_xml_reply(body: &[u8]) -> Result<Reply<String>> {
    let body = super::read::utf8_body(body)?;
    let mut p = Pull::new(&body);
    let (name, attrs) = body_child(&mut p)?;
    if name == "Fault" {
        return Ok(Reply::Fault(Fault::from_node(&p.node(name, attrs)?)));
    }
    // <ProcessXmlStringResponse><ProcessXmlStringResult>…escaped document…</…></…>
    let mut depth = 0usize;
    let mut inside_result = false;
    let mut out = String::new();
    loop {
        match p.next_event()? {
            Some(Ev::Start(n, _)) => {
                depth += 1;
                if n.ends_with("Result") && depth == 1 {
                    inside_result = true;
                }
            }
            Some(Ev::Text(t)) if inside_result => out.push_str(&t),
            Some(Ev::Text(_)) => {}
            Some(Ev::End(_)) => {
                if depth == 0 {
                    break;
                }
                if depth == 1 {
                    inside_result = false;
                }
                depth -= 1;
            }
            None => break,
        }
    }
    if out.trim().is_empty() {
        return Err(protocol(format!(
            "the {name} reply holds no result document"
        )));
    }
    Ok(Reply::Ok(out))
}

/// A message in a Finder `SearchResult`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinderMessage {
    /// `Error`, `Warning` or `Informational`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// The code (`NoAccessToOffice`, `InvalidFinderType`…).
    pub code: String,
}

/// A Finder result page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinderPage {
    /// Messages from `SearchResult`.
    pub messages: Vec<FinderMessage>,
    /// `TotalRows`.
    pub total_rows: u32,
    /// Column labels.
    pub columns: Vec<String>,
    /// Rows of strings.
    pub rows: Vec<Vec<String>>,
}

/// Read a Finder `Search` reply, streaming row by row.
pub fn finder_reply(body: &[u8]) -> Result<Reply<FinderPage>> {
    let mut p = Pull::new(body);
    let (name, attrs) = body_child(&mut p)?;
    if name == "Fault" {
        return Ok(Reply::Fault(Fault::from_node(&p.node(name, attrs)?)));
    }
    let mut page = FinderPage::default();
    let mut depth = 0usize;
    loop {
        match p.next_event()? {
            Some(Ev::Start(n, a)) => match n.as_str() {
                "SearchResult" => {
                    let node = p.node(n, a)?;
                    for m in node.children.iter() {
                        page.messages.push(FinderMessage {
                            kind: m.text_of("Type").unwrap_or_default().to_string(),
                            text: m.text_of("Text").unwrap_or_default().to_string(),
                            code: m.text_of("Code").unwrap_or_default().to_string(),
                        });
                    }
                }
                "TotalRows" => {
                    let node = p.node(n, a)?;
                    page.total_rows = node.text.trim().parse().unwrap_or(0);
                }
                "Columns" => {
                    let node = p.node(n, a)?;
                    page.columns = node.children.iter().map(|c| c.text.clone()).collect();
                }
                "Items" => {
                    // Each <ArrayOfString> is one row; gather one row at a time.
                    loop {
                        match p.next_event()? {
                            Some(Ev::Start(rn, ra)) => {
                                let row = p.node(rn, ra)?;
                                page.rows
                                    .push(row.children.iter().map(|c| c.text.clone()).collect());
                            }
                            Some(Ev::End(_)) => break,
                            Some(Ev::Text(_)) => {}
                            None => return Err(protocol("the Finder reply ends inside Items")),
                        }
                    }
                }
                _ => depth += 1,
            },
            Some(Ev::End(_)) => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Some(Ev::Text(_)) => {}
            None => break,
        }
    }
    Ok(Reply::Ok(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_fault() {
        let xml = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Access denied. Token invalid.</faultstring><detail><message>Access denied. Token invalid.</message><code>354</code><source>ProcessXmlDocument</source></detail></soap:Fault></soap:Body></soap:Envelope>"#;
        match process_xml_reply(xml.as_bytes()).unwrap() {
            Reply::Fault(f) => {
                assert_eq!(f.code.as_deref(), Some("354"));
                assert_eq!(f.text(), "Access denied. Token invalid.");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_an_escaped_result() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ProcessXmlStringResponse xmlns="http://www.twinfield.com/"><ProcessXmlStringResult>&lt;salesinvoice msgtype="error" msg="Factuur 20200026 van type FACTUUR bestaat niet." result="0" /&gt;</ProcessXmlStringResult></ProcessXmlStringResponse></soap:Body></soap:Envelope>"#;
        match process_xml_reply(xml.as_bytes()).unwrap() {
            Reply::Ok(doc) => assert!(doc.starts_with("<salesinvoice msgtype=\"error\""), "{doc}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_finder_rows() {
        let xml = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><SearchResponse xmlns="http://www.twinfield.com/"><SearchResult /><data><TotalRows>2</TotalRows><Columns><string>Code</string><string>Naam</string></Columns><Items><ArrayOfString><string>VRK</string><string>Verkoop</string></ArrayOfString><ArrayOfString><string>MEMO</string><string>Memoriaal</string></ArrayOfString></Items></data></SearchResponse></soap:Body></soap:Envelope>"#;
        match finder_reply(xml.as_bytes()).unwrap() {
            Reply::Ok(p) => {
                assert_eq!(p.total_rows, 2);
                assert_eq!(p.rows.len(), 2);
                assert_eq!(p.rows[1], vec!["MEMO".to_string(), "Memoriaal".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }
}
