//! The signed-in user's own data for the apps (`client.account()`): the profile they may
//! correct (works offline), the export of everything the server holds about them, and
//! account deletion (Apple 5.1.1(v), Google Play). `docs/account-deletion.md` describes
//! the flow.
//!
//! Kotlin:
//! ```kotlin
//! val account = client.account()
//! val file = account.exportData(cancellation = null)          // progress: observeExport
//! val shared = account.shareExport(file.exportId)              // plain zip for the share sheet
//! startActivity(Intent.createChooser(shareIntentFor(shared.path), null))
//! account.finishSharing()                                      // when the share sheet is done
//! try {
//!     account.requestDeletion(password, typedPhrase, PendingChoice.ASK)
//! } catch (e: CompanionException.PendingWork) {
//!     askSyncOrDiscard(e.movements, e.otherChanges)            // then SYNC or DISCARD
//! }
//! ```

use std::sync::Arc;

use companion_core::account::{
    DeletionOutcome, DeletionProgress, DeletionStatus, ExportFile, ExportProgress, PendingChoice,
    PendingWork, ProfileUpdate, ProfileView, SharedExport,
};

use crate::task_handle::TaskHandle;
use crate::{Cancellation, CompanionError, runtime, streams};

/// Receives the export's progress (phase, bytes done of total).
#[uniffi::export(foreign)]
pub trait ExportProgressListener: Send + Sync {
    fn on_update(&self, progress: ExportProgress);
    fn on_end(&self);
}

/// Receives this phone's deletion request state (none, queued, needs the password, sending).
#[uniffi::export(foreign)]
pub trait DeletionProgressListener: Send + Sync {
    fn on_update(&self, progress: DeletionProgress);
    fn on_end(&self);
}

/// The signed-in account's own data. Calls fail with `NotSignedIn` while signed out.
#[derive(uniffi::Object)]
pub struct AccountData {
    core: Arc<companion_core::Companion>,
}

impl AccountData {
    pub(crate) fn new(core: Arc<companion_core::Companion>) -> Self {
        AccountData { core }
    }

    fn component(&self) -> Result<Arc<companion_core::account::AccountData>, CompanionError> {
        Ok(self.core.account()?)
    }
}

#[uniffi::export]
impl AccountData {
    /// The profile (from the server when online, else the last one seen), with an edit not
    /// yet sent applied.
    pub async fn profile(&self) -> Result<ProfileView, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.profile().await?) }).await
    }

    /// Corrects display name, phone or job title (absent fields keep their value). Works
    /// offline; `InvalidInput` names a refused field.
    pub async fn update_profile(
        &self,
        update: ProfileUpdate,
    ) -> Result<ProfileView, CompanionError> {
        let account = self.component()?;
        runtime::run(
            None,
            async move { Ok(account.update_profile(update).await?) },
        )
        .await
    }

    /// Sends queued changes (a profile edit); returns what is still pending.
    pub async fn sync(&self) -> Result<PendingWork, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.sync().await?) }).await
    }

    /// Unsent work: show it before a sign-out or a deletion.
    pub async fn pending_work(&self) -> Result<PendingWork, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.pending_work().await?) }).await
    }

    /// Exports everything the server holds about the user into a sealed file on the phone,
    /// resuming an interrupted download. Cancelling stops it between two chunks; the next
    /// call resumes.
    pub async fn export_data(
        &self,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<ExportFile, CompanionError> {
        let account = self.component()?;
        runtime::run(
            cancellation,
            async move { Ok(account.export_data().await?) },
        )
        .await
    }

    /// The export's progress now, then every change.
    pub fn observe_export(
        &self,
        listener: Arc<dyn ExportProgressListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.export_updates(),
            move |p| listener.on_update(p),
            move || end.on_end(),
        )
    }

    /// Downloaded exports on this phone.
    pub async fn exports(&self) -> Result<Vec<ExportFile>, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.exports().await?) }).await
    }

    /// Decrypts an export into a plain zip for the share sheet; call `finish_sharing` after.
    pub async fn share_export(&self, export_id: String) -> Result<SharedExport, CompanionError> {
        let account = self.component()?;
        runtime::run(
            None,
            async move { Ok(account.share_export(&export_id).await?) },
        )
        .await
    }

    /// Removes the plain copy made for the share sheet.
    pub async fn finish_sharing(&self) -> Result<(), CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.finish_sharing().await?) }).await
    }

    /// Deletes a downloaded export from the phone.
    pub async fn delete_export(&self, export_id: String) -> Result<(), CompanionError> {
        let account = self.component()?;
        runtime::run(
            None,
            async move { Ok(account.delete_export(&export_id).await?) },
        )
        .await
    }

    /// The server's view of a deletion: pending or not, the grace period in days, what is
    /// deleted and what is kept (and why). Show it before asking for confirmation.
    pub async fn deletion_status(&self) -> Result<DeletionStatus, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.deletion_status().await?) }).await
    }

    /// This phone's deletion request now. Cheap.
    pub fn deletion_progress(&self) -> Result<DeletionProgress, CompanionError> {
        Ok(self.component()?.deletion_progress())
    }

    /// This phone's deletion request now, then every change.
    pub fn observe_deletion(
        &self,
        listener: Arc<dyn DeletionProgressListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.deletion_updates(),
            move |p| listener.on_update(p),
            move || end.on_end(),
        )
    }

    /// Requests the account's deletion: `confirmation` must be the typed phrase
    /// (`DELETE MY ACCOUNT`), `password` the password entered again. With unsent work and
    /// `PendingChoice.ASK` it throws `PendingWork` with the counts. Accepted: the phone is
    /// wiped of the account and signed out. Offline: `Queued`, sent by `send_queued_deletion`.
    pub async fn request_deletion(
        &self,
        password: String,
        confirmation: String,
        pending: PendingChoice,
    ) -> Result<DeletionOutcome, CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move {
            Ok(core
                .request_account_deletion(&password, &confirmation, pending)
                .await?)
        })
        .await
    }

    /// Sends a queued request once online: with the password entered minutes ago (`null`),
    /// or a newly entered one (when the state is `NeedsPassword`).
    pub async fn send_queued_deletion(
        &self,
        password: Option<String>,
    ) -> Result<DeletionOutcome, CompanionError> {
        let core = self.core.clone();
        runtime::run(None, async move {
            Ok(core.send_queued_deletion(password).await?)
        })
        .await
    }

    /// Cancels a pending deletion within the grace period (after signing in again).
    pub async fn cancel_deletion(&self) -> Result<DeletionStatus, CompanionError> {
        let account = self.component()?;
        runtime::run(None, async move { Ok(account.cancel_deletion().await?) }).await
    }
}

/// The phrase a user types to confirm a deletion. Cheap.
#[uniffi::export]
pub fn deletion_phrase() -> String {
    companion_core::account::DELETION_PHRASE.to_string()
}
