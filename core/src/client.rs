//! The one object a shell creates per app process: it keeps what lives as long as the
//! process (configuration, platform services, device identity, the session) and the
//! account scope of whoever is signed in, whose components it hands out.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::config::CompanionConfig;
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::events::TopicUpdates;
use crate::http::ApiClient;
use crate::inventory::Inventory;
use crate::platform::SecureStorage;
use crate::push::PushNotifications;
use crate::scope::AccountScope;
use crate::session::{Api, Session, SessionState};
use companion_wire::Account;

mod account;

type ScopeSlot = Arc<RwLock<Option<Arc<AccountScope>>>>;

/// Companion's core, one per app process.
pub struct Companion {
    config: CompanionConfig,
    device: Arc<DeviceIdentity>,
    /// Signs proofs of delivery: the device key, or the app's (StrongBox / Secure Enclave).
    proof_signer: crate::deliveries::SharedSigner,
    storage: Arc<dyn SecureStorage>,
    session: Arc<Session>,
    /// The signed-in account's components; `None` while signed out.
    scope: ScopeSlot,
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Companion")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

fn close(slot: &ScopeSlot) {
    if let Some(scope) = slot.write().unwrap_or_else(|p| p.into_inner()).take() {
        scope.close();
    }
}

impl Companion {
    /// Opens the core: checks the configuration, loads (or creates) the device identity and
    /// any stored session, and opens the signed-in account's database. Blocking (disk and
    /// secure storage): apps call it off the main thread (the bindings do).
    pub fn open(config: CompanionConfig, storage: Arc<dyn SecureStorage>) -> Result<Self> {
        Self::open_with_signer(config, storage, None)
    }

    /// As [`Companion::open`], with the key that signs proofs of delivery kept by the app
    /// (StrongBox, Secure Enclave) instead of the device key in secure storage. Its public key
    /// is the one registered at sign-in, so the server accepts only seals it made.
    pub fn open_with_signer(
        config: CompanionConfig,
        storage: Arc<dyn SecureStorage>,
        proof_signer: Option<crate::deliveries::SharedSigner>,
    ) -> Result<Self> {
        if config.data_dir.trim().is_empty() {
            return Err(Error::invalid("data_dir", "must not be empty"));
        }
        let data_dir = config.data_path();
        std::fs::create_dir_all(data_dir.join("accounts")).map_err(|e| {
            Error::Storage(format!(
                "data directory {} is not writable: {e}",
                data_dir.display()
            ))
        })?;
        let tuning = &config.tuning;
        let api = ApiClient::new(&config.server_url, tuning.timeouts(), tuning.retry())?
            .with_max_response_bytes(tuning.max_response_bytes.max(1024) as usize);
        let device = Arc::new(DeviceIdentity::load_or_create(&storage)?);
        let proof_signer = proof_signer.unwrap_or_else(|| device.clone());
        account::finish_interrupted_wipes(&data_dir, storage.as_ref())?;
        let session = Arc::new(Session::load(api, storage.clone())?);
        let scope: ScopeSlot = Arc::default();
        let ended = scope.clone();
        session.on_ended(Box::new(move || close(&ended)));
        let companion = Companion {
            config,
            device,
            proof_signer,
            storage,
            session,
            scope,
        };
        if let Some(account) = companion.session.account() {
            companion.open_scope(account)?;
        }
        Ok(companion)
    }

    pub fn config(&self) -> &CompanionConfig {
        &self.config
    }

    /// This installation's id (stable across launches, new after reinstall).
    pub fn install_id(&self) -> &str {
        self.device.install_id()
    }

    pub fn device(&self) -> &DeviceIdentity {
        self.device.as_ref()
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

    /// Opens the account's scope (blocking: disk and secure storage).
    fn open_scope(&self, account: Account) -> Result<Arc<AccountScope>> {
        let scope = AccountScope::open(
            account.clone(),
            self.account_db_path(&account.id),
            &self.storage,
            Api::new(self.session.clone()),
            self.config.tuning.clone(),
            self.proof_signer.clone(),
        )?;
        Ok(self.install_scope(scope))
    }

    /// Makes `scope` the signed-in account's, closing the one it replaces.
    fn install_scope(&self, scope: AccountScope) -> Arc<AccountScope> {
        let scope = Arc::new(scope);
        let previous = self
            .scope
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .replace(scope.clone());
        if let Some(previous) = previous {
            previous.close();
        }
        scope
    }

    fn scope(&self) -> Result<Arc<AccountScope>> {
        self.scope
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(Error::NotSignedIn)
    }

    /// The signed-in account, if any.
    pub fn session_state(&self) -> SessionState {
        self.session.state()
    }

    /// The session state now, then every change (sign-in, sign-out, session ended).
    pub fn session_updates(&self) -> TopicUpdates<SessionState> {
        self.session.states()
    }

    /// Signs in with username and password and opens the account's local database (on the
    /// blocking pool). Signing in over another account's session revokes that one.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Account> {
        let account = self
            .session
            .sign_in(
                username,
                password,
                &self.device,
                &self.config.device,
                crate::deliveries::public_key_b64(self.proof_signer.as_ref()),
            )
            .await?;
        self.open_scope_blocking(account.clone()).await?;
        self.session.announce_signed_in(account.clone());
        Ok(account)
    }

    async fn open_scope_blocking(&self, account: Account) -> Result<Arc<AccountScope>> {
        let scope = tokio::task::spawn_blocking({
            let db_path = self.account_db_path(&account.id);
            let storage = self.storage.clone();
            let api = Api::new(self.session.clone());
            let tuning = self.config.tuning.clone();
            let signer = self.proof_signer.clone();
            move || AccountScope::open(account, db_path, &storage, api, tuning, signer)
        })
        .await??;
        Ok(self.install_scope(scope))
    }

    /// Signs out: stops this install's notifications for the account (best effort; the
    /// server also drops them when the session's revocation reaches it), closes the
    /// account's components and revokes the session (later, if offline now). The account's
    /// database stays on the device, so changes not yet synced are kept for the next
    /// sign-in; only account deletion wipes it.
    pub async fn sign_out(&self) -> Result<()> {
        if let Ok(scope) = self.scope() {
            match scope.push.unregister().await {
                Ok(_) => {}
                Err(e) => tracing::info!(error = %e, "push unregistration left to the revocation"),
            }
        }
        close(&self.scope);
        self.session.sign_out().await
    }

    /// Fetches the account from the server (its name and warehouses may have changed) and
    /// updates the session. Warehouses no longer granted are dropped at the next sync.
    pub async fn refresh_account(&self) -> Result<Account> {
        let scope = self.scope()?;
        let account: Account = Api::new(self.session.clone()).get("/v1/me").await?;
        if account.id != scope.account().id {
            return Err(Error::Protocol(
                "the server answered for another account".into(),
            ));
        }
        self.session.replace_account(account.clone()).await?;
        if &account != scope.account() {
            self.open_scope_blocking(account.clone()).await?;
        }
        Ok(account)
    }

    /// The signed-in account's inventory. `NotSignedIn` while signed out.
    pub fn inventory(&self) -> Result<Arc<Inventory>> {
        Ok(self.scope()?.inventory.clone())
    }

    /// The signed-in account's push notifications. `NotSignedIn` while signed out.
    pub fn push(&self) -> Result<Arc<PushNotifications>> {
        Ok(self.scope()?.push.clone())
    }

    /// The signed-in account's proof-of-delivery capture and upload queue. `NotSignedIn`
    /// while signed out.
    pub fn deliveries(&self) -> Result<Arc<crate::deliveries::Deliveries>> {
        Ok(self.scope()?.deliveries.clone())
    }

    /// Point-of-use permission decisions with this install's ask history.
    pub fn permissions(&self) -> crate::permissions::AskedPermissions {
        crate::permissions::AskedPermissions::new(self.storage.clone())
    }

    /// The signed-in account's database file (diagnostics and tests).
    pub fn account_database(&self) -> Result<PathBuf> {
        Ok(self.scope()?.store().path().to_path_buf())
    }
}
