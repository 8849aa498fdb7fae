//! R05 with bounded memory: Twinfield XML nested a million levels deep — in the SOAP body, or in
//! the ProcessXml result document inside it — is refused by the adapter's decoder, and refusing
//! it allocates no more than a small multiple of the body (no per-level stack frames, no tree).
//! Measured with a counting allocator: the peak of live heap bytes while the body is read, less
//! what was live before.
//!
//! One test function in this binary, so no other test allocates while it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use grootboek_core::ErrorKind;
use grootboek_twinfield::decode;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak live heap bytes above the starting level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst) - base)
}

const LEVELS: usize = 1_000_000;

fn soap(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ProcessXmlStringResponse xmlns=\"http://www.twinfield.com/\"><ProcessXmlStringResult>\
         {body}</ProcessXmlStringResult></ProcessXmlStringResponse></soap:Body></soap:Envelope>"
    )
}

#[test]
fn a_million_levels_of_xml_are_refused_within_a_bounded_allocation() {
    let bodies = [
        (
            "nested elements in the SOAP body",
            soap(&format!(
                "{}{}",
                "<a>".repeat(LEVELS),
                "</a>".repeat(LEVELS)
            )),
        ),
        (
            "nested elements in the result document (CDATA)",
            soap(&format!(
                "<![CDATA[<browse>{}{}</browse>]]>",
                "<tr>".repeat(LEVELS),
                "</tr>".repeat(LEVELS)
            )),
        ),
        (
            "nested elements in the result document (entity-escaped)",
            soap(&format!(
                "&lt;browse&gt;{}&lt;/browse&gt;",
                "&lt;tr&gt;".repeat(LEVELS)
            )),
        ),
        (
            "elements opened and never closed",
            format!("<soap:Envelope>{}", "<a>".repeat(LEVELS)),
        ),
    ];
    for (name, body) in bodies {
        let (read, peak) = peak_during(|| decode::open_items(body.as_bytes(), Some("NLA000001")));
        let err = read.expect_err(name);
        assert_eq!(*err.kind(), ErrorKind::Protocol, "{name}: {err}");
        assert!(
            err.to_string().contains("deeper than 64 levels"),
            "{name}: the error names the limit: {err}"
        );
        // No more than twice the body (an unescaped copy of the inner document at most), plus
        // a small constant: nothing per level of nesting.
        let bound = 2 * body.len() + 64 * 1024;
        assert!(
            peak <= bound,
            "{name}: refusing a {} byte body allocated {peak} bytes at peak (bound {bound})",
            body.len()
        );
    }
}
