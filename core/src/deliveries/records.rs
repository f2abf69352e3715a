//! The deliveries tables of the account database: routes as downloaded, and each stop's
//! capture from draft to receipt. Plain functions over the store's access types; every
//! write is called inside one transaction by the component.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use companion_wire::deliveries::{
    ChainHead, DeliveryOutcome, GeofenceOverride, ItemScan, LocationFix, PhotoRef, ProofOfDelivery,
    Receipt, Route, Seal, SignatureOutcome, Stop, assess, parse_sha256, reconcile,
};

use super::model::{DeliveryCapture, ProofState, StopProofStatus};
use crate::error::{Error, Result};
use crate::store::{Read, Write};

/// The capture steps so far, rewritten after each step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Draft {
    #[serde(default)]
    pub outcome: Option<DeliveryOutcome>,
    #[serde(default)]
    pub recipient_name: Option<String>,
    #[serde(default)]
    pub signature: Option<SignatureOutcome>,
    #[serde(default)]
    pub scanned_items: Vec<ItemScan>,
    #[serde(default)]
    pub fix: Option<LocationFix>,
    #[serde(default)]
    pub geofence_override: Option<GeofenceOverride>,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A capture row with its photos.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    pub stop_id: String,
    pub route_id: String,
    pub proof_id: String,
    pub stop: Stop,
    pub draft: Draft,
    pub state: String,
    pub started_at_ms: i64,
    pub updated_at_ms: i64,
    pub device_public_key: Option<String>,
    pub record: Option<ProofOfDelivery>,
    pub seal: Option<Seal>,
    pub receipt: Option<Receipt>,
    pub reject_code: Option<String>,
    pub reject_reason: Option<String>,
    pub last_error: Option<String>,
    /// In order, with whether the server holds each.
    pub photos: Vec<(PhotoRef, bool)>,
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("encoding: {e}")))
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::Storage(format!("stored {what} is unreadable: {e}")))
}

fn parse_opt<T: for<'de> Deserialize<'de>>(what: &str, text: Option<String>) -> Result<Option<T>> {
    text.map(|t| parse(what, &t)).transpose()
}

/// Replaces the downloaded routes with `routes`, in one transaction.
pub(crate) fn replace_routes(w: &Write<'_>, routes: &[Route], now: i64) -> Result<()> {
    w.execute("DELETE FROM pod_stop", [])?;
    w.execute("DELETE FROM pod_route", [])?;
    for route in routes {
        w.execute(
            "INSERT INTO pod_route(id, warehouse_id, service_date, downloaded_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![route.id, route.warehouse_id, route.service_date, now],
        )?;
        for stop in &route.stops {
            w.execute(
                "INSERT OR REPLACE INTO pod_stop(id, route_id, sequence, stop_json) VALUES (?1, ?2, ?3, ?4)",
                params![stop.id, route.id, stop.sequence, json(stop)?],
            )?;
        }
    }
    Ok(())
}

/// The downloaded routes with their stops, in driving order.
pub(crate) fn routes(r: &Read<'_>) -> Result<Vec<Route>> {
    let heads: Vec<(String, String, String)> = r
        .prepare_cached(
            "SELECT id, warehouse_id, service_date FROM pod_route ORDER BY service_date, id",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, warehouse_id, service_date) in heads {
        let stops: Vec<String> = r
            .prepare_cached("SELECT stop_json FROM pod_stop WHERE route_id = ?1 ORDER BY sequence")?
            .query_map([&id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(Route {
            id,
            warehouse_id,
            service_date,
            stops: stops
                .iter()
                .map(|s| parse("stop", s))
                .collect::<Result<_>>()?,
        });
    }
    Ok(out)
}

/// A downloaded stop and its route id.
pub(crate) fn stop(r: &Read<'_>, stop_id: &str) -> Result<Option<(String, Stop)>> {
    let row: Option<(String, String)> = r
        .prepare_cached("SELECT route_id, stop_json FROM pod_stop WHERE id = ?1")?
        .query_row([stop_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(route, s)| Ok((route, parse("stop", &s)?)))
        .transpose()
}

pub(crate) fn has_routes(r: &Read<'_>) -> Result<bool> {
    Ok(
        r.query_row("SELECT EXISTS (SELECT 1 FROM pod_route)", [], |row| {
            row.get(0)
        })?,
    )
}

const CAPTURE_COLUMNS: &str = "stop_id, route_id, proof_id, stop_json, draft_json, state, started_at_ms, updated_at_ms, \
     device_public_key, record_json, seal_json, receipt_json, reject_code, reject_reason, last_error";

fn capture_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CaptureColumns> {
    Ok(CaptureColumns {
        stop_id: row.get(0)?,
        route_id: row.get(1)?,
        proof_id: row.get(2)?,
        stop_json: row.get(3)?,
        draft_json: row.get(4)?,
        state: row.get(5)?,
        started_at_ms: row.get(6)?,
        updated_at_ms: row.get(7)?,
        device_public_key: row.get(8)?,
        record_json: row.get(9)?,
        seal_json: row.get(10)?,
        receipt_json: row.get(11)?,
        reject_code: row.get(12)?,
        reject_reason: row.get(13)?,
        last_error: row.get(14)?,
    })
}

struct CaptureColumns {
    stop_id: String,
    route_id: String,
    proof_id: String,
    stop_json: String,
    draft_json: String,
    state: String,
    started_at_ms: i64,
    updated_at_ms: i64,
    device_public_key: Option<String>,
    record_json: Option<String>,
    seal_json: Option<String>,
    receipt_json: Option<String>,
    reject_code: Option<String>,
    reject_reason: Option<String>,
    last_error: Option<String>,
}

fn photos(r: &Read<'_>, stop_id: &str) -> Result<Vec<(PhotoRef, bool)>> {
    Ok(r
        .prepare_cached(
            "SELECT sha256, size, width, height, uploaded FROM pod_photo WHERE stop_id = ?1 ORDER BY position",
        )?
        .query_map([stop_id], |row| {
            Ok((
                PhotoRef {
                    sha256: row.get(0)?,
                    size: row.get::<_, i64>(1)? as u64,
                    width: row.get(2)?,
                    height: row.get(3)?,
                },
                row.get::<_, i64>(4)? != 0,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The capture of a stop, if one was started.
pub(crate) fn capture(r: &Read<'_>, stop_id: &str) -> Result<Option<Capture>> {
    let cols = r
        .prepare_cached(&format!(
            "SELECT {CAPTURE_COLUMNS} FROM pod_capture WHERE stop_id = ?1"
        ))?
        .query_row([stop_id], capture_from_row)
        .optional()?;
    let Some(c) = cols else { return Ok(None) };
    Ok(Some(Capture {
        photos: photos(r, &c.stop_id)?,
        stop: parse("stop", &c.stop_json)?,
        draft: parse("draft", &c.draft_json)?,
        record: parse_opt("record", c.record_json)?,
        seal: parse_opt("seal", c.seal_json)?,
        receipt: parse_opt("receipt", c.receipt_json)?,
        stop_id: c.stop_id,
        route_id: c.route_id,
        proof_id: c.proof_id,
        state: c.state,
        started_at_ms: c.started_at_ms,
        updated_at_ms: c.updated_at_ms,
        device_public_key: c.device_public_key,
        reject_code: c.reject_code,
        reject_reason: c.reject_reason,
        last_error: c.last_error,
    }))
}

/// The capture of a stop, `NotFound` when none was started.
pub(crate) fn existing(r: &Read<'_>, stop_id: &str) -> Result<Capture> {
    capture(r, stop_id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no capture for stop {stop_id}: start one with start_capture"
        ))
    })
}

/// Starts the capture of `stop` (with a fresh proof id).
pub(crate) fn insert(
    w: &Write<'_>,
    route_id: &str,
    stop: &Stop,
    proof_id: &str,
    now: i64,
) -> Result<()> {
    w.execute(
        "INSERT INTO pod_capture(stop_id, route_id, proof_id, stop_json, draft_json, started_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, '{}', ?5, ?5)",
        params![stop.id, route_id, proof_id, json(stop)?, now],
    )?;
    Ok(())
}

/// Saves the draft of a capture still being captured.
pub(crate) fn save_draft(w: &Write<'_>, stop_id: &str, draft: &Draft, now: i64) -> Result<()> {
    let n = w.execute(
        "UPDATE pod_capture SET draft_json = ?2, updated_at_ms = max(?3, updated_at_ms + 1) WHERE stop_id = ?1 AND state = 'draft'",
        params![stop_id, json(draft)?, now],
    )?;
    if n == 0 {
        return Err(Error::Conflict(format!(
            "the proof of stop {stop_id} is sealed; it can no longer change"
        )));
    }
    Ok(())
}

pub(crate) fn add_photo(w: &Write<'_>, stop_id: &str, photo: &PhotoRef) -> Result<()> {
    let position: i64 = w.query_row(
        "SELECT coalesce(max(position), -1) + 1 FROM pod_photo WHERE stop_id = ?1",
        [stop_id],
        |row| row.get(0),
    )?;
    w.execute(
        "INSERT OR IGNORE INTO pod_photo(stop_id, position, sha256, size, width, height) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            stop_id,
            position,
            photo.sha256,
            photo.size as i64,
            photo.width,
            photo.height
        ],
    )?;
    Ok(())
}

pub(crate) fn remove_photo(w: &Write<'_>, stop_id: &str, sha256: &str) -> Result<bool> {
    Ok(w.execute(
        "DELETE FROM pod_photo WHERE stop_id = ?1 AND sha256 = ?2",
        params![stop_id, sha256],
    )? > 0)
}

/// Whether any capture not yet settled (or any other stop) still needs a photo's bytes.
pub(crate) fn photo_needed_elsewhere(r: &Read<'_>, stop_id: &str, sha256: &str) -> Result<bool> {
    Ok(r.query_row(
        "SELECT EXISTS (SELECT 1 FROM pod_photo p JOIN pod_capture c ON c.stop_id = p.stop_id
                        WHERE p.sha256 = ?2 AND p.stop_id != ?1 AND c.state IN ('draft', 'sealed'))",
        params![stop_id, sha256],
        |row| row.get(0),
    )?)
}

/// Freezes the capture as `record` sealed by `seal`.
pub(crate) fn mark_sealed(
    w: &Write<'_>,
    stop_id: &str,
    record: &ProofOfDelivery,
    seal: &Seal,
    now: i64,
) -> Result<()> {
    let n = w.execute(
        "UPDATE pod_capture SET state = 'sealed', device_public_key = ?2, seal_sequence = ?3,
             record_json = ?4, seal_json = ?5, sealed_at_ms = ?6, updated_at_ms = max(?6, updated_at_ms + 1)
         WHERE stop_id = ?1 AND state = 'draft'",
        params![
            stop_id,
            seal.device_public_key,
            seal.sequence as i64,
            json(record)?,
            json(seal)?,
            now
        ],
    )?;
    if n == 0 {
        return Err(Error::Conflict(format!(
            "the proof of stop {stop_id} is already sealed"
        )));
    }
    Ok(())
}

/// Replaces the seal of a queued proof (re-linked after an earlier proof was refused).
pub(crate) fn reseal(w: &Write<'_>, stop_id: &str, seal: &Seal, now: i64) -> Result<()> {
    w.execute(
        "UPDATE pod_capture SET seal_sequence = ?2, seal_json = ?3, updated_at_ms = max(?4, updated_at_ms + 1)
         WHERE stop_id = ?1 AND state = 'sealed'",
        params![stop_id, seal.sequence as i64, json(seal)?, now],
    )?;
    Ok(())
}

pub(crate) fn mark_photo_uploaded(w: &Write<'_>, sha256: &str, uploaded: bool) -> Result<()> {
    w.execute(
        "UPDATE pod_photo SET uploaded = ?2 WHERE sha256 = ?1",
        params![sha256, i64::from(uploaded)],
    )?;
    Ok(())
}

pub(crate) fn mark_uploaded(
    w: &Write<'_>,
    stop_id: &str,
    receipt: &Receipt,
    now: i64,
) -> Result<()> {
    w.execute(
        "UPDATE pod_capture SET state = 'uploaded', receipt_json = ?2, settled_at_ms = ?3,
             updated_at_ms = max(?3, updated_at_ms + 1), last_error = NULL
         WHERE stop_id = ?1 AND state = 'sealed'",
        params![stop_id, json(receipt)?, now],
    )?;
    Ok(())
}

/// Refused for good. The seal's place in the chain is given up (`seal_sequence` cleared:
/// the server never accepted it), the seal itself is kept with the record.
pub(crate) fn mark_rejected(
    w: &Write<'_>,
    stop_id: &str,
    code: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    w.execute(
        "UPDATE pod_capture SET state = 'rejected', seal_sequence = NULL, reject_code = ?2,
             reject_reason = ?3, settled_at_ms = ?4, updated_at_ms = max(?4, updated_at_ms + 1)
         WHERE stop_id = ?1 AND state = 'sealed'",
        params![stop_id, code, reason, now],
    )?;
    Ok(())
}

pub(crate) fn note_failure(w: &Write<'_>, stop_id: &str, error: &str) -> Result<()> {
    w.execute(
        "UPDATE pod_capture SET attempts = attempts + 1, last_error = ?2 WHERE stop_id = ?1",
        params![stop_id, error],
    )?;
    Ok(())
}

/// Sealed proofs waiting for upload, in chain order.
pub(crate) fn queue(r: &Read<'_>) -> Result<Vec<String>> {
    Ok(r
        .prepare_cached(
            "SELECT stop_id FROM pod_capture WHERE state = 'sealed' ORDER BY seal_sequence, sealed_at_ms",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The last seal this account's database holds for a device key.
pub(crate) fn chain_head(r: &Read<'_>, device_public_key: &str) -> Result<Option<ChainHead>> {
    let seal: Option<String> = r
        .prepare_cached(
            "SELECT seal_json FROM pod_capture WHERE device_public_key = ?1 AND seal_sequence IS NOT NULL
             ORDER BY seal_sequence DESC LIMIT 1",
        )?
        .query_row([device_public_key], |row| row.get(0))
        .optional()?;
    let Some(seal) = seal else { return Ok(None) };
    let seal: Seal = parse("seal", &seal)?;
    Ok(Some(ChainHead {
        sequence: seal.sequence,
        seal_sha256: parse_sha256(&seal.seal_sha256)
            .ok_or_else(|| Error::Storage("stored seal has a malformed hash".into()))?,
    }))
}

/// Every capture's state, by stop id.
pub(crate) fn statuses(r: &Read<'_>) -> Result<Vec<StopProofStatus>> {
    let ids: Vec<String> = r
        .prepare_cached("SELECT stop_id FROM pod_capture ORDER BY stop_id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = capture(r, &id)? {
            out.push(StopProofStatus {
                stop_id: c.stop_id.clone(),
                proof_id: c.proof_id.clone(),
                state: c.state(),
                last_error: c.last_error.clone(),
            });
        }
    }
    Ok(out)
}

impl Capture {
    pub(crate) fn state(&self) -> ProofState {
        match self.state.as_str() {
            "sealed" => match &self.seal {
                Some(seal) => ProofState::Sealed {
                    sequence: seal.sequence,
                    seal_sha256: seal.seal_sha256.clone(),
                },
                None => ProofState::Draft,
            },
            "uploaded" => match &self.receipt {
                Some(receipt) => ProofState::Uploaded {
                    receipt: receipt.clone(),
                },
                None => ProofState::Draft,
            },
            "rejected" => ProofState::Rejected {
                code: self.reject_code.clone().unwrap_or_default(),
                reason: self.reject_reason.clone().unwrap_or_default(),
            },
            _ => ProofState::Draft,
        }
    }

    /// The record these steps make, sealed at `captured_at_ms` (`None` without an outcome).
    pub(crate) fn record(&self, captured_at_ms: i64) -> Option<ProofOfDelivery> {
        Some(ProofOfDelivery {
            id: self.proof_id.clone(),
            route_id: self.route_id.clone(),
            stop_id: self.stop_id.clone(),
            outcome: self.draft.outcome.clone()?,
            recipient_name: self.draft.recipient_name.clone(),
            signature: self.draft.signature.clone(),
            photos: self.photos.iter().map(|(p, _)| p.clone()).collect(),
            scanned_items: self.draft.scanned_items.clone(),
            fix: self.draft.fix,
            geofence_override: self.draft.geofence_override.clone(),
            pin: self.draft.pin.clone(),
            notes: self.draft.notes.clone(),
            captured_at_ms,
        })
    }

    /// What the stop's policy still requires (record field names).
    pub(crate) fn missing(&self) -> Vec<String> {
        let mut missing = Vec::new();
        let Some(outcome) = &self.draft.outcome else {
            return vec!["record.outcome".into()];
        };
        if !outcome.handed_over() {
            return missing;
        }
        let policy = &self.stop.policy;
        if self.photos.len() < usize::from(policy.photos_required) {
            missing.push("record.photos".into());
        }
        if policy.signature_required && self.draft.signature.is_none() {
            missing.push("record.signature".into());
        }
        if policy.recipient_name_required && self.draft.recipient_name.is_none() {
            missing.push("record.recipient_name".into());
        }
        if policy.item_scan_required && self.draft.scanned_items.is_empty() {
            missing.push("record.scanned_items".into());
        }
        if policy.pin_required && self.draft.pin.is_none() {
            missing.push("record.pin".into());
        }
        missing
    }

    /// The view the app sees.
    pub(crate) fn view(&self) -> DeliveryCapture {
        // A sealed proof shows what was sealed.
        let (outcome, recipient_name, signature, scanned_items, fix, geofence_override, pin, notes) =
            match &self.record {
                Some(r) => (
                    Some(r.outcome.clone()),
                    r.recipient_name.clone(),
                    r.signature.clone(),
                    r.scanned_items.clone(),
                    r.fix,
                    r.geofence_override.clone(),
                    r.pin.is_some(),
                    r.notes.clone(),
                ),
                None => (
                    self.draft.outcome.clone(),
                    self.draft.recipient_name.clone(),
                    self.draft.signature.clone(),
                    self.draft.scanned_items.clone(),
                    self.draft.fix,
                    self.draft.geofence_override.clone(),
                    self.draft.pin.is_some(),
                    self.draft.notes.clone(),
                ),
            };
        // As the server reconciles (its review flags): a partial outcome lowers each listed
        // line to its delivered quantity and unlisted lines to zero.
        let discrepancies = match &outcome {
            Some(o) if o.handed_over() && !scanned_items.is_empty() => {
                let expected: Vec<_> = self
                    .stop
                    .items
                    .iter()
                    .map(|e| companion_wire::deliveries::ExpectedItem {
                        quantity: match o {
                            DeliveryOutcome::Partial { lines } => lines
                                .iter()
                                .filter(|l| l.line_id == e.line_id)
                                .map(|l| l.delivered)
                                .sum(),
                            _ => e.quantity,
                        },
                        ..e.clone()
                    })
                    .collect();
                reconcile(&expected, &scanned_items)
            }
            _ => Vec::new(),
        };
        DeliveryCapture {
            stop_id: self.stop_id.clone(),
            route_id: self.route_id.clone(),
            proof_id: self.proof_id.clone(),
            state: self.state(),
            geofence: assess(self.stop.address.point, &self.stop.policy, fix.as_ref()),
            missing: if self.state == "draft" {
                self.missing()
            } else {
                Vec::new()
            },
            photos: match &self.record {
                Some(r) => r.photos.clone(),
                None => self.photos.iter().map(|(p, _)| p.clone()).collect(),
            },
            outcome,
            recipient_name,
            signature,
            scanned_items,
            discrepancies,
            fix,
            geofence_override,
            pin_entered: pin,
            notes,
            started_at_ms: self.started_at_ms,
            updated_at_ms: self.updated_at_ms,
        }
    }
}
