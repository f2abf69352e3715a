//! The push component of a signed-in account: hands the platform token to the server when
//! the lifecycle says so, keeps the preferences (editable offline), and parses what the
//! shells receive. Its state lives in the account database's `meta` table, one transaction
//! per change; the token itself is never stored (the OS hands it over on every start), only
//! a keyed fingerprint of it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::lifecycle::{self, AttemptBudget, Decision, RegisterReason, RegistrationRecord};
use super::prefs::{PreferenceSet, key};
use crate::context::AccountContext;
use crate::error::{Error, Result};
use crate::store::{Read, Store, Write};
use companion_wire::notification::NotificationEvent;
use companion_wire::push::{
    ApnsEnvironment, Category, Preference, PreferencesDoc, PushProvider, RegisterRequest,
    RegisterResponse, validate_token,
};

const META_RECORD: &str = "push.registration";
const META_BUDGET: &str = "push.attempts";
const META_KEY: &str = "push.fingerprint_key";
const META_PREFS: &str = "push.preferences";
const META_UNREGISTER: &str = "push.unregister_pending";

/// What a `register_token` call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RegisterOutcome {
    /// Unchanged and fresh: no request was made.
    UpToDate,
    Registered {
        reason: RegisterReason,
        /// The server's time of the registration.
        registered_at: SystemTime,
    },
    /// Today's attempts are spent; the shell may call again from `retry_at`.
    Throttled { retry_at: SystemTime },
}

/// The phone's view of its registration (from the local store; no request).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PushStatus {
    pub registered: bool,
    pub provider: Option<PushProvider>,
    /// Server time of the last registration.
    pub registered_at: Option<SystemTime>,
    pub attempts_today: i32,
    pub unregister_pending: bool,
    pub preferences_pending: i32,
}

#[derive(Serialize, Deserialize)]
struct StoredRecord {
    provider: PushProvider,
    fingerprint: String,
    registered_at: i64,
    registered_locally_at: i64,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredPrefs {
    server: Vec<Preference>,
    pending: Vec<Preference>,
    updated_at: i64,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The install's secret for token fingerprints, created on first use.
fn fingerprint_key(store: &Store) -> Result<Vec<u8>> {
    // The common case reads; only the first use takes the writer.
    if let Some(k) = store.read(|r| r.meta(META_KEY))? {
        return Ok(k.into_bytes());
    }
    store.write(|tx| {
        if let Some(k) = tx.meta(META_KEY)? {
            return Ok(k.into_bytes());
        }
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| Error::Internal("no randomness".into()))?;
        let k: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        tx.set_meta(META_KEY, &k)?;
        Ok(k.into_bytes())
    })
}

/// Unix seconds (the protocol's times) as a `SystemTime` for the apps.
fn secs(unix: i64) -> SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.max(0) as u64)
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

fn record(store: &Store) -> Result<Option<RegistrationRecord>> {
    Ok(store
        .read(|r| r.meta(META_RECORD))?
        .and_then(|s| serde_json::from_str::<StoredRecord>(&s).ok())
        .map(|r| RegistrationRecord {
            provider: r.provider,
            fingerprint: r.fingerprint,
            registered_at: r.registered_at,
            registered_locally_at: r.registered_locally_at,
        }))
}

fn budget(store: &Store) -> Result<AttemptBudget> {
    Ok(store
        .read(|r| r.meta(META_BUDGET))?
        .and_then(|s| {
            let (day, attempts) = s.split_once(':')?;
            Some(AttemptBudget {
                day: day.parse().ok()?,
                attempts: attempts.parse().ok()?,
            })
        })
        .unwrap_or_default())
}

fn prefs(store: &Store) -> Result<PreferenceSet> {
    store.read(prefs_in)
}

fn save_prefs(tx: &Write<'_>, set: &PreferenceSet) -> Result<()> {
    let from_map = |m: &BTreeMap<(Category, Option<String>), bool>| {
        m.iter()
            .map(|((category, warehouse_id), enabled)| Preference {
                category: *category,
                warehouse_id: warehouse_id.clone(),
                enabled: *enabled,
            })
            .collect()
    };
    let stored = StoredPrefs {
        server: from_map(&set.server),
        pending: from_map(&set.pending),
        updated_at: set.server_updated_at,
    };
    tx.set_meta(META_PREFS, &to_json(&stored)?)
}

/// The push component of the signed-in account (`companion.push()`).
pub struct PushNotifications {
    ctx: AccountContext,
}

impl PushNotifications {
    pub(crate) fn new(ctx: AccountContext) -> Arc<Self> {
        Arc::new(PushNotifications { ctx })
    }

    /// Hands over the token the OS gave (call it on every start and on every rotation).
    /// Makes a request only when the lifecycle says one is due.
    pub async fn register_token(
        &self,
        provider: PushProvider,
        token: &str,
        environment: Option<ApnsEnvironment>,
    ) -> Result<RegisterOutcome> {
        validate_token(provider, token).map_err(|why| Error::InvalidInput {
            field: "token".into(),
            reason: why.into(),
        })?;
        let store = self.ctx.store.clone();
        // One hop to the blocking pool for the local state the decision needs.
        let (key, mut budget, recorded) = {
            let this = self.ctx.store.clone();
            tokio::task::spawn_blocking(move || {
                Ok::<_, Error>((fingerprint_key(&this)?, budget(&this)?, record(&this)?))
            })
            .await??
        };
        let fingerprint = lifecycle::token_fingerprint(&key, token);
        let t = now();
        let reason = match lifecycle::decide(recorded.as_ref(), provider, &fingerprint, &budget, t)
        {
            Decision::UpToDate => return Ok(RegisterOutcome::UpToDate),
            Decision::Throttled { retry_at, .. } => {
                return Ok(RegisterOutcome::Throttled {
                    retry_at: secs(retry_at),
                });
            }
            Decision::Register(reason) => reason,
        };
        budget.record(t);
        let attempts = format!("{}:{}", budget.day, budget.attempts);
        store
            .write_blocking(move |tx| tx.set_meta(META_BUDGET, &attempts))
            .await?;
        self.flush_unregister().await?;
        let request = RegisterRequest {
            provider,
            token: token.to_string(),
            environment: if provider == PushProvider::Apns {
                environment
            } else {
                None
            },
        };
        let answer: RegisterResponse = self.ctx.api.post("/v1/push/registration", &request).await?;
        let stored = StoredRecord {
            provider,
            fingerprint,
            registered_at: answer.registered_at,
            registered_locally_at: t,
        };
        let stored = to_json(&stored)?;
        store
            .write_blocking(move |tx| tx.set_meta(META_RECORD, &stored))
            .await?;
        Ok(RegisterOutcome::Registered {
            reason,
            registered_at: secs(answer.registered_at),
        })
    }

    /// Stops notifications to this install for this account (call before signing out or
    /// deleting the account). Offline, the request is queued and `Ok(false)` returned;
    /// the server also stops sending once the session's revocation reaches it.
    pub async fn unregister(&self) -> Result<bool> {
        let store = self.ctx.store.clone();
        store
            .write_blocking(|tx| {
                tx.delete_meta(META_RECORD)?;
                tx.set_meta(META_UNREGISTER, "1")
            })
            .await?;
        match self.flush_unregister().await {
            Ok(()) => Ok(true),
            Err(e) if e.is_transient() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sends a queued unregistration, if any.
    pub async fn flush_unregister(&self) -> Result<()> {
        let store = self.ctx.store.clone();
        if store
            .read_blocking(|r| r.meta(META_UNREGISTER))
            .await?
            .is_none()
        {
            return Ok(());
        }
        self.ctx.api.post_empty::<()>("/v1/push/unregister").await?;
        store
            .write_blocking(|tx| tx.delete_meta(META_UNREGISTER))
            .await
    }

    /// The local view; makes no request.
    pub fn status(&self) -> Result<PushStatus> {
        let store = self.ctx.store.clone();
        let r = record(&store)?;
        Ok(PushStatus {
            registered: r.is_some(),
            provider: r.as_ref().map(|r| r.provider),
            registered_at: r.as_ref().map(|r| secs(r.registered_at)),
            attempts_today: (lifecycle::MAX_ATTEMPTS_PER_DAY - budget(&store)?.remaining(now()))
                as i32,
            unregister_pending: store.read(|r| r.meta(META_UNREGISTER))?.is_some(),
            preferences_pending: prefs(&store)?.pending.len() as i32,
        })
    }

    /// Every switch that is not at its default (on), counting unsynced edits.
    pub fn preferences(&self) -> Result<Vec<Preference>> {
        Ok(prefs(&self.ctx.store)?.effective())
    }

    /// Whether a category is on (for a warehouse, for stock alerts).
    pub fn is_enabled(&self, category: Category, warehouse_id: Option<&str>) -> Result<bool> {
        let k = key(category, warehouse_id).map_err(|e| Error::InvalidInput {
            field: "warehouse_id".into(),
            reason: e.to_string(),
        })?;
        Ok(prefs(&self.ctx.store)?.is_enabled(&k))
    }

    /// Switches a category on or off; works offline, sent by `sync_preferences`.
    pub fn set_preference(
        &self,
        category: Category,
        warehouse_id: Option<&str>,
        enabled: bool,
    ) -> Result<()> {
        let k = key(category, warehouse_id).map_err(|e| Error::InvalidInput {
            field: "warehouse_id".into(),
            reason: e.to_string(),
        })?;
        if let Some(w) = &k.1
            && !self.ctx.account.warehouses.iter().any(|x| &x.id == w)
        {
            return Err(Error::InvalidInput {
                field: "warehouse_id".into(),
                reason: format!("no access to warehouse {w}"),
            });
        }
        self.ctx.store.write(|tx| {
            let mut set = prefs_in(tx)?;
            set.set_local(k, enabled);
            save_prefs(tx, &set)
        })
    }

    /// Sends unsynced edits (if any) and takes the server's set.
    pub async fn sync_preferences(&self) -> Result<Vec<Preference>> {
        let store = self.ctx.store.clone();
        let sent = store
            .read_blocking(|r| prefs_in(r).map(|p| p.pending_doc()))
            .await?;
        let answer: PreferencesDoc = match &sent {
            Some(doc) => self.ctx.api.post("/v1/push/preferences", doc).await?,
            None => self.ctx.api.get("/v1/push/preferences").await?,
        };
        store
            .write_blocking(move |tx| {
                let mut set = prefs_in(tx)?;
                set.on_synced(&answer, sent.as_ref());
                save_prefs(tx, &set)?;
                Ok(set.effective())
            })
            .await
    }

    /// Parses an FCM data message (Android's `RemoteMessage.data`).
    pub fn parse_fcm(data: &BTreeMap<String, String>) -> Result<NotificationEvent> {
        NotificationEvent::from_fcm_data(data).map_err(payload_error)
    }

    /// Parses APNs userInfo as JSON text.
    pub fn parse_apns(user_info_json: &str) -> Result<NotificationEvent> {
        NotificationEvent::from_apns_user_info(user_info_json).map_err(payload_error)
    }
}

fn prefs_in(tx: &Read<'_>) -> Result<PreferenceSet> {
    let stored: StoredPrefs = tx
        .meta(META_PREFS)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let to_map = |v: Vec<Preference>| {
        v.into_iter()
            .map(|p| ((p.category, p.warehouse_id), p.enabled))
            .collect()
    };
    Ok(PreferenceSet {
        server: to_map(stored.server),
        pending: to_map(stored.pending),
        server_updated_at: stored.updated_at,
    })
}

fn payload_error(e: companion_wire::notification::PayloadError) -> Error {
    let field = match &e {
        companion_wire::notification::PayloadError::Missing { field }
        | companion_wire::notification::PayloadError::Malformed { field, .. } => field.clone(),
        companion_wire::notification::PayloadError::NotAnObject => "payload".into(),
    };
    Error::InvalidInput {
        field,
        reason: e.to_string(),
    }
}
