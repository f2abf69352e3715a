//! The API Kotlin and Swift see: a thin table of contents over `companion-core`.
//!
//! - [`client`]: `CompanionClient`, the one object an app opens: sign-in, the session
//!   stream, and the way to each capability.
//! - [`deliveries`]: proof of delivery: routes, capture, seal, upload queue.
//! - [`inventory`]: offline stock, movements, sync, observable queries.
//! - [`scanner`]: camera frames, photos, live sessions, GS1.
//! - [`push`]: token registration, preferences, typed notifications.
//! - [`account`]: profile, data export, account deletion.
//! - [`permissions`]: point-of-use permission decisions shared by both apps.
//! - [`streams`]: listener traits (turned into Flow / AsyncSequence by small wrappers in
//!   `android/` and `ios/`); [`TaskHandle`] stops a stream or background loop;
//!   [`Cancellation`] stops a long call from Swift.
//! - [`error`]: `CompanionError`, the one error every call throws.
//!
//! Records and enums are derived in the domain crates (feature `uniffi`), so nothing is
//! mirrored by hand here. Every call that touches disk, Keystore/Keychain or the network is
//! `suspend`/`async` and runs on the core's runtime; the few synchronous ones say "cheap".

uniffi::setup_scaffolding!();

mod account;
mod android_tls;
mod cancellation;
mod client;
mod deliveries;
mod error;
mod inventory;
mod permissions;
mod push;
mod runtime;
mod scanner;
mod streams;
mod task_handle;

use std::sync::Arc;

use companion_core::platform::{LogLevel, LogSink};

pub use cancellation::Cancellation;
pub use client::Client;
pub use error::CompanionError;
pub use task_handle::TaskHandle;

/// Installs logging for the process; call once at app start, before opening the client.
/// Without a sink (desktop), logs go to stderr. Later calls change nothing and return false.
#[uniffi::export]
pub fn init_platform(log_sink: Option<Arc<dyn LogSink>>, level: LogLevel) -> bool {
    companion_core::platform::init_logging(log_sink, level)
}
