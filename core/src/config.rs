//! What the shell tells the core when it starts.

use std::path::PathBuf;

/// Where the core keeps its files and which backend it talks to.
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
        }
    }

    pub(crate) fn data_path(&self) -> PathBuf {
        PathBuf::from(&self.data_dir)
    }
}
