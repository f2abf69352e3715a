//! Registrations and preferences: the phone-facing endpoints, and the token sealing.

use std::path::Path;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use companion_wire::push::{
    ApnsEnvironment, Category, Preference, PreferencesDoc, PushProvider, RegisterRequest,
    RegisterResponse, RegistrationStatus, validate_token,
};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, params};

use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::ApiError;

/// Seals tokens at rest with AES-256-GCM; the account and install are bound in as
/// associated data, so a sealed token copied onto another row does not open.
pub struct TokenSealer {
    key: LessSafeKey,
}

impl TokenSealer {
    /// Loads the 32-byte key file, creating it (owner-only) on first use.
    pub fn load_or_create(path: &Path) -> std::io::Result<TokenSealer> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut key)
                    .map_err(|_| std::io::Error::other("no randomness"))?;
                write_private(path, &key)?;
                key.to_vec()
            }
            Err(e) => return Err(e),
        };
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| std::io::Error::other("the push token key file is not 32 bytes"))?;
        Ok(TokenSealer {
            key: LessSafeKey::new(unbound),
        })
    }

    pub fn seal(&self, aad: &str, token: &str) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| ApiError::internal("no randomness"))?;
        let mut buf = token.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buf,
            )
            .map_err(|_| ApiError::internal("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// None when the row was tampered with or sealed under another key.
    pub fn open(&self, aad: &str, sealed: &[u8]) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// What binds a sealed token to its row.
pub fn aad(account_id: &str, install_id: &str) -> String {
    format!("{account_id}\n{install_id}")
}

/// SHA-256 of the token, for uniqueness across accounts.
pub fn token_hash(token: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn install_of(conn: &Connection, session_id: &str) -> Result<String, ApiError> {
    conn.query_row(
        "SELECT install_id FROM device_sessions WHERE id = ?1",
        [session_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| ApiError::unauthorized(companion_wire::codes::TOKEN_INVALID, "session unknown"))
}

/// `POST /v1/push/registration`: the token of the caller's own install (the install comes
/// from the session, so nobody can register for another account's device).
pub async fn register(
    State(state): State<AppState>,
    caller: AuthedAccount,
    body: axum::body::Bytes,
) -> Result<Json<RegisterResponse>, ApiError> {
    let req: RegisterRequest = serde_json::from_slice(&body)
        // serde's message could quote the token; say only what is wrong in general.
        .map_err(|_| ApiError::invalid("token", "expected {provider, token, environment?}"))?;
    validate_token(req.provider, &req.token).map_err(|why| ApiError::invalid("token", why))?;
    if req.provider == PushProvider::Fcm && req.environment.is_some() {
        return Err(ApiError::invalid(
            "environment",
            "only APNs tokens have an environment",
        ));
    }
    let environment = match (req.provider, req.environment) {
        (PushProvider::Fcm, _) => "",
        (PushProvider::Apns, Some(ApnsEnvironment::Sandbox)) => "sandbox",
        (PushProvider::Apns, _) => "production",
    };
    let push = state.push.clone();
    let now = push.clock().now();
    state
        .db
        .call(move |conn| {
            let install = install_of(conn, &caller.session_id)?;
            let sealed = push
                .sealer()
                .seal(&aad(&caller.account_id, &install), &req.token)?;
            let hash = token_hash(&req.token);
            let tx = conn.transaction()?;
            // The token moved here from another account or install (a shared phone whose
            // user changed): the old row must stop receiving.
            tx.execute(
                "DELETE FROM push_registrations WHERE token_hash = ?1 AND NOT (account_id = ?2 AND install_id = ?3)",
                params![hash, caller.account_id, install],
            )?;
            tx.execute(
                "INSERT INTO push_registrations(account_id, install_id, provider, environment, token_sealed, token_hash, registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(account_id, install_id) DO UPDATE SET provider = excluded.provider,
                   environment = excluded.environment, token_sealed = excluded.token_sealed,
                   token_hash = excluded.token_hash, registered_at = excluded.registered_at",
                params![caller.account_id, install, req.provider.as_str(), environment, sealed, hash, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Json(RegisterResponse { registered_at: now }))
}

/// `POST /v1/push/unregister`: this install stops receiving for this account.
pub async fn unregister(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<StatusCode, ApiError> {
    state
        .db
        .call(move |conn| {
            let install = install_of(conn, &caller.session_id)?;
            conn.execute(
                "DELETE FROM push_registrations WHERE account_id = ?1 AND install_id = ?2",
                params![caller.account_id, install],
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/push/registration`: whether this install is registered (never the token).
pub async fn status(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<RegistrationStatus>, ApiError> {
    let row = state
        .db
        .call(move |conn| {
            let install = install_of(conn, &caller.session_id)?;
            Ok(conn
                .query_row(
                    "SELECT provider, registered_at FROM push_registrations WHERE account_id = ?1 AND install_id = ?2",
                    params![caller.account_id, install],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?)
        })
        .await?;
    Ok(Json(match row {
        Some((provider, at)) => RegistrationStatus {
            registered: true,
            provider: PushProvider::parse(&provider),
            registered_at: Some(at),
        },
        None => RegistrationStatus {
            registered: false,
            provider: None,
            registered_at: None,
        },
    }))
}

fn read_preferences(conn: &Connection, account_id: &str) -> rusqlite::Result<PreferencesDoc> {
    let mut stmt = conn.prepare_cached(
        "SELECT category, warehouse_id, enabled, updated_at FROM push_preferences
         WHERE account_id = ?1 ORDER BY category, warehouse_id",
    )?;
    let mut updated_at = 0;
    let mut preferences = Vec::new();
    let rows = stmt.query_map([account_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (category, warehouse, enabled, at) = row?;
        updated_at = updated_at.max(at);
        if let Some(category) = Category::parse(&category) {
            preferences.push(Preference {
                category,
                warehouse_id: (!warehouse.is_empty()).then_some(warehouse),
                enabled,
            });
        }
    }
    Ok(PreferencesDoc {
        preferences,
        updated_at,
    })
}

/// `GET /v1/push/preferences`
pub async fn get_preferences(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<PreferencesDoc>, ApiError> {
    let doc = state
        .db
        .call(move |conn| Ok(read_preferences(conn, &caller.account_id)?))
        .await?;
    Ok(Json(doc))
}

/// `POST /v1/push/preferences`: sets the named switches; answers the whole set.
pub async fn set_preferences(
    State(state): State<AppState>,
    caller: AuthedAccount,
    body: axum::body::Bytes,
) -> Result<Json<PreferencesDoc>, ApiError> {
    let doc: PreferencesDoc = crate::error::decode_body(&body, "preferences", "preferences")?;
    if doc.preferences.len() > 500 {
        return Err(ApiError::invalid("preferences", "at most 500 switches"));
    }
    for p in &doc.preferences {
        match (&p.warehouse_id, p.category.per_warehouse()) {
            (Some(w), true) => caller.require_warehouse(w)?,
            (None, false) => {}
            (None, true) => {
                return Err(ApiError::invalid(
                    "preferences.warehouse_id",
                    format!("{} is chosen per warehouse", p.category.as_str()),
                ));
            }
            (Some(_), false) => {
                return Err(ApiError::invalid(
                    "preferences.warehouse_id",
                    format!("{} is not chosen per warehouse", p.category.as_str()),
                ));
            }
        }
    }
    let now = state.push.clock().now();
    let answer = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            for p in &doc.preferences {
                tx.execute(
                    "INSERT INTO push_preferences(account_id, category, warehouse_id, enabled, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(account_id, category, warehouse_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
                    params![caller.account_id, p.category.as_str(), p.warehouse_id.clone().unwrap_or_default(), p.enabled, now],
                )?;
            }
            let answer = read_preferences(&tx, &caller.account_id)?;
            tx.commit()?;
            Ok(answer)
        })
        .await?;
    Ok(Json(answer))
}
