//! Shared fixtures for the end-to-end tests: a real reference server on loopback and
//! simulated phones, each a directory like an app sandbox.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use companion_core::http::{RetryPolicy, Timeouts};
use companion_core::platform::FileSecureStorage;
use companion_core::{Companion, CompanionConfig, DeviceInfo};
use companion_server::{RunningServer, ServerConfig};

pub use companion_server::seed::DEMO_PASSWORD;

/// A reference server in a temporary directory.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServerConfig::in_dir(dir.path());
        configure(&mut config);
        let server = companion_server::start(config)
            .await
            .expect("server starts");
        TestServer { server, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("companion-server.db")
    }
}

/// Retries fast so fault-injection tests stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

/// Opens a simulated phone whose sandbox is `dir`.
pub fn open_phone(dir: &Path, server_url: &str) -> companion_core::Result<Companion> {
    open_phone_with(
        dir,
        server_url,
        Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(5),
        },
    )
}

pub fn open_phone_with(
    dir: &Path,
    server_url: &str,
    timeouts: Timeouts,
) -> companion_core::Result<Companion> {
    let storage =
        FileSecureStorage::new(dir.join("secure")).map_err(companion_core::Error::from)?;
    let config = CompanionConfig::new(dir.display().to_string(), server_url, DeviceInfo::desktop());
    Companion::open_with(config, Arc::new(storage), timeouts, fast_retry())
}

/// A loopback URL where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
