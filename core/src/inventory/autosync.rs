//! The core-owned sync loop: the outbox drains and the copy stays fresh even when the app
//! forgets to call `sync()`.

use std::sync::Arc;
use std::time::Duration;

use super::Inventory;
use crate::error::Error;

/// When the core syncs on its own (see [`Inventory::run_auto_sync`]).
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

impl Inventory {
    /// Runs until the future is dropped: syncs now, then retries failed syncs with
    /// exponential backoff honouring `Retry-After` (the server's wait is never cut short),
    /// and syncs every `interval` once all is settled. The shells still call `sync()` on
    /// foreground and connectivity changes; this loop makes sure an outbox drains without
    /// them.
    pub async fn run_auto_sync(&self, schedule: AutoSyncSchedule) {
        let mut failures: u32 = 0;
        loop {
            let retry_after = match self.sync().await {
                Ok(report) if report.pending == 0 => {
                    failures = 0;
                    None
                }
                // Movements recorded during the sync: go again soon.
                Ok(_) => {
                    failures = 1;
                    None
                }
                // Signed out under us: the scope is closing, and this task with it.
                Err(Error::NotSignedIn | Error::Unauthorized(_)) => return,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    e.retry_after()
                }
            };
            tokio::time::sleep(schedule.delay(failures, retry_after)).await;
        }
    }

    /// Starts [`Inventory::run_auto_sync`] in the background with the app's interval; it
    /// stops when the returned handle is aborted or the account signs out.
    pub fn start_auto_sync(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let schedule = AutoSyncSchedule {
            interval: self.ctx.tuning.auto_sync_interval(),
            ..AutoSyncSchedule::default()
        };
        let inventory = self.clone();
        let task = tokio::spawn(async move { inventory.run_auto_sync(schedule).await });
        self.ctx.tasks.register(&task);
        task
    }
}
