//! Inventory on the reference server: the movement ledger (idempotent by movement id),
//! stock derived from it, and a per-warehouse change feed for the devices.
//!
//! Every change to replicated data takes the next value of one global feed `version`
//! (`inv_state.version`) inside the transaction that makes it; transactions are serialised
//! on the single connection, so feed order is commit order and a prefix of the feed is a
//! consistent snapshot. See `docs/sync-protocol.md`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use companion_wire::inventory::rules::{
    Catalogue, MovementRef, Rejection, check_available, check_catalogue, check_shape,
};
use companion_wire::inventory::{
    CURSOR_UNKNOWN, ChangesPage, Cursor, ItemRow, LocationRow, LotRow, MAX_PAGE_ROWS,
    MAX_PUSH_BATCH, MovementKind, MovementResult, MovementWire, PoLineRow, PushRequest,
    PushResponse, PushStatus, StockRow, format_checksum, reject, stock_checksum_add,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::{ApiError, codes};
use crate::limits::{MAX_CURSOR_LEN, MAX_ID_LEN, MAX_ORIGIN_LEN, check_len};

/// Schema appended to the server migrations.
pub const MIGRATION: &str = r#"
CREATE TABLE inv_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    version INTEGER NOT NULL
) STRICT;
INSERT INTO inv_state(id, epoch, version) VALUES (1, lower(hex(randomblob(6))), 0);
CREATE TABLE inv_scope (
    warehouse_id TEXT PRIMARY KEY NOT NULL,
    checksum INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE inv_items (
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, sku TEXT NOT NULL, name TEXT NOT NULL,
    unit TEXT NOT NULL, barcodes TEXT NOT NULL, variety TEXT NOT NULL, grade TEXT NOT NULL,
    origin TEXT NOT NULL, pack_size TEXT NOT NULL, archived INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) STRICT;
CREATE INDEX inv_items_feed ON inv_items(warehouse_id, version);
CREATE TABLE inv_locations (
    warehouse_id TEXT NOT NULL, location_id TEXT NOT NULL, zone TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, location_id)
) STRICT;
CREATE INDEX inv_locations_feed ON inv_locations(warehouse_id, version);
CREATE TABLE inv_lots (
    warehouse_id TEXT NOT NULL, lot_id TEXT NOT NULL, item_id TEXT NOT NULL,
    pack_date TEXT NOT NULL, expiry_date TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, lot_id)
) STRICT;
CREATE INDEX inv_lots_feed ON inv_lots(warehouse_id, version);
CREATE TABLE inv_stock (
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, lot_id TEXT NOT NULL, location_id TEXT NOT NULL,
    qty INTEGER NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id, lot_id, location_id)
) STRICT;
CREATE INDEX inv_stock_feed ON inv_stock(warehouse_id, version);
CREATE TABLE inv_po_lines (
    warehouse_id TEXT NOT NULL, po_line_id TEXT NOT NULL, po_number TEXT NOT NULL, supplier TEXT NOT NULL,
    item_id TEXT NOT NULL, qty_ordered INTEGER NOT NULL, qty_received INTEGER NOT NULL,
    open INTEGER NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, po_line_id)
) STRICT;
CREATE INDEX inv_po_lines_feed ON inv_po_lines(warehouse_id, version);
-- Every movement ever pushed, with its verdict: the idempotency record.
CREATE TABLE inv_movements (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_seq INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    version INTEGER,
    code TEXT,
    reason TEXT,
    applied_delta INTEGER,
    received_at INTEGER NOT NULL
) STRICT;
-- The stock ledger: stock = sum of deltas per item x lot x location.
CREATE TABLE inv_ledger (
    movement_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL, item_id TEXT NOT NULL, lot_id TEXT NOT NULL, location_id TEXT NOT NULL,
    delta INTEGER NOT NULL,
    version INTEGER NOT NULL,
    origin TEXT NOT NULL,
    origin_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX inv_ledger_key ON inv_ledger(warehouse_id, item_id, lot_id, location_id, version);
CREATE INDEX inv_ledger_movement ON inv_ledger(movement_id);
"#;

/// Movement ids are per account (one account cannot see, or pre-empt, another's movement by
/// learning its id) and stored in the normalised form (lowercase hyphenated UUID).
pub const MOVEMENTS_PER_ACCOUNT_MIGRATION: &str = r#"
CREATE TABLE inv_movements_v2 (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_seq INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    version INTEGER,
    code TEXT,
    reason TEXT,
    applied_delta INTEGER,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
) STRICT;
INSERT OR IGNORE INTO inv_movements_v2
    SELECT account_id, lower(id), origin, origin_seq, warehouse_id, kind, body, status, version,
           code, reason, applied_delta, received_at FROM inv_movements;
DROP TABLE inv_movements;
ALTER TABLE inv_movements_v2 RENAME TO inv_movements;
-- For the per-account cap on stored rejections (oldest are forgotten first).
CREATE INDEX inv_movements_rejected ON inv_movements(account_id, received_at) WHERE status = 'rejected';
"#;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inventory/movements", post(push))
        .route("/inventory/changes", get(changes))
}

/// The server epoch and current head of the feed.
pub fn head(conn: &Connection) -> rusqlite::Result<(String, i64)> {
    conn.query_row(
        "SELECT epoch, version FROM inv_state WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Takes the next feed version (inside the caller's transaction).
pub fn next_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE inv_state SET version = version + 1 WHERE id = 1 RETURNING version",
        [],
        |r| r.get(0),
    )
}

/// Takes `n` consecutive versions; returns the first.
pub fn reserve_versions(conn: &Connection, n: i64) -> rusqlite::Result<i64> {
    let last: i64 = conn.query_row(
        "UPDATE inv_state SET version = version + ?1 WHERE id = 1 RETURNING version",
        [n],
        |r| r.get(0),
    )?;
    Ok(last - n + 1)
}

fn scope_checksum(conn: &Connection, warehouse: &str) -> rusqlite::Result<u64> {
    Ok(conn
        .query_row(
            "SELECT checksum FROM inv_scope WHERE warehouse_id = ?1",
            [warehouse],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0) as u64)
}

pub fn set_scope_checksum(conn: &Connection, warehouse: &str, sum: u64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO inv_scope(warehouse_id, checksum) VALUES (?1, ?2)
         ON CONFLICT(warehouse_id) DO UPDATE SET checksum = excluded.checksum",
        params![warehouse, sum as i64],
    )?;
    Ok(())
}

/// `POST /v1/inventory/movements`
async fn push(
    State(state): State<AppState>,
    caller: AuthedAccount,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<PushResponse>, ApiError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "expected a body of type application/json",
        ));
    }
    // Decoded here rather than by the `Json` extractor so that a malformed batch gets the
    // protocol's error body naming what is wrong.
    let mut req = decode_push(&body)?;
    check_len("origin", &req.origin, 1, MAX_ORIGIN_LEN)?;
    if req.origin.trim().is_empty() {
        return Err(ApiError::invalid("origin", "must not be blank"));
    }
    if req.movements.len() > MAX_PUSH_BATCH {
        return Err(ApiError::invalid(
            "movements",
            format!("at most {MAX_PUSH_BATCH} movements per push"),
        ));
    }
    // The ids as sent, for the answer; from here on the movements carry normalised ids.
    let mut sent_ids = Vec::with_capacity(req.movements.len());
    for (i, m) in req.movements.iter_mut().enumerate() {
        check_movement(i, m)?;
        let normalised = normalise_movement_id(&m.id).ok_or_else(|| {
            ApiError::invalid(
                &format!("movements[{i}].id"),
                "must be a UUID (8-4-4-4-12 hexadecimal digits)",
            )
        })?;
        sent_ids.push(std::mem::replace(&mut m.id, normalised));
    }
    let max_rejections = state.config.max_stored_rejections;
    let results = state
        .db
        .call(move |conn| {
            // The ledger's statements outnumber rusqlite's default cache of 16.
            conn.set_prepared_statement_cache_capacity(128);
            let tx = conn.transaction()?;
            let mut results = Vec::with_capacity(req.movements.len());
            let mut batch = Batch {
                version: head(&tx)?.1,
                sums: Default::default(),
            };
            let start_version = batch.version;
            let mut stored_rejection = false;
            for (i, m) in req.movements.iter().enumerate() {
                let (result, stored) = apply_once(&tx, &caller, &req.origin, i, m, &mut batch)?;
                stored_rejection |= stored;
                results.push(result);
            }
            if stored_rejection {
                forget_old_rejections(&tx, &caller.account_id, max_rejections)?;
            }
            for (warehouse, sum) in &batch.sums {
                set_scope_checksum(&tx, warehouse, *sum)?;
            }
            if batch.version != start_version {
                tx.execute(
                    "UPDATE inv_state SET version = ?1 WHERE id = 1",
                    [batch.version],
                )?;
            }
            tx.commit()?;
            Ok(results)
        })
        .await?;
    let results = results
        .into_iter()
        .zip(sent_ids)
        .map(|(mut r, id)| {
            r.id = id;
            r
        })
        .collect();
    state.push.wake();
    Ok(Json(PushResponse { results }))
}

/// Decodes a push (integral floats accepted, as JSON Schema calls them integers).
fn decode_push(body: &[u8]) -> Result<PushRequest, ApiError> {
    crate::error::decode_body(body, "movements", "push")
}

/// Feed head and scope checksums, kept in memory for the length of one push transaction
/// (every movement changes them) and written once at its end.
struct Batch {
    version: i64,
    sums: std::collections::HashMap<String, u64>,
}

/// The lowercase hyphenated form of a UUID in any of the usual spellings (upper case,
/// braces, `urn:uuid:`, no hyphens); `None` if it is not a UUID.
pub fn normalise_movement_id(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// Length limits of a movement's strings (an id of megabytes would be stored and echoed).
fn check_movement(i: usize, m: &MovementWire) -> Result<(), ApiError> {
    let f = |name: &str| format!("movements[{i}].{name}");
    check_len(&f("id"), &m.id, 1, MAX_ID_LEN)?;
    check_len(&f("warehouse_id"), &m.warehouse_id, 1, MAX_ID_LEN)?;
    check_len(&f("item_id"), &m.item_id, 1, MAX_ID_LEN)?;
    check_len(&f("lot_id"), &m.lot_id, 1, MAX_ID_LEN)?;
    check_len(&f("location_id"), &m.location_id, 1, MAX_ID_LEN)?;
    if let Some(to) = &m.to_location_id {
        check_len(&f("to_location_id"), to, 1, MAX_ID_LEN)?;
    }
    if let Some(po) = &m.po_line_id {
        check_len(&f("po_line_id"), po, 1, MAX_ID_LEN)?;
    }
    Ok(())
}

/// Keeps at most `cap` stored rejections per account, forgetting the oldest: rejections are
/// kept only so that a retried push gets the same answer, which matters for recent ones.
fn forget_old_rejections(tx: &Transaction<'_>, account: &str, cap: usize) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "DELETE FROM inv_movements WHERE rowid IN (
             SELECT rowid FROM inv_movements WHERE account_id = ?1 AND status = 'rejected'
             ORDER BY received_at DESC, rowid DESC LIMIT -1 OFFSET ?2)",
    )?
    .execute(params![account, cap as i64])?;
    Ok(())
}

/// A movement's recorded verdict and the body it was recorded with.
fn stored_result(
    tx: &Transaction<'_>,
    account: &str,
    id: &str,
) -> rusqlite::Result<Option<(MovementResult, String)>> {
    tx.prepare_cached(
        "SELECT status, version, code, reason, applied_delta, body FROM inv_movements
         WHERE account_id = ?1 AND id = ?2",
    )?
    .query_row([account, id], |r| {
        let status: String = r.get(0)?;
        Ok((
            MovementResult {
                id: id.to_string(),
                status: if status == "applied" {
                    PushStatus::Applied
                } else {
                    PushStatus::Rejected
                },
                version: r.get(1)?,
                code: r.get(2)?,
                reason: r.get(3)?,
                applied_delta: r.get(4)?,
            },
            r.get(5)?,
        ))
    })
    .optional()
}

/// Whether a stored body is the same movement as `m` (ids compared in normalised form, as
/// bodies stored before normalisation carry the id as it was sent).
fn same_movement(stored_body: &str, m: &MovementWire) -> bool {
    let Ok(mut stored) = serde_json::from_str::<MovementWire>(stored_body) else {
        return false;
    };
    stored.id = normalise_movement_id(&stored.id).unwrap_or(stored.id);
    serde_json::to_value(&stored).ok() == serde_json::to_value(m).ok()
}

/// Applies a movement unless this account sent it before, in which case the recorded
/// verdict is returned: this is what makes every movement take effect exactly once. The
/// caller's access to the warehouse is checked first: a movement for a warehouse the account
/// cannot reach is refused without a lookup and without being stored. Returns the verdict
/// and whether a rejection was stored.
fn apply_once(
    tx: &Transaction<'_>,
    caller: &AuthedAccount,
    origin: &str,
    index: usize,
    m: &MovementWire,
    batch: &mut Batch,
) -> Result<(MovementResult, bool), ApiError> {
    if !caller.warehouses.contains(&m.warehouse_id) {
        return Ok((
            MovementResult {
                id: m.id.clone(),
                status: PushStatus::Rejected,
                version: None,
                code: Some(reject::FORBIDDEN.to_string()),
                reason: Some(format!("no access to warehouse {}", m.warehouse_id)),
                applied_delta: None,
            },
            false,
        ));
    }
    if let Some((done, body)) = stored_result(tx, &caller.account_id, &m.id)? {
        if !same_movement(&body, m) {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                codes::CONFLICT,
                format!(
                    "movement {} was already received with different contents; a new movement needs a new id",
                    m.id
                ),
            );
            e.field = Some(format!("movements[{index}].id"));
            return Err(e);
        }
        return Ok((done, false));
    }
    let verdict = match evaluate(tx, caller, origin, m, batch.version)? {
        Ok(effects) => {
            batch.version += 1;
            let version = batch.version;
            let mut sum = match batch.sums.get(&m.warehouse_id) {
                Some(sum) => *sum,
                None => scope_checksum(tx, &m.warehouse_id)?,
            };
            for (i, e) in effects.deltas.iter().enumerate() {
                // The first effect's bin was read while evaluating.
                let known = if i == 0 { Some(effects.current) } else { None };
                sum = apply_delta(
                    tx,
                    &m.warehouse_id,
                    &m.item_id,
                    &m.lot_id,
                    &e.0,
                    e.1,
                    version,
                    &m.id,
                    origin,
                    m.origin_seq,
                    sum,
                    known,
                )?;
            }
            batch.sums.insert(m.warehouse_id.clone(), sum);
            if let (Some(po), MovementKind::Receive) = (&m.po_line_id, m.kind) {
                tx.execute(
                    "UPDATE inv_po_lines SET qty_received = qty_received + ?3,
                         open = (qty_received + ?3 < qty_ordered), version = ?4
                     WHERE warehouse_id = ?1 AND po_line_id = ?2",
                    params![m.warehouse_id, po, m.qty, version],
                )?;
            }
            crate::push::events::after_movement(tx, m)?;
            let applied_delta =
                (m.kind == MovementKind::Count).then(|| effects.deltas.first().map_or(0, |d| d.1));
            MovementResult {
                id: m.id.clone(),
                status: PushStatus::Applied,
                version: Some(version),
                code: None,
                reason: None,
                applied_delta,
            }
        }
        Err((code, reason)) => MovementResult {
            id: m.id.clone(),
            status: PushStatus::Rejected,
            version: None,
            code: Some(code.to_string()),
            reason: Some(reason),
            applied_delta: None,
        },
    };
    let body = serde_json::to_string(m).map_err(|e| ApiError::internal(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO inv_movements(id, account_id, origin, origin_seq, warehouse_id, kind, body, status, version, code, reason, applied_delta, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        m.id,
        caller.account_id,
        origin,
        m.origin_seq,
        m.warehouse_id,
        m.kind.as_str(),
        body,
        if verdict.status == PushStatus::Applied { "applied" } else { "rejected" },
        verdict.version,
        verdict.code,
        verdict.reason,
        verdict.applied_delta,
        crate::db::now(),
    ])?;
    let rejected = verdict.status == PushStatus::Rejected;
    Ok((verdict, rejected))
}

#[allow(clippy::too_many_arguments)]
fn apply_delta(
    tx: &Transaction<'_>,
    wh: &str,
    item: &str,
    lot: &str,
    loc: &str,
    delta: i64,
    version: i64,
    movement_id: &str,
    origin: &str,
    origin_seq: i64,
    sum: u64,
    known_old: Option<Option<i64>>,
) -> rusqlite::Result<u64> {
    let old = match known_old {
        Some(old) => old,
        None => current_qty(tx, wh, item, lot, loc)?,
    };
    let new = old.unwrap_or(0) + delta;
    tx.prepare_cached(
        "INSERT INTO inv_stock(warehouse_id, item_id, lot_id, location_id, qty, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(warehouse_id, item_id, lot_id, location_id) DO UPDATE SET qty = excluded.qty, version = excluded.version",
    )?
    .execute(params![wh, item, lot, loc, new, version])?;
    tx.prepare_cached(
        "INSERT INTO inv_ledger(movement_id, warehouse_id, item_id, lot_id, location_id, delta, version, origin, origin_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![movement_id, wh, item, lot, loc, delta, version, origin, origin_seq])?;
    Ok(stock_checksum_add(sum, item, lot, loc, old, new))
}

fn current_qty(
    conn: &Connection,
    wh: &str,
    item: &str,
    lot: &str,
    loc: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT qty FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
    )?
    .query_row(params![wh, item, lot, loc], |r| r.get(0))
    .optional()
}

struct Effects {
    /// (location, delta); the item and lot are the movement's.
    deltas: Vec<(String, i64)>,
    /// The stock row of the first delta's bin before the movement (None: no row yet).
    current: Option<i64>,
}

type Verdict = Result<Effects, (&'static str, String)>;

/// The server's catalogue, for the movement rules both sides share
/// (`companion_wire::inventory::rules`).
struct ServerCatalogue<'a>(&'a Connection);

impl Catalogue for ServerCatalogue<'_> {
    type Error = rusqlite::Error;

    fn item_archived(&self, wh: &str, item: &str) -> rusqlite::Result<Option<bool>> {
        self.0
            .prepare_cached(
                "SELECT archived FROM inv_items WHERE warehouse_id = ?1 AND item_id = ?2",
            )?
            .query_row(params![wh, item], |r| r.get(0))
            .optional()
    }

    fn lot_item(&self, wh: &str, lot: &str) -> rusqlite::Result<Option<String>> {
        self.0
            .prepare_cached("SELECT item_id FROM inv_lots WHERE warehouse_id = ?1 AND lot_id = ?2")?
            .query_row(params![wh, lot], |r| r.get(0))
            .optional()
    }

    fn bin_open(&self, wh: &str, bin: &str) -> rusqlite::Result<bool> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT 1 FROM inv_locations WHERE warehouse_id = ?1 AND location_id = ?2 AND archived = 0",
            )?
            .query_row(params![wh, bin], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn po_line_item(&self, wh: &str, po: &str) -> rusqlite::Result<Option<String>> {
        self.0
            .prepare_cached(
                "SELECT item_id FROM inv_po_lines WHERE warehouse_id = ?1 AND po_line_id = ?2",
            )?
            .query_row(params![wh, po], |r| r.get(0))
            .optional()
    }
}

fn movement_ref(m: &MovementWire) -> MovementRef<'_> {
    MovementRef {
        warehouse_id: &m.warehouse_id,
        kind: m.kind,
        item_id: &m.item_id,
        lot_id: &m.lot_id,
        location_id: &m.location_id,
        to_location_id: m.to_location_id.as_deref(),
        qty: m.qty,
        reason: m.reason,
        po_line_id: m.po_line_id.as_deref(),
    }
}

/// Decides a new movement's fate against the current state. `Err` of the outer result is
/// a server failure; the inner `Err` is a rejection with its code.
fn evaluate(
    tx: &Transaction<'_>,
    caller: &AuthedAccount,
    origin: &str,
    m: &MovementWire,
    head_version: i64,
) -> Result<Verdict, ApiError> {
    let wh = m.warehouse_id.as_str();
    if !caller.warehouses.iter().any(|w| w == wh) {
        return Ok(Err((
            reject::FORBIDDEN,
            format!("no access to warehouse {wh}"),
        )));
    }
    let movement = movement_ref(m);
    let refuse = |r: Rejection| Ok(Err((r.code, r.reason)));
    if let Err(r) = check_shape(&movement) {
        return refuse(r);
    }
    if let Err(r) = check_catalogue(&ServerCatalogue(tx), &movement)? {
        return refuse(r);
    }
    let current_row = current_qty(tx, wh, &m.item_id, &m.lot_id, &m.location_id)?;
    let current = current_row.unwrap_or(0);
    let deltas = match m.kind {
        MovementKind::Receive | MovementKind::Adjust => vec![(m.location_id.clone(), m.qty)],
        MovementKind::Move => {
            let to = m.to_location_id.clone().unwrap_or_default();
            vec![(m.location_id.clone(), -m.qty), (to, m.qty)]
        }
        MovementKind::Pick => vec![(m.location_id.clone(), -m.qty)],
        MovementKind::Count => {
            let Some(observed) = m
                .observed_version
                .filter(|v| (0..=head_version).contains(v))
            else {
                return Ok(Err((
                    reject::INVALID,
                    "a count needs the feed version the counter had seen".into(),
                )));
            };
            // What the counter saw: the ledger up to the version it had pulled, plus its own
            // earlier movements (which it had seen on its screen) applied after that.
            let seen: i64 = tx
                .prepare_cached(
                    "SELECT COALESCE(SUM(delta), 0) FROM inv_ledger
                     WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4
                       AND (version <= ?5 OR (origin = ?6 AND origin_seq < ?7))",
                )?
                .query_row(
                    params![
                        wh,
                        m.item_id,
                        m.lot_id,
                        m.location_id,
                        observed,
                        origin,
                        m.origin_seq
                    ],
                    |r| r.get(0),
                )?;
            // Movements the counter had not seen stay on top; a count never drives stock
            // below zero (the physical count wins over stale picks).
            let delta = (m.qty - seen).max(-current);
            vec![(m.location_id.clone(), delta)]
        }
    };
    if let Err(r) = check_available(&movement, current, deltas[0].1) {
        return refuse(r);
    }
    Ok(Ok(Effects {
        deltas,
        current: current_row,
    }))
}

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    cursor: String,
    limit: Option<u32>,
    #[serde(default)]
    with_total: bool,
}

/// `GET /v1/inventory/changes`
async fn changes(
    State(state): State<AppState>,
    caller: AuthedAccount,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChangesPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    if q.warehouse.is_empty() {
        return Err(ApiError::invalid("warehouse", "which warehouse's changes?"));
    }
    check_len("warehouse", &q.warehouse, 1, MAX_ID_LEN)?;
    check_len("cursor", &q.cursor, 0, MAX_CURSOR_LEN)?;
    caller.require_warehouse(&q.warehouse)?;
    let cursor =
        Cursor::parse(&q.cursor).ok_or_else(|| ApiError::invalid("cursor", "malformed cursor"))?;
    let limit = q.limit.unwrap_or(5000);
    if !(10..=MAX_PAGE_ROWS).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 10 to {MAX_PAGE_ROWS}"),
        ));
    }
    let limit = limit as usize;
    let page = state
        .db
        .call(move |conn| read_page(conn, &q.warehouse, &cursor, limit, q.with_total))
        .await?;
    Ok(Json(page))
}

fn cursor_unknown(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        CURSOR_UNKNOWN,
        format!("{detail}; download the scope again"),
    )
}

/// One page of the feed: the `limit` lowest-versioned rows after the cursor across the
/// replicated tables, never splitting one version across pages.
pub fn read_page(
    conn: &Connection,
    wh: &str,
    cursor: &Cursor,
    limit: usize,
    with_total: bool,
) -> Result<ChangesPage, ApiError> {
    conn.set_prepared_statement_cache_capacity(128);
    let (epoch, head_version) = head(conn)?;
    if !cursor.epoch.is_empty() && cursor.epoch != epoch {
        return Err(cursor_unknown("the cursor is from another server epoch"));
    }
    if cursor.version > head_version {
        return Err(cursor_unknown("the cursor is ahead of the server"));
    }
    let since = cursor.version;
    let lim = limit as i64;
    let mut items: Vec<ItemRow> = conn
        .prepare_cached(
            "SELECT item_id, sku, name, unit, barcodes, variety, grade, origin, pack_size, archived, version
             FROM inv_items WHERE warehouse_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?
        .query_map(params![wh, since, lim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut locations: Vec<LocationRow> = conn
        .prepare_cached(
            "SELECT location_id, zone, archived, version FROM inv_locations
             WHERE warehouse_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?
        .query_map(params![wh, since, lim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut lots: Vec<LotRow> = conn
        .prepare_cached(
            "SELECT lot_id, item_id, pack_date, expiry_date, version FROM inv_lots
             WHERE warehouse_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?
        .query_map(params![wh, since, lim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stock: Vec<StockRow> = conn
        .prepare_cached(
            "SELECT item_id, lot_id, location_id, qty, version FROM inv_stock
             WHERE warehouse_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?
        .query_map(params![wh, since, lim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut po_lines: Vec<PoLineRow> = conn
        .prepare_cached(
            "SELECT po_line_id, po_number, supplier, item_id, qty_ordered, qty_received, open, version FROM inv_po_lines
             WHERE warehouse_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?
        .query_map(params![wh, since, lim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })?
        .collect::<rusqlite::Result<_>>()?;

    // Every table returned its lowest rows; the page is the `limit` lowest of their union.
    let mut versions: Vec<i64> = Vec::with_capacity(
        items.len() + locations.len() + lots.len() + stock.len() + po_lines.len(),
    );
    versions.extend(items.iter().map(|r| r.10));
    versions.extend(locations.iter().map(|r| r.3));
    versions.extend(lots.iter().map(|r| r.4));
    versions.extend(stock.iter().map(|r| r.4));
    versions.extend(po_lines.iter().map(|r| r.7));
    let truncated_tables: Vec<i64> = [
        (items.len(), items.last().map(|r| r.10)),
        (locations.len(), locations.last().map(|r| r.3)),
        (lots.len(), lots.last().map(|r| r.4)),
        (stock.len(), stock.last().map(|r| r.4)),
        (po_lines.len(), po_lines.last().map(|r| r.7)),
    ]
    .iter()
    .filter(|(n, _)| *n == limit)
    .filter_map(|(_, last)| *last)
    .collect();
    let (cutoff, has_more) = if versions.len() <= limit && truncated_tables.is_empty() {
        (head_version, false)
    } else {
        versions.sort_unstable();
        let mut cutoff = versions[limit.min(versions.len()) - 1];
        // A table cut off exactly at `cutoff` may hold more rows of that same version:
        // leave the whole version for the next page (a version has at most a few rows).
        if truncated_tables.contains(&cutoff) {
            cutoff -= 1;
        }
        if cutoff <= since {
            return Err(ApiError::internal(
                "page limit too small for one feed version",
            ));
        }
        (cutoff, true)
    };
    items.retain(|r| r.10 <= cutoff);
    locations.retain(|r| r.3 <= cutoff);
    lots.retain(|r| r.4 <= cutoff);
    stock.retain(|r| r.4 <= cutoff);
    po_lines.retain(|r| r.7 <= cutoff);
    let total = if with_total {
        Some(count_after(conn, wh, since)?)
    } else {
        None
    };
    let checksum = if has_more {
        None
    } else {
        Some(format_checksum(scope_checksum(conn, wh)?))
    };
    Ok(ChangesPage {
        warehouse_id: wh.to_string(),
        cursor: Cursor {
            epoch,
            version: cutoff,
        }
        .encode(),
        has_more,
        total,
        checksum,
        items,
        locations,
        lots,
        stock,
        po_lines,
    })
}

fn count_after(conn: &Connection, wh: &str, since: i64) -> rusqlite::Result<u64> {
    let mut total = 0u64;
    for table in [
        "inv_items",
        "inv_locations",
        "inv_lots",
        "inv_stock",
        "inv_po_lines",
    ] {
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM {table} WHERE warehouse_id = ?1 AND version > ?2"
            ))?
            .query_row(params![wh, since], |r| r.get(0))?;
        total += n as u64;
    }
    Ok(total)
}

/// Consistency checks for tests: per warehouse, every stock row equals the sum of its
/// ledger, and the maintained checksum equals the recomputed one. Returns the problems.
pub fn audit(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT s.warehouse_id, s.item_id, s.lot_id, s.location_id, s.qty,
                (SELECT COALESCE(SUM(delta), 0) FROM inv_ledger l WHERE l.warehouse_id = s.warehouse_id
                   AND l.item_id = s.item_id AND l.lot_id = s.lot_id AND l.location_id = s.location_id)
         FROM inv_stock s",
    )?;
    let mut sums: std::collections::BTreeMap<String, u64> = Default::default();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    for row in rows {
        let (wh, item, lot, loc, qty, ledger) = row?;
        if qty != ledger {
            problems.push(format!(
                "{wh}/{item}/{lot}/{loc}: stock {qty} != ledger {ledger}"
            ));
        }
        if qty < 0 {
            problems.push(format!("{wh}/{item}/{lot}/{loc}: negative stock {qty}"));
        }
        let sum = sums.entry(wh).or_default();
        *sum = stock_checksum_add(*sum, &item, &lot, &loc, None, qty);
    }
    for (wh, sum) in sums {
        let kept = scope_checksum(conn, &wh)?;
        if kept != sum {
            problems.push(format!("{wh}: checksum {kept:x} != recomputed {sum:x}"));
        }
    }
    let orphans: i64 = conn.query_row(
        "SELECT count(*) FROM inv_ledger l WHERE l.movement_id NOT LIKE 'seed:%'
         AND NOT EXISTS (SELECT 1 FROM inv_movements m WHERE m.id = l.movement_id AND m.status = 'applied')",
        [],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        problems.push(format!("{orphans} ledger rows without an applied movement"));
    }
    Ok(problems)
}
