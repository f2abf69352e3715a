//! What the shell tells the core when it starts: where its files go, which backend it talks
//! to, what the device is, and every knob an app may tune (with documented defaults).

use std::path::PathBuf;
use std::time::Duration;

/// Where the core keeps its files and which backend it talks to.
///
/// ```
/// use companion_core::{CompanionConfig, DeviceInfo};
/// let config = CompanionConfig::new("/data/user/0/app/files", "https://erp.example.com", DeviceInfo::desktop());
/// assert_eq!(config.tuning.auto_sync_interval().as_secs(), 300);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CompanionConfig {
    /// The app's private files directory (Android `filesDir`, iOS Application Support).
    pub data_dir: String,
    /// Base URL of the ERP backend, e.g. `https://erp.example.com`. Plain `http` is accepted
    /// only for loopback addresses (the reference server in development and tests).
    pub server_url: String,
    /// What this device is, sent to the server when signing in.
    pub device: DeviceInfo,
    /// Timeouts, retries, sync pacing and page sizes; [`Tuning::default`] suits phones.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tuning: Tuning,
}

/// Describes the installation to the backend (shown in "signed-in devices", used for push).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceInfo {
    /// `android`, `ios` or `desktop`.
    pub platform: String,
    pub model: String,
    pub os_version: String,
    pub app_version: String,
}

/// Everything an app may tune, in one place. Each field says its default.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Tuning {
    /// Time to establish a connection. Default 10 s.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub connect_timeout: Option<Duration>,
    /// A whole request, body included (a server that trickles is cut off). Default 30 s.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_timeout: Option<Duration>,
    /// Attempts of an idempotent request, the first included. Default 4.
    #[cfg_attr(feature = "uniffi", uniffi(default = 4))]
    pub retry_attempts: i32,
    /// First backoff delay; doubles per attempt with full jitter. Default 200 ms.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub retry_base_delay: Option<Duration>,
    /// A server's `Retry-After` longer than this is not waited out inline: the call fails
    /// with the delay and the sync loop waits instead. Default 10 s.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_inline_retry_after: Option<Duration>,
    /// Between automatic syncs once everything is settled. Default 5 min (at least 10 s).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub auto_sync_interval: Option<Duration>,
    /// Rows per downloaded page (the server caps it at 20,000). Default 10,000.
    #[cfg_attr(feature = "uniffi", uniffi(default = 10000))]
    pub sync_page_rows: i32,
    /// Movements per push request (at most 1,000). Default 1,000.
    #[cfg_attr(feature = "uniffi", uniffi(default = 1000))]
    pub sync_push_batch: i32,
    /// Largest answer read from the server. Default 64 MiB.
    #[cfg_attr(feature = "uniffi", uniffi(default = 67108864))]
    pub max_response_bytes: i64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            connect_timeout: None,
            request_timeout: None,
            retry_attempts: 4,
            retry_base_delay: None,
            max_inline_retry_after: None,
            auto_sync_interval: None,
            sync_page_rows: 10_000,
            sync_push_batch: 1000,
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Tuning {
    /// [`Tuning::auto_sync_interval`] with its default and floor applied.
    pub fn auto_sync_interval(&self) -> Duration {
        self.auto_sync_interval
            .unwrap_or(Duration::from_secs(5 * 60))
            .max(Duration::from_secs(10))
    }

    pub(crate) fn timeouts(&self) -> crate::http::Timeouts {
        let d = crate::http::Timeouts::default();
        crate::http::Timeouts {
            connect: self.connect_timeout.unwrap_or(d.connect),
            total: self.request_timeout.unwrap_or(d.total),
        }
    }

    pub(crate) fn retry(&self) -> crate::http::RetryPolicy {
        let d = crate::http::RetryPolicy::default();
        crate::http::RetryPolicy {
            max_attempts: self.retry_attempts.clamp(1, 10) as u32,
            base_delay: self.retry_base_delay.unwrap_or(d.base_delay),
            max_delay: d.max_delay,
            max_retry_after: self.max_inline_retry_after.unwrap_or(d.max_retry_after),
        }
    }
}

impl DeviceInfo {
    /// The CLI's identity: the desktop stands in for a phone.
    pub fn desktop() -> Self {
        DeviceInfo {
            platform: "desktop".into(),
            model: std::env::consts::ARCH.into(),
            os_version: std::env::consts::OS.into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

impl CompanionConfig {
    pub fn new(
        data_dir: impl Into<String>,
        server_url: impl Into<String>,
        device: DeviceInfo,
    ) -> Self {
        CompanionConfig {
            data_dir: data_dir.into(),
            server_url: server_url.into(),
            device,
            tuning: Tuning::default(),
        }
    }

    pub(crate) fn data_path(&self) -> PathBuf {
        PathBuf::from(&self.data_dir)
    }
}
