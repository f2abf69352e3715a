//! Per-account encryption keys, kept only in the platform's secure storage (Keystore on
//! Android, Keychain on iOS, [`crate::platform::FileSecureStorage`] on a development desktop).
//!
//! Each account has two random 256-bit keys: one for its SQLCipher database and one for its
//! sealed files (photos, proofs, exports, queued uploads; see [`crate::sealed`]). Neither ever
//! touches a plain file, the database or a log. Wiping them makes the account's local data
//! unreadable for good (sign-out with "remove data", account deletion).

use crate::error::{Error, Result};
use crate::platform::{PlatformError, SecureStorage};
pub use crate::sealed::FileKey;

/// The 256-bit raw key of an account database. Same shape and care as a [`FileKey`]
/// (redacted `Debug`, wiped on drop), a separate key so one leak does not open the other.
pub type DatabaseKey = FileKey;

fn platform(e: PlatformError) -> Error {
    Error::Platform {
        service: "secure storage",
        reason: e.to_string(),
    }
}

/// The secure-storage entry of an account's database key.
pub fn database_key_name(account_id: &str) -> String {
    format!("account.{account_id}.db_key")
}

/// The secure-storage entry of an account's file key.
pub fn file_key_name(account_id: &str) -> String {
    format!("account.{account_id}.file_key")
}

/// Reads a key; a stored value of the wrong length is a platform error (never replaced, so
/// the data it protects stays recoverable if the storage hiccup is temporary).
fn read_key(storage: &dyn SecureStorage, name: String) -> Result<Option<FileKey>> {
    match storage.get(name.clone()).map_err(platform)? {
        None => Ok(None),
        Some(bytes) => FileKey::from_bytes(&bytes)
            .map(Some)
            .map_err(|_| Error::Platform {
                service: "secure storage",
                reason: format!("entry {name} is not a 256-bit key ({} bytes)", bytes.len()),
            }),
    }
}

/// Reads the key under `name`, creating and storing a random one on first use. The key is
/// read back after storing so a storage that silently drops writes is caught before any
/// data is encrypted with a key that would be lost.
fn key_or_create(storage: &dyn SecureStorage, name: String) -> Result<FileKey> {
    if let Some(key) = read_key(storage, name.clone())? {
        return Ok(key);
    }
    let key = FileKey::generate();
    storage
        .put(name.clone(), key.as_bytes().to_vec())
        .map_err(platform)?;
    match read_key(storage, name.clone())? {
        Some(stored) if stored.as_bytes() == key.as_bytes() => Ok(key),
        _ => Err(Error::Platform {
            service: "secure storage",
            reason: format!("entry {name} did not keep the key just stored"),
        }),
    }
}

/// The account's database key, if one was ever created.
pub fn account_database_key(
    storage: &dyn SecureStorage,
    account_id: &str,
) -> Result<Option<DatabaseKey>> {
    read_key(storage, database_key_name(account_id))
}

/// The account's database key, created on first use.
pub fn account_database_key_or_create(
    storage: &dyn SecureStorage,
    account_id: &str,
) -> Result<DatabaseKey> {
    key_or_create(storage, database_key_name(account_id))
}

/// The key for the account's sealed files, created on first use.
pub fn account_file_key(storage: &dyn SecureStorage, account_id: &str) -> Result<FileKey> {
    key_or_create(storage, file_key_name(account_id))
}

/// Forgets both keys of an account: its database and sealed files become unreadable. Call
/// only after (or instead of) deleting the account's files.
pub fn wipe_account_keys(storage: &dyn SecureStorage, account_id: &str) -> Result<()> {
    storage
        .delete(database_key_name(account_id))
        .map_err(platform)?;
    storage.delete(file_key_name(account_id)).map_err(platform)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::FileSecureStorage;

    #[test]
    fn keys_are_random_per_account_stable_and_wipeable() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileSecureStorage::new(dir.path()).unwrap();
        assert!(account_database_key(&storage, "a").unwrap().is_none());
        let db_a = account_database_key_or_create(&storage, "a").unwrap();
        let file_a = account_file_key(&storage, "a").unwrap();
        let db_b = account_database_key_or_create(&storage, "b").unwrap();
        assert_ne!(db_a.as_bytes(), file_a.as_bytes());
        assert_ne!(db_a.as_bytes(), db_b.as_bytes());
        let reopened = FileSecureStorage::new(dir.path()).unwrap();
        assert_eq!(
            account_database_key_or_create(&reopened, "a")
                .unwrap()
                .as_bytes(),
            db_a.as_bytes()
        );
        assert_eq!(
            account_file_key(&reopened, "a").unwrap().as_bytes(),
            file_a.as_bytes()
        );
        wipe_account_keys(&reopened, "a").unwrap();
        assert!(account_database_key(&reopened, "a").unwrap().is_none());
        assert!(reopened.get(file_key_name("a")).unwrap().is_none());
        assert!(account_database_key(&reopened, "b").unwrap().is_some());
    }

    #[test]
    fn a_damaged_key_entry_is_an_error_and_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileSecureStorage::new(dir.path()).unwrap();
        storage.put(file_key_name("a"), vec![1, 2, 3]).unwrap();
        let err = account_file_key(&storage, "a").unwrap_err();
        assert!(matches!(err, Error::Platform { .. }), "{err:?}");
        assert_eq!(
            storage.get(file_key_name("a")).unwrap(),
            Some(vec![1, 2, 3])
        );
    }
}
