//! Outbound clients for the two push providers, kept out of `companion-server` so that the
//! server's own dependency tree carries no HTTP client (the server speaks the wire protocol
//! only as a server); only this crate talks to Google and Apple.
//!
//! - [`fcm::FcmClient`]: FCM HTTP v1. A service-account JSON key signs an RS256 JWT that is
//!   exchanged at the OAuth token endpoint for an access token (cached until shortly before
//!   it expires), then `POST /v1/projects/{project}/messages:send`.
//! - [`apns::ApnsClient`]: APNs over HTTP/2 with an ES256 provider token (rebuilt every 50
//!   minutes, and at once when APNs answers `ExpiredProviderToken`), `POST /3/device/{token}`.
//!
//! Both answer a [`SendOutcome`] that tells the dispatcher what to do with the registration.
//! Device tokens are secrets: they never appear in errors, logs or `Debug` output here.
//!
//! With the `standins` feature, [`standin`] runs loopback stand-ins of both providers that
//! answer as their documentation says, for tests, benches and the demo.

pub mod apns;
pub mod fcm;
mod jwt;
#[cfg(feature = "standins")]
pub mod standin;
mod transport;

use std::collections::BTreeMap;

use std::time::Duration;

pub use jwt::pem_to_der;

/// What a notification carries: a visible alert and a flat string map (FCM `data`, merged
/// into the APNs payload beside `aps`), where the phone finds the typed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    pub data: BTreeMap<String, String>,
    /// A collapse key: a newer message with the same key replaces an older undelivered one.
    pub collapse_key: Option<String>,
}

/// The provider's verdict on one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the provider's message id.
    Delivered { message_id: String },
    /// The token will never work again (FCM `UNREGISTERED`, APNs 410 `Unregistered` or
    /// `BadDeviceToken`, FCM `INVALID_ARGUMENT` naming the token): drop the registration.
    /// `since_ms` is APNs' timestamp of when the token stopped being valid.
    DeadToken {
        reason: String,
        since_ms: Option<i64>,
    },
    /// Rate limited or unavailable: try again no sooner than `after`.
    RetryAfter { after: Duration, reason: String },
    /// The message itself was refused (payload error); retrying will not help.
    Rejected { reason: String },
    /// Network failure, timeout, 5xx or an unreadable answer: retry with backoff.
    Transient { reason: String },
}

/// Why a client could not be built or could not authenticate.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("configuration: {0}")]
    Config(String),
}

/// Default pause when a provider limits us without saying for how long.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Reads `Retry-After` (delay-seconds or an HTTP date).
pub(crate) fn retry_after(headers: &hyper::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(hyper::header::RETRY_AFTER)?.to_str().ok()?;
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v.trim()).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Keeps a secret out of `Debug` output.
#[derive(Clone)]
pub(crate) struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
