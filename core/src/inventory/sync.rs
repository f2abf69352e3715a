//! Push and pull. The core owns retries: every request is idempotent by design (movement
//! ids, cursors), so the API client retries transient failures with backoff and honours
//! `Retry-After`; a longer `Retry-After` is remembered and respected by the next sync.
//!
//! Database work runs on the blocking pool, one transaction per pushed batch or pulled
//! page, on the writer connection only: the UI's reads go to the reader connection (WAL)
//! and are never blocked, and a UI write waits at most for one page (a few ms), never for
//! a whole sync (application-services' places `sql_concurrency.md` idea).
//!
//! A sync may be dropped at any await (a cancelled coroutine or task): each step is its own
//! transaction, so the next sync resumes where this one stopped.

use std::time::Duration;

use super::pull::{self, Applied};
use super::{Inventory, SyncActivity, SyncReport, outbox, reads, verify};
use crate::error::{Error, Result};
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

/// The status a failed sync shows: the error's kind, as calls report it.
fn failed(e: &Error) -> SyncActivity {
    match e {
        Error::Offline(_) => SyncActivity::Offline,
        e => SyncActivity::Failed {
            kind: e.kind(),
            detail: e.to_string(),
            retry_after: e.retry_after(),
        },
    }
}

/// Puts the status back to idle when a sync is dropped before it ends.
struct SettleOnDrop<'a>(Option<&'a Inventory>);

impl Drop for SettleOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(inventory) = self.0.take() {
            inventory.set_activity(SyncActivity::Idle);
        }
    }
}

impl Inventory {
    fn options(&self) -> SyncOptions {
        SyncOptions {
            page_rows: self.ctx.tuning.sync_page_rows.clamp(1, 20_000) as u32,
            push_batch: self.ctx.tuning.sync_push_batch.clamp(1, 1000) as usize,
            ..SyncOptions::default()
        }
    }

    /// Pushes the outbox and pulls every warehouse of the account. Call it when the app
    /// comes to the foreground and when connectivity returns; it is safe to call at any
    /// time and to drop at any point (the next call resumes). Concurrent calls run one after
    /// the other.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.sync_with(&self.options()).await
    }

    pub async fn sync_with(&self, options: &SyncOptions) -> Result<SyncReport> {
        let _running = self.sync_running.lock().await;
        let store = self.ctx.store.clone();
        if let Some(retry_at) = store
            .read_blocking(|r| r.meta(RETRY_AT_KEY))
            .await?
            .and_then(|v| v.parse::<i64>().ok())
        {
            let wait = retry_at - outbox::now_ms();
            if wait > 0 {
                let e = Error::Server {
                    status: 503,
                    code: "retry_later".into(),
                    detail: format!("the server asked to wait {} s more", wait / 1000 + 1),
                    retry_after: Some(Duration::from_millis(wait as u64)),
                };
                self.set_activity(failed(&e));
                return Err(e);
            }
        }
        self.set_activity(SyncActivity::Syncing { done: 0, total: 0 });
        // Dropped mid-way (a cancelled coroutine or task): the progress bar must not stay.
        let mut settle_if_dropped = SettleOnDrop(Some(self));
        let result = self.sync_inner(options).await;
        settle_if_dropped.0 = None;
        match &result {
            Ok(_) => {
                let last = store
                    .read_blocking(reads::scopes)
                    .await?
                    .iter()
                    .filter_map(|s| s.last_synced_at)
                    .max();
                self.status.update(|s| {
                    s.activity = SyncActivity::Idle;
                    s.last_synced_at = last;
                    true
                });
            }
            Err(e) => {
                if let Some(d) = e.retry_after() {
                    let at = outbox::now_ms() + d.as_millis() as i64;
                    let _ = store
                        .write_blocking(move |w| w.set_meta(RETRY_AT_KEY, &at.to_string()))
                        .await;
                }
                tracing::info!(error = %e, "inventory sync failed");
                self.set_activity(failed(e));
            }
        }
        self.refresh_pending().await;
        result
    }

    async fn sync_inner(&self, options: &SyncOptions) -> Result<SyncReport> {
        let store = self.ctx.store.clone();
        let scopes = self.ctx.warehouse_ids();
        let mut report = SyncReport::default();
        self.push_outbox(options, &mut report).await?;
        if !options.push_only {
            let keep = scopes.clone();
            let dropped = store
                .write_blocking(move |w| pull::drop_other_scopes(w, &keep))
                .await?;
            for wh in &dropped {
                self.local_change(Some(wh), false).await;
            }
            let mut progress = (0i64, 0i64);
            for wh in &scopes {
                self.pull_scope(wh, options, &mut report, &mut progress)
                    .await?;
            }
        }
        store
            .write_blocking(|w| w.delete_meta(RETRY_AT_KEY))
            .await?;
        report.pending = store.read_blocking(reads::pending_count).await?;
        Ok(report)
    }

    async fn settle(&self, results: Vec<MovementResult>) -> Result<(u32, u32)> {
        let warehouses = self
            .ctx
            .store
            .write_blocking(move |w| outbox::settle(w, &results))
            .await?;
        let settled = (warehouses.applied, warehouses.rejected);
        for wh in &warehouses.touched {
            self.local_change(Some(wh), true).await;
        }
        Ok(settled)
    }

    /// Sends the outbox in batches, oldest first. A rejected movement is settled like an
    /// applied one, so it never blocks the movements behind it. The verdicts of one batch
    /// are written while the next batch is on the wire.
    async fn push_outbox(&self, options: &SyncOptions, report: &mut SyncReport) -> Result<()> {
        let limit = options.push_batch.clamp(1, MAX_PUSH_BATCH);
        let mut after_seq = 0;
        let mut unsettled: Option<Vec<MovementResult>> = None;
        loop {
            let (origin, batch) = self
                .ctx
                .store
                .write_blocking(move |w| {
                    Ok((
                        outbox::origin(w)?,
                        outbox::push_batch_after(w, after_seq, limit)?,
                    ))
                })
                .await?;
            let previous = unsettled.take();
            let settle = async {
                match previous {
                    Some(results) => self.settle(results).await,
                    None => Ok((0, 0)),
                }
            };
            if batch.is_empty() {
                let (applied, rejected) = settle.await?;
                report.applied += applied as i32;
                report.rejected += rejected as i32;
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
                self.ctx.api.post::<_, PushResponse>(PUSH_PATH, &request)
            );
            let (applied, rejected) = settled?;
            report.applied += applied as i32;
            report.rejected += rejected as i32;
            let response = response?;
            if let Some(missing) = sent
                .iter()
                .find(|id| !response.results.iter().any(|r| &r.id == *id))
            {
                return Err(Error::Protocol(format!(
                    "no verdict for movement {missing}"
                )));
            }
            report.pushed += sent.len() as i32;
            unsettled = Some(response.results);
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
        self.ctx.api.get(&path).await
    }

    async fn pull_scope(
        &self,
        wh: &str,
        options: &SyncOptions,
        report: &mut SyncReport,
        progress: &mut (i64, i64),
    ) -> Result<()> {
        let store = self.ctx.store.clone();
        let mut resets = 0;
        let mut first = true;
        let mut verified = false;
        let mut prefetched: Option<Result<ChangesPage>> = None;
        loop {
            let w = wh.to_string();
            let (cursor, version, _, _) = store
                .write_blocking(move |tx| pull::scope_position(tx, &w))
                .await?;
            let fetched = match prefetched.take() {
                Some(page) => page,
                None => self.fetch_page(wh, &cursor, options, first).await,
            };
            let page = match fetched {
                Err(Error::Server { code, .. }) if code == CURSOR_UNKNOWN && resets < 2 => {
                    resets += 1;
                    self.reset(wh, report).await?;
                    first = true;
                    continue;
                }
                other => other?,
            };
            let next = pull::validate_page(&page, wh, version)?;
            let rows = page.row_count() as i64;
            let total = page.total;
            let w = wh.to_string();
            let expected = cursor.clone();
            let has_more = page.has_more;
            let next_cursor = page.cursor.clone();
            let apply = store
                .write_blocking(move |tx| pull::apply_page(tx, &w, &expected, &page, &next, total));
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
                // Another sync moved the cursor meanwhile; it will finish the job.
                Applied::Stale => return Ok(()),
                Applied::Ok {
                    diverged,
                    rows_done,
                    rows_total,
                } => {
                    report.pulled_rows += rows;
                    if rows > 0 {
                        self.local_change(Some(wh), false).await;
                    }
                    self.set_activity(SyncActivity::Syncing {
                        done: progress.0 + rows_done as i64,
                        total: progress.1 + rows_total as i64,
                    });
                    if has_more {
                        continue;
                    }
                    let w = wh.to_string();
                    let every = options.verify_every;
                    let damaged = !diverged
                        && !verified
                        && store
                            .write_blocking(move |tx| {
                                let due = verify::syncs_since_verify(tx, &w)? >= every;
                                if due && !verify::verify_scope(tx, &w)? {
                                    return Ok(true);
                                }
                                if due {
                                    verify::mark_verified(tx, &w)?;
                                }
                                Ok(false)
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
                        self.reset(wh, report).await?;
                        first = true;
                        continue;
                    }
                    if diverged || damaged {
                        return Err(Error::Protocol(format!(
                            "{wh}: local copy still differs from the server after a fresh download"
                        )));
                    }
                    let w = wh.to_string();
                    store
                        .write_blocking(move |tx| pull::finish_pull(tx, &w))
                        .await?;
                    progress.0 += rows_done as i64;
                    progress.1 += rows_total as i64;
                    return Ok(());
                }
            }
        }
    }

    async fn reset(&self, wh: &str, report: &mut SyncReport) -> Result<()> {
        let w = wh.to_string();
        self.ctx
            .store
            .write_blocking(move |tx| pull::reset_scope(tx, &w))
            .await?;
        self.local_change(Some(wh), false).await;
        if !report.scopes_reset.iter().any(|s| s == wh) {
            report.scopes_reset.push(wh.to_string());
        }
        Ok(())
    }

    /// Forces a full check of one warehouse's local copy against its checksum now
    /// (repairing it by a fresh download if it is damaged). Returns whether it was intact.
    pub async fn verify_warehouse(&self, warehouse_id: &str) -> Result<bool> {
        if !self.ctx.warehouse_ids().iter().any(|w| w == warehouse_id) {
            return Err(Error::invalid(
                "warehouse_id",
                format!("{warehouse_id:?} is not one of your warehouses"),
            ));
        }
        let _running = self.sync_running.lock().await;
        let w = warehouse_id.to_string();
        let ok = self
            .ctx
            .store
            .read_blocking(move |r| verify::verify_scope(r, &w))
            .await?;
        if !ok {
            let mut report = SyncReport::default();
            self.reset(warehouse_id, &mut report).await?;
            let mut progress = (0, 0);
            self.pull_scope(warehouse_id, &self.options(), &mut report, &mut progress)
                .await?;
        }
        Ok(ok)
    }
}
