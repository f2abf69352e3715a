//! Proof of delivery on the phone: pure processing of what the driver captures, with no
//! storage, HTTP or FFI (the deliveries component builds on these).
//!
//! - [`photo`]: camera JPEG → upright, downscaled JPEG without metadata, and its SHA-256.
//! - [`signature`]: pad strokes → checked signature and its deterministic PNG.
//!
//! The record, the geofence rule and the seal are in `companion_wire::deliveries`, shared
//! with the server.

pub mod photo;
pub mod signature;

pub use photo::{PhotoError, PhotoOptions, ProcessedPhoto, process_photo};
pub use signature::{RenderOptions, RenderedSignature, SignatureError, render_png};
