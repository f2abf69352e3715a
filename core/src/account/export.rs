//! The data export on the phone: the server assembles the zip, the phone downloads it in
//! segments of [`SEGMENT_BYTES`] (one HTTP range each), each written as its own sealed
//! (AES-256-GCM, [`crate::sealed`]) file under `<account dir>/exports/<id>/`. A segment
//! appears only once complete, so a download stopped at any instant (cancelled, killed,
//! connection dropped) resumes at the first missing segment, and the plaintext never
//! touches the disk while the export sits in the app's storage.
//!
//! For the share sheet, [`AccountData::share_export`] decrypts the segments into one plain
//! zip in `<account dir>/share/`, the only plaintext copy, removed by `finish_sharing`, at the
//! next start, or with the account. (AES-256-at-rest policy: the shared copy exists only
//! while the user is handing it to another app, which needs it in the clear.)

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::{AccountData, ExportFile, ExportPhase, ExportProgress, SharedExport};
use crate::error::{Error, Result};
use crate::events::TopicUpdates;
use crate::sealed::{SealedReader, SealedWriter};
use companion_wire::account::{ExportState, ExportStatus};

/// Plaintext bytes per downloaded segment (one request each).
/// Small enough that one request fits the 30-second request timeout on a slow link
/// (1 MiB in 30 s is 280 kbit/s).
pub const SEGMENT_BYTES: u64 = 1024 * 1024;
/// Longest wait for the server to assemble an export.
const BUILD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn segment_name(i: u64) -> String {
    format!("seg-{i:06}.sealed")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Complete segments in `dir`, counted from 0 until the first gap; leftovers of a segment
/// being written when the app died are removed.
fn complete_segments(dir: &Path) -> Result<u64> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let mut n = 0;
    while dir.join(segment_name(n)).exists() {
        n += 1;
    }
    Ok(n)
}

impl AccountData {
    fn exports_dir(&self, id: &str) -> PathBuf {
        self.ctx.dir.join("exports").join(id)
    }

    /// The export's progress now, then every change.
    pub fn export_updates(&self) -> TopicUpdates<ExportProgress> {
        self.export.subscribe()
    }

    pub fn export_progress(&self) -> ExportProgress {
        self.export.current()
    }

    fn progress(&self, id: &str, phase: ExportPhase, done: u64, total: Option<u64>) {
        self.export.publish(ExportProgress {
            export_id: Some(id.to_string()),
            phase,
            bytes_done: done as i64,
            bytes_total: total.map(|t| t as i64),
        });
    }

    /// Exports everything the server holds about the user: asks the server to assemble the
    /// zip (or resumes the export already under way on this phone), waits for it, and
    /// downloads it into sealed segments, checked against the server's SHA-256. Progress
    /// goes to `export_updates`. Safe to cancel at any await; the next call resumes.
    pub async fn export_data(&self) -> Result<ExportFile> {
        let _one = self.export_running.lock().await;
        let result = self.export_inner().await;
        if let Err(e) = &result
            && !matches!(e, Error::Cancelled)
        {
            let mut p = self.export.current();
            p.phase = ExportPhase::Failed;
            self.export.publish(p);
        }
        result
    }

    async fn export_inner(&self) -> Result<ExportFile> {
        // Resume the export this phone started, if any.
        let existing: Option<(String, Option<i64>, Option<String>, bool)> = self
            .ctx
            .store
            .read_blocking(|r| {
                Ok(r.query_row(
                    "SELECT id, bytes, sha256, complete FROM acct_exports ORDER BY created_at_ms DESC LIMIT 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get::<_, i64>(3)? != 0)),
                )
                .optional()?)
            })
            .await?;
        if let Some((id, Some(bytes), Some(sha), true)) = &existing
            && self.exports_dir(id).exists()
        {
            self.progress(id, ExportPhase::Ready, *bytes as u64, Some(*bytes as u64));
            return Ok(ExportFile {
                export_id: id.clone(),
                bytes: *bytes,
                sha256: sha.clone(),
            });
        }
        let mut id = match existing {
            Some((id, _, _, false)) => id,
            _ => self.start_export().await?,
        };
        let status = match self.wait_until_ready(&id).await {
            Err(Error::NotFound(_)) => {
                // Expired on the server: start over once.
                self.delete_export(&id).await?;
                id = self.start_export().await?;
                self.wait_until_ready(&id).await?
            }
            other => other?,
        };
        let bytes = status.bytes.unwrap_or(0).max(0) as u64;
        let sha = status
            .sha256
            .clone()
            .ok_or_else(|| Error::Protocol("a ready export without its SHA-256".into()))?;
        {
            let (id, sha) = (id.clone(), sha.clone());
            self.ctx
                .store
                .write_blocking(move |w| {
                    w.execute(
                        "UPDATE acct_exports SET bytes = ?2, sha256 = ?3 WHERE id = ?1",
                        params![id, bytes as i64, sha],
                    )?;
                    Ok(())
                })
                .await?;
        }
        self.download(&id, bytes).await?;
        self.progress(&id, ExportPhase::Verifying, bytes, Some(bytes));
        let (dir, key) = (self.exports_dir(&id), self.file_key_copy()?);
        let segments = bytes.div_ceil(SEGMENT_BYTES);
        let (got, len) = tokio::task::spawn_blocking(move || -> Result<(String, u64)> {
            let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
            let mut buf = vec![0u8; 64 * 1024];
            let mut len = 0u64;
            for i in 0..segments {
                let mut r = SealedReader::open(&dir.join(segment_name(i)), &key)?;
                loop {
                    let n = r.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    digest.update(&buf[..n]);
                    len += n as u64;
                }
            }
            Ok((hex(digest.finish().as_ref()), len))
        })
        .await??;
        if got != sha || len != bytes {
            self.delete_export(&id).await?;
            return Err(Error::Protocol(
                "the downloaded export does not match the server's checksum; it was discarded, export again"
                    .into(),
            ));
        }
        {
            let id = id.clone();
            self.ctx
                .store
                .write_blocking(move |w| {
                    w.execute("UPDATE acct_exports SET complete = 1 WHERE id = ?1", [id])?;
                    Ok(())
                })
                .await?;
        }
        self.progress(&id, ExportPhase::Ready, bytes, Some(bytes));
        tracing::info!(bytes, "export downloaded and sealed");
        Ok(ExportFile {
            export_id: id,
            bytes: bytes as i64,
            sha256: sha,
        })
    }

    fn file_key_copy(&self) -> Result<crate::keys::FileKey> {
        crate::keys::FileKey::from_bytes(self.file_key.as_bytes())
    }

    async fn start_export(&self) -> Result<String> {
        self.export.publish(ExportProgress {
            export_id: None,
            phase: ExportPhase::Requesting,
            bytes_done: 0,
            bytes_total: None,
        });
        let status: ExportStatus = self.ctx.api.post_empty("/v1/account/exports").await?;
        let id = status.id.clone();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::Protocol(
                "the server sent a strange export id".into(),
            ));
        }
        let now = crate::time::now_millis();
        let row = id.clone();
        self.ctx
            .store
            .write_blocking(move |w| {
                w.execute(
                    "INSERT OR IGNORE INTO acct_exports(id, created_at_ms) VALUES (?1, ?2)",
                    params![row, now],
                )?;
                Ok(())
            })
            .await?;
        Ok(id)
    }

    async fn wait_until_ready(&self, id: &str) -> Result<ExportStatus> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let status: ExportStatus = self
                .ctx
                .api
                .get(&format!("/v1/account/exports/{id}"))
                .await?;
            match status.state {
                ExportState::Ready => return Ok(status),
                ExportState::Failed => {
                    self.delete_export(id).await?;
                    return Err(Error::Server {
                        status: 500,
                        code: "export_failed".into(),
                        detail: "the server could not assemble the export; try again".into(),
                        retry_after: None,
                    });
                }
                ExportState::Building => {
                    self.progress(id, ExportPhase::Building, 0, None);
                    if started.elapsed() > BUILD_TIMEOUT {
                        return Err(Error::Offline(
                            "the server is still assembling the export; try again later".into(),
                        ));
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    async fn download(&self, id: &str, bytes: u64) -> Result<()> {
        let dir = self.exports_dir(id);
        let segments = bytes.div_ceil(SEGMENT_BYTES);
        let done = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir)?;
                complete_segments(&dir)
            })
            .await??
        };
        let path = format!("/v1/account/exports/{id}/file");
        for i in done..segments {
            let first = i * SEGMENT_BYTES;
            let last = ((i + 1) * SEGMENT_BYTES).min(bytes) - 1;
            self.progress(id, ExportPhase::Downloading, first, Some(bytes));
            let mut response = self.ctx.api.get_stream(&path, Some((first, last))).await?;
            let whole = first == 0 && last + 1 == bytes;
            if response.status().as_u16() != 206 && !(whole && response.status().as_u16() == 200) {
                return Err(Error::Protocol(format!(
                    "the server answered {} to a range request",
                    response.status()
                )));
            }
            let key = self.file_key_copy()?;
            let seg = dir.join(segment_name(i));
            let mut writer =
                tokio::task::spawn_blocking(move || SealedWriter::create(&seg, &key)).await??;
            let mut got = 0u64;
            let expected = last - first + 1;
            while let Some(chunk) = crate::http::ApiClient::next_chunk(&mut response).await? {
                got += chunk.len() as u64;
                if got > expected {
                    return Err(Error::Protocol(
                        "the server sent more than the range".into(),
                    ));
                }
                writer = tokio::task::spawn_blocking(move || -> Result<SealedWriter> {
                    writer.write_all(&chunk)?;
                    Ok(writer)
                })
                .await??;
                self.progress(id, ExportPhase::Downloading, first + got, Some(bytes));
            }
            if got != expected {
                return Err(Error::Offline(format!(
                    "the download stopped after {got} of {expected} bytes; it resumes from here"
                )));
            }
            tokio::task::spawn_blocking(move || writer.finish()).await??;
        }
        Ok(())
    }

    /// The downloaded exports on this phone.
    pub async fn exports(&self) -> Result<Vec<ExportFile>> {
        self.ctx
            .store
            .read_blocking(|r| {
                let mut stmt = r.prepare(
                    "SELECT id, bytes, sha256 FROM acct_exports WHERE complete = 1 ORDER BY created_at_ms",
                )?;
                let rows = stmt
                    .query_map([], |row| {
                        Ok(ExportFile {
                            export_id: row.get(0)?,
                            bytes: row.get::<_, Option<i64>>(1)?.unwrap_or(0),
                            sha256: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await
    }

    /// Decrypts a downloaded export into one plain zip for the share sheet (the only
    /// plaintext copy; call `finish_sharing` when the share sheet is done).
    pub async fn share_export(&self, export_id: &str) -> Result<SharedExport> {
        let file = self
            .exports()
            .await?
            .into_iter()
            .find(|e| e.export_id == export_id)
            .ok_or_else(|| Error::NotFound(format!("no downloaded export {export_id}")))?;
        let dir = self.exports_dir(export_id);
        let share = self.ctx.dir.join("share");
        let date = crate::time::now_millis() / 86_400_000;
        let file_name = format!("companion-export-{}.zip", civil_date(date));
        let out = share.join(&file_name);
        let key = self.file_key_copy()?;
        let segments = (file.bytes.max(0) as u64).div_ceil(SEGMENT_BYTES);
        let target = out.clone();
        let written = tokio::task::spawn_blocking(move || -> Result<u64> {
            std::fs::create_dir_all(&share)?;
            let temp = target.with_extension("zip.part");
            let mut f = std::fs::File::create(&temp)?;
            let mut buf = vec![0u8; 64 * 1024];
            let mut n_total = 0;
            for i in 0..segments {
                let mut r = SealedReader::open(&dir.join(segment_name(i)), &key)?;
                loop {
                    let n = r.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    f.write_all(&buf[..n])?;
                    n_total += n as u64;
                }
            }
            f.sync_all()?;
            std::fs::rename(&temp, &target)?;
            Ok(n_total)
        })
        .await??;
        Ok(SharedExport {
            path: out.display().to_string(),
            bytes: written as i64,
            file_name,
        })
    }

    /// Removes the plaintext copy made for the share sheet.
    pub async fn finish_sharing(&self) -> Result<()> {
        let share = self.ctx.dir.join("share");
        tokio::task::spawn_blocking(move || match std::fs::remove_dir_all(&share) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::from(e)),
            _ => Ok(()),
        })
        .await?
    }

    /// Deletes a downloaded (or half-downloaded) export from the phone.
    pub async fn delete_export(&self, export_id: &str) -> Result<()> {
        let dir = self.exports_dir(export_id);
        let id = export_id.to_string();
        self.ctx
            .store
            .write_blocking(move |w| {
                w.execute("DELETE FROM acct_exports WHERE id = ?1", [id])?;
                Ok(())
            })
            .await?;
        tokio::task::spawn_blocking(move || {
            let _ = std::fs::remove_dir_all(dir);
        })
        .await?;
        Ok(())
    }
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
