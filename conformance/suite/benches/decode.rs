//! Decoding speed and memory of the three adapters' open-item decoders, on generated payloads in
//! each vendor's real listing shape: a Twinfield browse of customer transactions (35,000 lines,
//! the office of issue 15), an Exact `ReceivablesList` answer and an AFAS GetConnector answer
//! (25,000 rows each).
//!
//! `cargo bench -p grootboek-conformance --bench decode` prints, per vendor: the payload's size,
//! the best of several decodes (time and MB/s), and the peak of live heap bytes while decoding as
//! a multiple of the payload (measured in one further run with a counting allocator, which the
//! timed runs do not pay for). The payloads are written to
//! `target/bench-payloads/` so that `scripts/bench-decode.sh` can time a peer (CPython's `json`
//! with `Decimal`) on the very same files.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// The global allocator: the system one, counting live bytes only while [`COUNTING`] is on, so
/// that the timed runs pay nothing for the count and one further run measures the peak.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let now = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs of each decoder; the best is reported (the least disturbed by other work).
const RUNS: usize = 7;

fn twinfield_browse(lines: usize) -> String {
    let fields = [
        ("fin.trs.head.code", "String"),
        ("fin.trs.head.number", "String"),
        ("fin.trs.head.date", "Date"),
        ("fin.trs.head.curcode", "String"),
        ("fin.trs.line.dim2", "String"),
        ("fin.trs.line.invnumber", "String"),
        ("fin.trs.line.datedue", "Date"),
        ("fin.trs.line.valuesigned", "Value"),
        ("fin.trs.line.basevaluesigned", "Value"),
        ("fin.trs.line.openvaluesigned", "Value"),
        ("fin.trs.line.openbasevaluesigned", "Value"),
        ("fin.trs.line.matchstatus", "String"),
    ];
    let mut s = String::with_capacity(lines * 1_400);
    s.push_str(&format!(
        "<browse result=\"1\" first=\"1\" last=\"{lines}\" total=\"{lines}\"><th>"
    ));
    for (f, t) in fields {
        s.push_str(&format!(
            "<td label=\"{f}\" hideforuser=\"false\" type=\"{t}\">{f}</td>"
        ));
    }
    s.push_str("</th>");
    for n in 0..lines {
        let number = 202_600_000 + n;
        let value = format!("{}.{:02}", 100 + n % 9_000, n % 100);
        let open = if n % 3 == 0 {
            "0.00".to_string()
        } else {
            value.clone()
        };
        let cells = [
            "VRK".to_string(),
            number.to_string(),
            format!("202601{:02}", 1 + n % 28),
            "EUR".to_string(),
            format!("{}", 1000 + n % 500),
            format!("F{number}"),
            format!("202602{:02}", 1 + n % 28),
            value.clone(),
            value.clone(),
            open.clone(),
            open,
            if n % 3 == 0 { "matched" } else { "available" }.to_string(),
        ];
        s.push_str("<tr>");
        for ((f, t), v) in fields.iter().zip(cells) {
            s.push_str(&format!(
                "<td field=\"{f}\" hideforuser=\"false\" type=\"{t}\">{v}</td>"
            ));
        }
        s.push_str(&format!(
            "<key><office>NLA000001</office><code>VRK</code><number>{number}</number><line>1</line></key></tr>"
        ));
    }
    s.push_str("</browse>");
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ProcessXmlStringResponse xmlns=\"http://www.twinfield.com/\"><ProcessXmlStringResult>\
         <![CDATA[{s}]]></ProcessXmlStringResult></ProcessXmlStringResponse></soap:Body></soap:Envelope>"
    )
}

fn exact_receivables(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 700);
    s.push_str("{\"d\":{\"results\":[");
    for n in 0..rows {
        if n > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"__metadata\":{{\"uri\":\"https://start.exactonline.nl/api/v1/1100001/read/financial/ReceivablesList({hid})\",\
             \"type\":\"Exact.Web.Api.Models.Financial.ReceivablesList\"}},\"HID\":{hid},\
             \"Id\":\"{n:08x}-3d1a-4b8e-9a41-7c2d6e0b1a17\",\"AccountCode\":\"{code:>18}\",\
             \"AccountId\":\"4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64\",\"Amount\":{amount},\"CurrencyCode\":\"EUR\",\
             \"DueDate\":\"/Date(1770163200000)/\",\"EntryNumber\":{entry},\"InvoiceDate\":\"/Date(1767571200000)/\",\
             \"InvoiceNumber\":{entry},\"JournalCode\":\"70\",\"YourRef\":\"F{entry}\"}}",
            hid = 1000 + n,
            code = 100 + n % 500,
            amount = format_args!("{}.{:02}", 100 + n % 9_000, n % 100),
            entry = 26_700_000 + n,
        ));
    }
    s.push_str("]}}");
    s
}

fn afas_rows(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 330);
    s.push_str("{\"skip\":0,\"take\":25000,\"rows\":[");
    for n in 0..rows {
        if n > 0 {
            s.push(',');
        }
        let amount = format!("{}.{:02}", 100 + n % 9_000, n % 100);
        s.push_str(&format!(
            "{{\"UnitId\":1,\"DebtorId\":\"{debtor}\",\"InvoiceNr\":\"IH{n:06}\",\
             \"NookPieceDate\":\"2026-01-05T00:00:00Z\",\"ExpDate\":\"2026-02-04T00:00:00Z\",\"CurrencyId\":\"EUR\",\
             \"AmtInvoice\":{amount},\"AmtInvoiceCurr\":{amount},\"Balance\":{amount},\"BalanceCurr\":{amount},\
             \"Description\":\"Levering {n}\",\"EntryNo\":{entry}}}",
            debtor = 10_000 + n % 500,
            entry = 1 + n,
        ));
    }
    s.push_str("]}");
    s
}

/// Decode `payload` `RUNS` times; print the best time, MB/s and the peak heap multiple.
fn measure(name: &str, payload: &[u8], decode: impl Fn(&[u8]) -> Result<usize, String>) {
    let run = || match decode(payload) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{name}: the payload did not decode: {e}");
            std::process::exit(1);
        }
    };
    // Timed runs, with the allocator not counting.
    let mut best = Duration::MAX;
    let mut items = 0usize;
    for _ in 0..RUNS {
        let started = Instant::now();
        items = run();
        best = best.min(started.elapsed());
    }
    // One counted run: the peak of live heap bytes above what was live before it.
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    run();
    COUNTING.store(false, Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed).max(0) as usize;
    let mb = payload.len() as f64 / 1_000_000.0;
    println!(
        "{name:<10} {mb:>7.2} MB  {items:>6} items  best {:>8.2} ms  {:>7.1} MB/s  peak heap {:>5.2}x payload",
        best.as_secs_f64() * 1000.0,
        mb / best.as_secs_f64(),
        peak as f64 / payload.len() as f64
    );
}

fn write_payload(name: &str, payload: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-payloads");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(name), payload);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run once, small.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (browse_lines, rows) = if quick { (300, 300) } else { (35_000, 25_000) };
    println!("open-item decoders: best of {RUNS} timed runs, then one run counting the heap");

    let tw = twinfield_browse(browse_lines);
    write_payload("twinfield-browse.xml", &tw);
    measure("twinfield", tw.as_bytes(), |b| {
        grootboek_twinfield::decode::open_items(b, Some("NLA000001"))
            .map(|v| v.len())
            .map_err(|e| e.to_string())
    });

    let ex = exact_receivables(rows);
    write_payload("exact-receivables.json", &ex);
    measure("exact", ex.as_bytes(), |b| {
        grootboek_exact::decode::open_items(b, Some("1100001"))
            .map(|v| v.len())
            .map_err(|e| e.to_string())
    });

    let af = afas_rows(rows);
    write_payload("afas-open-items.json", &af);
    measure("afas", af.as_bytes(), |b| {
        grootboek_afas::decode::open_items(b, Some("1"))
            .map(|v| v.len())
            .map_err(|e| e.to_string())
    });
}
