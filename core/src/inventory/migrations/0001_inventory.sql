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
