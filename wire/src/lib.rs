//! The wire format of Companion's `/v1` HTTP API and the validation rules that the phone and
//! the reference server both run, so the two cannot drift apart. `server/openapi.json`
//! documents the same protocol for other clients.
//!
//! - [`session`]: sign-in, refresh, the account and its warehouses.
//! - [`error`]: the error body of every non-2xx answer and its codes.
//! - [`inventory`]: movements, their verdicts, the change feed and its checksums, and the
//!   movement rules ([`inventory::rules`]) checked on the phone before queueing and on the
//!   server before applying.
//! - [`deliveries`]: proof of delivery: routes and stops, the proof record, the geofence
//!   rule, item reconciliation, and the seal (canonical encoding, chain, verification).
//! - [`push`]: push registration and preferences; [`notification`]: the typed payload a
//!   push carries, written by the server and parsed by the phone.
//!
//! No I/O and no async: the server links this crate without the mobile core.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod account;
pub mod deliveries;
pub mod error;
pub mod inventory;
pub mod notification;
pub mod push;
pub mod session;

pub use error::{ErrorBody, ErrorDetail, codes};
pub use session::{Account, Warehouse};
