//! Deletion requests: re-authentication with the password entered again, the typed phrase,
//! and at once every session and token revoked and every push registration removed. The
//! purge follows after the grace period ([`super::purge`]); until then the user may sign in
//! and cancel.

use std::net::IpAddr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use companion_wire::account::{
    DELETION_PHRASE, DeletionRequest, DeletionStatus, KeptRecord, MAX_CONFIRMATION_LEN,
    ServerDeletionState,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::AccountConfig;
use crate::AppState;
use crate::auth::{AuthedAccount, ClientAddr};
use crate::error::{ApiError, ApiJson};
use crate::limits::{MAX_PASSWORD_LEN, check_len};

/// Error codes of the account endpoints.
pub mod codes {
    /// `403`: the password entered to confirm is wrong.
    pub const REAUTHENTICATION_FAILED: &str = "reauthentication_failed";
    /// `409`: a deletion is already pending for this account.
    pub const DELETION_PENDING: &str = "deletion_pending";
    /// `409`: there is no pending deletion to cancel.
    pub const NO_DELETION_PENDING: &str = "no_deletion_pending";
    /// `409`: the grace period is over; the purge has started or is due.
    pub const GRACE_PERIOD_OVER: &str = "grace_period_over";
    /// `409`: the export is still being built (or failed).
    pub const EXPORT_NOT_READY: &str = "export_not_ready";
    /// `416`: the requested byte range is outside the export.
    pub const RANGE_NOT_SATISFIABLE: &str = "range_not_satisfiable";
}

/// What the purge deletes.
pub const DELETED: &[&str] = &[
    "profile: username, display name, phone, job title, password",
    "sign-in sessions and devices, tokens",
    "push registrations, notification preferences and pending notifications",
    "data exports",
];

/// What the purge keeps, de-identified, and why.
pub const KEPT: &[(&str, &str)] = &[
    (
        "stock movements you recorded",
        "the stock ledger must add up, and lot movements of food must stay traceable \
         (Regulation (EC) No 178/2002, art. 18); the person is replaced by a pseudonym \
         that links to nothing",
    ),
    (
        "signed proofs of delivery you captured",
        "evidence of delivery for the customer's invoice (accounting retention); the \
         person is replaced by a pseudonym that links to nothing",
    ),
];

/// The account's deletion status.
pub(crate) fn load_status(
    conn: &Connection,
    account_id: &str,
    config: &AccountConfig,
) -> Result<DeletionStatus, ApiError> {
    let row: Option<(i64, i64)> = conn
        .query_row(
            "SELECT requested_at, purge_after FROM account_deletions WHERE account_id = ?1",
            [account_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(DeletionStatus {
        state: if row.is_some() {
            ServerDeletionState::Pending
        } else {
            ServerDeletionState::None
        },
        requested_at: row.map(|r| r.0),
        purge_after: row.map(|r| r.1),
        grace_days: config.grace_days(),
        deleted: DELETED.iter().map(|s| s.to_string()).collect(),
        kept: KEPT
            .iter()
            .map(|(kind, reason)| KeptRecord {
                kind: kind.to_string(),
                reason: reason.to_string(),
            })
            .collect(),
    })
}

/// Checks the typed phrase and the password, then marks the account for deletion: every
/// session and token revoked, push registrations removed, all in one transaction.
pub(crate) async fn request_deletion(
    state: &AppState,
    account_id: String,
    password: String,
    confirmation: &str,
    addr: Option<IpAddr>,
    via: &'static str,
) -> Result<DeletionStatus, Response> {
    let bad = |e: ApiError| e.into_response();
    check_len("password", &password, 1, MAX_PASSWORD_LEN).map_err(bad)?;
    check_len("confirmation", confirmation, 0, MAX_CONFIRMATION_LEN).map_err(bad)?;
    if confirmation != DELETION_PHRASE {
        return Err(bad(ApiError::invalid(
            "confirmation",
            format!("type {DELETION_PHRASE:?} exactly to confirm"),
        )));
    }
    let id = account_id.clone();
    let row: Option<(String, String)> = state
        .db
        .call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT username, password_hash FROM accounts WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
        .map_err(bad)?;
    let Some((username, hash)) = row else {
        return Err(bad(ApiError::not_found("no such account")));
    };
    // Wrong passwords here count with the login's: the same throttle guards both.
    state
        .throttle
        .check(&username, addr)
        .map_err(IntoResponse::into_response)?;
    let ok = state
        .passwords
        .run(move || crate::auth::verify_password(&password, &hash))
        .await?;
    if !ok {
        state.throttle.failed(&username, addr);
        return Err(bad(ApiError {
            field: Some("password".into()),
            ..ApiError::new(
                StatusCode::FORBIDDEN,
                codes::REAUTHENTICATION_FAILED,
                "the password is wrong; the account was not marked for deletion",
            )
        }));
    }
    state.throttle.succeeded(&username);
    let config = state.config.account.clone();
    let now = config.clock.now();
    let purge_after = now + config.grace_secs();
    let id = account_id.clone();
    let status = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let pending: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM account_deletions WHERE account_id = ?1)",
                [&id],
                |r| r.get(0),
            )?;
            if pending {
                let s = load_status(&tx, &id, &config)?;
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    codes::DELETION_PENDING,
                    format!(
                        "deletion was already requested; the account is purged after {} unless cancelled",
                        s.purge_after.unwrap_or_default()
                    ),
                ));
            }
            let pseudonym = format!("anon-{}", uuid::Uuid::new_v4().simple());
            tx.execute(
                "INSERT INTO account_deletions(account_id, requested_at, purge_after, state, pseudonym, via)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?5)",
                params![id, now, purge_after, pseudonym, via],
            )?;
            tx.execute(
                "INSERT INTO account_journal(account_id, event, at, purge_after) VALUES (?1, 'requested', ?2, ?3)",
                params![id, now, purge_after],
            )?;
            revoke_everything(&tx, &id, now)?;
            let s = load_status(&tx, &id, &config)?;
            tx.commit()?;
            Ok(s)
        })
        .await
        .map_err(bad)?;
    super::backup::journal_append(
        &state.config.db_path,
        &account_id,
        "requested",
        now,
        Some(purge_after),
    );
    tracing::info!(account = %account_id, via, "account deletion requested");
    Ok(status)
}

/// Every session and token of the account revoked, push registrations removed and
/// undelivered notifications dropped (the request, and its re-application after a restore).
pub(crate) fn revoke_everything(
    conn: &Connection,
    account_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE revoked_at IS NULL AND session_id IN
           (SELECT id FROM device_sessions WHERE account_id = ?1)",
        params![account_id, now],
    )?;
    conn.execute(
        "UPDATE device_sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL",
        params![account_id, now],
    )?;
    conn.execute(
        "DELETE FROM push_registrations WHERE account_id = ?1",
        [account_id],
    )?;
    conn.execute(
        "UPDATE push_deliveries SET state = 'dropped' WHERE account_id = ?1 AND state = 'pending'",
        [account_id],
    )?;
    Ok(())
}

/// Cancels a pending deletion within the grace period.
pub(crate) async fn cancel_deletion(
    state: &AppState,
    account_id: String,
) -> Result<DeletionStatus, ApiError> {
    let config = state.config.account.clone();
    let now = config.clock.now();
    let id = account_id.clone();
    let status = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let row: Option<(String, i64)> = tx
                .query_row(
                    "SELECT state, purge_after FROM account_deletions WHERE account_id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match row {
                None => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        codes::NO_DELETION_PENDING,
                        "no deletion is pending for this account",
                    ));
                }
                Some((s, purge_after)) if s != "pending" || now >= purge_after => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        codes::GRACE_PERIOD_OVER,
                        "the grace period is over; the account is being purged",
                    ));
                }
                Some(_) => {}
            }
            tx.execute("DELETE FROM account_deletions WHERE account_id = ?1", [&id])?;
            tx.execute(
                "INSERT INTO account_journal(account_id, event, at) VALUES (?1, 'cancelled', ?2)",
                params![id, now],
            )?;
            let s = load_status(&tx, &id, &config)?;
            tx.commit()?;
            Ok(s)
        })
        .await?;
    super::backup::journal_append(&state.config.db_path, &account_id, "cancelled", now, None);
    tracing::info!(account = %account_id, "account deletion cancelled");
    Ok(status)
}

/// `GET /v1/account/deletion`
pub async fn status(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<DeletionStatus>, ApiError> {
    let config = state.config.account.clone();
    let s = state
        .db
        .call(move |conn| load_status(conn, &caller.account_id, &config))
        .await?;
    Ok(Json(s))
}

/// `POST /v1/account/deletion`: `202` with the pending status; the caller's session ends
/// with every other one of the account.
pub async fn request(
    State(state): State<AppState>,
    addr: Option<axum::Extension<ClientAddr>>,
    caller: AuthedAccount,
    ApiJson(req): ApiJson<DeletionRequest>,
) -> Result<(StatusCode, Json<DeletionStatus>), Response> {
    let addr = addr.map(|a| a.0.0);
    let s = request_deletion(
        &state,
        caller.account_id,
        req.password,
        &req.confirmation,
        addr,
        "app",
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(s)))
}

/// `POST /v1/account/deletion/cancel`: the signed-in user keeps the account.
pub async fn cancel(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<DeletionStatus>, ApiError> {
    Ok(Json(cancel_deletion(&state, caller.account_id).await?))
}
