//! The account scope: everything that exists only while an account is signed in on this
//! device. Built at sign-in (or at start-up with a stored session), closed at sign-out and
//! when the server ends the session, with its background tasks stopped.
//!
//! This is where the features are wired together: the account database's schema is
//! assembled here from each feature's own steps, and each component is handed the account's
//! context. Adding a capability means one more component here, and its steps appended to
//! [`ACCOUNT_MIGRATIONS`].

use std::path::PathBuf;
use std::sync::Arc;

use crate::account::{self, AccountData};
use crate::config::Tuning;
use crate::context::{AccountContext, Tasks};
use crate::deliveries::{self, Deliveries};
use crate::error::Result;
use crate::inventory::{self, Inventory};
use crate::platform::SecureStorage;
use crate::push::PushNotifications;
use crate::session::Api;
use crate::store::{META_MIGRATION, Migration, Store};
use companion_wire::Account;

const fn step(version: u32, (name, sql): (&'static str, &'static str)) -> Migration {
    Migration { version, name, sql }
}

/// The account database's schema steps in the order they shipped. Append; never reorder
/// or edit a shipped step (`store::schema` explains why).
pub const ACCOUNT_MIGRATIONS: &[Migration] = &[
    META_MIGRATION,
    step(2, inventory::SCHEMA[0]),
    step(3, inventory::SCHEMA[1]),
    step(4, account::SCHEMA[0]),
    step(5, deliveries::SCHEMA[0]),
];

/// The components of one signed-in account.
pub struct AccountScope {
    account: Account,
    store: Arc<Store>,
    tasks: Arc<Tasks>,
    pub(crate) inventory: Arc<Inventory>,
    pub(crate) push: Arc<PushNotifications>,
    pub(crate) account_data: Arc<AccountData>,
    pub(crate) deliveries: Arc<Deliveries>,
}

impl AccountScope {
    /// Opens the account's database (creating, converting or migrating it) and builds its
    /// components. Blocking (disk and secure storage).
    pub(crate) fn open(
        account: Account,
        db_path: PathBuf,
        storage: &Arc<dyn SecureStorage>,
        api: Api,
        tuning: Tuning,
        proof_signer: crate::deliveries::SharedSigner,
    ) -> Result<Self> {
        let store = Arc::new(Store::open_account(
            &db_path,
            storage.as_ref(),
            &account.id,
            ACCOUNT_MIGRATIONS,
        )?);
        let tasks = Arc::new(Tasks::new());
        let ctx = AccountContext {
            account: account.clone(),
            store: store.clone(),
            api,
            tuning,
            dir: db_path.parent().map(PathBuf::from).unwrap_or_default(),
            tasks: tasks.clone(),
        };
        let inventory = Inventory::new(ctx.clone())?;
        let file_key = crate::keys::account_file_key(storage.as_ref(), &account.id)?;
        Ok(AccountScope {
            account_data: AccountData::new(ctx.clone(), inventory.clone(), file_key)?,
            inventory,
            // Seals are signed by the key registered at sign-in: the device key, or the app's.
            deliveries: Deliveries::new(ctx.clone(), storage.clone(), proof_signer)?,
            push: PushNotifications::new(ctx),
            account,
            store,
            tasks,
        })
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Stops the scope's background work; its components refuse nothing by themselves, but
    /// the root no longer hands them out.
    pub(crate) fn close(&self) {
        self.tasks.close();
    }
}

impl Drop for AccountScope {
    fn drop(&mut self) {
        self.tasks.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::{dump_schema, migrate};
    use rusqlite::Connection;

    #[test]
    fn versions_are_contiguous() {
        for (i, m) in ACCOUNT_MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version as usize,
                i + 1,
                "migration {} is out of order",
                m.name
            );
        }
    }

    /// A database migrated step by step from every older version must equal a fresh one.
    #[test]
    fn migrated_schema_equals_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = Connection::open(dir.path().join("fresh.db")).unwrap();
        migrate(&mut fresh, ACCOUNT_MIGRATIONS).unwrap();
        let expected = dump_schema(&fresh).unwrap();
        assert!(!expected.is_empty());
        for start in 1..ACCOUNT_MIGRATIONS.len() {
            let mut old = Connection::open(dir.path().join(format!("from-{start}.db"))).unwrap();
            migrate(&mut old, &ACCOUNT_MIGRATIONS[..start]).unwrap();
            migrate(&mut old, ACCOUNT_MIGRATIONS).unwrap();
            assert_eq!(
                dump_schema(&old).unwrap(),
                expected,
                "migrating from version {start}"
            );
        }
    }
}
