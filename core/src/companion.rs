//! The one object a shell creates: ties configuration, platform services, the session and
//! the account's local store together.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::CompanionConfig;
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::events::{CompanionEvent, EventHub, EventSubscription, SessionState};
use crate::http::{ApiClient, RetryPolicy, Timeouts};
use crate::platform::SecureStorage;
use crate::session::Session;
use crate::store::Store;
use companion_wire::session::Account;

/// Companion's core, one per app process.
pub struct Companion {
    config: CompanionConfig,
    device: DeviceIdentity,
    session: Session,
    events: Arc<EventHub>,
    /// The signed-in account's database; `None` while signed out.
    store: RwLock<Option<Arc<Store>>>,
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Companion")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl Companion {
    /// Opens the core: checks the configuration, loads (or creates) the device identity and
    /// any stored session, and opens the signed-in account's database.
    pub fn open(config: CompanionConfig, storage: Arc<dyn SecureStorage>) -> Result<Self> {
        Self::open_with(config, storage, Timeouts::default(), RetryPolicy::default())
    }

    /// As [`Companion::open`] with explicit network timeouts and retry policy.
    pub fn open_with(
        config: CompanionConfig,
        storage: Arc<dyn SecureStorage>,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> Result<Self> {
        let data_dir = config.data_path();
        if config.data_dir.trim().is_empty() {
            return Err(Error::invalid("data_dir", "must not be empty"));
        }
        std::fs::create_dir_all(data_dir.join("accounts")).map_err(|e| {
            Error::Storage(format!(
                "data directory {} is not writable: {e}",
                data_dir.display()
            ))
        })?;
        let api = ApiClient::new(&config.server_url, timeouts, retry)?;
        let device = DeviceIdentity::load_or_create(&storage)?;
        let session = Session::load(api, storage)?;
        let companion = Companion {
            config,
            device,
            session,
            events: Arc::default(),
            store: RwLock::new(None),
        };
        let state = match companion.session.account() {
            Some(account) => {
                companion.open_store(&account)?;
                SessionState::SignedIn { account }
            }
            None => SessionState::SignedOut,
        };
        companion.events.publish(CompanionEvent::Session { state });
        Ok(companion)
    }

    pub fn config(&self) -> &CompanionConfig {
        &self.config
    }

    pub fn install_id(&self) -> &str {
        self.device.install_id()
    }

    pub fn device(&self) -> &DeviceIdentity {
        &self.device
    }

    /// Where an account's database lives.
    pub fn account_db_path(&self, account_id: &str) -> PathBuf {
        // Account ids come from the server: keep only safe characters in the path.
        let safe: String = account_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.config
            .data_path()
            .join("accounts")
            .join(safe)
            .join("companion.db")
    }

    fn open_store(&self, account: &Account) -> Result<Arc<Store>> {
        let store = Arc::new(Store::open_account(
            self.account_db_path(&account.id),
            self.session.storage(),
            &account.id,
        )?);
        *self.store.write().unwrap_or_else(|p| p.into_inner()) = Some(store.clone());
        Ok(store)
    }

    /// The signed-in account's database.
    pub fn store(&self) -> Result<Arc<Store>> {
        self.store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(Error::NotSignedIn)
    }

    pub fn session_state(&self) -> SessionState {
        match self.session.account() {
            Some(account) => SessionState::SignedIn { account },
            None => SessionState::SignedOut,
        }
    }

    /// Signs in with username and password and opens the account's local database.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Account> {
        let account = self
            .session
            .sign_in(username, password, &self.device, &self.config.device)
            .await?;
        self.open_store(&account)?;
        self.events.publish(CompanionEvent::Session {
            state: SessionState::SignedIn {
                account: account.clone(),
            },
        });
        Ok(account)
    }

    /// Signs out. The account's local database stays on the device, so changes not yet
    /// synced are kept for the next sign-in; only account deletion wipes it.
    pub async fn sign_out(&self) -> Result<()> {
        self.session.sign_out().await?;
        self.close_signed_out();
        Ok(())
    }

    fn close_signed_out(&self) {
        *self.store.write().unwrap_or_else(|p| p.into_inner()) = None;
        self.events.publish(CompanionEvent::Session {
            state: SessionState::SignedOut,
        });
    }

    /// Sends an authorised request to the backend. If the server ends the session, the
    /// store is closed and listeners see `SignedOut`.
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<T> {
        let result = self.session.send(method, path, body, idempotent).await;
        if matches!(result, Err(Error::Unauthorized(_))) && !self.session.is_signed_in() {
            self.close_signed_out();
        }
        result
    }

    /// Listens to state changes: the current state of each kind first, then updates.
    pub fn subscribe(&self) -> EventSubscription {
        self.events.subscribe()
    }

    pub fn current_events(&self) -> Vec<CompanionEvent> {
        self.events.current()
    }

    /// Push notifications of the signed-in account.
    pub fn push(&self) -> crate::push::PushNotifications<'_> {
        crate::push::PushNotifications::new(self)
    }

    /// Publishes an event to listeners (used by the core's feature modules).
    pub fn publish(&self, event: CompanionEvent) {
        self.events.publish(event);
    }
}
