//! The deliveries component of a signed-in account (`companion.deliveries()`): the driver's
//! routes kept offline, the capture of a stop's proof step by step (each step one
//! transaction, so a killed app resumes where it was), the seal, and the upload queue.
//!
//! Photos and signature images are kept as sealed files (AES-256-GCM, the account's file
//! key) named by the SHA-256 of their bytes, under `<account dir>/pod/`. The location only
//! ever comes in as a `LocationFix` record the shell passes: the core never asks for it.

use std::path::PathBuf;
use std::sync::Arc;

use companion_wire::deliveries::{
    self as wire, DeliveryOutcome, GeofenceOverride, ItemScan, LocationFix, MAX_ID_LEN, MAX_LINES,
    MAX_PHOTOS, MAX_PIN_LEN, MAX_TEXT_LEN, Route, RoutesResponse, SealHeader, SignatureOutcome,
    Stop, StopStatus,
};

use super::model::{DeliveriesStatus, DeliveryCapture, ProofState, SignatureCapture};
use super::photo::{PhotoOptions, process_photo};
use super::records::{self, Capture, Draft};
use super::signature::{RenderOptions, signed};
use super::signer::{self, SharedSigner};
use crate::context::AccountContext;
use crate::error::{Error, Result};
use crate::events::{Topic, TopicUpdates};
use crate::keys::FileKey;
use crate::platform::SecureStorage;
use crate::sealed::{read_sealed, write_sealed};
use crate::time::now_millis;

/// A fix whose time is further ahead of the phone's clock than this is refused.
pub const MAX_FIX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;
/// A fix older than this (monotonic age) is refused: take a new one. Younger stale fixes
/// are kept and judged `unknown` (stale) by the geofence rule.
pub const MAX_FIX_AGE_MS: u64 = 60 * 60 * 1000;

/// The deliveries component of a signed-in account.
pub struct Deliveries {
    pub(super) ctx: AccountContext,
    pub(super) storage: Arc<dyn SecureStorage>,
    pub(super) file_key: Arc<FileKey>,
    /// The device key: signs when the caller passes no signer.
    pub(super) device: SharedSigner,
    pub(super) status: Topic<DeliveriesStatus>,
    /// One seal at a time: each takes the next place in the device's chain.
    pub(super) seal_lock: tokio::sync::Mutex<()>,
    /// One upload run at a time: proofs go in chain order.
    pub(super) upload_lock: tokio::sync::Mutex<()>,
    /// Wakes the auto-upload loop when a proof is sealed.
    pub(super) queued: tokio::sync::Notify,
    photo_options: PhotoOptions,
}

fn check_text(field: &str, s: &str, max: usize) -> Result<()> {
    let n = s.chars().count();
    if n == 0 || n > max || s.trim().is_empty() {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// Trims optional free text; blank becomes `None`.
fn optional_text(field: &str, s: Option<String>, max: usize) -> Result<Option<String>> {
    match s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        Some(s) => {
            check_text(field, &s, max)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

/// The checks a fix must pass before it goes into a proof (see the module constants).
pub fn check_fix(fix: &LocationFix, now_ms: i64) -> Result<()> {
    if !fix.point.is_valid() {
        return Err(Error::invalid(
            "fix.point",
            "coordinates out of range (latitude ±90°, longitude ±180°)",
        ));
    }
    if fix.accuracy_cm == 0 {
        return Err(Error::invalid(
            "fix.accuracy_cm",
            "must be positive: a fix without an accuracy cannot be judged",
        ));
    }
    if fix.fix_time_ms <= 0 {
        return Err(Error::invalid(
            "fix.fix_time_ms",
            "must be a time after 1970",
        ));
    }
    if fix.fix_time_ms > now_ms.saturating_add(MAX_FIX_CLOCK_AHEAD_MS) {
        return Err(Error::invalid(
            "fix.fix_time_ms",
            "the fix is from the future (more than 5 minutes ahead of the phone's clock)",
        ));
    }
    if fix.age_ms > MAX_FIX_AGE_MS {
        return Err(Error::invalid(
            "fix.age_ms",
            "the fix is more than an hour old: take a new one (or capture without a fix)",
        ));
    }
    Ok(())
}

/// A point from degrees, refusing NaN, infinities and out-of-range values (what a shell
/// should use instead of its own `(lat * 1e7).toInt()`, which turns NaN into 0).
pub fn point_from_degrees(lat: f64, lon: f64) -> Result<wire::GeoPoint> {
    wire::GeoPoint::from_degrees(lat, lon).ok_or_else(|| {
        Error::invalid(
            "fix.point",
            format!("not a position: latitude {lat}, longitude {lon}"),
        )
    })
}

fn invalid_proof(e: wire::InvalidProof) -> Error {
    Error::InvalidInput {
        field: e.field,
        reason: e.message,
    }
}

impl Deliveries {
    pub(crate) fn new(
        ctx: AccountContext,
        storage: Arc<dyn SecureStorage>,
        device: SharedSigner,
    ) -> Result<Arc<Self>> {
        let file_key = Arc::new(crate::keys::account_file_key(
            storage.as_ref(),
            &ctx.account.id,
        )?);
        let stops = ctx.store.read(records::statuses)?;
        let queued = stops
            .iter()
            .filter(|s| matches!(s.state, ProofState::Sealed { .. }))
            .count() as u32;
        Ok(Arc::new(Deliveries {
            ctx,
            storage,
            file_key,
            device,
            status: Topic::new(DeliveriesStatus {
                stops,
                queued,
                uploading: false,
            }),
            seal_lock: tokio::sync::Mutex::new(()),
            upload_lock: tokio::sync::Mutex::new(()),
            queued: tokio::sync::Notify::new(),
            photo_options: PhotoOptions::default(),
        }))
    }

    fn pod_dir(&self) -> PathBuf {
        self.ctx.dir.join("pod")
    }

    pub(super) fn photo_path(&self, sha256: &str) -> PathBuf {
        self.pod_dir()
            .join("photos")
            .join(format!("{sha256}.jpg.sealed"))
    }

    pub(super) fn signature_path(&self, sha256: &str) -> PathBuf {
        self.pod_dir()
            .join("signatures")
            .join(format!("{sha256}.png.sealed"))
    }

    /// Reads a kept photo or signature image and checks it against its hash.
    pub(super) async fn read_kept(&self, path: PathBuf, sha256: &str) -> Result<Vec<u8>> {
        let key = self.file_key.clone();
        let sha = sha256.to_string();
        tokio::task::spawn_blocking(move || {
            let bytes = read_sealed(&path, &key)?;
            if wire::sha256_hex(&bytes) != sha {
                return Err(Error::CorruptFile {
                    path: path.display().to_string(),
                    detail: "the kept bytes do not match their hash".into(),
                });
            }
            Ok(bytes)
        })
        .await?
    }

    /// Downloads the driver's routes and keeps them on the phone (replacing the previous
    /// copy in one transaction). Captures already started keep the stop as it was.
    pub async fn download_routes(&self) -> Result<Vec<Route>> {
        let answer: RoutesResponse = self.ctx.api.get(wire::ROUTES_PATH).await?;
        let routes = answer.routes;
        let stored = routes.clone();
        self.ctx
            .store
            .write_blocking(move |w| records::replace_routes(w, &stored, now_millis()))
            .await?;
        tracing::info!(routes = routes.len(), "delivery routes downloaded");
        Ok(routes)
    }

    /// The routes on the phone (offline).
    pub async fn routes(&self) -> Result<Vec<Route>> {
        self.ctx.store.read_blocking(records::routes).await
    }

    /// One stop of the routes on the phone.
    pub async fn stop(&self, stop_id: &str) -> Result<Stop> {
        let id = stop_id.to_string();
        self.ctx
            .store
            .read_blocking(move |r| {
                records::stop(r, &id)?
                    .map(|(_, s)| s)
                    .ok_or_else(|| Error::NotFound(format!("stop {id} is not on your routes")))
            })
            .await
    }

    /// Starts capturing the proof of a stop, or returns the capture already started (a
    /// restarted app resumes it). `NotFound` for a stop that is not on the driver's
    /// downloaded routes; `Conflict` for a stop already completed.
    pub async fn start_capture(&self, stop_id: &str) -> Result<DeliveryCapture> {
        let id = stop_id.to_string();
        let view = self
            .ctx
            .store
            .write_blocking(move |w| {
                if let Some(existing) = records::capture(w, &id)? {
                    return Ok(existing.view());
                }
                let Some((route_id, stop)) = records::stop(w, &id)? else {
                    return Err(if records::has_routes(w)? {
                        Error::NotFound(format!("stop {id} is not assigned to you"))
                    } else {
                        Error::NotFound(format!(
                            "stop {id} is not on this phone: download your routes first"
                        ))
                    });
                };
                if stop.status == StopStatus::Completed {
                    return Err(Error::Conflict(format!(
                        "stop {id} is already completed: a proof was accepted for it"
                    )));
                }
                let now = now_millis();
                let proof_id = uuid::Uuid::new_v4().to_string();
                records::insert(w, &route_id, &stop, &proof_id, now)?;
                Ok(records::existing(w, &id)?.view())
            })
            .await?;
        self.refresh_status().await;
        Ok(view)
    }

    /// The capture of a stop as saved.
    pub async fn capture(&self, stop_id: &str) -> Result<DeliveryCapture> {
        let id = stop_id.to_string();
        self.ctx
            .store
            .read_blocking(move |r| Ok(records::existing(r, &id)?.view()))
            .await
    }

    /// Every capture on the phone, drafts to receipts.
    pub async fn captures(&self) -> Result<Vec<DeliveryCapture>> {
        self.ctx
            .store
            .read_blocking(|r| {
                let ids: Vec<String> = records::statuses(r)?
                    .into_iter()
                    .map(|s| s.stop_id)
                    .collect();
                ids.iter()
                    .map(|id| Ok(records::existing(r, id)?.view()))
                    .collect()
            })
            .await
    }

    /// One capture step: `change` edits the draft in the same transaction that saves it.
    async fn edit(
        &self,
        stop_id: &str,
        change: impl FnOnce(&Capture, &mut Draft) -> Result<()> + Send + 'static,
    ) -> Result<DeliveryCapture> {
        let id = stop_id.to_string();
        self.ctx
            .store
            .write_blocking(move |w| {
                let capture = records::existing(w, &id)?;
                if capture.state != "draft" {
                    return Err(Error::Conflict(format!(
                        "the proof of stop {id} is sealed; it can no longer change"
                    )));
                }
                let mut draft = capture.draft.clone();
                change(&capture, &mut draft)?;
                records::save_draft(w, &id, &draft, now_millis())?;
                Ok(records::existing(w, &id)?.view())
            })
            .await
    }

    /// Sets the location fix the shell obtained (`None`: no fix; the verdict is then
    /// `unknown`). Refused: coordinates out of range, accuracy 0, a fix time in the future,
    /// a fix more than an hour old.
    pub async fn set_fix(
        &self,
        stop_id: &str,
        fix: Option<LocationFix>,
    ) -> Result<DeliveryCapture> {
        if let Some(fix) = &fix {
            check_fix(fix, now_millis())?;
        }
        self.edit(stop_id, move |_, d| {
            d.fix = fix;
            Ok(())
        })
        .await
    }

    /// Keeps a photo from the camera: the JPEG is checked, made upright, downscaled, its
    /// metadata (EXIF with GPS, XMP, ...) removed, and the kept bytes sealed to disk under
    /// their SHA-256. Adding the same photo again changes nothing. `InvalidInput` (field
    /// `photo`) for anything but a sound JPEG.
    pub async fn add_photo(&self, stop_id: &str, jpeg: Vec<u8>) -> Result<DeliveryCapture> {
        let before = self.capture(stop_id).await?;
        if before.state != ProofState::Draft {
            return Err(Error::Conflict(format!(
                "the proof of stop {stop_id} is sealed; it can no longer change"
            )));
        }
        if before.photos.len() >= MAX_PHOTOS {
            return Err(Error::invalid(
                "photo",
                format!("at most {MAX_PHOTOS} photos per proof"),
            ));
        }
        let options = self.photo_options;
        let key = self.file_key.clone();
        let dir = self.pod_dir().join("photos");
        let photo = tokio::task::spawn_blocking(move || {
            let kept = process_photo(&jpeg, &options)
                .map_err(|e| Error::invalid("photo", e.to_string()))?;
            drop(jpeg);
            let path = dir.join(format!("{}.jpg.sealed", kept.sha256));
            if !path.exists() {
                write_sealed(&path, &key, &kept.jpeg)?;
            }
            Ok::<_, Error>(kept.photo_ref())
        })
        .await??;
        let id = stop_id.to_string();
        let view = self
            .ctx
            .store
            .write_blocking(move |w| {
                let capture = records::existing(w, &id)?;
                if capture.state != "draft" {
                    return Err(Error::Conflict(format!(
                        "the proof of stop {id} is sealed; it can no longer change"
                    )));
                }
                if !capture.photos.iter().any(|(p, _)| p.sha256 == photo.sha256) {
                    if capture.photos.len() >= MAX_PHOTOS {
                        return Err(Error::invalid(
                            "photo",
                            format!("at most {MAX_PHOTOS} photos per proof"),
                        ));
                    }
                    records::add_photo(w, &id, &photo)?;
                    records::save_draft(w, &id, &capture.draft, now_millis())?;
                }
                Ok(records::existing(w, &id)?.view())
            })
            .await?;
        Ok(view)
    }

    /// Removes a photo from a draft (its sealed file goes unless another capture keeps it).
    pub async fn remove_photo(&self, stop_id: &str, sha256: &str) -> Result<DeliveryCapture> {
        let (id, sha) = (stop_id.to_string(), sha256.to_string());
        let (view, orphan) = self
            .ctx
            .store
            .write_blocking(move |w| {
                let capture = records::existing(w, &id)?;
                if capture.state != "draft" {
                    return Err(Error::Conflict(format!(
                        "the proof of stop {id} is sealed; it can no longer change"
                    )));
                }
                if !records::remove_photo(w, &id, &sha)? {
                    return Err(Error::NotFound(format!("photo {sha} is not in this proof")));
                }
                records::save_draft(w, &id, &capture.draft, now_millis())?;
                let orphan = !records::photo_needed_elsewhere(w, &id, &sha)?;
                Ok((records::existing(w, &id)?.view(), orphan.then_some(sha)))
            })
            .await?;
        if let Some(sha) = orphan {
            let _ = std::fs::remove_file(self.photo_path(&sha));
        }
        Ok(view)
    }

    /// Records the signature: strokes are checked (`InvalidInput` field `signature` for an
    /// empty pad or a single tap) and rendered to a PNG kept as a sealed file; or the
    /// recipient refused or was unable to sign.
    pub async fn set_signature(
        &self,
        stop_id: &str,
        signature: SignatureCapture,
    ) -> Result<DeliveryCapture> {
        let outcome = match signature {
            SignatureCapture::Signed { strokes } => {
                let key = self.file_key.clone();
                let dir = self.pod_dir().join("signatures");
                tokio::task::spawn_blocking(move || {
                    let (outcome, png) = signed(strokes, &RenderOptions::default())
                        .map_err(|e| Error::invalid("signature", e.to_string()))?;
                    let path = dir.join(format!("{}.png.sealed", png.sha256));
                    if !path.exists() {
                        write_sealed(&path, &key, &png.png)?;
                    }
                    Ok::<_, Error>(outcome)
                })
                .await??
            }
            SignatureCapture::RefusedToSign { note } => SignatureOutcome::RefusedToSign {
                note: optional_text("signature.note", note, MAX_TEXT_LEN)?,
            },
            SignatureCapture::UnableToSign { reason } => {
                let reason = reason.trim().to_string();
                check_text("signature.reason", &reason, MAX_TEXT_LEN)?;
                SignatureOutcome::UnableToSign { reason }
            }
        };
        self.edit(stop_id, move |_, d| {
            d.signature = Some(outcome);
            Ok(())
        })
        .await
    }

    /// Clears the signature step.
    pub async fn clear_signature(&self, stop_id: &str) -> Result<DeliveryCapture> {
        self.edit(stop_id, |_, d| {
            d.signature = None;
            Ok(())
        })
        .await
    }

    /// The name of who took the goods (blank clears it).
    pub async fn set_recipient(
        &self,
        stop_id: &str,
        name: Option<String>,
    ) -> Result<DeliveryCapture> {
        let name = optional_text("recipient_name", name, MAX_TEXT_LEN)?;
        self.edit(stop_id, move |_, d| {
            d.recipient_name = name;
            Ok(())
        })
        .await
    }

    /// What happened at the stop. A partial outcome names lines of the stop's manifest.
    pub async fn set_outcome(
        &self,
        stop_id: &str,
        outcome: DeliveryOutcome,
    ) -> Result<DeliveryCapture> {
        let outcome = match outcome {
            DeliveryOutcome::Refused { reason } => {
                let reason = reason.trim().to_string();
                check_text("outcome.reason", &reason, MAX_TEXT_LEN)?;
                DeliveryOutcome::Refused { reason }
            }
            DeliveryOutcome::NotDelivered { reason } => {
                let reason = reason.trim().to_string();
                check_text("outcome.reason", &reason, MAX_TEXT_LEN)?;
                DeliveryOutcome::NotDelivered { reason }
            }
            other => other,
        };
        self.edit(stop_id, move |c, d| {
            if let DeliveryOutcome::Partial { lines } = &outcome {
                if lines.is_empty() || lines.len() > MAX_LINES {
                    return Err(Error::invalid(
                        "outcome.lines",
                        "a partial delivery lists the lines handed over",
                    ));
                }
                for l in lines {
                    if !c.stop.items.iter().any(|e| e.line_id == l.line_id) {
                        return Err(Error::invalid(
                            "outcome.lines",
                            format!("{} is not a line of this stop", l.line_id),
                        ));
                    }
                    if !(0..=1_000_000).contains(&l.delivered) {
                        return Err(Error::invalid(
                            "outcome.lines",
                            "quantities are 0 to 1000000",
                        ));
                    }
                }
            }
            d.outcome = Some(outcome);
            Ok(())
        })
        .await
    }

    /// Adds an item scanned at the stop, or typed in (then `manual_reason` says why). The
    /// capture's `discrepancies` reconcile the items with the manifest.
    pub async fn add_item(&self, stop_id: &str, item: ItemScan) -> Result<DeliveryCapture> {
        let gtin = item.gtin.trim().to_string();
        if gtin.is_empty() || gtin.len() > MAX_ID_LEN || !gtin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("item.gtin", "must be 1 to 64 digits"));
        }
        if !(1..=1_000_000).contains(&item.quantity) {
            return Err(Error::invalid("item.quantity", "must be 1 to 1000000"));
        }
        let item = ItemScan {
            gtin,
            lot: optional_text("item.lot", item.lot, MAX_ID_LEN)?,
            quantity: item.quantity,
            manual_reason: optional_text("item.manual_reason", item.manual_reason, MAX_TEXT_LEN)?,
        };
        self.edit(stop_id, move |_, d| {
            if d.scanned_items.len() >= MAX_LINES {
                return Err(Error::invalid("item", format!("at most {MAX_LINES} items")));
            }
            d.scanned_items.push(item);
            Ok(())
        })
        .await
    }

    /// Removes the item at `index` of the capture's `scanned_items`.
    pub async fn remove_item(&self, stop_id: &str, index: u32) -> Result<DeliveryCapture> {
        self.edit(stop_id, move |_, d| {
            let i = index as usize;
            if i >= d.scanned_items.len() {
                return Err(Error::invalid("index", "no item at this position"));
            }
            d.scanned_items.remove(i);
            Ok(())
        })
        .await
    }

    /// Overrides the geofence verdict with a mandatory reason (`None` withdraws it). The
    /// verdict itself never changes; the override is flagged for review.
    pub async fn set_geofence_override(
        &self,
        stop_id: &str,
        reason: Option<String>,
    ) -> Result<DeliveryCapture> {
        let over = match reason {
            Some(reason) => {
                let reason = reason.trim().to_string();
                check_text("geofence_override.reason", &reason, MAX_TEXT_LEN)?;
                Some(GeofenceOverride { reason })
            }
            None => None,
        };
        self.edit(stop_id, move |_, d| {
            d.geofence_override = over;
            Ok(())
        })
        .await
    }

    /// The PIN the customer gave (compared by the server only).
    pub async fn set_pin(&self, stop_id: &str, pin: Option<String>) -> Result<DeliveryCapture> {
        let pin = optional_text("pin", pin, MAX_PIN_LEN)?;
        self.edit(stop_id, move |_, d| {
            d.pin = pin;
            Ok(())
        })
        .await
    }

    pub async fn set_notes(&self, stop_id: &str, notes: Option<String>) -> Result<DeliveryCapture> {
        let notes = optional_text("notes", notes, MAX_TEXT_LEN)?;
        self.edit(stop_id, move |_, d| {
            d.notes = notes;
            Ok(())
        })
        .await
    }

    /// Drops a capture that is still a draft (started on the wrong stop). Sealed proofs are
    /// never dropped.
    pub async fn discard_capture(&self, stop_id: &str) -> Result<()> {
        let id = stop_id.to_string();
        let orphans = self
            .ctx
            .store
            .write_blocking(move |w| {
                let capture = records::existing(w, &id)?;
                if capture.state != "draft" {
                    return Err(Error::Conflict(format!(
                        "the proof of stop {id} is sealed; it is kept until the server's receipt"
                    )));
                }
                let mut orphans = Vec::new();
                for (p, _) in &capture.photos {
                    if !records::photo_needed_elsewhere(w, &id, &p.sha256)? {
                        orphans.push(p.sha256.clone());
                    }
                }
                w.execute("DELETE FROM pod_capture WHERE stop_id = ?1", [&id])?;
                Ok(orphans)
            })
            .await?;
        for sha in orphans {
            let _ = std::fs::remove_file(self.photo_path(&sha));
        }
        self.refresh_status().await;
        Ok(())
    }

    /// Seals the proof: checks it against the protocol's shape rules and the stop's policy
    /// (`InvalidInput` naming the record field), encodes it canonically, has `signer` (the
    /// device key when `None`) sign it as the next link of the key's chain, and saves the
    /// seal and the new chain head before anything is sent. Sealing a sealed proof returns
    /// it unchanged.
    pub async fn seal(
        &self,
        stop_id: &str,
        signer: Option<SharedSigner>,
    ) -> Result<DeliveryCapture> {
        let _one_at_a_time = self.seal_lock.lock().await;
        let id = stop_id.to_string();
        let capture = self
            .ctx
            .store
            .read_blocking(move |r| records::existing(r, &id))
            .await?;
        if capture.state != "draft" {
            return Ok(capture.view());
        }
        let record = capture
            .record(now_millis())
            .ok_or_else(|| Error::invalid("record.outcome", "choose an outcome first"))?;
        wire::validate_shape(&record).map_err(invalid_proof)?;
        wire::check_policy(&record, &capture.stop).map_err(invalid_proof)?;
        if let Some(SignatureOutcome::Signed { png_sha256, .. }) = &record.signature
            && !self.signature_path(png_sha256).exists()
        {
            return Err(Error::Storage(
                "the signature image is missing on the phone: capture the signature again".into(),
            ));
        }
        for p in &record.photos {
            if !self.photo_path(&p.sha256).exists() {
                return Err(Error::Storage(format!(
                    "photo {} is missing on the phone: remove it and take it again",
                    p.sha256
                )));
            }
        }
        let signer = signer.unwrap_or_else(|| self.device.clone());
        let key = signer::public_key_b64(signer.as_ref());
        let stored = signer::stored_head(self.storage.as_ref(), &key)?;
        let db_key = key.clone();
        let in_db = self
            .ctx
            .store
            .read_blocking(move |r| records::chain_head(r, &db_key))
            .await?;
        let head = signer::later(stored, in_db);
        let seal = {
            let record = record.clone();
            tokio::task::spawn_blocking(move || {
                let seal = wire::seal_record(&record, head, signer.as_ref()).map_err(|e| {
                    Error::Platform {
                        service: "proof signer",
                        reason: e.0,
                    }
                })?;
                // A signer that returns garbage must not cost a place in the chain.
                let header = SealHeader {
                    device_public_key: seal.device_public_key.clone(),
                    sequence: seal.sequence,
                    prev_seal_sha256: seal.prev_seal_sha256.clone(),
                };
                let bytes = wire::canonical_bytes(&record, &header).map_err(invalid_proof)?;
                let signature = base64_decode(&seal.signature);
                if !crate::device::verify_signature(&seal.device_public_key, &bytes, &signature) {
                    return Err(Error::Platform {
                        service: "proof signer",
                        reason: "the signature does not verify with the signer's public key".into(),
                    });
                }
                Ok::<_, Error>(seal)
            })
            .await??
        };
        let id = stop_id.to_string();
        let (sealed_record, sealed) = (record.clone(), seal.clone());
        let view = self
            .ctx
            .store
            .write_blocking(move |w| {
                records::mark_sealed(w, &id, &sealed_record, &sealed, now_millis())?;
                Ok(records::existing(w, &id)?.view())
            })
            .await?;
        // After the database: a kill in between leaves the head in the database, and the
        // next seal takes the later of the two.
        if let Some(head) = seal.chain_head()
            && let Err(e) = signer::store_head(self.storage.as_ref(), &key, head)
        {
            tracing::warn!(error = %e, "seal chain head not saved to secure storage; the account database has it");
        }
        tracing::info!(stop = %stop_id, sequence = seal.sequence, "proof sealed");
        self.refresh_status().await;
        self.queued.notify_one();
        Ok(view)
    }

    /// The status now, then every change: each stop's proof state (with upload progress),
    /// the queue length.
    pub fn status_updates(&self) -> TopicUpdates<DeliveriesStatus> {
        self.status.subscribe()
    }

    pub fn status(&self) -> DeliveriesStatus {
        self.status.current()
    }

    /// Re-reads every capture's state into the status topic.
    pub(super) async fn refresh_status(&self) {
        match self.ctx.store.read_blocking(records::statuses).await {
            Ok(stops) => self.status.update(|s| {
                let queued = stops
                    .iter()
                    .filter(|s| matches!(s.state, ProofState::Sealed { .. }))
                    .count() as u32;
                let changed = s.stops != stops || s.queued != queued;
                s.stops = stops;
                s.queued = queued;
                changed
            }),
            Err(e) => tracing::warn!(error = %e, "cannot read the proofs' states"),
        }
    }

    /// Shows upload progress of one stop in the status (not persisted).
    pub(super) fn show_progress(&self, stop_id: &str, done: u32, total: u32) {
        self.status.update(|s| {
            let mut changed = false;
            for stop in s.stops.iter_mut().filter(|x| x.stop_id == stop_id) {
                stop.state = ProofState::Uploading { done, total };
                changed = true;
            }
            changed
        });
    }

    pub(super) fn set_uploading(&self, uploading: bool) {
        self.status.update(|s| {
            let changed = s.uploading != uploading;
            s.uploading = uploading;
            changed
        });
    }

    /// Reads the kept signature image of a signed proof (for submission).
    pub(super) async fn signature_png(
        &self,
        record: &wire::ProofOfDelivery,
    ) -> Result<Option<Vec<u8>>> {
        match &record.signature {
            Some(SignatureOutcome::Signed { png_sha256, .. }) => Ok(Some(
                self.read_kept(self.signature_path(png_sha256), png_sha256)
                    .await?,
            )),
            _ => Ok(None),
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use companion_wire::deliveries::{GeoPoint, LocationAuthorization, LocationProvider, TriState};

    fn fix() -> LocationFix {
        LocationFix {
            point: GeoPoint {
                lat_e7: 519_225_100,
                lon_e7: 44_879_300,
            },
            accuracy_cm: 500,
            fix_time_ms: 1_800_000_000_000,
            age_ms: 1_000,
            provider: LocationProvider::Fused,
            mock: TriState::No,
            simulated_by_software: TriState::Unknown,
            from_accessory: TriState::Unknown,
            authorization: LocationAuthorization::Precise,
        }
    }

    fn field(r: Result<()>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn fixes_are_checked_at_their_edges() {
        let now = 1_800_000_001_000;
        assert!(check_fix(&fix(), now).is_ok());
        let mut f = fix();
        f.fix_time_ms = now + MAX_FIX_CLOCK_AHEAD_MS;
        assert!(check_fix(&f, now).is_ok(), "exactly at the tolerance");
        f.fix_time_ms += 1;
        assert_eq!(field(check_fix(&f, now)), "fix.fix_time_ms");
        let mut f = fix();
        f.age_ms = MAX_FIX_AGE_MS;
        assert!(check_fix(&f, now).is_ok());
        f.age_ms += 1;
        assert_eq!(field(check_fix(&f, now)), "fix.age_ms");
        let mut f = fix();
        f.accuracy_cm = 0;
        assert_eq!(field(check_fix(&f, now)), "fix.accuracy_cm");
        let mut f = fix();
        f.point.lon_e7 = 1_800_000_001;
        assert_eq!(field(check_fix(&f, now)), "fix.point");
        let mut f = fix();
        f.fix_time_ms = 0;
        assert_eq!(field(check_fix(&f, now)), "fix.fix_time_ms");
        assert!(point_from_degrees(f64::NAN, 0.0).is_err());
        assert!(point_from_degrees(-90.0, 180.0).is_ok());
    }
}
