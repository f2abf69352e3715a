//! The error body of every non-2xx answer, and the codes the phone acts on.

use serde::{Deserialize, Serialize};

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
