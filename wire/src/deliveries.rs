//! GPS proof of delivery (`/v1/deliveries/...`): the driver's route, the proof record the
//! phone captures at a stop, the rules both sides run on it (geofence verdict, item
//! reconciliation, policy checks), and the seal: a canonical byte encoding of the record,
//! chained per device and signed with the device's P-256 key, that the server verifies
//! before it countersigns a [`Receipt`]. `docs/proof-of-delivery.md` explains the model and
//! specifies the encoding; `fixtures/pod/seal-vectors.json` holds test vectors.
//!
//! Coordinates, accuracies and times are integers (1e-7 degree, centimetres, milliseconds)
//! so that the sealed bytes never depend on how a JSON parser rounds a float.

pub mod canonical;
pub mod geofence;
pub mod items;

use serde::{Deserialize, Serialize};

pub use canonical::{
    ChainHead, GENESIS_SEAL_SHA256, ProofRejection, SEAL_VERSION, SealHeader, SealSigner,
    SignerError, VerifyInputs, canonical_bytes, receipt_message, seal_record, verify_proof,
    verify_receipt,
};
pub use geofence::{GeofenceAssessment, GeofenceVerdict, UnknownReason, assess, classify};
pub use items::{ItemDiscrepancy, reconcile};

/// `GET`: the routes assigned to the caller, with their stops.
pub const ROUTES_PATH: &str = "/v1/deliveries/routes";
/// `POST`: submit a sealed proof; answers its [`Receipt`].
pub const PROOFS_PATH: &str = "/v1/deliveries/proofs";
/// Prefix of `GET {PHOTOS_PATH}/{sha256}` (upload status) and
/// `POST {PHOTOS_PATH}/{sha256}/parts/{index}?total_size=N` (one part of the bytes).
pub const PHOTOS_PATH: &str = "/v1/deliveries/photos";

/// Photos are uploaded in parts of exactly this many bytes (the last part may be shorter),
/// so an interrupted upload resumes at the first missing part. Below the server's 2 MiB
/// request limit.
pub const PHOTO_PART_SIZE: u64 = 1024 * 1024;
/// Largest photo the server stores (a 2048 px JPEG is typically 0.3 to 1.5 MB).
pub const MAX_PHOTO_BYTES: u64 = 16 * 1024 * 1024;
/// Most photos in one proof.
pub const MAX_PHOTOS: usize = 10;
/// Largest signature PNG.
pub const MAX_SIGNATURE_PNG_BYTES: usize = 256 * 1024;
/// Longest free text (reasons, names, notes).
pub const MAX_TEXT_LEN: usize = 500;
/// Longest identifier (proof, route, stop, line ids, GTIN, lot).
pub const MAX_ID_LEN: usize = 64;
/// Most lines in `scanned_items` or in a partial outcome.
pub const MAX_LINES: usize = 500;
/// Most points in a signature, all strokes together.
pub const MAX_SIGNATURE_POINTS: usize = 10_000;
/// Most strokes in a signature.
pub const MAX_STROKES: usize = 24;
/// Most points in one stroke (about 7 s of pen at 120 Hz; the pad splits longer strokes).
/// With [`MAX_STROKES`] it keeps the largest submission under the server's 2 MiB limit.
pub const MAX_STROKE_POINTS: usize = 800;
/// Largest signature pad side, in pad units.
pub const MAX_PAD_SIDE: u32 = 4096;
/// Longest PIN.
pub const MAX_PIN_LEN: usize = 12;

/// A point on the WGS 84 ellipsoid in units of 1e-7 degree (about 1 cm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GeoPoint {
    /// Latitude × 10^7, −900000000 ..= 900000000.
    pub lat_e7: i32,
    /// Longitude × 10^7, −1800000000 ..= 1800000000.
    pub lon_e7: i32,
}

impl GeoPoint {
    /// The point nearest to `lat`, `lon` degrees; `None` outside the valid ranges or NaN.
    pub fn from_degrees(lat: f64, lon: f64) -> Option<GeoPoint> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        Some(GeoPoint {
            lat_e7: (lat * 1e7).round() as i32,
            lon_e7: (lon * 1e7).round() as i32,
        })
    }
    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        f64::from(self.lat_e7) / 1e7
    }
    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        f64::from(self.lon_e7) / 1e7
    }
    /// Whether both coordinates are in range.
    pub fn is_valid(&self) -> bool {
        (-900_000_000..=900_000_000).contains(&self.lat_e7)
            && (-1_800_000_000..=1_800_000_000).contains(&self.lon_e7)
    }
}

/// When the customer accepts deliveries, unix milliseconds UTC, `start_ms <= end_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TimeWindow {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Who receives the goods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Customer {
    pub id: String,
    pub name: String,
}

/// Where the stop is: the postal address as printed and its geocoded point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Address {
    /// Address lines, top to bottom.
    pub lines: Vec<String>,
    /// The geocoded delivery point (the goods-in door, not the postcode centroid).
    pub point: GeoPoint,
}

/// One manifest line expected at the stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExpectedItem {
    /// The line's id on the manifest (partial outcomes name it).
    pub line_id: String,
    /// GTIN-8/12/13/14 as digits.
    pub gtin: String,
    /// The lot that was loaded; `None` when any lot is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    pub description: String,
    /// Quantity in the item's unit (cases, crates).
    pub quantity: i64,
}

/// What the stop demands as proof. Set per customer by the ERP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProofPolicy {
    /// Photos required for a delivered or partial outcome.
    pub photos_required: u8,
    /// A signature outcome (signed, refused, unable) must be recorded.
    pub signature_required: bool,
    /// The recipient's name must be typed in.
    pub recipient_name_required: bool,
    /// At least one item must be scanned (or entered manually with a reason).
    pub item_scan_required: bool,
    /// The customer's PIN must be entered; the server compares it (the phone never has it).
    pub pin_required: bool,
    /// A fix whose accuracy circle lies within this radius of the stop is `inside`.
    pub strict_radius_m: u32,
    /// A fix whose accuracy circle lies wholly beyond this radius is `outside`; a fix less
    /// accurate than this radius is `unknown`.
    pub warn_radius_m: u32,
    /// A fix older than this (monotonic age at capture) is `unknown`.
    pub max_fix_age_s: u32,
}

impl Default for ProofPolicy {
    fn default() -> Self {
        ProofPolicy {
            photos_required: 1,
            signature_required: true,
            recipient_name_required: true,
            item_scan_required: false,
            pin_required: false,
            strict_radius_m: 200,
            warn_radius_m: 500,
            max_fix_age_s: 120,
        }
    }
}

/// Whether a stop still waits for its proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum StopStatus {
    Pending,
    /// A proof was accepted for this stop; another one is refused.
    Completed,
}

/// One stop of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Stop {
    pub id: String,
    /// Position in the route, from 1.
    pub sequence: u32,
    pub customer: Customer,
    pub address: Address,
    pub window: TimeWindow,
    pub items: Vec<ExpectedItem>,
    pub policy: ProofPolicy,
    pub status: StopStatus,
}

/// A driver's route for one service day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Route {
    pub id: String,
    pub warehouse_id: String,
    /// Service day, `YYYY-MM-DD` in the warehouse's time zone.
    pub service_date: String,
    /// The stops assigned to the caller, in driving order.
    pub stops: Vec<Stop>,
}

/// `GET /v1/deliveries/routes`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoutesResponse {
    pub routes: Vec<Route>,
}

/// A platform flag that not every platform reports: `unknown` is a value of its own, never
/// read as `no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum TriState {
    Unknown,
    No,
    Yes,
}

/// Which location source produced a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum LocationProvider {
    /// Android `gps`.
    Gps,
    /// Android `network`.
    Network,
    /// Android fused location provider.
    Fused,
    /// iOS Core Location.
    CoreLocation,
    Other,
}

/// What the user granted the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum LocationAuthorization {
    Precise,
    /// Android "approximate" / iOS reduced accuracy: a fix blurred to ~km, never `inside`.
    Approximate,
}

/// One location fix as the platform delivered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LocationFix {
    pub point: GeoPoint,
    /// Horizontal accuracy (radius of 68 % confidence), centimetres.
    pub accuracy_cm: u32,
    /// When the fix was taken, unix milliseconds UTC (the platform's fix time).
    pub fix_time_ms: i64,
    /// Age of the fix when the proof was captured, from the platform's monotonic clock
    /// (`elapsedRealtimeNanos`, `CLLocation.timestamp` vs. uptime), so a wrong wall clock
    /// cannot make a stale fix look fresh.
    pub age_ms: u64,
    pub provider: LocationProvider,
    /// Android `isMock` / `isFromMockProvider`.
    pub mock: TriState,
    /// iOS `sourceInformation.isSimulatedBySoftware`.
    pub simulated_by_software: TriState,
    /// iOS `sourceInformation.isProducedByAccessory` (an external GPS receiver).
    pub from_accessory: TriState,
    pub authorization: LocationAuthorization,
}

impl LocationFix {
    /// Accuracy in metres.
    pub fn accuracy_m(&self) -> f64 {
        f64::from(self.accuracy_cm) / 100.0
    }
    /// Whether any platform flag says the position was not measured by this phone's own
    /// receiver (shown on the receipt and flagged for review, never silently rejected).
    pub fn is_mocked(&self) -> bool {
        self.mock == TriState::Yes || self.simulated_by_software == TriState::Yes
    }
}

/// A delivered quantity for one manifest line (partial deliveries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LineQuantity {
    pub line_id: String,
    pub delivered: i64,
}

/// What happened at the stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Everything on the manifest was handed over.
    Delivered,
    /// Some lines were handed over in the given quantities (lines not listed: none).
    Partial { lines: Vec<LineQuantity> },
    /// The customer refused the goods.
    Refused { reason: String },
    /// The goods could not be handed over (closed, no access, ...).
    NotDelivered { reason: String },
}

impl DeliveryOutcome {
    /// Delivered or partial: goods changed hands, so the policy's proof applies.
    pub fn handed_over(&self) -> bool {
        matches!(
            self,
            DeliveryOutcome::Delivered | DeliveryOutcome::Partial { .. }
        )
    }
    /// `delivered`, `partial`, `refused`, `not_delivered`.
    pub fn kind(&self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Partial { .. } => "partial",
            DeliveryOutcome::Refused { .. } => "refused",
            DeliveryOutcome::NotDelivered { .. } => "not_delivered",
        }
    }
}

/// One sample of the pen: pad coordinates (origin top left) and milliseconds since the
/// first point of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StrokePoint {
    pub x: i32,
    pub y: i32,
    pub t_ms: u32,
}

/// One pen-down to pen-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Stroke {
    pub points: Vec<StrokePoint>,
}

/// A signature as drawn: the pad's size and the strokes, kept as vectors (the PNG is
/// rendered from them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignatureStrokes {
    pub width: u32,
    pub height: u32,
    pub strokes: Vec<Stroke>,
}

impl SignatureStrokes {
    /// Points in all strokes.
    pub fn point_count(&self) -> usize {
        self.strokes.iter().map(|s| s.points.len()).sum()
    }
}

/// The recipient's signature, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignatureOutcome {
    /// Signed; `png_sha256` is the SHA-256 (hex) of the PNG rendered from `strokes`,
    /// submitted with the proof.
    Signed {
        strokes: SignatureStrokes,
        png_sha256: String,
    },
    /// The recipient declined to sign.
    RefusedToSign {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The recipient could not sign (gloves, injury, no one authorised present).
    UnableToSign { reason: String },
}

/// A kept photo, referenced by the SHA-256 of its bytes as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhotoRef {
    /// Lowercase hex SHA-256 of the JPEG bytes.
    pub sha256: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
}

/// One item scanned (or typed in) at the stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ItemScan {
    pub gtin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    pub quantity: i64,
    /// Set when the item was typed in rather than scanned: why (label damaged, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_reason: Option<String>,
}

/// An override of the geofence verdict by the driver: always flagged for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GeofenceOverride {
    /// Mandatory, 1 to [`MAX_TEXT_LEN`] characters.
    pub reason: String,
}

/// The proof of delivery the phone captures at a stop; sealed, then submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProofOfDelivery {
    /// Device-generated UUID: the idempotency key of the submission.
    pub id: String,
    pub route_id: String,
    pub stop_id: String,
    pub outcome: DeliveryOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureOutcome>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    #[serde(default)]
    pub scanned_items: Vec<ItemScan>,
    /// The fix at capture; `None` when location was off or never arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<LocationFix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geofence_override: Option<GeofenceOverride>,
    /// The PIN the customer gave, when the stop asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Device wall clock at capture, unix milliseconds UTC (informational: the server's
    /// time on the receipt is authoritative).
    pub captured_at_ms: i64,
}

/// The seal of a proof: its place in the device's chain, the SHA-256 of its canonical
/// bytes, and the device's signature over those bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Seal {
    /// Encoding version, [`SEAL_VERSION`].
    pub version: u32,
    /// The signing device's uncompressed SEC1 P-256 public key, base64url without padding.
    pub device_public_key: String,
    /// Position in the device's chain, from 1.
    pub sequence: u64,
    /// `seal_sha256` of the device's previous seal, lowercase hex; 64 zeros for the first.
    pub prev_seal_sha256: String,
    /// SHA-256 of the canonical bytes, lowercase hex: the next seal's `prev_seal_sha256`.
    pub seal_sha256: String,
    /// ASN.1 DER ECDSA P-256 SHA-256 signature over the canonical bytes, base64url no pad.
    pub signature: String,
}

/// `POST /v1/deliveries/proofs`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofSubmission {
    pub record: ProofOfDelivery,
    pub seal: Seal,
    /// The signature PNG (standard base64), when the outcome is `signed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_png_base64: Option<String>,
}

/// Why a proof went to review; shown on the receipt page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReviewFlag {
    /// The platform reported a mock or simulated location.
    MockLocation,
    /// The fix was older than the policy allows.
    StaleFix,
    /// No usable fix (none, approximate only, or too inaccurate).
    LocationUnknown,
    /// Between the strict and the warn radius.
    OutsideStrictRadius,
    /// Beyond the warn radius.
    OutsideWarnRadius,
    /// The driver overrode the geofence verdict.
    GeofenceOverride,
    /// The PIN entered does not match the stop's.
    PinMismatch,
    /// Scanned items do not reconcile with the manifest.
    ItemDiscrepancy,
}

impl ReviewFlag {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewFlag::MockLocation => "mock_location",
            ReviewFlag::StaleFix => "stale_fix",
            ReviewFlag::LocationUnknown => "location_unknown",
            ReviewFlag::OutsideStrictRadius => "outside_strict_radius",
            ReviewFlag::OutsideWarnRadius => "outside_warn_radius",
            ReviewFlag::GeofenceOverride => "geofence_override",
            ReviewFlag::PinMismatch => "pin_mismatch",
            ReviewFlag::ItemDiscrepancy => "item_discrepancy",
        }
    }
}

/// The server's countersignature of an accepted proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Receipt {
    pub proof_id: String,
    pub stop_id: String,
    /// The accepted seal.
    pub seal_sha256: String,
    /// Server time of acceptance, unix milliseconds UTC.
    pub received_at_ms: i64,
    /// The server's geofence verdict, from the sealed fix.
    pub geofence: GeofenceVerdict,
    /// Sorted, without duplicates.
    pub flags: Vec<ReviewFlag>,
    /// The read-only receipt page (path under the server's URL; the token in it is the
    /// only credential needed to read it).
    pub page_path: String,
    /// The server's uncompressed SEC1 P-256 public key, base64url without padding.
    pub server_public_key: String,
    /// ASN.1 DER ECDSA P-256 SHA-256 over [`receipt_message`], base64url without padding.
    pub server_signature: String,
}

/// `GET /v1/deliveries/photos/{sha256}`: what the server holds of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhotoUploadStatus {
    pub sha256: String,
    /// The whole photo is stored and its hash checked: nothing more to send.
    pub complete: bool,
    /// [`PHOTO_PART_SIZE`].
    pub part_size: u64,
    /// The size announced by the parts received so far (`None` before the first part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_size: Option<u64>,
    /// Indexes of the parts held, ascending (empty once complete).
    pub received_parts: Vec<u32>,
}

/// Number of parts for a photo of `total_size` bytes.
pub fn part_count(total_size: u64) -> u32 {
    total_size.div_ceil(PHOTO_PART_SIZE) as u32
}

/// Expected length of part `index` of a photo of `total_size` bytes; `None` when there is
/// no such part.
pub fn part_len(total_size: u64, index: u32) -> Option<u64> {
    let start = u64::from(index).checked_mul(PHOTO_PART_SIZE)?;
    (start < total_size).then(|| (total_size - start).min(PHOTO_PART_SIZE))
}

/// Whether `s` is a lowercase hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Decodes a lowercase hex SHA-256.
pub fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    if !is_sha256_hex(s) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let v = |c: u8| if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
        out[i] = v(chunk[0]) << 4 | v(chunk[1]);
    }
    Some(out)
}

/// A proof that breaks the protocol's rules before any seal is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidProof {
    /// JSON path of the field at fault, e.g. `record.photos[1].sha256`.
    pub field: String,
    pub message: String,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> InvalidProof {
    InvalidProof {
        field: field.into(),
        message: message.into(),
    }
}

fn check_text(field: &str, s: &str, min: usize, max: usize) -> Result<(), InvalidProof> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(invalid(
            field,
            format!("must be {min} to {max} characters (got {n})"),
        ));
    }
    if min > 0 && s.trim().is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

fn check_opt_text(field: &str, s: &Option<String>, max: usize) -> Result<(), InvalidProof> {
    match s {
        Some(s) => check_text(field, s, 1, max),
        None => Ok(()),
    }
}

/// Shape rules of a proof (lengths, counts, ranges, hashes): the same on the phone before
/// sealing and on the server before verifying.
pub fn validate_shape(p: &ProofOfDelivery) -> Result<(), InvalidProof> {
    check_text("record.id", &p.id, 1, MAX_ID_LEN)?;
    check_text("record.route_id", &p.route_id, 1, MAX_ID_LEN)?;
    check_text("record.stop_id", &p.stop_id, 1, MAX_ID_LEN)?;
    match &p.outcome {
        DeliveryOutcome::Delivered => {}
        DeliveryOutcome::Partial { lines } => {
            if lines.is_empty() || lines.len() > MAX_LINES {
                return Err(invalid(
                    "record.outcome.lines",
                    format!("must list 1 to {MAX_LINES} lines"),
                ));
            }
            for (i, l) in lines.iter().enumerate() {
                check_text(
                    &format!("record.outcome.lines[{i}].line_id"),
                    &l.line_id,
                    1,
                    MAX_ID_LEN,
                )?;
                if !(0..=crate::inventory::MAX_ABS_QTY).contains(&l.delivered) {
                    return Err(invalid(
                        format!("record.outcome.lines[{i}].delivered"),
                        "must be 0 to 1000000",
                    ));
                }
            }
        }
        DeliveryOutcome::Refused { reason } | DeliveryOutcome::NotDelivered { reason } => {
            check_text("record.outcome.reason", reason, 1, MAX_TEXT_LEN)?
        }
    }
    check_opt_text("record.recipient_name", &p.recipient_name, MAX_TEXT_LEN)?;
    match &p.signature {
        None => {}
        Some(SignatureOutcome::Signed {
            strokes,
            png_sha256,
        }) => {
            if !is_sha256_hex(png_sha256) {
                return Err(invalid(
                    "record.signature.png_sha256",
                    "must be 64 lowercase hex digits",
                ));
            }
            if strokes.width == 0
                || strokes.height == 0
                || strokes.width > MAX_PAD_SIDE
                || strokes.height > MAX_PAD_SIDE
            {
                return Err(invalid(
                    "record.signature.strokes",
                    format!("pad must be 1 to {MAX_PAD_SIDE} units a side"),
                ));
            }
            if strokes.strokes.len() > MAX_STROKES {
                return Err(invalid(
                    "record.signature.strokes",
                    format!("at most {MAX_STROKES} strokes"),
                ));
            }
            if strokes
                .strokes
                .iter()
                .any(|s| s.points.len() > MAX_STROKE_POINTS)
            {
                return Err(invalid(
                    "record.signature.strokes",
                    format!("at most {MAX_STROKE_POINTS} points a stroke"),
                ));
            }
            let n = strokes.point_count();
            if !(2..=MAX_SIGNATURE_POINTS).contains(&n) {
                return Err(invalid(
                    "record.signature.strokes",
                    format!("must have 2 to {MAX_SIGNATURE_POINTS} points (got {n})"),
                ));
            }
        }
        Some(SignatureOutcome::RefusedToSign { note }) => {
            check_opt_text("record.signature.note", note, MAX_TEXT_LEN)?
        }
        Some(SignatureOutcome::UnableToSign { reason }) => {
            check_text("record.signature.reason", reason, 1, MAX_TEXT_LEN)?
        }
    }
    if p.photos.len() > MAX_PHOTOS {
        return Err(invalid(
            "record.photos",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, ph) in p.photos.iter().enumerate() {
        if !is_sha256_hex(&ph.sha256) {
            return Err(invalid(
                format!("record.photos[{i}].sha256"),
                "must be 64 lowercase hex digits",
            ));
        }
        if ph.size == 0 || ph.size > MAX_PHOTO_BYTES {
            return Err(invalid(
                format!("record.photos[{i}].size"),
                format!("must be 1 to {MAX_PHOTO_BYTES} bytes"),
            ));
        }
        if p.photos[..i].iter().any(|o| o.sha256 == ph.sha256) {
            return Err(invalid(
                format!("record.photos[{i}].sha256"),
                "the same photo twice",
            ));
        }
    }
    if p.scanned_items.len() > MAX_LINES {
        return Err(invalid(
            "record.scanned_items",
            format!("at most {MAX_LINES} items"),
        ));
    }
    for (i, s) in p.scanned_items.iter().enumerate() {
        check_text(
            &format!("record.scanned_items[{i}].gtin"),
            &s.gtin,
            1,
            MAX_ID_LEN,
        )?;
        check_opt_text(
            &format!("record.scanned_items[{i}].lot"),
            &s.lot,
            MAX_ID_LEN,
        )?;
        if !(1..=crate::inventory::MAX_ABS_QTY).contains(&s.quantity) {
            return Err(invalid(
                format!("record.scanned_items[{i}].quantity"),
                "must be 1 to 1000000",
            ));
        }
        check_opt_text(
            &format!("record.scanned_items[{i}].manual_reason"),
            &s.manual_reason,
            MAX_TEXT_LEN,
        )?;
    }
    if let Some(fix) = &p.fix
        && !fix.point.is_valid()
    {
        return Err(invalid("record.fix.point", "coordinates out of range"));
    }
    if let Some(o) = &p.geofence_override {
        check_text(
            "record.geofence_override.reason",
            &o.reason,
            1,
            MAX_TEXT_LEN,
        )?;
    }
    if let Some(pin) = &p.pin {
        check_text("record.pin", pin, 1, MAX_PIN_LEN)?;
    }
    check_opt_text("record.notes", &p.notes, MAX_TEXT_LEN)?;
    Ok(())
}

/// What the stop's policy demands that the proof lacks (the phone blocks sealing on it;
/// the server refuses the proof with `400`).
pub fn check_policy(p: &ProofOfDelivery, stop: &Stop) -> Result<(), InvalidProof> {
    let policy = &stop.policy;
    if let DeliveryOutcome::Partial { lines } = &p.outcome {
        for (i, l) in lines.iter().enumerate() {
            if !stop.items.iter().any(|e| e.line_id == l.line_id) {
                return Err(invalid(
                    format!("record.outcome.lines[{i}].line_id"),
                    "not a line of this stop",
                ));
            }
        }
    }
    if !p.outcome.handed_over() {
        return Ok(());
    }
    if p.photos.len() < usize::from(policy.photos_required) {
        return Err(invalid(
            "record.photos",
            format!(
                "the stop requires {} photo(s), got {}",
                policy.photos_required,
                p.photos.len()
            ),
        ));
    }
    if policy.signature_required && p.signature.is_none() {
        return Err(invalid(
            "record.signature",
            "the stop requires a signature outcome",
        ));
    }
    if policy.recipient_name_required && p.recipient_name.is_none() {
        return Err(invalid(
            "record.recipient_name",
            "the stop requires the recipient's name",
        ));
    }
    if policy.item_scan_required && p.scanned_items.is_empty() {
        return Err(invalid(
            "record.scanned_items",
            "the stop requires the items to be scanned",
        ));
    }
    if policy.pin_required && p.pin.is_none() {
        return Err(invalid(
            "record.pin",
            "the stop requires the customer's PIN",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_photo_exactly() {
        assert_eq!(part_count(1), 1);
        assert_eq!(part_count(PHOTO_PART_SIZE), 1);
        assert_eq!(part_count(PHOTO_PART_SIZE + 1), 2);
        assert_eq!(part_len(PHOTO_PART_SIZE + 1, 1), Some(1));
        assert_eq!(part_len(PHOTO_PART_SIZE + 1, 2), None);
        assert_eq!(part_len(10, u32::MAX), None);
    }

    #[test]
    fn hex_round_trips() {
        let h = sha256_hex(b"abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&parse_sha256(&h).unwrap()), h);
        assert!(parse_sha256(&h.to_uppercase()).is_none());
    }

    #[test]
    fn tri_state_unknown_is_a_value() {
        let t: TriState = serde_json::from_str("\"unknown\"").unwrap();
        assert_eq!(t, TriState::Unknown);
        assert!(serde_json::from_str::<TriState>("null").is_err());
    }
}
