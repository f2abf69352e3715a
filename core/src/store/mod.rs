//! The local SQLite store of one signed-in account.
//!
//! One database file per account (`<data_dir>/accounts/<account id>/companion.db`), in WAL
//! mode with one writer connection and a separate reader, so a long sync transaction never
//! blocks a lookup from the UI. Every write runs in a single `BEGIN IMMEDIATE` transaction:
//! the app can be killed at any instant and the file is either before or after the write.
//!
//! Account databases are encrypted with AES-256 by SQLCipher 4 (AES-256-CBC pages with an
//! HMAC-SHA512 per page), with a random raw 256-bit key per account kept only in secure
//! storage ([`crate::keys`]). A raw key skips SQLCipher's PBKDF2, so opening stays fast.
//! Files are only ever created or converted under a temporary name and renamed into place,
//! so a kill at any instant leaves the old file or the new one, never neither and never a
//! half-made one; an empty or truncated file is therefore damage and is reported as corrupt.

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};
use crate::keys::{self, DatabaseKey};
use crate::platform::SecureStorage;
pub use schema::{META_MIGRATION, Migration};

/// The first 16 bytes of every plaintext SQLite file.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

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

/// What is on disk where a database should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnDisk {
    Missing,
    Empty,
    Plaintext,
    /// Encrypted (or garbage: without the key the two look the same), `len` bytes.
    Opaque {
        len: u64,
    },
}

fn on_disk(path: &Path) -> Result<OnDisk> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(e) => {
            return Err(Error::Storage(format!(
                "cannot open {}: {e}",
                path.display()
            )));
        }
    };
    let len = file
        .metadata()
        .map_err(|e| Error::Storage(format!("cannot stat {}: {e}", path.display())))?
        .len();
    if len == 0 {
        return Ok(OnDisk::Empty);
    }
    let mut header = [0u8; 16];
    let plaintext = file.read_exact(&mut header).is_ok() && &header == PLAINTEXT_HEADER;
    Ok(if plaintext {
        OnDisk::Plaintext
    } else {
        OnDisk::Opaque { len }
    })
}

/// `companion.db` -> `companion.db<suffix>`, in the same directory (so rename is atomic).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Storage(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// Leftovers of a creation or conversion killed before its rename: never data, only a
/// partial copy of what is still in place.
fn remove_stale_temporaries(path: &Path) -> Result<()> {
    for suffix in [".new", ".new-journal", ".encrypting", ".encrypting-journal"] {
        remove_if_present(&sibling(path, suffix))?;
    }
    Ok(())
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::Storage(format!("cannot sync {}: {e}", path.display())))
}

/// Renames `from` over `to` and makes the rename durable (directory fsync).
fn rename_durably(from: &Path, to: &Path) -> Result<()> {
    sync_file(from)?;
    std::fs::rename(from, to).map_err(|e| {
        Error::Storage(format!(
            "cannot rename {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })?;
    #[cfg(unix)]
    if let Some(dir) = to.parent() {
        sync_file(dir)?;
    }
    Ok(())
}

/// The raw-key form SQLCipher takes (`x'<64 hex>'`): no key derivation on open.
fn raw_key_literal(key: &DatabaseKey) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(67);
    hex.push_str("x'");
    for b in key.as_bytes() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.push('\'');
    hex
}

/// Must be the first statement on a connection.
fn apply_key(conn: &Connection, key: &DatabaseKey) -> rusqlite::Result<()> {
    // SQLCipher would print a wrong key's HMAC failure to stderr/logcat; the caller gets
    // a typed error instead, which is where it belongs.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let literal = raw_key_literal(key);
    // `PRAGMA key` takes no bound parameters; the literal is hex only, so it cannot inject.
    conn.execute_batch(&format!("PRAGMA key = \"{literal}\";"))
}

fn close(conn: Connection, path: &Path) -> Result<()> {
    conn.close()
        .map_err(|(_, e)| Error::Storage(format!("cannot close {}: {e}", path.display())))
}

impl Store {
    /// Opens the account database at `path`, encrypted with `key`, checks its integrity and
    /// brings its schema up to date. A missing database is created (encrypted); a plaintext
    /// one from an older release is encrypted in place first. `migrations` are the schema's
    /// steps, oldest first (the account scope assembles them from its features).
    pub fn open(
        path: impl AsRef<Path>,
        key: &DatabaseKey,
        migrations: &[Migration],
    ) -> Result<Store> {
        Self::open_inner(path.as_ref(), Some(key), migrations)
    }

    /// Opens a plaintext database. Only for measuring what encryption costs (`companion
    /// bench --plaintext`) and for tests that build a database as an older release did;
    /// account data on a phone is always opened with [`Store::open`].
    pub fn open_plaintext(path: impl AsRef<Path>, migrations: &[Migration]) -> Result<Store> {
        Self::open_inner(path.as_ref(), None, migrations)
    }

    /// Opens an account's database with its key from secure storage. The key is created
    /// only when there is no database yet or a plaintext one to convert; an encrypted
    /// database whose key is gone is a [`Error::MissingKey`] error and is left untouched.
    pub fn open_account(
        path: impl AsRef<Path>,
        storage: &dyn SecureStorage,
        account_id: &str,
        migrations: &[Migration],
    ) -> Result<Store> {
        let path = path.as_ref();
        #[cfg(feature = "plaintext-bench")]
        if bench::plaintext() {
            return Self::open_plaintext(path, migrations);
        }
        let key = match on_disk(path)? {
            OnDisk::Missing | OnDisk::Plaintext => {
                keys::account_database_key_or_create(storage, account_id)?
            }
            OnDisk::Empty | OnDisk::Opaque { .. } => {
                keys::account_database_key(storage, account_id)?.ok_or_else(|| {
                    Error::MissingKey {
                path: path.display().to_string(),
                detail: "the database is encrypted and secure storage has no key for this account"
                    .into(),
            }
                })?
            }
        };
        Self::open(path, &key, migrations)
    }

    fn open_inner(
        path: &Path,
        key: Option<&DatabaseKey>,
        migrations: &[Migration],
    ) -> Result<Store> {
        let path = path.to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Storage(format!(
                    "cannot create data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        remove_stale_temporaries(&path)?;
        match on_disk(&path)? {
            OnDisk::Missing => create(&path, key, migrations)?,
            OnDisk::Empty => {
                return Err(Error::CorruptDatabase {
                    path: path.display().to_string(),
                    detail: "the file is empty (0 bytes); it was damaged after it was written"
                        .into(),
                });
            }
            // SQLite files are whole pages (512 bytes at the least).
            OnDisk::Opaque { len } if len % 512 != 0 => {
                return Err(Error::CorruptDatabase {
                    path: path.display().to_string(),
                    detail: format!("the file is truncated ({len} bytes, not whole pages)"),
                });
            }
            OnDisk::Plaintext => {
                if let Some(key) = key {
                    encrypt_in_place(&path, key)?;
                }
            }
            OnDisk::Opaque { .. } => {}
        }
        let corrupt = |e: rusqlite::Error| classify_open_error(&path, key.is_some(), e);
        // No CREATE: the file exists now; if it vanished meanwhile, an empty database must
        // not silently take its place.
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        if let Some(key) = key {
            apply_key(&writer, key).map_err(corrupt)?;
        }
        configure(&writer).map_err(corrupt)?;
        check_integrity(&writer, &path, key.is_some())?;
        schema::migrate(&mut writer, migrations)?;
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        if let Some(key) = key {
            apply_key(&reader, key).map_err(corrupt)?;
        }
        reader
            .busy_timeout(Duration::from_secs(5))
            .map_err(corrupt)?;
        // Belt and braces beside the read-only open: a statement prepared on the reader
        // can never write.
        reader
            .pragma_update(None, "query_only", true)
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

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer connection: committed
    /// when `f` returns `Ok`, rolled back entirely otherwise. Blocking: async code calls
    /// [`Store::write_blocking`].
    pub fn write<T>(&self, f: impl FnOnce(&Write<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&Write {
            read: Read { conn: &tx },
        })?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on the reader connection. Reads see the last committed state and are never
    /// blocked by a write in progress (WAL); the connection is opened read-only and [`Read`]
    /// offers no write.
    pub fn read<T>(&self, f: impl FnOnce(&Read<'_>) -> Result<T>) -> Result<T> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&Read { conn: &conn })
    }

    /// [`Store::read`] on tokio's blocking pool, so async callers never stall a worker.
    pub async fn read_blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Read<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read(f)).await?
    }

    /// [`Store::write`] on tokio's blocking pool.
    pub async fn write_blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Write<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write(f)).await?
    }
}

/// Read access to the database: queries only.
pub struct Read<'c> {
    conn: &'c Connection,
}

/// Write access inside one transaction: everything a [`Read`] can do, plus writes. Only
/// [`Store::write`] hands one out.
pub struct Write<'c> {
    read: Read<'c>,
}

impl<'c> Read<'c> {
    /// A cached prepared statement (hot lookups and sync pages reuse theirs).
    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
        self.conn.prepare_cached(sql)
    }

    pub fn prepare(&self, sql: &str) -> rusqlite::Result<rusqlite::Statement<'c>> {
        self.conn.prepare(sql)
    }

    pub fn query_row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.query_row(sql, params, f)
    }

    pub fn pragma_query_value<T>(
        &self,
        name: &str,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.pragma_query_value(None, name, f)
    }

    /// Sync statements outnumber rusqlite's default statement cache (16): keep them all.
    pub fn use_large_statement_cache(&self) {
        self.conn.set_prepared_statement_cache_capacity(96);
    }

    /// A value of the `meta` table (small per-account state of any component).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }
}

impl<'c> std::ops::Deref for Write<'c> {
    type Target = Read<'c>;
    fn deref(&self) -> &Read<'c> {
        &self.read
    }
}

impl Write<'_> {
    pub fn execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.read.conn.execute(sql, params)
    }

    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.read.conn.execute_batch(sql)
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.read.conn.last_insert_rowid()
    }

    pub fn pragma_update<V: rusqlite::ToSql>(&self, name: &str, value: V) -> rusqlite::Result<()> {
        self.read.conn.pragma_update(None, name, value)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    pub fn delete_meta(&self, key: &str) -> Result<()> {
        self.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }
}

fn create(path: &Path, key: Option<&DatabaseKey>, migrations: &[Migration]) -> Result<()> {
    let tmp = sibling(path, ".new");
    let corrupt = |e: rusqlite::Error| classify_open_error(&tmp, key.is_some(), e);
    let mut conn = Connection::open_with_flags(
        &tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(corrupt)?;
    if let Some(key) = key {
        apply_key(&conn, key).map_err(corrupt)?;
    }
    // The rollback journal while building: a WAL file would have to be renamed too.
    conn.busy_timeout(Duration::from_secs(5)).map_err(corrupt)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(corrupt)?;
    schema::migrate(&mut conn, migrations)?;
    close(conn, &tmp)?;
    rename_durably(&tmp, path)
}

/// Encrypts a plaintext database from an older release, kill-safe: the encrypted copy is
/// written under a temporary name with `sqlcipher_export`, synced, and renamed over the
/// original. A kill before the rename leaves the plaintext database (converted again on the
/// next open), after it the encrypted one.
fn encrypt_in_place(path: &Path, key: &DatabaseKey) -> Result<()> {
    let tmp = sibling(path, ".encrypting");
    let corrupt = |e: rusqlite::Error| classify_open_error(path, false, e);
    // CREATE is for the attached copy (ATTACH uses the main connection's flags); the
    // plaintext file itself was just seen to exist.
    let plain = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(corrupt)?;
    plain
        .busy_timeout(Duration::from_secs(5))
        .map_err(corrupt)?;
    check_integrity(&plain, path, false)?;
    // Everything into the main file first, so the copy below sees every commit.
    plain
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(corrupt)?;
    let version: u32 = plain
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    let tmp_name = tmp
        .to_str()
        .ok_or_else(|| Error::Storage(format!("path is not UTF-8: {}", tmp.display())))?;
    plain
        .execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [tmp_name, raw_key_literal(key).as_str()],
        )
        .map_err(corrupt)?;
    plain
        .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
        .map_err(corrupt)?;
    // sqlcipher_export copies schema and rows, not the schema version.
    plain
        .pragma_update(Some("encrypted"), "user_version", version)
        .map_err(corrupt)?;
    plain
        .execute_batch("DETACH DATABASE encrypted")
        .map_err(corrupt)?;
    close(plain, path)?;
    // Closing the last connection checkpointed and removed the WAL. A WAL left beside the
    // renamed file would be replayed onto it, so make sure none is.
    remove_if_present(&sibling(path, "-wal"))?;
    remove_if_present(&sibling(path, "-shm"))?;
    rename_durably(&tmp, path)?;
    tracing::info!("account database encrypted in place");
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
fn check_integrity(conn: &Connection, path: &Path, encrypted: bool) -> Result<()> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| classify_open_error(path, encrypted, e))?;
    if verdict != "ok" {
        return Err(Error::CorruptDatabase {
            path: path.display().to_string(),
            detail: verdict,
        });
    }
    Ok(())
}

fn classify_open_error(path: &Path, encrypted: bool, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        // SQLCipher cannot tell a wrong key from a damaged first page: both fail the HMAC.
        Some(ErrorCode::NotADatabase) if encrypted => Error::CorruptDatabase {
            path: path.display().to_string(),
            detail: format!(
                "cannot be decrypted with the account's key (wrong key or damaged file): {e}"
            ),
        },
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

/// The benchmarks' switch to measure what encryption costs (`companion bench --plaintext`).
#[cfg(feature = "plaintext-bench")]
pub mod bench {
    use std::sync::atomic::{AtomicBool, Ordering};

    static PLAINTEXT: AtomicBool = AtomicBool::new(false);

    /// From now on, [`super::Store::open_account`] opens plaintext databases in this process.
    pub fn set_plaintext(on: bool) {
        PLAINTEXT.store(on, Ordering::SeqCst);
    }

    pub(super) fn plaintext() -> bool {
        PLAINTEXT.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::FileSecureStorage;

    const STEPS: &[Migration] = &[
        META_MIGRATION,
        Migration {
            version: 2,
            name: "notes",
            sql: "CREATE TABLE notes (body TEXT NOT NULL) STRICT;",
        },
    ];

    fn key() -> DatabaseKey {
        DatabaseKey::generate()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// Every byte of the database and its WAL.
    fn raw_bytes(path: &Path) -> Vec<u8> {
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(sibling(path, "-wal")) {
            bytes.extend(wal);
        }
        bytes
    }

    #[test]
    fn database_is_encrypted_and_reopens_with_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.db");
        let k = key();
        {
            let store = Store::open(&path, &k, STEPS).unwrap();
            store
                .write(|w| w.set_meta("item", "Cherry tomatoes 250g"))
                .unwrap();
            assert!(!contains(&raw_bytes(&path), b"SQLite format 3"));
            assert!(!contains(&raw_bytes(&path), b"Cherry tomatoes"));
        }
        let before = raw_bytes(&path);
        let err = Store::open(&path, &key(), STEPS).unwrap_err();
        assert!(
            matches!(err, Error::CorruptDatabase { ref detail, .. } if detail.contains("wrong key")),
            "{err:?}"
        );
        assert_eq!(raw_bytes(&path), before, "a wrong key touches nothing");
        let store = Store::open(&path, &k, STEPS).unwrap();
        assert_eq!(
            store.read(|r| r.meta("item")).unwrap().as_deref(),
            Some("Cherry tomatoes 250g")
        );
    }

    #[test]
    fn plaintext_database_of_the_previous_release_is_encrypted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.db");
        {
            let old = Store::open_plaintext(&path, &STEPS[..1]).unwrap();
            old.write(|w| w.set_meta("outbox", "pick 12 crates of Braeburn"))
                .unwrap();
        }
        assert!(raw_bytes(&path).starts_with(PLAINTEXT_HEADER));
        let k = key();
        let store = Store::open(&path, &k, STEPS).unwrap();
        assert_eq!(
            store.read(|r| r.meta("outbox")).unwrap().as_deref(),
            Some("pick 12 crates of Braeburn")
        );
        let version: u32 = store
            .read(|c| Ok(c.pragma_query_value("user_version", |r| r.get(0))?))
            .unwrap();
        assert_eq!(version, STEPS.len() as u32, "migrated after conversion");
        drop(store);
        let bytes = raw_bytes(&path);
        assert!(!contains(&bytes, b"SQLite format 3"));
        assert!(!contains(&bytes, b"Braeburn"));
        for leftover in [".encrypting", ".new", "-journal"] {
            assert!(!sibling(&path, leftover).exists(), "{leftover} left behind");
        }
    }

    #[test]
    fn empty_or_truncated_database_is_corrupt_and_never_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.db");
        let k = key();
        {
            let store = Store::open(&path, &k, STEPS).unwrap();
            store
                .write(|tx| {
                    for i in 0..2000 {
                        tx.set_meta(&format!("k{i}"), &"x".repeat(200))?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let full = std::fs::read(&path).unwrap();
        for len in [0, 100, full.len() / 2, full.len() - 4096] {
            std::fs::write(&path, &full[..len]).unwrap();
            let err = Store::open(&path, &k, STEPS).unwrap_err();
            assert!(
                matches!(err, Error::CorruptDatabase { .. }),
                "{len} bytes: {err:?}"
            );
            assert_eq!(std::fs::read(&path).unwrap().len(), len, "left as it was");
        }
    }

    #[test]
    fn account_key_lives_in_secure_storage_and_its_loss_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileSecureStorage::new(dir.path().join("secure")).unwrap();
        let path = dir.path().join("a/companion.db");
        Store::open_account(&path, &storage, "acc-1", STEPS)
            .unwrap()
            .write(|w| w.set_meta("k", "v"))
            .unwrap();
        let stored = crate::keys::account_database_key(&storage, "acc-1")
            .unwrap()
            .unwrap();
        assert_eq!(
            Store::open(&path, &stored, STEPS)
                .unwrap()
                .read(|r| r.meta("k"))
                .unwrap()
                .as_deref(),
            Some("v")
        );
        crate::keys::wipe_account_keys(&storage, "acc-1").unwrap();
        let before = raw_bytes(&path);
        let err = Store::open_account(&path, &storage, "acc-1", STEPS).unwrap_err();
        assert!(matches!(err, Error::MissingKey { .. }), "{err:?}");
        assert_eq!(raw_bytes(&path), before, "a missing key touches nothing");
        assert!(
            crate::keys::account_database_key(&storage, "acc-1")
                .unwrap()
                .is_none(),
            "no new key is made up for an existing database"
        );
    }

    #[test]
    fn corrupt_file_is_reported_as_corrupt_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.db");
        let garbage = vec![0x5au8; 8192];
        std::fs::write(&path, &garbage).unwrap();
        let err = Store::open(&path, &key(), STEPS).unwrap_err();
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
        let err = Store::open(blocker.join("companion.db"), &key(), STEPS).unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
    }

    #[test]
    fn reader_sees_committed_state_while_writer_holds_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("c.db"), &key(), STEPS).unwrap();
        store.write(|w| w.set_meta("k", "before")).unwrap();
        let conn = store.writer.lock().unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; UPDATE meta SET value = 'during' WHERE key = 'k';")
            .unwrap();
        // The reader is not blocked by the open write transaction and sees the old value.
        assert_eq!(
            store.read(|r| r.meta("k")).unwrap().as_deref(),
            Some("before")
        );
        conn.execute_batch("COMMIT").unwrap();
        drop(conn);
        assert_eq!(
            store.read(|r| r.meta("k")).unwrap().as_deref(),
            Some("during")
        );
    }

    #[test]
    fn failed_write_rolls_back_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("c.db"), &key(), STEPS).unwrap();
        let result: Result<()> = store.write(|tx| {
            tx.set_meta("a", "1")?;
            Err(Error::invalid("quantity", "negative"))
        });
        assert!(result.is_err());
        assert_eq!(store.read(|r| r.meta("a")).unwrap(), None);
    }
}
