//! The wire format of Companion's `/v1` HTTP API, shared by the core (client) and the
//! reference server, so the two cannot drift apart. `server/openapi.json` documents it.

use serde::{Deserialize, Serialize};

/// `POST /v1/auth/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub device: DeviceRegistration,
}

/// The device identity registered with each session; the public key later verifies the
/// device's signatures on proofs of delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRegistration {
    pub install_id: String,
    pub platform: String,
    pub model: String,
    pub os_version: String,
    pub app_version: String,
    /// Uncompressed SEC1 P-256 public key, base64url without padding.
    pub public_key: String,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Issued by login and refresh. Refresh tokens rotate: each refresh returns a new one and
/// revokes the old.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds.
    pub expires_in: u64,
    pub account: Account,
}

// Tokens must never reach logs, so Debug shows only the account.
impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// The signed-in user and the warehouses whose data this device may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub warehouses: Vec<Warehouse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Warehouse {
    pub id: String,
    pub name: String,
}

/// Every non-2xx answer carries this body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_credentials`, `token_expired`.
    pub code: String,
    /// Human-readable explanation (never contains secrets).
    pub message: String,
    /// The request field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Error codes the server uses and the client acts on.
pub mod codes {
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    pub const TOKEN_EXPIRED: &str = "token_expired";
    pub const TOKEN_INVALID: &str = "token_invalid";
    pub const INVALID_REQUEST: &str = "invalid_request";
    pub const NOT_FOUND: &str = "not_found";
    pub const FORBIDDEN: &str = "forbidden";
    pub const CONFLICT: &str = "conflict";
    pub const INTERNAL: &str = "internal";
}
