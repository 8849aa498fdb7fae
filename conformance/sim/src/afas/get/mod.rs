//! GetConnectors: `GET /connectors/{id}` with AFAS's paging, filtering and sorting.

pub mod cell;
pub mod connectors;
pub mod query;

pub use cell::{Cell, FieldDef, FieldType};
pub use connectors::fields;
pub use query::{Query, DEFAULT_TAKE, Q05_CAP};
