//! ERP-facing endpoints, authenticated by the ERP's API key (not by a phone session).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use companion_wire::codes;
use companion_wire::notification::NotificationKind;
use companion_wire::push::{ERP_KEY_HEADER, ErpEvent, ErpEventAccepted, ThresholdRequest};
use rusqlite::{OptionalExtension, params};

use super::events::{Audience, enqueue, on_hand};
use crate::AppState;
use crate::error::ApiError;

/// Compares digests, so the comparison takes the same time wherever the keys differ.
fn require_erp(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let refused =
        || ApiError::unauthorized(codes::TOKEN_INVALID, "a valid ERP API key is required");
    let Some(expected) = state.config.push.erp_api_key.as_deref() else {
        return Err(refused());
    };
    let given = headers
        .get(ERP_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?;
    let d = |s: &str| ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    if d(given).as_ref() == d(expected).as_ref() {
        Ok(())
    } else {
        Err(refused())
    }
}

fn id_ok(field: &str, v: &str) -> Result<(), ApiError> {
    if v.trim().is_empty() || v.len() > 200 {
        return Err(ApiError::invalid(field, "must be 1 to 200 characters"));
    }
    Ok(())
}

/// `POST /v1/erp/push/events`: an approval waiting or a delivery assigned, for one user.
pub async fn raise_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ErpEventAccepted>), ApiError> {
    require_erp(&state, &headers)?;
    let event: ErpEvent = crate::error::decode_body(&body, "kind", "event")?;
    let (username, kind, title, body) = match event {
        ErpEvent::ApprovalWaiting {
            username,
            approval_id,
            title,
            body,
        } => {
            id_ok("approval_id", &approval_id)?;
            (
                username,
                NotificationKind::ApprovalWaiting { approval_id },
                title,
                body,
            )
        }
        ErpEvent::DeliveryAssigned {
            username,
            stop_id,
            title,
            body,
        } => {
            id_ok("stop_id", &stop_id)?;
            (
                username,
                NotificationKind::DeliveryAssigned { stop_id },
                title,
                body,
            )
        }
    };
    if title.is_empty() || title.len() > 200 || body.len() > 1000 {
        return Err(ApiError::invalid(
            "title",
            "title 1-200, body up to 1000 characters",
        ));
    }
    let (event_id, n) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let account: Option<String> = tx
                .query_row(
                    "SELECT id FROM accounts WHERE username = ?1",
                    [&username],
                    |r| r.get(0),
                )
                .optional()?;
            let account = account.ok_or_else(|| ApiError::invalid("username", "no such user"))?;
            let out = enqueue(&tx, Audience::Account(&account), kind, &title, &body)?;
            tx.commit()?;
            Ok(out)
        })
        .await?;
    state.push.wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(ErpEventAccepted {
            event_id,
            deliveries: n as u32,
        }),
    ))
}

/// `POST /v1/erp/push/thresholds`: sets an item's alert level in a warehouse. Stock already
/// below it does not notify; the next crossing does.
pub async fn set_threshold(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    require_erp(&state, &headers)?;
    let req: ThresholdRequest = crate::error::decode_body(&body, "threshold", "threshold")?;
    if req.threshold < 0 {
        return Err(ApiError::invalid("threshold", "must not be negative"));
    }
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let known: bool = tx
                .query_row(
                    "SELECT 1 FROM inv_items WHERE warehouse_id = ?1 AND item_id = ?2",
                    params![req.warehouse_id, req.item_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !known {
                return Err(ApiError::invalid("item_id", "item not stocked in that warehouse"));
            }
            let below = on_hand(&tx, &req.warehouse_id, &req.item_id)? < req.threshold;
            tx.execute(
                "INSERT INTO push_thresholds(warehouse_id, item_id, threshold, below) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(warehouse_id, item_id) DO UPDATE SET threshold = excluded.threshold, below = excluded.below",
                params![req.warehouse_id, req.item_id, req.threshold, below],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
