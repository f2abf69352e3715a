//! What every component of a signed-in account is handed when the account scope is built:
//! the account, its database, authorised access to the backend, the app's tuning, and a
//! place to register background work so that sign-out stops it. Components never reach
//! back into the root for any of these.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::config::Tuning;
use crate::session::Api;
use crate::store::Store;
use companion_wire::Account;

/// The signed-in account's shared infrastructure.
#[derive(Clone)]
pub struct AccountContext {
    pub account: Account,
    pub store: Arc<Store>,
    pub api: Api,
    pub tuning: Tuning,
    /// The account's own directory (its database and sealed files live here).
    pub dir: PathBuf,
    pub tasks: Arc<Tasks>,
}

impl AccountContext {
    /// The warehouses whose data this phone may hold for the account.
    pub fn warehouse_ids(&self) -> Vec<String> {
        self.account
            .warehouses
            .iter()
            .map(|w| w.id.clone())
            .collect()
    }
}

/// Background work of an account scope; aborted together when the scope closes.
#[derive(Debug)]
pub struct Tasks {
    /// `None` once closed.
    handles: Mutex<Option<Vec<tokio::task::AbortHandle>>>,
}

impl Default for Tasks {
    fn default() -> Self {
        Self::new()
    }
}

impl Tasks {
    pub fn new() -> Self {
        Tasks {
            handles: Mutex::new(Some(Vec::new())),
        }
    }

    /// Keeps `task` until the scope closes; after closing, `task` is aborted at once.
    pub fn register<T>(&self, task: &tokio::task::JoinHandle<T>) {
        let mut handles = self.handles.lock().unwrap_or_else(|p| p.into_inner());
        match handles.as_mut() {
            Some(list) => {
                list.retain(|h| !h.is_finished());
                list.push(task.abort_handle());
            }
            None => task.abort(),
        }
    }

    /// Aborts every registered task; later registrations are aborted too.
    pub fn close(&self) {
        let handles = self
            .handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        for h in handles.unwrap_or_default() {
            h.abort();
        }
    }

    pub fn is_closed(&self) -> bool {
        self.handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }
}
