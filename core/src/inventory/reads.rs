//! What the screens read: items, stock lines (pulled state plus unsettled local effects),
//! bins, purchase-order lines, sync positions and the outbox. All on the reader connection,
//! which a sync never blocks.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::{Item, ItemStock, Movement, MovementState, PoLine, ScopeInfo, StockLine};
use crate::error::Result;
use crate::store::Read;
use companion_wire::inventory::{AdjustReason, MovementKind};

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

pub fn item(conn: &Read<'_>, warehouse_id: &str, item_id: &str) -> Result<Option<Item>> {
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
pub fn items_by_code(conn: &Read<'_>, code: &str) -> Result<Vec<Item>> {
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

pub fn items_by_sku(conn: &Read<'_>, sku: &str) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM inv_item WHERE sku = ?1"
    ))?;
    Ok(stmt
        .query_map([sku.trim()], item_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Case-insensitive search in names, SKUs, varieties and origins; every word must match.
pub fn search_items(conn: &Read<'_>, query: &str, limit: u32) -> Result<Vec<Item>> {
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
    // No words: the catalogue itself, in the same order.
    let cond: Vec<String> = std::iter::once("1".to_string())
        .chain((1..=words.len()).map(|i| {
            format!("(name || ' ' || sku || ' ' || variety || ' ' || origin) LIKE ?{i} ESCAPE '\\'")
        }))
        .collect();
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM inv_item WHERE {} ORDER BY archived, name, warehouse_id LIMIT {}",
        cond.join(" AND "),
        limit.clamp(1, 10_000)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_map(rusqlite::params_from_iter(words.iter()), item_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Stock of one item: pulled state plus unsettled local effects, per lot × bin.
pub fn item_stock(conn: &Read<'_>, item: Item) -> Result<ItemStock> {
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
pub fn displayed_qty(conn: &Read<'_>, wh: &str, item: &str, lot: &str, loc: &str) -> Result<i64> {
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
pub fn bin_stock(conn: &Read<'_>, wh: &str, loc: &str) -> Result<Vec<StockLine>> {
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

/// Whether a bin exists and is not archived.
pub fn bin_open(conn: &Read<'_>, wh: &str, loc: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT archived FROM inv_location WHERE warehouse_id = ?1 AND location_id = ?2",
        )?
        .query_row([wh, loc], |r| r.get::<_, bool>(0))
        .optional()?
        == Some(false))
}

/// The item a lot belongs to.
pub fn lot_item(conn: &Read<'_>, wh: &str, lot: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT item_id FROM inv_lot WHERE warehouse_id = ?1 AND lot_id = ?2")?
        .query_row([wh, lot], |r| r.get(0))
        .optional()?)
}

/// The item of a purchase-order line.
pub fn po_line_item(conn: &Read<'_>, wh: &str, po: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT item_id FROM inv_po_line WHERE warehouse_id = ?1 AND po_line_id = ?2",
        )?
        .query_row([wh, po], |r| r.get(0))
        .optional()?)
}

pub fn open_po_lines(conn: &Read<'_>, wh: &str, item_id: Option<&str>) -> Result<Vec<PoLine>> {
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

pub fn scope(conn: &Read<'_>, wh: &str) -> Result<Option<ScopeInfo>> {
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
        rows_done: r.get(3)?,
        rows_total: r.get(4)?,
        last_synced_at: r.get::<_, Option<i64>>(5)?.map(crate::time::from_millis),
    })
}

pub fn scopes(conn: &Read<'_>) -> Result<Vec<ScopeInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT warehouse_id, complete, version, rows_done, rows_total, last_sync_at_ms FROM inv_scope ORDER BY warehouse_id",
    )?;
    Ok(stmt
        .query_map([], scope_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub(super) const MOVEMENT_COLUMNS: &str =
    "seq, id, warehouse_id, kind, item_id, lot_id, location_id, to_location_id, qty, reason,
    po_line_id, created_at_ms, state, server_version, reject_code, reject_reason, observed_version";

pub(super) fn movement_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Movement> {
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
        created_at: crate::time::from_millis(r.get(11)?),
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
pub fn movements(conn: &Read<'_>, include_applied: bool, limit: u32) -> Result<Vec<Movement>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MOVEMENT_COLUMNS} FROM inv_outbox WHERE ?1 OR state != 'applied' ORDER BY seq DESC LIMIT ?2"
    ))?;
    Ok(stmt
        .query_map(params![include_applied, limit], movement_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn pending_count(conn: &Read<'_>) -> Result<i64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM inv_outbox WHERE state = 'pending'")?
        .query_row([], |r| r.get(0))?;
    Ok(n)
}
