//! R03: four tasks create the same new customer code at once: exactly one succeeds, the others
//! get `AlreadyExists`, and the customer holds the winner's fields (Q15's check-then-write race).

use async_trait::async_trait;
use grootboek_core::{Capabilities, CountryCode, Dimension, DimensionKind, ErrorKind, Vendor};

use crate::case::{Applicability, Case, CaseResult, Failure};
use crate::ensure;
use crate::harness::Harness;

/// The case.
pub struct R03;

/// Four creators of one code, each with its own name; the number of successes, the winner's
/// name, and every failure that is not `AlreadyExists`. Shared with the two-process Redis test.
pub async fn race(
    h: &dyn Harness,
    code: &str,
    names: &[String],
) -> Result<(usize, Option<String>, Vec<String>), Failure> {
    let administration = h.fixture().administration.clone();
    let mut tasks = Vec::new();
    for name in names {
        let ledger = h.ledger();
        let administration = administration.clone();
        let dimension = Dimension::customer(code, name.as_str(), CountryCode::NL);
        tasks.push(tokio::spawn(async move {
            ledger.create_dimension(&administration, &dimension).await
        }));
    }
    let (mut ok, mut winner, mut other) = (0, None, Vec::new());
    for t in tasks {
        match t
            .await
            .map_err(|e| Failure(format!("a creator panicked: {e}")))?
        {
            Ok(d) => {
                ok += 1;
                winner = Some(d.name);
            }
            Err(e) if e.kind() == &ErrorKind::AlreadyExists => {}
            Err(e) => other.push(e.to_string()),
        }
    }
    Ok((ok, winner, other))
}

#[async_trait]
impl Case for R03 {
    fn id(&self) -> &'static str {
        "R03"
    }
    fn title(&self) -> &'static str {
        "four concurrent creates of one new code: one succeeds, three get AlreadyExists, the winner's fields stay"
    }
    fn applies(&self, _vendor: Vendor, caps: &Capabilities) -> Applicability {
        if caps.dimension_write {
            Applicability::Applies
        } else {
            Applicability::NotApplicable("the adapter cannot create customers".into())
        }
    }
    async fn run(&self, h: &dyn Harness) -> CaseResult {
        // A numeric code: every vendor's customer codes accept digits.
        let code = format!("{}", 70_000 + uuid::Uuid::new_v4().as_u128() % 20_000);
        let names: Vec<String> = (1..=4).map(|i| format!("Racer {i} BV")).collect();
        let (ok, winner, other) = race(h, &code, &names).await?;
        ensure!(other.is_empty(), "unexpected failures: {other:?}");
        ensure!(ok == 1, "{ok} creates of code {code} succeeded");
        let winner = winner.unwrap_or_default();
        let stored = h
            .ledger()
            .get_dimension(&h.fixture().administration, DimensionKind::Customer, &code)
            .await?;
        ensure!(
            stored.name == winner,
            "customer {code} is named {} but the create that succeeded wrote {winner}",
            stored.name
        );
        Ok(())
    }
}
