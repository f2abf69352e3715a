//! The account's own data on the reference server: profile rectification, the data export,
//! account deletion with a grace period, the purge that follows it, backups that never bring
//! a deleted account back, and the web page for deletion without the app.
//! `docs/account-deletion.md` is the description; this module is the implementation.
//!
//! - [`profile`]: `GET`/`POST /v1/account/profile`.
//! - [`deletion`]: request, status and cancellation (`/v1/account/deletion`).
//! - [`purge`]: after the grace period, personal data deleted and kept business records
//!   de-identified, in steps that resume after a crash.
//! - [`export`]: the export assembled as a list of sections into a zip on disk, downloaded
//!   with HTTP ranges.
//! - [`backup`]: backups, their 90-day retention, and restores that re-apply deletions.
//! - [`web`]: the deletion page at `/account/delete`.

pub mod backup;
pub mod deletion;
pub mod export;
pub mod profile;
pub mod purge;
pub mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::db::Db;
use crate::push::Clock;

pub use export::ExportSection;

const DAY: u64 = 24 * 3600;

/// How the server handles the account's own data.
#[derive(Clone)]
pub struct AccountConfig {
    /// Between a deletion request and the purge; the user may cancel until then. 30 days.
    pub deletion_grace: Duration,
    /// How often the purge job looks for accounts past their grace period. 1 hour.
    pub purge_interval: Duration,
    /// Run the purge (and backup) job in the background (tests step it by hand).
    pub background_jobs: bool,
    /// How long a finished export stays downloadable. 24 hours.
    pub export_ttl: Duration,
    /// Where export zips are built; default `<db dir>/exports`.
    pub export_dir: Option<PathBuf>,
    /// The sections of an export, in order (the proof-of-delivery feature adds one).
    pub export_sections: Vec<Arc<dyn ExportSection>>,
    /// Where backups go; `None`: no automatic backups (the `backup` command still works).
    pub backup_dir: Option<PathBuf>,
    /// Between automatic backups (when `backup_dir` is set). 24 hours.
    pub backup_interval: Duration,
    /// Backups older than this are deleted, and refused for a restore. 90 days.
    pub backup_retention: Duration,
    /// Unix seconds; tests inject their own.
    pub clock: Clock,
}

impl Default for AccountConfig {
    fn default() -> Self {
        AccountConfig {
            deletion_grace: Duration::from_secs(30 * DAY),
            purge_interval: Duration::from_secs(3600),
            background_jobs: true,
            export_ttl: Duration::from_secs(DAY),
            export_dir: None,
            export_sections: export::default_sections(),
            backup_dir: None,
            backup_interval: Duration::from_secs(DAY),
            backup_retention: Duration::from_secs(90 * DAY),
            clock: Clock::system(),
        }
    }
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("deletion_grace", &self.deletion_grace)
            .field("backup_dir", &self.backup_dir)
            .field("backup_retention", &self.backup_retention)
            .finish_non_exhaustive()
    }
}

impl AccountConfig {
    pub fn grace_secs(&self) -> i64 {
        self.deletion_grace.as_secs() as i64
    }

    pub fn grace_days(&self) -> i64 {
        (self.deletion_grace.as_secs() as i64 + DAY as i64 - 1) / DAY as i64
    }

    /// The export directory for a server whose database is `db_path`.
    pub fn export_dir_for(&self, db_path: &std::path::Path) -> PathBuf {
        self.export_dir.clone().unwrap_or_else(|| {
            db_path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join("exports")
        })
    }
}

/// Schema appended to the server migrations.
pub const MIGRATION: &str = r#"
-- Rectifiable profile fields beside the display name.
ALTER TABLE accounts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN profile_updated_at INTEGER NOT NULL DEFAULT 0;
-- Accounts on their way out. `pseudonym` is chosen at the request, used by the purge to
-- de-identify kept records, and deleted with the row when the purge finishes.
CREATE TABLE account_deletions (
    account_id TEXT PRIMARY KEY NOT NULL,
    requested_at INTEGER NOT NULL,
    purge_after INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'purging')),
    pseudonym TEXT NOT NULL,
    via TEXT NOT NULL
) STRICT;
CREATE INDEX account_deletions_due ON account_deletions(state, purge_after);
-- Every request, cancellation and purge, so a restored backup re-applies them. Account ids
-- only (random, and linking to nothing once the account is purged); kept as long as backups.
CREATE TABLE account_journal (
    seq INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('requested', 'cancelled', 'purged')),
    at INTEGER NOT NULL,
    purge_after INTEGER
) STRICT;
CREATE TABLE account_exports (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    bytes INTEGER,
    sha256 TEXT
) STRICT;
CREATE INDEX account_exports_by_account ON account_exports(account_id);
"#;

/// The phone-facing routes (`/v1/account/...`) and the web page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/account/profile",
            get(profile::get_profile).post(profile::update_profile),
        )
        .route(
            "/account/deletion",
            get(deletion::status).post(deletion::request),
        )
        .route("/account/deletion/cancel", post(deletion::cancel))
        .route("/account/exports", post(export::start))
        .route("/account/exports/{id}", get(export::status))
        .route("/account/exports/{id}/file", get(export::download))
}

/// The deletion page for browsers, outside `/v1`.
pub fn web_router() -> Router<AppState> {
    Router::new().route(web::PAGE, get(web::show).post(web::submit))
}

/// The purge (and, with a backup directory, the backup) job: runs every
/// `purge_interval` until the server stops.
pub fn spawn_jobs(db: Db, config: AccountConfig, db_path: PathBuf) -> tokio::task::JoinHandle<()> {
    // No export can be building at start: one left `building` was cut by a stop or a crash
    // and is failed at once, so the phone asks for a new one instead of waiting.
    if let Err(e) = db.with(|c| {
        c.execute(
            "UPDATE account_exports SET state = 'failed' WHERE state = 'building'",
            [],
        )
    }) {
        tracing::warn!(error = %e, "cannot fail interrupted exports");
    }
    tokio::spawn(async move {
        let mut last_backup = config.clock.now();
        let mut tick = tokio::time::interval(config.purge_interval.max(Duration::from_secs(1)));
        loop {
            tick.tick().await;
            match purge::run_due(&db, &config, &db_path).await {
                Ok(n) if n > 0 => tracing::info!(accounts = n, "purged accounts"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.message, "purge job failed; retried later"),
            }
            if let Err(e) = export::remove_expired(&db, &config, &db_path).await {
                tracing::warn!(error = %e.message, "removing expired exports failed");
            }
            if let Some(dir) = &config.backup_dir {
                let now = config.clock.now();
                if now - last_backup >= config.backup_interval.as_secs() as i64 {
                    last_backup = now;
                    let (db, dir, retention) = (db.clone(), dir.clone(), config.backup_retention);
                    let (db_path_for_backup, config_for_backup) = (db_path.clone(), config.clone());
                    let done = tokio::task::spawn_blocking(move || {
                        backup::create(&db, &dir, now)?;
                        backup::prune(&dir, now, retention)?;
                        backup::prune_journal(&db, &db_path_for_backup, &config_for_backup)
                    })
                    .await;
                    if let Ok(Err(e)) | Err(e) = done.map_err(std::io::Error::other) {
                        tracing::warn!(error = %e, "backup failed");
                    }
                }
            }
        }
    })
}
