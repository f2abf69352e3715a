//! Wire types of the inventory sync protocol (`/v1/inventory/...`), shared by the core and
//! the reference server. `docs/sync-protocol.md` explains the rules with worked examples;
//! `server/openapi.json` describes the same shapes.
//!
//! Pages are compact: every replicated row is a JSON array (a tuple), not an object, so an
//! initial sync of 100k rows stays a few MB and decodes without building maps.

use serde::{Deserialize, Serialize};

pub mod rules;

/// `POST` — push a batch of movements.
pub const PUSH_PATH: &str = "/v1/inventory/movements";
/// `GET ?warehouse=&cursor=&limit=&with_total=` — one page of a scope's change feed.
pub const CHANGES_PATH: &str = "/v1/inventory/changes";

/// The most movements one push may carry.
pub const MAX_PUSH_BATCH: usize = 1000;
/// The most rows one page may carry.
pub const MAX_PAGE_ROWS: u32 = 20_000;
/// Quantities are integers in the item's unit; anything beyond this is a typo, not stock.
pub const MAX_ABS_QTY: i64 = 1_000_000;

/// Server error code: the cursor is from another server epoch or ahead of the server's
/// feed (database restored, reset). The client re-downloads that scope from scratch.
pub const CURSOR_UNKNOWN: &str = "cursor_unknown";

/// What a movement does. The effect on stock (`delta` per item × lot × location):
/// - `receive`: `+qty` at `location_id` (optionally against `po_line_id`)
/// - `move`: `-qty` at `location_id`, `+qty` at `to_location_id`
/// - `adjust`: `qty` (signed, non-zero) at `location_id`, with a `reason`
/// - `count`: sets the quantity at `location_id` to `qty` as of `observed_version`
/// - `pick`: `-qty` at `location_id`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MovementKind {
    Receive,
    Move,
    Adjust,
    Count,
    Pick,
}

impl MovementKind {
    /// Whether `qty` is valid for this kind. One rule for both sides: the phone checks it
    /// before recording, the server again before applying.
    pub fn accepts_qty(self, qty: i64) -> bool {
        match self {
            MovementKind::Receive | MovementKind::Move | MovementKind::Pick => {
                (1..=MAX_ABS_QTY).contains(&qty)
            }
            // `unsigned_abs`: `abs` overflows for i64::MIN.
            MovementKind::Adjust => qty != 0 && qty.unsigned_abs() <= MAX_ABS_QTY as u64,
            MovementKind::Count => (0..=MAX_ABS_QTY).contains(&qty),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receive => "receive",
            MovementKind::Move => "move",
            MovementKind::Adjust => "adjust",
            MovementKind::Count => "count",
            MovementKind::Pick => "pick",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "receive" => MovementKind::Receive,
            "move" => MovementKind::Move,
            "adjust" => MovementKind::Adjust,
            "count" => MovementKind::Count,
            "pick" => MovementKind::Pick,
            _ => return None,
        })
    }
}

/// Why stock was adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AdjustReason {
    Damage,
    Spoilage,
    Shrink,
    Found,
}

impl AdjustReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustReason::Damage => "damage",
            AdjustReason::Spoilage => "spoilage",
            AdjustReason::Shrink => "shrink",
            AdjustReason::Found => "found",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "damage" => AdjustReason::Damage,
            "spoilage" => AdjustReason::Spoilage,
            "shrink" => AdjustReason::Shrink,
            "found" => AdjustReason::Found,
            _ => return None,
        })
    }
}

/// One movement as pushed. Immutable once created on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementWire {
    /// Device-generated UUID: the idempotency key.
    pub id: String,
    /// Position in the origin's outbox (1, 2, ...): the server uses it to tell which of the
    /// origin's own movements a count had already seen.
    pub origin_seq: i64,
    pub warehouse_id: String,
    pub kind: MovementKind,
    pub item_id: String,
    pub lot_id: String,
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_location_id: Option<String>,
    /// Receive/move/pick: positive quantity. Adjust: signed delta. Count: counted quantity.
    pub qty: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<AdjustReason>,
    /// Count only: the scope version (feed position) the counting device had pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_line_id: Option<String>,
    /// Device clock, informational only: ordering never depends on device clocks.
    pub created_at_ms: i64,
}

/// `POST /v1/inventory/movements`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// Identifies the outbox the movements come from (one per device and account).
    pub origin: String,
    pub movements: Vec<MovementWire>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    Applied,
    Rejected,
}

/// The verdict on one movement. The same movement pushed again gets the same verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementResult {
    pub id: String,
    pub status: PushStatus,
    /// Applied: the feed version at which its effect appears in the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Rejected: machine-readable reason (`unknown_location`, `insufficient_stock`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Applied counts: the delta the server derived (counted − quantity the counter saw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_delta: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<MovementResult>,
}

/// Rejection codes.
pub mod reject {
    pub const FORBIDDEN: &str = "forbidden_warehouse";
    pub const UNKNOWN_ITEM: &str = "unknown_item";
    pub const ARCHIVED_ITEM: &str = "archived_item";
    pub const UNKNOWN_LOCATION: &str = "unknown_location";
    pub const UNKNOWN_LOT: &str = "unknown_lot";
    pub const UNKNOWN_PO_LINE: &str = "unknown_po_line";
    pub const INSUFFICIENT_STOCK: &str = "insufficient_stock";
    pub const INVALID: &str = "invalid_movement";
}

/// `(item_id, sku, name, unit, barcodes space-separated, variety, grade, origin, pack_size, archived, version)`
pub type ItemRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    i64,
);
/// `(location_id, zone, archived, version)`; the id is the bin code printed on the label.
pub type LocationRow = (String, String, bool, i64);
/// `(lot_id, item_id, pack_date, expiry_date, version)`; the id is the lot code.
pub type LotRow = (String, String, String, String, i64);
/// `(item_id, lot_id, location_id, qty, version)`
pub type StockRow = (String, String, String, i64, i64);
/// `(po_line_id, po_number, supplier, item_id, qty_ordered, qty_received, open, version)`
pub type PoLineRow = (String, String, String, String, i64, i64, bool, i64);

/// `GET /v1/inventory/changes`: the rows of one scope that changed after `cursor`, in
/// feed order, at most `limit` of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangesPage {
    pub warehouse_id: String,
    /// Pass this back as `cursor` for the next page. Opaque to clients.
    pub cursor: String,
    pub has_more: bool,
    /// Rows after the request's cursor (this page included), when `with_total` was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// On the last page: the checksum of the scope's stock at `cursor` (see [`stock_checksum_add`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(default)]
    pub items: Vec<ItemRow>,
    #[serde(default)]
    pub locations: Vec<LocationRow>,
    #[serde(default)]
    pub lots: Vec<LotRow>,
    #[serde(default)]
    pub stock: Vec<StockRow>,
    #[serde(default)]
    pub po_lines: Vec<PoLineRow>,
}

impl ChangesPage {
    pub fn row_count(&self) -> usize {
        self.items.len()
            + self.locations.len()
            + self.lots.len()
            + self.stock.len()
            + self.po_lines.len()
    }
}

/// A cursor: the server epoch and the last feed version the client holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub epoch: String,
    pub version: i64,
}

impl Cursor {
    /// `""` means "from the beginning".
    pub fn parse(s: &str) -> Option<Cursor> {
        if s.is_empty() {
            return Some(Cursor {
                epoch: String::new(),
                version: 0,
            });
        }
        let (epoch, version) = s.split_once(':')?;
        let version: i64 = version.parse().ok()?;
        if version < 0 || epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(Cursor {
            epoch: epoch.to_string(),
            version,
        })
    }

    pub fn encode(&self) -> String {
        if self.epoch.is_empty() {
            String::new()
        } else {
            format!("{}:{}", self.epoch, self.version)
        }
    }
}

/// Hash of one stock row for the order-independent scope checksum: the checksum is the
/// wrapping sum of this over every stock row (zero quantities included), so both sides can
/// maintain it incrementally (subtract the old row's hash, add the new one's).
pub fn stock_row_hash(item_id: &str, lot_id: &str, location_id: &str, qty: i64) -> u64 {
    // FNV-1a 64, then a final avalanche so that sums of similar rows do not cancel out.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        item_id.as_bytes(),
        b"\x1f",
        lot_id.as_bytes(),
        b"\x1f",
        location_id.as_bytes(),
        b"\x1f",
    ] {
        for &b in part {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    for b in qty.to_le_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// Updates a checksum for a row going from `old` (None: new row) to `new` quantity.
pub fn stock_checksum_add(
    sum: u64,
    item: &str,
    lot: &str,
    loc: &str,
    old: Option<i64>,
    new: i64,
) -> u64 {
    let without = match old {
        Some(q) => sum.wrapping_sub(stock_row_hash(item, lot, loc, q)),
        None => sum,
    };
    without.wrapping_add(stock_row_hash(item, lot, loc, new))
}

/// Checksums travel as 16 hex digits.
pub fn format_checksum(sum: u64) -> String {
    format!("{sum:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            epoch: "ab12".into(),
            version: 42,
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(Cursor::parse("").map(|c| c.version), Some(0));
        for bad in ["x", "ab:-1", ":5", "a b:3", "ab:notanumber"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn checksum_is_order_independent_and_incremental() {
        let a = stock_checksum_add(0, "i1", "l1", "b1", None, 5);
        let ab = stock_checksum_add(a, "i2", "l1", "b1", None, 7);
        let ba = stock_checksum_add(
            stock_checksum_add(0, "i2", "l1", "b1", None, 7),
            "i1",
            "l1",
            "b1",
            None,
            5,
        );
        assert_eq!(ab, ba);
        let changed = stock_checksum_add(ab, "i1", "l1", "b1", Some(5), 6);
        let fresh = stock_checksum_add(
            stock_checksum_add(0, "i1", "l1", "b1", None, 6),
            "i2",
            "l1",
            "b1",
            None,
            7,
        );
        assert_eq!(changed, fresh);
        assert_ne!(changed, ab);
    }

    #[test]
    fn page_rows_are_arrays() {
        let page = ChangesPage {
            stock: vec![("i".into(), "l".into(), "b".into(), 3, 9)],
            ..Default::default()
        };
        let json = serde_json::to_string(&page).unwrap();
        assert!(json.contains(r#"["i","l","b",3,9]"#), "{json}");
    }
}
