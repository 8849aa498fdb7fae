//! # grootboek-core
//!
//! The vendor-neutral ledger model, traits, error type, validation and write verification shared
//! by every grootboek adapter, and the runtime they share (token broker, rate budgets, retry).
//!
//! grootboek gives product teams one ledger interface over the Dutch accounting systems
//! Twinfield, Exact Online and AFAS Profit, and proves each adapter against the catalog of vendor
//! quirks in `QUIRKS.md` (IDs `Q01`…`Q16`, `P1`…`P5`, `T01`…`T09`).
//!
//! ## The model against the three vendors
//!
//! | core | Twinfield (SOAP ProcessXml) | Exact Online (REST/OData) | AFAS Profit (connectors) |
//! |---|---|---|---|
//! | [`Administration`] | office (`<office>`, `CompanyCode` header) | division (`/api/v1/{division}/`) | administration (`UnId`) in an environment |
//! | [`Journal`] | day book (`<code>VRK</code>`) | `financial/Journals` (`Code`) | journal (`JoCo`) |
//! | [`Dimension`] customer / supplier | dimension `DEB` / `CRD` | `crm/Accounts` (`IsSales`/`IsSupplier`, 18-char padded `Code`) | `KnSalesRelationOrg` / `KnPurchaseRelationOrg` (`DbId`) |
//! | [`Dimension`] balance-sheet / P&L account | dimension `BAS` / `PNL` | `financial/GLAccounts` (`BalanceType` B/W) | ledger account (`AcNr`) |
//! | [`Dimension`] cost centre / project | dimension `KPL` / `PRJ` | cost centers / `project/Projects` | cost centre / project |
//! | [`Invoice`] | sales transaction (`<transaction destiny="final">`, day book VRK) | `salesentry/SalesEntries` `Type` 20 | `FiEntries` (`FiEntryPar`) in the sales journal |
//! | [`CreditNote`] | sales transaction with credit total | `salesentry/SalesEntries` `Type` 21 | `FiEntries` with credited amounts |
//! | [`SalesLine`] | `<line type="detail">` (`dim1`, `value`, `vatcode`) + VAT lines | `SalesEntryLines` (`GLAccount`, `AmountFC`, `VATCode`, `VATPercentage` as fraction) | `FiEntries` line (`AcNr`, `AmDe`/`AmCr`, `VaId`) |
//! | [`EntryId`] | office + day book + transaction number | `EntryID` GUID | administration + journal + entry number (`EnNo`) |
//! | [`OpenItem`] | browse `100` lines with `openbasevaluesigned` (Q06) | `read/financial/ReceivablesList` | open-items GetConnector (amount and open amount) |
//! | [`VatCode`] | `<vat>` per office (Q03) | `vat/VATCodes` (fractional `Percentage`) | VAT code (`VaId` on entry lines) |
//! | [`Patch`] clear | empty element | `null` | `null`, never `""` (Q09) |
//! | document date | `YYYYMMDD` | `/Date(ms)/` (midnight UTC) | `YYYY-MM-DD`, read as Amsterdam local (Q14) |
//!
//! ## Guarantees
//!
//! - Money is [`rust_decimal::Decimal`] with an ISO 4217 [`Currency`]; never floating point.
//! - Document dates are civil dates; instants become dates only through Europe/Amsterdam
//!   ([`dates::amsterdam_date`], Q14).
//! - Updates address an [`EntryId`], never a reference (Q01); creating a dimension refuses a
//!   taken code (Q15) and overwriting is an explicit `upsert`.
//! - Documents are validated before the wire ([`validation`]) and verified after every write
//!   ([`verify`]).
//! - One [`Error`] type with a normalised [`ErrorKind`], the vendor's raw error beneath, and the
//!   [`WriteOutcome`] of a write.

#![warn(missing_docs)]

pub mod capabilities;
pub mod country;
pub mod dates;
pub mod error;
pub mod fanout;
pub mod json;
pub mod model;
pub mod money;
pub mod page;
pub mod patch;
pub mod runtime;
pub mod traits;
pub mod validation;
pub mod vendor;
pub mod verify;
pub mod write;

pub use capabilities::Capabilities;
pub use country::CountryCode;
pub use error::{
    Error, ErrorKind, ResponseTooLarge, Result, VendorError, VendorProblem, WriteOutcome,
};
pub use model::*;
pub use money::{Currency, Money};
pub use page::{collect_all, Cursor, Page};
pub use patch::Patch;
pub use traits::{CreditNotes, Dimensions, Invoices, Ledger};
pub use vendor::{Defences, QuirkId, Vendor};

pub use async_trait::async_trait;
pub use rust_decimal::Decimal;
