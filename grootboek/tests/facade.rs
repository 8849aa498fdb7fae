//! One config value gives an `Arc<dyn Ledger>` for its vendor.

use std::net::{IpAddr, Ipv4Addr};

use grootboek::{Config, ErrorKind, Vendor};
use grootboek_sim::afas::AfasSim;

#[tokio::test]
async fn a_config_value_connects_its_vendor() {
    let sim = AfasSim::start(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let config = grootboek::afas::AfasConfig::new(sim.token_xml())
        .with_base_url(&sim.base_url())
        .unwrap();
    let config = Config::Afas(config);
    assert_eq!(config.vendor(), Vendor::Afas);
    let ledger = grootboek::connect(config).await.unwrap();
    assert_eq!(ledger.vendor(), Vendor::Afas);
    let journals = ledger.all_journals("1").await.unwrap();
    assert!(journals.iter().any(|j| j.code == "10"), "{journals:?}");
}

#[test]
fn every_vendor_is_compiled_in_by_default() {
    assert_eq!(grootboek::vendors(), Vendor::ALL.to_vec());
}

#[tokio::test]
async fn a_missing_environment_is_a_config_error_without_secrets() {
    // The test process sets no GROOTBOEK_AFAS_* variables.
    assert!(std::env::var("GROOTBOEK_AFAS_TOKEN").is_err());
    let err = match grootboek::connect_from_env(Vendor::Afas).await {
        Ok(_) => panic!("connected without a token"),
        Err(e) => e,
    };
    assert_eq!(err.kind(), &ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("GROOTBOEK_AFAS"), "{err}");
}
