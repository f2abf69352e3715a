//! Accounts, passwords and tokens.
//!
//! Passwords are Argon2id hashes. Tokens are 256-bit random strings; only their SHA-256 is
//! stored. Refresh tokens rotate on every use; a rotated token presented again within a
//! short grace period (the client lost the answer) is honoured once more, after that it is
//! treated as stolen and the whole device session is revoked.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use companion_core::protocol::{
    Account, LoginRequest, RefreshRequest, TokenResponse, Warehouse, codes,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::AppState;
use crate::db::now;
use crate::error::ApiError;

/// A token joined with its device session.
struct TokenRow {
    session_id: String,
    account_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    session_revoked_at: Option<i64>,
}

impl TokenRow {
    /// The token of `kind` whose SHA-256 is `hash`, with its session.
    fn find(conn: &Connection, hash: &str, kind: &str) -> rusqlite::Result<Option<Self>> {
        conn.query_row(
            "SELECT t.session_id, s.account_id, t.expires_at, t.revoked_at, s.revoked_at
             FROM tokens t JOIN device_sessions s ON s.id = t.session_id
             WHERE t.hash = ?1 AND t.kind = ?2",
            [hash, kind],
            |r| {
                Ok(TokenRow {
                    session_id: r.get(0)?,
                    account_id: r.get(1)?,
                    expires_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                    session_revoked_at: r.get(4)?,
                })
            },
        )
        .optional()
    }
}

/// A rotated refresh token is still accepted this long (seconds) after rotation.
const ROTATION_GRACE_SECS: i64 = 30;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn token_hash(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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

fn issue_tokens(
    conn: &Connection,
    session_id: &str,
    account_id: &str,
    state: &AppState,
) -> Result<TokenResponse, ApiError> {
    let access_token = new_token();
    let refresh_token = new_token();
    let now = now();
    let access_ttl = state.config.access_ttl.as_secs() as i64;
    let refresh_ttl = state.config.refresh_ttl.as_secs() as i64;
    conn.execute(
        "INSERT INTO tokens(hash, kind, session_id, expires_at) VALUES (?1, 'access', ?2, ?3)",
        params![token_hash(&access_token), session_id, now + access_ttl],
    )?;
    conn.execute(
        "INSERT INTO tokens(hash, kind, session_id, expires_at) VALUES (?1, 'refresh', ?2, ?3)",
        params![token_hash(&refresh_token), session_id, now + refresh_ttl],
    )?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        expires_in: access_ttl as u64,
        account: load_account(conn, account_id)?,
    })
}

// A hash to verify against when the user does not exist, so that a wrong username takes as
// long as a wrong password and usernames cannot be probed by timing.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `POST /v1/auth/login`
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    if req.username.trim().is_empty() {
        return Err(ApiError::invalid("username", "must not be empty"));
    }
    if req.device.install_id.trim().is_empty() {
        return Err(ApiError::invalid("device.install_id", "must not be empty"));
    }
    let st = state.clone();
    let tokens = state
        .db
        .call(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row("SELECT id, password_hash FROM accounts WHERE username = ?1", [req.username.trim()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let dummy = DUMMY_HASH.get_or_init(|| hash_password("no such user").unwrap_or_default());
            let (account_id, hash) = row.unwrap_or_else(|| (String::new(), dummy.clone()));
            if !verify_password(&req.password, &hash) || account_id.is_empty() {
                return Err(ApiError::unauthorized(codes::INVALID_CREDENTIALS, "wrong username or password"));
            }
            let tx = conn.transaction()?;
            let session_id = uuid::Uuid::new_v4().to_string();
            let d = &req.device;
            tx.execute(
                "INSERT INTO device_sessions(id, account_id, install_id, platform, model, os_version, app_version, public_key, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![session_id, account_id, d.install_id, d.platform, d.model, d.os_version, d.app_version, d.public_key, now()],
            )?;
            let tokens = issue_tokens(&tx, &session_id, &account_id, &st)?;
            tx.commit()?;
            Ok(tokens)
        })
        .await?;
    tracing::info!(account = %tokens.account.id, "login");
    Ok(Json(tokens))
}

/// `POST /v1/auth/refresh`
pub async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let st = state.clone();
    let tokens = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let hash = token_hash(&req.refresh_token);
            let row = TokenRow::find(&tx, &hash, "refresh")?;
            let Some(TokenRow {
                session_id,
                account_id,
                expires_at,
                revoked_at,
                session_revoked_at: session_revoked,
            }) = row
            else {
                return Err(ApiError::unauthorized(
                    codes::TOKEN_INVALID,
                    "unknown refresh token",
                ));
            };
            let now = now();
            if session_revoked.is_some() {
                return Err(ApiError::unauthorized(
                    codes::TOKEN_INVALID,
                    "session was signed out",
                ));
            }
            if expires_at <= now {
                return Err(ApiError::unauthorized(
                    codes::TOKEN_EXPIRED,
                    "refresh token expired; sign in again",
                ));
            }
            if let Some(revoked_at) = revoked_at {
                if now - revoked_at > ROTATION_GRACE_SECS {
                    // Reuse of an old token: assume theft and end the whole session.
                    tx.execute(
                        "UPDATE device_sessions SET revoked_at = ?2 WHERE id = ?1",
                        params![session_id, now],
                    )?;
                    tx.commit()?;
                    return Err(ApiError::unauthorized(
                        codes::TOKEN_INVALID,
                        "refresh token was already used",
                    ));
                }
            } else {
                tx.execute(
                    "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1",
                    params![hash, now],
                )?;
            }
            let tokens = issue_tokens(&tx, &session_id, &account_id, &st)?;
            tx.commit()?;
            Ok(tokens)
        })
        .await?;
    Ok(Json(tokens))
}

/// `POST /v1/auth/logout`: revokes the device session of the refresh token. Unknown tokens
/// are accepted silently (RFC 7009), so a retried logout succeeds.
pub async fn logout(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
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
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized(codes::TOKEN_INVALID, "missing bearer token"))?
            .to_string();
        state
            .db
            .call(move |conn| {
                let row = TokenRow::find(conn, &token_hash(&token), "access")?;
                let Some(TokenRow {
                    session_id,
                    account_id,
                    expires_at,
                    revoked_at: revoked,
                    session_revoked_at: session_revoked,
                }) = row
                else {
                    return Err(ApiError::unauthorized(
                        codes::TOKEN_INVALID,
                        "unknown access token",
                    ));
                };
                if revoked.is_some() || session_revoked.is_some() {
                    return Err(ApiError::unauthorized(
                        codes::TOKEN_INVALID,
                        "session was signed out",
                    ));
                }
                if expires_at <= now() {
                    return Err(ApiError::unauthorized(
                        codes::TOKEN_EXPIRED,
                        "access token expired",
                    ));
                }
                let mut stmt = conn
                    .prepare("SELECT warehouse_id FROM account_warehouses WHERE account_id = ?1")?;
                let warehouses = stmt
                    .query_map([&account_id], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(AuthedAccount {
                    account_id,
                    session_id,
                    warehouses,
                })
            })
            .await
    }
}
