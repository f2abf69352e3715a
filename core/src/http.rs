//! The HTTP client every backend call goes through.
//!
//! - TLS is required except for loopback (the reference server in development and tests).
//! - Certificates are checked by the platform's own verifier on phones
//!   (`rustls-platform-verifier`: Android's and Apple's trust stores, so a company's
//!   MDM-installed CA and revocation checks work) and against the Mozilla roots bundled in
//!   the library on the desktop.
//! - Plain-http loopback never goes through a proxy (an `HTTP_PROXY` would otherwise get the
//!   password in clear). For https the platform's proxy settings still apply: the proxy
//!   only sees a CONNECT tunnel, TLS runs end to end, and company networks need it.
//! - Redirects are never followed: a 3xx is an error, so an answer cannot send the request
//!   (and its password) to a host the URL rule would refuse.
//! - Answers are read in chunks up to a size cap ([`DEFAULT_MAX_RESPONSE_BYTES`]); a bigger
//!   one is refused with a typed error instead of filling the phone's memory.
//! - Idempotent requests are retried with exponential backoff and full jitter on transient
//!   failures, honouring `Retry-After` up to a limit; longer waits surface as an error that
//!   carries the delay so the caller (the sync scheduler) can wait instead.

use std::net::IpAddr;
use std::sync::Once;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use companion_wire::ErrorBody;

/// How hard to try before giving up on a request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, including the first.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited out inline.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter backoff: a random delay up to `base * 2^attempt`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let millis = ceiling.as_millis() as u64;
        Duration::from_millis(if millis == 0 {
            0
        } else {
            rand::rng().random_range(0..=millis)
        })
    }
}

/// Timeouts for one request.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole request, body included: a server that trickles its body is cut off.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// The largest answer read by default: the biggest sync page is a few MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// A client bound to one backend base URL.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: Url,
    client: reqwest::Client,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

static TLS_PROVIDER: Once = Once::new();

/// Parses and checks a server URL: `https`, or `http` only to a loopback address.
///
/// ```
/// use companion_core::http::validate_server_url;
/// assert!(validate_server_url("https://erp.example.com").is_ok());
/// assert!(validate_server_url("http://127.0.0.1:8750").is_ok());
/// assert!(validate_server_url("http://erp.example.com").is_err());
/// ```
pub fn validate_server_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::invalid("server_url", format!("not a URL: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| Error::invalid("server_url", "the URL has no host"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(Error::invalid(
            "server_url",
            "plain http is only allowed for loopback; use https",
        )),
        other => Err(Error::invalid(
            "server_url",
            format!("unsupported scheme {other:?}; use https"),
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl ApiClient {
    pub fn new(server_url: &str, timeouts: Timeouts, retry: RetryPolicy) -> Result<Self> {
        let base = validate_server_url(server_url)?;
        TLS_PROVIDER.call_once(|| {
            // Another part of the app may have installed a provider already; that is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .https_only(base.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .user_agent(concat!("companion-core/", env!("CARGO_PKG_VERSION")));
        if base.scheme() == "http" {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| Error::Internal(format!("cannot build HTTP client: {e}")))?;
        Ok(ApiClient {
            base,
            client,
            retry,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        })
    }

    /// Refuses answers larger than `bytes` (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Sends a JSON request and decodes a JSON answer. `idempotent` requests are retried on
    /// transient failures; others are sent exactly once.
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        bearer: Option<&str>,
        idempotent: bool,
    ) -> Result<T> {
        let payload = body.map_or(Payload::Empty, Payload::Json);
        self.send_with(method, path, payload, bearer, idempotent, false)
            .await?
            .map_err(Refusal::into_error)
    }

    /// [`ApiClient::send`], but a final refusal (a 4xx other than 401, 408 and 429) comes
    /// back as `Ok(Err(refusal))` with the server's error body, for callers that act on
    /// the server's error code (proof submission: `chain_missing_link` is not
    /// `stop_already_completed`). Transient failures are retried as by `send`.
    pub async fn send_refusable<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        bearer: Option<&str>,
        idempotent: bool,
    ) -> Result<std::result::Result<T, Refusal>> {
        let payload = body.map_or(Payload::Empty, Payload::Json);
        self.send_with(method, path, payload, bearer, idempotent, true)
            .await
    }

    /// Sends raw bytes (`application/octet-stream`, e.g. a photo part) and decodes a JSON
    /// answer, under the same rules as [`ApiClient::send`] (retries, size cap, no redirect).
    pub async fn send_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        bytes: &[u8],
        bearer: Option<&str>,
        idempotent: bool,
    ) -> Result<T> {
        self.send_with::<(), T>(
            method,
            path,
            Payload::Bytes(bytes),
            bearer,
            idempotent,
            false,
        )
        .await?
        .map_err(Refusal::into_error)
    }

    async fn send_with<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        payload: Payload<'_, B>,
        bearer: Option<&str>,
        idempotent: bool,
        refusable: bool,
    ) -> Result<std::result::Result<T, Refusal>> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Internal(format!("bad path {path}: {e}")))?;
        let attempts = if idempotent {
            self.retry.max_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            let result = self
                .send_once(method.clone(), url.clone(), payload, bearer)
                .await
                .and_then(|answer| match answer {
                    Ok(value) => Ok(Ok(value)),
                    Err(refusal) if refusable && refusal.is_final() => Ok(Err(refusal)),
                    Err(refusal) => Err(refusal.into_error()),
                });
            attempt += 1;
            match result {
                Err(e) if e.is_transient() && attempt < attempts => {
                    let delay = match &e {
                        Error::Server {
                            retry_after: Some(wait),
                            ..
                        } if *wait > self.retry.max_retry_after => return Err(e),
                        Error::Server {
                            retry_after: Some(wait),
                            ..
                        } => *wait,
                        _ => self.retry.backoff(attempt - 1),
                    };
                    tracing::debug!(path, attempt, delay_ms = delay.as_millis() as u64, error = %e, "retrying request");
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// `GET` whose body the caller reads in chunks (downloads), optionally of the byte range
    /// `first..=last`. A non-2xx status is the usual typed error; redirects are refused.
    /// Sent once: the caller resumes from what it has.
    pub async fn get_stream(
        &self,
        path: &str,
        bearer: Option<&str>,
        range: Option<(u64, u64)>,
    ) -> Result<reqwest::Response> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Internal(format!("bad path {path}: {e}")))?;
        let mut request = self.client.get(url);
        if let Some(token) = bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some((first, last)) = range {
            request = request.header(reqwest::header::RANGE, format!("bytes={first}-{last}"));
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        if status.is_redirection() {
            return Err(Error::Server {
                status: status.as_u16(),
                code: "redirect_refused".into(),
                detail: "the server redirected; redirects are not followed".into(),
                retry_after: None,
            });
        }
        let bytes = read_capped(response, 64 * 1024).await?;
        Err(status_error(status, &bytes, retry_after))
    }

    /// Reads the next chunk of a streamed body (`None` at its end).
    pub async fn next_chunk(response: &mut reqwest::Response) -> Result<Option<Vec<u8>>> {
        Ok(response
            .chunk()
            .await
            .map_err(transport_error)?
            .map(|c| c.to_vec()))
    }

    async fn send_once<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        payload: Payload<'_, B>,
        bearer: Option<&str>,
    ) -> Result<std::result::Result<T, Refusal>> {
        let mut request = self.client.request(method, url);
        if let Some(token) = bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        match payload {
            Payload::Empty => {}
            Payload::Json(body) => request = request.json(body),
            Payload::Bytes(raw) => {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(raw.to_vec());
            }
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| Url::parse(v).ok())
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "an unknown place".into());
            return Err(Error::Server {
                status: status.as_u16(),
                code: "redirect_refused".into(),
                detail: format!("the server redirected to {location}; redirects are not followed"),
                retry_after: None,
            });
        }
        let bytes = read_capped(response, self.max_response_bytes).await?;
        if status.is_success() {
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(bytes)
                .map(Ok)
                .map_err(|e| Error::Protocol(format!("unexpected response body ({status}): {e}")));
        }
        Ok(Err(Refusal {
            status,
            body: bytes,
            retry_after,
        }))
    }
}

/// A request's body.
enum Payload<'a, B: ?Sized> {
    Empty,
    Json(&'a B),
    /// `application/octet-stream`.
    Bytes(&'a [u8]),
}

impl<B: ?Sized> Clone for Payload<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<B: ?Sized> Copy for Payload<'_, B> {}

/// An error status from the server with its body.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

impl Refusal {
    /// The core's error for this refusal (what [`ApiClient::send`] returns).
    pub fn into_error(self) -> Error {
        status_error(self.status, &self.body, self.retry_after)
    }

    /// The server's error body, when it sent one.
    pub fn error_body(&self) -> Option<ErrorBody> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A refusal no retry of the same request changes (and no new token: not 401).
    fn is_final(&self) -> bool {
        self.status.is_client_error()
            && !matches!(
                self.status,
                StatusCode::UNAUTHORIZED
                    | StatusCode::REQUEST_TIMEOUT
                    | StatusCode::TOO_MANY_REQUESTS
            )
    }
}

/// Set once rustls-platform-verifier has been given the JVM and app context on Android
/// (its `init_with_env`, called through JNI from the app's start-up). Before that the
/// verifier would panic on the first handshake, so the bundled roots stand in.
#[cfg(target_os = "android")]
static ANDROID_VERIFIER_READY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Records that the Android platform verifier is initialised; clients built afterwards
/// use it.
#[cfg(target_os = "android")]
pub fn mark_android_verifier_initialised() {
    ANDROID_VERIFIER_READY.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The TLS configuration: the platform verifier on phones (Android's and Apple's trust
/// stores, so MDM-installed CAs and revocation work), bundled roots on the desktop.
fn tls_config() -> Result<rustls::ClientConfig> {
    #[cfg(target_os = "ios")]
    {
        return platform_verifier_config();
    }
    #[cfg(target_os = "android")]
    {
        if ANDROID_VERIFIER_READY.load(std::sync::atomic::Ordering::SeqCst) {
            return platform_verifier_config();
        }
        tracing::warn!("platform certificate verifier not initialised; using bundled roots");
    }
    #[cfg(not(target_os = "ios"))]
    {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Ok(rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

#[cfg(any(target_os = "android", target_os = "ios"))]
fn platform_verifier_config() -> Result<rustls::ClientConfig> {
    use rustls_platform_verifier::ConfigVerifierExt;
    rustls::ClientConfig::with_platform_verifier().map_err(|e| {
        Error::Internal(format!(
            "cannot set up the platform certificate verifier: {e}"
        ))
    })
}

/// Reads the body chunk by chunk, refusing it as soon as it passes `max` bytes (or
/// announces more), so memory stays bounded whatever the server sends.
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>> {
    let too_large = || {
        Error::Protocol(format!(
            "the answer is larger than the {max}-byte limit; it was not read"
        ))
    };
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(
        response
            .content_length()
            .map_or(0, |len| len.min(1024 * 1024) as usize),
    );
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the
/// past means "now".
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Offline("the server did not answer in time".into())
    } else if e.is_connect() {
        Error::Offline(format!("cannot connect to the server: {}", root_cause(&e)))
    } else if e.is_decode() || e.is_body() {
        Error::Offline(format!(
            "the connection broke while reading the answer: {}",
            root_cause(&e)
        ))
    } else {
        Error::Offline(root_cause(&e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn status_error(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, detail, field) = match parsed {
        Some(b) => (b.error.code, b.error.message, b.error.field),
        None => (
            "unknown".to_string(),
            format!("HTTP {status} without an error body"),
            None,
        ),
    };
    match status {
        StatusCode::UNAUTHORIZED => Error::Unauthorized(format!("{detail} ({code})")),
        StatusCode::NOT_FOUND => Error::NotFound(detail),
        StatusCode::CONFLICT => Error::Conflict(detail),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY if field.is_some() => {
            Error::InvalidInput {
                field: field.unwrap_or_default(),
                reason: detail,
            }
        }
        _ => Error::Server {
            status: status.as_u16(),
            code,
            detail,
            retry_after,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_may_skip_tls() {
        for ok in [
            "https://erp.example.com/",
            "http://127.0.0.1:1",
            "http://localhost:8750",
            "http://[::1]:9",
        ] {
            assert!(validate_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://erp.example.com",
            "http://10.0.0.2",
            "ftp://127.0.0.1",
            "not a url",
            "http://127.0.0.1.evil.com",
        ] {
            let err = validate_server_url(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "server_url"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        let in_90s = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&in_90s, now),
            Some(Duration::from_secs(90))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_is_bounded() {
        let policy = RetryPolicy::default();
        for attempt in 0..40 {
            assert!(policy.backoff(attempt) <= policy.max_delay);
        }
    }
}
