//! UpdateConnectors: `FiEntries` and `KnSalesRelationOrg` (POST/PUT/DELETE).

pub mod debtor;
pub mod envelope;
pub mod fientries;
