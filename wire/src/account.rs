//! The account's own data: the profile (rectification), the data export (access and
//! portability) and account deletion: `/v1/account/*`. `docs/account-deletion.md` describes
//! the flow, what is kept and why.

use serde::{Deserialize, Serialize};

/// The phrase a user types to confirm a deletion request, exactly (case and spaces matter),
/// in the app and on the web page.
pub const DELETION_PHRASE: &str = "DELETE MY ACCOUNT";

/// Longest display name.
pub const MAX_DISPLAY_NAME_LEN: usize = 100;
/// Longest phone number (E.164 is at most 15 digits; room for spaces and a `+`).
pub const MAX_PHONE_LEN: usize = 32;
/// Longest job title.
pub const MAX_JOB_TITLE_LEN: usize = 100;
/// Longest export id (a UUID is 36 characters).
pub const MAX_EXPORT_ID_LEN: usize = 64;
/// Longest typed confirmation accepted before it is compared with [`DELETION_PHRASE`].
pub const MAX_CONFIRMATION_LEN: usize = 100;

/// The fields of a profile a user may correct themselves. `GET /v1/account/profile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Profile {
    pub account_id: String,
    pub username: String,
    pub display_name: String,
    /// Empty when not given.
    pub phone: String,
    /// Empty when not given.
    pub job_title: String,
    /// Unix seconds of the last change (0: never changed).
    pub updated_at: i64,
}

/// `POST /v1/account/profile`: the fields to change; absent ones keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProfileUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub job_title: Option<String>,
}

/// Why a profile field is refused, or `None` when the update is acceptable. Both sides run
/// it: the phone before queueing an edit, the server before applying it.
pub fn check_profile_update(u: &ProfileUpdate) -> Option<(&'static str, String)> {
    fn bad(value: &str, max: usize) -> Option<String> {
        let n = value.chars().count();
        if n > max {
            return Some(format!("must be at most {max} characters (got {n})"));
        }
        if value.chars().any(char::is_control) {
            return Some("must not contain control characters".into());
        }
        None
    }
    if let Some(name) = &u.display_name {
        if name.trim().is_empty() {
            return Some(("display_name", "must not be blank".into()));
        }
        if let Some(why) = bad(name, MAX_DISPLAY_NAME_LEN) {
            return Some(("display_name", why));
        }
    }
    if let Some(phone) = &u.phone {
        if let Some(why) = bad(phone, MAX_PHONE_LEN) {
            return Some(("phone", why));
        }
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
        {
            return Some((
                "phone",
                "may contain only digits, spaces and + - ( ) . /".into(),
            ));
        }
    }
    if let Some(title) = &u.job_title
        && let Some(why) = bad(title, MAX_JOB_TITLE_LEN)
    {
        return Some(("job_title", why));
    }
    None
}

/// `POST /v1/account/deletion`: the password entered again (re-authentication at the moment
/// of the request) and the typed phrase.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeletionRequest {
    pub password: String,
    /// Must equal [`DELETION_PHRASE`].
    pub confirmation: String,
}

// The password must never reach a log line.
impl std::fmt::Debug for DeletionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeletionRequest")
            .field("confirmation", &self.confirmation)
            .finish_non_exhaustive()
    }
}

/// Where an account is on its way to deletion, as the server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ServerDeletionState {
    /// No deletion requested.
    None,
    /// Requested; purged after `purge_after` unless cancelled before.
    Pending,
}

/// A kind of business record that is kept, de-identified, after the purge, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KeptRecord {
    pub kind: String,
    pub reason: String,
}

/// `GET /v1/account/deletion` and the answer to a request or a cancellation: the state,
/// the grace period and what happens to the account's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeletionStatus {
    pub state: ServerDeletionState,
    /// Unix seconds; set while pending.
    pub requested_at: Option<i64>,
    /// Unix seconds after which the purge runs; set while pending.
    pub purge_after: Option<i64>,
    /// The grace period this server applies, in days.
    pub grace_days: i64,
    /// What is deleted at the purge.
    pub deleted: Vec<String>,
    /// What is kept, de-identified, and why.
    pub kept: Vec<KeptRecord>,
}

/// Where a server-side export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportState {
    Building,
    Ready,
    Failed,
}

/// `POST /v1/account/exports` and `GET /v1/account/exports/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportStatus {
    pub id: String,
    pub state: ExportState,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds after which the server deletes the file.
    pub expires_at: i64,
    /// Size of the zip once ready.
    pub bytes: Option<i64>,
    /// Lowercase hex SHA-256 of the zip once ready: the phone checks its download against it.
    pub sha256: Option<String>,
}
