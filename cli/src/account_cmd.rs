//! `companion account …` (the phone's account component: profile, export, deletion,
//! sign-out with a say over unsent work), `companion backup …` (the reference server's
//! backups), and the `serve` options for deletion and backups.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use companion_core::account::{
    DELETION_PHRASE, DeletionOutcome, ExportPhase, PendingChoice, ProfileUpdate, SignOutOptions,
};
use companion_core::{Companion, Updates};

use crate::Cli;
use crate::account::open_device;
use crate::output::{CliError, emit};

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Pending {
    /// Refuse (exit 5, `conflict`) when anything is unsent, showing the counts.
    Ask,
    /// Send it first.
    Sync,
    /// Keep it on this phone for the next sign-in (not with --remove-data or delete).
    Keep,
    /// Drop it.
    Discard,
}

impl From<Pending> for PendingChoice {
    fn from(p: Pending) -> Self {
        match p {
            Pending::Ask => PendingChoice::Ask,
            Pending::Sync => PendingChoice::Sync,
            Pending::Keep => PendingChoice::Keep,
            Pending::Discard => PendingChoice::Discard,
        }
    }
}

#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// Shows the profile; --display-name, --phone, --job-title correct it (works offline).
    Profile {
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        job_title: Option<String>,
    },
    /// Exports everything the server holds about you: downloads it sealed (resumable;
    /// progress on stderr), then writes the zip to --out (the share-sheet copy).
    Export {
        /// Where to write the zip; default `companion-export-<date>.zip` here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only download (sealed, into the phone); write no plain zip.
        #[arg(long)]
        keep_sealed: bool,
    },
    /// Requests deletion of the account. The password comes from $COMPANION_PASSWORD or the
    /// first line of stdin; --confirm must be the phrase "DELETE MY ACCOUNT".
    Delete {
        #[arg(long)]
        confirm: String,
        /// What to do with unsent work.
        #[arg(long, value_enum, default_value = "ask")]
        pending: Pending,
    },
    /// Sends a deletion request queued offline (asks the password again).
    SendQueued,
    /// Cancels a pending deletion (sign in first; within the grace period).
    CancelDeletion,
    /// The deletion state: on the server, and of this phone's request.
    Status,
    /// Signs out with a say over unsent work; --remove-data wipes the account from this phone.
    SignOut {
        #[arg(long)]
        remove_data: bool,
        #[arg(long, value_enum, default_value = "ask")]
        pending: Pending,
    },
}

fn read_password() -> Result<String, CliError> {
    if let Ok(p) = std::env::var("COMPANION_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("reading the password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Prints export progress to stderr until the export ends.
fn spawn_progress(phone: &Companion, json: bool) -> Result<tokio::task::JoinHandle<()>, CliError> {
    let mut updates = phone.account()?.export_updates();
    Ok(tokio::spawn(async move {
        let mut last = (ExportPhase::Idle, -1i64);
        while let Some(p) = updates.next().await {
            let pct = match p.bytes_total {
                Some(t) if t > 0 => p.bytes_done * 100 / t,
                _ => 0,
            };
            if (p.phase, pct) == last {
                continue;
            }
            last = (p.phase, pct);
            if json {
                println!(
                    "{}",
                    serde_json::json!({"progress": {"phase": p.phase, "bytes_done": p.bytes_done, "bytes_total": p.bytes_total}})
                );
            } else {
                eprint!("\rexport: {:?} {pct:>3}%   ", p.phase);
                let _ = std::io::stderr().flush();
            }
            if matches!(p.phase, ExportPhase::Ready | ExportPhase::Failed) {
                if !json {
                    eprintln!();
                }
                break;
            }
        }
    }))
}

pub async fn run(cli: &Cli, which: &AccountCommand) -> Result<(), CliError> {
    let phone = open_device(&cli.data_dir, &cli.server)?;
    match which {
        AccountCommand::Profile {
            display_name,
            phone: tel,
            job_title,
        } => {
            let update = ProfileUpdate {
                display_name: display_name.clone(),
                phone: tel.clone(),
                job_title: job_title.clone(),
            };
            let view = if update == ProfileUpdate::default() {
                phone.account()?.profile().await?
            } else {
                phone.account()?.update_profile(update).await?
            };
            emit(cli.json, &view, || {
                format!(
                    "{} ({})\nphone: {}\njob title: {}{}",
                    view.profile.display_name,
                    view.profile.username,
                    view.profile.phone,
                    view.profile.job_title,
                    if view.pending_sync {
                        "\n(edit not yet sent: offline)"
                    } else {
                        ""
                    }
                )
            });
        }
        AccountCommand::Export { out, keep_sealed } => {
            let progress = spawn_progress(&phone, cli.json)?;
            let file = phone.account()?.export_data().await;
            let _ = tokio::time::timeout(Duration::from_secs(1), progress).await;
            let file = file?;
            let mut written = None;
            if !keep_sealed {
                let shared = phone.account()?.share_export(&file.export_id).await?;
                let target = out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(&shared.file_name));
                std::fs::copy(&shared.path, &target).map_err(|e| {
                    companion_core::Error::Storage(format!("{}: {e}", target.display()))
                })?;
                phone.account()?.finish_sharing().await?;
                written = Some(target);
            }
            let doc = serde_json::json!({"export": file, "written_to": written});
            emit(cli.json, &doc, || match &written {
                Some(p) => format!(
                    "export {} ({} bytes, sha256 {}) written to {}",
                    file.export_id,
                    file.bytes,
                    file.sha256,
                    p.display()
                ),
                None => format!(
                    "export {} ({} bytes) kept sealed on this phone",
                    file.export_id, file.bytes
                ),
            });
        }
        AccountCommand::Delete { confirm, pending } => {
            if confirm != DELETION_PHRASE {
                return Err(companion_core::Error::invalid(
                    "confirmation",
                    format!("type {DELETION_PHRASE:?} exactly to confirm"),
                )
                .into());
            }
            let password = read_password()?;
            let outcome = phone
                .request_account_deletion(&password, confirm, (*pending).into())
                .await?;
            emit(cli.json, &outcome, || {
                match &outcome {
                DeletionOutcome::Accepted { status } => format!(
                    "deletion accepted: the account is purged after {} (grace period {} days) unless you sign in and cancel; this phone's data of the account is removed",
                    status.purge_after.unwrap_or_default(),
                    status.grace_days
                ),
                DeletionOutcome::Queued { .. } => {
                    "offline: the deletion request is queued; run `companion account send-queued` once online".into()
                }
            }
            });
        }
        AccountCommand::SendQueued => {
            let password = read_password()?;
            let outcome = phone.send_queued_deletion(Some(password)).await?;
            emit(cli.json, &outcome, || format!("{outcome:?}"));
        }
        AccountCommand::CancelDeletion => {
            let status = phone.account()?.cancel_deletion().await?;
            emit(cli.json, &status, || {
                "deletion cancelled: the account stays".into()
            });
        }
        AccountCommand::Status => {
            let account = phone.account()?;
            let local = account.deletion_progress();
            let server = account.deletion_status().await;
            let pending = account.pending_work().await?;
            let doc = serde_json::json!({
                "server": server.as_ref().ok(),
                "server_error": server.as_ref().err().map(|e| e.to_string()),
                "this_phone": local,
                "pending_work": pending,
            });
            emit(cli.json, &doc, || {
                format!(
                    "server: {}\nthis phone: {local:?}\nunsent: {} movement(s), {} other change(s)",
                    match &server {
                        Ok(s) => format!(
                            "{:?} (grace period {} days{})",
                            s.state,
                            s.grace_days,
                            s.purge_after
                                .map(|p| format!(", purge after {p}"))
                                .unwrap_or_default()
                        ),
                        Err(e) => format!("unavailable ({e})"),
                    },
                    pending.movements,
                    pending.other
                )
            });
        }
        AccountCommand::SignOut {
            remove_data,
            pending,
        } => {
            let report = phone
                .sign_out_with(SignOutOptions {
                    remove_data: *remove_data,
                    pending: (*pending).into(),
                })
                .await?;
            emit(cli.json, &report, || {
                format!(
                    "signed out (synced {}, discarded {}, kept {}{})",
                    report.synced,
                    report.discarded,
                    report.kept,
                    if report.data_removed {
                        "; the account's data is removed from this phone"
                    } else {
                        ""
                    }
                )
            });
        }
    }
    Ok(())
}

/// `companion serve` options for account deletion and backups.
#[derive(clap::Args, Debug)]
pub struct ServeAccountArgs {
    /// Days between a deletion request and the purge (the user may cancel until then).
    #[arg(long, default_value_t = 30)]
    pub deletion_grace_days: u64,
    /// Seconds instead of days, for demos and tests (overrides --deletion-grace-days).
    #[arg(long, hide = true)]
    pub deletion_grace_secs: Option<u64>,
    /// How often the purge job runs, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub purge_interval_secs: u64,
    /// Take a backup into this directory every --backup-interval-hours.
    #[arg(long)]
    pub backup_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 24)]
    pub backup_interval_hours: u64,
    /// Backups older than this are deleted (and refused by `backup restore`).
    #[arg(long, default_value_t = 90)]
    pub backup_retention_days: u64,
    /// Benchmark only: add N generated JPEG-like photos to every export.
    #[arg(long, hide = true, default_value_t = 0)]
    pub bench_export_photos: usize,
    /// Benchmark only: bytes per generated photo.
    #[arg(long, hide = true, default_value_t = 256 * 1024)]
    pub bench_photo_bytes: usize,
}

impl ServeAccountArgs {
    pub fn apply(&self, config: &mut companion_server::ServerConfig) {
        let a = &mut config.account;
        a.deletion_grace = Duration::from_secs(
            self.deletion_grace_secs
                .unwrap_or(self.deletion_grace_days * 86_400),
        );
        a.purge_interval = Duration::from_secs(self.purge_interval_secs.max(1));
        a.backup_dir = self.backup_dir.clone();
        a.backup_interval = Duration::from_secs(self.backup_interval_hours.max(1) * 3600);
        a.backup_retention = Duration::from_secs(self.backup_retention_days * 86_400);
        if self.bench_export_photos > 0 {
            a.export_sections.push(std::sync::Arc::new(
                companion_server::account::export::SyntheticPhotos {
                    count: self.bench_export_photos,
                    bytes: self.bench_photo_bytes,
                },
            ));
        }
    }
}

#[derive(clap::Subcommand)]
pub enum BackupCommand {
    /// Takes a backup of the server database now (safe while the server runs).
    Create {
        #[arg(long, default_value = ".companion/server.db")]
        db: PathBuf,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Lists the backups.
    List {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Deletes backups older than the retention.
    Prune {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 90)]
        retention_days: u64,
    },
    /// Restores a backup over the server database (stop the server first) and re-applies
    /// every deletion journalled since; a backup older than the retention is refused.
    Restore {
        #[arg(long, default_value = ".companion/server.db")]
        db: PathBuf,
        #[arg(long)]
        from: PathBuf,
        #[arg(long, default_value_t = 90)]
        retention_days: u64,
    },
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

pub async fn backup(cli: &Cli, which: &BackupCommand) -> Result<(), CliError> {
    use companion_server::account::backup;
    let now = companion_server::db::now();
    match which {
        BackupCommand::Create { db, dir } => {
            let db =
                companion_server::Db::open(db, None, companion_server::SCHEMA).map_err(usage)?;
            let path = backup::create(&db, dir, now).map_err(usage)?;
            emit(cli.json, &serde_json::json!({"backup": path}), || {
                format!("backup written to {}", path.display())
            });
        }
        BackupCommand::List { dir } => {
            let list = backup::list(dir).map_err(usage)?;
            let doc: Vec<_> = list
                .iter()
                .map(|(at, p)| serde_json::json!({"taken_at": at, "path": p}))
                .collect();
            emit(cli.json, &doc, || {
                list.iter()
                    .map(|(at, p)| format!("{at}  {}", p.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        BackupCommand::Prune {
            dir,
            retention_days,
        } => {
            let n = backup::prune(dir, now, Duration::from_secs(retention_days * 86_400))
                .map_err(usage)?;
            emit(cli.json, &serde_json::json!({"deleted": n}), || {
                format!("{n} backup(s) older than {retention_days} days deleted")
            });
        }
        BackupCommand::Restore {
            db,
            from,
            retention_days,
        } => {
            let config = companion_server::account::AccountConfig {
                backup_retention: Duration::from_secs(retention_days * 86_400),
                ..Default::default()
            };
            let report = backup::restore(db, from, companion_server::SCHEMA, &config)
                .await
                .map_err(|e| match e {
                    backup::RestoreError::TooOld { .. } => {
                        CliError::Core(companion_core::Error::Conflict(e.to_string()))
                    }
                    other => usage(other),
                })?;
            emit(cli.json, &report, || {
                format!(
                    "restored the backup of {}; re-applied: {} purge(s), {} pending request(s), {} cancellation(s)",
                    report.backup_taken_at,
                    report.purged_again,
                    report.requests_restored,
                    report.cancellations_applied
                )
            });
        }
    }
    Ok(())
}
