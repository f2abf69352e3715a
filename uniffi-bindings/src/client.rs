//! `CompanionClient`: the one object an app creates, and the way to each capability.

use std::sync::Arc;

use companion_core::account::{SignOutOptions, SignOutReport};
use companion_core::platform::SecureStorage;
use companion_core::{Account, CompanionConfig, SessionState};

use crate::account::AccountData;
use crate::inventory::Inventory;
use crate::permissions::Permissions;
use crate::push::PushNotifications;
use crate::scanner::Scanner;
use crate::streams::{self, SessionStateListener};
use crate::task_handle::TaskHandle;
use crate::{CompanionError, runtime};

/// Companion's core, one per app process.
///
/// Kotlin:
/// ```kotlin
/// val client = CompanionClient.open(config, KeystoreSecureStorage(context))   // suspend
/// client.signIn("maria", password)                                           // suspend
/// val stock = client.inventory().lookup(scannedGtin)                         // suspend
/// ```
///
/// Calls marked "cheap" read memory only and are safe on the main thread; every other call
/// is `suspend` (Kotlin) / `async` (Swift) and runs on the core's own threads.
#[derive(uniffi::Object)]
// A Kotlin class named `Companion` cannot hold the companion object its constructors live in.
#[uniffi(name = "CompanionClient")]
pub struct Client {
    core: Arc<companion_core::Companion>,
}

#[uniffi::export(name = "CompanionClient")]
impl Client {
    /// Opens the core with the app's configuration and secure storage, and the signed-in
    /// account's database if someone is signed in. `InvalidInput` for a bad configuration
    /// (e.g. a plain-http remote server URL); `Storage` for an unwritable data directory or
    /// a corrupt database; `Platform` when secure storage fails.
    #[uniffi::constructor]
    pub async fn open(
        config: CompanionConfig,
        secure_storage: Arc<dyn SecureStorage>,
    ) -> Result<Arc<Self>, CompanionError> {
        let core = runtime::run(None, async move {
            runtime::blocking(move || Ok(companion_core::Companion::open(config, secure_storage)?))
                .await
        })
        .await?;
        Ok(Arc::new(Client {
            core: Arc::new(core),
        }))
    }

    /// As `open`, with the key that signs proofs of delivery kept by the app (Android
    /// StrongBox / Keystore, iOS Secure Enclave: both do P-256) instead of the core's device
    /// key. Its public key is registered at sign-in, so the server accepts only its seals.
    #[uniffi::constructor]
    pub async fn open_with_signer(
        config: CompanionConfig,
        secure_storage: Arc<dyn SecureStorage>,
        proof_signer: Arc<dyn crate::deliveries::ProofSigner>,
    ) -> Result<Arc<Self>, CompanionError> {
        let signer: companion_core::deliveries::SharedSigner =
            Arc::new(crate::deliveries::ForeignSigner(proof_signer));
        let core = runtime::run(None, async move {
            runtime::blocking(move || {
                Ok(companion_core::Companion::open_with_signer(
                    config,
                    secure_storage,
                    Some(signer),
                )?)
            })
            .await
        })
        .await?;
        Ok(Arc::new(Client {
            core: Arc::new(core),
        }))
    }

    /// Signs in; tokens go to secure storage and the account's database is opened.
    /// `Unauthorized` for wrong credentials, `InvalidInput` for an empty field.
    pub async fn sign_in(
        &self,
        username: String,
        password: String,
    ) -> Result<Account, CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move {
            Ok(core.sign_in(&username, &password).await?)
        })
        .await
    }

    /// Signs out: notifications for this install stop, the account's components close and
    /// the session is revoked on the server (later, if offline now). Unsynced changes stay
    /// on the device for the next sign-in.
    pub async fn sign_out(&self) -> Result<(), CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move { Ok(core.sign_out().await?) }).await
    }

    /// Signs out with a say over unsent work and the account's data on this device. With
    /// unsent work and `pending = ASK`, throws `PendingWork` with the counts and does
    /// nothing; `remove_data` wipes every local trace of the account (shared phones).
    pub async fn sign_out_with(
        &self,
        options: SignOutOptions,
    ) -> Result<SignOutReport, CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move { Ok(core.sign_out_with(options).await?) }).await
    }

    /// Fetches the account again (name, warehouses) from the server.
    pub async fn refresh_account(&self) -> Result<Account, CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move { Ok(core.refresh_account().await?) }).await
    }

    /// Who is signed in. Cheap.
    pub fn session_state(&self) -> SessionState {
        self.core.session_state()
    }

    /// The session state now, then every change (sign-in, sign-out, session ended by the
    /// server), until the handle is cancelled.
    pub fn observe_session(
        &self,
        listener: Arc<dyn SessionStateListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.core.session_updates(),
            move |s| listener.on_update(s),
            move || end.on_end(),
        )
    }

    /// This installation's id (stable across launches, new after reinstall). Cheap.
    pub fn install_id(&self) -> String {
        self.core.install_id().to_string()
    }

    /// Offline inventory of the signed-in account. Cheap; valid across sign-ins (calls fail
    /// with `NotSignedIn` while signed out).
    pub fn inventory(&self) -> Arc<Inventory> {
        Arc::new(Inventory::new(self.core.clone()))
    }

    /// Barcode scanning; with a signed-in account, codes are looked up offline. Cheap.
    pub fn scanner(&self) -> Arc<Scanner> {
        Arc::new(Scanner::new(Some(self.core.clone())))
    }

    /// Push notifications of the signed-in account. Cheap.
    pub fn push(&self) -> Arc<PushNotifications> {
        Arc::new(PushNotifications::new(self.core.clone()))
    }

    /// The signed-in user's own data: profile, export, deletion. Cheap.
    pub fn account(&self) -> Arc<AccountData> {
        Arc::new(AccountData::new(self.core.clone()))
    }

    /// Proof of delivery of the signed-in account. Cheap.
    pub fn deliveries(&self) -> Arc<crate::deliveries::Deliveries> {
        Arc::new(crate::deliveries::Deliveries::new(self.core.clone()))
    }

    /// The point-of-use permission decisions, remembered for this install. Cheap.
    pub fn permissions(&self) -> Arc<Permissions> {
        Arc::new(Permissions::new(self.core.clone()))
    }
}
