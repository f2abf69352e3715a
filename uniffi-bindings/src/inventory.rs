//! Offline inventory for the shells: lookups (what a scan hits), movements recorded offline
//! into the outbox, the outbox itself, and `inventory_sync()` which the app calls on
//! foreground and on connectivity changes. Progress and the pending count arrive as
//! `CompanionEvent.Sync` through the listener. Records are the core's; nothing here panics.
//!
//! Kotlin:
//! ```kotlin
//! val stock = companion.stockLookup(scannedGtin)               // offline, µs
//! companion.recordMovement(NewMovement(warehouseId = "wh-north", kind = MovementKind.ADJUST,
//!     itemId = "I000042", lotId = "L000042-1", locationId = "N-01-02-1", toLocationId = null,
//!     qty = -3, reason = AdjustReason.DAMAGE, poLineId = null))
//! val report = companion.inventorySync()                        // suspend
//! ```

use companion_core::inventory::{
    Item, ItemStock, Movement, NewMovement, PoLine, ScopeInfo, StockLine, SyncReport,
};

use crate::runtime;
use crate::task_handle::TaskHandle;
use crate::{Companion, CompanionError};

#[uniffi::export(name = "CompanionClient")]
impl Companion {
    /// Stock of every item carrying a barcode or GTIN. `NotFound` for an unknown code.
    pub fn stock_lookup(&self, code: String) -> Result<Vec<ItemStock>, CompanionError> {
        Ok(self.core().stock_lookup(&code)?)
    }

    /// Stock of the items with a SKU (one per warehouse stocking it).
    pub fn stock_by_sku(&self, sku: String) -> Result<Vec<ItemStock>, CompanionError> {
        Ok(self.core().stock_by_sku(&sku)?)
    }

    /// Stock of one item of a warehouse.
    pub fn stock_item(
        &self,
        warehouse_id: String,
        item_id: String,
    ) -> Result<ItemStock, CompanionError> {
        Ok(self.core().stock_item(&warehouse_id, &item_id)?)
    }

    /// Items whose name, SKU, variety or origin contain every word of `query`.
    pub fn stock_search(&self, query: String, limit: u32) -> Result<Vec<Item>, CompanionError> {
        Ok(self.core().stock_search(&query, limit)?)
    }

    /// Everything in one bin.
    pub fn stock_in_bin(
        &self,
        warehouse_id: String,
        location_id: String,
    ) -> Result<Vec<StockLine>, CompanionError> {
        Ok(self.core().stock_in_bin(&warehouse_id, &location_id)?)
    }

    /// Open purchase-order lines to receive against, optionally of one item.
    pub fn open_po_lines(
        &self,
        warehouse_id: String,
        item_id: Option<String>,
    ) -> Result<Vec<PoLine>, CompanionError> {
        Ok(self.core().open_po_lines(&warehouse_id, item_id)?)
    }

    /// Records a movement offline; visible at once, sent by the next sync. Bad input is
    /// `InvalidInput` naming the field, and nothing is recorded.
    pub fn record_movement(&self, movement: NewMovement) -> Result<Movement, CompanionError> {
        Ok(self.core().record_movement(movement)?)
    }

    /// Pending and rejected movements (and applied ones with `include_applied`), newest first.
    pub fn inventory_movements(
        &self,
        include_applied: bool,
        limit: u32,
    ) -> Result<Vec<Movement>, CompanionError> {
        Ok(self.core().inventory_movements(include_applied, limit)?)
    }

    /// Movements not yet confirmed by the server.
    pub fn inventory_pending_count(&self) -> Result<u64, CompanionError> {
        Ok(self.core().inventory_pending_count()?)
    }

    /// Sync position and last successful sync per warehouse.
    pub fn inventory_scopes(&self) -> Result<Vec<ScopeInfo>, CompanionError> {
        Ok(self.core().inventory_scopes()?)
    }

    /// Pushes the outbox and pulls every warehouse of the account. Safe to call at any
    /// time; cancelling the coroutine stops it between two transactions and the next call
    /// resumes where it stopped.
    pub async fn inventory_sync(&self) -> Result<SyncReport, CompanionError> {
        let core = self.core().clone();
        runtime::run(async move { Ok(core.inventory_sync().await?) }).await
    }

    /// Checks one warehouse's local copy against its checksum now, repairing it by a fresh
    /// download if damaged. Returns whether it was intact.
    pub async fn inventory_verify_scope(
        &self,
        warehouse_id: String,
    ) -> Result<bool, CompanionError> {
        let core = self.core().clone();
        runtime::run(async move { Ok(core.inventory_verify_scope(&warehouse_id).await?) }).await
    }
}

#[uniffi::export(name = "CompanionClient")]
impl Companion {
    /// Starts the core's sync loop: a sync now, retries with exponential backoff (honouring
    /// the server's `Retry-After`) after failures, and a sync every `interval_secs` once all
    /// is settled. Keep the handle while the app runs; cancel it (or drop it) to stop.
    pub fn start_inventory_auto_sync(
        &self,
        interval_secs: u32,
    ) -> Result<std::sync::Arc<TaskHandle>, CompanionError> {
        let core = self.core().clone();
        let schedule = companion_core::inventory::sync::AutoSyncSchedule {
            interval: std::time::Duration::from_secs(u64::from(interval_secs.max(10))),
            ..Default::default()
        };
        let task =
            runtime::runtime()?.spawn(async move { core.inventory_auto_sync(schedule).await });
        Ok(TaskHandle::new(task))
    }
}
