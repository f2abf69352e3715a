//! Companion's domain core: everything the Android and iOS apps share, with no FFI.
//!
//! The shells create one [`Companion`] per app process. It keeps what lives as long as the
//! process (platform services, device identity, the session) and, while someone is signed
//! in, an account scope whose components do the work: [`Companion::inventory`],
//! [`Companion::push`]. The `companion-ffi` crate exposes this API to Kotlin and Swift; the
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
//! let report = companion.inventory()?.sync().await?;
//! println!("{} synced {} rows", account.display_name, report.pulled_rows);
//! # Ok(()) }
//! ```
//!
//! Layers, arrows pointing down: the root ([`Companion`]) and the account scope wire the
//! features together; features ([`inventory`], [`push`], [`permissions`]) use the
//! infrastructure ([`store`], [`http`], [`session`], [`events`], [`platform`], [`keys`],
//! [`sealed`], [`device`]), which names no feature.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

// Wiring.
mod client;
pub mod scope;

// Features.
pub mod account;
pub mod deliveries;
pub mod inventory;
pub mod permissions;
pub mod push;

// Infrastructure.
pub mod config;
pub mod context;
pub mod device;
pub mod error;
pub mod events;
pub mod http;
pub mod keys;
pub mod platform;
pub mod sealed;
pub mod session;
pub mod store;
pub mod time;

pub use client::Companion;
pub use companion_wire::{Account, Warehouse};
pub use config::{CompanionConfig, DeviceInfo, Tuning};
pub use error::{Error, ErrorKind, Result};
pub use events::Updates;
pub use session::SessionState;
