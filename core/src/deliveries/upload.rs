//! The upload queue: sealed proofs go to the server exactly once, in the order of the
//! device's chain. For each proof, its photos first, by hash and in 1 MiB parts (the
//! server says which parts it holds, so an interrupted upload resumes at the first missing
//! one), then the proof itself. Every step is idempotent on the server (photos by hash,
//! the proof by its id), so a retry after a lost answer or a killed app repeats nothing
//! that matters. A proof leaves the queue only with the server's receipt, verified
//! against the server key this phone pinned, or with a refusal no retry can fix.

use std::time::Duration;

use base64::Engine;
use companion_wire::ErrorBody;
use companion_wire::deliveries::{
    self as wire, ChainHead, PHOTOS_PATH, PROOFS_PATH, PhotoUploadStatus, ProofSubmission, Receipt,
    part_count, part_len,
};

use super::component::Deliveries;
use super::model::UploadReport;
use super::records::{self, Capture};
use super::signer;
use crate::error::{Error, Result};
use crate::inventory::AutoSyncSchedule;
use crate::time::now_millis;

/// The account database's `meta` entry holding the server's receipt key, pinned at the
/// first verified receipt.
const SERVER_KEY_META: &str = "pod.server_public_key";

/// What became of one proof.
enum Settled {
    Uploaded,
    Rejected,
}

/// Codes of refusals that say the proof itself will never be accepted.
fn is_final_refusal(status: u16, code: &str) -> bool {
    !matches!(
        code,
        "chain_missing_link" | "photo_not_uploaded" | "upload_hash_mismatch"
    ) && (400..500).contains(&status)
}

/// The result of checking a receipt again with the server.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceiptCheck {
    pub receipt: Receipt,
    /// The server's countersignature verifies with the key in the receipt.
    pub countersignature_valid: bool,
    /// The receipt's server key is the one this phone pinned at its first receipt.
    pub server_key_pinned: bool,
    /// The receipt names the seal this phone made for the proof.
    pub matches_seal: bool,
}

impl Deliveries {
    /// Uploads every sealed proof, in chain order: photos by hash in parts (resuming what
    /// the server holds), then the proof; stores each receipt after verifying it. Transient
    /// failures (offline, server busy) stop the run with the error, keeping the rest
    /// queued; a refusal no retry can fix marks that proof `rejected` with the server's
    /// reason and re-links the proofs sealed after it.
    pub async fn upload(&self) -> Result<UploadReport> {
        let _one_run = self.upload_lock.lock().await;
        self.set_uploading(true);
        let result = self.upload_queue().await;
        self.set_uploading(false);
        self.refresh_status().await;
        result
    }

    async fn upload_queue(&self) -> Result<UploadReport> {
        let mut report = UploadReport::default();
        let queue = self.ctx.store.read_blocking(records::queue).await?;
        for stop_id in queue {
            let id = stop_id.clone();
            let capture = self
                .ctx
                .store
                .read_blocking(move |r| records::existing(r, &id))
                .await?;
            if capture.state != "sealed" {
                continue;
            }
            match self.upload_one(&capture, &mut report).await {
                Ok(Settled::Uploaded) => report.uploaded += 1,
                Ok(Settled::Rejected) => {
                    report.rejected += 1;
                    self.relink_after(&capture).await?;
                }
                Err(e) => {
                    let text = e.to_string();
                    let id = stop_id.clone();
                    if let Err(db) = self
                        .ctx
                        .store
                        .write_blocking(move |w| records::note_failure(w, &id, &text))
                        .await
                    {
                        tracing::warn!(error = %db, "cannot record the upload failure");
                    }
                    tracing::info!(stop = %stop_id, error = %e, "proof upload stopped");
                    return Err(e);
                }
            }
            self.refresh_status().await;
        }
        report.queued = self.ctx.store.read_blocking(records::queue).await?.len() as u32;
        Ok(report)
    }

    async fn upload_one(&self, capture: &Capture, report: &mut UploadReport) -> Result<Settled> {
        let (Some(record), Some(seal)) = (&capture.record, &capture.seal) else {
            return Err(Error::Internal("a sealed capture without its seal".into()));
        };
        let signature_png = self.signature_png(record).await?;
        let pending: Vec<_> = capture
            .photos
            .iter()
            .filter(|(_, uploaded)| !uploaded)
            .map(|(p, _)| p.clone())
            .collect();
        let total = pending.iter().map(|p| part_count(p.size)).sum::<u32>() + 1;
        let mut done = 0;
        self.show_progress(&capture.stop_id, done, total);
        for photo in &pending {
            self.upload_photo(
                &photo.sha256,
                photo.size,
                &capture.stop_id,
                &mut done,
                total,
                report,
            )
            .await?;
        }
        let submission = ProofSubmission {
            record: record.clone(),
            seal: seal.clone(),
            signature_png_base64: signature_png
                .map(|png| base64::engine::general_purpose::STANDARD.encode(png)),
        };
        let mut retried_photos = false;
        loop {
            match self
                .ctx
                .api
                .post_refusable::<_, Receipt>(PROOFS_PATH, &submission)
                .await?
            {
                Ok(receipt) => {
                    self.accept(capture, receipt).await?;
                    self.show_progress(&capture.stop_id, total, total);
                    return Ok(Settled::Uploaded);
                }
                Err(refusal) => {
                    let status = refusal.status.as_u16();
                    let body: Option<ErrorBody> = refusal.error_body();
                    let (code, message) = body
                        .map(|b| (b.error.code, b.error.message))
                        .unwrap_or_else(|| ("unknown".into(), format!("HTTP {status}")));
                    if code == "photo_not_uploaded" && !retried_photos {
                        // The server lost (or dropped) a photo it held: send them again.
                        retried_photos = true;
                        for photo in &record.photos {
                            self.upload_photo(
                                &photo.sha256,
                                photo.size,
                                &capture.stop_id,
                                &mut done,
                                total,
                                report,
                            )
                            .await?;
                        }
                        continue;
                    }
                    if is_final_refusal(status, &code) {
                        let (id, c, m) = (capture.stop_id.clone(), code.clone(), message.clone());
                        self.ctx
                            .store
                            .write_blocking(move |w| {
                                records::mark_rejected(w, &id, &c, &m, now_millis())
                            })
                            .await?;
                        tracing::warn!(stop = %capture.stop_id, code = %code, "proof refused by the server");
                        return Ok(Settled::Rejected);
                    }
                    return Err(Error::Conflict(format!("{message} ({code})")));
                }
            }
        }
    }

    /// Sends the parts of one photo the server does not hold yet.
    async fn upload_photo(
        &self,
        sha256: &str,
        size: u64,
        stop_id: &str,
        done: &mut u32,
        total: u32,
        report: &mut UploadReport,
    ) -> Result<()> {
        let status: PhotoUploadStatus =
            self.ctx.api.get(&format!("{PHOTOS_PATH}/{sha256}")).await?;
        let parts = part_count(size);
        if status.complete {
            report.photos_already_held += 1;
        } else {
            let bytes = self.read_kept(self.photo_path(sha256), sha256).await?;
            if bytes.len() as u64 != size {
                return Err(Error::CorruptFile {
                    path: self.photo_path(sha256).display().to_string(),
                    detail: "the kept photo's size does not match its record".into(),
                });
            }
            let held: Vec<u32> = if status.total_size == Some(size) {
                status.received_parts
            } else {
                Vec::new()
            };
            for index in 0..parts {
                if held.contains(&index) {
                    *done += 1;
                    continue;
                }
                let start = u64::from(index) * wire::PHOTO_PART_SIZE;
                let len = part_len(size, index).unwrap_or(0);
                let part = &bytes[start as usize..(start + len) as usize];
                let answer: PhotoUploadStatus = self
                    .ctx
                    .api
                    .post_bytes(
                        &format!("{PHOTOS_PATH}/{sha256}/parts/{index}?total_size={size}"),
                        part,
                    )
                    .await?;
                report.photo_parts_sent += 1;
                *done += 1;
                self.show_progress(stop_id, *done, total);
                if answer.complete {
                    *done += parts - index - 1;
                    break;
                }
            }
        }
        let sha = sha256.to_string();
        self.ctx
            .store
            .write_blocking(move |w| records::mark_photo_uploaded(w, &sha, true))
            .await?;
        self.show_progress(stop_id, (*done).min(total), total);
        Ok(())
    }

    /// Checks the receipt (its countersignature, the pinned server key, the seal it names)
    /// and settles the proof with it; the kept files it no longer needs go.
    async fn accept(&self, capture: &Capture, receipt: Receipt) -> Result<()> {
        let seal = capture
            .seal
            .as_ref()
            .ok_or_else(|| Error::Internal("accepting an unsealed proof".into()))?;
        if receipt.proof_id != capture.proof_id || receipt.seal_sha256 != seal.seal_sha256 {
            return Err(Error::Protocol(
                "the receipt names another proof or seal".into(),
            ));
        }
        let pinned = self.pinned_server_key().await?;
        let key = pinned
            .clone()
            .unwrap_or_else(|| receipt.server_public_key.clone());
        if receipt.server_public_key != key || !wire::verify_receipt(&receipt, &key) {
            return Err(Error::Protocol(
                "the receipt's countersignature does not verify with the server key this phone pinned".into(),
            ));
        }
        let (id, stored) = (capture.stop_id.clone(), receipt.clone());
        self.ctx
            .store
            .write_blocking(move |w| {
                if pinned.is_none() {
                    w.set_meta(SERVER_KEY_META, &key)?;
                }
                records::mark_uploaded(w, &id, &stored, now_millis())
            })
            .await?;
        tracing::info!(stop = %capture.stop_id, verdict = receipt.geofence.as_str(), "proof accepted");
        self.prune_files(capture).await;
        Ok(())
    }

    /// Deletes the sealed files of a settled proof that no unsettled capture needs.
    async fn prune_files(&self, capture: &Capture) {
        for (photo, _) in &capture.photos {
            let (id, sha) = (capture.stop_id.clone(), photo.sha256.clone());
            let needed = self
                .ctx
                .store
                .read_blocking(move |r| records::photo_needed_elsewhere(r, &id, &sha))
                .await
                .unwrap_or(true);
            if !needed {
                let _ = std::fs::remove_file(self.photo_path(&photo.sha256));
            }
        }
        if let Some(wire::SignatureOutcome::Signed { png_sha256, .. }) =
            capture.record.as_ref().and_then(|r| r.signature.as_ref())
        {
            let _ = std::fs::remove_file(self.signature_path(png_sha256));
        }
    }

    async fn pinned_server_key(&self) -> Result<Option<String>> {
        self.ctx
            .store
            .read_blocking(|r| r.meta(SERVER_KEY_META))
            .await
    }

    /// After `rejected` gave up its place in the chain (the server never accepted it), the
    /// proofs sealed after it are sealed again from its predecessor, so they can be
    /// accepted. Only proofs of the same key are re-linked, with the device key; proofs of
    /// a shell's own signer keep their seal (and will be refused as out of chain).
    async fn relink_after(&self, rejected: &Capture) -> Result<()> {
        let Some(seal) = &rejected.seal else {
            return Ok(());
        };
        let device_key = signer::public_key_b64(self.device.as_ref());
        if seal.device_public_key != device_key {
            return Ok(());
        }
        let _one_at_a_time = self.seal_lock.lock().await;
        let mut head = if seal.sequence <= 1 {
            None
        } else {
            Some(ChainHead {
                sequence: seal.sequence - 1,
                seal_sha256: wire::parse_sha256(&seal.prev_seal_sha256)
                    .ok_or_else(|| Error::Storage("stored seal has a malformed hash".into()))?,
            })
        };
        let queue = self.ctx.store.read_blocking(records::queue).await?;
        for stop_id in queue {
            let id = stop_id.clone();
            let capture = self
                .ctx
                .store
                .read_blocking(move |r| records::existing(r, &id))
                .await?;
            let (Some(record), Some(old)) = (capture.record.clone(), capture.seal.clone()) else {
                continue;
            };
            if capture.device_public_key.as_deref() != Some(device_key.as_str())
                || old.sequence < seal.sequence
            {
                continue;
            }
            let signer = self.device.clone();
            let new = tokio::task::spawn_blocking(move || {
                wire::seal_record(&record, head, signer.as_ref()).map_err(|e| Error::Platform {
                    service: "proof signer",
                    reason: e.0,
                })
            })
            .await??;
            let (sid, stored) = (stop_id.clone(), new.clone());
            self.ctx
                .store
                .write_blocking(move |w| records::reseal(w, &sid, &stored, now_millis()))
                .await?;
            head = new.chain_head();
        }
        let restored = match head {
            Some(h) => signer::store_head(self.storage.as_ref(), &device_key, h),
            None => signer::clear_head(self.storage.as_ref(), &device_key),
        };
        if let Err(e) = restored {
            tracing::warn!(error = %e, "seal chain head not saved to secure storage");
        }
        Ok(())
    }

    /// The sealed submission of a stop's proof exactly as the upload sends it (record, seal,
    /// signature PNG): for diagnostics and the CLI. `Conflict` while it is a draft.
    pub async fn submission(&self, stop_id: &str) -> Result<ProofSubmission> {
        let id = stop_id.to_string();
        let capture = self
            .ctx
            .store
            .read_blocking(move |r| records::existing(r, &id))
            .await?;
        let (Some(record), Some(seal)) = (capture.record, capture.seal) else {
            return Err(Error::Conflict(format!(
                "the proof of stop {stop_id} is not sealed yet"
            )));
        };
        let png = match capture.state.as_str() {
            "sealed" => self.signature_png(&record).await?,
            _ => None,
        };
        Ok(ProofSubmission {
            signature_png_base64: png.map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
            record,
            seal,
        })
    }

    /// Fetches the receipt of an uploaded proof from the server again and checks it: the
    /// countersignature, the pinned server key, the seal it names.
    pub async fn verify_receipt(&self, stop_id: &str) -> Result<ReceiptCheck> {
        let id = stop_id.to_string();
        let capture = self
            .ctx
            .store
            .read_blocking(move |r| records::existing(r, &id))
            .await?;
        let seal = capture.seal.as_ref().ok_or_else(|| {
            Error::Conflict(format!("the proof of stop {stop_id} is not sealed yet"))
        })?;
        let receipt: Receipt = self
            .ctx
            .api
            .get(&format!("{PROOFS_PATH}/{}/receipt", capture.proof_id))
            .await?;
        let pinned = self.pinned_server_key().await?;
        Ok(ReceiptCheck {
            countersignature_valid: wire::verify_receipt(&receipt, &receipt.server_public_key),
            server_key_pinned: pinned.as_deref() == Some(receipt.server_public_key.as_str()),
            matches_seal: receipt.seal_sha256 == seal.seal_sha256
                && receipt.proof_id == capture.proof_id,
            receipt,
        })
    }

    /// Starts [`Deliveries::run_auto_upload`] in the background with the app's interval; it
    /// stops when the returned handle is aborted or the account signs out.
    pub fn start_auto_upload(self: &std::sync::Arc<Self>) -> tokio::task::JoinHandle<()> {
        let schedule = AutoSyncSchedule {
            interval: self.ctx.tuning.auto_sync_interval(),
            ..AutoSyncSchedule::default()
        };
        let deliveries = self.clone();
        let task = tokio::spawn(async move { deliveries.run_auto_upload(schedule).await });
        self.ctx.tasks.register(&task);
        task
    }

    /// Runs until the future is dropped: uploads when a proof is sealed and retries a
    /// stopped run with the core's backoff (exponential with jitter, honouring the
    /// server's `Retry-After`); checks the queue every `schedule.interval` otherwise.
    pub async fn run_auto_upload(&self, schedule: AutoSyncSchedule) {
        let mut failures: u32 = 0;
        loop {
            let wait = match self.upload().await {
                Ok(report) if report.queued == 0 => {
                    failures = 0;
                    schedule.interval
                }
                Ok(_) => {
                    failures = 0;
                    schedule.delay(1, None)
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    if matches!(e, Error::Unauthorized(_) | Error::NotSignedIn) {
                        return;
                    }
                    schedule.delay(failures, e.retry_after())
                }
            };
            let _ =
                tokio::time::timeout(wait.max(Duration::from_millis(10)), self.queued.notified())
                    .await;
        }
    }
}
