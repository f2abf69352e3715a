//! How handlers fail: every error becomes the protocol's `ErrorBody` with a stable code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use companion_wire::{ErrorBody, ErrorDetail};

/// Error codes: the protocol's, plus the server's own for throttling and overload.
pub mod codes {
    pub use companion_wire::codes::*;
    /// `429`: too many failed attempts; wait `Retry-After` seconds.
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    /// `503`: the server is at capacity; retry after `Retry-After` seconds.
    pub const BUSY: &str = "busy";
    /// `413`: the request body is too large.
    pub const TOO_LARGE: &str = "too_large";
    /// `415`: the request body is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// `408`: the request body did not arrive in time.
    pub const TIMEOUT: &str = "timeout";
    /// `405`: the endpoint exists but not with this method.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.to_string()),
            ..Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
        }
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Code for an error status that a handler did not produce itself (axum's rejections).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => codes::TOKEN_INVALID,
        StatusCode::FORBIDDEN => codes::FORBIDDEN,
        StatusCode::NOT_FOUND => codes::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => codes::METHOD_NOT_ALLOWED,
        StatusCode::REQUEST_TIMEOUT => codes::TIMEOUT,
        StatusCode::CONFLICT => codes::CONFLICT,
        StatusCode::PAYLOAD_TOO_LARGE => codes::TOO_LARGE,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => codes::UNSUPPORTED_MEDIA_TYPE,
        StatusCode::TOO_MANY_REQUESTS => codes::TOO_MANY_REQUESTS,
        StatusCode::SERVICE_UNAVAILABLE => codes::BUSY,
        s if s.is_server_error() => codes::INTERNAL,
        _ => codes::INVALID_REQUEST,
    }
}

/// Middleware: every error answer carries the JSON `ErrorBody`, including the plain-text
/// ones axum's extractors and router produce (400, 405, 413, 415, 422), so clients parse one
/// shape. Handlers' own errors are JSON already and pass untouched.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // Rejection texts are short; anything longer is cut rather than buffered.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let mut message = String::from_utf8_lossy(&text).trim().to_string();
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string();
    }
    // 422 (well-formed JSON of the wrong shape) is reported as 400 like every other invalid
    // request, so the API has one status for "fix your request".
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let mut out = ApiError::new(status, code_for_status(status), message).into_response();
    for (name, value) in parts.headers.iter() {
        if name == axum::http::header::RETRY_AFTER || name == axum::http::header::ALLOW {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// `Json<T>` whose rejections are the API's error body with the field serde complained about.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match <Json<T> as axum::extract::FromRequest<S>>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = match rejection.status() {
                    StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
                    s => s,
                };
                Err(ApiError::new(
                    status,
                    code_for_status(status),
                    rejection.body_text(),
                ))
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "database error");
        ApiError::internal("database error")
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("cannot listen: {0}")]
    Bind(std::io::Error),
    #[error("seeding demo data: {0}")]
    Seed(String),
    #[error("push: {0}")]
    Push(String),
}
