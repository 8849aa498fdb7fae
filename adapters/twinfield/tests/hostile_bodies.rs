//! R05: hostile bodies — nesting a million levels deep, entity declarations — are refused by every
//! Twinfield reader with a protocol error, quickly and without reading on, never with a stack
//! overflow that aborts the process; real answers still decode.

use std::time::{Duration, Instant};

use grootboek_core::ErrorKind;
use grootboek_twinfield::decode;
use grootboek_twinfield::xml::read::MAX_DEPTH;
use grootboek_twinfield::xml::soap::{finder_reply, process_xml_reply};

const LEVELS: usize = 1_000_000;

fn envelope(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>{inner}</soap:Body></soap:Envelope>"
    )
}

/// `LEVELS` nested elements, opened and closed.
fn deep(name: &str) -> String {
    let mut xml = format!("<{name}>").repeat(LEVELS);
    xml.push_str(&format!("</{name}>").repeat(LEVELS));
    xml
}

fn assert_depth_refusal(what: &str, result: grootboek_core::Result<impl std::fmt::Debug>) {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), &ErrorKind::Protocol, "{what}: {e}");
    assert!(
        e.message()
            .contains(&format!("deeper than {MAX_DEPTH} levels")),
        "{what}: the error names the limit: {e}"
    );
}

/// Run `f`, print how long it took, and check it took under a second (the refusal stops at the
/// limit, so even a debug build takes milliseconds for the nesting itself; what remains is
/// copying the multi-megabyte body once).
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    eprintln!("{what}: refused in {took:?}");
    assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    out
}

/// Run `f` and print how long it took.
fn untimed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    eprintln!("{what}: refused in {:?}", started.elapsed());
    out
}

#[test]
fn a_million_levels_in_the_soap_envelope_are_refused() {
    let body = envelope(&deep("ProcessXmlStringResponse"));
    assert_depth_refusal(
        "process_xml_reply",
        timed("SOAP reply, 1,000,000 levels", || {
            process_xml_reply(body.as_bytes())
        }),
    );
    let body = envelope(&format!(
        "<SearchResponse><data><Items>{}</Items></data></SearchResponse>",
        deep("ArrayOfString")
    ));
    assert_depth_refusal(
        "finder_reply",
        timed("Finder reply, 1,000,000 levels", || {
            finder_reply(body.as_bytes())
        }),
    );
    let body = envelope(&format!("<soap:Fault>{}</soap:Fault>", deep("detail")));
    assert_depth_refusal(
        "fault",
        timed("SOAP fault, 1,000,000 levels", || {
            process_xml_reply(body.as_bytes())
        }),
    );
}

#[test]
fn a_million_levels_in_the_processxml_result_document_are_refused() {
    // The result document alone, as every decoder reads it.
    let doc = deep("transaction");
    for (what, f) in [
        ("invoice", decode::invoice as fn(&[u8]) -> _),
        ("credit note", decode::credit_note),
    ] {
        assert_depth_refusal(what, timed(what, || f(doc.as_bytes())));
    }
    assert_depth_refusal(
        "dimension",
        timed("dimension", || {
            decode::dimension(deep("dimension").as_bytes())
        }),
    );
    let browse = format!("<browse><tr>{}</tr></browse>", deep("td"));
    assert_depth_refusal(
        "open items",
        timed("browse", || decode::open_items(browse.as_bytes(), None)),
    );
    // The result document inside a SOAP answer, in CDATA (the escaped form is the same
    // document once unescaped).
    let wrapped = envelope(&format!(
        "<ProcessXmlStringResponse><ProcessXmlStringResult><![CDATA[{}]]></ProcessXmlStringResult></ProcessXmlStringResponse>",
        deep("transaction")
    ));
    // Reading the 7 MB of CDATA out of the envelope is linear in the body's size (which the
    // response cap bounds), so this one is only printed, not timed.
    assert_depth_refusal(
        "invoice in a SOAP answer",
        untimed("invoice in a SOAP answer", || {
            decode::invoice(wrapped.as_bytes())
        }),
    );
    let escaped = envelope(&format!(
        "<ProcessXmlStringResponse><ProcessXmlStringResult>{}</ProcessXmlStringResult></ProcessXmlStringResponse>",
        "&lt;dimension&gt;".repeat(100_000)
    ));
    assert_depth_refusal(
        "escaped dimension in a SOAP answer",
        untimed("escaped dimension in a SOAP answer", || {
            decode::dimension(escaped.as_bytes())
        }),
    );
}

#[test]
fn a_doctype_with_an_entity_is_refused_everywhere() {
    let bomb =
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>";
    let body = format!("{bomb}{}", envelope("<ProcessXmlStringResponse><ProcessXmlStringResult>&lol2;</ProcessXmlStringResult></ProcessXmlStringResponse>"));
    let e = process_xml_reply(body.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Protocol);
    assert!(e.message().contains("DOCTYPE"), "{e}");
    let e =
        decode::dimension(format!("{bomb}<dimension>&lol2;</dimension>").as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Protocol);
    assert!(e.message().contains("DOCTYPE"), "{e}");
    // A DOCTYPE in the escaped result document is refused when that document is read.
    let escaped = envelope(
        "<ProcessXmlStringResponse><ProcessXmlStringResult>&lt;!DOCTYPE d [&lt;!ENTITY x \"y\"&gt;]&gt;&lt;dimension&gt;&amp;x;&lt;/dimension&gt;</ProcessXmlStringResult></ProcessXmlStringResponse>",
    );
    let e = decode::dimension(escaped.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Protocol);
    assert!(e.message().contains("DOCTYPE"), "{e}");
}

#[test]
fn real_answers_still_decode() {
    let invoices = decode::invoice(include_bytes!(
        "../../../fixtures/twinfield/transaction-sales-final.xml"
    ))
    .unwrap();
    assert!(!invoices.is_empty());
    let items = decode::open_items(include_bytes!("fixtures/browse-100.xml"), None).unwrap();
    assert_eq!(items.len(), 2);
    let dims = decode::dimension(include_bytes!(
        "../../../fixtures/twinfield/dimension-read-customer.xml"
    ))
    .unwrap();
    assert_eq!(dims.len(), 1);
    match finder_reply(include_bytes!(
        "../../../fixtures/twinfield/finder-vat-search.xml"
    ))
    .unwrap()
    {
        grootboek_twinfield::xml::soap::Reply::Ok(page) => assert_eq!(page.rows.len(), 2),
        other => panic!("{other:?}"),
    }
}
