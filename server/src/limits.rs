//! What keeps one client from taking the server down: a small fixed pool of threads for
//! password hashing (Argon2 takes 19 MiB and tens of milliseconds per check; it never runs
//! under the database lock), login throttling per username and per client address, and the
//! length limits of every string the API accepts. See `docs/server-hardening.md`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::http::header::{HeaderValue, RETRY_AFTER};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Longest identifier (warehouse, item, lot, bin, purchase-order line, movement id): the
/// movement rules' limit, shared with the phone.
pub use companion_wire::inventory::rules::MAX_ID_LEN;
/// Longest username.
pub const MAX_USERNAME_LEN: usize = 100;
/// Longest password: Argon2 hashes any length, so an unbounded one is free CPU for an attacker.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// Longest device description field (platform, model, OS and app version, install id).
pub const MAX_DEVICE_FIELD_LEN: usize = 200;
/// Longest device public key (base64 of a P-256 key is 88 characters).
pub const MAX_PUBLIC_KEY_LEN: usize = 1024;
/// Longest token (ours are 43 characters).
pub const MAX_TOKEN_LEN: usize = 256;
/// Longest outbox origin.
pub const MAX_ORIGIN_LEN: usize = 100;
/// Longest feed cursor.
pub const MAX_CURSOR_LEN: usize = 200;

/// `Err` naming `field` unless `value` has between `min` and `max` characters.
pub fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min || value.len() > max * 4 || n > max {
        return Err(ApiError::invalid(
            field,
            format!("must be {min} to {max} characters (got {n})"),
        ));
    }
    Ok(())
}

/// The answer when a client must slow down: `429` with `Retry-After` in seconds.
#[derive(Debug)]
pub struct TooMany {
    pub retry_after: Duration,
    pub reason: &'static str,
}

impl IntoResponse for TooMany {
    fn into_response(self) -> Response {
        let secs = self.retry_after.as_secs().max(1);
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            crate::error::codes::TOO_MANY_REQUESTS,
            format!("{}; retry in {secs} s", self.reason),
        )
        .into_response();
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
        resp
    }
}

/// How many failed logins are tolerated before answering `429`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Failed logins per username before throttling starts.
    pub per_username_burst: u32,
    /// One more failed login per username is allowed every this long.
    pub per_username_refill: Duration,
    /// Failed logins per client address before throttling starts.
    pub per_address_burst: u32,
    /// One more failed login per address is allowed every this long.
    pub per_address_refill: Duration,
    /// Most usernames and addresses remembered; the least recently failed are forgotten.
    pub max_tracked: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            per_username_burst: 5,
            per_username_refill: Duration::from_secs(30),
            per_address_burst: 30,
            per_address_refill: Duration::from_secs(2),
            max_tracked: 10_000,
        }
    }
}

impl ThrottleConfig {
    /// No throttling (tests that measure the password pool alone).
    pub fn off() -> Self {
        ThrottleConfig {
            per_username_burst: u32::MAX,
            per_address_burst: u32::MAX,
            ..Self::default()
        }
    }
}

/// A leaky bucket of failures: `level` failures, draining one per refill period.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

impl Bucket {
    fn drained(self, now: Instant, refill: Duration) -> f64 {
        let drained = now.duration_since(self.at).as_secs_f64() / refill.as_secs_f64().max(1e-9);
        (self.level - drained).max(0.0)
    }
}

#[derive(Default)]
struct Buckets {
    users: HashMap<String, Bucket>,
    addrs: HashMap<IpAddr, Bucket>,
}

/// Failed-login throttling per username and per client address. Only failures count, so a
/// fleet of phones signing in from one NAT address is not throttled by its successes.
pub struct LoginThrottle {
    config: ThrottleConfig,
    buckets: Mutex<Buckets>,
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        LoginThrottle {
            config,
            buckets: Mutex::new(Buckets::default()),
        }
    }

    /// `Err` when `username` or `addr` has failed too often recently; checked before any
    /// password work, so a throttled attempt costs nothing.
    pub fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), TooMany> {
        let now = Instant::now();
        let b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let c = &self.config;
        if let Some(bucket) = b.users.get(username) {
            let level = bucket.drained(now, c.per_username_refill);
            // Throttled when one more failure would overflow the bucket.
            if level + 1.0 > c.per_username_burst as f64 {
                return Err(TooMany {
                    retry_after: c
                        .per_username_refill
                        .mul_f64(level + 1.0 - c.per_username_burst as f64),
                    reason: "too many failed sign-ins for this user",
                });
            }
        }
        if let Some(bucket) = addr.and_then(|a| b.addrs.get(&a)) {
            let level = bucket.drained(now, c.per_address_refill);
            // Throttled when one more failure would overflow the bucket.
            if level + 1.0 > c.per_address_burst as f64 {
                return Err(TooMany {
                    retry_after: c
                        .per_address_refill
                        .mul_f64(level + 1.0 - c.per_address_burst as f64),
                    reason: "too many failed sign-ins from this address",
                });
            }
        }
        Ok(())
    }

    /// Records a failed login.
    pub fn failed(&self, username: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let c = self.config;
        if b.users.len() >= c.max_tracked && !b.users.contains_key(username) {
            forget_oldest(&mut b.users);
        }
        let user = b.users.entry(username.to_string()).or_insert(Bucket {
            level: 0.0,
            at: now,
        });
        *user = Bucket {
            level: user.drained(now, c.per_username_refill) + 1.0,
            at: now,
        };
        if let Some(addr) = addr {
            if b.addrs.len() >= c.max_tracked && !b.addrs.contains_key(&addr) {
                forget_oldest(&mut b.addrs);
            }
            let a = b.addrs.entry(addr).or_insert(Bucket {
                level: 0.0,
                at: now,
            });
            *a = Bucket {
                level: a.drained(now, c.per_address_refill) + 1.0,
                at: now,
            };
        }
    }

    /// A successful login clears the username's failures (not the address's).
    pub fn succeeded(&self, username: &str) {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        b.users.remove(username);
    }
}

fn forget_oldest<K: Clone + Eq + std::hash::Hash>(map: &mut HashMap<K, Bucket>) {
    // O(n) but only when the table is full, i.e. under an attack that is being throttled.
    let cutoff = map.len() / 10 + 1;
    let mut ages: Vec<(Instant, K)> = map.iter().map(|(k, b)| (b.at, k.clone())).collect();
    ages.sort_by_key(|(at, _)| *at);
    for (_, k) in ages.into_iter().take(cutoff) {
        map.remove(&k);
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of long-lived threads for password hashing with a bounded queue. Fixed
/// threads (rather than tokio's blocking pool, which grows to 512) keep memory flat: each
/// thread's allocator arena keeps its 19 MiB Argon2 buffer, and there are only `threads`.
pub struct PasswordPool {
    queue: mpsc::SyncSender<Job>,
}

impl PasswordPool {
    /// `threads` workers, at most `queue` checks waiting.
    pub fn new(threads: usize, queue: usize) -> Arc<Self> {
        let (tx, rx) = mpsc::sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
                            rx.recv()
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password thread");
            }
        }
        Arc::new(PasswordPool { queue: tx })
    }

    /// Runs `f` on the pool; `503` with `Retry-After` when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Response> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        if self.queue.try_send(job).is_err() {
            let mut resp = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                crate::error::codes::BUSY,
                "too many sign-ins in progress; retry shortly",
            )
            .into_response();
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return Err(resp);
        }
        rx.await
            .map_err(|_| ApiError::internal("password check failed").into_response())
    }
}
