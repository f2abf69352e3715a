//! The purge: once an account's grace period is over, its personal data is deleted and the
//! business records that must be kept are de-identified (the account id replaced by the
//! pseudonym chosen at the request, which is itself deleted at the end, so it links to
//! nothing).
//!
//! The work is a list of steps; each step is one transaction and keyed by the one account
//! id, so a purge that crashes halfway resumes at the next run (the row stays `purging`)
//! and never touches another account's rows. Large tables are de-identified in batches so
//! the single database connection is never held for long.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::AccountConfig;
use crate::db::Db;
use crate::error::ApiError;

/// Rows de-identified per transaction.
pub const BATCH_ROWS: i64 = 5_000;

/// One table of business records kept after the purge, de-identified in batches.
/// The proof-of-delivery feature adds its own entry for its signed proofs.
pub struct KeptTable {
    pub table: &'static str,
    /// The column holding the account id, replaced by the pseudonym.
    pub account_column: &'static str,
}

/// Kept business records, de-identified by the purge (see `docs/account-deletion.md`).
pub const KEPT_TABLES: &[KeptTable] = &[KeptTable {
    table: "inv_movements",
    account_column: "account_id",
}];

/// Purges every account whose grace period is over (and resumes interrupted purges).
/// Returns how many accounts were finished.
pub async fn run_due(db: &Db, config: &AccountConfig, db_path: &Path) -> Result<usize, ApiError> {
    let now = config.clock.now();
    let due: Vec<String> = db
        .call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT account_id FROM account_deletions
                 WHERE state = 'purging' OR (state = 'pending' AND purge_after <= ?1)
                 ORDER BY purge_after",
            )?;
            let ids = stmt
                .query_map([now], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(ids)
        })
        .await?;
    let mut done = 0;
    for id in due {
        if purge_account(db, config, db_path, &id, None).await? {
            done += 1;
        }
    }
    Ok(done)
}

/// Purges one account whose deletion is due. `max_batches` stops early after that many
/// de-identification batches (tests simulate a crash with it); returns whether the purge
/// finished. Calling it again resumes.
pub async fn purge_account(
    db: &Db,
    config: &AccountConfig,
    db_path: &Path,
    account_id: &str,
    max_batches: Option<usize>,
) -> Result<bool, ApiError> {
    let now = config.clock.now();
    let id = account_id.to_string();
    // Step 1: claim it. Only a due (or already started) deletion is purged.
    let pseudonym: Option<String> = db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let row: Option<(String, String, i64)> = tx
                .query_row(
                    "SELECT state, pseudonym, purge_after FROM account_deletions WHERE account_id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((state, pseudonym, purge_after)) = row else {
                return Ok(None);
            };
            if state == "pending" && purge_after > now {
                return Ok(None);
            }
            tx.execute(
                "UPDATE account_deletions SET state = 'purging' WHERE account_id = ?1",
                [&id],
            )?;
            tx.commit()?;
            Ok(Some(pseudonym))
        })
        .await?;
    let Some(pseudonym) = pseudonym else {
        return Ok(false);
    };
    // Step 2: de-identify the kept records, a batch per transaction.
    let mut batches = 0;
    for kept in KEPT_TABLES {
        loop {
            if max_batches.is_some_and(|max| batches >= max) {
                return Ok(false);
            }
            let (id, p) = (account_id.to_string(), pseudonym.clone());
            let changed = db
                .call(move |conn| Ok(deidentify_batch(conn, kept, &id, &p)?))
                .await?;
            batches += 1;
            if changed < BATCH_ROWS as usize {
                break;
            }
        }
    }
    // Step 3: delete the personal data and the deletion row (with its pseudonym) at once.
    let id = account_id.to_string();
    let exports: Vec<String> = db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let exports = delete_personal_data(&tx, &id)?;
            tx.execute(
                "INSERT INTO account_journal(account_id, event, at) VALUES (?1, 'purged', ?2)",
                params![id, now],
            )?;
            tx.commit()?;
            Ok(exports)
        })
        .await?;
    let dir = config.export_dir_for(db_path);
    for e in exports {
        let _ = std::fs::remove_file(dir.join(format!("{e}.zip")));
    }
    super::backup::journal_append(db_path, account_id, "purged", now, None);
    tracing::info!(account = %account_id, "account purged");
    Ok(true)
}

fn deidentify_batch(
    conn: &mut Connection,
    kept: &KeptTable,
    account_id: &str,
    pseudonym: &str,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let (t, c) = (kept.table, kept.account_column);
    // Table and column names are constants of this module, never input.
    let n = tx.execute(
        &format!(
            "UPDATE {t} SET {c} = ?2 WHERE rowid IN (SELECT rowid FROM {t} WHERE {c} = ?1 LIMIT ?3)"
        ),
        params![account_id, pseudonym, BATCH_ROWS],
    )?;
    tx.commit()?;
    Ok(n)
}

/// Deletes everything personal of one account (in the caller's transaction) and returns
/// the ids of its export files, removed from disk after the commit.
pub(crate) fn delete_personal_data(
    tx: &Connection,
    account_id: &str,
) -> rusqlite::Result<Vec<String>> {
    let exports = {
        let mut stmt = tx.prepare("SELECT id FROM account_exports WHERE account_id = ?1")?;
        stmt.query_map([account_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?
    };
    tx.execute(
        "DELETE FROM push_attempts WHERE delivery_id IN (SELECT id FROM push_deliveries WHERE account_id = ?1)",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM push_deliveries WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM account_exports WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM push_registrations WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM push_preferences WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM tokens WHERE session_id IN (SELECT id FROM device_sessions WHERE account_id = ?1)",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM device_sessions WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute(
        "DELETE FROM account_warehouses WHERE account_id = ?1",
        [account_id],
    )?;
    tx.execute("DELETE FROM accounts WHERE id = ?1", [account_id])?;
    tx.execute(
        "DELETE FROM account_deletions WHERE account_id = ?1",
        [account_id],
    )?;
    Ok(exports)
}
