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

/// Decodes a JSON request body. JSON does not tell `4` from `4.0` and JSON Schema calls
/// both integers, so integral numbers written as floats are accepted too (decoded a second
/// time only after the fast path fails, so well-behaved clients pay nothing). The error is
/// serde's message for the body as finally decoded, prefixed with `what`.
pub fn decode_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    field: &str,
    what: &str,
) -> Result<T, ApiError> {
    let malformed =
        |e: serde_json::Error| ApiError::invalid(field, format!("malformed {what}: {e}"));
    let first = match serde_json::from_slice::<T>(body) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Err(malformed(first));
    };
    if !integral_floats_to_integers(&mut value) {
        return Err(malformed(first));
    }
    serde_json::from_value(value).map_err(malformed)
}

/// Rewrites every float that holds an integer (`35273.0`, `-9007199254740992.0`) as that
/// integer: JSON Schema's "integer" is a value, not a spelling, and some JSON encoders write
/// every number as a double. Only up to 2^53, where a double still names one integer: beyond
/// it, `-9223372036854775809` (out of i64) would round to a float that fits. True when any
/// changed.
fn integral_floats_to_integers(v: &mut serde_json::Value) -> bool {
    const TWO_53: f64 = 9_007_199_254_740_992.0;
    match v {
        serde_json::Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= TWO_53 => {
                *v = serde_json::Value::from(f as i64);
                true
            }
            _ => false,
        },
        serde_json::Value::Array(a) => a
            .iter_mut()
            .fold(false, |any, x| integral_floats_to_integers(x) | any),
        serde_json::Value::Object(o) => o
            .values_mut()
            .fold(false, |any, x| integral_floats_to_integers(x) | any),
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::decode_body;

    #[derive(Debug, serde::Deserialize)]
    struct Counted {
        quantity: i64,
    }

    #[test]
    fn integral_floats_are_integers_and_the_real_error_is_reported() {
        let ok: Counted = decode_body(br#"{"quantity": 35273.0}"#, "quantity", "count").unwrap();
        assert_eq!(ok.quantity, 35273);
        let big: Counted =
            decode_body(br#"{"quantity": -9007199254740992.0}"#, "quantity", "count").unwrap();
        assert_eq!(big.quantity, -9_007_199_254_740_992);
        // A fraction is not an integer; beyond 2^53 a double no longer names one integer.
        for bad in [
            r#"{"quantity": 1.5}"#,
            r#"{"quantity": 1e300}"#,
            r#"{"quantity": -9223372036854775809}"#,
        ] {
            let e = decode_body::<Counted>(bad.as_bytes(), "quantity", "count").unwrap_err();
            assert!(format!("{e:?}").contains("malformed count"), "{e:?}");
        }
        // After the floats are fixed, the error names what is still wrong, not the float.
        let e = decode_body::<Counted>(br#"{"quantity": "x", "other": 2.0}"#, "quantity", "count")
            .unwrap_err();
        let text = format!("{e:?}");
        assert!(text.contains("invalid type: string"), "{text}");
    }
}
