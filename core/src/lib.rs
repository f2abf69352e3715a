//! Companion's domain core: everything the Android and iOS apps share, with no FFI.
//!
//! The shells create one [`Companion`] per app process. It owns the platform services
//! (secure storage, logging), the session with the ERP backend, and the local SQLite store of
//! the signed-in account. The `companion-ffi` crate exposes this API to Kotlin and Swift; the
//! `companion` CLI drives it directly on a desktop.
//!
//! ```no_run
//! # async fn demo() -> Result<(), companion_core::Error> {
//! use std::sync::Arc;
//! use companion_core::{Companion, CompanionConfig, DeviceInfo, platform::FileSecureStorage};
//!
//! let config = CompanionConfig::new("/tmp/phone-a", "http://127.0.0.1:8750", DeviceInfo::desktop());
//! let storage = Arc::new(FileSecureStorage::new("/tmp/phone-a/secure")?);
//! let companion = Companion::open(config, storage)?;
//! let account = companion.sign_in("maria", "demo-password").await?;
//! println!("signed in as {}", account.display_name);
//! # Ok(()) }
//! ```

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod companion;
pub mod config;
pub mod deliveries;
pub mod device;
pub mod error;
pub mod events;
pub mod http;
pub mod inventory;
pub mod keys;
pub mod permissions;
pub mod platform;
pub mod push;
pub mod sealed;
pub mod session;
pub mod store;

pub use companion::Companion;
pub use companion_wire::{Account, Warehouse};
pub use config::{CompanionConfig, DeviceInfo};
pub use error::{Error, Result};
pub use events::{CompanionEvent, SessionState};
