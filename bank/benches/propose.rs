//! `cargo bench -p grootboek-bank --bench propose`: the time to read a 500-line MT940 and
//! CAMT.053 statement and to propose matches against 2,000 open items (issue 16's target: under
//! a second), best of several runs. Prints figures; asserts nothing.

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use grootboek_bank::{parse_camt053, parse_mt940, propose_matches};

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let runs = if std::env::args().any(|a| a == "--bench") {
        20
    } else {
        1
    };
    let specs = synthetic::specs();
    let items = synthetic::open_items();
    let mt940 = synthetic::mt940_of(&specs);
    let camt = synthetic::camt_of(&specs);
    let (t_mt, statements) = best(runs, || parse_mt940(&mt940).expect("the MT940 reads"));
    let lines = &statements[0].lines;
    let (t_camt, _) = best(runs, || {
        parse_camt053(camt.as_bytes()).expect("the CAMT reads")
    });
    let (t_prop, proposals) = best(runs, || propose_matches(&items, lines));
    let proposed = proposals
        .iter()
        .filter(|p| !p.candidates.is_empty())
        .count();
    println!(
        "{} lines against {} open items, best of {runs}:",
        lines.len(),
        items.len()
    );
    println!(
        "  read MT940 ({} KB)      {:>8.3} ms",
        mt940.len() / 1024,
        t_mt.as_secs_f64() * 1e3
    );
    println!(
        "  read CAMT.053 ({} KB)   {:>8.3} ms",
        camt.len() / 1024,
        t_camt.as_secs_f64() * 1e3
    );
    println!(
        "  propose                 {:>8.3} ms  ({proposed} lines with a proposal)",
        t_prop.as_secs_f64() * 1e3
    );
}
