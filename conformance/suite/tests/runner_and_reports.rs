//! The runner's decisions and the reports' shapes, on a fake adapter (no simulator needed).

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use grootboek_conformance::case::{Applicability, Case, CaseResult, Failure, Outcome};
use grootboek_conformance::harness::{Fixture, Harness, SeedOpenItem, SeededVat, VendorBinding};
use grootboek_conformance::report;
use grootboek_conformance::runner::{run, RunOptions};
use grootboek_core::*;
use rust_decimal_macros::dec;

struct Fake {
    caps: Capabilities,
}

fn unsupported<T>() -> Result<T> {
    Err(Error::unsupported("fake"))
}

#[async_trait]
impl Invoices for Fake {
    async fn create_invoice(&self, _: &Invoice) -> Result<PostedDocument> {
        unsupported()
    }
    async fn get_invoice(&self, _: &EntryId) -> Result<PostedDocument> {
        unsupported()
    }
    async fn find_invoices(&self, _: &str, _: &str) -> Result<Vec<PostedDocument>> {
        unsupported()
    }
    async fn update_invoice(&self, _: &EntryId, _: &DocumentPatch) -> Result<PostedDocument> {
        unsupported()
    }
}
#[async_trait]
impl CreditNotes for Fake {
    async fn create_credit_note(&self, _: &CreditNote) -> Result<PostedDocument> {
        unsupported()
    }
    async fn get_credit_note(&self, _: &EntryId) -> Result<PostedDocument> {
        unsupported()
    }
    async fn find_credit_notes(&self, _: &str, _: &str) -> Result<Vec<PostedDocument>> {
        unsupported()
    }
    async fn update_credit_note(&self, _: &EntryId, _: &DocumentPatch) -> Result<PostedDocument> {
        unsupported()
    }
}
#[async_trait]
impl Dimensions for Fake {
    async fn create_dimension(&self, _: &str, _: &Dimension) -> Result<Dimension> {
        unsupported()
    }
    async fn upsert_dimension(&self, _: &str, _: &Dimension) -> Result<Dimension> {
        unsupported()
    }
    async fn update_dimension(
        &self,
        _: &str,
        _: DimensionKind,
        _: &str,
        _: &DimensionPatch,
    ) -> Result<Dimension> {
        unsupported()
    }
    async fn get_dimension(&self, _: &str, _: DimensionKind, _: &str) -> Result<Dimension> {
        unsupported()
    }
    async fn list_dimensions(
        &self,
        _: &str,
        _: DimensionKind,
        _: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        unsupported()
    }
}
#[async_trait]
impl Ledger for Fake {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }
    fn capabilities(&self) -> Capabilities {
        self.caps.clone()
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        unsupported()
    }
    async fn list_journals(&self, _: &str, c: Option<Cursor>) -> Result<Page<Journal>> {
        // Two pages of one journal each.
        let j = |code: &str| Journal {
            code: code.into(),
            name: code.into(),
            kind: JournalKind::Sales,
        };
        Ok(match c {
            None => Page {
                items: vec![j("A")],
                next: Some(Cursor("2".into())),
            },
            Some(_) => Page::last(vec![j("B")]),
        })
    }
    async fn vat_codes(&self, _: &str) -> Result<Vec<VatCode>> {
        unsupported()
    }
    async fn list_open_items(&self, _: &str, _: Option<Cursor>) -> Result<Page<OpenItem>> {
        unsupported()
    }
    async fn customer_balance(&self, _: &str, _: &str) -> Result<Money> {
        unsupported()
    }
}

struct FakeHarness {
    ledger: Arc<Fake>,
    fixture: Fixture,
}

#[async_trait]
impl Harness for FakeHarness {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }
    fn ledger(&self) -> Arc<dyn Ledger> {
        self.ledger.clone()
    }
    fn fixture(&self) -> &Fixture {
        &self.fixture
    }
    fn write_requests(&self) -> usize {
        0
    }
    fn requests(&self) -> Vec<(String, String, u16)> {
        Vec::new()
    }
    async fn seed_journals(&self, _: usize) -> Result<(), Failure> {
        Err(Failure("fake cannot seed".into()))
    }
    fn vendor_journal_count(&self) -> usize {
        2
    }
    async fn seed_open_items(&self, _: &[SeedOpenItem]) -> Result<(), Failure> {
        Err(Failure("fake cannot seed".into()))
    }
    fn set_quirk(&self, _: &str, _: bool) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct FakeBinding {
    made: AtomicUsize,
}

#[async_trait]
impl VendorBinding for FakeBinding {
    fn vendor(&self) -> Vendor {
        Vendor::Afas
    }
    async fn harness(&self, _: Defences, _: Option<&str>) -> Result<Box<dyn Harness>, Failure> {
        self.made.fetch_add(1, Ordering::SeqCst);
        let vat = |c: &str| SeededVat {
            code: c.into(),
            rate: dec!(0),
        };
        Ok(Box::new(FakeHarness {
            ledger: Arc::new(Fake {
                caps: Capabilities {
                    invoice_write: false,
                    ..Default::default()
                },
            }),
            fixture: Fixture {
                administration: "1".into(),
                other_administration: None,
                other_administration_only_vat: None,
                sales_journal: "VRK".into(),
                revenue_account: "8000".into(),
                padded_account: None,
                domestic_customer: "C1".into(),
                icp_customer: "C2".into(),
                export_customer: "C3".into(),
                vat_high: vat("1"),
                vat_icp: vat("5"),
                vat_export: vat("6"),
            },
        }))
    }
}

/// A case that counts journals through the trait (passes on the fake: two pages, two journals).
struct CountsJournals;
#[async_trait]
impl Case for CountsJournals {
    fn id(&self) -> &'static str {
        "X1"
    }
    fn title(&self) -> &'static str {
        "journals follow pages"
    }
    fn applies(&self, _: Vendor, _: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        let n = h.ledger().all_journals("1").await?.len();
        if n == h.vendor_journal_count() {
            Ok(())
        } else {
            Err(Failure(format!("{n} journals")))
        }
    }
}

/// A case that needs seeding the fake cannot do: it must fail, not pass.
struct NeedsSeed;
#[async_trait]
impl Case for NeedsSeed {
    fn id(&self) -> &'static str {
        "X2"
    }
    fn title(&self) -> &'static str {
        "needs seeding"
    }
    fn applies(&self, _: Vendor, _: &Capabilities) -> Applicability {
        Applicability::Applies
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        h.seed_journals(1).await
    }
}

/// A case gated on a capability the fake lacks.
struct NeedsInvoices;
#[async_trait]
impl Case for NeedsInvoices {
    fn id(&self) -> &'static str {
        "X3"
    }
    fn title(&self) -> &'static str {
        "needs invoices"
    }
    fn applies(&self, _: Vendor, c: &Capabilities) -> Applicability {
        if c.invoice_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("cannot post invoices".into())
        }
    }
    async fn run(&self, _: &dyn Harness) -> CaseResult {
        Err(Failure("must not run".into()))
    }
}

#[tokio::test]
async fn runner_decides_pass_fail_and_not_applicable_with_reasons() {
    let binding = Arc::new(FakeBinding {
        made: AtomicUsize::new(0),
    });
    let cases: Vec<Arc<dyn Case>> = vec![
        Arc::new(CountsJournals),
        Arc::new(NeedsSeed),
        Arc::new(NeedsInvoices),
    ];
    let runs = run(cases, vec![binding.clone()], RunOptions::default(), |_| {}).await;
    assert_eq!(
        binding.made.load(Ordering::SeqCst),
        3,
        "one fresh harness per case"
    );
    let outcomes: Vec<(&str, Outcome)> =
        runs.iter().map(|r| (r.case.as_str(), r.outcome)).collect();
    assert_eq!(
        outcomes,
        vec![
            ("X1", Outcome::Passed),
            ("X2", Outcome::Failed),
            ("X3", Outcome::NotApplicable)
        ]
    );
    assert!(runs[1].reason.contains("fake cannot seed"));
    assert_eq!(runs[2].reason, "cannot post invoices");

    let json = report::json(&runs);
    assert_eq!(
        json["summary"],
        serde_json::json!({"passed": 1, "failed": 1, "not_applicable": 1})
    );
    let first = &json["results"][0];
    assert_eq!(first["case"], "X1");
    assert_eq!(first["vendor"], "afas");
    assert_eq!(first["outcome"], "passed");
    assert!(first["duration_ms"].is_u64());
    assert_eq!(json["results"][2]["reason"], "cannot post invoices");

    let junit = report::junit(&runs);
    assert!(
        junit.contains("<testsuite name=\"conformance::afas\""),
        "{junit}"
    );
    assert!(junit.contains("<failure"), "{junit}");
    assert!(junit.contains("<skipped"), "{junit}");

    let html = report::html(&runs);
    assert!(html.contains("class=\"failed\""));
    assert!(html.contains("<h2>Failures</h2>"));
    assert!(html.contains("<h2>Not applicable</h2>"));
    assert!(
        html.contains("cannot post invoices"),
        "the reason is shown, not only hovered"
    );

    let table = report::table(&runs);
    assert!(
        table.contains("1 passed, 1 failed, 1 not applicable"),
        "{table}"
    );
}

#[test]
fn every_case_names_a_catalog_id_once() {
    let ids: Vec<&str> = grootboek_conformance::cases::all()
        .iter()
        .map(|c| c.id())
        .collect();
    let catalog: Vec<String> = QuirkId::catalog().iter().map(|q| q.to_string()).collect();
    for id in &ids {
        assert!(
            catalog.iter().any(|c| c == id),
            "{id} is not in the catalog"
        );
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[tokio::test]
async fn live_preflight_reports_p4_not_applicable_and_runs_the_rest() {
    use grootboek_conformance::preflight::{self, P4_LIVE_REASON};
    let binding = FakeBinding {
        made: AtomicUsize::new(0),
    };
    let built = binding.harness(Defences::all(), None).await.unwrap();
    let fake = built.as_any().downcast_ref::<FakeHarness>().unwrap();
    let harness = FakeHarness {
        ledger: Arc::new(Fake {
            caps: Capabilities {
                oauth_refresh: true,
                invoice_write: true,
                credit_note_write: true,
                dimension_write: true,
                ..Default::default()
            },
        }),
        fixture: fake.fixture.clone(),
    };
    let live = preflight::run(&harness, std::time::Duration::from_secs(5), true).await;
    let outcome = |id: &str| live.runs.iter().find(|r| r.case == id).unwrap().clone();
    assert_eq!(outcome("P4").outcome, Outcome::NotApplicable);
    assert_eq!(outcome("P4").reason, P4_LIVE_REASON);
    // The fake can do nothing: the checks that run must fail, never pass by default.
    assert_eq!(outcome("P1").outcome, Outcome::Failed);
    assert_eq!(outcome("P5").outcome, Outcome::Failed);
    assert!(!live.go());
    assert!(live.render().contains("pre-flight verdict: NO-GO"));
    // On a simulator the same harness runs P4 (and the fake fails it).
    let sim = preflight::run(&harness, std::time::Duration::from_secs(5), false).await;
    assert_eq!(
        sim.runs.iter().find(|r| r.case == "P4").unwrap().outcome,
        Outcome::Failed
    );
}
