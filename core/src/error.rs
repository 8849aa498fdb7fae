//! The one error type of grootboek: a normalised kind, the vendor and operation, what happened to a
//! write, whether retrying can help, and the vendor's own code and message kept raw.

use std::fmt;
use std::time::Duration;

use crate::model::EntryId;
use crate::vendor::Vendor;

/// A `Result` with grootboek's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure this is, independent of the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The document or request was refused before the wire (or by the vendor) because it is wrong.
    Validation,
    /// The entity does not exist.
    NotFound,
    /// Creating something whose code is already taken (Q15).
    AlreadyExists,
    /// The adapter or vendor cannot do this; the capability says so.
    Unsupported,
    /// The credentials were not accepted; a refresh or new token may help.
    Unauthenticated,
    /// The grant is dead (revoked, password changed, refresh token reused): a person must
    /// consent again. Never retried (T04).
    ReconsentRequired,
    /// Authenticated but not allowed (division, office or administration not granted).
    PermissionDenied,
    /// A rate limit was hit; wait at least `retry_after` when the vendor said how long.
    RateLimited {
        /// How long the vendor asked to wait.
        retry_after: Option<Duration>,
    },
    /// The vendor is unavailable (5xx, timeouts, connection failures).
    Unavailable,
    /// The vendor answered something that does not follow its own protocol (malformed, oversize,
    /// XML with entities, unexpected shape).
    Protocol,
    /// The entry read back after a write differs from what was written.
    VerificationFailed {
        /// Which field differs (e.g. `lines[0].vat_code`).
        field: String,
        /// What was written.
        expected: String,
        /// What was read back.
        actual: String,
    },
    /// The configuration is incomplete or wrong.
    Config,
}

impl ErrorKind {
    /// Whether this kind of failure is temporary by nature.
    pub fn is_temporary(&self) -> bool {
        matches!(self, ErrorKind::RateLimited { .. } | ErrorKind::Unavailable)
    }

    fn label(&self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation failed",
            ErrorKind::NotFound => "not found",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::ReconsentRequired => "re-consent required",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::RateLimited { .. } => "rate limited",
            ErrorKind::Unavailable => "vendor unavailable",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::VerificationFailed { .. } => "write verification failed",
            ErrorKind::Config => "configuration error",
        }
    }
}

/// What happened to a write when the error occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteOutcome {
    /// Nothing was written (refused before the wire, or the vendor refused it). Also used for reads.
    #[default]
    NotApplied,
    /// The write landed (e.g. verification failed afterwards).
    Applied,
    /// It cannot be known whether the write landed (timeout or connection lost after sending):
    /// look the entry up by its natural key before any retry.
    Uncertain,
}

/// The vendor's own error, kept raw beneath the normalised kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorError {
    /// The vendor's code (HTTP status, SOAP fault code, AFAS `errorNumber`, Exact `code`…).
    pub code: Option<String>,
    /// The vendor's message, unchanged (may be Dutch; Twinfield joins several with `//`).
    pub message: Option<String>,
    /// Where in the request the vendor located the problem (Twinfield element path).
    pub location: Option<String>,
    /// A vendor log reference for support (AFAS `profitLogReference`).
    pub reference: Option<String>,
    /// Every problem the vendor named, each with its own location, in the vendor's order
    /// (a Twinfield result with errors on several elements keeps them all). `message` and
    /// `location` above are the first of them.
    pub problems: Vec<VendorProblem>,
}

/// One problem a vendor named in a refusal: where, what, and the vendor's code for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct VendorProblem {
    /// Where in the request the vendor located it (a Twinfield element path such as
    /// `transactions/transaction[2]/lines/line[1]/dim1`, an Exact or AFAS field name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The vendor's message, unchanged.
    pub message: String,
    /// The vendor's code for the problem, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The error of every grootboek operation. One pointer wide: the details live in a box.
pub struct Error {
    inner: Box<Inner>,
}

/// The source of a `Protocol` [`Error`] for an answer larger than the transport's response cap
/// (refused before parsing, never read whole): see [`Error::is_response_too_large`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTooLarge {
    /// The cap, in bytes.
    pub cap: usize,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer exceeds the {}-byte response cap", self.cap)
    }
}

impl std::error::Error for ResponseTooLarge {}

struct Inner {
    kind: ErrorKind,
    message: String,
    vendor: Option<Vendor>,
    operation: Option<&'static str>,
    outcome: WriteOutcome,
    retryable: bool,
    vendor_error: Option<VendorError>,
    entry: Option<EntryId>,
    retry_after: Option<Duration>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message for a person. Retryable if the kind is temporary.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let retryable = kind.is_temporary();
        let inner = Inner {
            kind,
            message: message.into(),
            vendor: None,
            operation: None,
            outcome: WriteOutcome::NotApplied,
            retryable,
            vendor_error: None,
            entry: None,
            retry_after: None,
            source: None,
        };
        Self {
            inner: Box::new(inner),
        }
    }

    /// A validation error with a message a bookkeeper understands.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    /// A protocol error: the vendor's answer could not be understood.
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    /// An unsupported operation.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A verification failure on `field`. The write is marked applied: it landed, but wrong.
    pub fn verification(
        field: impl Into<String>,
        expected: impl fmt::Display,
        actual: impl fmt::Display,
    ) -> Self {
        let (field, expected, actual) = (field.into(), expected.to_string(), actual.to_string());
        let message = format!("read-back differs on {field}: wrote {expected}, read {actual}");
        Self::new(
            ErrorKind::VerificationFailed {
                field,
                expected,
                actual,
            },
            message,
        )
        .with_outcome(WriteOutcome::Applied)
    }

    /// Set the vendor.
    pub fn with_vendor(mut self, vendor: Vendor) -> Self {
        self.inner.vendor = Some(vendor);
        self
    }

    /// Set the operation (e.g. `create_invoice`).
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation = Some(operation);
        self
    }

    /// Set what happened to the write.
    pub fn with_outcome(mut self, outcome: WriteOutcome) -> Self {
        self.inner.outcome = outcome;
        self
    }

    /// Override whether retrying can help. A `ReconsentRequired` error is never retryable.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable && self.inner.kind != ErrorKind::ReconsentRequired;
        self
    }

    /// Keep the vendor's raw code and message.
    pub fn with_vendor_error(mut self, vendor_error: VendorError) -> Self {
        self.inner.vendor_error = Some(vendor_error);
        self
    }

    /// Name the entry concerned.
    pub fn with_entry(mut self, entry: EntryId) -> Self {
        self.inner.entry = Some(entry);
        self
    }

    /// Say how long the vendor asked to wait before retrying (a `Retry-After` on a 503, say).
    /// For [`ErrorKind::RateLimited`] the kind's own `retry_after` is set too.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        if let ErrorKind::RateLimited { retry_after } = &mut self.inner.kind {
            *retry_after = Some(wait);
        }
        self.inner.retry_after = Some(wait);
        self
    }

    /// Attach the underlying cause. Its `Display` must not contain secrets.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Whether the vendor's answer was refused for exceeding the response cap
    /// ([`ResponseTooLarge`]): a `Protocol` error that a narrower request (a window) may avoid.
    pub fn is_response_too_large(&self) -> bool {
        self.inner
            .source
            .as_deref()
            .is_some_and(|s| s.downcast_ref::<ResponseTooLarge>().is_some())
    }

    /// Whether the request timed out waiting for the vendor (an `Unavailable` error from the
    /// transport). A read that timed out may succeed when it asks for less.
    pub fn is_timeout(&self) -> bool {
        self.inner
            .source
            .as_deref()
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
    }

    /// The normalised kind.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The message for a person.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The vendor, when the error came from one.
    pub fn vendor(&self) -> Option<Vendor> {
        self.inner.vendor
    }

    /// The operation that failed.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// What happened to the write.
    pub fn outcome(&self) -> WriteOutcome {
        self.inner.outcome
    }

    /// Whether retrying the same request can help.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// The vendor's raw error.
    pub fn vendor_error(&self) -> Option<&VendorError> {
        self.inner.vendor_error.as_ref()
    }

    /// The entry concerned.
    pub fn entry(&self) -> Option<&EntryId> {
        self.inner.entry.as_ref()
    }

    /// How long to wait before retrying, when the vendor said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.inner.kind {
            ErrorKind::RateLimited {
                retry_after: Some(wait),
            } => Some(*wait),
            _ => self.inner.retry_after,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.inner.vendor {
            write!(f, "{v}: ")?;
        }
        if let Some(op) = self.inner.operation {
            write!(f, "{op}: ")?;
        }
        write!(f, "{}: {}", self.inner.kind.label(), self.inner.message)?;
        if let Some(ve) = &self.inner.vendor_error {
            match (&ve.code, &ve.message) {
                (Some(c), Some(m)) => write!(f, " (vendor {c}: {m})")?,
                (Some(c), None) => write!(f, " (vendor {c})")?,
                (None, Some(m)) => write!(f, " (vendor: {m})")?,
                (None, None) => {}
            }
        }
        match self.inner.outcome {
            WriteOutcome::NotApplied => {}
            WriteOutcome::Applied => f.write_str(" [write applied]")?,
            WriteOutcome::Uncertain => f.write_str(" [write outcome uncertain]")?,
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("vendor", &self.inner.vendor)
            .field("operation", &self.inner.operation)
            .field("outcome", &self.inner.outcome)
            .field("retryable", &self.inner.retryable);
        if let Some(ve) = &self.inner.vendor_error {
            d.field("vendor_error", ve);
        }
        if let Some(e) = &self.inner.entry {
            d.field("entry", e);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", &format_args!("{s}"));
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_kinds_are_retryable_and_reconsent_never() {
        assert!(Error::new(ErrorKind::Unavailable, "x").is_retryable());
        assert!(!Error::validation("x").is_retryable());
        let e = Error::new(ErrorKind::ReconsentRequired, "grant revoked").with_retryable(true);
        assert!(!e.is_retryable());
        let rl = Error::new(
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            },
            "slow down",
        );
        assert_eq!(rl.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn display_carries_vendor_operation_raw_message_and_outcome() {
        let e = Error::validation("VAT code missing")
            .with_vendor(Vendor::Afas)
            .with_operation("create_invoice")
            .with_outcome(WriteOutcome::Uncertain)
            .with_vendor_error(VendorError {
                code: Some("-1".into()),
                message: Some("Btw-code ontbreekt".into()),
                ..Default::default()
            });
        let s = e.to_string();
        assert!(s.contains("afas"), "{s}");
        assert!(s.contains("create_invoice"), "{s}");
        assert!(s.contains("Btw-code ontbreekt"), "{s}");
        assert!(s.contains("uncertain"), "{s}");
    }

    #[test]
    fn verification_errors_are_applied_and_name_the_field() {
        let e = Error::verification("lines[0].vat_code", "ICP", "");
        assert_eq!(e.outcome(), WriteOutcome::Applied);
        match e.kind() {
            ErrorKind::VerificationFailed {
                field,
                expected,
                actual,
            } => {
                assert_eq!(field, "lines[0].vat_code");
                assert_eq!(expected, "ICP");
                assert_eq!(actual, "");
            }
            other => panic!("unexpected kind {other:?}"),
        }
    }
}
