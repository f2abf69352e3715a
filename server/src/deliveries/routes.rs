//! `GET /v1/deliveries/routes`: the caller's routes with their stops (only routes assigned
//! to the caller, so a driver never sees another driver's customers).

use axum::Json;
use axum::extract::State;
use companion_wire::deliveries::{Route, RoutesResponse, Stop, StopStatus};
use rusqlite::{Connection, OptionalExtension, params};

use crate::AppState;
use crate::auth::AuthedAccount;
use crate::error::ApiError;

/// A stop as stored, with what the server keeps to itself.
pub struct StoredStop {
    pub route_id: String,
    pub driver_account_id: String,
    pub stop: Stop,
    pub pin: Option<String>,
}

fn parse_stop(json: &str, completed: bool) -> Result<Stop, ApiError> {
    let mut stop: Stop = serde_json::from_str(json)
        .map_err(|_| ApiError::internal("a stored stop is unreadable"))?;
    stop.status = if completed {
        StopStatus::Completed
    } else {
        StopStatus::Pending
    };
    Ok(stop)
}

/// route id, driver, stop JSON, PIN, completing proof
type StopRow = (String, String, String, Option<String>, Option<String>);

/// The stop `stop_id` with its route and driver, if it exists.
pub fn load_stop(conn: &Connection, stop_id: &str) -> Result<Option<StoredStop>, ApiError> {
    let row: Option<StopRow> = conn
        .prepare_cached(
            "SELECT s.route_id, r.driver_account_id, s.stop_json, s.pin, s.completed_proof_id
             FROM delivery_stops s JOIN delivery_routes r ON r.id = s.route_id WHERE s.id = ?1",
        )?
        .query_row([stop_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((route_id, driver_account_id, json, pin, completed)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredStop {
        route_id,
        driver_account_id,
        stop: parse_stop(&json, completed.is_some())?,
        pin,
    }))
}

/// The routes assigned to `account_id`, stops in driving order.
pub fn routes_of(conn: &Connection, account_id: &str) -> Result<Vec<Route>, ApiError> {
    let mut routes: Vec<Route> = conn
        .prepare_cached(
            "SELECT id, warehouse_id, service_date FROM delivery_routes
             WHERE driver_account_id = ?1 ORDER BY service_date, id",
        )?
        .query_map([account_id], |r| {
            Ok(Route {
                id: r.get(0)?,
                warehouse_id: r.get(1)?,
                service_date: r.get(2)?,
                stops: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT stop_json, completed_proof_id IS NOT NULL FROM delivery_stops
         WHERE route_id = ?1 ORDER BY sequence, id",
    )?;
    for route in &mut routes {
        let rows = stmt
            .query_map(params![route.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (json, completed) in rows {
            route.stops.push(parse_stop(&json, completed)?);
        }
    }
    Ok(routes)
}

/// `GET /v1/deliveries/routes`
pub async fn list(
    State(state): State<AppState>,
    caller: AuthedAccount,
) -> Result<Json<RoutesResponse>, ApiError> {
    let routes = state
        .db
        .call(move |conn| routes_of(conn, &caller.account_id))
        .await?;
    Ok(Json(RoutesResponse { routes }))
}
