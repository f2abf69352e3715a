//! `POST /v1/deliveries/proofs` and `GET /v1/deliveries/proofs/{proof_id}/receipt`.
//!
//! A submission is checked in this order: idempotency (the same proof id with the same seal
//! returns the stored receipt, with another seal `409`); the stop's assignment (`403`, before
//! anything about the content is said to someone the stop is not theirs); shape; the stop's
//! status and policy; then the seal (`companion_wire::deliveries::verify_proof`:
//! device, record hash, signature, chain link, photo and signature-image hashes). Accepted
//! proofs are stored, the stop completed, the device's chain head advanced and the receipt
//! countersigned, all in one transaction.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine;
use companion_wire::deliveries::{
    self, ChainHead, DeliveryOutcome, ExpectedItem, GeofenceVerdict, MAX_ID_LEN,
    MAX_SIGNATURE_PNG_BYTES, ProofOfDelivery, ProofRejection, ProofSubmission, Receipt, ReviewFlag,
    Seal, Stop, VerifyInputs, parse_sha256,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::keys::{ServerKey, token_hash};
use super::{now_ms, rejection};
use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::{ApiError, ApiJson};

/// Longest `device_public_key` or `signature` text accepted in a seal.
const MAX_SEAL_FIELD_LEN: usize = 200;

/// Identifiers in paths and records: ASCII letters, digits, `-`, `_`, `.`, `:`.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn check_submission(sub: &ProofSubmission) -> Result<Option<Vec<u8>>, ApiError> {
    deliveries::validate_shape(&sub.record).map_err(|e| rejection(e.into()))?;
    for (field, id) in [
        ("record.id", &sub.record.id),
        ("record.route_id", &sub.record.route_id),
        ("record.stop_id", &sub.record.stop_id),
    ] {
        if !is_valid_id(id) {
            return Err(ApiError::invalid(
                field,
                "must be 1 to 64 of A-Z a-z 0-9 - _ . :",
            ));
        }
    }
    let seal = &sub.seal;
    if seal.device_public_key.len() > MAX_SEAL_FIELD_LEN {
        return Err(ApiError::invalid("seal.device_public_key", "too long"));
    }
    if seal.signature.len() > MAX_SEAL_FIELD_LEN {
        return Err(ApiError::invalid("seal.signature", "too long"));
    }
    for (field, h) in [
        ("seal.seal_sha256", &seal.seal_sha256),
        ("seal.prev_seal_sha256", &seal.prev_seal_sha256),
    ] {
        if parse_sha256(h).is_none() {
            return Err(ApiError::invalid(field, "must be 64 lowercase hex digits"));
        }
    }
    if seal.sequence == 0 || seal.sequence > i64::MAX as u64 {
        return Err(ApiError::invalid("seal.sequence", "must be 1 or more"));
    }
    match &sub.signature_png_base64 {
        None => Ok(None),
        Some(b64) => {
            if b64.len() > MAX_SIGNATURE_PNG_BYTES.div_ceil(3) * 4 {
                return Err(ApiError::invalid(
                    "signature_png_base64",
                    format!("at most {MAX_SIGNATURE_PNG_BYTES} bytes"),
                ));
            }
            // Padding required, stray low bits in the last symbol tolerated (other encoders
            // leave them).
            const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
            );
            LENIENT
                .decode(b64)
                .map(Some)
                .map_err(|_| ApiError::invalid("signature_png_base64", "not standard base64"))
        }
    }
}

/// The manifest as it should have been delivered: a partial outcome lowers each listed
/// line to its delivered quantity and unlisted lines to zero.
pub fn expected_for(stop: &Stop, outcome: &DeliveryOutcome) -> Vec<ExpectedItem> {
    match outcome {
        DeliveryOutcome::Partial { lines } => stop
            .items
            .iter()
            .map(|e| ExpectedItem {
                quantity: lines
                    .iter()
                    .filter(|l| l.line_id == e.line_id)
                    .map(|l| l.delivered)
                    .sum(),
                ..e.clone()
            })
            .collect(),
        _ => stop.items.clone(),
    }
}

/// What the server concludes from an accepted record: the geofence verdict and the review
/// flags (also what the receipt page shows).
pub fn review(
    record: &ProofOfDelivery,
    stop: &Stop,
    stop_pin: Option<&str>,
) -> (deliveries::GeofenceAssessment, Vec<ReviewFlag>) {
    let geo = deliveries::assess(stop.address.point, &stop.policy, record.fix.as_ref());
    let mut flags = Vec::new();
    if geo.mocked {
        flags.push(ReviewFlag::MockLocation);
    }
    if geo.stale {
        flags.push(ReviewFlag::StaleFix);
    }
    match geo.verdict {
        GeofenceVerdict::Inside => {}
        GeofenceVerdict::Warn => flags.push(ReviewFlag::OutsideStrictRadius),
        GeofenceVerdict::Outside => flags.push(ReviewFlag::OutsideWarnRadius),
        GeofenceVerdict::Unknown => flags.push(ReviewFlag::LocationUnknown),
    }
    if record.geofence_override.is_some() {
        flags.push(ReviewFlag::GeofenceOverride);
    }
    if stop.policy.pin_required && record.outcome.handed_over() {
        // Digests compared, so the time taken says nothing about the PIN's digits.
        let entered = deliveries::sha256_hex(record.pin.as_deref().unwrap_or("").as_bytes());
        let expected = deliveries::sha256_hex(stop_pin.unwrap_or("").as_bytes());
        if stop_pin.is_none() || entered != expected {
            flags.push(ReviewFlag::PinMismatch);
        }
    }
    if record.outcome.handed_over()
        && !record.scanned_items.is_empty()
        && !deliveries::reconcile(&expected_for(stop, &record.outcome), &record.scanned_items)
            .is_empty()
    {
        flags.push(ReviewFlag::ItemDiscrepancy);
    }
    flags.sort();
    flags.dedup();
    (geo, flags)
}

/// The device's last accepted seal.
pub fn chain_head(conn: &Connection, device_key: &str) -> Result<Option<ChainHead>, ApiError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT sequence, seal_sha256 FROM pod_device_chains WHERE device_public_key = ?1",
            [device_key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(seq, h)| {
        Ok(ChainHead {
            sequence: seq as u64,
            seal_sha256: parse_sha256(&h)
                .ok_or_else(|| ApiError::internal("a stored chain head is unreadable"))?,
        })
    })
    .transpose()
}

fn stored_receipt(conn: &Connection, proof_id: &str) -> Result<Option<Receipt>, ApiError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT receipt_json FROM pod_proofs WHERE id = ?1",
            [proof_id],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j).map_err(|_| ApiError::internal("a stored receipt is unreadable"))
    })
    .transpose()
}

fn accept(
    conn: &mut Connection,
    caller: &AuthedAccount,
    sub: &ProofSubmission,
) -> Result<Receipt, ApiError> {
    let tx = conn.transaction()?;
    let record = &sub.record;
    let seal: &Seal = &sub.seal;

    let existing: Option<(String, String)> = tx
        .query_row(
            "SELECT account_id, seal_sha256 FROM pod_proofs WHERE id = ?1",
            [&record.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((account, sealed)) = existing {
        if account == caller.account_id && sealed == seal.seal_sha256 {
            // The same proof again (the phone lost our answer): the same receipt.
            return stored_receipt(&tx, &record.id)?
                .ok_or_else(|| ApiError::internal("receipt vanished"));
        }
        return Err(rejection(ProofRejection::ProofIdConflict));
    }

    let stored = super::routes::load_stop(&tx, &record.stop_id)?
        .filter(|s| s.driver_account_id == caller.account_id && s.route_id == record.route_id)
        .ok_or_else(|| rejection(ProofRejection::StopNotAssigned))?;
    let png = check_submission(sub)?;
    let png = png.as_deref();
    if stored.stop.status == deliveries::StopStatus::Completed {
        return Err(rejection(ProofRejection::StopAlreadyCompleted));
    }
    deliveries::check_policy(record, &stored.stop).map_err(|e| rejection(e.into()))?;

    let session_key: String = tx.query_row(
        "SELECT public_key FROM device_sessions WHERE id = ?1",
        [&caller.session_id],
        |r| r.get(0),
    )?;
    let head = chain_head(&tx, &session_key)?;
    let mut photo_bytes = Vec::with_capacity(record.photos.len());
    for p in &record.photos {
        photo_bytes.push(super::photos::load(&tx, &p.sha256)?);
    }
    deliveries::verify_proof(
        record,
        seal,
        &VerifyInputs {
            session_public_key: &session_key,
            chain_head: head,
            photos: photo_bytes.iter().map(|b| b.as_deref()).collect(),
            signature_png: png,
        },
    )
    .map_err(rejection)?;

    let (geo, flags) = review(record, &stored.stop, stored.pin.as_deref());
    let key = ServerKey::load_or_create(&tx)?;
    let token = key.page_token(&record.id);
    let mut receipt = Receipt {
        proof_id: record.id.clone(),
        stop_id: record.stop_id.clone(),
        seal_sha256: seal.seal_sha256.clone(),
        received_at_ms: now_ms(),
        geofence: geo.verdict,
        flags,
        page_path: format!("/v1/deliveries/receipt-pages/{token}"),
        server_public_key: key.public_key_b64(),
        server_signature: String::new(),
    };
    receipt.server_signature = key.sign_b64(&deliveries::receipt_message(&receipt))?;

    tx.execute(
        "INSERT INTO pod_proofs(id, account_id, stop_id, device_public_key, sequence, seal_sha256,
             record_json, seal_json, signature_png, receipt_json, page_token_hash, received_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            record.id,
            caller.account_id,
            record.stop_id,
            session_key,
            seal.sequence as i64,
            seal.seal_sha256,
            json(record)?,
            json(seal)?,
            png,
            json(&receipt)?,
            token_hash(&token),
            receipt.received_at_ms,
        ],
    )?;
    tx.execute(
        "UPDATE delivery_stops SET completed_proof_id = ?2 WHERE id = ?1",
        params![record.stop_id, record.id],
    )?;
    tx.execute(
        "INSERT INTO pod_device_chains(device_public_key, sequence, seal_sha256) VALUES (?1, ?2, ?3)
         ON CONFLICT(device_public_key) DO UPDATE SET sequence = excluded.sequence, seal_sha256 = excluded.seal_sha256",
        params![session_key, seal.sequence as i64, seal.seal_sha256],
    )?;
    tx.commit()?;
    tracing::info!(stop = %record.stop_id, verdict = geo.verdict.as_str(), "proof of delivery accepted");
    Ok(receipt)
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|_| ApiError::internal("serialising failed"))
}

/// Decodes a submission. JSON does not tell `4` from `4.0` and JSON Schema calls both
/// integers, so integral floats are accepted too (as in `inventory::decode_push`).
fn decode_submission(mut value: serde_json::Value) -> Result<ProofSubmission, ApiError> {
    fn integral(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                // Only integers a float holds exactly (|f| < 2^53).
                if let Some(f) = n.as_f64()
                    && f.fract() == 0.0
                    && f.abs() < 9_007_199_254_740_992.0
                {
                    *v = serde_json::Value::from(f as i64);
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(integral),
            serde_json::Value::Object(o) => o.values_mut().for_each(integral),
            _ => {}
        }
    }
    integral(&mut value);
    serde_json::from_value(value)
        .map_err(|e| ApiError::invalid("record", format!("malformed proof submission: {e}")))
}

/// `POST /v1/deliveries/proofs`
pub async fn submit(
    State(state): State<AppState>,
    caller: AuthedAccount,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Receipt>, ApiError> {
    let sub = decode_submission(body)?;
    let receipt = state
        .db
        .call(move |conn| accept(conn, &caller, &sub))
        .await?;
    Ok(Json(receipt))
}

/// `GET /v1/deliveries/proofs/{proof_id}/receipt`: the receipt of one of the caller's proofs.
pub async fn receipt(
    State(state): State<AppState>,
    caller: AuthedAccount,
    Path(proof_id): Path<String>,
) -> Result<Json<Receipt>, ApiError> {
    if !is_valid_id(&proof_id) {
        return Err(ApiError::invalid(
            "proof_id",
            "must be 1 to 64 of A-Z a-z 0-9 - _ . :",
        ));
    }
    let receipt = state
        .db
        .call(move |conn| {
            let owner: Option<String> = conn
                .query_row(
                    "SELECT account_id FROM pod_proofs WHERE id = ?1",
                    [&proof_id],
                    |r| r.get(0),
                )
                .optional()?;
            if owner.as_deref() != Some(caller.account_id.as_str()) {
                return Err(ApiError::not_found("no such proof"));
            }
            stored_receipt(conn, &proof_id)?.ok_or_else(|| ApiError::not_found("no such proof"))
        })
        .await?;
    Ok(Json(receipt))
}
