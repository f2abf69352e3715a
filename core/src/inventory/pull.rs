//! Pulling a scope: its sync position, page checks before anything is applied, one page and
//! its cursor applied in one transaction, and a scope reset or dropped when it must be
//! downloaded again or is no longer the account's.

use rusqlite::{OptionalExtension, params};

use super::outbox::now_ms;
use crate::error::{Error, Result};
use crate::store::Write;
use companion_wire::inventory::{ChangesPage, Cursor, format_checksum, stock_checksum_add};

/// As in the migration; dropped during a download from scratch and rebuilt at its end.
const STOCK_BIN_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS inv_stock_bin ON inv_stock(warehouse_id, location_id);";

/// The scope's sync position, creating the scope row if needed: (cursor, version, complete).
pub fn scope_position(tx: &Write<'_>, wh: &str) -> Result<(String, i64, bool, u64)> {
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
    tx: &Write<'_>,
    wh: &str,
    expected_cursor: &str,
    page: &ChangesPage,
    cursor: &Cursor,
    total: Option<u64>,
) -> Result<Applied> {
    tx.use_large_statement_cache();
    // A bounded page cache (8 MB) keeps the stock table's index pages in memory during a
    // download; memory stays flat however large the scope is.
    tx.pragma_update("cache_size", -8_000)?;
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
        (Some(server), false) => *server != format_checksum(sum),
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
pub fn finish_pull(tx: &Write<'_>, wh: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE inv_scope SET rows_done = 0, rows_total = 0, syncs_since_verify = syncs_since_verify + 1 WHERE warehouse_id = ?1",
    )?
    .execute([wh])?;
    Ok(())
}

/// Forgets a scope's pulled data so that it is downloaded again from scratch. The outbox
/// is untouched: nothing the user did is lost, and its effects stay on screen.
pub fn reset_scope(tx: &Write<'_>, wh: &str) -> Result<()> {
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

/// Drops the pulled data of scopes the account no longer has.
pub fn drop_other_scopes(tx: &Write<'_>, keep: &[String]) -> Result<Vec<String>> {
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
