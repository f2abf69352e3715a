//! The one error Kotlin and Swift see from `Companion`, and the single place where core
//! errors are converted into it (and logged).

use companion_core::Error;

/// What went wrong, in terms an app can act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CompanionError {
    /// No network or the server is unreachable: keep working offline, retry later.
    #[error("offline: {detail}")]
    Offline { detail: String },
    /// Sign in (again): wrong credentials, or the session ended.
    #[error("unauthorized: {detail}")]
    Unauthorized { detail: String },
    /// An argument is wrong; `field` names it so the UI can highlight it.
    #[error("invalid {field}: {detail}")]
    InvalidInput { field: String, detail: String },
    /// The server failed or refused; `status` is the HTTP status.
    #[error("server error {status}: {detail}")]
    Server { status: u16, detail: String },
    /// The local database or data directory failed; `corrupt` means the local copy must
    /// be discarded and re-synced.
    #[error("storage: {detail}")]
    Storage { detail: String, corrupt: bool },
    /// An app-provided service (secure storage) failed.
    #[error("platform: {detail}")]
    Platform { detail: String },
    #[error("not found: {detail}")]
    NotFound { detail: String },
    /// The data changed on the server in a way that conflicts with this request.
    #[error("conflict: {detail}")]
    Conflict { detail: String },
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// A bug in the core; please report it.
    #[error("internal: {detail}")]
    Internal { detail: String },
}

impl From<Error> for CompanionError {
    fn from(e: Error) -> Self {
        // Core errors never carry secrets (tokens, passwords), so the text can be logged.
        tracing::debug!(error = %e, "returning error to the app");
        let detail = e.to_string();
        match e {
            Error::Offline(_) => CompanionError::Offline { detail },
            Error::Unauthorized(_) | Error::NotSignedIn => CompanionError::Unauthorized { detail },
            Error::InvalidInput { field, reason } => CompanionError::InvalidInput {
                field,
                detail: reason,
            },
            Error::Server { status, .. } => CompanionError::Server { status, detail },
            Error::Protocol(_) => CompanionError::Server {
                status: 200,
                detail,
            },
            Error::Storage(_) | Error::MissingKey { .. } => CompanionError::Storage {
                detail,
                corrupt: false,
            },
            Error::CorruptDatabase { .. } | Error::CorruptFile { .. } => CompanionError::Storage {
                detail,
                corrupt: true,
            },
            Error::Platform { .. } => CompanionError::Platform { detail },
            Error::NotFound(_) => CompanionError::NotFound { detail },
            Error::Conflict(_) => CompanionError::Conflict { detail },
            Error::Cancelled => CompanionError::Cancelled,
            Error::Internal(_) => CompanionError::Internal { detail },
        }
    }
}

impl From<companion_scan::ScanError> for CompanionError {
    fn from(e: companion_scan::ScanError) -> Self {
        use companion_scan::ScanError;
        let detail = e.to_string();
        match e {
            ScanError::InvalidFrame { field, reason } => CompanionError::InvalidInput {
                field,
                detail: reason,
            },
            ScanError::UnsupportedImage { .. } => CompanionError::InvalidInput {
                field: "image".into(),
                detail,
            },
            ScanError::InvalidOptions { .. } => CompanionError::InvalidInput {
                field: "config".into(),
                detail,
            },
        }
    }
}
