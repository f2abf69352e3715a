//! The records the inventory screens show and the apps pass in.

use std::time::{Duration, SystemTime};

use crate::error::ErrorKind;
use companion_wire::inventory::{AdjustReason, MovementKind};

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
    /// When it was recorded, by this phone's clock (informational: ordering never uses it).
    #[serde(serialize_with = "crate::time::serialize")]
    pub created_at: SystemTime,
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
    pub rows_done: i64,
    pub rows_total: i64,
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub last_synced_at: Option<SystemTime>,
}

/// What the sync is doing, with the outbox's size, for a status line or a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncStatus {
    pub activity: SyncActivity,
    /// Movements recorded on this phone and not yet confirmed by the server.
    pub pending: i64,
    /// End of the last sync that completed, if any.
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub last_synced_at: Option<SystemTime>,
}

/// The sync's current activity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncActivity {
    Idle,
    /// `done` of `total` rows downloaded so far (both 0 while only pushing).
    Syncing {
        done: i64,
        total: i64,
    },
    /// The server cannot be reached; changes are kept and sent later.
    Offline,
    /// The last sync failed; `kind` is the error's kind as calls report it, and
    /// `retry_after` is set when the server asked to wait.
    Failed {
        kind: ErrorKind,
        detail: String,
        retry_after: Option<Duration>,
    },
}

impl SyncActivity {
    /// Progress as a fraction in 0..=1 while downloading, for a progress bar.
    pub fn fraction(&self) -> Option<f64> {
        match self {
            SyncActivity::Syncing { done, total } if *total > 0 => {
                Some((*done as f64 / *total as f64).clamp(0.0, 1.0))
            }
            _ => None,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    pub pushed: i32,
    pub applied: i32,
    pub rejected: i32,
    pub pulled_rows: i64,
    /// Scopes found diverged (or with an unknown cursor) and downloaded again.
    pub scopes_reset: Vec<String>,
    /// Movements still waiting for the server.
    pub pending: i64,
}
