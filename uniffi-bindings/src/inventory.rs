//! Offline inventory for the apps: lookups (what a scan hits), movements recorded offline
//! into the outbox, the outbox itself, sync, and observable queries. Every call is
//! `suspend`/`async` and runs on the core's threads; records are the core's.
//!
//! Kotlin:
//! ```kotlin
//! val inventory = client.inventory()
//! val stock = inventory.lookup(scannedGtin)                                  // offline, µs
//! inventory.record(NewMovement(warehouseId = "wh-north", kind = MovementKind.ADJUST,
//!     itemId = "I000042", lotId = "L000042-1", locationId = "N-01-02-1", toLocationId = null,
//!     qty = -3, reason = AdjustReason.DAMAGE, poLineId = null))
//! inventory.syncStatusFlow().collect { status -> render(status) }            // Flow wrapper
//! val report = inventory.sync(cancellation = null)
//! ```

use std::sync::Arc;

use companion_core::inventory::{
    Item, ItemStock, Movement, NewMovement, PoLine, ScopeInfo, StockLine, SyncReport, SyncStatus,
};

use crate::streams::{
    self, BinStockListener, ItemStockListener, OutboxListener, SyncStatusListener,
};
use crate::task_handle::TaskHandle;
use crate::{Cancellation, CompanionError, runtime};

/// The signed-in account's inventory. Calls fail with `NotSignedIn` while signed out.
#[derive(uniffi::Object)]
pub struct Inventory {
    core: Arc<companion_core::Companion>,
}

impl Inventory {
    pub(crate) fn new(core: Arc<companion_core::Companion>) -> Self {
        Inventory { core }
    }

    fn component(&self) -> Result<Arc<companion_core::inventory::Inventory>, CompanionError> {
        Ok(self.core.inventory()?)
    }
}

#[uniffi::export]
impl Inventory {
    /// Stock of every item carrying a barcode or GTIN. `NotFound` for an unknown code.
    pub async fn lookup(&self, code: String) -> Result<Vec<ItemStock>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move { Ok(inventory.lookup(&code).await?) }).await
    }

    /// Stock of the items with a SKU (one per warehouse stocking it).
    pub async fn by_sku(&self, sku: String) -> Result<Vec<ItemStock>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move { Ok(inventory.by_sku(&sku).await?) }).await
    }

    /// Stock of one item of a warehouse.
    pub async fn item(
        &self,
        warehouse_id: String,
        item_id: String,
    ) -> Result<ItemStock, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move {
            Ok(inventory.item(&warehouse_id, &item_id).await?)
        })
        .await
    }

    /// Items whose name, SKU, variety or origin contain every word of `query`; an empty
    /// query lists the catalogue.
    pub async fn search(&self, query: String, limit: u32) -> Result<Vec<Item>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(
            None,
            async move { Ok(inventory.search(&query, limit).await?) },
        )
        .await
    }

    /// Everything in one bin.
    pub async fn bin(
        &self,
        warehouse_id: String,
        location_id: String,
    ) -> Result<Vec<StockLine>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move {
            Ok(inventory.bin(&warehouse_id, &location_id).await?)
        })
        .await
    }

    /// Open purchase-order lines to receive against, optionally of one item.
    pub async fn open_po_lines(
        &self,
        warehouse_id: String,
        item_id: Option<String>,
    ) -> Result<Vec<PoLine>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move {
            Ok(inventory.open_po_lines(&warehouse_id, item_id).await?)
        })
        .await
    }

    /// Records a movement offline; visible at once, sent by the next sync. Bad input is
    /// `InvalidInput` naming the field, and nothing is recorded.
    pub async fn record(&self, movement: NewMovement) -> Result<Movement, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move { Ok(inventory.record(movement).await?) }).await
    }

    /// Pending and rejected movements (and applied ones with `include_applied`), newest first.
    pub async fn movements(
        &self,
        include_applied: bool,
        limit: u32,
    ) -> Result<Vec<Movement>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move {
            Ok(inventory.movements(include_applied, limit).await?)
        })
        .await
    }

    /// Sync position and last successful sync per warehouse.
    pub async fn scopes(&self) -> Result<Vec<ScopeInfo>, CompanionError> {
        let inventory = self.component()?;
        runtime::run(None, async move { Ok(inventory.scopes().await?) }).await
    }

    /// Pushes the outbox and pulls every warehouse of the account. Safe to call at any time;
    /// cancelling (the coroutine, or `cancellation`) stops it between two transactions and
    /// the next call resumes where it stopped. Progress arrives through `observe_status`.
    pub async fn sync(
        &self,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<SyncReport, CompanionError> {
        let inventory = self.component()?;
        runtime::run(cancellation, async move { Ok(inventory.sync().await?) }).await
    }

    /// Checks one warehouse's local copy against its checksum now, repairing it by a fresh
    /// download if damaged. Returns whether it was intact.
    pub async fn verify_warehouse(
        &self,
        warehouse_id: String,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<bool, CompanionError> {
        let inventory = self.component()?;
        runtime::run(cancellation, async move {
            Ok(inventory.verify_warehouse(&warehouse_id).await?)
        })
        .await
    }

    /// Starts the core's sync loop: a sync now, retries with exponential backoff (honouring
    /// the server's `Retry-After`) after failures, and a sync every
    /// `tuning.auto_sync_interval` once all is settled. Runs until the handle is cancelled
    /// or the account signs out.
    pub fn start_auto_sync(&self) -> Result<Arc<TaskHandle>, CompanionError> {
        let inventory = self.component()?;
        let _entered = runtime::runtime()?.enter();
        Ok(TaskHandle::new(inventory.start_auto_sync()))
    }

    /// The sync status now (activity, progress, pending count), then every change.
    pub fn observe_status(
        &self,
        listener: Arc<dyn SyncStatusListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.status_updates(),
            move |s: SyncStatus| listener.on_update(s),
            move || end.on_end(),
        )
    }

    /// An item's stock now, then after every local movement or pull that changes it.
    pub fn observe_item(
        &self,
        warehouse_id: String,
        item_id: String,
        listener: Arc<dyn ItemStockListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.watch_item(&warehouse_id, &item_id),
            move |s| listener.on_update(s),
            move || end.on_end(),
        )
    }

    /// A bin's contents now, then after every change.
    pub fn observe_bin(
        &self,
        warehouse_id: String,
        location_id: String,
        listener: Arc<dyn BinStockListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.watch_bin(&warehouse_id, &location_id),
            move |s| listener.on_update(s),
            move || end.on_end(),
        )
    }

    /// The outbox (pending and rejected movements, newest first, at most `limit`) now,
    /// then after every change.
    pub fn observe_outbox(
        &self,
        limit: u32,
        listener: Arc<dyn OutboxListener>,
    ) -> Result<Arc<TaskHandle>, CompanionError> {
        let end = listener.clone();
        streams::spawn(
            self.component()?.watch_outbox(limit),
            move |s| listener.on_update(s),
            move || end.on_end(),
        )
    }
}
