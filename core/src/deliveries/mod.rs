//! Proof of delivery on the phone.
//!
//! - [`photo`]: camera JPEG → upright, downscaled JPEG without metadata, and its SHA-256.
//! - [`signature`]: pad strokes → checked signature and its deterministic PNG.
//! - [`Deliveries`] (`component`): the component of a signed-in account
//!   (`companion.deliveries()`): routes kept offline, the capture of a stop step by step,
//!   the seal, the upload queue and the status stream. `records`: its tables; `upload`:
//!   the queue; `signer`: the device key as a `SealSigner` and the seal chain's head.
//! - [`model`]: the records the screens show and the shells pass in.
//!
//! The record, the geofence rule and the seal are in `companion_wire::deliveries`, shared
//! with the server.

mod component;
pub mod model;
pub mod photo;
mod records;
pub mod signature;
pub mod signer;
mod upload;

/// The deliveries' schema steps, oldest first, as (name, SQL).
pub(crate) const SCHEMA: &[(&str, &str)] =
    &[("deliveries", include_str!("migrations/0001_deliveries.sql"))];

pub use component::{
    Deliveries, MAX_FIX_AGE_MS, MAX_FIX_CLOCK_AHEAD_MS, check_fix, point_from_degrees,
};
pub use model::{
    DeliveriesStatus, DeliveryCapture, ProofState, SignatureCapture, StopProofStatus, UploadReport,
};
pub use signer::{SharedSigner, public_key_b64};
pub use upload::ReceiptCheck;

pub use photo::{PhotoError, PhotoOptions, ProcessedPhoto, process_photo};
pub use signature::{RenderOptions, RenderedSignature, SignatureError, render_png};
