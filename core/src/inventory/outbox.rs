//! The outbox: movements recorded offline (validated, written with their local effect in
//! one transaction), the batches pushed, and the server's verdicts settled.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::reads::{self, MOVEMENT_COLUMNS, movement_from_row};
use super::{Movement, MovementState, NewMovement};
use crate::error::{Error, Result};
use crate::store::{Read, Write};
use companion_wire::inventory::rules::{
    Catalogue, MovementRef, Rejection, check_available, check_catalogue, check_shape,
};
use companion_wire::inventory::{MovementKind, MovementResult, MovementWire, PushStatus};

const ORIGIN_KEY: &str = "inventory.origin";

pub(crate) use crate::time::now_millis as now_ms;

/// The id of this database's outbox (created once, kept for ever).
pub fn origin(tx: &Write<'_>) -> Result<String> {
    if let Some(o) = tx.meta(ORIGIN_KEY)? {
        return Ok(o);
    }
    let o = uuid::Uuid::new_v4().to_string();
    tx.set_meta(ORIGIN_KEY, &o)?;
    Ok(o)
}

/// The next batch to push after outbox position `after_seq`, oldest first.
pub fn push_batch_after(
    conn: &Read<'_>,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<MovementWire>> {
    conn.use_large_statement_cache();
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
            created_at_ms: crate::time::to_millis(m.created_at),
        });
    }
    Ok(out)
}

/// The local copy of a warehouse's catalogue, for the movement rules the phone shares with
/// the server (`companion_wire::inventory::rules`).
struct LocalCatalogue<'a, 'c>(&'a Read<'c>);

impl Catalogue for LocalCatalogue<'_, '_> {
    type Error = Error;

    fn item_archived(&self, wh: &str, item_id: &str) -> Result<Option<bool>> {
        Ok(reads::item(self.0, wh, item_id)?.map(|i| i.archived))
    }

    fn lot_item(&self, wh: &str, lot_id: &str) -> Result<Option<String>> {
        reads::lot_item(self.0, wh, lot_id)
    }

    fn bin_open(&self, wh: &str, location_id: &str) -> Result<bool> {
        reads::bin_open(self.0, wh, location_id)
    }

    fn po_line_item(&self, wh: &str, po_line_id: &str) -> Result<Option<String>> {
        reads::po_line_item(self.0, wh, po_line_id)
    }
}

fn refused(r: Rejection) -> Error {
    Error::invalid(r.field, r.reason)
}

/// Validates a movement against the local copy and records it with its local effect in
/// one transaction. `scopes` are the warehouses of the signed-in account.
pub fn record(tx: &Write<'_>, scopes: &[String], m: &NewMovement) -> Result<Movement> {
    tx.use_large_statement_cache();
    let wh = m.warehouse_id.trim();
    if !scopes.iter().any(|s| s == wh) {
        return Err(Error::invalid(
            "warehouse_id",
            format!("{wh:?} is not one of your warehouses"),
        ));
    }
    let to = m
        .to_location_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let movement = MovementRef {
        warehouse_id: wh,
        kind: m.kind,
        item_id: &m.item_id,
        lot_id: &m.lot_id,
        location_id: &m.location_id,
        to_location_id: to,
        qty: m.qty,
        reason: m.reason,
        po_line_id: m.po_line_id.as_deref(),
    };
    check_shape(&movement).map_err(refused)?;
    let scope = reads::scope(tx, wh)?;
    let downloaded = scope.as_ref().is_some_and(|s| s.complete);
    if m.kind == MovementKind::Count && !downloaded {
        // A count sets the bin to what was counted, as of the stock the counter saw. Before
        // the first download the phone has seen nothing, so the server could only add the
        // count on top of the real stock (5 in the bin, 3 counted, 8 shown): refuse it.
        return Err(Error::Conflict(format!(
            "{wh} has not been downloaded to this phone yet; sync, then count again"
        )));
    }
    // With the scope downloaded, check against it at once; before the first download the
    // server is the only judge (and says so with a rejection).
    if downloaded {
        check_catalogue(&LocalCatalogue(tx), &movement)?.map_err(refused)?;
    }
    let shown = reads::displayed_qty(tx, wh, &m.item_id, &m.lot_id, &m.location_id)?;
    let mut effects: Vec<(String, i64)> = match m.kind {
        MovementKind::Receive | MovementKind::Adjust => vec![(m.location_id.clone(), m.qty)],
        MovementKind::Move => vec![
            (m.location_id.clone(), -m.qty),
            (to.unwrap_or_default().to_string(), m.qty),
        ],
        MovementKind::Pick => vec![(m.location_id.clone(), -m.qty)],
        MovementKind::Count => vec![(m.location_id.clone(), m.qty - shown)],
    };
    check_available(&movement, shown, effects[0].1).map_err(refused)?;
    effects.retain(|e| e.1 != 0 || m.kind != MovementKind::Count);
    let to = to.map(str::to_string);
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
        created_at: crate::time::from_millis(created),
        state: MovementState::Pending,
        server_version: None,
        reject_code: None,
        reject_reason: None,
        observed_version,
    })
}

/// What settling a batch of verdicts did.
pub struct Settled {
    pub applied: u32,
    pub rejected: u32,
    /// Warehouses whose displayed stock may have changed (a rejected effect is gone).
    pub touched: Vec<String>,
}

/// Records the server's verdicts. Idempotent: a verdict for a movement already settled is
/// ignored.
pub fn settle(tx: &Write<'_>, results: &[MovementResult]) -> Result<Settled> {
    tx.use_large_statement_cache();
    let mut pulled_versions: BTreeMap<String, i64> = BTreeMap::new();
    let (mut applied, mut rejected) = (0, 0);
    let mut touched: Vec<String> = Vec::new();
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
        if !touched.contains(&wh) {
            touched.push(wh.clone());
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
    Ok(Settled {
        applied,
        rejected,
        touched,
    })
}
