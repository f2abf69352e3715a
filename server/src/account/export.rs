//! The data export: everything the server holds about the user, as JSON files (and photo
//! files) in one zip with a `manifest.json` listing each file with its size and SHA-256.
//!
//! The zip is assembled on disk by a list of [`ExportSection`]s, each reading the database
//! a page at a time (the single connection is never held for long) and writing its files in
//! chunks, so neither the rows nor the photos ever sit whole in memory. The finished file
//! is downloaded with HTTP ranges, so an interrupted download resumes where it stopped.
//! Files expire after `export_ttl` and go with the account at the purge.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use companion_wire::account::{ExportState, ExportStatus, MAX_EXPORT_ID_LEN};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::AccountConfig;
use super::deletion::codes;
use crate::AppState;
use crate::auth::AuthedAccount;
use crate::db::Db;
use crate::error::ApiError;
use crate::limits::check_len;

/// Rows read per database call.
const PAGE_ROWS: i64 = 2_000;
/// Longest `Range` header accepted (one range is a few dozen characters).
const MAX_RANGE_LEN: usize = 100;
/// Bytes per chunk of a download.
const CHUNK: usize = 64 * 1024;
/// An export still `building` after this long was interrupted (a restart) and is failed.
const STALE_BUILD_SECS: i64 = 3600;

/// A failure while building an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("writing the export: {0}")]
    Io(#[from] io::Error),
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the account no longer exists")]
    Gone,
}

/// One part of an export: a folder of files in the zip.
pub trait ExportSection: Send + Sync {
    /// The folder in the zip (`profile`, `movements`, ...).
    fn name(&self) -> &'static str;
    /// Writes the section's files for `account_id`. Runs on a blocking thread; reads the
    /// database with `db.with` a page at a time. Returns the number of records written.
    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError>;
}

/// The export's sections, in order.
pub fn default_sections() -> Vec<Arc<dyn ExportSection>> {
    vec![
        Arc::new(ProfileSection),
        Arc::new(MovementsSection),
        Arc::new(PushRegistrationsSection),
        Arc::new(PreferencesSection),
        Arc::new(ProofsSection),
    ]
}

/// The zip being written, with the manifest's bookkeeping.
pub struct ExportWriter {
    zip: zip::ZipWriter<BufWriter<File>>,
    files: Vec<Value>,
    current: Option<(String, u64, ring::digest::Context)>,
}

impl ExportWriter {
    fn new(file: File) -> Self {
        ExportWriter {
            zip: zip::ZipWriter::new(BufWriter::with_capacity(CHUNK, file)),
            files: Vec::new(),
            current: None,
        }
    }

    /// Starts a file; JSON is deflated, photos are stored as they are.
    pub fn start(&mut self, path: &str, compress: bool) -> Result<(), ExportError> {
        self.finish_file();
        let method = if compress {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        self.zip.start_file(
            path,
            SimpleFileOptions::default()
                .compression_method(method)
                .large_file(true),
        )?;
        self.current = Some((
            path.to_string(),
            0,
            ring::digest::Context::new(&ring::digest::SHA256),
        ));
        Ok(())
    }

    /// Writes a whole small JSON document as one file.
    pub fn json_file(&mut self, path: &str, value: &Value) -> Result<(), ExportError> {
        self.start(path, true)?;
        serde_json::to_writer_pretty(&mut *self, value).map_err(io::Error::other)?;
        self.finish_file();
        Ok(())
    }

    fn finish_file(&mut self) {
        if let Some((path, bytes, digest)) = self.current.take() {
            self.files.push(json!({
                "path": path,
                "bytes": bytes,
                "sha256": hex(digest.finish().as_ref()),
            }));
        }
    }
}

impl Write for ExportWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.zip.write(data)?;
        if let Some((_, bytes, digest)) = self.current.as_mut() {
            *bytes += n as u64;
            digest.update(&data[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.zip.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams a JSON array of rows read page by page: `[`, rows separated by commas, `]`.
fn json_array_pages(
    out: &mut ExportWriter,
    path: &str,
    mut page: impl FnMut(Option<&str>) -> Result<Vec<(String, Value)>, ExportError>,
) -> Result<u64, ExportError> {
    out.start(path, true)?;
    out.write_all(b"[")?;
    let mut after: Option<String> = None;
    let mut n = 0u64;
    loop {
        let rows = page(after.as_deref())?;
        let full = rows.len() as i64 == PAGE_ROWS;
        for (key, row) in rows {
            out.write_all(if n == 0 { b"\n  " } else { b",\n  " })?;
            serde_json::to_writer(&mut *out, &row).map_err(io::Error::other)?;
            n += 1;
            after = Some(key);
        }
        if !full {
            break;
        }
    }
    out.write_all(b"\n]\n")?;
    out.finish_file();
    Ok(n)
}

/// `profile/profile.json` (the account, its warehouses) and `profile/devices.json` (the
/// devices that signed in).
pub struct ProfileSection;

impl ExportSection for ProfileSection {
    fn name(&self) -> &'static str {
        "profile"
    }

    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError> {
        let (profile, devices) = db.with(|c| -> Result<(Value, Value), ExportError> {
            let profile = c
                .query_row(
                    "SELECT username, display_name, phone, job_title, created_at, profile_updated_at
                     FROM accounts WHERE id = ?1",
                    [account_id],
                    |r| {
                        Ok(json!({
                            "account_id": account_id,
                            "username": r.get::<_, String>(0)?,
                            "display_name": r.get::<_, String>(1)?,
                            "phone": r.get::<_, String>(2)?,
                            "job_title": r.get::<_, String>(3)?,
                            "created_at": r.get::<_, i64>(4)?,
                            "profile_updated_at": r.get::<_, i64>(5)?,
                        }))
                    },
                )
                .optional()?
                .ok_or(ExportError::Gone)?;
            let mut stmt = c.prepare(
                "SELECT w.id, w.name FROM warehouses w JOIN account_warehouses aw ON aw.warehouse_id = w.id
                 WHERE aw.account_id = ?1 ORDER BY w.id",
            )?;
            let warehouses = stmt
                .query_map([account_id], |r| {
                    Ok(json!({"id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?}))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = c.prepare(
                "SELECT install_id, platform, model, os_version, app_version, created_at, revoked_at
                 FROM device_sessions WHERE account_id = ?1 ORDER BY created_at",
            )?;
            let devices = stmt
                .query_map([account_id], |r| {
                    Ok(json!({
                        "install_id": r.get::<_, String>(0)?,
                        "platform": r.get::<_, String>(1)?,
                        "model": r.get::<_, String>(2)?,
                        "os_version": r.get::<_, String>(3)?,
                        "app_version": r.get::<_, String>(4)?,
                        "signed_in_at": r.get::<_, i64>(5)?,
                        "signed_out_at": r.get::<_, Option<i64>>(6)?,
                    }))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut profile = profile;
            profile["warehouses"] = Value::Array(warehouses);
            Ok((profile, Value::Array(devices)))
        })?;
        out.json_file("profile/profile.json", &profile)?;
        let n = devices.as_array().map_or(0, Vec::len) as u64;
        out.json_file("profile/devices.json", &devices)?;
        Ok(1 + n)
    }
}

/// `movements/movements.json`: every stock movement the user recorded, with the server's
/// verdict.
pub struct MovementsSection;

impl ExportSection for MovementsSection {
    fn name(&self) -> &'static str {
        "movements"
    }

    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError> {
        json_array_pages(out, "movements/movements.json", |after| {
            db.with(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, warehouse_id, kind, body, status, version, code, reason, received_at
                     FROM inv_movements WHERE account_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                )?;
                let rows = stmt
                    .query_map(params![account_id, after.unwrap_or(""), PAGE_ROWS], |r| {
                        let id: String = r.get(0)?;
                        let body: String = r.get(3)?;
                        let movement: Value =
                            serde_json::from_str(&body).unwrap_or(Value::String(body));
                        Ok((
                            id.clone(),
                            json!({
                                "id": id,
                                "warehouse_id": r.get::<_, String>(1)?,
                                "kind": r.get::<_, String>(2)?,
                                "status": r.get::<_, String>(4)?,
                                "version": r.get::<_, Option<i64>>(5)?,
                                "reject_code": r.get::<_, Option<String>>(6)?,
                                "reject_reason": r.get::<_, Option<String>>(7)?,
                                "received_at": r.get::<_, i64>(8)?,
                                "movement": movement,
                            }),
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
        })
    }
}

/// `push/registrations.json`: the devices registered for notifications (never the token,
/// a secret of the device).
pub struct PushRegistrationsSection;

impl ExportSection for PushRegistrationsSection {
    fn name(&self) -> &'static str {
        "push"
    }

    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError> {
        let rows = db.with(|c| -> rusqlite::Result<Vec<Value>> {
            let mut stmt = c.prepare(
                "SELECT install_id, provider, environment, registered_at FROM push_registrations
                 WHERE account_id = ?1 ORDER BY install_id",
            )?;
            stmt.query_map([account_id], |r| {
                Ok(json!({
                    "install_id": r.get::<_, String>(0)?,
                    "provider": r.get::<_, String>(1)?,
                    "environment": r.get::<_, String>(2)?,
                    "registered_at": r.get::<_, i64>(3)?,
                    "token": "(withheld: a secret of the device)",
                }))
            })?
            .collect()
        })?;
        out.json_file("push/registrations.json", &Value::Array(rows.clone()))?;
        Ok(rows.len() as u64)
    }
}

/// `preferences/notifications.json`: the notification switches.
pub struct PreferencesSection;

impl ExportSection for PreferencesSection {
    fn name(&self) -> &'static str {
        "preferences"
    }

    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError> {
        let rows = db.with(|c| -> rusqlite::Result<Vec<Value>> {
            let mut stmt = c.prepare(
                "SELECT category, warehouse_id, enabled, updated_at FROM push_preferences
                 WHERE account_id = ?1 ORDER BY category, warehouse_id",
            )?;
            stmt.query_map([account_id], |r| {
                Ok(json!({
                    "category": r.get::<_, String>(0)?,
                    "warehouse_id": r.get::<_, String>(1)?,
                    "enabled": r.get::<_, i64>(2)? != 0,
                    "updated_at": r.get::<_, i64>(3)?,
                }))
            })?
            .collect()
        })?;
        let n = rows.len() as u64;
        out.json_file("preferences/notifications.json", &Value::Array(rows))?;
        Ok(n)
    }
}

/// `proofs/`: whatever the server's proof-of-delivery tables hold for the user. The tables
/// are found by name (`pod_*`, `proof*`, `deliver*`) and by an account column
/// (`account_id`, `driver_account_id`, `captured_by`); each becomes `proofs/<table>.json`
/// and every BLOB value (photos, signatures) its own file under `proofs/files/`. With no
/// such table (before proof of delivery is merged) the section lists none.
pub struct ProofsSection;

const PROOF_ACCOUNT_COLUMNS: &[&str] = &["account_id", "driver_account_id", "captured_by"];

impl ExportSection for ProofsSection {
    fn name(&self) -> &'static str {
        "proofs"
    }

    fn write(&self, db: &Db, account_id: &str, out: &mut ExportWriter) -> Result<u64, ExportError> {
        let tables: Vec<(String, String)> = db.with(|c| -> rusqlite::Result<_> {
            let mut stmt = c.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND (name LIKE 'pod\\_%' ESCAPE '\\' OR name LIKE 'proof%' OR name LIKE 'deliver%')
                 ORDER BY name",
            )?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut found = Vec::new();
            for name in names {
                let mut cols =
                    c.prepare(&format!("PRAGMA table_info(\"{}\")", name.replace('"', "")))?;
                let columns = cols
                    .query_map([], |r| r.get::<_, String>(1))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                if let Some(col) = PROOF_ACCOUNT_COLUMNS
                    .iter()
                    .find(|k| columns.iter().any(|c| c == *k))
                {
                    found.push((name, col.to_string()));
                }
            }
            Ok(found)
        })?;
        let mut total = 0;
        let mut listed = Vec::new();
        for (table, column) in &tables {
            let mut blobs: Vec<(i64, String, String)> = Vec::new();
            let n = json_array_pages(out, &format!("proofs/{table}.json"), |after| {
                db.with(|c| {
                    let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
                    let mut stmt = c.prepare(&format!(
                        "SELECT rowid, * FROM \"{table}\" WHERE \"{column}\" = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3"
                    ))?;
                    let names: Vec<String> =
                        stmt.column_names().map(str::to_string).collect();
                    let mut rows = stmt.query(params![account_id, after, PAGE_ROWS])?;
                    let mut page = Vec::new();
                    while let Some(r) = rows.next()? {
                        let rowid: i64 = r.get(0)?;
                        let mut obj = serde_json::Map::new();
                        for (i, name) in names.iter().enumerate().skip(1) {
                            let v = match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => Value::Null,
                                rusqlite::types::ValueRef::Integer(x) => json!(x),
                                rusqlite::types::ValueRef::Real(x) => json!(x),
                                rusqlite::types::ValueRef::Text(t) => {
                                    json!(String::from_utf8_lossy(t))
                                }
                                rusqlite::types::ValueRef::Blob(_) => {
                                    let file = format!("proofs/files/{table}-{rowid}-{name}.bin");
                                    blobs.push((rowid, name.clone(), file.clone()));
                                    json!({ "file": file })
                                }
                            };
                            obj.insert(name.clone(), v);
                        }
                        page.push((rowid.to_string(), Value::Object(obj)));
                    }
                    Ok(page)
                })
            })?;
            // Each BLOB is copied a chunk per query, never whole.
            for (rowid, col, file) in blobs {
                out.start(&file, false)?;
                let mut offset = 0usize;
                loop {
                    let chunk = db.with(|c| -> rusqlite::Result<Vec<u8>> {
                        c.query_row(
                            &format!(
                                "SELECT substr(\"{col}\", ?2, ?3) FROM \"{table}\" WHERE rowid = ?1"
                            ),
                            params![rowid, offset as i64 + 1, CHUNK as i64],
                            |r| r.get::<_, Option<Vec<u8>>>(0),
                        )
                        .map(Option::unwrap_or_default)
                    })?;
                    if chunk.is_empty() {
                        break;
                    }
                    offset += chunk.len();
                    out.write_all(&chunk)?;
                }
                out.finish_file();
            }
            listed.push(json!({"table": table, "records": n}));
            total += n;
        }
        let photos = export_proof_photos(db, account_id, out)?;
        out.json_file(
            "proofs/index.json",
            &json!({"tables": listed, "photos": photos}),
        )?;
        Ok(total)
    }
}

/// The photos of the user's proofs (stored once per content hash, with no account column),
/// as `proofs/photos/<sha256>.jpg`, each copied a chunk per query.
fn export_proof_photos(
    db: &Db,
    account_id: &str,
    out: &mut ExportWriter,
) -> Result<u64, ExportError> {
    let hashes: Vec<String> = db.with(|c| -> rusqlite::Result<_> {
        let has_tables: i64 = c.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('pod_proofs', 'pod_photos')",
            [],
            |r| r.get(0),
        )?;
        if has_tables < 2 {
            return Ok(Vec::new());
        }
        let mut stmt = c.prepare(
            "SELECT DISTINCT json_extract(photo.value, '$.sha256')
             FROM pod_proofs, json_each(pod_proofs.record_json, '$.photos') AS photo
             WHERE pod_proofs.account_id = ?1
               AND EXISTS (SELECT 1 FROM pod_photos WHERE sha256 = json_extract(photo.value, '$.sha256'))
             ORDER BY 1",
        )?;
        let hashes = stmt
            .query_map([account_id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hashes)
    })?;
    for sha in &hashes {
        out.start(&format!("proofs/photos/{sha}.jpg"), false)?;
        let mut offset = 0usize;
        loop {
            let chunk = db.with(|c| -> rusqlite::Result<Vec<u8>> {
                c.query_row(
                    "SELECT substr(bytes, ?2, ?3) FROM pod_photos WHERE sha256 = ?1",
                    params![sha, offset as i64 + 1, CHUNK as i64],
                    |r| r.get::<_, Option<Vec<u8>>>(0),
                )
                .map(Option::unwrap_or_default)
            })?;
            if chunk.is_empty() {
                break;
            }
            offset += chunk.len();
            out.write_all(&chunk)?;
        }
        out.finish_file();
    }
    Ok(hashes.len() as u64)
}

/// Benchmark stand-in for proof-of-delivery photos (`companion bench export`), used while
/// the proof tables are not merged: `count` JPEG-like blobs of `bytes` each (SOI/APP0
/// header, pseudo-random body, EOI) generated and written a chunk at a time into
/// `proofs/photos/`. Never part of a real server's sections.
pub struct SyntheticPhotos {
    pub count: usize,
    pub bytes: usize,
}

impl ExportSection for SyntheticPhotos {
    fn name(&self) -> &'static str {
        "proofs-photos (benchmark)"
    }

    fn write(
        &self,
        _db: &Db,
        _account_id: &str,
        out: &mut ExportWriter,
    ) -> Result<u64, ExportError> {
        let mut chunk = vec![0u8; CHUNK];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..self.count {
            out.start(&format!("proofs/photos/photo-{i:04}.jpg"), false)?;
            out.write_all(&[
                0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
            ])?;
            let mut left = self.bytes.saturating_sub(13);
            while left > 0 {
                let n = left.min(CHUNK);
                for b in chunk[..n].iter_mut() {
                    // xorshift: incompressible, like a real JPEG body.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    *b = state as u8;
                }
                out.write_all(&chunk[..n])?;
                left -= n;
            }
            out.write_all(&[0xFF, 0xD9])?;
            out.finish_file();
        }
        Ok(self.count as u64)
    }
}

/// Builds the export zip of `account_id` into `final_path` (through a `.part` file) and
/// returns its size and SHA-256.
pub fn build(
    db: &Db,
    sections: &[Arc<dyn ExportSection>],
    account_id: &str,
    now: i64,
    final_path: &Path,
) -> Result<(u64, String), ExportError> {
    if let Some(dir) = final_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let part = final_path.with_extension("zip.part");
    let result = (|| {
        let mut out = ExportWriter::new(File::create(&part)?);
        let mut summary = Vec::new();
        for s in sections {
            let records = s.write(db, account_id, &mut out)?;
            summary.push(json!({"name": s.name(), "records": records}));
        }
        out.finish_file();
        let manifest = json!({
            "format": "companion-export/1",
            "account_id": account_id,
            "generated_at": now,
            "sections": summary,
            "files": out.files.clone(),
            "note": "Everything the Companion server holds about this account. Stock movements \
                     are also kept by the business after an account is deleted, de-identified; \
                     see docs/account-deletion.md.",
        });
        out.json_file("manifest.json", &manifest)?;
        let file = out.zip.finish()?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok::<_, ExportError>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::rename(&part, final_path)?;
    // The digest of the whole file, read back in chunks.
    let mut f = File::open(final_path)?;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; CHUNK];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digest.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex(digest.finish().as_ref())))
}

fn export_path(config: &AccountConfig, db_path: &Path, id: &str) -> PathBuf {
    config.export_dir_for(db_path).join(format!("{id}.zip"))
}

fn load_export(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> rusqlite::Result<Option<ExportStatus>> {
    conn.query_row(
        "SELECT id, state, created_at, expires_at, bytes, sha256 FROM account_exports
         WHERE id = ?1 AND account_id = ?2",
        params![id, account_id],
        |r| {
            let state: String = r.get(1)?;
            Ok(ExportStatus {
                id: r.get(0)?,
                state: match state.as_str() {
                    "ready" => ExportState::Ready,
                    "failed" => ExportState::Failed,
                    _ => ExportState::Building,
                },
                created_at: r.get(2)?,
                expires_at: r.get(3)?,
                bytes: r.get(4)?,
                sha256: r.get(5)?,
            })
        },
    )
    .optional()
}

/// `POST /v1/account/exports`: starts building an export (or returns the one being built).
pub async fn start(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<(StatusCode, Json<ExportStatus>), ApiError> {
    let config = state.config.account.clone();
    let now = config.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let expires = now + config.export_ttl.as_secs() as i64;
    let account = caller.account_id.clone();
    let (status, fresh) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let building: Option<String> = tx
                .query_row(
                    "SELECT id FROM account_exports WHERE account_id = ?1 AND state = 'building'",
                    [&account],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(existing) = building {
                let s = load_export(&tx, &account, &existing)?
                    .ok_or_else(|| ApiError::internal("export vanished"))?;
                return Ok((s, false));
            }
            tx.execute(
                "INSERT INTO account_exports(id, account_id, state, created_at, expires_at) VALUES (?1, ?2, 'building', ?3, ?4)",
                params![id, account, now, expires],
            )?;
            let s = load_export(&tx, &account, &id)?
                .ok_or_else(|| ApiError::internal("export vanished"))?;
            tx.commit()?;
            Ok((s, true))
        })
        .await?;
    if fresh {
        let (db, sections) = (state.db.clone(), config.export_sections.clone());
        let path = export_path(&config, &state.config.db_path, &status.id);
        let (id, account) = (status.id.clone(), caller.account_id.clone());
        tokio::task::spawn_blocking(move || {
            let result = build(&db, &sections, &account, now, &path);
            let outcome = db.with(|c| match &result {
                Ok((bytes, sha)) => c.execute(
                    "UPDATE account_exports SET state = 'ready', bytes = ?2, sha256 = ?3 WHERE id = ?1",
                    params![id, *bytes as i64, sha],
                ),
                Err(_) => c.execute(
                    "UPDATE account_exports SET state = 'failed' WHERE id = ?1",
                    [&id],
                ),
            });
            match (result, outcome) {
                (Ok((bytes, _)), Ok(_)) => tracing::info!(export = %id, bytes, "export ready"),
                (Err(e), _) => {
                    let _ = std::fs::remove_file(&path);
                    tracing::warn!(export = %id, error = %e, "export failed");
                }
                (_, Err(e)) => tracing::warn!(export = %id, error = %e, "export state not saved"),
            }
        });
    }
    Ok((StatusCode::ACCEPTED, Json(status)))
}

/// Export ids are UUIDs (hyphenated); anything else is a bad request, not a lookup.
fn check_id(id: &str) -> Result<String, ApiError> {
    check_len("id", id, 1, MAX_EXPORT_ID_LEN)?;
    match uuid::Uuid::parse_str(id) {
        Ok(u) if id.len() == 36 => Ok(u.hyphenated().to_string()),
        _ => Err(ApiError::invalid("id", "must be an export id (a UUID)")),
    }
}

/// `GET /v1/account/exports/{id}`: another account's export is `404`, like a missing one.
pub async fn status(
    State(state): State<AppState>,
    caller: AuthedAccount,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<ExportStatus>, ApiError> {
    let id = check_id(&id)?;
    let s = state
        .db
        .call(move |conn| {
            load_export(conn, &caller.account_id, &id)?
                .ok_or_else(|| ApiError::not_found("no such export"))
        })
        .await?;
    Ok(Json(s))
}

/// `bytes=N-` or `bytes=N-M` (one range); anything else is ignored (the whole file is sent,
/// as RFC 9110 allows).
fn parse_range(value: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: Option<u64> = match end.trim() {
        "" => None,
        e => Some(e.parse().ok()?),
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    if start >= len {
        return Some(Err(()));
    }
    Some(Ok((start, end.map_or(len - 1, |e| e.min(len - 1)))))
}

/// `GET /v1/account/exports/{id}/file`: the zip, streamed from disk; `Range: bytes=N-`
/// resumes an interrupted download (`206`).
pub async fn download(
    State(state): State<AppState>,
    caller: AuthedAccount,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = check_id(&id)?;
    let config = state.config.account.clone();
    let lookup = id.clone();
    let status = state
        .db
        .call(move |conn| {
            load_export(conn, &caller.account_id, &lookup)?
                .ok_or_else(|| ApiError::not_found("no such export"))
        })
        .await?;
    if status.state != ExportState::Ready {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::EXPORT_NOT_READY,
            "the export is not ready (still building, or failed)",
        ));
    }
    let path = export_path(&config, &state.config.db_path, &id);
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found("the export file has expired"))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| ApiError::internal(format!("export file: {e}")))?
        .len();
    let range = headers.get(header::RANGE);
    if range.is_some_and(|v| v.len() > MAX_RANGE_LEN) {
        return Err(ApiError::invalid(
            "Range",
            format!("at most {MAX_RANGE_LEN} characters"),
        ));
    }
    let range = range
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_range(v, len));
    let (status_code, start, end) = match range {
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
        Some(Ok((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e),
        Some(Err(())) => {
            let mut resp = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                codes::RANGE_NOT_SATISFIABLE,
                format!("the export has {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(resp);
        }
    };
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    file.seek(io::SeekFrom::Start(start))
        .await
        .map_err(|e| ApiError::internal(format!("export file: {e}")))?;
    let count = if len == 0 { 0 } else { end - start + 1 };
    let stream = futures_util::stream::unfold((file, count), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; CHUNK.min(left as usize)];
        match file.read(&mut buf).await {
            Ok(0) => Some((
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "export file shrank",
                )),
                (file, 0),
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status_code;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if let Some(sha) = &status.sha256
        && let Ok(v) = HeaderValue::from_str(&format!("\"{sha}\""))
    {
        h.insert(header::ETAG, v);
    }
    if status_code == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
}

/// Deletes expired exports (rows and files), fails builds a restart interrupted, and
/// removes files no row knows (left by a crash between a purge's commit and its cleanup).
pub async fn remove_expired(
    db: &Db,
    config: &AccountConfig,
    db_path: &Path,
) -> Result<(), ApiError> {
    let now = config.clock.now();
    let known: Vec<String> = db
        .call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM account_exports WHERE expires_at <= ?1", [now])?;
            tx.execute(
                "UPDATE account_exports SET state = 'failed' WHERE state = 'building' AND created_at < ?1",
                [now - STALE_BUILD_SECS],
            )?;
            let ids = {
                let mut stmt = tx.prepare("SELECT id FROM account_exports")?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?
            };
            tx.commit()?;
            Ok(ids)
        })
        .await?;
    let dir = config.export_dir_for(db_path);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let id = name.split('.').next().unwrap_or_default().to_string();
            if !known.contains(&id) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}
