//! Push and pull. The core owns retries: every request is idempotent by design (movement
//! ids, cursors), so `Companion::send` retries transient failures with backoff and honours
//! `Retry-After`; a longer `Retry-After` is remembered and respected by the next `sync()`.
//!
//! Database work runs on the blocking pool, one transaction per pushed batch or pulled
//! page, on the writer connection only: the UI's reads go to the reader connection (WAL)
//! and are never blocked, and a UI write waits at most for one page (a few ms), never for
//! a whole sync (application-services' places `sql_concurrency.md` idea).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;

use super::SyncStatus;
use super::local::{self, Applied};
use crate::Companion;
use crate::error::{Error, Result};
use crate::events::CompanionEvent;
use crate::store::Store;
use companion_wire::inventory::{
    CHANGES_PATH, CURSOR_UNKNOWN, ChangesPage, MAX_PUSH_BATCH, MovementResult, PUSH_PATH,
    PushRequest, PushResponse,
};

const RETRY_AT_KEY: &str = "inventory.retry_at_ms";

/// Tuning of one sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Rows per pulled page (the server caps it).
    pub page_rows: u32,
    /// Movements per push.
    pub push_batch: usize,
    /// Recompute each scope's checksum from its rows every this many syncs.
    pub verify_every: i64,
    /// Skip the pull (push only).
    pub push_only: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            page_rows: 10_000,
            push_batch: 1000,
            verify_every: 50,
            push_only: false,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    pub pushed: u32,
    pub applied: u32,
    pub rejected: u32,
    pub pulled_rows: u64,
    /// Scopes found diverged (or with an unknown cursor) and downloaded again.
    pub scopes_reset: Vec<String>,
    /// Movements still waiting for the server.
    pub pending: u64,
}

async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
}

fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn error_status(e: &Error) -> SyncStatus {
    let kind = match e {
        Error::Offline(_) => return SyncStatus::Offline,
        Error::Unauthorized(_) | Error::NotSignedIn => "unauthorized",
        Error::Server { .. } => "server",
        Error::Protocol(_) => "protocol",
        Error::Storage(_) | Error::CorruptDatabase { .. } => "storage",
        Error::Cancelled => "cancelled",
        _ => "other",
    };
    let retry_after_ms = match e {
        Error::Server {
            retry_after: Some(d),
            ..
        } => Some(d.as_millis() as u64),
        _ => None,
    };
    SyncStatus::Error {
        kind: kind.to_string(),
        detail: e.to_string(),
        retry_after_ms,
    }
}

impl Companion {
    pub(crate) fn publish_sync_pending(&self, store: &Store) {
        let pending = store.read(local::pending_count).unwrap_or(0);
        let status = self
            .current_events()
            .into_iter()
            .find_map(|e| match e {
                CompanionEvent::Sync { status, .. } => Some(status),
                _ => None,
            })
            .unwrap_or(SyncStatus::Idle {
                last_sync_at_ms: None,
            });
        self.publish(CompanionEvent::Sync { status, pending });
    }

    fn publish_sync(&self, store: &Store, status: SyncStatus) {
        let pending = store.read(local::pending_count).unwrap_or(0);
        self.publish(CompanionEvent::Sync { status, pending });
    }

    /// Pushes the outbox and pulls every scope of the account. Call it when the app comes
    /// to the foreground and when connectivity returns; it is safe to call at any time, to
    /// run concurrently with itself and to abort at any point (the next call resumes).
    pub async fn inventory_sync(&self) -> Result<SyncReport> {
        self.inventory_sync_with(&SyncOptions::default()).await
    }

    pub async fn inventory_sync_with(&self, options: &SyncOptions) -> Result<SyncReport> {
        let store = self.store()?;
        let scopes = self.inventory_scopes_of_account()?;
        if let Some(retry_at) = store
            .get_meta(RETRY_AT_KEY)?
            .and_then(|v| v.parse::<i64>().ok())
        {
            let wait = retry_at - local::now_ms();
            if wait > 0 {
                let e = Error::Server {
                    status: 503,
                    code: "retry_later".into(),
                    detail: format!("the server asked to wait {} s more", wait / 1000 + 1),
                    retry_after: Some(Duration::from_millis(wait as u64)),
                };
                self.publish_sync(&store, error_status(&e));
                return Err(e);
            }
        }
        self.publish_sync(&store, SyncStatus::Syncing { done: 0, total: 0 });
        let result = self.sync_inner(&store, &scopes, options).await;
        match &result {
            Ok(_) => {
                let last = store
                    .read(local::scopes)?
                    .iter()
                    .filter_map(|s| s.last_sync_at_ms)
                    .max();
                self.publish_sync(
                    &store,
                    SyncStatus::Idle {
                        last_sync_at_ms: last,
                    },
                );
            }
            Err(e) => {
                if let Error::Server {
                    retry_after: Some(d),
                    ..
                } = e
                {
                    let at = local::now_ms() + d.as_millis() as i64;
                    let _ = store.set_meta(RETRY_AT_KEY, &at.to_string());
                }
                tracing::info!(error = %e, "inventory sync failed");
                self.publish_sync(&store, error_status(e));
            }
        }
        result
    }

    async fn sync_inner(
        &self,
        store: &Arc<Store>,
        scopes: &[String],
        options: &SyncOptions,
    ) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.push_outbox(store, options, &mut report).await?;
        if !options.push_only {
            let keep = scopes.to_vec();
            blocking(store, move |s| {
                s.write(|tx| local::drop_other_scopes(tx, &keep))
            })
            .await?;
            let mut progress = (0u64, 0u64);
            for wh in scopes {
                self.pull_scope(store, wh, options, &mut report, &mut progress)
                    .await?;
            }
        }
        if store.get_meta(RETRY_AT_KEY)?.is_some() {
            store.write(|tx| Ok(tx.execute("DELETE FROM meta WHERE key = ?1", [RETRY_AT_KEY])?))?;
        }
        report.pending = store.read(local::pending_count)?;
        Ok(report)
    }

    /// Sends the outbox in batches, oldest first. A rejected movement is settled like an
    /// applied one, so it never blocks the movements behind it. The verdicts of one batch
    /// are written while the next batch is on the wire.
    async fn push_outbox(
        &self,
        store: &Arc<Store>,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<()> {
        let limit = options.push_batch.clamp(1, MAX_PUSH_BATCH);
        let mut after_seq = 0;
        let mut unsettled: Option<Vec<MovementResult>> = None;
        loop {
            let (origin, batch) = blocking(store, move |s| {
                s.write(|tx| {
                    Ok((
                        local::origin(tx)?,
                        local::push_batch_after(tx, after_seq, limit)?,
                    ))
                })
            })
            .await?;
            let previous = unsettled.take();
            let settle = async {
                match previous {
                    Some(results) => {
                        blocking(store, move |s| s.write(|tx| local::settle(tx, &results))).await
                    }
                    None => Ok((0, 0)),
                }
            };
            if batch.is_empty() {
                let (applied, rejected) = settle.await?;
                report.applied += applied;
                report.rejected += rejected;
                return Ok(());
            }
            after_seq = batch.last().map_or(after_seq, |m| m.origin_seq);
            let sent: Vec<String> = batch.iter().map(|m| m.id.clone()).collect();
            let request = PushRequest {
                origin,
                movements: batch,
            };
            let (settled, response) = tokio::join!(
                settle,
                self.send::<_, PushResponse>(Method::POST, PUSH_PATH, Some(&request), true)
            );
            let (applied, rejected) = settled?;
            report.applied += applied;
            report.rejected += rejected;
            let response = response?;
            if let Some(missing) = sent
                .iter()
                .find(|id| !response.results.iter().any(|r| &r.id == *id))
            {
                return Err(Error::Protocol(format!(
                    "no verdict for movement {missing}"
                )));
            }
            report.pushed += sent.len() as u32;
            unsettled = Some(response.results);
            self.publish_sync(store, SyncStatus::Syncing { done: 0, total: 0 });
        }
    }

    async fn fetch_page(
        &self,
        wh: &str,
        cursor: &str,
        options: &SyncOptions,
        with_total: bool,
    ) -> Result<ChangesPage> {
        let path = format!(
            "{CHANGES_PATH}?warehouse={}&cursor={}&limit={}&with_total={with_total}",
            encode_query(wh),
            encode_query(cursor),
            options.page_rows
        );
        self.send::<(), ChangesPage>(Method::GET, &path, None, true)
            .await
    }

    async fn pull_scope(
        &self,
        store: &Arc<Store>,
        wh: &str,
        options: &SyncOptions,
        report: &mut SyncReport,
        progress: &mut (u64, u64),
    ) -> Result<()> {
        let mut resets = 0;
        let mut first = true;
        let mut verified = false;
        let mut prefetched: Option<Result<ChangesPage>> = None;
        loop {
            let w = wh.to_string();
            let (cursor, version, _, _) =
                blocking(store, move |s| s.write(|tx| local::scope_position(tx, &w))).await?;
            let fetched = match prefetched.take() {
                Some(page) => page,
                None => self.fetch_page(wh, &cursor, options, first).await,
            };
            let page = match fetched {
                Err(Error::Server { code, .. }) if code == CURSOR_UNKNOWN && resets < 2 => {
                    resets += 1;
                    self.reset(store, wh, report).await?;
                    first = true;
                    continue;
                }
                other => other?,
            };
            let next = local::validate_page(&page, wh, version)?;
            let rows = page.row_count() as u64;
            let total = page.total;
            let w = wh.to_string();
            let expected = cursor.clone();
            let has_more = page.has_more;
            let next_cursor = page.cursor.clone();
            let apply = blocking(store, move |s| {
                s.write(|tx| local::apply_page(tx, &w, &expected, &page, &next, total))
            });
            // While one page is written, the next one is already on its way.
            let applied = if has_more {
                let (applied, next_page) =
                    tokio::join!(apply, self.fetch_page(wh, &next_cursor, options, false));
                prefetched = Some(next_page);
                applied?
            } else {
                apply.await?
            };
            first = false;
            match applied {
                // Another sync is pulling this scope right now; it will finish the job.
                Applied::Stale => return Ok(()),
                Applied::Ok {
                    diverged,
                    rows_done,
                    rows_total,
                } => {
                    report.pulled_rows += rows;
                    self.publish_sync(
                        store,
                        SyncStatus::Syncing {
                            done: progress.0 + rows_done,
                            total: progress.1 + rows_total,
                        },
                    );
                    if has_more {
                        continue;
                    }
                    let w = wh.to_string();
                    let every = options.verify_every;
                    let damaged = !diverged
                        && !verified
                        && blocking(store, move |s| {
                            s.write(|tx| {
                                let due = local::syncs_since_verify(tx, &w)? >= every;
                                if due && !local::verify_scope(tx, &w)? {
                                    return Ok(true);
                                }
                                if due {
                                    local::mark_verified(tx, &w)?;
                                }
                                Ok(false)
                            })
                        })
                        .await?;
                    verified = true;
                    if (diverged || damaged) && resets < 2 {
                        tracing::warn!(
                            warehouse = wh,
                            diverged,
                            damaged,
                            "scope checksum mismatch"
                        );
                        resets += 1;
                        self.reset(store, wh, report).await?;
                        first = true;
                        continue;
                    }
                    if diverged || damaged {
                        return Err(Error::Protocol(format!(
                            "{wh}: local copy still differs from the server after a fresh download"
                        )));
                    }
                    let w = wh.to_string();
                    blocking(store, move |s| s.write(|tx| local::finish_pull(tx, &w))).await?;
                    progress.0 += rows_done;
                    progress.1 += rows_total;
                    return Ok(());
                }
            }
        }
    }

    async fn reset(&self, store: &Arc<Store>, wh: &str, report: &mut SyncReport) -> Result<()> {
        let w = wh.to_string();
        blocking(store, move |s| s.write(|tx| local::reset_scope(tx, &w))).await?;
        if !report.scopes_reset.iter().any(|s| s == wh) {
            report.scopes_reset.push(wh.to_string());
        }
        Ok(())
    }

    /// Forces a full check of one scope's local copy against its checksum now (repairing it
    /// by a fresh download if it is damaged). Returns whether it was intact.
    pub async fn inventory_verify_scope(&self, warehouse_id: &str) -> Result<bool> {
        let store = self.store()?;
        let w = warehouse_id.to_string();
        let ok = blocking(&store, move |s| s.read(|c| local::verify_scope(c, &w))).await?;
        if !ok {
            let mut report = SyncReport::default();
            self.reset(&store, warehouse_id, &mut report).await?;
            let mut progress = (0, 0);
            self.pull_scope(
                &store,
                warehouse_id,
                &SyncOptions::default(),
                &mut report,
                &mut progress,
            )
            .await?;
        }
        Ok(ok)
    }
}

/// When the core syncs on its own (see [`Companion::inventory_auto_sync`]).
#[derive(Debug, Clone)]
pub struct AutoSyncSchedule {
    /// Between syncs while nothing is pending and the last sync succeeded.
    pub interval: Duration,
    /// First retry delay after a failure; doubles per consecutive failure (full jitter).
    pub retry_base: Duration,
    pub retry_max: Duration,
}

impl Default for AutoSyncSchedule {
    fn default() -> Self {
        AutoSyncSchedule {
            interval: Duration::from_secs(5 * 60),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(5 * 60),
        }
    }
}

impl AutoSyncSchedule {
    /// The wait before the next attempt after `failures` consecutive failures of which the
    /// last asked to wait `retry_after`.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        use rand::Rng;
        if failures == 0 {
            return self.interval;
        }
        let ceiling = self
            .retry_base
            .saturating_mul(1u32 << failures.min(16).saturating_sub(1))
            .min(self.retry_max);
        let jittered = Duration::from_millis(
            rand::rng().random_range(ceiling.as_millis() as u64 / 2..=ceiling.as_millis() as u64),
        );
        jittered.max(retry_after.unwrap_or_default())
    }
}

impl Companion {
    /// Runs forever (until the future is dropped): syncs now, then retries failed syncs with
    /// exponential backoff honouring `Retry-After` (the server's wait is never cut short),
    /// and syncs every `interval` once all is settled. The shells still call
    /// `inventory_sync()` on foreground and connectivity changes; this loop makes sure an
    /// outbox drains without them. Signed out: it waits and tries again.
    pub async fn inventory_auto_sync(&self, schedule: AutoSyncSchedule) {
        let mut failures: u32 = 0;
        loop {
            let retry_after = match self.inventory_sync().await {
                Ok(report) if report.pending == 0 => {
                    failures = 0;
                    None
                }
                // Movements recorded during the sync: go again soon.
                Ok(_) => {
                    failures = 1;
                    None
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    match e {
                        Error::Server { retry_after, .. } => retry_after,
                        _ => None,
                    }
                }
            };
            tokio::time::sleep(schedule.delay(failures, retry_after)).await;
        }
    }
}
