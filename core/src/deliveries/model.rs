//! The records the driver's screens show and the shells pass in while capturing a proof of
//! delivery. The protocol's own types (`Stop`, `LocationFix`, `ProofOfDelivery`, `Receipt`,
//! ...) come from `companion_wire::deliveries`.

use serde::{Deserialize, Serialize};

use companion_wire::deliveries::{
    DeliveryOutcome, GeofenceAssessment, GeofenceOverride, ItemDiscrepancy, ItemScan, LocationFix,
    PhotoRef, Receipt, SignatureOutcome, SignatureStrokes,
};

/// Where a stop's proof is, from the first capture step to the server's receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProofState {
    /// Being captured: every step is saved, nothing is sealed yet.
    Draft,
    /// Sealed and queued for upload (kept until the server's receipt).
    Sealed { sequence: u64, seal_sha256: String },
    /// Being uploaded now: `done` of `total` steps (photo parts, then the proof).
    Uploading { done: u32, total: u32 },
    /// Accepted by the server; its countersigned receipt was verified.
    Uploaded { receipt: Receipt },
    /// Refused by the server for a reason no retry fixes (`code` is the server's).
    Rejected { code: String, reason: String },
}

impl ProofState {
    /// `draft`, `sealed`, `uploading`, `uploaded`, `rejected`.
    pub fn name(&self) -> &'static str {
        match self {
            ProofState::Draft => "draft",
            ProofState::Sealed { .. } => "sealed",
            ProofState::Uploading { .. } => "uploading",
            ProofState::Uploaded { .. } => "uploaded",
            ProofState::Rejected { .. } => "rejected",
        }
    }
}

/// The recipient's signature as the shell hands it over: the strokes from the pad, or why
/// there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignatureCapture {
    /// Rendered to a PNG by the core (refused when empty or a single point).
    Signed {
        strokes: SignatureStrokes,
    },
    RefusedToSign {
        note: Option<String>,
    },
    UnableToSign {
        reason: String,
    },
}

/// A stop's proof as captured so far: what the capture screen shows, and what the shell
/// gets back after every step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeliveryCapture {
    pub stop_id: String,
    pub route_id: String,
    /// The proof's id (its idempotency key on the server).
    pub proof_id: String,
    pub state: ProofState,
    pub outcome: Option<DeliveryOutcome>,
    pub recipient_name: Option<String>,
    pub signature: Option<SignatureOutcome>,
    pub photos: Vec<PhotoRef>,
    pub scanned_items: Vec<ItemScan>,
    /// The scanned items against the stop's manifest (empty when they reconcile).
    pub discrepancies: Vec<ItemDiscrepancy>,
    pub fix: Option<LocationFix>,
    /// The shared geofence rule applied to the fix (shown while capturing; the server puts
    /// its own on the receipt).
    pub geofence: GeofenceAssessment,
    pub geofence_override: Option<GeofenceOverride>,
    /// Whether a PIN was entered (the PIN itself is not echoed back).
    pub pin_entered: bool,
    pub notes: Option<String>,
    /// What the stop's policy still requires before sealing, as record field names
    /// (`record.photos`, `record.signature`, ...); empty when the proof can be sealed.
    pub missing: Vec<String>,
    /// Unix milliseconds.
    pub started_at_ms: i64,
    /// Unix milliseconds of the last change, one more than the previous change's when the
    /// clock has not moved on: of two captures of one stop, the one with the larger value is
    /// the newer, even for edits made within the same millisecond (an app ordering the
    /// answers of calls in flight together relies on it).
    pub updated_at_ms: i64,
}

/// One stop's proof in the status stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StopProofStatus {
    pub stop_id: String,
    pub proof_id: String,
    pub state: ProofState,
    /// The last failed upload attempt's error (cleared by a successful one).
    pub last_error: Option<String>,
}

/// Every proof on this phone that is not settled yet, or settled since the app started: the
/// deliveries status stream's value.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeliveriesStatus {
    /// By stop id.
    pub stops: Vec<StopProofStatus>,
    /// Sealed proofs waiting for upload.
    pub queued: u32,
    /// An upload run is in progress.
    pub uploading: bool,
}

/// What one upload run did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UploadReport {
    /// Proofs accepted in this run (or found already accepted).
    pub uploaded: u32,
    /// Proofs refused for good in this run.
    pub rejected: u32,
    /// Sealed proofs still waiting (after a transient failure, or none).
    pub queued: u32,
    pub photo_parts_sent: u32,
    /// Photos the server already held in full (nothing sent).
    pub photos_already_held: u32,
    /// Why the run stopped early (offline, server busy, ...), when it did.
    pub stopped_by: Option<String>,
}
