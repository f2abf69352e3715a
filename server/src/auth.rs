//! Accounts, passwords and tokens.
//!
//! Passwords are Argon2id hashes, checked on the small password pool (never under the
//! database lock) after the login throttle has had its say. Tokens are 256-bit random
//! strings; only their SHA-256 is stored. Refresh tokens rotate on every use. A rotated
//! token presented again (the client lost the answer) gets the very pair it was rotated
//! into, however late, as long as that pair was never used; the pair is kept sealed with a
//! key derived from the old token, so only its holder can open it. A rotated token presented
//! after its successor was used means two parties hold the session: the whole device
//! session is revoked.

use std::net::IpAddr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use axum::Json;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use companion_wire::session::{Account, LoginRequest, RefreshRequest, TokenResponse, Warehouse};
use rusqlite::{Connection, OptionalExtension, params};

use crate::AppState;
use crate::db::now;
use crate::error::{ApiError, ApiJson, codes};
use crate::limits::{
    MAX_DEVICE_FIELD_LEN, MAX_PASSWORD_LEN, MAX_PUBLIC_KEY_LEN, MAX_TOKEN_LEN, MAX_USERNAME_LEN,
    check_len,
};

/// Token columns for rotation that tolerates a lost answer (appended to the migrations).
/// Accounts, warehouses, device sessions and token hashes: the server's first schema step.
pub const MIGRATION: &str = r#"
CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE warehouses (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL) STRICT;
CREATE TABLE account_warehouses (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    PRIMARY KEY (account_id, warehouse_id)
) STRICT;
CREATE TABLE device_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    install_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    model TEXT NOT NULL,
    os_version TEXT NOT NULL,
    app_version TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
-- Only SHA-256 hashes of tokens are stored: a leaked database does not leak sessions.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    session_id TEXT NOT NULL REFERENCES device_sessions(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX tokens_by_session ON tokens(session_id);
"#;

pub const ROTATION_MIGRATION: &str = r#"
-- Access rows: the refresh token issued with them, and when they were first used.
ALTER TABLE tokens ADD COLUMN pair TEXT;
ALTER TABLE tokens ADD COLUMN used_at INTEGER;
-- Refresh rows: the refresh token they were rotated into, and that pair sealed with a key
-- derived from this token (so a retry gets the same pair, and a database leak opens nothing).
ALTER TABLE tokens ADD COLUMN successor TEXT;
ALTER TABLE tokens ADD COLUMN replay TEXT;
CREATE INDEX tokens_by_pair ON tokens(pair) WHERE pair IS NOT NULL;
"#;

/// The client address of a request, put in its extensions by the server's accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// A token joined with its device session.
struct TokenRow {
    session_id: String,
    account_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    session_revoked_at: Option<i64>,
    used_at: Option<i64>,
    successor: Option<String>,
    replay: Option<String>,
}

impl TokenRow {
    /// The token of `kind` whose SHA-256 is `hash`, with its session.
    fn find(conn: &Connection, hash: &str, kind: &str) -> rusqlite::Result<Option<Self>> {
        conn.prepare_cached(
            "SELECT t.session_id, s.account_id, t.expires_at, t.revoked_at, s.revoked_at,
                    t.used_at, t.successor, t.replay
             FROM tokens t JOIN device_sessions s ON s.id = t.session_id
             WHERE t.hash = ?1 AND t.kind = ?2",
        )?
        .query_row([hash, kind], |r| {
            Ok(TokenRow {
                session_id: r.get(0)?,
                account_id: r.get(1)?,
                expires_at: r.get(2)?,
                revoked_at: r.get(3)?,
                session_revoked_at: r.get(4)?,
                used_at: r.get(5)?,
                successor: r.get(6)?,
                replay: r.get(7)?,
            })
        })
        .optional()
    }
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))
}

thread_local! {
    // Argon2's working memory (19 MiB at the default cost), kept per password thread and
    // reused. Allocating it afresh for every check, as `verify_password` does, left each
    // check's 19 MiB resident (measured: +19.5 MB RSS per wrong password).
    static ARGON2_BLOCKS: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `password` matches the PHC-format Argon2 `hash`, in constant time.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks_needed = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = ARGON2_BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() != blocks_needed {
            blocks.resize(blocks_needed, argon2::Block::default());
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
    });
    hashed.is_ok() && expected.as_bytes().len() == out.len() && {
        let diff = expected
            .as_bytes()
            .iter()
            .zip(&out)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0
    }
}

fn token_hash(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// AES-256-GCM key for the pair a refresh token was rotated into, derived from that token.
fn replay_key(old_refresh: &str) -> Option<ring::aead::LessSafeKey> {
    let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"companion refresh replay v1");
    let prk = salt.extract(old_refresh.as_bytes());
    let okm = prk.expand(&[b"pair"], &ring::aead::AES_256_GCM).ok()?;
    Some(ring::aead::LessSafeKey::new(ring::aead::UnboundKey::from(
        okm,
    )))
}

fn seal_pair(old_refresh: &str, access: &str, refresh: &str) -> Result<String, ApiError> {
    let nonce_bytes: [u8; 12] = rand::random();
    let mut data = format!("{access} {refresh}").into_bytes();
    replay_key(old_refresh)
        .ok_or_else(|| ApiError::internal("deriving the replay key failed"))?
        .seal_in_place_append_tag(
            ring::aead::Nonce::assume_unique_for_key(nonce_bytes),
            ring::aead::Aad::empty(),
            &mut data,
        )
        .map_err(|_| ApiError::internal("sealing the token pair failed"))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&data);
    Ok(base64::engine::general_purpose::STANDARD_NO_PAD.encode(out))
}

fn open_pair(old_refresh: &str, sealed: &str) -> Option<(String, String)> {
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(sealed)
        .ok()?;
    if raw.len() < 12 {
        return None;
    }
    let (nonce, ct) = raw.split_at(12);
    let mut ct = ct.to_vec();
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let plain = replay_key(old_refresh)?
        .open_in_place(nonce, ring::aead::Aad::empty(), &mut ct)
        .ok()?;
    let text = std::str::from_utf8(plain).ok()?;
    let (a, r) = text.split_once(' ')?;
    Some((a.to_string(), r.to_string()))
}

/// Loads an account with its warehouses.
pub fn load_account(conn: &Connection, account_id: &str) -> Result<Account, ApiError> {
    let (username, display_name): (String, String) = conn
        .query_row(
            "SELECT username, display_name FROM accounts WHERE id = ?1",
            [account_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::unauthorized(codes::TOKEN_INVALID, "account no longer exists"))?;
    let mut stmt = conn.prepare(
        "SELECT w.id, w.name FROM warehouses w JOIN account_warehouses aw ON aw.warehouse_id = w.id
         WHERE aw.account_id = ?1 ORDER BY w.id",
    )?;
    let warehouses = stmt
        .query_map([account_id], |r| {
            Ok(Warehouse {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Account {
        id: account_id.to_string(),
        username,
        display_name,
        warehouses,
    })
}

/// A freshly issued pair, and the hash of its refresh token (for the rotation record).
struct Issued {
    tokens: TokenResponse,
    refresh_hash: String,
}

fn issue_tokens(
    conn: &Connection,
    session_id: &str,
    account_id: &str,
    state: &AppState,
) -> Result<Issued, ApiError> {
    let access_token = new_token();
    let refresh_token = new_token();
    let refresh_hash = token_hash(&refresh_token);
    let now = now();
    let access_ttl = state.config.access_ttl.as_secs() as i64;
    let refresh_ttl = state.config.refresh_ttl.as_secs() as i64;
    conn.execute(
        "INSERT INTO tokens(hash, kind, session_id, expires_at, pair) VALUES (?1, 'access', ?2, ?3, ?4)",
        params![token_hash(&access_token), session_id, now + access_ttl, refresh_hash],
    )?;
    conn.execute(
        "INSERT INTO tokens(hash, kind, session_id, expires_at) VALUES (?1, 'refresh', ?2, ?3)",
        params![refresh_hash, session_id, now + refresh_ttl],
    )?;
    Ok(Issued {
        tokens: TokenResponse {
            access_token,
            refresh_token,
            expires_in: access_ttl as u64,
            account: load_account(conn, account_id)?,
        },
        refresh_hash,
    })
}

// A hash to verify against when the user does not exist, so that a wrong username takes as
// long as a wrong password and usernames cannot be probed by timing.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn check_login_request(req: &LoginRequest) -> Result<(), ApiError> {
    check_len("username", &req.username, 1, MAX_USERNAME_LEN)?;
    if req.username.trim().is_empty() {
        return Err(ApiError::invalid("username", "must not be blank"));
    }
    check_len("password", &req.password, 0, MAX_PASSWORD_LEN)?;
    let d = &req.device;
    check_len(
        "device.install_id",
        d.install_id.trim(),
        1,
        MAX_DEVICE_FIELD_LEN,
    )?;
    check_len("device.platform", &d.platform, 0, MAX_DEVICE_FIELD_LEN)?;
    check_len("device.model", &d.model, 0, MAX_DEVICE_FIELD_LEN)?;
    check_len("device.os_version", &d.os_version, 0, MAX_DEVICE_FIELD_LEN)?;
    check_len(
        "device.app_version",
        &d.app_version,
        0,
        MAX_DEVICE_FIELD_LEN,
    )?;
    check_len("device.public_key", &d.public_key, 0, MAX_PUBLIC_KEY_LEN)?;
    Ok(())
}

/// `POST /v1/auth/login`
pub async fn login(
    State(state): State<AppState>,
    addr: Option<axum::Extension<ClientAddr>>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, Response> {
    check_login_request(&req).map_err(IntoResponse::into_response)?;
    let username = req.username.trim().to_string();
    let addr = addr.map(|a| a.0.0);
    // Throttled attempts are refused before any password work: they cost the server nothing.
    state
        .throttle
        .check(&username, addr)
        .map_err(IntoResponse::into_response)?;
    let name = username.clone();
    let row: Option<(String, String)> = state
        .db
        .call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, password_hash FROM accounts WHERE username = ?1",
                    [name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
        .map_err(IntoResponse::into_response)?;
    let password = req.password.clone();
    let verified = state
        .passwords
        .run(move || {
            let (account_id, hash) = match row {
                Some(row) => row,
                None => (
                    String::new(),
                    DUMMY_HASH
                        .get_or_init(|| hash_password("no such user").unwrap_or_default())
                        .clone(),
                ),
            };
            (verify_password(&password, &hash) && !account_id.is_empty()).then_some(account_id)
        })
        .await?;
    let Some(account_id) = verified else {
        state.throttle.failed(&username, addr);
        return Err(ApiError::unauthorized(
            codes::INVALID_CREDENTIALS,
            "wrong username or password",
        )
        .into_response());
    };
    state.throttle.succeeded(&username);
    let st = state.clone();
    let tokens = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let session_id = uuid::Uuid::new_v4().to_string();
            let d = &req.device;
            tx.execute(
                "INSERT INTO device_sessions(id, account_id, install_id, platform, model, os_version, app_version, public_key, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![session_id, account_id, d.install_id, d.platform, d.model, d.os_version, d.app_version, d.public_key, now()],
            )?;
            let issued = issue_tokens(&tx, &session_id, &account_id, &st)?;
            tx.commit()?;
            Ok(issued.tokens)
        })
        .await
        .map_err(IntoResponse::into_response)?;
    tracing::info!(account = %tokens.account.id, "login");
    Ok(Json(tokens))
}

fn token_invalid(message: &str) -> ApiError {
    ApiError::unauthorized(codes::TOKEN_INVALID, message)
}

/// `POST /v1/auth/refresh`
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    check_len("refresh_token", &req.refresh_token, 1, MAX_TOKEN_LEN)?;
    let st = state.clone();
    let tokens = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let hash = token_hash(&req.refresh_token);
            let Some(row) = TokenRow::find(&tx, &hash, "refresh")? else {
                return Err(token_invalid("unknown refresh token"));
            };
            let now = now();
            if row.session_revoked_at.is_some() {
                return Err(token_invalid("session was signed out"));
            }
            // Rotated tokens are revoked too (with a successor); others were revoked outright.
            if row.revoked_at.is_some() && row.successor.is_none() {
                return Err(token_invalid("refresh token was revoked"));
            }
            if row.expires_at <= now {
                return Err(ApiError::unauthorized(
                    codes::TOKEN_EXPIRED,
                    "refresh token expired; sign in again",
                ));
            }
            if let Some(successor) = &row.successor {
                // Rotated before: a retry after a lost answer, or a copy in other hands.
                let successor_used = tx
                    .query_row(
                        "SELECT (SELECT successor IS NOT NULL FROM tokens WHERE hash = ?1 AND kind = 'refresh')
                             OR EXISTS (SELECT 1 FROM tokens WHERE pair = ?1 AND kind = 'access' AND used_at IS NOT NULL)",
                        [successor],
                        |r| r.get::<_, Option<bool>>(0),
                    )?
                    .unwrap_or(true);
                let access_expires: Option<i64> = tx
                    .query_row(
                        "SELECT expires_at FROM tokens WHERE pair = ?1 AND kind = 'access'",
                        [successor],
                        |r| r.get(0),
                    )
                    .optional()?;
                let pair = row
                    .replay
                    .as_deref()
                    .and_then(|sealed| open_pair(&req.refresh_token, sealed));
                match (successor_used, pair, access_expires) {
                    (false, Some((access_token, refresh_token)), Some(access_expires)) => {
                        return Ok(TokenResponse {
                            access_token,
                            refresh_token,
                            expires_in: (access_expires - now).max(0) as u64,
                            account: load_account(&tx, &row.account_id)?,
                        });
                    }
                    _ => {
                        // The successor was used by someone: two parties hold this
                        // session, so it ends for both.
                        tx.execute(
                            "UPDATE device_sessions SET revoked_at = ?2 WHERE id = ?1",
                            params![row.session_id, now],
                        )?;
                        tx.commit()?;
                        tracing::warn!(session = %row.session_id, "refresh token reuse; session revoked");
                        return Err(token_invalid("refresh token was already used"));
                    }
                }
            }
            let issued = issue_tokens(&tx, &row.session_id, &row.account_id, &st)?;
            let sealed = seal_pair(
                &req.refresh_token,
                &issued.tokens.access_token,
                &issued.tokens.refresh_token,
            )?;
            tx.execute(
                "UPDATE tokens SET successor = ?2, replay = ?3, revoked_at = ?4 WHERE hash = ?1",
                params![hash, issued.refresh_hash, sealed, now],
            )?;
            tx.commit()?;
            Ok(issued.tokens)
        })
        .await?;
    Ok(Json(tokens))
}

/// `POST /v1/auth/logout`: revokes the device session of the refresh token. Unknown tokens
/// are accepted silently (RFC 7009), so a retried logout succeeds.
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    check_len("refresh_token", &req.refresh_token, 1, MAX_TOKEN_LEN)?;
    state
        .db
        .call(move |conn| {
            let hash = token_hash(&req.refresh_token);
            conn.execute(
                "UPDATE device_sessions SET revoked_at = ?2
                 WHERE revoked_at IS NULL AND id = (SELECT session_id FROM tokens WHERE hash = ?1 AND kind = 'refresh')",
                params![hash, now()],
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me`
pub async fn me(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<Account>, ApiError> {
    let account = state
        .db
        .call(move |conn| load_account(conn, &caller.account_id))
        .await?;
    Ok(Json(account))
}

/// The caller of an authorised endpoint, from the `Authorization: Bearer` header.
#[derive(Debug, Clone)]
pub struct AuthedAccount {
    pub account_id: String,
    pub session_id: String,
    /// The warehouses this account may read and write.
    pub warehouses: Vec<String>,
}

impl AuthedAccount {
    /// Rejects access to a warehouse outside the account's scopes.
    pub fn require_warehouse(&self, warehouse_id: &str) -> Result<(), ApiError> {
        if self.warehouses.iter().any(|w| w == warehouse_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "no access to warehouse {warehouse_id}"
            )))
        }
    }
}

impl<S> FromRequestParts<S> for AuthedAccount
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(|| token_invalid("missing bearer token"))?;
        if token.len() > MAX_TOKEN_LEN {
            return Err(token_invalid("unknown access token"));
        }
        let token = token.to_string();
        state
            .db
            .call(move |conn| {
                let hash = token_hash(&token);
                let Some(row) = TokenRow::find(conn, &hash, "access")? else {
                    return Err(token_invalid("unknown access token"));
                };
                if row.revoked_at.is_some() || row.session_revoked_at.is_some() {
                    return Err(token_invalid("session was signed out"));
                }
                let now = now();
                if row.expires_at <= now {
                    return Err(ApiError::unauthorized(
                        codes::TOKEN_EXPIRED,
                        "access token expired",
                    ));
                }
                if row.used_at.is_none() {
                    // First use of this pair: from now on a replay of the refresh token
                    // that produced it is theft, not a lost answer.
                    conn.execute(
                        "UPDATE tokens SET used_at = ?2 WHERE hash = ?1",
                        params![hash, now],
                    )?;
                }
                let mut stmt = conn.prepare_cached(
                    "SELECT warehouse_id FROM account_warehouses WHERE account_id = ?1",
                )?;
                let warehouses = stmt
                    .query_map([&row.account_id], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(AuthedAccount {
                    account_id: row.account_id,
                    session_id: row.session_id,
                    warehouses,
                })
            })
            .await
    }
}

/// The token of an `Authorization` header value: scheme `Bearer` in any case (RFC 9110
/// auth schemes are case-insensitive), then the token.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
