//! Offline inventory: local-first stock with a durable outbox, exactly-once sync and
//! conflict-free merge. The rules are in `docs/sync-protocol.md`.
//!
//! - [`local`]: the device's copy of its scopes and its outbox (SQLite, synchronous).
//! - [`sync`]: push and pull against the server, progress events.
//!
//! Every local operation works offline and is visible at once: a movement is written to
//! the outbox together with its effect on the displayed stock, in one transaction.

pub mod local;
pub mod scan_lookup;
pub mod sync;

pub use companion_wire::inventory::{AdjustReason, MovementKind};
pub use sync::{SyncOptions, SyncReport};

use crate::Companion;
use crate::error::{Error, Result};
use crate::events::SessionState;

/// An item of a warehouse's assortment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Item {
    pub warehouse_id: String,
    pub item_id: String,
    pub sku: String,
    pub name: String,
    /// Unit quantities are counted in (`kg`, `ea`, `punnet`).
    pub unit: String,
    /// GTIN-13 of the consumer unit, GTIN-14 of the case, and any other codes.
    pub barcodes: Vec<String>,
    pub variety: String,
    pub grade: String,
    /// ISO country code of origin.
    pub origin: String,
    pub pack_size: String,
    pub archived: bool,
}

/// Stock of one item × lot × bin as the user should see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StockLine {
    pub warehouse_id: String,
    pub item_id: String,
    pub lot_id: String,
    pub expiry_date: String,
    pub location_id: String,
    /// The last quantity pulled from the server.
    pub server_qty: i64,
    /// Local movements the server state does not show yet.
    pub pending_delta: i64,
    /// `server_qty + pending_delta`: what is displayed.
    pub qty: i64,
}

/// An item with its stock lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ItemStock {
    pub item: Item,
    pub lines: Vec<StockLine>,
    pub total_qty: i64,
}

/// An open purchase-order line to receive against.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PoLine {
    pub warehouse_id: String,
    pub po_line_id: String,
    pub po_number: String,
    pub supplier: String,
    pub item_id: String,
    pub qty_ordered: i64,
    pub qty_received: i64,
}

/// A stock movement to record. `qty` is a positive quantity for receive, move and pick, a
/// signed non-zero delta for adjust, and the counted quantity for count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMovement {
    pub warehouse_id: String,
    pub kind: MovementKind,
    pub item_id: String,
    pub lot_id: String,
    /// The bin received into, moved/picked from, adjusted or counted.
    pub location_id: String,
    /// Moves only: the destination bin.
    pub to_location_id: Option<String>,
    pub qty: i64,
    /// Adjustments only.
    pub reason: Option<AdjustReason>,
    /// Receipts against a purchase order.
    pub po_line_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MovementState {
    /// In the outbox, not yet confirmed by the server.
    Pending,
    /// The server applied it (exactly once).
    Applied,
    /// The server refused it; `reject_code`/`reject_reason` say why. Its local effect is gone.
    Rejected,
}

/// A movement recorded on this device, with its sync state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Movement {
    pub seq: i64,
    pub id: String,
    pub warehouse_id: String,
    pub kind: MovementKind,
    pub item_id: String,
    pub lot_id: String,
    pub location_id: String,
    pub to_location_id: Option<String>,
    pub qty: i64,
    pub reason: Option<AdjustReason>,
    pub po_line_id: Option<String>,
    pub created_at_ms: i64,
    pub state: MovementState,
    pub server_version: Option<i64>,
    pub reject_code: Option<String>,
    pub reject_reason: Option<String>,
    /// Counts: the feed version the counter had seen.
    pub observed_version: Option<i64>,
}

/// Sync position of one scope (warehouse).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScopeInfo {
    pub warehouse_id: String,
    /// The initial download finished at least once.
    pub complete: bool,
    /// Feed version held locally.
    pub version: i64,
    /// Progress of the download in progress (0/0 when none).
    pub rows_done: u64,
    pub rows_total: u64,
    pub last_sync_at_ms: Option<i64>,
}

/// What the sync is doing, for a status line or a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncStatus {
    Idle {
        last_sync_at_ms: Option<i64>,
    },
    Syncing {
        done: u64,
        total: u64,
    },
    /// The server cannot be reached; changes are kept and sent later.
    Offline,
    /// The last sync failed for another reason (`kind`: unauthorized, server, protocol,
    /// storage, ...). `retry_after_ms` is set when the server asked to wait.
    Error {
        kind: String,
        detail: String,
        retry_after_ms: Option<u64>,
    },
}

impl Companion {
    fn inventory_scopes_of_account(&self) -> Result<Vec<String>> {
        match self.session_state() {
            SessionState::SignedIn { account } => {
                Ok(account.warehouses.into_iter().map(|w| w.id).collect())
            }
            SessionState::SignedOut => Err(Error::NotSignedIn),
        }
    }

    /// Stock of every item carrying `code` (barcode or GTIN; UPC-A and GTIN-14 spellings
    /// are tried too). `NotFound` when no item has it.
    pub fn stock_lookup(&self, code: &str) -> Result<Vec<ItemStock>> {
        let code = code.trim();
        if code.is_empty() || code.len() > 100 {
            return Err(Error::invalid("code", "must be 1 to 100 characters"));
        }
        let store = self.store()?;
        let found = store.read(|c| {
            local::items_by_code(c, code)?
                .into_iter()
                .map(|i| local::item_stock(c, i))
                .collect::<Result<Vec<_>>>()
        })?;
        if found.is_empty() {
            return Err(Error::NotFound(format!("no item with barcode {code}")));
        }
        Ok(found)
    }

    /// Stock of the items with this SKU (one per warehouse that stocks it).
    pub fn stock_by_sku(&self, sku: &str) -> Result<Vec<ItemStock>> {
        let store = self.store()?;
        let found = store.read(|c| {
            local::items_by_sku(c, sku)?
                .into_iter()
                .map(|i| local::item_stock(c, i))
                .collect::<Result<Vec<_>>>()
        })?;
        if found.is_empty() {
            return Err(Error::NotFound(format!("no item with SKU {sku}")));
        }
        Ok(found)
    }

    /// Stock of one item of a warehouse.
    pub fn stock_item(&self, warehouse_id: &str, item_id: &str) -> Result<ItemStock> {
        let store = self.store()?;
        store.read(|c| {
            let item = local::item(c, warehouse_id, item_id)?
                .ok_or_else(|| Error::NotFound(format!("item {item_id} in {warehouse_id}")))?;
            local::item_stock(c, item)
        })
    }

    /// Items whose name, SKU, variety or origin contain every word of `query`.
    pub fn stock_search(&self, query: &str, limit: u32) -> Result<Vec<Item>> {
        self.store()?.read(|c| local::search_items(c, query, limit))
    }

    /// Everything in one bin.
    pub fn stock_in_bin(&self, warehouse_id: &str, location_id: &str) -> Result<Vec<StockLine>> {
        self.store()?.read(|c| {
            if !local::location_exists(c, warehouse_id, location_id)?
                && local::scope(c, warehouse_id)?.is_some_and(|s| s.complete)
            {
                return Err(Error::NotFound(format!(
                    "bin {location_id} in {warehouse_id}"
                )));
            }
            local::bin_stock(c, warehouse_id, location_id)
        })
    }

    /// Open purchase-order lines of a warehouse, optionally of one item.
    pub fn open_po_lines(
        &self,
        warehouse_id: &str,
        item_id: Option<String>,
    ) -> Result<Vec<PoLine>> {
        self.store()?
            .read(|c| local::open_po_lines(c, warehouse_id, item_id.as_deref()))
    }

    /// Records a movement offline: validated against the local copy, written to the outbox
    /// with its local effect in one transaction, visible at once. Sent by the next sync.
    pub fn record_movement(&self, movement: NewMovement) -> Result<Movement> {
        let scopes = self.inventory_scopes_of_account()?;
        let store = self.store()?;
        let recorded = store.write(|tx| local::record(tx, &scopes, &movement))?;
        self.publish_sync_pending(&store);
        Ok(recorded)
    }

    /// The outbox: pending and rejected movements (and applied ones on request), newest first.
    pub fn inventory_movements(&self, include_applied: bool, limit: u32) -> Result<Vec<Movement>> {
        self.store()?
            .read(|c| local::movements(c, include_applied, limit.clamp(1, 10_000)))
    }

    /// Movements not yet confirmed by the server.
    pub fn inventory_pending_count(&self) -> Result<u64> {
        self.store()?.read(local::pending_count)
    }

    /// Sync position and last successful sync of every scope held on this device.
    pub fn inventory_scopes(&self) -> Result<Vec<ScopeInfo>> {
        self.store()?.read(local::scopes)
    }
}
