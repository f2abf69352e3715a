//! Shared fixtures for the end-to-end tests: a real reference server on loopback and
//! simulated phones, each a directory like an app sandbox.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use companion_core::http::Timeouts;
use companion_core::platform::FileSecureStorage;
use companion_core::{Companion, CompanionConfig, DeviceInfo, Tuning};
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

/// Attempts the test phones make of an idempotent request, the first included.
pub const RETRY_ATTEMPTS: u32 = 3;

/// Retries fast so fault-injection tests stay quick, with the given timeouts.
pub fn fast_tuning(timeouts: Timeouts) -> Tuning {
    Tuning {
        connect_timeout: Some(timeouts.connect),
        request_timeout: Some(timeouts.total),
        retry_attempts: RETRY_ATTEMPTS as i32,
        retry_base_delay: Some(Duration::from_millis(10)),
        max_inline_retry_after: Some(Duration::from_secs(2)),
        ..Tuning::default()
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
    config.tuning = fast_tuning(timeouts);
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

/// A client that speaks the protocol itself, signed in as a device of its own: what a
/// buggy or hostile client (or a duplicate delivery) sends, which the core no longer lets
/// a test send with a phone's session.
pub struct RawSession {
    pub http: reqwest::Client,
    pub base: String,
    pub access_token: String,
}

impl RawSession {
    /// Signs in with `POST /v1/auth/login` under a fresh install id.
    pub async fn sign_in(server_url: &str, username: &str) -> reqwest::Result<RawSession> {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::time::{SystemTime, UNIX_EPOCH};
        static SESSIONS: AtomicU64 = AtomicU64::new(0);
        let install_id = format!(
            "raw-{}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()?;
        let base = server_url.trim_end_matches('/').to_string();
        let request = companion_wire::session::LoginRequest {
            username: username.into(),
            password: DEMO_PASSWORD.into(),
            device: companion_wire::session::DeviceRegistration {
                install_id,
                platform: "desktop".into(),
                model: "raw protocol client".into(),
                os_version: std::env::consts::OS.into(),
                app_version: "test".into(),
                public_key: String::new(),
            },
        };
        let tokens: companion_wire::session::TokenResponse = http
            .post(format!("{base}/v1/auth/login"))
            .json(&request)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(RawSession {
            http,
            base,
            access_token: tokens.access_token,
        })
    }

    /// `POST path` with a JSON body and the session's bearer token.
    pub async fn post<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.access_token)
            .json(body)
            .send()
            .await
    }

    /// `GET path` with the session's bearer token.
    pub async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.access_token)
            .send()
            .await
    }
}

/// The status and error body (`{"error": {"code", "message", "field"}}`) of an answer.
pub async fn error_of(response: reqwest::Response) -> (u16, companion_wire::ErrorDetail) {
    let status = response.status().as_u16();
    let body: companion_wire::ErrorBody = response.json().await.expect("an error body");
    (status, body.error)
}
