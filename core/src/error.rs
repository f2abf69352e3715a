//! The core's internal error. Rich enough for logs and the CLI; the FFI layer maps it onto
//! the public `CompanionError` in one place (`uniffi-bindings/src/error.rs`), and status
//! streams (a failed sync) carry its [`ErrorKind`], so an app sees the same kinds everywhere.

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
    /// The request conflicts with the current state of the data (on the server, or on the
    /// phone: a count before its warehouse was ever downloaded).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Signing out with the data removed, or deleting the account, would lose work not yet
    /// sent to the server: the user chooses to sync it first or to discard it.
    #[error(
        "{movements} movement(s) and {other} other change(s) are not yet sent to the server; sync them first or choose to discard them"
    )]
    PendingWork { movements: i64, other: i64 },
    /// The server answered with an error status.
    #[error("server error {status} ({code}): {detail}")]
    Server {
        status: u16,
        code: String,
        detail: String,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// The server answered with a body we cannot understand, or broke the protocol.
    #[error("malformed server response: {0}")]
    Protocol(String),
    /// The local database or data directory failed.
    #[error("local storage: {0}")]
    Storage(String),
    /// The local database file is damaged; the account's local data must be re-synced.
    #[error("local database is corrupt ({path}): {detail}")]
    CorruptDatabase { path: String, detail: String },
    /// The account database is encrypted and secure storage has no key for it (the app's
    /// keystore was reset, or the key was wiped). The file is left untouched.
    #[error("no key for the local database ({path}): {detail}")]
    MissingKey { path: String, detail: String },
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

/// What kind of failure an error is: what an app acts on (and what a failed sync's status
/// carries). Stable; its [`ErrorKind::code`] is the machine-readable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ErrorKind {
    /// No network or the server is unreachable: keep working offline, retry later.
    Offline,
    /// Sign in (again).
    Unauthorized,
    /// Nobody is signed in on this device.
    NotSignedIn,
    /// An argument is wrong; the error names the field.
    InvalidInput,
    NotFound,
    Conflict,
    /// The server failed or refused with an HTTP status.
    Server,
    /// The server broke the protocol (or a hostile answer was refused).
    Protocol,
    /// The local database or data directory failed.
    Storage,
    /// The local copy is damaged or cannot be decrypted: discard it and sync again.
    StorageCorrupt,
    /// An app-provided service (Keystore/Keychain) failed.
    Platform,
    Cancelled,
    /// A bug in the core.
    Internal,
}

impl ErrorKind {
    /// The stable machine-readable code (`offline`, `invalid_input`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Offline => "offline",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::NotSignedIn => "not_signed_in",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Server => "server",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Storage => "storage",
            ErrorKind::StorageCorrupt => "storage_corrupt",
            ErrorKind::Platform => "platform",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Offline(_) => ErrorKind::Offline,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::NotSignedIn => ErrorKind::NotSignedIn,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Conflict(_) | Error::PendingWork { .. } => ErrorKind::Conflict,
            Error::Server { .. } => ErrorKind::Server,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Storage(_) => ErrorKind::Storage,
            Error::CorruptDatabase { .. }
            | Error::MissingKey { .. }
            | Error::CorruptFile { .. } => ErrorKind::StorageCorrupt,
            Error::Platform { .. } => ErrorKind::Platform,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Internal(_) => ErrorKind::Internal,
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

    /// How long the server asked to wait before retrying, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Server { retry_after, .. } => *retry_after,
            _ => None,
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

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        if e.is_cancelled() {
            Error::Cancelled
        } else {
            Error::Internal(format!("background task failed: {e}"))
        }
    }
}
