//! Events from real changes, queued inside the transaction that makes the change (so a
//! notification exists exactly when its cause was committed), one delivery per device that
//! should get it: the audience's live registrations whose category is switched on.

use companion_wire::inventory::{MovementKind, MovementWire};
use companion_wire::notification::{NotificationEvent, NotificationKind};
use companion_wire::push::Category;
use rusqlite::{Connection, OptionalExtension, params};

/// Who an event is for.
pub enum Audience<'a> {
    /// Everyone with access to the warehouse.
    Warehouse(&'a str),
    /// One account.
    Account(&'a str),
}

/// Queues `kind` for the audience; returns the number of deliveries queued.
pub fn enqueue(
    tx: &Connection,
    audience: Audience<'_>,
    kind: NotificationKind,
    title: &str,
    body: &str,
) -> rusqlite::Result<(String, usize)> {
    let event = NotificationEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        kind,
    };
    let Some(category) = event.category() else {
        return Ok((event.event_id, 0));
    };
    let pref_warehouse = match (&event.kind, category.per_warehouse()) {
        (NotificationKind::StockBelowThreshold { warehouse_id, .. }, true) => warehouse_id.clone(),
        _ => String::new(),
    };
    let data = serde_json::to_string(&event.to_data()).unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO push_events(id, category, title, body, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![event.event_id, category.as_str(), title, body, data, crate::db::now()])?;
    let (audience_sql, who) = match audience {
        Audience::Warehouse(w) => (
            "r.account_id IN (SELECT account_id FROM account_warehouses WHERE warehouse_id = ?4)",
            w,
        ),
        Audience::Account(a) => ("r.account_id = ?4", a),
    };
    let sql = format!(
        "INSERT INTO push_deliveries(event_id, account_id, install_id, state, next_at)
         SELECT ?1, r.account_id, r.install_id, 'pending', 0 FROM push_registrations r
         WHERE {audience_sql}
           AND COALESCE((SELECT enabled FROM push_preferences p WHERE p.account_id = r.account_id
                          AND p.category = ?2 AND p.warehouse_id = ?3), 1) = 1
           AND EXISTS (SELECT 1 FROM device_sessions s WHERE s.account_id = r.account_id
                          AND s.install_id = r.install_id AND s.revoked_at IS NULL)"
    );
    let n = tx.prepare_cached(&sql)?.execute(params![
        event.event_id,
        category.as_str(),
        pref_warehouse,
        who
    ])?;
    Ok((event.event_id, n))
}

fn item_name(tx: &Connection, wh: &str, item: &str) -> rusqlite::Result<String> {
    Ok(tx
        .prepare_cached("SELECT name FROM inv_items WHERE warehouse_id = ?1 AND item_id = ?2")?
        .query_row(params![wh, item], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| item.to_string()))
}

/// Called by the movement-apply path after an applied movement's stock changes, inside its
/// transaction: a threshold crossed downwards notifies the warehouse once (the `below` flag
/// holds until stock is back at or above the threshold); a PO receipt notifies progress.
pub fn after_movement(tx: &Connection, m: &MovementWire) -> rusqlite::Result<()> {
    let wh = m.warehouse_id.as_str();
    let threshold: Option<(i64, bool)> = tx
        .prepare_cached(
            "SELECT threshold, below FROM push_thresholds WHERE warehouse_id = ?1 AND item_id = ?2",
        )?
        .query_row(params![wh, m.item_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((threshold, was_below)) = threshold {
        let on_hand = on_hand(tx, wh, &m.item_id)?;
        let below = on_hand < threshold;
        if below != was_below {
            tx.prepare_cached(
                "UPDATE push_thresholds SET below = ?3 WHERE warehouse_id = ?1 AND item_id = ?2",
            )?
            .execute(params![wh, m.item_id, below])?;
            if below {
                let name = item_name(tx, wh, &m.item_id)?;
                enqueue(
                    tx,
                    Audience::Warehouse(wh),
                    NotificationKind::StockBelowThreshold {
                        warehouse_id: wh.to_string(),
                        item_id: m.item_id.clone(),
                        on_hand,
                        threshold,
                    },
                    "Stock below threshold",
                    &format!("{name}: {on_hand} left in {wh} (threshold {threshold})"),
                )?;
            }
        }
    }
    if let (MovementKind::Receive, Some(line)) = (m.kind, &m.po_line_id) {
        let row: Option<(String, i64, i64)> = tx
            .prepare_cached(
                "SELECT po_number, qty_received, qty_ordered FROM inv_po_lines WHERE warehouse_id = ?1 AND po_line_id = ?2",
            )?
            .query_row(params![wh, line], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((po_number, qty_received, qty_ordered)) = row {
            let name = item_name(tx, wh, &m.item_id)?;
            enqueue(
                tx,
                Audience::Warehouse(wh),
                NotificationKind::PurchaseOrderProgress {
                    warehouse_id: wh.to_string(),
                    po_number: po_number.clone(),
                    po_line_id: line.clone(),
                    qty_received,
                    qty_ordered,
                },
                &format!("{po_number}: goods received"),
                &format!("{name}: {qty_received} of {qty_ordered} received"),
            )?;
        }
    }
    Ok(())
}

/// An item's stock over every lot and bin of the warehouse.
pub fn on_hand(tx: &Connection, wh: &str, item: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "SELECT COALESCE(SUM(qty), 0) FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2",
    )?
    .query_row(params![wh, item], |r| r.get(0))
}

/// Whether a category is one the ERP may raise directly.
pub fn erp_category(c: Category) -> bool {
    matches!(c, Category::Approval | Category::DeliveryAssignment)
}
