//! Offline inventory: local-first stock with a durable outbox, exactly-once sync and
//! conflict-free merge. The rules are in `docs/sync-protocol.md`.
//!
//! - [`model`]: the records screens show and apps pass in.
//! - `reads`: screen reads on the reader connection; `outbox`: recording movements and
//!   settling verdicts; `pull`: page checks and page apply; `verify`: checksum checks.
//! - `sync`: push and pull against the server; `autosync`: the core-owned retry loop.
//! - `watch`: observable queries that re-emit after local writes and pulls.
//!
//! Every local operation works offline and is visible at once: a movement is written to
//! the outbox together with its effect on the displayed stock, in one transaction.
//!
//! ```no_run
//! # async fn demo(companion: &companion_core::Companion) -> companion_core::Result<()> {
//! let inventory = companion.inventory()?;
//! let stock = inventory.lookup("2080000000000").await?;    // offline
//! let report = inventory.sync().await?;                   // push the outbox, pull changes
//! # Ok(()) }
//! ```

mod autosync;
mod discard;
pub mod model;
mod outbox;
mod pull;
mod reads;
mod scan_lookup;
mod sync;
mod verify;
mod watch;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use autosync::AutoSyncSchedule;
pub use companion_wire::inventory::{AdjustReason, MovementKind};
pub use model::{
    Item, ItemStock, Movement, MovementState, NewMovement, PoLine, ScopeInfo, StockLine,
    SyncActivity, SyncReport, SyncStatus,
};
pub use sync::SyncOptions;
pub use watch::QueryUpdates;

use crate::context::AccountContext;
use crate::error::{Error, Result};
use crate::events::{Topic, TopicUpdates};
use crate::store::Read;

/// The inventory's schema steps, oldest first, as (name, SQL). The account scope gives
/// them their versions in the order they shipped.
pub(crate) const SCHEMA: &[(&str, &str)] = &[
    ("inventory", include_str!("migrations/0001_inventory.sql")),
    (
        "inventory lots by item",
        include_str!("migrations/0002_lots_by_item.sql"),
    ),
];

/// What changed in the local copy, for observable queries: a generation per warehouse
/// (stock, items, bins) and one for the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    warehouses: BTreeMap<String, u64>,
    outbox: u64,
}

/// The inventory component of a signed-in account (`companion.inventory()`).
pub struct Inventory {
    ctx: AccountContext,
    status: Topic<SyncStatus>,
    changes: Topic<Changes>,
    /// One sync at a time: a second caller waits for the running one, then syncs itself
    /// (cheap when nothing changed), so each caller's own changes are covered.
    sync_running: tokio::sync::Mutex<()>,
}

fn check_code(code: &str) -> Result<&str> {
    let code = code.trim();
    if code.is_empty() || code.len() > 100 {
        return Err(Error::invalid("code", "must be 1 to 100 characters"));
    }
    Ok(code)
}

impl Inventory {
    pub(crate) fn new(ctx: AccountContext) -> Result<Arc<Self>> {
        let (pending, last) = ctx.store.read(|r| {
            let last = reads::scopes(r)?
                .iter()
                .filter_map(|s| s.last_synced_at)
                .max();
            Ok((reads::pending_count(r)?, last))
        })?;
        Ok(Arc::new(Inventory {
            ctx,
            status: Topic::new(SyncStatus {
                activity: SyncActivity::Idle,
                pending,
                last_synced_at: last,
            }),
            changes: Topic::new(Changes::default()),
            sync_running: tokio::sync::Mutex::new(()),
        }))
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Read<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.ctx.store.read_blocking(f).await
    }

    /// Stock of every item carrying `code` (barcode or GTIN; UPC-A and GTIN-14 spellings
    /// are tried too). `NotFound` when no item has it. Offline; microseconds.
    pub async fn lookup(&self, code: &str) -> Result<Vec<ItemStock>> {
        let code = check_code(code)?.to_string();
        let found = self
            .read({
                let code = code.clone();
                move |r| {
                    reads::items_by_code(r, &code)?
                        .into_iter()
                        .map(|i| reads::item_stock(r, i))
                        .collect::<Result<Vec<_>>>()
                }
            })
            .await?;
        if found.is_empty() {
            return Err(Error::NotFound(format!("no item with barcode {code}")));
        }
        Ok(found)
    }

    /// Stock of the items with this SKU (one per warehouse that stocks it).
    pub async fn by_sku(&self, sku: &str) -> Result<Vec<ItemStock>> {
        let sku = check_code(sku)?.to_string();
        let found = self
            .read({
                let sku = sku.clone();
                move |r| {
                    reads::items_by_sku(r, &sku)?
                        .into_iter()
                        .map(|i| reads::item_stock(r, i))
                        .collect::<Result<Vec<_>>>()
                }
            })
            .await?;
        if found.is_empty() {
            return Err(Error::NotFound(format!("no item with SKU {sku}")));
        }
        Ok(found)
    }

    /// Stock of one item of a warehouse.
    pub async fn item(&self, warehouse_id: &str, item_id: &str) -> Result<ItemStock> {
        let (wh, item) = (warehouse_id.to_string(), item_id.to_string());
        self.read(move |r| {
            let found = reads::item(r, &wh, &item)?
                .ok_or_else(|| Error::NotFound(format!("item {item} in {wh}")))?;
            reads::item_stock(r, found)
        })
        .await
    }

    /// Items whose name, SKU, variety or origin contain every word of `query` (an empty
    /// query lists the catalogue), at most `limit`, by name.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<Item>> {
        let query = query.to_string();
        self.read(move |r| reads::search_items(r, &query, limit.clamp(1, 10_000)))
            .await
    }

    /// Everything in one bin. `NotFound` for a bin the downloaded warehouse does not have.
    pub async fn bin(&self, warehouse_id: &str, location_id: &str) -> Result<Vec<StockLine>> {
        let (wh, loc) = (warehouse_id.to_string(), location_id.to_string());
        self.read(move |r| bin_lines(r, &wh, &loc)).await
    }

    /// Open purchase-order lines of a warehouse, optionally of one item.
    pub async fn open_po_lines(
        &self,
        warehouse_id: &str,
        item_id: Option<String>,
    ) -> Result<Vec<PoLine>> {
        let wh = warehouse_id.to_string();
        self.read(move |r| reads::open_po_lines(r, &wh, item_id.as_deref()))
            .await
    }

    /// Records a movement offline: validated against the local copy with the rules the
    /// server applies, written to the outbox with its local effect in one transaction,
    /// visible at once. Sent by the next sync.
    pub async fn record(&self, movement: NewMovement) -> Result<Movement> {
        let scopes = self.ctx.warehouse_ids();
        let recorded = self
            .ctx
            .store
            .write_blocking(move |w| outbox::record(w, &scopes, &movement))
            .await?;
        self.local_change(Some(&recorded.warehouse_id), true).await;
        Ok(recorded)
    }

    /// The outbox: pending and rejected movements (and applied ones on request), newest
    /// first, at most `limit`.
    pub async fn movements(&self, include_applied: bool, limit: u32) -> Result<Vec<Movement>> {
        self.read(move |r| reads::movements(r, include_applied, limit.clamp(1, 10_000)))
            .await
    }

    /// Movements not yet confirmed by the server.
    pub async fn pending_count(&self) -> Result<i64> {
        self.read(reads::pending_count).await
    }

    /// Sync position and last successful sync of every warehouse held on this device.
    pub async fn scopes(&self) -> Result<Vec<ScopeInfo>> {
        self.read(reads::scopes).await
    }

    /// The sync status now, then every change (progress, pending count, failures).
    pub fn status_updates(&self) -> TopicUpdates<SyncStatus> {
        self.status.subscribe()
    }

    pub fn status(&self) -> SyncStatus {
        self.status.current()
    }

    /// An item's stock now, then again after every local write and every pull that changes
    /// it (`None` while the item is not on this phone).
    pub fn watch_item(&self, warehouse_id: &str, item_id: &str) -> QueryUpdates<Option<ItemStock>> {
        let (wh, item) = (warehouse_id.to_string(), item_id.to_string());
        watch::QueryUpdates::new(
            self.ctx.store.clone(),
            self.changes.subscribe(),
            watch::Key::Warehouse(wh.clone()),
            move |r| {
                reads::item(r, &wh, &item)?
                    .map(|i| reads::item_stock(r, i))
                    .transpose()
            },
        )
    }

    /// A bin's contents now, then again after every change to them.
    pub fn watch_bin(&self, warehouse_id: &str, location_id: &str) -> QueryUpdates<Vec<StockLine>> {
        let (wh, loc) = (warehouse_id.to_string(), location_id.to_string());
        watch::QueryUpdates::new(
            self.ctx.store.clone(),
            self.changes.subscribe(),
            watch::Key::Warehouse(wh.clone()),
            move |r| reads::bin_stock(r, &wh, &loc),
        )
    }

    /// The outbox (pending and rejected movements, newest first, at most `limit`) now,
    /// then after every change to it.
    pub fn watch_outbox(&self, limit: u32) -> QueryUpdates<Vec<Movement>> {
        let limit = limit.clamp(1, 10_000);
        watch::QueryUpdates::new(
            self.ctx.store.clone(),
            self.changes.subscribe(),
            watch::Key::Outbox,
            move |r| reads::movements(r, false, limit),
        )
    }

    /// The item lookup a live-scan session uses for this account.
    pub fn scan_lookup(&self) -> Arc<dyn companion_scan::ItemLookup> {
        Arc::new(scan_lookup::StoreItemLookup::new(self.ctx.store.clone()))
    }

    /// After a local write or a settle: observers of `warehouse` (and of the outbox) re-run,
    /// and the status's pending count is refreshed.
    async fn local_change(&self, warehouse: Option<&str>, outbox: bool) {
        self.changes.update(|c| {
            if let Some(wh) = warehouse {
                *c.warehouses.entry(wh.to_string()).or_default() += 1;
            }
            if outbox {
                c.outbox += 1;
            }
            true
        });
        if outbox {
            self.refresh_pending().await;
        }
    }

    async fn refresh_pending(&self) {
        match self.read(reads::pending_count).await {
            Ok(pending) => self.status.update(|s| {
                let changed = s.pending != pending;
                s.pending = pending;
                changed
            }),
            Err(e) => tracing::warn!(error = %e, "cannot count pending movements"),
        }
    }

    fn set_activity(&self, activity: SyncActivity) {
        self.status.update(|s| {
            let changed = s.activity != activity;
            s.activity = activity;
            changed
        });
    }
}

fn bin_lines(r: &Read<'_>, wh: &str, loc: &str) -> Result<Vec<StockLine>> {
    if !reads::bin_open(r, wh, loc)? && reads::scope(r, wh)?.is_some_and(|s| s.complete) {
        return Err(Error::NotFound(format!("bin {loc} in {wh}")));
    }
    reads::bin_stock(r, wh, loc)
}
