//! Rectification: the user corrects their display name, phone and job title.

use axum::Json;
use axum::extract::State;
use companion_wire::account::{Profile, ProfileUpdate, check_profile_update};
use rusqlite::{Connection, OptionalExtension, params};

use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::{ApiError, ApiJson, codes};

pub(crate) fn load_profile(conn: &Connection, account_id: &str) -> Result<Profile, ApiError> {
    conn.query_row(
        "SELECT username, display_name, phone, job_title, profile_updated_at FROM accounts WHERE id = ?1",
        [account_id],
        |r| {
            Ok(Profile {
                account_id: account_id.to_string(),
                username: r.get(0)?,
                display_name: r.get(1)?,
                phone: r.get(2)?,
                job_title: r.get(3)?,
                updated_at: r.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ApiError::unauthorized(codes::TOKEN_INVALID, "account no longer exists"))
}

/// `GET /v1/account/profile`
pub async fn get_profile(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<Profile>, ApiError> {
    let profile = state
        .db
        .call(move |conn| load_profile(conn, &caller.account_id))
        .await?;
    Ok(Json(profile))
}

/// `POST /v1/account/profile`: changes the given fields (idempotent: the same update twice
/// leaves the same profile).
pub async fn update_profile(
    State(state): State<AppState>,
    caller: AuthedAccount,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Profile>, ApiError> {
    // serde would also take a struct from a JSON array: only an object is an update.
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let update: ProfileUpdate = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid("body", format!("malformed profile update: {e}")))?;
    if let Some((field, why)) = check_profile_update(&update) {
        return Err(ApiError::invalid(field, why));
    }
    let now = state.config.account.clock.now();
    let profile = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            if let Some(name) = &update.display_name {
                tx.execute(
                    "UPDATE accounts SET display_name = ?2 WHERE id = ?1",
                    params![caller.account_id, name.trim()],
                )?;
            }
            if let Some(phone) = &update.phone {
                tx.execute(
                    "UPDATE accounts SET phone = ?2 WHERE id = ?1",
                    params![caller.account_id, phone.trim()],
                )?;
            }
            if let Some(title) = &update.job_title {
                tx.execute(
                    "UPDATE accounts SET job_title = ?2 WHERE id = ?1",
                    params![caller.account_id, title.trim()],
                )?;
            }
            tx.execute(
                "UPDATE accounts SET profile_updated_at = ?2 WHERE id = ?1",
                params![caller.account_id, now],
            )?;
            let profile = load_profile(&tx, &caller.account_id)?;
            tx.commit()?;
            Ok(profile)
        })
        .await?;
    tracing::info!(account = %profile.account_id, "profile updated");
    Ok(Json(profile))
}
