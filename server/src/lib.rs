//! Companion's reference backend: the `/v1` protocol the core speaks, on an embedded SQLite
//! database, so the core is always tested against a real server.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = companion_server::start(companion_server::ServerConfig::in_dir("/tmp/erp")).await?;
//! println!("listening on {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod account;
pub mod auth;
pub mod catalogue;
pub mod db;
pub mod deliveries;
pub mod error;
pub mod faults;
pub mod inventory;
pub mod limits;
pub mod push;
pub mod seed;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use db::Db;

/// The server's schema steps in the order they shipped; each feature owns its SQL. Append,
/// never reorder.
pub const SCHEMA: &[&str] = &[
    auth::MIGRATION,
    inventory::MIGRATION,
    auth::ROTATION_MIGRATION,
    inventory::MOVEMENTS_PER_ACCOUNT_MIGRATION,
    push::MIGRATION,
    deliveries::MIGRATION,
    account::MIGRATION,
];
pub use faults::{FaultKind, Faults};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The SQLite file; created and seeded with demo data on first start.
    pub db_path: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Exposes `POST /v1/_test/faults` so tests in other processes can inject faults.
    pub fault_injection_endpoint: bool,
    /// Seed demo users and warehouses when the database is new.
    pub seed_demo: bool,
    /// Push providers, the ERP key and the clock of the push dispatcher.
    pub push: push::PushConfig,
    /// Failed-login throttling per username and per client address.
    pub throttle: limits::ThrottleConfig,
    /// Threads checking passwords (each Argon2 check holds 19 MiB while it runs).
    pub password_threads: usize,
    /// Password checks that may wait for a thread before logins get `503`.
    pub password_queue: usize,
    /// Rejected movements remembered per account (for idempotent retries); older are dropped.
    pub max_stored_rejections: usize,
    /// Connection limits and timeouts.
    pub connections: ConnectionLimits,
    /// SQLCipher passphrase for an encrypted server database; `None` (the default) keeps
    /// the reference server's database in plaintext.
    pub db_key: Option<String>,
    /// Profile, export, deletion grace period, purge and backups.
    pub account: account::AccountConfig,
}

/// What one connection may hold on to (`docs/server-hardening.md`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at most; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// From the start of waiting for a request (a new connection, or an idle kept-alive one)
    /// until its headers are complete. This is also the idle timeout.
    pub header_read_timeout: Duration,
    /// To receive a request body.
    pub body_timeout: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_body_bytes: 2 * 1024 * 1024,
        }
    }
}

impl ServerConfig {
    /// Defaults: loopback, random port, 15 min access tokens, 30 day refresh tokens.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            db_path: dir.into().join("companion-server.db"),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            fault_injection_endpoint: false,
            seed_demo: true,
            push: push::PushConfig::default(),
            throttle: limits::ThrottleConfig::default(),
            password_threads: 2,
            password_queue: 64,
            max_stored_rejections: 10_000,
            connections: ConnectionLimits::default(),
            db_key: None,
            account: account::AccountConfig::default(),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<ServerConfig>,
    pub faults: Arc<Faults>,
    pub push: push::PushService,
    pub passwords: Arc<limits::PasswordPool>,
    pub throttle: Arc<limits::LoginThrottle>,
}

/// A server running on a background task.
pub struct RunningServer {
    addr: SocketAddr,
    faults: Arc<Faults>,
    db: Db,
    push: push::PushService,
    dispatcher: Option<JoinHandle<()>>,
    account_jobs: Option<JoinHandle<()>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Fault injection on the live server (tests).
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// Direct access to the server's database (tests and seed commands).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The push dispatcher (tests step it with `drain`).
    pub fn push(&self) -> &push::PushService {
        &self.push
    }

    /// Stops accepting requests, finishes those in flight, and returns.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        if let Some(d) = self.dispatcher.take() {
            d.abort();
        }
        if let Some(j) = self.account_jobs.take() {
            j.abort();
        }
    }
}

/// The `/v1` routes. Keep `openapi.json` in step: a test checks that both agree.
pub fn router(state: AppState) -> Router {
    let mut v1 = Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .merge(inventory::router())
        .merge(push::router())
        .merge(deliveries::router())
        .merge(account::router());
    if state.config.fault_injection_endpoint {
        v1 = v1.route("/_test/faults", post(faults::configure));
    }
    let connections = state.config.connections;
    Router::new()
        .nest("/v1", v1)
        .merge(account::web_router())
        .fallback(|| async { error::ApiError::not_found("no such endpoint") })
        .layer(axum::middleware::from_fn_with_state(
            state.faults.clone(),
            faults::inject,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            connections.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            connections,
            serve::body_deadline,
        ))
        .layer(axum::middleware::from_fn(error::json_errors))
        .with_state(state)
}

/// Opens (and if new, migrates and seeds) the database and starts serving.
pub async fn start(config: ServerConfig) -> Result<RunningServer, error::StartError> {
    let db = Db::open(&config.db_path, config.db_key.as_deref(), SCHEMA)?;
    if config.seed_demo {
        seed::demo(&db).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(error::StartError::Bind)?;
    let addr = listener.local_addr().map_err(error::StartError::Bind)?;
    let faults = Arc::new(Faults::default());
    let push = push::PushService::new(
        db.clone(),
        &config.push,
        &config.db_path.with_extension("push-token.key"),
    )
    .map_err(error::StartError::Push)?;
    let dispatcher = config
        .push
        .background_dispatch
        .then(|| push.spawn_background());
    let account_jobs = config
        .account
        .background_jobs
        .then(|| account::spawn_jobs(db.clone(), config.account.clone(), config.db_path.clone()));
    let connections = config.connections;
    let state = AppState {
        db: db.clone(),
        passwords: limits::PasswordPool::new(config.password_threads, config.password_queue),
        throttle: Arc::new(limits::LoginThrottle::new(config.throttle)),
        config: Arc::new(config),
        faults: faults.clone(),
        push: push.clone(),
    };
    let app = router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve::accept_loop(listener, app, connections, rx));
    tracing::info!(%addr, "companion server listening");
    Ok(RunningServer {
        addr,
        faults,
        db,
        push,
        dispatcher,
        account_jobs,
        shutdown: Some(tx),
        task,
    })
}
