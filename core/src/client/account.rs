//! The root's part of account deletion and of signing out with the data removed: both end
//! the account scope and wipe every local trace of the account, which only the root may do.
//!
//! The wipe (`<data_dir>/accounts/<id>/` with the database, its WAL and SHM files, sealed
//! photos, proofs, queued uploads, exports and the share copy; the account's keys and
//! tokens in secure storage) is made safe against a kill at any instant: a marker in secure
//! storage names the account first, the directory is renamed away in one step before it is
//! deleted, and [`finish_interrupted_wipes`] completes an interrupted wipe at the next start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Companion, close};
use crate::account::{
    AccountData, DeletionOutcome, DeletionProgress, PendingChoice, SignOutOptions, SignOutReport,
    check_confirmation,
};
use crate::error::{Error, Result};
use crate::platform::{PlatformError, SecureStorage};
use crate::scope::AccountScope;

/// Accounts whose wipe has started, one id per line.
const WIPE_MARKER_KEY: &str = "account.wipe_pending";

fn platform(e: PlatformError) -> Error {
    Error::Platform {
        service: "secure storage",
        reason: e.to_string(),
    }
}

fn marked(storage: &dyn SecureStorage) -> Result<Vec<String>> {
    Ok(
        match storage.get(WIPE_MARKER_KEY.into()).map_err(platform)? {
            Some(bytes) => String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        },
    )
}

fn set_marked(storage: &dyn SecureStorage, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        storage.delete(WIPE_MARKER_KEY.into()).map_err(platform)
    } else {
        storage
            .put(WIPE_MARKER_KEY.into(), ids.join("\n").into_bytes())
            .map_err(platform)
    }
}

/// The account directory's name on disk (ids come from the server: safe characters only).
fn safe_dir_name(account_id: &str) -> String {
    account_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Removes the account's directory (renamed away first, so a half-deleted directory is
/// never taken for the account's data) and its keys. Idempotent.
fn wipe_files_and_keys(
    data_dir: &Path,
    storage: &dyn SecureStorage,
    account_id: &str,
) -> Result<()> {
    let accounts = data_dir.join("accounts");
    let dir = accounts.join(safe_dir_name(account_id));
    if dir.exists() {
        let doomed = accounts.join(format!(
            ".wiping-{}-{}",
            safe_dir_name(account_id),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::rename(&dir, &doomed)
            .map_err(|e| Error::Storage(format!("cannot remove the account's data: {e}")))?;
    }
    let prefix = format!(".wiping-{}-", safe_dir_name(account_id));
    if let Ok(entries) = std::fs::read_dir(&accounts) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                std::fs::remove_dir_all(e.path()).map_err(|e| {
                    Error::Storage(format!("cannot remove the account's data: {e}"))
                })?;
            }
        }
    }
    if let Ok(d) = std::fs::File::open(&accounts) {
        let _ = d.sync_all();
    }
    crate::keys::wipe_account_keys(storage, account_id)
}

/// Completes wipes a kill interrupted (at start-up, before the stored session is loaded):
/// the session of a wiped account is forgotten too.
pub(crate) fn finish_interrupted_wipes(data_dir: &Path, storage: &dyn SecureStorage) -> Result<()> {
    let ids = marked(storage)?;
    if ids.is_empty() {
        return Ok(());
    }
    if let Some(bytes) = storage.get("session.v1".into()).map_err(platform)? {
        let account = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["account"]["id"].as_str().map(str::to_string));
        if account.is_some_and(|a| ids.contains(&a)) {
            storage.delete("session.v1".into()).map_err(platform)?;
        }
    }
    for id in &ids {
        wipe_files_and_keys(data_dir, storage, id)?;
    }
    set_marked(storage, &[])?;
    tracing::info!(accounts = ids.len(), "interrupted account wipe completed");
    Ok(())
}

impl Companion {
    /// The signed-in account's own data: profile, export, deletion. `NotSignedIn` while
    /// signed out.
    pub fn account(&self) -> Result<Arc<AccountData>> {
        Ok(self.scope()?.account_data.clone())
    }

    fn data_dir(&self) -> PathBuf {
        self.config.data_path()
    }

    /// Ends the scope and removes every local trace of the account. `server_revoked`: the
    /// server has revoked every token already (deletion accepted), so the tokens are
    /// forgotten, not queued for revocation.
    async fn wipe_account(&self, scope: Arc<AccountScope>, server_revoked: bool) -> Result<()> {
        let id = scope.account().id.clone();
        let mut ids = marked(self.storage.as_ref())?;
        if !ids.contains(&id) {
            ids.push(id.clone());
        }
        set_marked(self.storage.as_ref(), &ids)?;
        if server_revoked {
            self.session.end_revoked().await?;
        } else {
            self.session.sign_out().await?;
        }
        close(&self.scope);
        scope.close();
        drop(scope);
        let (data_dir, storage) = (self.data_dir(), self.storage.clone());
        tokio::task::spawn_blocking(move || -> Result<()> {
            wipe_files_and_keys(&data_dir, storage.as_ref(), &id)?;
            let left: Vec<String> = marked(storage.as_ref())?
                .into_iter()
                .filter(|m| *m != id)
                .collect();
            set_marked(storage.as_ref(), &left)
        })
        .await??;
        tracing::info!("account data removed from this device");
        Ok(())
    }

    /// Signs out, with a say over unsent work and over the account's data on this device:
    /// with anything pending and `pending: Ask`, nothing happens and the error is
    /// `PendingWork` with the counts (the app offers to sync or discard); `remove_data`
    /// wipes the account from the device (shared phones) and never drops unsent work
    /// unless `pending` is `Discard`.
    pub async fn sign_out_with(&self, options: SignOutOptions) -> Result<SignOutReport> {
        let Ok(scope) = self.scope() else {
            self.session.sign_out().await?;
            return Ok(SignOutReport {
                synced: 0,
                discarded: 0,
                kept: 0,
                data_removed: false,
            });
        };
        let (synced, discarded, kept) = scope
            .account_data
            .settle_pending(options.pending, !options.remove_data)
            .await?;
        if let Err(e) = scope.push.unregister().await {
            tracing::info!(error = %e, "push unregistration left to the revocation");
        }
        if options.remove_data {
            self.wipe_account(scope, false).await?;
        } else {
            close(&self.scope);
            self.session.sign_out().await?;
        }
        Ok(SignOutReport {
            synced,
            discarded,
            kept,
            data_removed: options.remove_data,
        })
    }

    /// Asks the server to delete the account: the typed phrase and the password entered
    /// again are checked, unsent work is settled as `pending` says (`Ask` refuses with the
    /// counts), and the confirmed request is recorded (never the password). Accepted: every
    /// local trace of the account is wiped and the app is signed out. Offline: the request
    /// is queued (`Queued`) and sent by `send_queued_deletion` once online.
    pub async fn request_account_deletion(
        &self,
        password: &str,
        confirmation: &str,
        pending: PendingChoice,
    ) -> Result<DeletionOutcome> {
        check_confirmation(password, confirmation)?;
        let scope = self.scope()?;
        let account = scope.account_data.clone();
        account.settle_pending(pending, false).await?;
        let requested_at = account.queue_deletion_request().await?;
        self.send_deletion(scope, password, confirmation, requested_at)
            .await
    }

    /// Sends a deletion request queued offline: with the password entered within the last
    /// minutes when `password` is `None`, else `InvalidInput` on `password` (ask for it).
    pub async fn send_queued_deletion(&self, password: Option<String>) -> Result<DeletionOutcome> {
        let scope = self.scope()?;
        let account = scope.account_data.clone();
        let Some(requested_at) = account.queued_deletion().await? else {
            return Err(Error::NotFound("no deletion request is queued".into()));
        };
        if account.pending_work().await?.movements > 0 {
            // Recorded after the request was queued: the user must choose again.
            let p = account.pending_work().await?;
            return Err(Error::PendingWork {
                movements: p.movements,
                other: p.other,
            });
        }
        let password = match password.or_else(|| account.recent_password()) {
            Some(p) if !p.is_empty() => p,
            _ => {
                account.set_deletion_progress(DeletionProgress::NeedsPassword { requested_at });
                return Err(Error::invalid(
                    "password",
                    "enter your password again to send the deletion request",
                ));
            }
        };
        self.send_deletion(
            scope,
            &password,
            crate::account::DELETION_PHRASE,
            requested_at,
        )
        .await
    }

    async fn send_deletion(
        &self,
        scope: Arc<AccountScope>,
        password: &str,
        confirmation: &str,
        requested_at: std::time::SystemTime,
    ) -> Result<DeletionOutcome> {
        let account = scope.account_data.clone();
        account.set_deletion_progress(DeletionProgress::Sending);
        match account.send_deletion_request(password, confirmation).await {
            Ok(status) => {
                account.forget_password();
                self.wipe_account(scope, true).await?;
                Ok(DeletionOutcome::Accepted { status })
            }
            Err(e) if e.is_transient() => {
                account.remember_password(password);
                account.set_deletion_progress(DeletionProgress::Queued { requested_at });
                tracing::info!("deletion request queued until the server can be reached");
                Ok(DeletionOutcome::Queued { requested_at })
            }
            Err(Error::Unauthorized(reason)) => {
                // Every token of the account is revoked: an earlier attempt whose answer
                // was lost was accepted. Sign in again to confirm before wiping anything.
                let username = scope.account().username.clone();
                drop(account);
                self.confirm_accepted(scope, &username, password, reason)
                    .await
            }
            Err(e) => {
                account.clear_deletion_request().await?;
                Err(e)
            }
        }
    }

    /// After `Unauthorized` on a deletion request: signs in with the password just entered
    /// and asks the server; pending means the request was accepted (the phone is wiped),
    /// anything else is the original error.
    async fn confirm_accepted(
        &self,
        scope: Arc<AccountScope>,
        username: &str,
        password: &str,
        reason: String,
    ) -> Result<DeletionOutcome> {
        let account_id = scope.account().id.clone();
        let signed_in = self
            .session
            .sign_in(
                username,
                password,
                &self.device,
                &self.config.device,
                crate::deliveries::public_key_b64(self.proof_signer.as_ref()),
            )
            .await;
        if signed_in.is_err() {
            return Err(Error::Unauthorized(reason));
        }
        let status: crate::account::DeletionStatus = crate::session::Api::new(self.session.clone())
            .get("/v1/account/deletion")
            .await?;
        if status.state == crate::account::ServerDeletionState::Pending
            && scope.account().id == account_id
        {
            // The fresh session is revoked with the wipe (not forgotten: it is valid).
            self.wipe_account(scope, false).await?;
            Ok(DeletionOutcome::Accepted { status })
        } else {
            self.open_scope_blocking(scope.account().clone()).await?;
            Err(Error::Unauthorized(reason))
        }
    }
}
