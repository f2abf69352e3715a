//! The seal: canonical bytes of a proof and its place in the device's chain, the device's
//! signature over them, the server's verification, and the receipt's signed message.
//!
//! The encoding is specified in `docs/proof-of-delivery.md` ("Canonical encoding") so that
//! another language can reproduce it; `fixtures/pod/seal-vectors.json` pins it. Integers are
//! big-endian and fixed width, strings are a `u32` byte length and UTF-8, optional values a
//! `0`/`1` byte before the value, lists a `u32` count before the items, hashes 32 raw bytes,
//! enums a one-byte tag before their fields. No floats anywhere.
//!
//! Signing is not done here: the phone implements [`SealSigner`] over its device key (in
//! Android StrongBox / the Secure Enclave, or `core::device`), and [`seal_record`] calls it.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{
    DeliveryOutcome, LocationAuthorization, LocationProvider, ProofOfDelivery, Receipt, Seal,
    SignatureOutcome, TriState, hex, parse_sha256, sha256_hex,
};

/// The seal encoding this crate writes and verifies.
pub const SEAL_VERSION: u32 = 1;
/// `prev_seal_sha256` of a device's first seal: 32 zero bytes.
pub const GENESIS_SEAL_SHA256: [u8; 32] = [0u8; 32];
/// Domain separation: the canonical bytes start with these 16 bytes, so a device signature
/// over a proof can never be mistaken for one over anything else the key signs.
pub const SEAL_MAGIC: &[u8; 16] = b"companion-pod-v1";
/// Prefix of the receipt's signed message.
pub const RECEIPT_MAGIC: &str = "companion-pod-receipt-v1";

/// Where a seal goes in its device's chain, and which device makes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SealHeader {
    /// The device's uncompressed SEC1 P-256 public key, base64url without padding.
    pub device_public_key: String,
    /// 1 for the device's first seal, then +1 per seal.
    pub sequence: u64,
    /// Lowercase hex `seal_sha256` of the previous seal ([`GENESIS_SEAL_SHA256`] first).
    pub prev_seal_sha256: String,
}

/// The last accepted seal of a device, as the server keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub sequence: u64,
    pub seal_sha256: [u8; 32],
}

impl Seal {
    /// This seal as the device's chain head: what the phone keeps to seal its next proof
    /// (`None` only for a malformed `seal_sha256`).
    pub fn chain_head(&self) -> Option<ChainHead> {
        Some(ChainHead {
            sequence: self.sequence,
            seal_sha256: parse_sha256(&self.seal_sha256)?,
        })
    }
}

/// Signing failed on the device (key unavailable, user authentication needed, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing the seal failed: {0}")]
pub struct SignerError(pub String);

/// The device key, wherever it lives. The phone's implementation signs with the key
/// registered with its session.
pub trait SealSigner {
    /// Uncompressed SEC1 P-256 public key (65 bytes, `0x04 || X || Y`).
    fn public_key(&self) -> Vec<u8>;
    /// ASN.1 DER ECDSA P-256 SHA-256 signature over `message` (the signer hashes it).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Why the server refuses a proof. Each has its own error `code` and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofRejection {
    /// The record or submission breaks a shape or policy rule.
    #[error("{0}")]
    Invalid(super::InvalidProof),
    /// The seal is of a version this side does not know.
    #[error("seal version {0} is not supported")]
    UnsupportedVersion(u32),
    /// The stop does not exist or is not assigned to the caller.
    #[error("the stop is not assigned to this driver")]
    StopNotAssigned,
    /// Another proof was already accepted for the stop.
    #[error("the stop already has an accepted proof")]
    StopAlreadyCompleted,
    /// A proof with this id was accepted with different content.
    #[error("a different proof was already submitted with this id")]
    ProofIdConflict,
    /// The seal was made by another device than the session's.
    #[error("the seal was made by another device than this session's")]
    WrongDevice,
    /// The record's canonical bytes do not hash to the seal's `seal_sha256`: a field was
    /// changed after sealing.
    #[error("the record does not match its seal (altered after sealing)")]
    RecordAltered,
    /// The signature does not verify against the session's device key.
    #[error("the seal's signature does not verify")]
    BadSignature,
    /// A photo referenced by the record has not been uploaded (completely) yet.
    #[error("photo {index} has not been uploaded")]
    PhotoNotUploaded { index: usize },
    /// The stored bytes of a photo do not hash to the sealed SHA-256.
    #[error("photo {index} does not match its sealed hash")]
    PhotoHashMismatch { index: usize },
    /// The outcome is `signed` but no signature PNG was submitted.
    #[error("the signature image is missing")]
    SignatureImageMissing,
    /// The submitted signature PNG does not hash to the sealed SHA-256.
    #[error("the signature image does not match its sealed hash")]
    SignatureImageMismatch,
    /// Earlier seals of this device have not been received: submit them first.
    #[error("seal {got} arrived before seal {expected} of this device")]
    ChainMissingLink { expected: u64, got: u64 },
    /// The seal follows the device's last one by number but not by hash.
    #[error("the seal does not link to the device's previous seal")]
    ChainBroken,
    /// A seal with this position in the device's chain was already accepted.
    #[error("seal {sequence} of this device was already used")]
    SealReplayed { sequence: u64 },
}

impl ProofRejection {
    /// The `ErrorBody` code.
    pub fn code(&self) -> &'static str {
        match self {
            ProofRejection::Invalid(_) => crate::codes::INVALID_REQUEST,
            ProofRejection::UnsupportedVersion(_) => "seal_version_unsupported",
            ProofRejection::StopNotAssigned => "stop_not_assigned",
            ProofRejection::StopAlreadyCompleted => "stop_already_completed",
            ProofRejection::ProofIdConflict => "proof_id_conflict",
            ProofRejection::WrongDevice => "seal_wrong_device",
            ProofRejection::RecordAltered => "seal_record_altered",
            ProofRejection::BadSignature => "seal_bad_signature",
            ProofRejection::PhotoNotUploaded { .. } => "photo_not_uploaded",
            ProofRejection::PhotoHashMismatch { .. } => "photo_hash_mismatch",
            ProofRejection::SignatureImageMissing => "signature_image_missing",
            ProofRejection::SignatureImageMismatch => "signature_image_mismatch",
            ProofRejection::ChainMissingLink { .. } => "chain_missing_link",
            ProofRejection::ChainBroken => "chain_broken",
            ProofRejection::SealReplayed { .. } => "seal_replayed",
        }
    }

    /// The HTTP status: `400` malformed, `403` not the caller's stop, `409` a state the
    /// phone can resolve (upload the photo, submit the earlier seal; or nothing to do),
    /// `422` integrity failures that no retry will fix.
    pub fn http_status(&self) -> u16 {
        match self {
            ProofRejection::Invalid(_)
            | ProofRejection::UnsupportedVersion(_)
            | ProofRejection::SignatureImageMissing => 400,
            ProofRejection::StopNotAssigned => 403,
            ProofRejection::StopAlreadyCompleted
            | ProofRejection::ProofIdConflict
            | ProofRejection::PhotoNotUploaded { .. }
            | ProofRejection::ChainMissingLink { .. } => 409,
            ProofRejection::WrongDevice
            | ProofRejection::RecordAltered
            | ProofRejection::BadSignature
            | ProofRejection::PhotoHashMismatch { .. }
            | ProofRejection::SignatureImageMismatch
            | ProofRejection::ChainBroken
            | ProofRejection::SealReplayed { .. } => 422,
        }
    }

    /// The request field at fault, when there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            ProofRejection::Invalid(e) => Some(e.field.clone()),
            ProofRejection::PhotoNotUploaded { index }
            | ProofRejection::PhotoHashMismatch { index } => {
                Some(format!("record.photos[{index}].sha256"))
            }
            ProofRejection::SignatureImageMissing | ProofRejection::SignatureImageMismatch => {
                Some("signature_png_base64".into())
            }
            _ => None,
        }
    }
}

impl From<super::InvalidProof> for ProofRejection {
    fn from(e: super::InvalidProof) -> Self {
        ProofRejection::Invalid(e)
    }
}

struct Enc(Vec<u8>);

impl Enc {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    fn hash(&mut self, h: &[u8; 32]) {
        self.0.extend_from_slice(h);
    }
    fn count(&mut self, n: usize) {
        self.u32(n as u32);
    }
}

fn tri(t: TriState) -> u8 {
    match t {
        TriState::Unknown => 0,
        TriState::No => 1,
        TriState::Yes => 2,
    }
}

fn provider(p: LocationProvider) -> u8 {
    match p {
        LocationProvider::Gps => 0,
        LocationProvider::Network => 1,
        LocationProvider::Fused => 2,
        LocationProvider::CoreLocation => 3,
        LocationProvider::Other => 4,
    }
}

fn sha_field(field: &str, s: &str) -> Result<[u8; 32], super::InvalidProof> {
    parse_sha256(s).ok_or_else(|| super::InvalidProof {
        field: field.into(),
        message: "must be 64 lowercase hex digits".into(),
    })
}

fn public_key_bytes(b64: &str) -> Result<Vec<u8>, super::InvalidProof> {
    let bad = || super::InvalidProof {
        field: "seal.device_public_key".into(),
        message: "must be an uncompressed P-256 point, base64url without padding".into(),
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|_| bad())?;
    if raw.len() != 65 || raw[0] != 4 {
        return Err(bad());
    }
    Ok(raw)
}

/// The canonical bytes of `record` placed at `header` in its device's chain: what the
/// device signs and what `seal_sha256` hashes. Fails only on malformed hashes or keys.
pub fn canonical_bytes(
    record: &ProofOfDelivery,
    header: &SealHeader,
) -> Result<Vec<u8>, super::InvalidProof> {
    let mut e = Enc(Vec::with_capacity(512));
    e.0.extend_from_slice(SEAL_MAGIC);
    e.u32(SEAL_VERSION);
    e.bytes(&public_key_bytes(&header.device_public_key)?);
    e.u64(header.sequence);
    e.hash(&sha_field(
        "seal.prev_seal_sha256",
        &header.prev_seal_sha256,
    )?);

    e.str(&record.id);
    e.str(&record.route_id);
    e.str(&record.stop_id);
    e.i64(record.captured_at_ms);
    match &record.outcome {
        DeliveryOutcome::Delivered => e.u8(0),
        DeliveryOutcome::Partial { lines } => {
            e.u8(1);
            e.count(lines.len());
            for l in lines {
                e.str(&l.line_id);
                e.i64(l.delivered);
            }
        }
        DeliveryOutcome::Refused { reason } => {
            e.u8(2);
            e.str(reason);
        }
        DeliveryOutcome::NotDelivered { reason } => {
            e.u8(3);
            e.str(reason);
        }
    }
    e.opt_str(&record.recipient_name);
    match &record.signature {
        None => e.u8(0),
        Some(SignatureOutcome::Signed {
            strokes,
            png_sha256,
        }) => {
            e.u8(1);
            e.u32(strokes.width);
            e.u32(strokes.height);
            e.count(strokes.strokes.len());
            for s in &strokes.strokes {
                e.count(s.points.len());
                for p in &s.points {
                    e.i32(p.x);
                    e.i32(p.y);
                    e.u32(p.t_ms);
                }
            }
            e.hash(&sha_field("record.signature.png_sha256", png_sha256)?);
        }
        Some(SignatureOutcome::RefusedToSign { note }) => {
            e.u8(2);
            e.opt_str(note);
        }
        Some(SignatureOutcome::UnableToSign { reason }) => {
            e.u8(3);
            e.str(reason);
        }
    }
    e.count(record.photos.len());
    for (i, p) in record.photos.iter().enumerate() {
        e.hash(&sha_field(
            &format!("record.photos[{i}].sha256"),
            &p.sha256,
        )?);
        e.u64(p.size);
        e.u32(p.width);
        e.u32(p.height);
    }
    e.count(record.scanned_items.len());
    for s in &record.scanned_items {
        e.str(&s.gtin);
        e.opt_str(&s.lot);
        e.i64(s.quantity);
        e.opt_str(&s.manual_reason);
    }
    match &record.fix {
        None => e.u8(0),
        Some(f) => {
            e.u8(1);
            e.i32(f.point.lat_e7);
            e.i32(f.point.lon_e7);
            e.u32(f.accuracy_cm);
            e.i64(f.fix_time_ms);
            e.u64(f.age_ms);
            e.u8(provider(f.provider));
            e.u8(tri(f.mock));
            e.u8(tri(f.simulated_by_software));
            e.u8(tri(f.from_accessory));
            e.u8(match f.authorization {
                LocationAuthorization::Precise => 0,
                LocationAuthorization::Approximate => 1,
            });
        }
    }
    e.opt_str(&record.geofence_override.as_ref().map(|o| o.reason.clone()));
    e.opt_str(&record.pin);
    e.opt_str(&record.notes);
    Ok(e.0)
}

/// Seals `record` as the next link after `prev` (`None` for the device's first seal):
/// encodes it, has `signer` sign it, and returns the seal. The caller persists the seal
/// before submitting it: its `seal_sha256` is the next seal's `prev`.
pub fn seal_record(
    record: &ProofOfDelivery,
    prev: Option<ChainHead>,
    signer: &dyn SealSigner,
) -> Result<Seal, SignerError> {
    let header = SealHeader {
        device_public_key: base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(signer.public_key()),
        sequence: prev.map_or(1, |p| p.sequence + 1),
        prev_seal_sha256: hex(&prev.map_or(GENESIS_SEAL_SHA256, |p| p.seal_sha256)),
    };
    let bytes = canonical_bytes(record, &header).map_err(|e| SignerError(e.to_string()))?;
    let signature = signer.sign(&bytes)?;
    Ok(Seal {
        version: SEAL_VERSION,
        device_public_key: header.device_public_key,
        sequence: header.sequence,
        prev_seal_sha256: header.prev_seal_sha256,
        seal_sha256: sha256_hex(&bytes),
        signature: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature),
    })
}

/// What the server knows when it verifies a seal.
pub struct VerifyInputs<'a> {
    /// The public key registered with the submitting session (base64url, as stored).
    pub session_public_key: &'a str,
    /// The device's last accepted seal; `None` before its first.
    pub chain_head: Option<ChainHead>,
    /// The stored bytes of each photo of the record, in order; `None` when not uploaded.
    pub photos: Vec<Option<&'a [u8]>>,
    /// The submitted signature PNG.
    pub signature_png: Option<&'a [u8]>,
}

/// Verifies a sealed proof: device, version, record hash, signature, chain link, photo and
/// signature image hashes, in that order; the first failure is returned. Shape, policy,
/// assignment and idempotency are the caller's (they need the server's state).
pub fn verify_proof(
    record: &ProofOfDelivery,
    seal: &Seal,
    inputs: &VerifyInputs<'_>,
) -> Result<(), ProofRejection> {
    if seal.version != SEAL_VERSION {
        return Err(ProofRejection::UnsupportedVersion(seal.version));
    }
    let device_key = public_key_bytes(&seal.device_public_key)?;
    let session_key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(inputs.session_public_key)
        .map_err(|_| ProofRejection::WrongDevice)?;
    if device_key != session_key {
        return Err(ProofRejection::WrongDevice);
    }
    let header = SealHeader {
        device_public_key: seal.device_public_key.clone(),
        sequence: seal.sequence,
        prev_seal_sha256: seal.prev_seal_sha256.clone(),
    };
    let bytes = canonical_bytes(record, &header)?;
    let claimed = sha_field("seal.seal_sha256", &seal.seal_sha256)?;
    if ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref() != claimed {
        return Err(ProofRejection::RecordAltered);
    }
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&seal.signature)
        .map_err(|_| ProofRejection::BadSignature)?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &device_key)
        .verify(&bytes, &signature)
        .map_err(|_| ProofRejection::BadSignature)?;
    check_link(seal, inputs.chain_head)?;
    for (index, (photo, stored)) in record.photos.iter().zip(&inputs.photos).enumerate() {
        let Some(stored) = stored else {
            return Err(ProofRejection::PhotoNotUploaded { index });
        };
        if sha256_hex(stored) != photo.sha256 || stored.len() as u64 != photo.size {
            return Err(ProofRejection::PhotoHashMismatch { index });
        }
    }
    if record.photos.len() > inputs.photos.len() {
        return Err(ProofRejection::PhotoNotUploaded {
            index: inputs.photos.len(),
        });
    }
    if let Some(SignatureOutcome::Signed { png_sha256, .. }) = &record.signature {
        let png = inputs
            .signature_png
            .ok_or(ProofRejection::SignatureImageMissing)?;
        if &sha256_hex(png) != png_sha256 {
            return Err(ProofRejection::SignatureImageMismatch);
        }
    }
    Ok(())
}

/// The chain rule: the seal must be the device's next one and name its predecessor.
pub fn check_link(seal: &Seal, head: Option<ChainHead>) -> Result<(), ProofRejection> {
    let head = head.unwrap_or(ChainHead {
        sequence: 0,
        seal_sha256: GENESIS_SEAL_SHA256,
    });
    let prev = sha_field("seal.prev_seal_sha256", &seal.prev_seal_sha256)?;
    if seal.sequence <= head.sequence {
        return Err(ProofRejection::SealReplayed {
            sequence: seal.sequence,
        });
    }
    if seal.sequence > head.sequence + 1 {
        return Err(ProofRejection::ChainMissingLink {
            expected: head.sequence + 1,
            got: seal.sequence,
        });
    }
    if prev != head.seal_sha256 {
        return Err(ProofRejection::ChainBroken);
    }
    Ok(())
}

/// The bytes the server signs for a receipt: UTF-8 lines joined by `\n`:
/// `companion-pod-receipt-v1`, proof id, stop id, seal SHA-256, received-at milliseconds,
/// geofence verdict, and the flags joined by `,` (empty when none).
pub fn receipt_message(r: &Receipt) -> Vec<u8> {
    let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
    format!(
        "{RECEIPT_MAGIC}\n{}\n{}\n{}\n{}\n{}\n{}",
        r.proof_id,
        r.stop_id,
        r.seal_sha256,
        r.received_at_ms,
        r.geofence.as_str(),
        flags.join(",")
    )
    .into_bytes()
}

/// Whether the receipt's server signature verifies against `server_public_key`
/// (base64url uncompressed SEC1; the phone pins the key it saw first).
pub fn verify_receipt(r: &Receipt, server_public_key: &str) -> bool {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (Ok(key), Ok(sig)) = (
        b64.decode(server_public_key),
        b64.decode(&r.server_signature),
    ) else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
        .verify(&receipt_message(r), &sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliveries::*;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    struct TestKey(EcdsaKeyPair);

    impl TestKey {
        fn new() -> TestKey {
            let rng = ring::rand::SystemRandom::new();
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
            TestKey(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng)
                    .unwrap(),
            )
        }
        fn b64(&self) -> String {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.public_key())
        }
    }

    impl SealSigner for TestKey {
        fn public_key(&self) -> Vec<u8> {
            self.0.public_key().as_ref().to_vec()
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
            let rng = ring::rand::SystemRandom::new();
            self.0
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignerError("sign".into()))
        }
    }

    const PHOTO: &[u8] = b"\xff\xd8 not really a jpeg \xff\xd9";
    const PNG: &[u8] = b"\x89PNG not really";

    fn record(id: &str) -> ProofOfDelivery {
        ProofOfDelivery {
            id: id.into(),
            route_id: "r1".into(),
            stop_id: "s1".into(),
            outcome: DeliveryOutcome::Delivered,
            recipient_name: Some("J. Doe".into()),
            signature: Some(SignatureOutcome::Signed {
                strokes: SignatureStrokes {
                    width: 300,
                    height: 100,
                    strokes: vec![Stroke {
                        points: vec![
                            StrokePoint {
                                x: 1,
                                y: 2,
                                t_ms: 0,
                            },
                            StrokePoint {
                                x: 50,
                                y: 60,
                                t_ms: 40,
                            },
                        ],
                    }],
                },
                png_sha256: sha256_hex(PNG),
            }),
            photos: vec![PhotoRef {
                sha256: sha256_hex(PHOTO),
                size: PHOTO.len() as u64,
                width: 10,
                height: 10,
            }],
            scanned_items: vec![],
            fix: None,
            geofence_override: None,
            pin: None,
            notes: None,
            captured_at_ms: 1_800_000_000_000,
        }
    }

    fn inputs(key: &str, head: Option<ChainHead>) -> VerifyInputs<'_> {
        VerifyInputs {
            session_public_key: key,
            chain_head: head,
            photos: vec![Some(PHOTO)],
            signature_png: Some(PNG),
        }
    }

    fn head_of(seal: &Seal) -> ChainHead {
        seal.chain_head().unwrap()
    }

    #[test]
    fn a_sealed_record_verifies_and_chains() {
        let key = TestKey::new();
        let pk = key.b64();
        let r1 = record("p1");
        let s1 = seal_record(&r1, None, &key).unwrap();
        assert_eq!(s1.sequence, 1);
        assert_eq!(s1.prev_seal_sha256, "0".repeat(64));
        verify_proof(&r1, &s1, &inputs(&pk, None)).unwrap();
        let r2 = record("p2");
        let s2 = seal_record(&r2, Some(head_of(&s1)), &key).unwrap();
        verify_proof(&r2, &s2, &inputs(&pk, Some(head_of(&s1)))).unwrap();
        // Out of order, replayed, forked.
        assert_eq!(
            verify_proof(&r2, &s2, &inputs(&pk, None)),
            Err(ProofRejection::ChainMissingLink {
                expected: 1,
                got: 2
            })
        );
        assert_eq!(
            verify_proof(&r1, &s1, &inputs(&pk, Some(head_of(&s1)))),
            Err(ProofRejection::SealReplayed { sequence: 1 })
        );
        let fork = seal_record(&record("p3"), None, &key).unwrap();
        let forked_head = Some(ChainHead {
            sequence: 0,
            seal_sha256: [7; 32],
        });
        assert_eq!(
            verify_proof(&record("p3"), &fork, &inputs(&pk, forked_head)),
            Err(ProofRejection::ChainBroken)
        );
    }

    #[test]
    fn every_tampering_has_its_reason() {
        let key = TestKey::new();
        let pk = key.b64();
        let r = record("p1");
        let s = seal_record(&r, None, &key).unwrap();

        let mut altered = r.clone();
        altered.recipient_name = Some("J. Dow".into());
        assert_eq!(
            verify_proof(&altered, &s, &inputs(&pk, None)),
            Err(ProofRejection::RecordAltered)
        );

        let mut bad_sig = s.clone();
        let mut raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&s.signature)
            .unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        bad_sig.signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(
            verify_proof(&r, &bad_sig, &inputs(&pk, None)),
            Err(ProofRejection::BadSignature)
        );

        let other = TestKey::new();
        assert_eq!(
            verify_proof(&r, &s, &inputs(&other.b64(), None)),
            Err(ProofRejection::WrongDevice)
        );

        let mut flipped = PHOTO.to_vec();
        flipped[3] ^= 0x20;
        let mut i = inputs(&pk, None);
        i.photos = vec![Some(&flipped)];
        assert_eq!(
            verify_proof(&r, &s, &i),
            Err(ProofRejection::PhotoHashMismatch { index: 0 })
        );
        i.photos = vec![None];
        assert_eq!(
            verify_proof(&r, &s, &i),
            Err(ProofRejection::PhotoNotUploaded { index: 0 })
        );
        let mut i = inputs(&pk, None);
        i.signature_png = Some(b"\x89PNG other");
        assert_eq!(
            verify_proof(&r, &s, &i),
            Err(ProofRejection::SignatureImageMismatch)
        );
        i.signature_png = None;
        assert_eq!(
            verify_proof(&r, &s, &i),
            Err(ProofRejection::SignatureImageMissing)
        );
    }

    #[test]
    fn receipt_signature_round_trip() {
        let key = TestKey::new();
        let mut r = Receipt {
            proof_id: "p".into(),
            stop_id: "s".into(),
            seal_sha256: "0".repeat(64),
            received_at_ms: 5,
            geofence: GeofenceVerdict::Warn,
            flags: vec![ReviewFlag::MockLocation, ReviewFlag::StaleFix],
            page_path: "/x".into(),
            server_public_key: key.b64(),
            server_signature: String::new(),
        };
        assert_eq!(
            String::from_utf8(receipt_message(&r)).unwrap(),
            format!(
                "companion-pod-receipt-v1\np\ns\n{}\n5\nwarn\nmock_location,stale_fix",
                "0".repeat(64)
            )
        );
        r.server_signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(key.sign(&receipt_message(&r)).unwrap());
        assert!(verify_receipt(&r, &key.b64()));
        r.received_at_ms = 6;
        assert!(!verify_receipt(&r, &key.b64()));
    }
}
