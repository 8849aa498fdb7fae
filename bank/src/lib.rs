//! Bank statements into grootboek: MT940 and CAMT.053 files read into neutral [`BankLine`]s,
//! and [`propose_matches`]: for every bank line, the open items it most likely pays, with a
//! confidence and the reason (issue 16, item 3).
//!
//! Proposals are data. Nothing here writes to a ledger: a proposal becomes a booking only through
//! an explicit payment match with the write path's guarantees.
//!
//! | format | reader | what is taken from it |
//! |---|---|---|
//! | MT940 (SWIFT, as Dutch banks export it) | the `mt940` crate (strict), then the Dutch structured `:86:` subfields (`/EREF/`, `/IBAN/`, `/NAME/`, `/REMI/`, `/CDTRREF/`) read here | booking date, signed amount, currency, the bank's reference, counterparty IBAN and name, the remittance text and the end-to-end reference |
//! | CAMT.053 (ISO 20022 `BkToCstmrStmt`) | `quick-xml`, streamed; no DTD, nesting bounded | the same from `Ntry` / `NtryDtls/TxDtls` (`RltdPties`, `RmtInf/Ustrd`, `RmtInf/Strd/CdtrRefInf/Ref`, `Refs/EndToEndId`) |
//!
//! A statement that cannot be read is an error naming what is wrong; a line lacking its amount,
//! its sign or its date is refused, never read as zero or today (R04).

mod camt053;
mod error;
mod mt940;
mod propose;
mod statement;

pub use camt053::parse_camt053;
pub use error::StatementError;
pub use mt940::parse_mt940;
pub use propose::{propose_matches, Candidate, LineProposal, MatchReason};
pub use statement::{BankLine, BankStatement};
