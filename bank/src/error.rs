//! The error of reading a statement.

use std::fmt;

/// A statement that cannot be read, with what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementError {
    /// The format being read (`MT940`, `CAMT.053`).
    pub format: &'static str,
    /// What is wrong, naming the field or element.
    pub message: String,
}

impl StatementError {
    pub(crate) fn new(format: &'static str, message: impl Into<String>) -> Self {
        Self {
            format,
            message: message.into(),
        }
    }
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read the {} statement: {}",
            self.format, self.message
        )
    }
}

impl std::error::Error for StatementError {}

impl From<StatementError> for grootboek_core::Error {
    fn from(e: StatementError) -> Self {
        grootboek_core::Error::validation(e.to_string())
    }
}
