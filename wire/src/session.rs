//! Sign-in, token refresh and sign-out: `/v1/auth/*` and `/v1/me`.

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
