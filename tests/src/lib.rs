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
    let mut config =
        CompanionConfig::new(dir.display().to_string(), server_url, DeviceInfo::desktop());
    let retry = fast_retry();
    config.tuning.connect_timeout = Some(timeouts.connect);
    config.tuning.request_timeout = Some(timeouts.total);
    config.tuning.retry_attempts = retry.max_attempts as i32;
    config.tuning.retry_base_delay = Some(retry.base_delay);
    config.tuning.max_inline_retry_after = Some(retry.max_retry_after);
    Companion::open(config, Arc::new(storage))
}

/// A loopback URL where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A fixed database key for the helper processes of the kill tests (argv is fine there:
/// the key protects nothing but a temporary test file).
pub fn key_from_hex(hex: &str) -> companion_core::keys::DatabaseKey {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex key"))
        .collect();
    companion_core::keys::DatabaseKey::from_bytes(&bytes).expect("32-byte key")
}

/// The hex form [`key_from_hex`] reads.
pub fn key_to_hex(key: &companion_core::keys::DatabaseKey) -> String {
    key.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens an account database of a test phone with the key its secure storage holds, to
/// look at (or damage) it from outside the core as a test must.
pub fn open_account_db(phone_dir: &Path, account_id: &str, db: &Path) -> rusqlite::Connection {
    let storage = FileSecureStorage::new(phone_dir.join("secure")).expect("secure storage");
    let key = companion_core::keys::account_database_key(&storage, account_id)
        .expect("secure storage")
        .expect("the account has a database key");
    let conn = rusqlite::Connection::open(db).expect("open account db");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key_to_hex(&key)))
        .expect("key");
    conn
}
