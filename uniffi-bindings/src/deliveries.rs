//! GPS proof of delivery for the apps: the driver's routes (offline), the capture of a
//! stop's proof step by step (every step saved: a killed app resumes the stop where it
//! was), the seal, and the upload queue with its status stream. Location, photos and
//! strokes come in as plain records from the shell; the core never asks for location.
//!
//! Kotlin:
//! ```kotlin
//! val pod = client.deliveries()
//! pod.downloadRoutes(null)
//! pod.startCapture("stop-dave-1")
//! pod.setFix("stop-dave-1", LocationFix(point = pod.pointFromDegrees(lat, lon), accuracyCm = 800u, ...))
//! pod.addPhoto("stop-dave-1", jpegBytes)                         // EXIF (GPS) stripped, sealed to disk
//! pod.setSignature("stop-dave-1", SignatureCapture.Signed(strokes))
//! pod.setRecipient("stop-dave-1", "M. Jansen"); pod.setOutcome("stop-dave-1", DeliveryOutcome.Delivered)
//! pod.seal("stop-dave-1", null)                                   // device key; or a StrongBox ProofSigner
//! pod.upload(null)                                                // exactly once; receipt verified
//! ```

use std::sync::Arc;

use companion_core::deliveries::{
    DeliveriesStatus, DeliveryCapture, ReceiptCheck, SignatureCapture, UploadReport,
};
use companion_wire::deliveries::{
    DeliveryOutcome, GeoPoint, ItemScan, LocationFix, Route, SealSigner, SignerError, Stop,
};

use crate::streams::{self, DeliveriesStatusListener};
use crate::task_handle::TaskHandle;
use crate::{Cancellation, CompanionError, runtime};

/// Why a shell's signer could not sign (key unavailable, user authentication needed, ...).
/// Its own type: an error of another crate in a foreign trait trips uniffi's Kotlin
/// generator (its buffer type belongs to the other crate's package).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ProofSignerError {
    #[error("{reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ProofSignerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProofSignerError::Failed { reason: e.reason }
    }
}

/// A device key the shell keeps (Android StrongBox / Keystore, the iOS Secure Enclave) to
/// seal proofs with. The server accepts only seals by the key registered with the session
/// (today the core's device key, which `seal(stop, null)` uses), so a shell's key must be
/// the registered one.
#[uniffi::export(foreign)]
pub trait ProofSigner: Send + Sync {
    /// Uncompressed SEC1 P-256 public key: 65 bytes, `0x04 || X || Y`.
    fn public_key(&self) -> Vec<u8>;
    /// ASN.1 DER ECDSA P-256 SHA-256 signature over `message` (Android
    /// `SHA256withECDSA`, Apple `ecdsaSignatureMessageX962SHA256`): the signer hashes.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, ProofSignerError>;
}

/// A shell's signer as the core's `SealSigner`.
pub(crate) struct ForeignSigner(pub(crate) Arc<dyn ProofSigner>);

impl SealSigner for ForeignSigner {
    fn public_key(&self) -> Vec<u8> {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0
            .sign(message.to_vec())
            .map_err(|e| SignerError(e.to_string()))
    }
}

/// The signed-in account's proof-of-delivery capture and upload queue. Calls fail with
/// `NotSignedIn` while signed out.
#[derive(uniffi::Object)]
pub struct Deliveries {
    core: Arc<companion_core::Companion>,
    /// Signs when `seal` is given no signer (`None`: the core's device key).
    signer: Option<Arc<dyn ProofSigner>>,
}

impl Deliveries {
    pub(crate) fn new(core: Arc<companion_core::Companion>) -> Self {
        Deliveries { core, signer: None }
    }

    fn component(&self) -> Result<Arc<companion_core::deliveries::Deliveries>, CompanionError> {
        Ok(self.core.deliveries()?)
    }
}

#[uniffi::export]
impl Deliveries {
    /// The same deliveries, sealing with `signer` (a StrongBox / Secure Enclave key) whenever
    /// `seal` is given none: set it once where the app builds its objects. Cheap.
    pub fn with_signer(&self, signer: Arc<dyn ProofSigner>) -> Arc<Deliveries> {
        Arc::new(Deliveries {
            core: self.core.clone(),
            signer: Some(signer),
        })
    }

    /// Downloads the driver's routes and keeps them on the phone.
    pub async fn download_routes(
        &self,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<Vec<Route>, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            cancellation,
            async move { Ok(pod.download_routes().await?) },
        )
        .await
    }

    /// The routes on the phone (offline).
    pub async fn routes(&self) -> Result<Vec<Route>, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.routes().await?) }).await
    }

    /// One stop of the routes on the phone. `NotFound` for a stop not assigned to you.
    pub async fn stop(&self, stop_id: String) -> Result<Stop, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.stop(&stop_id).await?) }).await
    }

    /// A position from degrees; `InvalidInput` (field `fix.point`) for NaN, infinities and
    /// out-of-range values. Use it instead of converting doubles yourself. Cheap.
    pub fn point_from_degrees(&self, lat: f64, lon: f64) -> Result<GeoPoint, CompanionError> {
        Ok(companion_core::deliveries::point_from_degrees(lat, lon)?)
    }

    /// Starts (or resumes) the capture of a stop's proof. `NotFound` for a stop not on
    /// your routes, `Conflict` for a completed stop.
    pub async fn start_capture(&self, stop_id: String) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.start_capture(&stop_id).await?) }).await
    }

    /// The capture of a stop as saved.
    pub async fn capture(&self, stop_id: String) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.capture(&stop_id).await?) }).await
    }

    /// Every capture on the phone, drafts to receipts.
    pub async fn captures(&self) -> Result<Vec<DeliveryCapture>, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.captures().await?) }).await
    }

    /// The location fix the shell obtained (`null`: none). `InvalidInput` naming the fix
    /// field for coordinates out of range, accuracy 0, a future fix time, a fix over an
    /// hour old.
    pub async fn set_fix(
        &self,
        stop_id: String,
        fix: Option<LocationFix>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.set_fix(&stop_id, fix).await?) }).await
    }

    /// Keeps a camera JPEG (upright, ≤ 2048 px, no metadata, sealed to disk). Adding the
    /// same photo twice changes nothing. `InvalidInput` (field `photo`) for an empty,
    /// truncated, corrupt, 0×0 or huge image, or a PNG/HEIC instead of a JPEG.
    pub async fn add_photo(
        &self,
        stop_id: String,
        jpeg: Vec<u8>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.add_photo(&stop_id, jpeg).await?) },
        )
        .await
    }

    pub async fn remove_photo(
        &self,
        stop_id: String,
        sha256: String,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move {
            Ok(pod.remove_photo(&stop_id, &sha256).await?)
        })
        .await
    }

    /// The signature strokes (refused when empty or a single tap), or why there is none.
    pub async fn set_signature(
        &self,
        stop_id: String,
        signature: SignatureCapture,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move {
            Ok(pod.set_signature(&stop_id, signature).await?)
        })
        .await
    }

    pub async fn clear_signature(
        &self,
        stop_id: String,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.clear_signature(&stop_id).await?) },
        )
        .await
    }

    pub async fn set_recipient(
        &self,
        stop_id: String,
        name: Option<String>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.set_recipient(&stop_id, name).await?) },
        )
        .await
    }

    pub async fn set_outcome(
        &self,
        stop_id: String,
        outcome: DeliveryOutcome,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move {
            Ok(pod.set_outcome(&stop_id, outcome).await?)
        })
        .await
    }

    /// An item scanned (or typed in, with `manual_reason`); the capture's discrepancies
    /// reconcile the items with the manifest.
    pub async fn add_item(
        &self,
        stop_id: String,
        item: ItemScan,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.add_item(&stop_id, item).await?) }).await
    }

    pub async fn remove_item(
        &self,
        stop_id: String,
        index: u32,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.remove_item(&stop_id, index).await?) },
        )
        .await
    }

    /// Overrides the geofence verdict with a mandatory reason (`null` withdraws it); flagged
    /// for review, the verdict itself unchanged.
    pub async fn set_geofence_override(
        &self,
        stop_id: String,
        reason: Option<String>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move {
            Ok(pod.set_geofence_override(&stop_id, reason).await?)
        })
        .await
    }

    pub async fn set_pin(
        &self,
        stop_id: String,
        pin: Option<String>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.set_pin(&stop_id, pin).await?) }).await
    }

    pub async fn set_notes(
        &self,
        stop_id: String,
        notes: Option<String>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.set_notes(&stop_id, notes).await?) },
        )
        .await
    }

    /// Drops a draft (never a sealed proof).
    pub async fn discard_capture(&self, stop_id: String) -> Result<(), CompanionError> {
        let pod = self.component()?;
        runtime::run(
            None,
            async move { Ok(pod.discard_capture(&stop_id).await?) },
        )
        .await
    }

    /// Seals the proof with `signer` (else the one given to `with_signer`, else the device
    /// key) and queues it.
    /// `InvalidInput` naming the record field the stop's policy still requires.
    pub async fn seal(
        &self,
        stop_id: String,
        signer: Option<Arc<dyn ProofSigner>>,
    ) -> Result<DeliveryCapture, CompanionError> {
        let pod = self.component()?;
        let signer = signer
            .or_else(|| self.signer.clone())
            .map(|s| Arc::new(ForeignSigner(s)) as companion_core::deliveries::SharedSigner);
        runtime::run(None, async move { Ok(pod.seal(&stop_id, signer).await?) }).await
    }

    /// Uploads the sealed proofs in order (photos in resumable parts, then the proof),
    /// each exactly once; `Offline` and the like leave the rest queued.
    pub async fn upload(
        &self,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<UploadReport, CompanionError> {
        let pod = self.component()?;
        runtime::run(cancellation, async move { Ok(pod.upload().await?) }).await
    }

    /// Fetches an uploaded proof's receipt again and checks its countersignature against
    /// the pinned server key.
    pub async fn verify_receipt(&self, stop_id: String) -> Result<ReceiptCheck, CompanionError> {
        let pod = self.component()?;
        runtime::run(None, async move { Ok(pod.verify_receipt(&stop_id).await?) }).await
    }

    /// The proofs' states now. Cheap.
    pub fn status(&self) -> Result<DeliveriesStatus, CompanionError> {
        Ok(self.component()?.status())
    }

    /// The proofs' states now (with upload progress), then every change.
    pub fn observe_status(
        &self,
        listener: Arc<dyn DeliveriesStatusListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.status_updates(),
            move |s: DeliveriesStatus| listener.on_update(s),
            move || end.on_end(),
        )
    }

    /// Starts the core's upload loop: uploads when a proof is sealed, retries with
    /// backoff. Runs until the handle is cancelled or the account signs out.
    pub fn start_auto_upload(&self) -> Result<Arc<TaskHandle>, CompanionError> {
        let pod = self.component()?;
        let _entered = runtime::runtime()?.enter();
        Ok(TaskHandle::new(pod.start_auto_upload()))
    }
}
