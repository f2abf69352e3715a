//! The dispatcher: works through due deliveries, sends them concurrently through the
//! configured providers, and records every attempt. Dead tokens are removed, a provider that
//! rate-limits is paused for as long as it asks, transient failures back off exponentially,
//! and registrations idle for over 270 days are pruned.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use companion_push_providers::apns::{ApnsClient, ApnsConfig, ApnsEnvironment};
use companion_push_providers::fcm::{FcmClient, FcmConfig, ServiceAccount};
use companion_push_providers::{PushMessage, SendOutcome};
use futures_util::StreamExt;
use rusqlite::params;
use tokio::sync::Notify;

use super::registry::{TokenSealer, aad, token_hash};
use super::{Clock, IDLE_PRUNE_AFTER_SECS, PushConfig};
use crate::Db;

/// Transient failures are retried this many times in all.
pub const MAX_ATTEMPTS: i64 = 5;
/// Due deliveries taken per round.
const ROUND_LIMIT: i64 = 5000;

/// What one dispatcher round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: usize,
    pub dead: usize,
    pub rate_limited: usize,
    pub transient: usize,
    pub rejected: usize,
    pub failed: usize,
    /// Deliveries whose registration was gone (unregistered, pruned, replaced).
    pub dropped: usize,
    /// Left for later because their provider is paused.
    pub deferred: usize,
    pub pruned: usize,
}

impl DispatchReport {
    fn attempted(&self) -> usize {
        self.sent + self.dead + self.rate_limited + self.transient + self.rejected + self.failed
    }
    fn add(&mut self, o: &DispatchReport) {
        self.sent += o.sent;
        self.dead += o.dead;
        self.rate_limited += o.rate_limited;
        self.transient += o.transient;
        self.rejected += o.rejected;
        self.failed += o.failed;
        self.dropped += o.dropped;
        self.deferred += o.deferred;
        self.pruned += o.pruned;
    }
}

struct Inner {
    db: Db,
    clock: Clock,
    sealer: TokenSealer,
    fcm: Option<FcmClient>,
    apns: Option<ApnsClient>,
    wake: Notify,
    round: tokio::sync::Mutex<()>,
    /// Provider → unix second before which it must not be called.
    paused_until: Mutex<HashMap<&'static str, i64>>,
    concurrency: usize,
}

/// The server's push machinery; cheap to clone.
#[derive(Clone)]
pub struct PushService {
    inner: Arc<Inner>,
}

struct Due {
    delivery_id: i64,
    attempts: i64,
    provider: String,
    environment: String,
    token: String,
    account_id: String,
    install_id: String,
    message: PushMessage,
}

impl PushService {
    /// Builds the provider clients from their credentials files.
    pub fn new(
        db: Db,
        config: &PushConfig,
        default_key_path: &std::path::Path,
    ) -> Result<Self, String> {
        let key_path = config
            .token_key_path
            .clone()
            .unwrap_or_else(|| default_key_path.to_path_buf());
        let sealer = TokenSealer::load_or_create(&key_path)
            .map_err(|e| format!("push token key {}: {e}", key_path.display()))?;
        let fcm = match &config.fcm {
            Some(s) => {
                let text = std::fs::read_to_string(&s.service_account_path).map_err(|e| {
                    format!(
                        "FCM service account {}: {e}",
                        s.service_account_path.display()
                    )
                })?;
                let account = ServiceAccount::from_json(&text).map_err(|e| e.to_string())?;
                Some(
                    FcmClient::new(FcmConfig {
                        account,
                        send_base_url: s.send_base_url.clone(),
                        timeout: Duration::from_secs(10),
                    })
                    .map_err(|e| e.to_string())?,
                )
            }
            None => None,
        };
        let apns = match &config.apns {
            Some(s) => {
                let key_pem = std::fs::read_to_string(&s.key_path)
                    .map_err(|e| format!("APNs key {}: {e}", s.key_path.display()))?;
                Some(
                    ApnsClient::new(ApnsConfig {
                        key_pem,
                        key_id: s.key_id.clone(),
                        team_id: s.team_id.clone(),
                        topic: s.topic.clone(),
                        production_url: s.production_url.clone(),
                        sandbox_url: s.sandbox_url.clone(),
                        timeout: Duration::from_secs(10),
                    })
                    .map_err(|e| e.to_string())?,
                )
            }
            None => None,
        };
        Ok(PushService {
            inner: Arc::new(Inner {
                db,
                clock: config.clock.clone(),
                sealer,
                fcm,
                apns,
                wake: Notify::new(),
                round: tokio::sync::Mutex::new(()),
                paused_until: Mutex::new(HashMap::new()),
                concurrency: config.concurrency.max(1),
            }),
        })
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn sealer(&self) -> &TokenSealer {
        &self.inner.sealer
    }

    /// Tells the background dispatcher that deliveries were queued.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs the dispatcher until stopped: on every wake-up and once a second (for retries).
    pub fn spawn_background(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = me.inner.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                if let Err(e) = me.run_round().await {
                    tracing::warn!(error = %e, "push dispatch round failed");
                }
            }
        })
    }

    /// Rounds until nothing due is left (deliveries waiting on a backoff stay queued).
    pub async fn drain(&self) -> Result<DispatchReport, String> {
        let mut total = DispatchReport::default();
        loop {
            let r = self.run_round().await?;
            total.add(&r);
            if r.attempted() == 0 && r.dropped == 0 {
                return Ok(total);
            }
        }
    }

    fn paused(&self, provider: &str, now: i64) -> Option<i64> {
        let p = self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        p.get(provider).copied().filter(|until| *until > now)
    }

    /// One pass over the deliveries due now.
    pub async fn run_round(&self) -> Result<DispatchReport, String> {
        let _one_at_a_time = self.inner.round.lock().await;
        let now = self.inner.clock.now();
        let mut report = DispatchReport::default();
        let me = self.clone();
        let (due, dropped, pruned) = self
            .inner
            .db
            .call(move |conn| {
                let tx = conn.transaction()?;
                let pruned = tx.execute(
                    "DELETE FROM push_registrations WHERE registered_at < ?1",
                    [now - IDLE_PRUNE_AFTER_SECS],
                )?;
                let mut stmt = tx.prepare_cached(
                    "SELECT d.id, d.attempts, r.provider, r.environment, r.token_sealed, d.account_id, d.install_id,
                            e.title, e.body, e.data, e.id
                     FROM push_deliveries d JOIN push_events e ON e.id = d.event_id
                     LEFT JOIN push_registrations r ON r.account_id = d.account_id AND r.install_id = d.install_id
                     WHERE d.state = 'pending' AND d.next_at <= ?1 ORDER BY d.id LIMIT ?2",
                )?;
                let rows: Vec<_> = stmt
                    .query_map(params![now, ROUND_LIMIT], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, Option<Vec<u8>>>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, String>(7)?,
                            r.get::<_, String>(8)?,
                            r.get::<_, String>(9)?,
                            r.get::<_, String>(10)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                drop(stmt);
                let mut due = Vec::new();
                let mut dropped = 0;
                for (id, attempts, provider, env, sealed, account, install, title, body, data, event_id) in rows {
                    let token = sealed.and_then(|s| me.inner.sealer.open(&aad(&account, &install), &s));
                    let (Some(provider), Some(environment), Some(token)) = (provider, env, token) else {
                        tx.execute("UPDATE push_deliveries SET state = 'dropped' WHERE id = ?1", [id])?;
                        dropped += 1;
                        continue;
                    };
                    let data = serde_json::from_str(&data).unwrap_or_default();
                    due.push(Due {
                        delivery_id: id,
                        attempts,
                        provider,
                        environment,
                        token,
                        account_id: account,
                        install_id: install,
                        message: PushMessage { title, body, data, collapse_key: Some(event_id) },
                    });
                }
                tx.commit()?;
                Ok((due, dropped, pruned))
            })
            .await
            .map_err(|e| e.message)?;
        report.dropped = dropped;
        report.pruned = pruned;
        if due.is_empty() {
            return Ok(report);
        }
        let results: Vec<(Due, Option<SendOutcome>)> = futures_util::stream::iter(due)
            .map(|d| {
                let me = self.clone();
                async move {
                    let provider: &'static str = if d.provider == "apns" { "apns" } else { "fcm" };
                    if me.paused(provider, now).is_some() {
                        return (d, None);
                    }
                    let outcome = me.send(&d).await;
                    if let SendOutcome::RetryAfter { after, .. } = &outcome {
                        let until = now + after.as_secs().max(1) as i64;
                        let mut p = me
                            .inner
                            .paused_until
                            .lock()
                            .unwrap_or_else(|p| p.into_inner());
                        let e = p.entry(provider).or_insert(0);
                        *e = (*e).max(until);
                    }
                    (d, Some(outcome))
                }
            })
            .buffer_unordered(self.inner.concurrency)
            .collect()
            .await;
        let paused: HashMap<&'static str, i64> = {
            let p = self
                .inner
                .paused_until
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            p.clone()
        };
        let counted = self
            .inner
            .db
            .call(move |conn| {
                let tx = conn.transaction()?;
                let mut r = DispatchReport::default();
                for (d, outcome) in &results {
                    let provider: &'static str = if d.provider == "apns" { "apns" } else { "fcm" };
                    let Some(outcome) = outcome else {
                        // Not tried: its provider is paused; due again when the pause ends.
                        let until = paused.get(provider).copied().unwrap_or(now + 1);
                        tx.execute("UPDATE push_deliveries SET next_at = ?2 WHERE id = ?1", params![d.delivery_id, until])?;
                        r.deferred += 1;
                        continue;
                    };
                    let attempts = d.attempts + 1;
                    let (label, detail, state, next_at, message_id) = match outcome {
                        SendOutcome::Delivered { message_id } => {
                            r.sent += 1;
                            ("delivered", String::new(), "sent", now, Some(message_id.clone()))
                        }
                        SendOutcome::DeadToken { reason, since_ms } => {
                            r.dead += 1;
                            // Only the token that was sent: a newer registration of the same
                            // install stays.
                            tx.execute(
                                "DELETE FROM push_registrations WHERE account_id = ?1 AND install_id = ?2 AND token_hash = ?3",
                                params![d.account_id, d.install_id, token_hash(&d.token)],
                            )?;
                            let detail = match since_ms {
                                Some(ms) => format!("{reason} (invalid since {ms} ms)"),
                                None => reason.clone(),
                            };
                            ("dead_token", detail, "dead", now, None)
                        }
                        SendOutcome::RetryAfter { after, reason } => {
                            r.rate_limited += 1;
                            let next = now + after.as_secs().max(1) as i64;
                            let state = if attempts >= MAX_ATTEMPTS * 2 { "failed" } else { "pending" };
                            ("rate_limited", reason.clone(), state, next, None)
                        }
                        SendOutcome::Transient { reason } => {
                            r.transient += 1;
                            let state = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
                            if state == "failed" {
                                r.failed += 1;
                            }
                            // 10 s, 20 s, 40 s, 80 s …
                            let next = now + 10 * (1i64 << (attempts - 1).min(10));
                            ("transient", reason.clone(), state, next, None)
                        }
                        SendOutcome::Rejected { reason } => {
                            r.rejected += 1;
                            ("rejected", reason.clone(), "rejected", now, None)
                        }
                    };
                    tx.prepare_cached(
                        "UPDATE push_deliveries SET state = ?2, attempts = ?3, next_at = ?4,
                           provider_message_id = COALESCE(?5, provider_message_id) WHERE id = ?1",
                    )?
                    .execute(params![d.delivery_id, state, attempts, next_at, message_id])?;
                    tx.prepare_cached(
                        "INSERT INTO push_attempts(delivery_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![d.delivery_id, now, label, detail])?;
                }
                tx.commit()?;
                Ok(r)
            })
            .await
            .map_err(|e| e.message)?;
        report.add(&counted);
        tracing::debug!(
            sent = report.sent,
            dead = report.dead,
            deferred = report.deferred,
            "push round"
        );
        Ok(report)
    }

    async fn send(&self, d: &Due) -> SendOutcome {
        match d.provider.as_str() {
            "fcm" => match &self.inner.fcm {
                Some(c) => c.send(&d.token, &d.message).await,
                None => SendOutcome::Transient {
                    reason: "FCM is not configured on this server".into(),
                },
            },
            _ => match &self.inner.apns {
                Some(c) => {
                    let env = if d.environment == "sandbox" {
                        ApnsEnvironment::Sandbox
                    } else {
                        ApnsEnvironment::Production
                    };
                    c.send(&d.token, env, &d.message).await
                }
                None => SendOutcome::Transient {
                    reason: "APNs is not configured on this server".into(),
                },
            },
        }
    }
}
