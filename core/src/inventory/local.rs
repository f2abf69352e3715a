//! The device's copy of its scopes and its outbox, in the account database.
//!
//! Two layers per stock row: `inv_stock` holds the last state pulled from the server, and
//! `inv_effect` holds the deltas of local movements whose effect the pulled state does not
//! show yet (pending, or applied by the server at a version this device has not pulled).
//! What the user sees is their sum, so neither a pull nor a push ever makes a change
//! vanish from the screen. Movements and their effects are written in one transaction.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Item, ItemStock, Movement, MovementState, NewMovement, PoLine, ScopeInfo, StockLine};
use crate::error::{Error, Result};
use crate::store::{get_meta, set_meta};
use companion_wire::inventory::{
    AdjustReason, ChangesPage, Cursor, MAX_ABS_QTY, MovementKind, MovementResult, MovementWire,
    PushStatus, stock_checksum_add, stock_row_hash,
};

pub const MIGRATION_SQL: &str = r#"
CREATE TABLE inv_scope (
    warehouse_id TEXT PRIMARY KEY NOT NULL,
    cursor TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER NOT NULL DEFAULT 0,
    checksum INTEGER NOT NULL DEFAULT 0,
    last_sync_at_ms INTEGER,
    syncs_since_verify INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE inv_item (
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, sku TEXT NOT NULL, name TEXT NOT NULL,
    unit TEXT NOT NULL, barcodes TEXT NOT NULL, variety TEXT NOT NULL, grade TEXT NOT NULL,
    origin TEXT NOT NULL, pack_size TEXT NOT NULL, archived INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX inv_item_sku ON inv_item(sku);
CREATE TABLE inv_barcode (
    code TEXT NOT NULL, warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL,
    PRIMARY KEY (code, warehouse_id, item_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE inv_location (
    warehouse_id TEXT NOT NULL, location_id TEXT NOT NULL, zone TEXT NOT NULL, archived INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, location_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE inv_lot (
    warehouse_id TEXT NOT NULL, lot_id TEXT NOT NULL, item_id TEXT NOT NULL,
    pack_date TEXT NOT NULL, expiry_date TEXT NOT NULL,
    PRIMARY KEY (warehouse_id, lot_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE inv_stock (
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, lot_id TEXT NOT NULL, location_id TEXT NOT NULL,
    qty INTEGER NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id, lot_id, location_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX inv_stock_bin ON inv_stock(warehouse_id, location_id);
CREATE TABLE inv_po_line (
    warehouse_id TEXT NOT NULL, po_line_id TEXT NOT NULL, po_number TEXT NOT NULL, supplier TEXT NOT NULL,
    item_id TEXT NOT NULL, qty_ordered INTEGER NOT NULL, qty_received INTEGER NOT NULL, open INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, po_line_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE inv_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    warehouse_id TEXT NOT NULL, kind TEXT NOT NULL, item_id TEXT NOT NULL, lot_id TEXT NOT NULL,
    location_id TEXT NOT NULL, to_location_id TEXT, qty INTEGER NOT NULL, reason TEXT,
    observed_version INTEGER, po_line_id TEXT, created_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'rejected')),
    server_version INTEGER, reject_code TEXT, reject_reason TEXT, settled_at_ms INTEGER
) STRICT;
CREATE INDEX inv_outbox_state ON inv_outbox(state, seq);
CREATE TABLE inv_effect (
    movement_seq INTEGER NOT NULL REFERENCES inv_outbox(seq),
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, lot_id TEXT NOT NULL, location_id TEXT NOT NULL,
    delta INTEGER NOT NULL
) STRICT;
CREATE INDEX inv_effect_key ON inv_effect(warehouse_id, item_id, lot_id, location_id);
CREATE INDEX inv_effect_movement ON inv_effect(movement_seq);
"#;

const ORIGIN_KEY: &str = "inventory.origin";
/// As in the migration; dropped during a download from scratch and rebuilt at its end.
const STOCK_BIN_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS inv_stock_bin ON inv_stock(warehouse_id, location_id);";

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The id of this database's outbox (created once, kept for ever).
pub fn origin(tx: &Connection) -> Result<String> {
    if let Some(o) = get_meta(tx, ORIGIN_KEY)? {
        return Ok(o);
    }
    let o = uuid::Uuid::new_v4().to_string();
    set_meta(tx, ORIGIN_KEY, &o)?;
    Ok(o)
}

// ---------------------------------------------------------------------------------------
// Reads

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    let barcodes: String = r.get(5)?;
    Ok(Item {
        warehouse_id: r.get(0)?,
        item_id: r.get(1)?,
        sku: r.get(2)?,
        name: r.get(3)?,
        unit: r.get(4)?,
        barcodes: barcodes.split_whitespace().map(str::to_string).collect(),
        variety: r.get(6)?,
        grade: r.get(7)?,
        origin: r.get(8)?,
        pack_size: r.get(9)?,
        archived: r.get(10)?,
    })
}

const ITEM_COLUMNS: &str =
    "warehouse_id, item_id, sku, name, unit, barcodes, variety, grade, origin, pack_size, archived";

pub fn item(conn: &Connection, warehouse_id: &str, item_id: &str) -> Result<Option<Item>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM inv_item WHERE warehouse_id = ?1 AND item_id = ?2"
        ))?
        .query_row([warehouse_id, item_id], item_from_row)
        .optional()?)
}

/// Candidate spellings of a scanned code: as scanned, without a GS1 `(01)` prefix, and a
/// numeric GTIN zero-padded to 13 and 14 digits (UPC-A scans as 12 digits).
fn code_variants(code: &str) -> Vec<String> {
    let code = code.trim();
    let bare = code
        .strip_prefix("(01)")
        .or_else(|| code.strip_prefix("]C101"))
        .unwrap_or(code);
    let mut out = vec![bare.to_string()];
    if bare.len() < 14 && !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_digit()) {
        for width in [13, 14] {
            if bare.len() < width {
                out.push(format!("{bare:0>width$}"));
            }
        }
    }
    if bare.len() == 14 && bare.starts_with('0') {
        out.push(bare[1..].to_string());
    }
    out
}

/// Items carrying a barcode/GTIN, in every scope. (Point lookups without joins: SQLite's
/// join setup costs more than the lookups themselves at this size, and this is the scan path.)
pub fn items_by_code(conn: &Connection, code: &str) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut stmt =
        conn.prepare_cached("SELECT warehouse_id, item_id FROM inv_barcode WHERE code = ?1")?;
    for variant in code_variants(code) {
        // Other spellings only when the code as scanned matched nothing.
        if !items.is_empty() {
            break;
        }
        let keys: Vec<(String, String)> = stmt
            .query_map([&variant], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (wh, id) in keys {
            if items
                .iter()
                .any(|i: &Item| i.warehouse_id == wh && i.item_id == id)
            {
                continue;
            }
            if let Some(found) = item(conn, &wh, &id)? {
                items.push(found);
            }
        }
    }
    Ok(items)
}

pub fn items_by_sku(conn: &Connection, sku: &str) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM inv_item WHERE sku = ?1"
    ))?;
    Ok(stmt
        .query_map([sku.trim()], item_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Case-insensitive search in names, SKUs, varieties and origins; every word must match.
pub fn search_items(conn: &Connection, query: &str, limit: u32) -> Result<Vec<Item>> {
    let words: Vec<String> = query
        .split_whitespace()
        .take(6)
        .map(|w| {
            format!(
                "%{}%",
                w.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        })
        .collect();
    if words.is_empty() {
        return Err(Error::invalid("query", "type at least one word"));
    }
    let cond: Vec<String> = (1..=words.len())
        .map(|i| {
            format!("(name || ' ' || sku || ' ' || variety || ' ' || origin) LIKE ?{i} ESCAPE '\\'")
        })
        .collect();
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM inv_item WHERE {} ORDER BY archived, name, warehouse_id LIMIT {}",
        cond.join(" AND "),
        limit.clamp(1, 500)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_map(rusqlite::params_from_iter(words.iter()), item_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Stock of one item: pulled state plus unsettled local effects, per lot × bin.
pub fn item_stock(conn: &Connection, item: Item) -> Result<ItemStock> {
    let mut lines: BTreeMap<(String, String), StockLine> = BTreeMap::new();
    let mut line = |lot: String, loc: String, qty: i64, delta: i64| {
        let entry = lines
            .entry((lot, loc))
            .or_insert_with_key(|(lot, loc)| StockLine {
                warehouse_id: item.warehouse_id.clone(),
                item_id: item.item_id.clone(),
                lot_id: lot.clone(),
                expiry_date: String::new(),
                location_id: loc.clone(),
                server_qty: 0,
                pending_delta: 0,
                qty: 0,
            });
        entry.server_qty += qty;
        entry.pending_delta += delta;
        entry.qty += qty + delta;
    };
    let mut stmt = conn.prepare_cached(
        "SELECT lot_id, location_id, qty FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2",
    )?;
    let mut rows = stmt.query([&item.warehouse_id, &item.item_id])?;
    while let Some(r) = rows.next()? {
        line(r.get(0)?, r.get(1)?, r.get(2)?, 0);
    }
    let mut stmt = conn
        .prepare_cached("SELECT lot_id, location_id, delta FROM inv_effect WHERE warehouse_id = ?1 AND item_id = ?2")?;
    let mut rows = stmt.query([&item.warehouse_id, &item.item_id])?;
    while let Some(r) = rows.next()? {
        line(r.get(0)?, r.get(1)?, 0, r.get(2)?);
    }
    let mut lines: Vec<StockLine> = lines.into_values().collect();
    if !lines.is_empty() {
        // One query for the expiry dates of all the item's lots (index from migration 3).
        let mut stmt = conn.prepare_cached(
            "SELECT lot_id, expiry_date FROM inv_lot INDEXED BY inv_lot_item WHERE warehouse_id = ?1 AND item_id = ?2",
        )?;
        let mut rows = stmt.query([&item.warehouse_id, &item.item_id])?;
        while let Some(r) = rows.next()? {
            let lot: String = r.get(0)?;
            let expiry: String = r.get(1)?;
            for l in lines.iter_mut().filter(|l| l.lot_id == lot) {
                l.expiry_date.clone_from(&expiry);
            }
        }
    }
    let total_qty = lines.iter().map(|l| l.qty).sum();
    Ok(ItemStock {
        item,
        lines,
        total_qty,
    })
}

/// Displayed quantity of one item × lot × bin.
pub fn displayed_qty(conn: &Connection, wh: &str, item: &str, lot: &str, loc: &str) -> Result<i64> {
    let server: i64 = conn
        .prepare_cached(
            "SELECT qty FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
        )?
        .query_row([wh, item, lot, loc], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let pending: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(delta), 0) FROM inv_effect
             WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
        )?
        .query_row([wh, item, lot, loc], |r| r.get(0))?;
    Ok(server + pending)
}

/// Every stock line in a bin (displayed quantities), by item then lot.
pub fn bin_stock(conn: &Connection, wh: &str, loc: &str) -> Result<Vec<StockLine>> {
    let mut lines: BTreeMap<(String, String), StockLine> = BTreeMap::new();
    // Without statistics SQLite prefers a scan of the primary key's warehouse prefix over
    // the by-bin index; name the index while it exists (it is rebuilt after a download).
    let indexed = conn
        .prepare_cached(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'inv_stock_bin'",
        )?
        .exists([])?;
    let mut stmt = conn.prepare_cached(if indexed {
        "SELECT item_id, lot_id, qty, 0 FROM inv_stock INDEXED BY inv_stock_bin WHERE warehouse_id = ?1 AND location_id = ?2
         UNION ALL
         SELECT item_id, lot_id, 0, SUM(delta) FROM inv_effect WHERE warehouse_id = ?1 AND location_id = ?2
         GROUP BY item_id, lot_id"
    } else {
        "SELECT item_id, lot_id, qty, 0 FROM inv_stock WHERE warehouse_id = ?1 AND location_id = ?2
         UNION ALL
         SELECT item_id, lot_id, 0, SUM(delta) FROM inv_effect WHERE warehouse_id = ?1 AND location_id = ?2
         GROUP BY item_id, lot_id"
    })?;
    let mut rows = stmt.query([wh, loc])?;
    while let Some(r) = rows.next()? {
        let (item, lot, qty, delta): (String, String, i64, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let line = lines
            .entry((item.clone(), lot.clone()))
            .or_insert_with(|| StockLine {
                warehouse_id: wh.to_string(),
                item_id: item,
                lot_id: lot,
                expiry_date: String::new(),
                location_id: loc.to_string(),
                server_qty: 0,
                pending_delta: 0,
                qty: 0,
            });
        line.server_qty += qty;
        line.pending_delta += delta;
        line.qty += qty + delta;
    }
    let mut expiry = conn.prepare_cached(
        "SELECT expiry_date FROM inv_lot WHERE warehouse_id = ?1 AND lot_id = ?2",
    )?;
    let mut out: Vec<StockLine> = lines.into_values().collect();
    for line in &mut out {
        line.expiry_date = expiry
            .query_row([wh, &line.lot_id], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
    }
    Ok(out)
}

pub fn location_exists(conn: &Connection, wh: &str, loc: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT archived FROM inv_location WHERE warehouse_id = ?1 AND location_id = ?2",
        )?
        .query_row([wh, loc], |r| r.get::<_, bool>(0))
        .optional()?
        == Some(false))
}

pub fn open_po_lines(conn: &Connection, wh: &str, item_id: Option<&str>) -> Result<Vec<PoLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT warehouse_id, po_line_id, po_number, supplier, item_id, qty_ordered, qty_received FROM inv_po_line
         WHERE warehouse_id = ?1 AND open = 1 AND (?2 IS NULL OR item_id = ?2) ORDER BY po_line_id LIMIT 500",
    )?;
    Ok(stmt
        .query_map(params![wh, item_id], |r| {
            Ok(PoLine {
                warehouse_id: r.get(0)?,
                po_line_id: r.get(1)?,
                po_number: r.get(2)?,
                supplier: r.get(3)?,
                item_id: r.get(4)?,
                qty_ordered: r.get(5)?,
                qty_received: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn scope(conn: &Connection, wh: &str) -> Result<Option<ScopeInfo>> {
    Ok(conn
        .prepare_cached(
            "SELECT warehouse_id, complete, version, rows_done, rows_total, last_sync_at_ms FROM inv_scope WHERE warehouse_id = ?1",
        )?
        .query_row([wh], scope_from_row)
        .optional()?)
}

fn scope_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScopeInfo> {
    Ok(ScopeInfo {
        warehouse_id: r.get(0)?,
        complete: r.get(1)?,
        version: r.get(2)?,
        rows_done: r.get::<_, i64>(3)? as u64,
        rows_total: r.get::<_, i64>(4)? as u64,
        last_sync_at_ms: r.get(5)?,
    })
}

pub fn scopes(conn: &Connection) -> Result<Vec<ScopeInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT warehouse_id, complete, version, rows_done, rows_total, last_sync_at_ms FROM inv_scope ORDER BY warehouse_id",
    )?;
    Ok(stmt
        .query_map([], scope_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

const MOVEMENT_COLUMNS: &str =
    "seq, id, warehouse_id, kind, item_id, lot_id, location_id, to_location_id, qty, reason,
    po_line_id, created_at_ms, state, server_version, reject_code, reject_reason, observed_version";

fn movement_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Movement> {
    let kind: String = r.get(3)?;
    let reason: Option<String> = r.get(9)?;
    let state: String = r.get(12)?;
    Ok(Movement {
        seq: r.get(0)?,
        id: r.get(1)?,
        warehouse_id: r.get(2)?,
        kind: MovementKind::parse(&kind).unwrap_or(MovementKind::Adjust),
        item_id: r.get(4)?,
        lot_id: r.get(5)?,
        location_id: r.get(6)?,
        to_location_id: r.get(7)?,
        qty: r.get(8)?,
        reason: reason.as_deref().and_then(AdjustReason::parse),
        po_line_id: r.get(10)?,
        created_at_ms: r.get(11)?,
        state: match state.as_str() {
            "applied" => MovementState::Applied,
            "rejected" => MovementState::Rejected,
            _ => MovementState::Pending,
        },
        server_version: r.get(13)?,
        reject_code: r.get(14)?,
        reject_reason: r.get(15)?,
        observed_version: r.get(16)?,
    })
}

/// Movements in outbox order: pending and rejected ones always, applied ones only with
/// `include_applied`; at most `limit`, newest first.
pub fn movements(conn: &Connection, include_applied: bool, limit: u32) -> Result<Vec<Movement>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MOVEMENT_COLUMNS} FROM inv_outbox WHERE ?1 OR state != 'applied' ORDER BY seq DESC LIMIT ?2"
    ))?;
    Ok(stmt
        .query_map(params![include_applied, limit], movement_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn pending_count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM inv_outbox WHERE state = 'pending'")?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// Sync statements outnumber rusqlite's default statement cache (16): keep them all.
pub fn use_statement_cache(conn: &Connection) {
    conn.set_prepared_statement_cache_capacity(96);
}

/// The next batch to push, oldest first.
pub fn push_batch(conn: &Connection, limit: usize) -> Result<Vec<MovementWire>> {
    push_batch_after(conn, 0, limit)
}

/// The next batch to push after outbox position `after_seq`, oldest first.
pub fn push_batch_after(
    conn: &Connection,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<MovementWire>> {
    use_statement_cache(conn);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MOVEMENT_COLUMNS} FROM inv_outbox WHERE state = 'pending' AND seq > ?2 ORDER BY seq LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit as i64, after_seq], movement_from_row)?;
    let mut out = Vec::new();
    for m in rows {
        let m = m?;
        out.push(MovementWire {
            id: m.id,
            origin_seq: m.seq,
            warehouse_id: m.warehouse_id,
            kind: m.kind,
            item_id: m.item_id,
            lot_id: m.lot_id,
            location_id: m.location_id,
            to_location_id: m.to_location_id,
            qty: m.qty,
            reason: m.reason,
            observed_version: m.observed_version,
            po_line_id: m.po_line_id,
            created_at_ms: m.created_at_ms,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Local movements

/// Validates a movement against the local copy and records it with its local effect in
/// one transaction. `scopes` are the warehouses of the signed-in account.
pub fn record(tx: &Transaction<'_>, scopes: &[String], m: &NewMovement) -> Result<Movement> {
    use_statement_cache(tx);
    let wh = m.warehouse_id.trim();
    if !scopes.iter().any(|s| s == wh) {
        return Err(Error::invalid(
            "warehouse_id",
            format!("{wh:?} is not one of your warehouses"),
        ));
    }
    for (field, value) in [
        ("item_id", &m.item_id),
        ("lot_id", &m.lot_id),
        ("location_id", &m.location_id),
    ] {
        if value.trim().is_empty() || value.len() > 100 {
            return Err(Error::invalid(field, "must be 1 to 100 characters"));
        }
    }
    let qty_ok = m.kind.accepts_qty(m.qty);
    if !qty_ok {
        let rule = match m.kind {
            MovementKind::Adjust => {
                format!("must be non-zero and at most {MAX_ABS_QTY} either way")
            }
            MovementKind::Count => format!("must be between 0 and {MAX_ABS_QTY}"),
            _ => format!("must be between 1 and {MAX_ABS_QTY}"),
        };
        return Err(Error::invalid("qty", rule));
    }
    if m.kind == MovementKind::Adjust && m.reason.is_none() {
        return Err(Error::invalid(
            "reason",
            "an adjustment needs a reason (damage, spoilage, shrink, found)",
        ));
    }
    let to = match (m.kind, m.to_location_id.as_deref().map(str::trim)) {
        (MovementKind::Move, Some(to)) if to == m.location_id => {
            return Err(Error::invalid(
                "to_location_id",
                "must differ from location_id",
            ));
        }
        (MovementKind::Move, Some(to)) if !to.is_empty() => Some(to.to_string()),
        (MovementKind::Move, _) => {
            return Err(Error::invalid(
                "to_location_id",
                "a move needs a destination bin",
            ));
        }
        _ => None,
    };
    let scope = scope(tx, wh)?;
    let known = scope.as_ref().is_some_and(|s| s.complete);
    // With the scope downloaded, check against it at once; before the first download the
    // server is the only judge (and says so with a rejection).
    if known {
        let item = item(tx, wh, &m.item_id)?.ok_or_else(|| {
            Error::invalid(
                "item_id",
                format!("item {} is not stocked in {wh}", m.item_id),
            )
        })?;
        if item.archived
            && (m.kind == MovementKind::Receive || (m.kind == MovementKind::Adjust && m.qty > 0))
        {
            return Err(Error::invalid(
                "item_id",
                format!("item {} is archived", m.item_id),
            ));
        }
        let lot_item: Option<String> = tx
            .prepare_cached("SELECT item_id FROM inv_lot WHERE warehouse_id = ?1 AND lot_id = ?2")?
            .query_row([wh, &m.lot_id], |r| r.get(0))
            .optional()?;
        if lot_item.as_deref() != Some(m.item_id.as_str()) {
            return Err(Error::invalid(
                "lot_id",
                format!("lot {} of item {} is unknown", m.lot_id, m.item_id),
            ));
        }
        if !location_exists(tx, wh, &m.location_id)? {
            return Err(Error::invalid(
                "location_id",
                format!("bin {} does not exist in {wh}", m.location_id),
            ));
        }
        if let Some(to) = &to
            && !location_exists(tx, wh, to)?
        {
            return Err(Error::invalid(
                "to_location_id",
                format!("bin {to} does not exist in {wh}"),
            ));
        }
        if let Some(po) = &m.po_line_id {
            let line: Option<String> = tx
                .prepare_cached(
                    "SELECT item_id FROM inv_po_line WHERE warehouse_id = ?1 AND po_line_id = ?2",
                )?
                .query_row([wh, po], |r| r.get(0))
                .optional()?;
            if line.as_deref() != Some(m.item_id.as_str()) {
                return Err(Error::invalid(
                    "po_line_id",
                    format!("no purchase order line {po} for item {}", m.item_id),
                ));
            }
        }
    }
    let shown = displayed_qty(tx, wh, &m.item_id, &m.lot_id, &m.location_id)?;
    let mut effects: Vec<(String, i64)> = match m.kind {
        MovementKind::Receive => vec![(m.location_id.clone(), m.qty)],
        MovementKind::Move => vec![
            (m.location_id.clone(), -m.qty),
            (to.clone().unwrap_or_default(), m.qty),
        ],
        MovementKind::Pick => vec![(m.location_id.clone(), -m.qty)],
        MovementKind::Adjust => vec![(m.location_id.clone(), m.qty)],
        MovementKind::Count => vec![(m.location_id.clone(), m.qty - shown)],
    };
    if matches!(
        m.kind,
        MovementKind::Move | MovementKind::Pick | MovementKind::Adjust
    ) && shown + effects[0].1 < 0
    {
        return Err(Error::invalid(
            "qty",
            format!("only {shown} in bin {}", m.location_id),
        ));
    }
    effects.retain(|e| e.1 != 0 || m.kind != MovementKind::Count);
    let observed_version =
        (m.kind == MovementKind::Count).then(|| scope.as_ref().map_or(0, |s| s.version));
    origin(tx)?;
    let id = uuid::Uuid::new_v4().to_string();
    let created = now_ms();
    tx.prepare_cached(
        "INSERT INTO inv_outbox(id, warehouse_id, kind, item_id, lot_id, location_id, to_location_id, qty, reason,
             observed_version, po_line_id, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        id,
        wh,
        m.kind.as_str(),
        m.item_id,
        m.lot_id,
        m.location_id,
        to,
        m.qty,
        m.reason.map(|r| r.as_str()),
        observed_version,
        m.po_line_id,
        created
    ])?;
    let seq = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT INTO inv_effect(movement_seq, warehouse_id, item_id, lot_id, location_id, delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (loc, delta) in effects {
        insert.execute(params![seq, wh, m.item_id, m.lot_id, loc, delta])?;
    }
    Ok(Movement {
        seq,
        id,
        warehouse_id: wh.to_string(),
        kind: m.kind,
        item_id: m.item_id.clone(),
        lot_id: m.lot_id.clone(),
        location_id: m.location_id.clone(),
        to_location_id: to,
        qty: m.qty,
        reason: m.reason,
        po_line_id: m.po_line_id.clone(),
        created_at_ms: created,
        state: MovementState::Pending,
        server_version: None,
        reject_code: None,
        reject_reason: None,
        observed_version,
    })
}

/// Records the server's verdicts. Idempotent: a verdict for a movement already settled is
/// ignored. Returns (applied, rejected) newly settled.
pub fn settle(tx: &Transaction<'_>, results: &[MovementResult]) -> Result<(u32, u32)> {
    use_statement_cache(tx);
    let mut pulled_versions: BTreeMap<String, i64> = BTreeMap::new();
    let (mut applied, mut rejected) = (0, 0);
    let now = now_ms();
    for r in results {
        let row: Option<(i64, String, String)> = tx
            .prepare_cached("SELECT seq, state, warehouse_id FROM inv_outbox WHERE id = ?1")?
            .query_row([&r.id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        let Some((seq, state, wh)) = row else {
            continue;
        };
        if state != "pending" {
            continue;
        }
        match r.status {
            PushStatus::Applied => {
                let version = r
                    .version
                    .ok_or_else(|| Error::Protocol("applied movement without a version".into()))?;
                tx.prepare_cached(
                    "UPDATE inv_outbox SET state = 'applied', server_version = ?2, settled_at_ms = ?3 WHERE seq = ?1",
                )?
                .execute(params![seq, version, now])?;
                if let Some(delta) = r.applied_delta {
                    // A count: the server's delta is the truth until the pull shows it.
                    tx.prepare_cached("UPDATE inv_effect SET delta = ?2 WHERE movement_seq = ?1")?
                        .execute(params![seq, delta])?;
                }
                let pulled = match pulled_versions.get(&wh) {
                    Some(v) => *v,
                    None => {
                        let v: i64 = tx
                            .prepare_cached("SELECT COALESCE((SELECT version FROM inv_scope WHERE warehouse_id = ?1), 0)")?
                            .query_row([&wh], |r| r.get(0))?;
                        pulled_versions.insert(wh.clone(), v);
                        v
                    }
                };
                if pulled >= version {
                    tx.prepare_cached("DELETE FROM inv_effect WHERE movement_seq = ?1")?
                        .execute([seq])?;
                }
                applied += 1;
            }
            PushStatus::Rejected => {
                tx.prepare_cached(
                    "UPDATE inv_outbox SET state = 'rejected', reject_code = ?2, reject_reason = ?3, settled_at_ms = ?4
                     WHERE seq = ?1",
                )?
                .execute(params![seq, r.code.as_deref().unwrap_or("rejected"), r.reason.as_deref().unwrap_or(""), now])?;
                tx.prepare_cached("DELETE FROM inv_effect WHERE movement_seq = ?1")?
                    .execute([seq])?;
                rejected += 1;
            }
        }
    }
    Ok((applied, rejected))
}

// ---------------------------------------------------------------------------------------
// Pull

/// The scope's sync position, creating the scope row if needed: (cursor, version, complete).
pub fn scope_position(tx: &Connection, wh: &str) -> Result<(String, i64, bool, u64)> {
    tx.prepare_cached("INSERT OR IGNORE INTO inv_scope(warehouse_id) VALUES (?1)")?
        .execute([wh])?;
    Ok(tx
        .prepare_cached(
            "SELECT cursor, version, complete, rows_done FROM inv_scope WHERE warehouse_id = ?1",
        )?
        .query_row([wh], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64))
        })?)
}

/// Checks a page before anything of it is applied: a malformed or truncated page changes
/// nothing.
pub fn validate_page(page: &ChangesPage, wh: &str, since: i64) -> Result<Cursor> {
    if page.warehouse_id != wh {
        return Err(Error::Protocol(format!(
            "asked for {wh}, got a page of {}",
            page.warehouse_id
        )));
    }
    let cursor = Cursor::parse(&page.cursor)
        .ok_or_else(|| Error::Protocol("malformed cursor in page".into()))?;
    if cursor.epoch.is_empty() || cursor.version < since {
        return Err(Error::Protocol(format!(
            "page cursor {} goes backwards from {since}",
            page.cursor
        )));
    }
    let versions = page
        .items
        .iter()
        .map(|r| r.10)
        .chain(page.locations.iter().map(|r| r.3))
        .chain(page.lots.iter().map(|r| r.4))
        .chain(page.stock.iter().map(|r| r.4))
        .chain(page.po_lines.iter().map(|r| r.7));
    for v in versions {
        if v <= since || v > cursor.version {
            return Err(Error::Protocol(format!(
                "row version {v} outside ({since}, {}]",
                cursor.version
            )));
        }
    }
    if page.has_more && page.row_count() == 0 {
        return Err(Error::Protocol(
            "an empty page that claims more follow".into(),
        ));
    }
    if !page.has_more && page.checksum.is_none() {
        return Err(Error::Protocol("the last page has no checksum".into()));
    }
    Ok(cursor)
}

/// What applying a page found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied; `diverged` when the last page's checksum disagrees with the local copy.
    Ok {
        diverged: bool,
        rows_done: u64,
        rows_total: u64,
    },
    /// Another sync moved the cursor meanwhile; the page was dropped.
    Stale,
}

/// Applies a validated page and its cursor in one transaction.
pub fn apply_page(
    tx: &Transaction<'_>,
    wh: &str,
    expected_cursor: &str,
    page: &ChangesPage,
    cursor: &Cursor,
    total: Option<u64>,
) -> Result<Applied> {
    use_statement_cache(tx);
    // A bounded page cache (8 MB) keeps the stock table's index pages in memory during a
    // download; memory stays flat however large the scope is.
    tx.pragma_update(None, "cache_size", -8_000)?;
    let (current, _, complete, done) = scope_position(tx, wh)?;
    if current != expected_cursor {
        return Ok(Applied::Stale);
    }
    if !complete && page.has_more {
        // A download from scratch: maintaining the by-bin index row by row (random
        // inserts) would double the cost of the download; it is rebuilt in one sorted pass
        // on the last page. Meanwhile bin queries scan.
        tx.execute_batch("DROP INDEX IF EXISTS inv_stock_bin")?;
    }
    let mut sum: u64 = tx
        .prepare_cached("SELECT checksum FROM inv_scope WHERE warehouse_id = ?1")?
        .query_row([wh], |r| r.get::<_, i64>(0))? as u64;
    {
        let mut insert_item = tx.prepare_cached(
            "INSERT OR IGNORE INTO inv_item(warehouse_id, item_id, sku, name, unit, barcodes, variety, grade, origin, pack_size, archived)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut replace_item = tx.prepare_cached(
            "INSERT OR REPLACE INTO inv_item(warehouse_id, item_id, sku, name, unit, barcodes, variety, grade, origin, pack_size, archived)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut old_codes = tx.prepare_cached(
            "SELECT barcodes FROM inv_item WHERE warehouse_id = ?1 AND item_id = ?2",
        )?;
        let mut del_code = tx.prepare_cached(
            "DELETE FROM inv_barcode WHERE code = ?1 AND warehouse_id = ?2 AND item_id = ?3",
        )?;
        let mut code = tx.prepare_cached(
            "INSERT OR IGNORE INTO inv_barcode(code, warehouse_id, item_id) VALUES (?1, ?2, ?3)",
        )?;
        for r in &page.items {
            if insert_item.execute(params![
                wh, r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9
            ])? == 0
            {
                let old: Option<String> = old_codes
                    .query_row([wh, &r.0], |row| row.get(0))
                    .optional()?;
                for c in old.iter().flat_map(|o| o.split_whitespace()) {
                    del_code.execute([c, wh, &r.0])?;
                }
                replace_item.execute(params![
                    wh, r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9
                ])?;
            }
            for c in r.4.split_whitespace() {
                code.execute([c, wh, &r.0])?;
            }
        }
        let mut loc = tx.prepare_cached(
            "INSERT OR REPLACE INTO inv_location(warehouse_id, location_id, zone, archived) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for r in &page.locations {
            loc.execute(params![wh, r.0, r.1, r.2])?;
        }
        let mut lot = tx.prepare_cached(
            "INSERT OR REPLACE INTO inv_lot(warehouse_id, lot_id, item_id, pack_date, expiry_date) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for r in &page.lots {
            lot.execute(params![wh, r.0, r.1, r.2, r.3])?;
        }
        // Most rows of a download are new: try the plain insert first (one statement per
        // row) and only read the old quantity of rows that exist, for the checksum.
        let mut insert_stock = tx.prepare_cached(
            "INSERT OR IGNORE INTO inv_stock(warehouse_id, item_id, lot_id, location_id, qty, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut old_qty = tx.prepare_cached(
            "SELECT qty FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
        )?;
        let mut update_stock = tx.prepare_cached(
            "UPDATE inv_stock SET qty = ?5, version = ?6 WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
        )?;
        for r in &page.stock {
            if insert_stock.execute(params![wh, r.0, r.1, r.2, r.3, r.4])? == 1 {
                sum = stock_checksum_add(sum, &r.0, &r.1, &r.2, None, r.3);
                continue;
            }
            let old: Option<i64> = old_qty
                .query_row([wh, &r.0, &r.1, &r.2], |row| row.get(0))
                .optional()?;
            update_stock.execute(params![wh, r.0, r.1, r.2, r.3, r.4])?;
            sum = stock_checksum_add(sum, &r.0, &r.1, &r.2, old, r.3);
        }
        let mut po = tx.prepare_cached(
            "INSERT OR REPLACE INTO inv_po_line(warehouse_id, po_line_id, po_number, supplier, item_id, qty_ordered, qty_received, open)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for r in &page.po_lines {
            po.execute(params![wh, r.0, r.1, r.2, r.3, r.4, r.5, r.6])?;
        }
    }
    // Applied movements whose effect the pulled state now shows stop counting twice.
    tx.prepare_cached(
        "DELETE FROM inv_effect WHERE movement_seq IN (
             SELECT seq FROM inv_outbox WHERE state = 'applied' AND warehouse_id = ?1 AND server_version <= ?2)",
    )?
    .execute(params![wh, cursor.version])?;
    let rows_done = done + page.row_count() as u64;
    let known_total: i64 = tx
        .prepare_cached("SELECT rows_total FROM inv_scope WHERE warehouse_id = ?1")?
        .query_row([wh], |r| r.get(0))?;
    // `total` (rows after the request's cursor) comes with the first page of a sync.
    let rows_total = total
        .map_or(known_total as u64, |t| done + t)
        .max(rows_done);
    if !page.has_more {
        tx.execute_batch(STOCK_BIN_INDEX)?;
    }
    let diverged = match (&page.checksum, page.has_more) {
        (Some(server), false) => *server != companion_wire::inventory::format_checksum(sum),
        _ => false,
    };
    tx.prepare_cached(
        "UPDATE inv_scope SET cursor = ?2, version = ?3, checksum = ?4, rows_done = ?5, rows_total = ?6,
             complete = (complete OR ?7), last_sync_at_ms = CASE WHEN ?7 THEN ?8 ELSE last_sync_at_ms END
         WHERE warehouse_id = ?1",
    )?
    .execute(params![
        wh,
        cursor.encode(),
        cursor.version,
        sum as i64,
        rows_done as i64,
        rows_total as i64,
        !page.has_more,
        now_ms()
    ])?;
    Ok(Applied::Ok {
        diverged,
        rows_done,
        rows_total,
    })
}

/// Marks the end of one pull session: the progress counters restart at the next one.
pub fn finish_pull(tx: &Connection, wh: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE inv_scope SET rows_done = 0, rows_total = 0, syncs_since_verify = syncs_since_verify + 1 WHERE warehouse_id = ?1",
    )?
    .execute([wh])?;
    Ok(())
}

/// Forgets a scope's pulled data so that it is downloaded again from scratch. The outbox
/// is untouched: nothing the user did is lost, and its effects stay on screen.
pub fn reset_scope(tx: &Connection, wh: &str) -> Result<()> {
    for table in [
        "inv_item",
        "inv_barcode",
        "inv_location",
        "inv_lot",
        "inv_stock",
        "inv_po_line",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE warehouse_id = ?1"),
            [wh],
        )?;
    }
    tx.execute(
        "UPDATE inv_scope SET cursor = '', version = 0, complete = 0, rows_done = 0, rows_total = 0, checksum = 0,
             syncs_since_verify = 0
         WHERE warehouse_id = ?1",
        [wh],
    )?;
    // Applied movements the new download will show again keep their effects until then.
    tracing::warn!(
        warehouse = wh,
        "local copy of the scope reset; downloading it again"
    );
    Ok(())
}

/// Recomputes the stock checksum from the rows (catches a copy damaged outside the sync
/// path) and compares it with the maintained one.
pub fn verify_scope(conn: &Connection, wh: &str) -> Result<bool> {
    let kept: i64 = conn
        .query_row(
            "SELECT checksum FROM inv_scope WHERE warehouse_id = ?1",
            [wh],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, lot_id, location_id, qty FROM inv_stock WHERE warehouse_id = ?1",
    )?;
    let mut rows = stmt.query([wh])?;
    let mut sum = 0u64;
    while let Some(r) = rows.next()? {
        let (i, l, b, q): (String, String, String, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        sum = sum.wrapping_add(stock_row_hash(&i, &l, &b, q));
    }
    Ok(sum == kept as u64)
}

pub fn syncs_since_verify(conn: &Connection, wh: &str) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT syncs_since_verify FROM inv_scope WHERE warehouse_id = ?1",
            [wh],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn mark_verified(conn: &Connection, wh: &str) -> Result<()> {
    conn.execute(
        "UPDATE inv_scope SET syncs_since_verify = 0 WHERE warehouse_id = ?1",
        [wh],
    )?;
    Ok(())
}

/// Drops the pulled data of scopes the account no longer has.
pub fn drop_other_scopes(tx: &Connection, keep: &[String]) -> Result<Vec<String>> {
    let all: Vec<String> = tx
        .prepare("SELECT warehouse_id FROM inv_scope")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut dropped = Vec::new();
    for wh in all.into_iter().filter(|w| !keep.contains(w)) {
        reset_scope(tx, &wh)?;
        tx.execute("DELETE FROM inv_scope WHERE warehouse_id = ?1", [&wh])?;
        dropped.push(wh);
    }
    Ok(dropped)
}
