//! The API Kotlin and Swift see: a thin layer over `companion-core`.
//!
//! Records and enums are derived in the core (feature `uniffi`), so nothing is mirrored by
//! hand here. This crate adds the exported object, the one public error enum and the
//! conversion into it (`error.rs`), listener handles, and the platform initialisation.

uniffi::setup_scaffolding!();

mod error;
mod inventory;
mod listener;
mod runtime;
mod scan;
mod task_handle;

use std::sync::Arc;

use companion_core::platform::{LogLevel, LogSink, SecureStorage};
use companion_core::{Account, CompanionConfig, SessionState};

pub use error::CompanionError;
pub use listener::CompanionListener;
pub use task_handle::TaskHandle;

/// Installs logging for the process; call once at app start, before opening [`Companion`].
/// Without a sink (desktop), logs go to stderr. Later calls change nothing and return false.
#[uniffi::export]
pub fn init_platform(log_sink: Option<Arc<dyn LogSink>>, level: LogLevel) -> bool {
    companion_core::platform::init_logging(log_sink, level)
}

/// Companion's core, one per app process.
///
/// Kotlin:
/// ```kotlin
/// val companion = CompanionClient.open(config, KeystoreSecureStorage(context))
/// val account = companion.signIn("maria", password)   // suspend
/// ```
#[derive(uniffi::Object)]
// A Kotlin class named `Companion` cannot hold the companion object its constructors live in;
// the foreign name is set here (uniffi.toml's `rename` misses constructor return types).
#[uniffi(name = "CompanionClient")]
pub struct Companion {
    inner: Arc<companion_core::Companion>,
}

impl Companion {
    /// The core object, for the feature modules of this crate.
    pub(crate) fn core(&self) -> &Arc<companion_core::Companion> {
        &self.inner
    }
}

// Every exported impl of `Companion` repeats the foreign name (see the struct).
#[uniffi::export(name = "CompanionClient")]
impl Companion {
    /// Opens the core with the app's configuration and secure storage. Fails with
    /// `InvalidInput` for a bad configuration (e.g. a plain-http remote server URL) and
    /// `Storage` for an unwritable data directory or a corrupt database.
    #[uniffi::constructor]
    pub fn open(
        config: CompanionConfig,
        secure_storage: Arc<dyn SecureStorage>,
    ) -> Result<Arc<Self>, CompanionError> {
        runtime::runtime()?;
        let inner = companion_core::Companion::open(config, secure_storage)?;
        Ok(Arc::new(Companion {
            inner: Arc::new(inner),
        }))
    }

    /// Signs in; tokens go to secure storage, the account's database is opened.
    pub async fn sign_in(
        &self,
        username: String,
        password: String,
    ) -> Result<Account, CompanionError> {
        let core = self.core().clone();
        runtime::run(async move { Ok(core.sign_in(&username, &password).await?) }).await
    }

    /// Signs out and revokes the session on the server (later, if offline now).
    pub async fn sign_out(&self) -> Result<(), CompanionError> {
        let core = self.core().clone();
        runtime::run(async move { Ok(core.sign_out().await?) }).await
    }

    pub fn session_state(&self) -> SessionState {
        self.inner.session_state()
    }

    /// This installation's id (stable across launches, new after reinstall).
    pub fn install_id(&self) -> String {
        self.inner.install_id().to_string()
    }

    /// Registers a listener: it receives the current state at once, then every change, until
    /// the returned handle is cancelled or dropped.
    pub fn add_listener(
        &self,
        listener: Arc<dyn CompanionListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        Ok(listener::spawn(
            runtime::runtime()?,
            self.inner.subscribe(),
            listener,
        ))
    }
}
