//! Photo upload by content hash. A photo is sent in parts of `PHOTO_PART_SIZE` bytes
//! (`POST .../photos/{sha256}/parts/{index}?total_size=N`); the server keeps the parts per
//! uploading account, answers which it holds (`GET .../photos/{sha256}`), and when the last
//! one arrives checks the SHA-256 of the whole and stores the photo. Sending any part of a
//! photo already stored is a no-op.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use companion_wire::deliveries::{
    MAX_PHOTO_BYTES, PHOTO_PART_SIZE, PhotoUploadStatus, is_sha256_hex, part_count, part_len,
    sha256_hex,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::ApiError;

/// Unfinished uploads are dropped after this long.
const STALE_PARTS_SECS: i64 = 7 * 24 * 3600;

fn check_hash(sha256: &str) -> Result<(), ApiError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "sha256",
            "must be 64 lowercase hex digits",
        ))
    }
}

fn conflict(code: &'static str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        field: Some(field.into()),
        ..ApiError::new(StatusCode::CONFLICT, code, message)
    }
}

/// Whether the photo is stored.
pub fn is_stored(conn: &Connection, sha256: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM pod_photos WHERE sha256 = ?1")?
        .query_row([sha256], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// The stored bytes of a photo.
pub fn load(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached("SELECT bytes FROM pod_photos WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
        .optional()
}

fn upload_status(
    conn: &Connection,
    account_id: &str,
    sha256: &str,
) -> Result<PhotoUploadStatus, ApiError> {
    if is_stored(conn, sha256)? {
        let size: i64 = conn.query_row(
            "SELECT length(bytes) FROM pod_photos WHERE sha256 = ?1",
            [sha256],
            |r| r.get(0),
        )?;
        return Ok(PhotoUploadStatus {
            sha256: sha256.into(),
            complete: true,
            part_size: PHOTO_PART_SIZE,
            total_size: Some(size as u64),
            received_parts: Vec::new(),
        });
    }
    let rows: Vec<(i64, u32)> = conn
        .prepare_cached(
            "SELECT total_size, idx FROM pod_photo_parts WHERE account_id = ?1 AND sha256 = ?2 ORDER BY idx",
        )?
        .query_map(params![account_id, sha256], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(PhotoUploadStatus {
        sha256: sha256.into(),
        complete: false,
        part_size: PHOTO_PART_SIZE,
        total_size: rows.first().map(|r| r.0 as u64),
        received_parts: rows.into_iter().map(|r| r.1).collect(),
    })
}

/// `GET /v1/deliveries/photos/{sha256}`
pub async fn status(
    State(state): State<AppState>,
    caller: AuthedAccount,
    Path(sha256): Path<String>,
) -> Result<Json<PhotoUploadStatus>, ApiError> {
    check_hash(&sha256)?;
    let status = state
        .db
        .call(move |conn| upload_status(conn, &caller.account_id, &sha256))
        .await?;
    Ok(Json(status))
}

/// Query of a part upload.
#[derive(Debug, Deserialize)]
pub struct PartQuery {
    /// Size of the whole photo in bytes.
    pub total_size: u64,
}

/// `POST /v1/deliveries/photos/{sha256}/parts/{index}?total_size=N`, body: the part's bytes.
pub async fn upload_part(
    State(state): State<AppState>,
    caller: AuthedAccount,
    Path((sha256, index)): Path<(String, u32)>,
    Query(query): Query<PartQuery>,
    body: Bytes,
) -> Result<Json<PhotoUploadStatus>, ApiError> {
    check_hash(&sha256)?;
    let total = query.total_size;
    if total == 0 || total > MAX_PHOTO_BYTES {
        return Err(ApiError::invalid(
            "total_size",
            format!("must be 1 to {MAX_PHOTO_BYTES} bytes"),
        ));
    }
    // The part must fit the announced size. Each request is well-formed on its own, so a
    // misfit is a conflict with the upload (409), not a malformed request.
    let Some(expected_len) = part_len(total, index) else {
        return Err(conflict(
            "part_out_of_range",
            "index",
            format!(
                "a photo of {total} bytes has parts 0 to {}",
                part_count(total) - 1
            ),
        ));
    };
    if body.len() as u64 != expected_len {
        return Err(conflict(
            "part_size_mismatch",
            "body",
            format!(
                "part {index} of a photo of {total} bytes must be {expected_len} bytes (got {})",
                body.len()
            ),
        ));
    }
    let status = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let account = caller.account_id.as_str();
            if is_stored(&tx, &sha256)? {
                // Already complete (another part, another account, a retry): nothing to do.
                let status = upload_status(&tx, account, &sha256)?;
                tx.commit()?;
                return Ok(status);
            }
            let now = crate::db::now();
            tx.execute(
                "DELETE FROM pod_photo_parts WHERE created_at < ?1",
                [now - STALE_PARTS_SECS],
            )?;
            // A different announced size means the earlier parts belong to another attempt
            // at this name: start over rather than mix them.
            tx.execute(
                "DELETE FROM pod_photo_parts WHERE account_id = ?1 AND sha256 = ?2 AND total_size != ?3",
                params![account, sha256, total as i64],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO pod_photo_parts(account_id, sha256, total_size, idx, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![account, sha256, total as i64, index, &body[..], now],
            )?;
            let held: u32 = tx.query_row(
                "SELECT count(*) FROM pod_photo_parts WHERE account_id = ?1 AND sha256 = ?2",
                params![account, sha256],
                |r| r.get(0),
            )?;
            if held == part_count(total) {
                let mut whole = Vec::with_capacity(total as usize);
                {
                    let mut stmt = tx.prepare_cached(
                        "SELECT bytes FROM pod_photo_parts WHERE account_id = ?1 AND sha256 = ?2 ORDER BY idx",
                    )?;
                    let mut rows = stmt.query(params![account, sha256])?;
                    while let Some(row) = rows.next()? {
                        whole.extend_from_slice(&row.get::<_, Vec<u8>>(0)?);
                    }
                }
                tx.execute(
                    "DELETE FROM pod_photo_parts WHERE account_id = ?1 AND sha256 = ?2",
                    params![account, sha256],
                )?;
                if sha256_hex(&whole) != sha256 {
                    // The parts are dropped (committed) so the phone re-sends from scratch.
                    tx.commit()?;
                    return Err(conflict(
                        "upload_hash_mismatch",
                        "sha256",
                        "the uploaded bytes do not hash to the photo's name; upload it again",
                    ));
                }
                tx.execute(
                    "INSERT INTO pod_photos(sha256, bytes, created_at) VALUES (?1, ?2, ?3)",
                    params![sha256, whole, now],
                )?;
            }
            let status = upload_status(&tx, account, &sha256)?;
            tx.commit()?;
            Ok(status)
        })
        .await?;
    Ok(Json(status))
}
