//! The core's internal error. Rich enough for logs and the CLI; the FFI layer maps it onto
//! the public `CompanionError` in one place (`uniffi-bindings/src/error.rs`).

use std::time::Duration;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server could not be reached (no network, DNS, refused, timed out).
    #[error("server unreachable: {0}")]
    Offline(String),
    /// Credentials were rejected or the session is no longer valid; the user must sign in.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// An operation needs a signed-in account and there is none.
    #[error("not signed in")]
    NotSignedIn,
    /// Input failed validation; `field` names the offending argument.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    /// Something looked up does not exist (unknown barcode, item, movement).
    #[error("not found: {0}")]
    NotFound(String),
    /// The server refused the request because of the current state of the data.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The server answered with an error status.
    #[error("server error {status} ({code}): {detail}")]
    Server {
        status: u16,
        code: String,
        detail: String,
        /// Seconds the server asked us to wait (`Retry-After`), if any.
        retry_after: Option<Duration>,
    },
    /// The server answered 2xx with a body we cannot understand.
    #[error("malformed server response: {0}")]
    Protocol(String),
    /// The local database failed.
    #[error("local storage: {0}")]
    Storage(String),
    /// The local database file is damaged; the account's local data must be re-synced.
    #[error("local database is corrupt ({path}): {detail}")]
    CorruptDatabase { path: String, detail: String },
    /// A sealed file (photo, proof, export) failed authentication: wrong key, altered or
    /// truncated. Its content is never returned.
    #[error("sealed file is corrupt ({path}): {detail}")]
    CorruptFile { path: String, detail: String },
    /// A platform service implemented by the app (secure storage, ...) failed.
    #[error("platform service {service} failed: {reason}")]
    Platform {
        service: &'static str,
        reason: String,
    },
    /// Long-running work was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// A bug: an invariant of the core did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Offline(_) => true,
            Error::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Storage(e.to_string())
    }
}
