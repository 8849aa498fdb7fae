//! `grootboek soak`: randomized writes and reads against one vendor's simulator, with faults of
//! every kind R01 names pushed before a share of the operations, judged at the end against the
//! simulator's OWN state (read in-process, never through the adapter).
//!
//! The judge follows the catalog's meaning (R01, R03), not any adapter's code:
//!
//! - **lost**: the caller got `Ok` (or an error saying `Applied`) and the vendor holds no entry.
//! - **duplicated**: the vendor holds more than one entry for one create (same kind and reference).
//! - **corrupted**: the entry differs from what was written: customer, kind, the lines' accounts,
//!   amounts and VAT codes, the total; for documents that were updated, a due date that no
//!   update asked for; a customer whose name is not the one written; an entry of this run that
//!   no create asked for.
//! - **phantom**: the caller got `NotApplied` and the entry exists anyway.
//! - **uncertain**: the caller got `Uncertain`: fine either way; counted, and resolved against
//!   the vendor's state (landed / not landed).
//! - **panics**: an operation panicked (each runs in its own task).
//! - **stalled**: an operation did not finish within the per-operation deadline.
//!
//! Faults: before an operation, with probability `fault_rate`, one rule is pushed for that
//! operation's next matching request (`times(1)`): for a write, the vendor's write request; for
//! a listing, whatever request comes next. After the operation, a rule that did not fire is
//! counted as unfired and cleared, so no fault leaks into the next operation. A revocation
//! (Exact, Twinfield) revokes the grant before the operation (which should then fail with
//! `ReconsentRequired`, nothing written), then consents again (fresh tokens stored in the
//! adapter), so that the rest of the run's writes still count.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use grootboek_core::{
    CountryCode, CreditNote, Defences, Dimension, DocumentKind, DocumentPatch, EntryId, Invoice,
    Ledger, Patch, SalesDocument, SalesLine, Vendor, WriteOutcome,
};
use grootboek_sim::common::{Fault, FaultSpec, RetryAfter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::case::Failure;
use crate::harness::{Harness, VendorBinding};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// How many operations.
    pub ops: usize,
    /// Probability (0–1) that one fault rule is pushed before an operation.
    pub fault_rate: f64,
    /// The RNG seed: the same seed gives the same operations and faults.
    pub seed: u64,
    /// How long one operation may take before it counts as stalled.
    pub op_deadline: Duration,
}

impl Default for SoakConfig {
    fn default() -> Self {
        Self {
            ops: 300,
            fault_rate: 0.15,
            seed: 1,
            op_deadline: Duration::from_secs(120),
        }
    }
}

/// One thing the judge found wrong, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `lost`, `duplicated`, `corrupted`, `phantom`, `panic`, `stalled`.
    pub class: String,
    /// The operation's number (0-based), when one operation is to blame.
    pub op: Option<usize>,
    /// The operation (`create_invoice`, …) and its key (reference or code).
    pub what: String,
    /// The fault pushed before that operation, if any.
    pub fault: Option<String>,
    /// What the caller got and what the vendor holds.
    pub detail: String,
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    /// The vendor.
    pub vendor: Vendor,
    /// Operations run.
    pub ops: usize,
    /// The fault rate asked for.
    pub fault_rate: f64,
    /// The seed.
    pub seed: u64,
    /// Wall-clock time of the run, in milliseconds.
    pub elapsed_ms: u128,
    /// Operations by kind.
    pub operations: BTreeMap<String, usize>,
    /// Faults pushed, by kind.
    pub faults: BTreeMap<String, usize>,
    /// Faults pushed that no request matched (cleared after their operation), by kind.
    pub faults_unfired: BTreeMap<String, usize>,
    /// Writes attempted (document creates and updates, customer creates).
    pub writes: usize,
    /// Writes the caller got `Ok` for.
    pub writes_ok: usize,
    /// What the caller got for writes that failed: `<error kind> / <outcome>` → count.
    pub write_errors: BTreeMap<String, usize>,
    /// Reads that failed, by error kind.
    pub read_errors: BTreeMap<String, usize>,
    /// The first write error of each `<fault>: <error kind>/<outcome>`: its operation and message.
    pub write_error_examples: BTreeMap<String, String>,
    /// For each fault kind, what the callers of the faulted writes got (`ok` or
    /// `<error kind>/<outcome>`) → count.
    pub write_results_by_fault: BTreeMap<String, BTreeMap<String, usize>>,
    /// Writes reported done whose entry the vendor does not hold.
    pub lost: usize,
    /// Creates the vendor holds more than once.
    pub duplicated: usize,
    /// Entries that differ from what was written.
    pub corrupted: usize,
    /// Writes reported not applied whose entry exists.
    pub phantom: usize,
    /// Writes the caller got `Uncertain` for.
    pub uncertain: usize,
    /// Of those, the ones the vendor holds (creates only).
    pub uncertain_landed: usize,
    /// Updates the caller got `Uncertain` for (either due date is accepted).
    pub uncertain_updates: usize,
    /// Operations that panicked.
    pub panics: usize,
    /// Operations that did not finish within the deadline.
    pub stalled: usize,
    /// What went wrong, one line each.
    pub findings: Vec<Finding>,
}

impl SoakReport {
    /// Whether nothing was lost, duplicated, corrupted or phantom and nothing panicked or stalled.
    pub fn is_clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.corrupted == 0
            && self.phantom == 0
            && self.panics == 0
            && self.stalled == 0
    }

    /// The counts that are not zero, as `name=count` (empty when clean).
    pub fn failing_counts(&self) -> Vec<String> {
        [
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("corrupted", self.corrupted),
            ("phantom", self.phantom),
            ("panics", self.panics),
            ("stalled", self.stalled),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k}={n}"))
        .collect()
    }

    /// The report as a terminal table.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "grootboek soak: {}, {} operations, fault rate {}, seed {} ({:.1} s)",
            self.vendor,
            self.ops,
            self.fault_rate,
            self.seed,
            self.elapsed_ms as f64 / 1000.0
        );
        let _ = writeln!(s, "\noperations");
        for (k, n) in &self.operations {
            let _ = writeln!(s, "  {k:<28} {n:>6}");
        }
        let _ = writeln!(s, "\nfaults (pushed, of which unfired)");
        let total: usize = self.faults.values().sum();
        for (k, n) in &self.faults {
            let unfired = self.faults_unfired.get(k).copied().unwrap_or(0);
            let _ = writeln!(s, "  {k:<28} {n:>6}  ({unfired} unfired)");
        }
        let _ = writeln!(s, "  {:<28} {total:>6}", "total");
        let _ = writeln!(s, "\nwrites");
        let _ = writeln!(s, "  {:<28} {:>6}", "attempted", self.writes);
        let _ = writeln!(s, "  {:<28} {:>6}", "ok", self.writes_ok);
        for (k, n) in &self.write_errors {
            let _ = writeln!(s, "  error {k:<22} {n:>6}");
        }
        let _ = writeln!(s, "\nwrite results by fault");
        for (f, m) in &self.write_results_by_fault {
            let parts: Vec<String> = m.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(s, "  {f:<28} {}", parts.join(", "));
        }
        if !self.write_error_examples.is_empty() {
            let _ = writeln!(s, "\nfirst write error of each kind");
            for (k, m) in &self.write_error_examples {
                let _ = writeln!(s, "  {k}: {m}");
            }
        }
        if !self.read_errors.is_empty() {
            let _ = writeln!(s, "\nread errors");
            for (k, n) in &self.read_errors {
                let _ = writeln!(s, "  {k:<28} {n:>6}");
            }
        }
        let _ = writeln!(s, "\njudged against the simulator's own state");
        for (k, n) in [
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("corrupted", self.corrupted),
            ("phantom", self.phantom),
        ] {
            let _ = writeln!(s, "  {k:<28} {n:>6}");
        }
        let _ = writeln!(
            s,
            "  {:<28} {:>6}  (landed {}, not landed {})",
            "uncertain",
            self.uncertain,
            self.uncertain_landed,
            self.uncertain - self.uncertain_landed
        );
        let _ = writeln!(
            s,
            "  {:<28} {:>6}",
            "uncertain updates", self.uncertain_updates
        );
        let _ = writeln!(s, "  {:<28} {:>6}", "panics", self.panics);
        let _ = writeln!(s, "  {:<28} {:>6}", "stalled", self.stalled);
        if !self.findings.is_empty() {
            let _ = writeln!(s, "\nfindings (first 30 of {})", self.findings.len());
            for f in self.findings.iter().take(30) {
                let op = f.op.map(|o| format!("op {o} ")).unwrap_or_default();
                let fault = f
                    .fault
                    .as_ref()
                    .map(|x| format!(" [fault: {x}]"))
                    .unwrap_or_default();
                let _ = writeln!(s, "  {}: {op}{}{fault}: {}", f.class, f.what, f.detail);
            }
        }
        let _ = writeln!(
            s,
            "\nverdict: {}",
            if self.is_clean() {
                "PASS".to_string()
            } else {
                format!("FAIL ({})", self.failing_counts().join(", "))
            }
        );
        s
    }
}

/// What the caller got for one write.
#[derive(Debug, Clone)]
enum Got {
    Ok,
    Err {
        kind: String,
        outcome: WriteOutcome,
        message: String,
    },
}

impl Got {
    fn describe(&self) -> String {
        match self {
            Got::Ok => "Ok".into(),
            Got::Err {
                kind,
                outcome,
                message,
            } => format!("{kind}/{outcome:?} ({message})"),
        }
    }
}

fn got<T>(r: &grootboek_core::Result<T>) -> Got {
    match r {
        Ok(_) => Got::Ok,
        Err(e) => Got::Err {
            kind: error_kind(e.kind()),
            outcome: e.outcome(),
            message: e.to_string().chars().take(200).collect(),
        },
    }
}

fn error_kind(k: &grootboek_core::ErrorKind) -> String {
    let s = format!("{k:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_string()
}

/// The fault kinds the soak pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    AfterCommit(u16),
    ResetAfterCommit,
    Before503RetryAfter,
    Before500,
    Latency,
    Revoke,
}

impl FaultKind {
    fn name(self) -> String {
        match self {
            FaultKind::AfterCommit(s) => format!("after_commit_{s}"),
            FaultKind::ResetAfterCommit => "reset_after_commit".into(),
            FaultKind::Before503RetryAfter => "before_503_retry_after".into(),
            FaultKind::Before500 => "before_500".into(),
            FaultKind::Latency => "latency_200ms".into(),
            FaultKind::Revoke => "revoke_grant".into(),
        }
    }

    fn fault(self) -> Option<Fault> {
        Some(match self {
            // What a gateway or proxy in front of the vendor answers (R01): its own HTML page,
            // not the vendor's error body (which a client may rightly read as a refusal).
            FaultKind::AfterCommit(s) => {
                let f = Fault::after_commit(s)
                    .with_body(format!(
                        "<html><head><title>{s} {}</title></head><body><center><h1>{s} {}</h1></center><hr><center>nginx</center></body></html>",
                        reason(s),
                        reason(s)
                    ))
                    .with_header("content-type", "text/html");
                if s == 429 {
                    f.with_retry_after(RetryAfter::Seconds(1))
                } else {
                    f
                }
            }
            FaultKind::ResetAfterCommit => Fault::reset_after_commit(),
            FaultKind::Before503RetryAfter => Fault::Status {
                status: 503,
                retry_after_secs: Some(1),
            },
            FaultKind::Before500 => Fault::before_handling(500),
            FaultKind::Latency => Fault::Latency { ms: 200 },
            FaultKind::Revoke => return None,
        })
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        _ => "Error",
    }
}

/// Which write request a fault rule for a write aims at.
#[derive(Debug, Clone, Copy)]
enum WriteTarget {
    DocumentCreate,
    DocumentUpdate,
    CustomerCreate,
}

/// A rule matching the vendor's write request of this kind (by the vendor's wire protocol).
fn write_rule(vendor: Vendor, target: WriteTarget, fault: Fault) -> FaultSpec {
    let spec = FaultSpec::new(fault).times(1);
    match (vendor, target) {
        (Vendor::Exact, WriteTarget::DocumentCreate) => {
            spec.method("POST").path_contains("SalesEntries")
        }
        (Vendor::Exact, WriteTarget::DocumentUpdate) => {
            spec.method("PUT").path_contains("SalesEntries")
        }
        (Vendor::Exact, WriteTarget::CustomerCreate) => {
            spec.method("POST").path_contains("crm/Accounts")
        }
        (Vendor::Afas, WriteTarget::CustomerCreate) => {
            spec.method("POST").path_contains("KnSalesRelationOrg")
        }
        (Vendor::Afas, _) => spec.path_contains("FiEntries"),
        (Vendor::Twinfield, WriteTarget::CustomerCreate) => spec
            .soap_action("ProcessXmlString")
            .root_element("dimension"),
        (Vendor::Twinfield, _) => spec
            .soap_action("ProcessXmlString")
            .root_element("transactions"),
    }
}

/// A document create and what became of it.
struct DocWrite {
    op: usize,
    doc: SalesDocument,
    got: Got,
    fault: Option<String>,
    id: Option<EntryId>,
    /// Due dates the vendor may hold now (after updates).
    due_ok: Vec<Option<NaiveDate>>,
    /// Due dates asked for by updates reported `NotApplied`: the update's operation, its fault,
    /// what the caller got, the date.
    due_refused: Vec<(usize, Option<String>, String, NaiveDate)>,
    /// Whether an update touched it (its due date is then judged).
    updated: bool,
}

struct CustomerWrite {
    op: usize,
    code: String,
    name: String,
    got: Got,
    fault: Option<String>,
}

/// One sales document as the vendor holds it, in neutral terms.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    /// Invoice or credit note, as the vendor's own type or sign says.
    pub kind: DocumentKind,
    /// The document reference (invoice number / YourRef).
    pub reference: String,
    /// The customer code.
    pub customer: String,
    /// The due date.
    pub due_date: Option<NaiveDate>,
    /// The gross total, positive.
    pub gross: Decimal,
    /// Revenue and VAT lines: account, amount (positive), VAT code.
    pub lines: Vec<(String, Decimal, Option<String>)>,
    /// The VAT total when the vendor keeps VAT on the revenue lines (Exact); `None` when VAT
    /// lines are among `lines`.
    pub inline_vat: Option<Decimal>,
}

/// The vendor's own state, read from the simulator.
#[derive(Debug, Clone, Default)]
pub struct StoredState {
    /// Sales documents of the main administration.
    pub docs: Vec<StoredDoc>,
    /// Customers of the main administration: code → name.
    pub customers: HashMap<String, String>,
}

/// Read the simulator's own state behind a harness (never through the adapter).
pub fn stored_state(harness: &dyn Harness) -> Result<StoredState, Failure> {
    let any = harness.as_any();
    #[cfg(feature = "exact")]
    if let Some(h) = any.downcast_ref::<crate::vendors::exact::ExactHarness>() {
        return Ok(exact_state(h));
    }
    #[cfg(feature = "twinfield")]
    if let Some(h) = any.downcast_ref::<crate::vendors::twinfield::TwinfieldHarness>() {
        return Ok(twinfield_state(h, &harness.fixture().administration));
    }
    #[cfg(feature = "afas")]
    if let Some(h) = any.downcast_ref::<crate::vendors::afas::AfasHarness>() {
        return afas_state(h, &harness.fixture().administration);
    }
    let _ = any;
    Err(Failure(format!(
        "the soak cannot read {}'s simulator state",
        harness.vendor()
    )))
}

#[cfg(feature = "exact")]
fn exact_state(h: &crate::vendors::exact::ExactHarness) -> StoredState {
    let div = h.division();
    let sim = h.sim();
    let accounts: HashMap<_, _> = sim
        .accounts(div)
        .into_iter()
        .map(|a| (a.id, (a.code, a.name)))
        .collect();
    let gl: HashMap<_, _> = sim
        .gl_accounts(div)
        .into_iter()
        .map(|g| (g.id, g.code))
        .collect();
    let docs = sim
        .sales_entries(div)
        .into_iter()
        .map(|e| StoredDoc {
            kind: if e.type_ == 21 {
                DocumentKind::CreditNote
            } else {
                DocumentKind::Invoice
            },
            reference: e.your_ref.clone().unwrap_or_default(),
            customer: accounts
                .get(&e.customer)
                .map(|(c, _)| c.trim().to_string())
                .unwrap_or_else(|| format!("?{}", e.customer)),
            due_date: e.due_date,
            gross: e.amount().abs(),
            lines: e
                .lines
                .iter()
                .map(|l| {
                    (
                        gl.get(&l.gl_account)
                            .cloned()
                            .unwrap_or_else(|| format!("?{}", l.gl_account)),
                        l.amount.abs(),
                        l.vat_code.clone().filter(|c| !c.trim().is_empty()),
                    )
                })
                .collect(),
            inline_vat: Some(e.vat_amount().abs()),
        })
        .collect();
    let customers = accounts
        .into_values()
        .map(|(c, n)| (c.trim().to_string(), n))
        .collect();
    StoredState { docs, customers }
}

#[cfg(feature = "twinfield")]
fn twinfield_state(h: &crate::vendors::twinfield::TwinfieldHarness, office: &str) -> StoredState {
    let sim = h.sim();
    let docs = sim
        .transactions(office)
        .into_iter()
        .filter_map(|t| {
            let total = t.lines.iter().find(|l| l.line_type == "total")?;
            Some(StoredDoc {
                kind: if total.debit_credit == "credit" {
                    DocumentKind::CreditNote
                } else {
                    DocumentKind::Invoice
                },
                reference: t.invoice_number.clone(),
                customer: total.dim2.clone(),
                due_date: t.due_date,
                gross: total.value.abs(),
                lines: t
                    .lines
                    .iter()
                    .filter(|l| l.line_type != "total")
                    .map(|l| {
                        (
                            l.dim1.clone(),
                            l.value.abs(),
                            Some(l.vat_code.clone()).filter(|c| !c.is_empty()),
                        )
                    })
                    .collect(),
                inline_vat: None,
            })
        })
        .collect();
    let customers = sim
        .dimensions(office)
        .into_iter()
        .filter(|d| d.dim_type == "DEB")
        .map(|d| (d.code, d.name))
        .collect();
    StoredState { docs, customers }
}

#[cfg(feature = "afas")]
fn afas_state(h: &crate::vendors::afas::AfasHarness, unit: &str) -> Result<StoredState, Failure> {
    let unit: u32 = unit
        .parse()
        .map_err(|_| Failure(format!("AFAS administration {unit} is not a number")))?;
    let sim = h.sim();
    let docs = sim
        .entries()
        .into_iter()
        .filter(|e| e.unit_id == unit)
        .filter_map(|e| {
            let debtor = e.lines.iter().find(|l| l.account_kind == "2")?;
            let invoice = debtor.debit > debtor.credit;
            Some(StoredDoc {
                kind: if invoice {
                    DocumentKind::Invoice
                } else {
                    DocumentKind::CreditNote
                },
                reference: debtor.invoice_id.clone().unwrap_or_default(),
                customer: debtor.debtor_id.clone().unwrap_or_default(),
                due_date: debtor.due_date,
                gross: (debtor.debit - debtor.credit).abs(),
                lines: e
                    .lines
                    .iter()
                    .filter(|l| l.account_kind != "2")
                    .map(|l| {
                        (
                            l.account_no.clone(),
                            (l.debit - l.credit).abs(),
                            l.vat_code.clone().filter(|c| !c.is_empty()),
                        )
                    })
                    .collect(),
                inline_vat: None,
            })
        })
        .collect();
    let customers = sim
        .debtors()
        .into_iter()
        .map(|d| (d.debtor_id, d.name.unwrap_or_default()))
        .collect();
    Ok(StoredState { docs, customers })
}

/// How the stored document differs from the written one, if it does (lines compared as
/// multisets: the written revenue lines must all be there; what remains are VAT lines, which
/// must carry the written VAT codes and add up to the written VAT).
fn differs(written: &SalesDocument, stored: &StoredDoc) -> Option<String> {
    if stored.kind != written.kind {
        return Some(format!("kind {} stored as {}", written.kind, stored.kind));
    }
    if stored.customer != written.customer {
        return Some(format!(
            "customer {} stored as {}",
            written.customer, stored.customer
        ));
    }
    let gross = written.gross_total().amount;
    if stored.gross != gross {
        return Some(format!("gross {gross} stored as {}", stored.gross));
    }
    let mut rest = stored.lines.clone();
    for l in &written.lines {
        let want = (l.account.clone(), l.net_amount.abs(), l.vat_code.clone());
        match rest.iter().position(|r| *r == want) {
            Some(i) => {
                rest.remove(i);
            }
            None => {
                return Some(format!(
                    "line {} {} {:?} missing; stored lines {:?}",
                    want.0, want.1, want.2, stored.lines
                ))
            }
        }
    }
    let vat = written.vat_total().amount;
    let codes: Vec<Option<String>> = written.lines.iter().map(|l| l.vat_code.clone()).collect();
    match stored.inline_vat {
        Some(v) => {
            if v != vat || !rest.is_empty() {
                return Some(format!("VAT {vat} stored as {v}, extra lines {rest:?}"));
            }
        }
        None => {
            let sum: Decimal = rest.iter().map(|r| r.1).sum();
            if sum != vat || rest.iter().any(|r| !codes.contains(&r.2)) {
                return Some(format!("VAT {vat}: VAT lines stored as {rest:?}"));
            }
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    CreateInvoice,
    CreateCreditNote,
    UpdateDocument,
    CreateCustomer,
    ListOpenItems,
    ListJournals,
    FindByReference,
}

impl OpKind {
    fn name(self) -> &'static str {
        match self {
            OpKind::CreateInvoice => "create_invoice",
            OpKind::CreateCreditNote => "create_credit_note",
            OpKind::UpdateDocument => "update_document",
            OpKind::CreateCustomer => "create_customer",
            OpKind::ListOpenItems => "list_open_items",
            OpKind::ListJournals => "list_journals",
            OpKind::FindByReference => "find_by_reference",
        }
    }

    fn is_read(self) -> bool {
        matches!(
            self,
            OpKind::ListOpenItems | OpKind::ListJournals | OpKind::FindByReference
        )
    }
}

/// What one operation's task returns.
enum Done {
    Doc(Box<grootboek_core::Result<grootboek_core::PostedDocument>>),
    Customer(grootboek_core::Result<Dimension>),
    Read(Option<grootboek_core::Error>),
}

fn random_doc(
    rng: &mut StdRng,
    kind: DocumentKind,
    fixture: &crate::harness::Fixture,
    reference: String,
) -> SalesDocument {
    let (customer, vat) = match rng.random_range(0..4) {
        0 => (&fixture.icp_customer, &fixture.vat_icp),
        1 => (&fixture.export_customer, &fixture.vat_export),
        _ => (&fixture.domestic_customer, &fixture.vat_high),
    };
    let date = NaiveDate::from_ymd_opt(2026, rng.random_range(1..=11), rng.random_range(1..=28))
        .unwrap_or_default();
    let due = date + chrono::Days::new(rng.random_range(7..=60));
    let lines = rng.random_range(1..=3);
    let mut doc = SalesDocument {
        kind,
        administration: fixture.administration.clone(),
        journal: fixture.sales_journal.clone(),
        customer: customer.clone(),
        reference,
        description: Some(format!("soak {kind}")),
        date,
        due_date: Some(due),
        currency: grootboek_core::Currency::EUR,
        lines: Vec::new(),
        credits: None,
    };
    for i in 0..lines {
        let cents: i64 = rng.random_range(100..=500_000);
        doc.lines.push(SalesLine::new(
            fixture.revenue_account.clone(),
            format!("regel {}", i + 1),
            Decimal::new(cents, 2),
            Some(&vat.code),
            vat.rate,
        ));
    }
    doc
}

/// Run a soak against a fresh harness of `binding` with every defence on.
pub async fn run(binding: &dyn VendorBinding, config: &SoakConfig) -> Result<SoakReport, Failure> {
    let harness = binding.harness(Defences::all(), None).await?;
    run_on(harness.as_ref(), config).await
}

/// Run a soak on an existing harness.
pub async fn run_on(harness: &dyn Harness, config: &SoakConfig) -> Result<SoakReport, Failure> {
    let started = Instant::now();
    let vendor = harness.vendor();
    let ledger: Arc<dyn Ledger> = soak_ledger(harness).await?;
    let caps = ledger.capabilities();
    let fixture = harness.fixture().clone();
    let faults = harness.sim_faults();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let prefix = format!("SK{}-", config.seed);

    let mut fault_kinds: Vec<FaultKind> = [500, 502, 503, 504, 429]
        .into_iter()
        .map(FaultKind::AfterCommit)
        .collect();
    fault_kinds.extend([
        FaultKind::ResetAfterCommit,
        FaultKind::Before503RetryAfter,
        FaultKind::Before500,
        FaultKind::Latency,
    ]);
    if can_reconsent(harness) {
        fault_kinds.push(FaultKind::Revoke);
    }

    let mut report = SoakReport {
        vendor,
        ops: config.ops,
        fault_rate: config.fault_rate,
        seed: config.seed,
        elapsed_ms: 0,
        operations: BTreeMap::new(),
        faults: BTreeMap::new(),
        faults_unfired: BTreeMap::new(),
        writes: 0,
        writes_ok: 0,
        write_errors: BTreeMap::new(),
        read_errors: BTreeMap::new(),
        write_error_examples: BTreeMap::new(),
        write_results_by_fault: BTreeMap::new(),
        lost: 0,
        duplicated: 0,
        corrupted: 0,
        phantom: 0,
        uncertain: 0,
        uncertain_landed: 0,
        uncertain_updates: 0,
        panics: 0,
        stalled: 0,
        findings: Vec::new(),
    };
    let mut docs: Vec<DocWrite> = Vec::new();
    let mut customers: Vec<CustomerWrite> = Vec::new();
    let mut next_customer = 0usize;
    // The document and due date of the update in flight.
    let mut pending_update: Option<(usize, NaiveDate)> = None;

    for op in 0..config.ops {
        // Choose the operation.
        let roll = rng.random_range(0..100);
        let mut kind = match roll {
            0..35 => OpKind::CreateInvoice,
            35..50 => OpKind::CreateCreditNote,
            50..65 => OpKind::UpdateDocument,
            65..75 => OpKind::CreateCustomer,
            75..83 => OpKind::ListOpenItems,
            83..90 => OpKind::ListJournals,
            _ => OpKind::FindByReference,
        };
        let updatable: Vec<usize> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.id.is_some())
            .map(|(i, _)| i)
            .collect();
        if kind == OpKind::UpdateDocument && (!caps.document_update || updatable.is_empty()) {
            kind = OpKind::CreateInvoice;
        }
        if kind == OpKind::CreateCreditNote && !caps.credit_note_write {
            kind = OpKind::CreateInvoice;
        }
        if kind == OpKind::CreateCustomer && !caps.dimension_write {
            kind = OpKind::ListJournals;
        }
        if kind == OpKind::FindByReference && docs.is_empty() {
            kind = OpKind::ListJournals;
        }
        *report.operations.entry(kind.name().into()).or_default() += 1;

        // Choose the fault.
        let fault_kind = if faults.is_some() && rng.random_bool(config.fault_rate.clamp(0.0, 1.0)) {
            Some(fault_kinds[rng.random_range(0..fault_kinds.len())])
        } else {
            None
        };
        let fault_name = fault_kind.map(FaultKind::name);

        // Build the operation.
        let l = ledger.clone();
        let admin = fixture.administration.clone();
        let (task, target): (_, Option<WriteTarget>) = match kind {
            OpKind::CreateInvoice | OpKind::CreateCreditNote => {
                let dk = if kind == OpKind::CreateInvoice {
                    DocumentKind::Invoice
                } else {
                    DocumentKind::CreditNote
                };
                // One credit note in ten credits an earlier invoice in full, under the same
                // reference and for the same customer (Q01's pair).
                let credited = (dk == DocumentKind::CreditNote && rng.random_bool(0.1))
                    .then(|| {
                        docs.iter()
                            .filter(|d| {
                                d.doc.kind == DocumentKind::Invoice
                                    && !docs.iter().any(|o| {
                                        o.doc.kind == DocumentKind::CreditNote
                                            && o.doc.reference == d.doc.reference
                                    })
                            })
                            .map(|d| d.doc.clone())
                            .next_back()
                    })
                    .flatten();
                let doc = match credited {
                    Some(invoice) => SalesDocument {
                        kind: DocumentKind::CreditNote,
                        description: Some(format!("soak credit of {}", invoice.reference)),
                        ..invoice
                    },
                    None => random_doc(&mut rng, dk, &fixture, format!("{prefix}{op:05}")),
                };
                docs.push(DocWrite {
                    op,
                    doc: doc.clone(),
                    got: Got::Ok,
                    fault: fault_name.clone(),
                    id: None,
                    due_ok: vec![doc.due_date],
                    due_refused: Vec::new(),
                    updated: false,
                });
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move {
                        Done::Doc(Box::new(match doc.kind {
                            DocumentKind::Invoice => match Invoice::try_from(doc) {
                                Ok(i) => l.create_invoice(&i).await,
                                Err(e) => Err(e),
                            },
                            DocumentKind::CreditNote => match CreditNote::try_from(doc) {
                                Ok(c) => l.create_credit_note(&c).await,
                                Err(e) => Err(e),
                            },
                        }))
                    });
                (fut, Some(WriteTarget::DocumentCreate))
            }
            OpKind::UpdateDocument => {
                let i = updatable[rng.random_range(0..updatable.len())];
                let d = &docs[i];
                let Some(id) = d.id.clone() else {
                    unreachable!("only documents with an id are updatable")
                };
                let due = d.doc.date + chrono::Days::new(rng.random_range(7..=90));
                let patch = DocumentPatch {
                    description: if rng.random_bool(0.5) {
                        Patch::Set(format!("soak update {op}"))
                    } else {
                        Patch::Keep
                    },
                    due_date: Patch::Set(due),
                };
                let dk = d.doc.kind;
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move {
                        Done::Doc(Box::new(match dk {
                            DocumentKind::Invoice => l.update_invoice(&id, &patch).await,
                            DocumentKind::CreditNote => l.update_credit_note(&id, &patch).await,
                        }))
                    });
                pending_update = Some((i, due));
                (fut, Some(WriteTarget::DocumentUpdate))
            }
            OpKind::CreateCustomer => {
                let code = format!(
                    "{}",
                    30_000 + config.seed % 1000 * 100 + next_customer as u64
                );
                next_customer += 1;
                let name = format!("Soak klant {op}");
                customers.push(CustomerWrite {
                    op,
                    code: code.clone(),
                    name: name.clone(),
                    got: Got::Ok,
                    fault: fault_name.clone(),
                });
                let dim = Dimension::customer(code, name, CountryCode::NL);
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move { Done::Customer(l.create_dimension(&admin, &dim).await) });
                (fut, Some(WriteTarget::CustomerCreate))
            }
            OpKind::ListOpenItems => {
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move { Done::Read(l.all_open_items(&admin).await.err()) });
                (fut, None)
            }
            OpKind::ListJournals => {
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move { Done::Read(l.all_journals(&admin).await.err()) });
                (fut, None)
            }
            OpKind::FindByReference => {
                let d = &docs[rng.random_range(0..docs.len())];
                let (reference, dk) = (d.doc.reference.clone(), d.doc.kind);
                let fut: std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>> =
                    Box::pin(async move {
                        Done::Read(
                            match dk {
                                DocumentKind::Invoice => {
                                    l.find_invoices(&admin, &reference).await.map(|_| ())
                                }
                                DocumentKind::CreditNote => {
                                    l.find_credit_notes(&admin, &reference).await.map(|_| ())
                                }
                            }
                            .err(),
                        )
                    });
                (fut, None)
            }
        };

        // Push the fault.
        if let (Some(fk), Some(f)) = (fault_kind, faults) {
            *report.faults.entry(fk.name()).or_default() += 1;
            match fk.fault() {
                Some(fault) => {
                    let spec = match target {
                        Some(t) if !kind.is_read() => write_rule(vendor, t, fault),
                        _ => FaultSpec::new(fault).times(1),
                    };
                    f.push(spec);
                }
                None => {
                    // Let the access token run out too (on the simulated clock), so the adapter
                    // must refresh and meets the dead grant rather than a refresh refused as
                    // too early (Exact refuses refreshes within ~570 s of the last one).
                    if let Some(life) = harness.access_token_lifetime() {
                        harness.advance_clock(life + Duration::from_secs(1));
                    }
                    harness.revoke_grant();
                }
            }
        }

        // Run it in its own task: a panic is counted, not fatal.
        let handle = tokio::spawn(task);
        let abort = handle.abort_handle();
        let outcome = tokio::time::timeout(config.op_deadline, handle).await;
        let done = match outcome {
            Err(_) => {
                abort.abort();
                report.stalled += 1;
                report.findings.push(Finding {
                    class: "stalled".into(),
                    op: Some(op),
                    what: kind.name().into(),
                    fault: fault_name.clone(),
                    detail: format!("no answer within {:?}", config.op_deadline),
                });
                None
            }
            Ok(Err(join)) => {
                if join.is_panic() {
                    report.panics += 1;
                    report.findings.push(Finding {
                        class: "panic".into(),
                        op: Some(op),
                        what: kind.name().into(),
                        fault: fault_name.clone(),
                        detail: "the operation panicked".into(),
                    });
                }
                None
            }
            Ok(Ok(done)) => Some(done),
        };

        // Clear what did not fire; consent again after a revocation.
        if let (Some(fk), Some(f)) = (fault_kind, faults) {
            if !f.snapshot().is_empty() {
                *report.faults_unfired.entry(fk.name()).or_default() += 1;
                f.clear();
            }
            if fk == FaultKind::Revoke {
                reconsent(harness).await?;
            }
        }

        // Record what the caller got.
        let unknown = Got::Err {
            kind: "panic_or_stall".into(),
            outcome: WriteOutcome::Uncertain,
            message: String::new(),
        };
        match kind {
            OpKind::CreateInvoice | OpKind::CreateCreditNote => {
                report.writes += 1;
                let w = docs.last_mut().expect("pushed above");
                match done {
                    Some(Done::Doc(r)) => {
                        w.got = got(&*r);
                        w.id = (*r).ok().map(|p| p.id);
                    }
                    _ => w.got = unknown,
                }
                tally(
                    &mut report,
                    &w.got,
                    fault_name.as_ref(),
                    &format!("op {op} {}", kind.name()),
                );
            }
            OpKind::UpdateDocument => {
                report.writes += 1;
                let (i, due) = pending_update.take().expect("set above");
                let g = match done {
                    Some(Done::Doc(r)) => got(&*r),
                    _ => unknown,
                };
                let w = &mut docs[i];
                w.updated = true;
                match &g {
                    Got::Ok
                    | Got::Err {
                        outcome: WriteOutcome::Applied,
                        ..
                    } => w.due_ok = vec![Some(due)],
                    Got::Err {
                        outcome: WriteOutcome::Uncertain,
                        ..
                    } => {
                        report.uncertain_updates += 1;
                        w.due_ok.push(Some(due));
                    }
                    Got::Err { .. } => {
                        w.due_refused
                            .push((op, fault_name.clone(), g.describe(), due))
                    }
                }
                tally(
                    &mut report,
                    &g,
                    fault_name.as_ref(),
                    &format!("op {op} {}", kind.name()),
                );
            }
            OpKind::CreateCustomer => {
                report.writes += 1;
                let w = customers.last_mut().expect("pushed above");
                match done {
                    Some(Done::Customer(r)) => w.got = got(&r),
                    _ => w.got = unknown,
                }
                tally(
                    &mut report,
                    &w.got,
                    fault_name.as_ref(),
                    &format!("op {op} {}", kind.name()),
                );
            }
            _ => {
                if let Some(Done::Read(Some(e))) = done {
                    *report.read_errors.entry(error_kind(e.kind())).or_default() += 1;
                }
            }
        }
    }

    // Judge against the simulator's own state.
    let state = stored_state(harness)?;
    judge(&mut report, &prefix, &docs, &customers, &state);
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

fn tally(report: &mut SoakReport, g: &Got, fault: Option<&String>, op_what: &str) {
    let label = match g {
        Got::Ok => {
            report.writes_ok += 1;
            "ok".to_string()
        }
        Got::Err {
            kind,
            outcome,
            message,
        } => {
            let label = format!("{kind}/{outcome:?}");
            *report.write_errors.entry(label.clone()).or_default() += 1;
            report
                .write_error_examples
                .entry(format!(
                    "{}: {label}",
                    fault.map(String::as_str).unwrap_or("none")
                ))
                .or_insert_with(|| format!("{op_what}: {message}"));
            label
        }
    };
    *report
        .write_results_by_fault
        .entry(fault.cloned().unwrap_or_else(|| "none".into()))
        .or_default()
        .entry(label)
        .or_default() += 1;
}

/// The adapter the soak drives. Twinfield paces itself by the vendor's credit minute: the soak
/// runs its simulator's clock 60 times real time and gives the adapter a one-second credit
/// minute (as the T05 case does), so a run takes seconds, not the vendor's real minutes. The
/// variant shares the harness's token broker, so consenting again reaches it.
async fn soak_ledger(harness: &dyn Harness) -> Result<Arc<dyn Ledger>, Failure> {
    #[cfg(feature = "twinfield")]
    if let Some(h) = harness
        .as_any()
        .downcast_ref::<crate::vendors::twinfield::TwinfieldHarness>()
    {
        const SPEED_MILLI: u64 = 60_000;
        h.sim().core().clock.set_speed_milli(SPEED_MILLI);
        let minute = Duration::from_millis(60_000 * 1000 / SPEED_MILLI);
        return Ok(Arc::new(h.variant(|c| c.with_minute(minute)).await?));
    }
    Ok(harness.ledger())
}

fn can_reconsent(harness: &dyn Harness) -> bool {
    let any = harness.as_any();
    #[cfg(feature = "exact")]
    if any.is::<crate::vendors::exact::ExactHarness>() {
        return true;
    }
    #[cfg(feature = "twinfield")]
    if any.is::<crate::vendors::twinfield::TwinfieldHarness>() {
        return true;
    }
    let _ = any;
    false
}

/// A person consents again after a revocation: fresh tokens from the vendor, stored in the
/// adapter's token broker.
async fn reconsent(harness: &dyn Harness) -> Result<(), Failure> {
    let any = harness.as_any();
    #[cfg(feature = "exact")]
    if let Some(h) = any.downcast_ref::<crate::vendors::exact::ExactHarness>() {
        let t = h
            .sim()
            .issue_tokens(h.client_id())
            .map_err(|e| Failure(format!("cannot consent again at Exact: {e}")))?;
        let now = h.sim().core().clock.now();
        return h
            .exact()
            .store_tokens(grootboek_core::runtime::TokenPair::from_expires_in(
                t.access_token,
                t.refresh_token,
                now,
                Duration::from_secs(t.expires_in),
            ))
            .await
            .map_err(|e| Failure(format!("cannot store Exact tokens: {e}")));
    }
    #[cfg(feature = "twinfield")]
    if let Some(h) = any.downcast_ref::<crate::vendors::twinfield::TwinfieldHarness>() {
        let pair = h.issue_pair()?;
        return h
            .twinfield()
            .store_tokens(pair)
            .await
            .map_err(|e| Failure(format!("cannot store Twinfield tokens: {e}")));
    }
    let _ = any;
    Ok(())
}

fn judge(
    report: &mut SoakReport,
    prefix: &str,
    docs: &[DocWrite],
    customers: &[CustomerWrite],
    state: &StoredState,
) {
    let mut by_key: HashMap<(DocumentKind, &str), Vec<&StoredDoc>> = HashMap::new();
    for d in &state.docs {
        by_key
            .entry((d.kind, d.reference.as_str()))
            .or_default()
            .push(d);
    }
    let mut seen: std::collections::HashSet<(DocumentKind, &str)> = Default::default();
    for w in docs {
        let key = (w.doc.kind, w.doc.reference.as_str());
        seen.insert(key);
        let stored = by_key.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let what = format!("create_{} {}", kind_name(w.doc.kind), w.doc.reference);
        let find = |class: &str, detail: String| Finding {
            class: class.into(),
            op: Some(w.op),
            what: what.clone(),
            fault: w.fault.clone(),
            detail,
        };
        let mut findings = Vec::new();
        if stored.len() > 1 {
            report.duplicated += 1;
            findings.push(find(
                "duplicated",
                format!(
                    "caller got {}; the vendor holds {} entries",
                    w.got.describe(),
                    stored.len()
                ),
            ));
        }
        let landed = !stored.is_empty();
        match &w.got {
            Got::Ok
            | Got::Err {
                outcome: WriteOutcome::Applied,
                ..
            } if !landed => {
                report.lost += 1;
                findings.push(find(
                    "lost",
                    format!("caller got {}; the vendor holds no entry", w.got.describe()),
                ));
            }
            Got::Err {
                outcome: WriteOutcome::Uncertain,
                ..
            } => {
                report.uncertain += 1;
                if landed {
                    report.uncertain_landed += 1;
                }
            }
            Got::Err {
                outcome: WriteOutcome::NotApplied,
                ..
            } if landed => {
                report.phantom += 1;
                findings.push(find(
                    "phantom",
                    format!("caller got {}; the entry exists", w.got.describe()),
                ));
            }
            _ => {}
        }
        // Every copy must hold what was written; the due date after updates is judged only
        // when there is one copy (with several, the caller's updates reached one of them).
        let content = stored.iter().find_map(|s| differs(&w.doc, s));
        if let Some(s) = stored.first() {
            let mut problem = content;
            if problem.is_none()
                && stored.len() == 1
                && w.updated
                && !w.due_ok.contains(&s.due_date)
            {
                let refused = w.due_refused.iter().rev().find(|r| Some(r.3) == s.due_date);
                match refused {
                    Some((op, fault, got, due)) => {
                        report.phantom += 1;
                        findings.push(Finding {
                            class: "phantom".into(),
                            op: Some(*op),
                            what: format!("update_{} {}", kind_name(w.doc.kind), w.doc.reference),
                            fault: fault.clone(),
                            detail: format!(
                                "caller got {got}; the vendor holds the new due date {due}"
                            ),
                        });
                    }
                    None => {
                        problem = Some(format!(
                            "due date {:?}, expected one of {:?}",
                            s.due_date, w.due_ok
                        ))
                    }
                }
            }
            if let Some(p) = problem {
                report.corrupted += 1;
                findings.push(find("corrupted", p));
            }
        }
        report.findings.extend(findings);
    }
    // Entries of this run that no create asked for (a credit note booked as an invoice, …).
    for d in &state.docs {
        if d.reference.starts_with(prefix) && !seen.contains(&(d.kind, d.reference.as_str())) {
            report.corrupted += 1;
            report.findings.push(Finding {
                class: "corrupted".into(),
                op: None,
                what: format!("{} {}", kind_name(d.kind), d.reference),
                fault: None,
                detail: "an entry of this run that no create asked for".into(),
            });
        }
    }
    for c in customers {
        let stored = state.customers.get(&c.code);
        let what = format!("create_customer {}", c.code);
        let mut find = |class: &str, detail: String| {
            report.findings.push(Finding {
                class: class.into(),
                op: Some(c.op),
                what: what.clone(),
                fault: c.fault.clone(),
                detail,
            })
        };
        match (&c.got, stored) {
            (
                Got::Ok
                | Got::Err {
                    outcome: WriteOutcome::Applied,
                    ..
                },
                None,
            ) => {
                report.lost += 1;
                find(
                    "lost",
                    format!(
                        "caller got {}; the vendor has no such customer",
                        c.got.describe()
                    ),
                );
            }
            (
                Got::Err {
                    outcome: WriteOutcome::Uncertain,
                    ..
                },
                s,
            ) => {
                report.uncertain += 1;
                if s.is_some() {
                    report.uncertain_landed += 1;
                }
            }
            (
                Got::Err {
                    outcome: WriteOutcome::NotApplied,
                    ..
                },
                Some(_),
            ) => {
                report.phantom += 1;
                find(
                    "phantom",
                    format!("caller got {}; the customer exists", c.got.describe()),
                );
            }
            _ => {}
        }
        if let Some(name) = stored {
            if *name != c.name {
                report.corrupted += 1;
                find("corrupted", format!("name {:?} stored as {name:?}", c.name));
            }
        }
    }
}

fn kind_name(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Invoice => "invoice",
        DocumentKind::CreditNote => "credit_note",
    }
}
