//! The local SQLite store of one signed-in account.
//!
//! One database file per account (`<data_dir>/accounts/<account id>/companion.db`), in WAL
//! mode with one writer connection and a separate reader, so a long sync transaction never
//! blocks a lookup from the UI. Every write runs in a single `BEGIN IMMEDIATE` transaction:
//! the app can be killed at any instant and the file is either before or after the write.

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};
pub use schema::{MIGRATIONS, Migration};

/// An open account database.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, checks its integrity and brings
    /// its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Self::open_with(path, MIGRATIONS)
    }

    /// As [`Store::open`] with an explicit migration list (tests exercise old schemas).
    pub fn open_with(path: impl AsRef<Path>, migrations: &[Migration]) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Storage(format!(
                    "cannot create data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let corrupt = |e: rusqlite::Error| classify_open_error(&path, e);
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        configure(&writer).map_err(corrupt)?;
        check_integrity(&writer, &path)?;
        schema::migrate(&mut writer, migrations)?;
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        reader
            .busy_timeout(Duration::from_secs(5))
            .map_err(corrupt)?;
        Ok(Store {
            path,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one immediate write transaction, committed when `f` returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on the reader connection. Reads see the last committed state and are never
    /// blocked by a write in progress (WAL).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// The small key/value table for per-account settings and cursors.
    pub fn get_meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| get_meta(c, key))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| set_meta(tx, key, value))
    }
}

pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // WAL: readers and the writer do not block each other. NORMAL is durable across app
    // kills (only an OS crash can lose the last commits) and much faster than FULL.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// `quick_check` finds damaged pages and indexes at a fraction of `integrity_check`'s cost,
/// which keeps the cold open fast.
fn check_integrity(conn: &Connection, path: &Path) -> Result<()> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| classify_open_error(path, e))?;
    if verdict != "ok" {
        return Err(Error::CorruptDatabase {
            path: path.display().to_string(),
            detail: verdict,
        });
    }
    Ok(())
}

fn classify_open_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            Error::CorruptDatabase {
                path: path.display().to_string(),
                detail: e.to_string(),
            }
        }
        Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::PermissionDenied) => {
            Error::Storage(format!("cannot open {}: {e}", path.display()))
        }
        _ => Error::Storage(format!("{}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_file_is_reported_as_corrupt_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.db");
        let garbage = vec![0x5au8; 8192];
        std::fs::write(&path, &garbage).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, Error::CorruptDatabase { .. }), "{err:?}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            garbage,
            "a corrupt file must not be overwritten"
        );
    }

    #[test]
    fn unwritable_directory_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, b"file").unwrap();
        let err = Store::open(blocker.join("companion.db")).unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
    }

    #[test]
    fn reader_sees_committed_state_while_writer_holds_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("c.db")).unwrap();
        store.set_meta("k", "before").unwrap();
        let conn = store.writer.lock().unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; UPDATE meta SET value = 'during' WHERE key = 'k';")
            .unwrap();
        // The reader is not blocked by the open write transaction and sees the old value.
        assert_eq!(store.get_meta("k").unwrap().as_deref(), Some("before"));
        conn.execute_batch("COMMIT").unwrap();
        drop(conn);
        assert_eq!(store.get_meta("k").unwrap().as_deref(), Some("during"));
    }

    #[test]
    fn failed_write_rolls_back_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("c.db")).unwrap();
        let result: Result<()> = store.write(|tx| {
            set_meta(tx, "a", "1")?;
            Err(Error::invalid("quantity", "negative"))
        });
        assert!(result.is_err());
        assert_eq!(store.get_meta("a").unwrap(), None);
    }
}
