//! Checking a scope's local copy against its checksum, recomputed from the rows: catches a
//! copy damaged outside the sync path (the maintained checksum is checked on every pull).

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::store::{Read, Write};
use companion_wire::inventory::stock_row_hash;

/// Recomputes the stock checksum from the rows (catches a copy damaged outside the sync
/// path) and compares it with the maintained one.
pub fn verify_scope(conn: &Read<'_>, wh: &str) -> Result<bool> {
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

pub fn syncs_since_verify(conn: &Read<'_>, wh: &str) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT syncs_since_verify FROM inv_scope WHERE warehouse_id = ?1",
            [wh],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn mark_verified(conn: &Write<'_>, wh: &str) -> Result<()> {
    conn.execute(
        "UPDATE inv_scope SET syncs_since_verify = 0 WHERE warehouse_id = ?1",
        [wh],
    )?;
    Ok(())
}
