-- The driver's routes and stops as last downloaded (replaced as a whole by each download).
CREATE TABLE pod_route (
    id TEXT PRIMARY KEY NOT NULL,
    warehouse_id TEXT NOT NULL,
    service_date TEXT NOT NULL,
    downloaded_at_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE pod_stop (
    id TEXT PRIMARY KEY NOT NULL,
    route_id TEXT NOT NULL REFERENCES pod_route(id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    -- The wire `Stop` as the server sent it.
    stop_json TEXT NOT NULL
) STRICT;
CREATE INDEX pod_stop_by_route ON pod_stop(route_id, sequence);
-- One proof per stop, from its first capture step to the server's receipt. The draft is
-- rewritten after every capture step; sealing freezes the record and its seal; the receipt
-- settles it. Never deleted before the receipt.
CREATE TABLE pod_capture (
    stop_id TEXT PRIMARY KEY NOT NULL,
    route_id TEXT NOT NULL,
    -- Device-generated UUID: the submission's idempotency key.
    proof_id TEXT NOT NULL UNIQUE,
    -- The stop as it was when the capture started (policy, point, manifest).
    stop_json TEXT NOT NULL,
    draft_json TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sealed', 'uploaded', 'rejected')),
    started_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    -- Set when sealed.
    device_public_key TEXT,
    seal_sequence INTEGER,
    record_json TEXT,
    seal_json TEXT,
    sealed_at_ms INTEGER,
    -- Set when the server answered for good.
    receipt_json TEXT,
    reject_code TEXT,
    reject_reason TEXT,
    settled_at_ms INTEGER,
    -- Upload attempts that failed for a transient reason, and the last one's error.
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
) STRICT;
CREATE UNIQUE INDEX pod_capture_seal ON pod_capture(device_public_key, seal_sequence)
    WHERE seal_sequence IS NOT NULL;
CREATE INDEX pod_capture_queue ON pod_capture(state, seal_sequence);
-- The kept photos of each capture, in order; their bytes are sealed files named by hash.
CREATE TABLE pod_photo (
    stop_id TEXT NOT NULL REFERENCES pod_capture(stop_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    -- The server holds the whole photo (checked by its hash).
    uploaded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stop_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX pod_photo_by_hash ON pod_photo(sha256);
