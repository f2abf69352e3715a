//! The signed-in user's own data (`companion.account()`): the profile they may correct
//! (offline-queued), the export of everything the server holds about them (downloaded in
//! resumable segments, sealed at rest), and the request to delete the account.
//!
//! Deleting the account and signing out with "remove data from this device" end the account
//! scope and wipe the device, so the root orchestrates them (`Companion::
//! request_account_deletion`, `Companion::sign_out_with`); this component holds the state
//! they need. The flow is described in `docs/account-deletion.md`.

mod export;
pub mod model;
mod profile;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub use export::SEGMENT_BYTES;
pub use model::{
    DELETION_PHRASE, DeletionOutcome, DeletionProgress, DeletionStatus, ExportFile, ExportPhase,
    ExportProgress, PendingChoice, PendingWork, Profile, ProfileUpdate, ProfileView,
    ServerDeletionState, SharedExport, SignOutOptions, SignOutReport,
};

use crate::context::AccountContext;
use crate::error::{Error, Result};
use crate::events::{Topic, TopicUpdates};
use crate::inventory::Inventory;
use crate::keys::FileKey;
use companion_wire::account::DeletionRequest;

/// The account's schema steps, oldest first, as (name, SQL).
pub(crate) const SCHEMA: &[(&str, &str)] =
    &[("account", include_str!("migrations/0001_account.sql"))];

/// How long a password entered to confirm a deletion may be reused to send the request once
/// the network is back. It lives only in memory, never on disk.
pub const REAUTH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A password held in memory for [`REAUTH_WINDOW`], overwritten when dropped.
struct RecentPassword {
    at: Instant,
    value: String,
}

impl Drop for RecentPassword {
    fn drop(&mut self) {
        // SAFETY: zeroes stay valid UTF-8.
        for b in unsafe { self.value.as_bytes_mut() } {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// The account component of a signed-in account.
pub struct AccountData {
    ctx: AccountContext,
    inventory: Arc<Inventory>,
    file_key: FileKey,
    export: Topic<ExportProgress>,
    deletion: Topic<DeletionProgress>,
    password: Mutex<Option<RecentPassword>>,
    /// One export download at a time.
    export_running: tokio::sync::Mutex<()>,
}

impl AccountData {
    pub(crate) fn new(
        ctx: AccountContext,
        inventory: Arc<Inventory>,
        file_key: FileKey,
    ) -> Result<Arc<Self>> {
        let queued: Option<i64> = ctx.store.read(|r| {
            use rusqlite::OptionalExtension;
            Ok(r.query_row(
                "SELECT requested_at_ms FROM acct_deletion_request WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()?)
        })?;
        // After a restart the password is gone: a queued request needs it again.
        let deletion = match queued {
            Some(ms) => DeletionProgress::NeedsPassword {
                requested_at: crate::time::from_millis(ms),
            },
            None => DeletionProgress::None,
        };
        // A decrypted export left by a crash while sharing is removed at once.
        let _ = std::fs::remove_dir_all(ctx.dir.join("share"));
        Ok(Arc::new(AccountData {
            ctx,
            inventory,
            file_key,
            export: Topic::new(ExportProgress {
                export_id: None,
                phase: ExportPhase::Idle,
                bytes_done: 0,
                bytes_total: None,
            }),
            deletion: Topic::new(deletion),
            password: Mutex::new(None),
            export_running: tokio::sync::Mutex::new(()),
        }))
    }

    /// The account id this component belongs to.
    pub fn account_id(&self) -> &str {
        &self.ctx.account.id
    }

    /// Work the server has not seen: unsent movements and a queued profile edit.
    pub async fn pending_work(&self) -> Result<PendingWork> {
        let movements = self.inventory.pending_count().await?;
        let other = self
            .ctx
            .store
            .read_blocking(|r| {
                Ok(
                    r.query_row("SELECT count(*) FROM acct_profile_edit", [], |row| {
                        row.get::<_, i64>(0)
                    })?,
                )
            })
            .await?;
        Ok(PendingWork { movements, other })
    }

    /// Sends what is queued: the profile edit. (A queued deletion request is sent by
    /// `Companion::send_queued_deletion`, which may wipe the phone.)
    pub async fn sync(&self) -> Result<PendingWork> {
        self.sync_profile().await?;
        self.pending_work().await
    }

    /// Sends pending work according to `choice`; returns (synced, discarded, kept)
    /// movements. `Ask` with anything pending is the `PendingWork` error.
    pub(crate) async fn settle_pending(
        &self,
        choice: PendingChoice,
        keep_allowed: bool,
    ) -> Result<(i64, i64, i64)> {
        let pending = self.pending_work().await?;
        if pending.is_empty() {
            return Ok((0, 0, 0));
        }
        match choice {
            PendingChoice::Ask => Err(Error::PendingWork {
                movements: pending.movements,
                other: pending.other,
            }),
            PendingChoice::Keep if keep_allowed => Ok((0, 0, pending.movements)),
            PendingChoice::Keep => Err(Error::invalid(
                "pending",
                "the account's data is being removed from this device: sync or discard the pending work",
            )),
            PendingChoice::Sync => {
                self.inventory.sync().await?;
                self.sync_profile().await?;
                let left = self.pending_work().await?;
                if !left.is_empty() {
                    // Rejections settle movements; anything still pending did not go out.
                    return Err(Error::PendingWork {
                        movements: left.movements,
                        other: left.other,
                    });
                }
                Ok((pending.movements, 0, 0))
            }
            PendingChoice::Discard => {
                let dropped = self.inventory.discard_pending().await?;
                self.discard_profile_edit().await?;
                Ok((0, dropped, 0))
            }
        }
    }

    // --- deletion ---------------------------------------------------------------------

    /// The server's view: pending or not, the grace period, what is deleted and what is
    /// kept. Online.
    pub async fn deletion_status(&self) -> Result<DeletionStatus> {
        self.ctx.api.get("/v1/account/deletion").await
    }

    /// This phone's request, now.
    pub fn deletion_progress(&self) -> DeletionProgress {
        self.deletion.current()
    }

    /// This phone's request now, then every change.
    pub fn deletion_updates(&self) -> TopicUpdates<DeletionProgress> {
        self.deletion.subscribe()
    }

    /// Cancels a pending deletion (within the grace period). `Conflict` when none is
    /// pending or the grace period is over.
    pub async fn cancel_deletion(&self) -> Result<DeletionStatus> {
        let status: DeletionStatus = self
            .ctx
            .api
            .post_empty("/v1/account/deletion/cancel")
            .await?;
        self.clear_deletion_request().await?;
        Ok(status)
    }

    /// Records, in one transaction, that the user confirmed a deletion (never the password).
    pub(crate) async fn queue_deletion_request(&self) -> Result<SystemTime> {
        let now = crate::time::now_millis();
        let at = self
            .ctx
            .store
            .write_blocking(move |w| {
                w.execute(
                    "INSERT INTO acct_deletion_request(id, requested_at_ms) VALUES (1, ?1)
                     ON CONFLICT(id) DO NOTHING",
                    [now],
                )?;
                Ok(w.query_row(
                    "SELECT requested_at_ms FROM acct_deletion_request WHERE id = 1",
                    [],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .await?;
        Ok(crate::time::from_millis(at))
    }

    /// When a queued request was confirmed, if one is.
    pub(crate) async fn queued_deletion(&self) -> Result<Option<SystemTime>> {
        let at: Option<i64> = self
            .ctx
            .store
            .read_blocking(|r| {
                use rusqlite::OptionalExtension;
                Ok(r.query_row(
                    "SELECT requested_at_ms FROM acct_deletion_request WHERE id = 1",
                    [],
                    |row| row.get(0),
                )
                .optional()?)
            })
            .await?;
        Ok(at.map(crate::time::from_millis))
    }

    pub(crate) async fn clear_deletion_request(&self) -> Result<()> {
        self.ctx
            .store
            .write_blocking(|w| {
                w.execute("DELETE FROM acct_deletion_request", [])?;
                Ok(())
            })
            .await?;
        self.forget_password();
        self.deletion.publish(DeletionProgress::None);
        Ok(())
    }

    pub(crate) fn set_deletion_progress(&self, progress: DeletionProgress) {
        self.deletion.publish(progress);
    }

    pub(crate) fn remember_password(&self, password: &str) {
        *self.password.lock().unwrap_or_else(|p| p.into_inner()) = Some(RecentPassword {
            at: Instant::now(),
            value: password.to_string(),
        });
    }

    /// The password entered within [`REAUTH_WINDOW`], if any.
    pub(crate) fn recent_password(&self) -> Option<String> {
        let mut slot = self.password.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(p) if p.at.elapsed() <= REAUTH_WINDOW => Some(p.value.clone()),
            _ => {
                *slot = None;
                None
            }
        }
    }

    pub(crate) fn forget_password(&self) {
        *self.password.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Sends the request once. A wrong password is `InvalidInput` on `password`; a request
    /// already pending on the server is `Conflict`.
    pub(crate) async fn send_deletion_request(
        &self,
        password: &str,
        confirmation: &str,
    ) -> Result<DeletionStatus> {
        let body = DeletionRequest {
            password: password.to_string(),
            confirmation: confirmation.to_string(),
        };
        match self
            .ctx
            .api
            .post_once::<_, DeletionStatus>("/v1/account/deletion", &body)
            .await
        {
            Err(Error::Server {
                status: 403, code, ..
            }) if code == "reauthentication_failed" => Err(Error::invalid(
                "password",
                "the password is wrong; the account was not marked for deletion",
            )),
            other => other,
        }
    }
}

/// Checks the typed phrase and that a password was entered, before anything else happens.
pub(crate) fn check_confirmation(password: &str, confirmation: &str) -> Result<()> {
    if confirmation != DELETION_PHRASE {
        return Err(Error::invalid(
            "confirmation",
            format!("type {DELETION_PHRASE:?} exactly to confirm"),
        ));
    }
    if password.is_empty() {
        return Err(Error::invalid(
            "password",
            "enter your password again to confirm",
        ));
    }
    Ok(())
}
