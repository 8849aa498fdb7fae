//! T14: a right withheld from the organisation user: the office is still listed, and every call
//! scoped to it answers Twinfield's "Access denied. No access to company" fault until the right
//! is given back. Switched over `/__sim/offices/withheld` and in process.
#![cfg(feature = "twinfield")]

mod twinfield_support;

use reqwest::Method;
use serde_json::json;
use twinfield_support::*;

const VAT_READ: &str = "<read><type>vat</type><office>NLA000002</office><code>VH</code></read>";

#[tokio::test]
async fn a_withheld_office_is_listed_and_refuses_every_call() {
    let env = env().await;
    assert_eq!(env.px_a(OFFICE_A2, VAT_READ).await.status, 200);

    let r = env
        .control(
            Method::POST,
            "/__sim/offices/withheld",
            json!({"withhold": [OFFICE_A2]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let refused = env.px_a(OFFICE_A2, VAT_READ).await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert_eq!(
        refused.fault_code().as_deref(),
        Some("109"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("No access to company NLA000002"));
    // The other office of the organisation is untouched, and the office is still listed.
    let other = "<read><type>vat</type><office>NLA000001</office><code>VH</code></read>";
    assert_eq!(env.px_a(OFFICE_A1, other).await.status, 200);
    let offices = env
        .px_at(
            &env.cluster(1),
            &env.a.access_token.clone(),
            None,
            "<list><type>offices</type></list>",
        )
        .await;
    assert!(offices.body.contains(OFFICE_A2), "{}", offices.body);
    let listed = env
        .control(Method::GET, "/__sim/offices/withheld", json!({}))
        .await;
    assert!(listed.body.contains(OFFICE_A2), "{}", listed.body);

    env.sim.restore_office(OFFICE_A2);
    assert_eq!(env.px_a(OFFICE_A2, VAT_READ).await.status, 200);
}
