//! Streams: listener in, handle out. Every observable value (the session, a sync's status,
//! an item's stock, a bin, the outbox, live-scan results) is delivered to a listener the app
//! implements, the current value first, until the returned [`TaskHandle`] is cancelled or
//! dropped, or the stream ends (`on_end`: account streams end at sign-out).
//!
//! The small hand-written wrappers in `android/` (`callbackFlow` → `Flow`/`StateFlow`) and
//! `ios/` (`AsyncStream`) turn these into what each platform expects. Listeners are called
//! on a background thread and must return quickly: hand the value to your own dispatcher.

use std::sync::Arc;

use companion_core::SessionState;
use companion_core::Updates;
use companion_core::inventory::{ItemStock, Movement, StockLine, SyncStatus};
use companion_scan::ScanEvent;

use crate::task_handle::TaskHandle;
use crate::{CompanionError, runtime};

/// Receives the session state: signed out, or signed in as an account.
#[uniffi::export(foreign)]
pub trait SessionStateListener: Send + Sync {
    fn on_update(&self, state: SessionState);
    fn on_end(&self);
}

/// Receives the inventory sync's status: activity, progress, pending count.
#[uniffi::export(foreign)]
pub trait SyncStatusListener: Send + Sync {
    fn on_update(&self, status: SyncStatus);
    fn on_end(&self);
}

/// Receives an item's stock (`None` while the item is not on this phone).
#[uniffi::export(foreign)]
pub trait ItemStockListener: Send + Sync {
    fn on_update(&self, stock: Option<ItemStock>);
    fn on_end(&self);
}

/// Receives the contents of a bin.
#[uniffi::export(foreign)]
pub trait BinStockListener: Send + Sync {
    fn on_update(&self, lines: Vec<StockLine>);
    fn on_end(&self);
}

/// Receives the outbox: pending and rejected movements, newest first.
#[uniffi::export(foreign)]
pub trait OutboxListener: Send + Sync {
    fn on_update(&self, movements: Vec<Movement>);
    fn on_end(&self);
}

/// Receives each code a live-scan session confirms, with the item it resolves to.
#[uniffi::export(foreign)]
pub trait LiveScanListener: Send + Sync {
    fn on_scan(&self, event: ScanEvent);
    fn on_end(&self);
}

/// Receives the proofs of delivery's states: per stop draft, sealed, uploading n/m,
/// uploaded (with the receipt) or rejected (with the reason), and the queue length.
#[uniffi::export(foreign)]
pub trait DeliveriesStatusListener: Send + Sync {
    fn on_update(&self, status: companion_core::deliveries::DeliveriesStatus);
    fn on_end(&self);
}

/// Delivers `updates` to `deliver` on the runtime until the handle goes or the stream ends.
pub(crate) fn spawn<U: Updates>(
    mut updates: U,
    deliver: impl Fn(U::Item) + Send + 'static,
    end: impl FnOnce() + Send + 'static,
) -> Result<Arc<TaskHandle>, CompanionError> {
    let task = runtime::runtime()?.spawn(async move {
        while let Some(value) = updates.next().await {
            deliver(value);
        }
        end();
    });
    Ok(TaskHandle::new(task))
}
