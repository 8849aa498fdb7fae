//! R05: hostile bodies nested a million levels deep are refused by every Exact reader (OData
//! listings, single entities, error bodies, webhook notifications) with a protocol error naming
//! the depth limit, quickly and without building a tree; real answers still decode.

use std::time::{Duration, Instant};

use grootboek_core::json::MAX_DEPTH;
use grootboek_core::ErrorKind;
use grootboek_exact::{decode, odata, webhooks};
use secrecy::SecretString;

const LEVELS: usize = 1_000_000;

/// Hostile OData answers: `LEVELS` arrays, objects, and objects around arrays, inside the `d`
/// envelope and bare, closed and left open.
fn bodies() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, open, inner, close) in [
        ("arrays", "[", "1", "]"),
        ("objects", "{\"a\":", "1", "}"),
        ("results", "{\"results\":[", "{}", "]}"),
    ] {
        for closed in [false, true] {
            let mut nested = open.repeat(LEVELS);
            if closed {
                nested.push_str(inner);
                nested.push_str(&close.repeat(LEVELS));
            }
            out.push((
                format!("{name} in d (closed: {closed})"),
                format!("{{\"d\":{nested}}}"),
            ));
            out.push((format!("bare {name} (closed: {closed})"), nested));
        }
    }
    out
}

fn assert_depth_refusal<T: std::fmt::Debug>(what: &str, result: grootboek_core::Result<T>) {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), &ErrorKind::Protocol, "{what}: {e}");
    assert!(
        e.message()
            .contains(&format!("deeper than {MAX_DEPTH} levels")),
        "{what}: the error names the limit: {e}"
    );
}

/// Run `f`, print how long it took and check it took under a second: the refusal stops at the
/// limit, so a debug build takes about a millisecond.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    eprintln!("{what}: refused in {took:?}");
    assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    out
}

#[test]
fn a_million_levels_are_refused_by_every_odata_reader() {
    for (what, body) in bodies() {
        let b = body.as_bytes();
        assert_depth_refusal(
            &what,
            timed(&format!("parse_page, {what}"), || odata::parse_page(b)),
        );
        assert_depth_refusal(&what, odata::parse_single(b));
        assert_depth_refusal(&what, decode::open_items(b, Some("1")));
        assert_depth_refusal(&what, decode::invoice(b, Some("1"), None));
        assert_depth_refusal(&what, decode::dimension(b));
        // The error body reader falls back to the raw text (500 characters at most).
        let (code, message) = timed(&format!("parse_error, {what}"), || odata::parse_error(b));
        assert!(code.is_none());
        assert!(message.is_some_and(|m| m.chars().count() <= 500));
    }
}

#[test]
fn a_webhook_nested_a_million_levels_deep_is_refused_after_its_signature() {
    let secret = SecretString::from("geheim".to_string());
    let content = format!("{{\"Division\":1,\"x\":{}}}", "[".repeat(LEVELS));
    let hash = webhooks::sign(&secret, content.as_bytes()).unwrap();
    let body = format!("{{\"Content\":{content},\"HashCode\":\"{hash}\"}}");
    assert_depth_refusal(
        "webhook",
        timed("webhook", || webhooks::verify(&secret, body.as_bytes())),
    );
}

#[test]
fn real_answers_still_decode() {
    let items = decode::open_items(
        include_bytes!("../../../fixtures/exact/receivables_list.json"),
        None,
    )
    .unwrap();
    assert_eq!(items.len(), 1);
    let dims =
        decode::dimension(include_bytes!("../../../fixtures/exact/accounts_list.json")).unwrap();
    assert!(!dims.is_empty());
    let page = odata::parse_page(include_bytes!(
        "../../../fixtures/exact/sales_entry_expanded.json"
    ))
    .unwrap();
    assert_eq!(page.rows.len(), 1);
}
