//! Push notifications on the reference server: registrations per account and install,
//! preferences per category, events raised by real changes (stock below a threshold, PO
//! receipts) or by the ERP, and a dispatcher that delivers them through FCM and APNs.
//!
//! Tokens are sealed at rest (AES-256-GCM under a key file next to the database) with a
//! SHA-256 hash beside them for lookups; they never reach a log line.

pub mod dispatch;
pub mod erp;
pub mod events;
pub mod registry;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub use dispatch::{DispatchReport, PushService};

/// Registrations not refreshed for this long are pruned (FCM considers tokens stale after
/// 270 days of inactivity).
pub const IDLE_PRUNE_AFTER_SECS: i64 = 270 * 24 * 3600;

/// A clock in unix seconds; tests inject their own.
#[derive(Clone)]
pub struct Clock(pub Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(crate::db::now))
    }
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// FCM: a service-account JSON key file and the send endpoint (Google's, or a stand-in).
#[derive(Debug, Clone)]
pub struct FcmSettings {
    pub service_account_path: PathBuf,
    pub send_base_url: String,
}

/// APNs: the `.p8` key file, its ids, the app's topic and the endpoints.
#[derive(Debug, Clone)]
pub struct ApnsSettings {
    pub key_path: PathBuf,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
    pub production_url: String,
    pub sandbox_url: String,
}

/// Push configuration of the server.
#[derive(Debug, Clone)]
pub struct PushConfig {
    pub fcm: Option<FcmSettings>,
    pub apns: Option<ApnsSettings>,
    /// The key the ERP presents on `/v1/erp/push/…`; those endpoints refuse everyone when unset.
    pub erp_api_key: Option<String>,
    /// The token-sealing key file; created (0600) on first start. Default: next to the database.
    pub token_key_path: Option<PathBuf>,
    pub clock: Clock,
    /// Start the background dispatcher (tests that step it by hand turn this off).
    pub background_dispatch: bool,
    /// Concurrent provider requests.
    pub concurrency: usize,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            fcm: None,
            apns: None,
            erp_api_key: None,
            token_key_path: None,
            clock: Clock::system(),
            background_dispatch: true,
            concurrency: 64,
        }
    }
}

/// Schema appended to the server migrations.
pub const MIGRATION: &str = r#"
CREATE TABLE push_registrations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    install_id TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('fcm', 'apns')),
    environment TEXT NOT NULL,
    -- nonce || AES-256-GCM(token): the dispatcher needs the token, a leaked file must not give it.
    token_sealed BLOB NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    registered_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, install_id)
) STRICT;
CREATE TABLE push_preferences (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, category, warehouse_id)
) STRICT;
-- Thresholds and whether the item is currently below (one notification per crossing).
CREATE TABLE push_thresholds (
    warehouse_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    below INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) STRICT;
CREATE TABLE push_events (
    id TEXT PRIMARY KEY NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
-- One row per event and device; the dispatcher works through the pending ones.
CREATE TABLE push_deliveries (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES push_events(id),
    account_id TEXT NOT NULL,
    install_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead', 'rejected', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    provider_message_id TEXT
) STRICT;
CREATE INDEX push_deliveries_due ON push_deliveries(state, next_at);
CREATE TABLE push_attempts (
    delivery_id INTEGER NOT NULL REFERENCES push_deliveries(id),
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX push_attempts_delivery ON push_attempts(delivery_id);
"#;

/// The phone-facing and ERP-facing routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/push/registration",
            post(registry::register).get(registry::status),
        )
        .route("/push/unregister", post(registry::unregister))
        .route(
            "/push/preferences",
            get(registry::get_preferences).post(registry::set_preferences),
        )
        .route("/erp/push/events", post(erp::raise_event))
        .route("/erp/push/thresholds", post(erp::set_threshold))
}
