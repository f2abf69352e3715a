//! Backups of the server database, their retention, and restores that never bring a
//! deleted account back.
//!
//! - A backup is `VACUUM INTO <dir>/companion-backup-<unix seconds>.db`: a consistent copy
//!   taken while the server runs. Backups older than the retention (90 days) are deleted.
//! - Every deletion request, cancellation and purge is journalled twice: in the database
//!   (`account_journal`) and in an append-only file beside it (`<db>.deletions.jsonl`), so
//!   the journal survives even when the database itself is what is being restored.
//! - A restore (server stopped) copies the backup into place and then re-applies the
//!   journal: accounts purged since are purged again, pending requests come back with their
//!   original purge date, cancellations stay cancelled. A backup older than the retention is
//!   refused: it may hold accounts whose journal entries have been pruned.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::AccountConfig;
use crate::db::Db;

const PREFIX: &str = "companion-backup-";

/// One journalled event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub account_id: String,
    /// `requested`, `cancelled` or `purged`.
    pub event: String,
    pub at: i64,
    pub purge_after: Option<i64>,
}

/// The journal file beside the database.
pub fn journal_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".deletions.jsonl");
    PathBuf::from(name)
}

/// Appends an event to the journal file (synced). The database journal is written in the
/// same transaction as the change; a failure here is logged and the database copy remains.
pub fn journal_append(
    db_path: &Path,
    account_id: &str,
    event: &str,
    at: i64,
    purge_after: Option<i64>,
) {
    let entry = JournalEntry {
        account_id: account_id.to_string(),
        event: event.to_string(),
        at,
        purge_after,
    };
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(journal_path(db_path))?;
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        f.write_all(&line)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot append to the deletion journal file");
    }
}

fn read_journal_file(db_path: &Path) -> Vec<JournalEntry> {
    let Ok(f) = std::fs::File::open(journal_path(db_path)) else {
        return Vec::new();
    };
    std::io::BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        // A line cut by a crash mid-write is skipped; its database copy remains.
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect()
}

fn read_journal_db(conn: &Connection) -> rusqlite::Result<Vec<JournalEntry>> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'account_journal')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare("SELECT account_id, event, at, purge_after FROM account_journal ORDER BY seq")?;
    stmt.query_map([], |r| {
        Ok(JournalEntry {
            account_id: r.get(0)?,
            event: r.get(1)?,
            at: r.get(2)?,
            purge_after: r.get(3)?,
        })
    })?
    .collect()
}

/// Takes a backup into `dir`; returns its path.
pub fn create(db: &Db, dir: &Path, now: i64) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{PREFIX}{now}.db"));
    if path.exists() {
        return Ok(path);
    }
    let temp = dir.join(format!(".{PREFIX}{now}.db.part"));
    let _ = std::fs::remove_file(&temp);
    let target = temp.to_string_lossy().to_string();
    db.with(|c| c.execute("VACUUM INTO ?1", [&target]))
        .map_err(std::io::Error::other)?;
    std::fs::File::open(&temp)?.sync_all()?;
    std::fs::rename(&temp, &path)?;
    tracing::info!(path = %path.display(), "backup taken");
    Ok(path)
}

/// When a backup was taken, from its file name.
pub fn taken_at(path: &Path) -> Option<i64> {
    path.file_name()?
        .to_str()?
        .strip_prefix(PREFIX)?
        .strip_suffix(".db")?
        .parse()
        .ok()
}

/// The backups in `dir`, oldest first.
pub fn list(dir: &Path) -> std::io::Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if let Some(at) = taken_at(&path) {
            out.push((at, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Deletes backups older than `retention`; returns how many.
pub fn prune(dir: &Path, now: i64, retention: Duration) -> std::io::Result<usize> {
    let cutoff = now - retention.as_secs() as i64;
    let mut n = 0;
    for (at, path) in list(dir)? {
        if at < cutoff {
            std::fs::remove_file(&path)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Why a restore was refused.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0} is not a backup file (companion-backup-<unix seconds>.db)")]
    NotABackup(String),
    #[error(
        "the backup is {age_days} days old, older than the {retention_days}-day retention: refused, \
         because deletions older than the retention are no longer journalled"
    )]
    TooOld { age_days: i64, retention_days: i64 },
    #[error("restoring: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("re-applying deletions: {0}")]
    Reapply(String),
}

/// What a restore re-applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub backup_taken_at: i64,
    pub purged_again: usize,
    pub requests_restored: usize,
    pub cancellations_applied: usize,
}

/// Restores `backup` over the database at `db_path` (the server must be stopped), then
/// re-applies every deletion journalled since. `schema` is the server's migration list.
pub async fn restore(
    db_path: &Path,
    backup: &Path,
    schema: &[&str],
    config: &AccountConfig,
) -> Result<RestoreReport, RestoreError> {
    let taken =
        taken_at(backup).ok_or_else(|| RestoreError::NotABackup(backup.display().to_string()))?;
    let now = config.clock.now();
    let retention = config.backup_retention.as_secs() as i64;
    if now - taken > retention {
        return Err(RestoreError::TooOld {
            age_days: (now - taken) / 86_400,
            retention_days: retention / 86_400,
        });
    }
    // The journal from both copies: the file, and the database being replaced.
    let mut journal = read_journal_file(db_path);
    if db_path.exists() {
        let conn = Connection::open(db_path)?;
        for e in read_journal_db(&conn)? {
            if !journal.contains(&e) {
                journal.push(e);
            }
        }
    }
    journal.sort_by_key(|e| e.at);
    // Copy into place under a temporary name, then rename; stale WAL files of the replaced
    // database must not be applied to the restored one.
    let temp = {
        let mut n = db_path.as_os_str().to_owned();
        n.push(".restoring");
        PathBuf::from(n)
    };
    std::fs::copy(backup, &temp)?;
    std::fs::File::open(&temp)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut n = db_path.as_os_str().to_owned();
        n.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(n));
    }
    std::fs::rename(&temp, db_path)?;
    let db = Db::open(db_path, None, schema)?;
    let mut report = RestoreReport {
        backup_taken_at: taken,
        ..Default::default()
    };
    // The last event of each account decides.
    let mut last: Vec<JournalEntry> = Vec::new();
    for e in &journal {
        last.retain(|l| l.account_id != e.account_id);
        last.push(e.clone());
    }
    let entries = journal.clone();
    db.call(move |conn| {
        let tx = conn.transaction()?;
        let known = read_journal_db(&tx)?;
        for e in &entries {
            if !known.contains(e) {
                tx.execute(
                    "INSERT INTO account_journal(account_id, event, at, purge_after) VALUES (?1, ?2, ?3, ?4)",
                    params![e.account_id, e.event, e.at, e.purge_after],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    })
    .await
    .map_err(|e| RestoreError::Reapply(e.message))?;
    for e in last {
        let id = e.account_id.clone();
        match e.event.as_str() {
            "requested" => {
                let purge_after = e.purge_after.unwrap_or(e.at);
                let restored = db
                    .call(move |conn| {
                        let tx = conn.transaction()?;
                        let exists: bool = tx.query_row(
                            "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)",
                            [&id],
                            |r| r.get(0),
                        )?;
                        let pending: bool = tx.query_row(
                            "SELECT EXISTS (SELECT 1 FROM account_deletions WHERE account_id = ?1)",
                            [&id],
                            |r| r.get(0),
                        )?;
                        if !exists || pending {
                            return Ok(false);
                        }
                        insert_deletion(&tx, &id, e.at, purge_after, "pending")?;
                        super::deletion::revoke_everything(&tx, &id, now)?;
                        tx.commit()?;
                        Ok(true)
                    })
                    .await
                    .map_err(|e| RestoreError::Reapply(e.message))?;
                report.requests_restored += usize::from(restored);
            }
            "cancelled" => {
                let n = db
                    .call(move |conn| {
                        Ok(conn.execute(
                            "DELETE FROM account_deletions WHERE account_id = ?1 AND state = 'pending'",
                            [&id],
                        )?)
                    })
                    .await
                    .map_err(|e| RestoreError::Reapply(e.message))?;
                report.cancellations_applied += n;
            }
            "purged" => {
                let present = db
                    .call(move |conn| {
                        let tx = conn.transaction()?;
                        let exists: bool = tx.query_row(
                            "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)",
                            [&id],
                            |r| r.get(0),
                        )?;
                        if !exists {
                            return Ok(false);
                        }
                        let row: Option<String> = tx
                            .query_row(
                                "SELECT state FROM account_deletions WHERE account_id = ?1",
                                [&id],
                                |r| r.get(0),
                            )
                            .optional()?;
                        match row {
                            Some(_) => tx.execute(
                                "UPDATE account_deletions SET state = 'purging' WHERE account_id = ?1",
                                [&id],
                            )?,
                            None => insert_deletion(&tx, &id, e.at, e.at, "purging")?,
                        };
                        super::deletion::revoke_everything(&tx, &id, now)?;
                        tx.commit()?;
                        Ok(true)
                    })
                    .await
                    .map_err(|e| RestoreError::Reapply(e.message))?;
                if present {
                    super::purge::purge_account(&db, config, db_path, &e.account_id, None)
                        .await
                        .map_err(|e| RestoreError::Reapply(e.message))?;
                    report.purged_again += 1;
                }
            }
            _ => {}
        }
    }
    tracing::info!(?report, "backup restored; deletions re-applied");
    Ok(report)
}

fn insert_deletion(
    tx: &Connection,
    account_id: &str,
    requested_at: i64,
    purge_after: i64,
    state: &str,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO account_deletions(account_id, requested_at, purge_after, state, pseudonym, via)
         VALUES (?1, ?2, ?3, ?4, ?5, 'restore')",
        params![
            account_id,
            requested_at,
            purge_after,
            state,
            format!("anon-{}", uuid::Uuid::new_v4().simple())
        ],
    )
}

/// Forgets journal entries older than the backup retention: no backup that could need them
/// is kept any longer.
pub fn prune_journal(db: &Db, db_path: &Path, config: &AccountConfig) -> std::io::Result<()> {
    let cutoff = config.clock.now() - config.backup_retention.as_secs() as i64;
    db.with(|c| c.execute("DELETE FROM account_journal WHERE at < ?1", [cutoff]))
        .map_err(std::io::Error::other)?;
    let kept: Vec<JournalEntry> = read_journal_file(db_path)
        .into_iter()
        .filter(|e| e.at >= cutoff)
        .collect();
    let path = journal_path(db_path);
    let temp = path.with_extension("jsonl.tmp");
    let mut f = std::fs::File::create(&temp)?;
    for e in kept {
        let mut line = serde_json::to_vec(&e).map_err(std::io::Error::other)?;
        line.push(b'\n');
        f.write_all(&line)?;
    }
    f.sync_all()?;
    std::fs::rename(temp, path)
}
