//! Proof of delivery on the reference server: drivers' routes, content-addressed photo
//! uploads (resumable, in parts), sealed proof submission verified against the session's
//! device key and the device's seal chain, countersigned receipts, and the read-only
//! receipt page. See `docs/proof-of-delivery.md`.

pub mod keys;
pub mod page;
pub mod photos;
pub mod proofs;
pub mod routes;
pub mod seed;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::error::ApiError;

/// Schema appended to the server migrations.
pub const MIGRATION: &str = r#"
CREATE TABLE delivery_routes (
    id TEXT PRIMARY KEY NOT NULL,
    driver_account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    warehouse_id TEXT NOT NULL,
    service_date TEXT NOT NULL
) STRICT;
CREATE INDEX delivery_routes_by_driver ON delivery_routes(driver_account_id);
-- The stop as the ERP sent it (wire `Stop` JSON without status); the PIN stays server-side.
CREATE TABLE delivery_stops (
    id TEXT PRIMARY KEY NOT NULL,
    route_id TEXT NOT NULL REFERENCES delivery_routes(id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    stop_json TEXT NOT NULL,
    pin TEXT,
    completed_proof_id TEXT
) STRICT;
CREATE INDEX delivery_stops_by_route ON delivery_stops(route_id, sequence);
-- Complete photos, by the SHA-256 of their bytes (checked when the last part arrived).
CREATE TABLE pod_photos (
    sha256 TEXT PRIMARY KEY NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
-- Parts of photos still being uploaded, per uploading account (one account's garbage
-- cannot spoil another's upload of the same photo).
CREATE TABLE pod_photo_parts (
    account_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    total_size INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, sha256, idx)
) STRICT;
CREATE TABLE pod_proofs (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    stop_id TEXT NOT NULL,
    device_public_key TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    seal_sha256 TEXT NOT NULL UNIQUE,
    record_json TEXT NOT NULL,
    seal_json TEXT NOT NULL,
    signature_png BLOB,
    receipt_json TEXT NOT NULL,
    page_token_hash TEXT NOT NULL UNIQUE,
    received_at_ms INTEGER NOT NULL,
    UNIQUE (device_public_key, sequence)
) STRICT;
-- The last accepted seal of each device key: the next one must link to it.
CREATE TABLE pod_device_chains (
    device_public_key TEXT PRIMARY KEY NOT NULL,
    sequence INTEGER NOT NULL,
    seal_sha256 TEXT NOT NULL
) STRICT;
-- The server's receipt-signing key and the secret receipt-page tokens derive from.
CREATE TABLE pod_server_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pkcs8 BLOB NOT NULL,
    page_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
"#;

/// The `/v1/deliveries/...` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deliveries/routes", get(routes::list))
        .route("/deliveries/photos/{sha256}", get(photos::status))
        .route(
            "/deliveries/photos/{sha256}/parts/{index}",
            post(photos::upload_part),
        )
        .route("/deliveries/proofs", post(proofs::submit))
        .route(
            "/deliveries/proofs/{proof_id}/receipt",
            get(proofs::receipt),
        )
        .route("/deliveries/receipt-pages/{token}", get(page::show))
}

/// The error answer for a refused proof: its own code and status.
pub fn rejection(r: companion_wire::deliveries::ProofRejection) -> ApiError {
    use axum::http::StatusCode;
    let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let message = r.to_string();
    ApiError {
        status,
        code: r.code(),
        message,
        field: r.field(),
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
