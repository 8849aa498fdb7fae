//! R05: hostile GetConnector and UpdateConnector answers nested a million levels deep are refused
//! with a protocol error naming the depth limit, quickly and without building a tree; real
//! answers still decode.

use std::time::{Duration, Instant};

use grootboek_afas::decode;
use grootboek_afas::wire::json::parse_lenient;
use grootboek_core::json::MAX_DEPTH;
use grootboek_core::ErrorKind;

const LEVELS: usize = 1_000_000;

/// Hostile answers: `LEVELS` arrays, objects, and row lists, in a GetConnector answer and bare,
/// closed and left open.
fn bodies() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, open, inner, close) in [
        ("arrays", "[", "1", "]"),
        ("objects", "{\"a\":", "1", "}"),
        ("rows", "{\"rows\":[", "{}", "]}"),
    ] {
        for closed in [false, true] {
            let mut nested = open.repeat(LEVELS);
            if closed {
                nested.push_str(inner);
                nested.push_str(&close.repeat(LEVELS));
            }
            out.push((
                format!("{name} in rows (closed: {closed})"),
                format!("{{\"skip\":0,\"take\":100,\"rows\":[{{\"x\":{nested}}}]}}"),
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
fn a_million_levels_are_refused_by_every_reader() {
    for (what, body) in bodies() {
        assert_depth_refusal(
            &what,
            timed(&format!("parse_lenient, {what}"), || parse_lenient(&body)),
        );
        let b = body.as_bytes();
        assert_depth_refusal(&what, decode::rows(b));
        assert_depth_refusal(&what, decode::open_items(b, Some("1")));
        assert_depth_refusal(&what, decode::vat_codes(b));
        assert_depth_refusal(&what, decode::invoice(b, Some("1"), None));
        assert_depth_refusal(&what, decode::dimension(b));
    }
}

#[test]
fn real_answers_still_decode() {
    let items = decode::open_items(
        include_bytes!("../../../fixtures/afas/get_debtor_invoices_10001.json"),
        Some("1"),
    )
    .unwrap();
    assert_eq!(items.len(), 2);
    let legacy = parse_lenient(include_str!(
        "../../../fixtures/afas/get_debtor_invoices_legacy_decimal.txt"
    ))
    .unwrap();
    assert!(legacy.get("rows").is_some());
}
