//! The records the account screens show and apps pass in.

use std::time::SystemTime;

pub use companion_wire::account::{
    DELETION_PHRASE, DeletionStatus, ExportState, ExportStatus, KeptRecord, Profile, ProfileUpdate,
    ServerDeletionState,
};

/// The profile as the phone shows it: the server's, with an edit not yet sent applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProfileView {
    pub profile: Profile,
    /// An edit is waiting to be sent (offline); it is included in `profile`.
    pub pending_sync: bool,
}

/// Work on this phone the server has not seen yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PendingWork {
    /// Movements in the outbox, not yet sent.
    pub movements: i64,
    /// Other queued changes (a profile edit).
    pub other: i64,
}

impl PendingWork {
    pub fn is_empty(&self) -> bool {
        self.movements == 0 && self.other == 0
    }
}

/// What to do with [`PendingWork`] when signing out or deleting the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PendingChoice {
    /// Refuse with `PendingWork` (the counts) if anything is pending: the app asks the user.
    #[default]
    Ask,
    /// Send it first; fails (nothing else done) when it cannot be sent.
    Sync,
    /// Keep it on the phone for the account's next sign-in (sign-out without removing data).
    Keep,
    /// Drop it: the user said so.
    Discard,
}

/// How to sign out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignOutOptions {
    /// Remove every local trace of the account from this device (shared phones).
    pub remove_data: bool,
    /// What to do with unsent work.
    pub pending: PendingChoice,
}

/// What a sign-out did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignOutReport {
    pub synced: i64,
    pub discarded: i64,
    /// Unsent movements left on the phone for the next sign-in.
    pub kept: i64,
    pub data_removed: bool,
}

/// Where this phone's deletion request is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeletionProgress {
    /// Nothing requested from this phone.
    None,
    /// Confirmed offline; sent as soon as the server can be reached (within minutes of the
    /// re-authentication; later the password is asked again).
    Queued {
        #[serde(serialize_with = "crate::time::serialize")]
        requested_at: SystemTime,
    },
    /// Still queued, but the re-authentication is too old (or the app restarted): ask the
    /// password again and call `send_queued_deletion`.
    NeedsPassword {
        #[serde(serialize_with = "crate::time::serialize")]
        requested_at: SystemTime,
    },
    /// Being sent.
    Sending,
}

/// The answer to a deletion request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeletionOutcome {
    /// The server accepted: the phone is wiped of the account and signed out.
    Accepted { status: DeletionStatus },
    /// Offline: the request is kept and sent when the server can be reached.
    Queued {
        #[serde(serialize_with = "crate::time::serialize")]
        requested_at: SystemTime,
    },
}

/// Where an export is on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportPhase {
    Idle,
    /// Asking the server to assemble it.
    Requesting,
    /// The server is assembling it.
    Building,
    Downloading,
    /// Checking the download against the server's SHA-256.
    Verifying,
    Ready,
    Failed,
}

/// Progress of the export, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportProgress {
    pub export_id: Option<String>,
    pub phase: ExportPhase,
    pub bytes_done: i64,
    pub bytes_total: Option<i64>,
}

/// A downloaded export, kept sealed (AES-256-GCM) in the account's directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportFile {
    pub export_id: String,
    pub bytes: i64,
    /// Lowercase hex SHA-256 of the zip, as the server computed it (and the phone checked).
    pub sha256: String,
}

/// An export decrypted for the share sheet: a plain zip in the account's `share/` folder,
/// removed by `finish_sharing` (or at the next start, or with the account).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedExport {
    pub path: String,
    pub bytes: i64,
    /// File name to offer (`companion-export-<date>.zip`).
    pub file_name: String,
}
