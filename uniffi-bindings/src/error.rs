//! The one error Kotlin and Swift see from every call, and the single place where the core's
//! errors (and the scanner's and GS1 parser's) are converted into it, and logged.
//!
//! Kotlin:
//! ```kotlin
//! try { inventory.sync() } catch (e: CompanionException) {
//!     when (e) {
//!         is CompanionException.Offline -> showOfflineBanner()
//!         is CompanionException.Unauthorized -> navigateToSignIn()
//!         is CompanionException.InvalidInput -> form.showError(e.field, e.detail)
//!         else -> if (e.isRetryable()) retryLater(e.retryAfterMs()) else report(e.code())
//!     }
//! }
//! ```

use companion_core::{Error, ErrorKind};
use companion_scan::ScanError;
use companion_scan::gs1::Gs1Error;

/// What went wrong, in terms an app can act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CompanionError {
    /// No network or the server is unreachable: keep working offline, retry later.
    #[error("offline: {detail}")]
    Offline { detail: String },
    /// Sign in (again): wrong credentials, or the session ended.
    #[error("unauthorized: {detail}")]
    Unauthorized { detail: String },
    /// The call needs a signed-in account and nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// An argument is wrong; `field` names it so the UI can highlight it.
    #[error("invalid {field}: {detail}")]
    InvalidInput { field: String, detail: String },
    /// A camera frame or image that contradicts itself (stride, size, format), or a scan
    /// option out of range; `field` names the argument.
    #[error("invalid frame {field}: {detail}")]
    InvalidFrame { field: String, detail: String },
    /// Text that is not valid GS1 data.
    #[error("not GS1 data: {detail}")]
    InvalidGs1 { detail: String },
    #[error("not found: {detail}")]
    NotFound { detail: String },
    /// The request conflicts with the current state of the data.
    #[error("conflict: {detail}")]
    Conflict { detail: String },
    /// Signing out with the data removed, or deleting the account, would lose unsent work:
    /// show the counts and let the user choose to sync first or to discard it.
    #[error("pending work: {detail}")]
    PendingWork {
        movements: i64,
        other_changes: i64,
        detail: String,
    },
    /// The server failed or refused; `status` is the HTTP status, `code` its error code.
    #[error("server error {status} ({code}): {detail}")]
    Server {
        status: i32,
        code: String,
        detail: String,
        /// Set when the server asked to wait before retrying.
        retry_after_ms: Option<i64>,
    },
    /// The server broke the protocol (or sent an answer the core refused to read).
    #[error("protocol: {detail}")]
    Protocol { detail: String },
    /// The local database or data directory failed; `corrupt` means the local copy is
    /// damaged or cannot be decrypted and must be discarded and synced again.
    #[error("storage: {detail}")]
    Storage { detail: String, corrupt: bool },
    /// An app-provided service (Keystore/Keychain) failed.
    #[error("platform service {service}: {detail}")]
    Platform { service: String, detail: String },
    /// The call was cancelled (a cancelled coroutine, a `Cancellation` fired).
    #[error("cancelled")]
    Cancelled,
    /// A bug in the core; please report it.
    #[error("internal: {detail}")]
    Internal { detail: String },
}

#[uniffi::export]
impl CompanionError {
    /// Stable machine-readable code (`offline`, `invalid_input`, `server`, ...).
    pub fn code(&self) -> String {
        match self {
            CompanionError::InvalidFrame { .. } => "invalid_frame",
            CompanionError::InvalidGs1 { .. } => "invalid_gs1",
            other => other.kind().code(),
        }
        .to_string()
    }

    /// Whether the same call may succeed later without the user changing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            CompanionError::Offline { .. } => true,
            CompanionError::Server { status, .. } => {
                *status >= 500 || *status == 429 || *status == 408
            }
            _ => false,
        }
    }

    /// How long the server asked to wait before retrying, in milliseconds.
    pub fn retry_after_ms(&self) -> Option<i64> {
        match self {
            CompanionError::Server { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }
}

impl CompanionError {
    fn kind(&self) -> ErrorKind {
        match self {
            CompanionError::Offline { .. } => ErrorKind::Offline,
            CompanionError::Unauthorized { .. } => ErrorKind::Unauthorized,
            CompanionError::NotSignedIn => ErrorKind::NotSignedIn,
            CompanionError::InvalidInput { .. }
            | CompanionError::InvalidFrame { .. }
            | CompanionError::InvalidGs1 { .. } => ErrorKind::InvalidInput,
            CompanionError::NotFound { .. } => ErrorKind::NotFound,
            CompanionError::Conflict { .. } | CompanionError::PendingWork { .. } => {
                ErrorKind::Conflict
            }
            CompanionError::Server { .. } => ErrorKind::Server,
            CompanionError::Protocol { .. } => ErrorKind::Protocol,
            CompanionError::Storage { corrupt: false, .. } => ErrorKind::Storage,
            CompanionError::Storage { corrupt: true, .. } => ErrorKind::StorageCorrupt,
            CompanionError::Platform { .. } => ErrorKind::Platform,
            CompanionError::Cancelled => ErrorKind::Cancelled,
            CompanionError::Internal { .. } => ErrorKind::Internal,
        }
    }

    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        CompanionError::Internal {
            detail: detail.into(),
        }
    }
}

impl From<Error> for CompanionError {
    fn from(e: Error) -> Self {
        // Core errors never carry secrets (tokens, passwords) or personal data beyond ids,
        // so the text can be logged. Expected conditions at debug, bugs louder.
        match e.kind() {
            ErrorKind::Internal | ErrorKind::StorageCorrupt => {
                tracing::warn!(error = %e, "returning error to the app")
            }
            _ => tracing::debug!(error = %e, "returning error to the app"),
        }
        let detail = e.to_string();
        match e {
            Error::Offline(_) => CompanionError::Offline { detail },
            Error::Unauthorized(_) => CompanionError::Unauthorized { detail },
            Error::NotSignedIn => CompanionError::NotSignedIn,
            Error::InvalidInput { field, reason } => CompanionError::InvalidInput {
                field,
                detail: reason,
            },
            Error::Server {
                status,
                code,
                retry_after,
                ..
            } => CompanionError::Server {
                status: i32::from(status),
                code,
                detail,
                retry_after_ms: retry_after.map(|d| d.as_millis().min(i64::MAX as u128) as i64),
            },
            Error::Protocol(_) => CompanionError::Protocol { detail },
            Error::Storage(_) => CompanionError::Storage {
                detail,
                corrupt: false,
            },
            Error::CorruptDatabase { .. }
            | Error::MissingKey { .. }
            | Error::CorruptFile { .. } => CompanionError::Storage {
                detail,
                corrupt: true,
            },
            Error::Platform { service, .. } => CompanionError::Platform {
                service: service.to_string(),
                detail,
            },
            Error::NotFound(_) => CompanionError::NotFound { detail },
            Error::Conflict(_) => CompanionError::Conflict { detail },
            Error::PendingWork { movements, other } => CompanionError::PendingWork {
                movements,
                other_changes: other,
                detail,
            },
            Error::Cancelled => CompanionError::Cancelled,
            Error::Internal(_) => CompanionError::Internal { detail },
        }
    }
}

impl From<ScanError> for CompanionError {
    fn from(e: ScanError) -> Self {
        tracing::debug!(error = %e, "returning scan error to the app");
        let detail = e.to_string();
        match e {
            ScanError::InvalidFrame { field, reason } => CompanionError::InvalidFrame {
                field,
                detail: reason,
            },
            ScanError::UnsupportedImage { .. } => CompanionError::InvalidFrame {
                field: "image".into(),
                detail,
            },
            ScanError::InvalidOptions { .. } => CompanionError::InvalidInput {
                field: "options".into(),
                detail,
            },
        }
    }
}

impl From<Gs1Error> for CompanionError {
    fn from(e: Gs1Error) -> Self {
        CompanionError::InvalidGs1 {
            detail: e.to_string(),
        }
    }
}
