//! Fault injection on the real server: tests make it fail the way networks and servers do
//! (5xx, slow or broken bodies, answers lost after the work was committed) without mocking
//! it. Rules apply to the next N requests whose path starts with a prefix.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer `status` without running the handler (optionally with `Retry-After`).
    Status {
        status: u16,
        retry_after_secs: Option<u64>,
    },
    /// Run the handler, then answer 200 with a body that is not JSON.
    GarbageBody,
    /// Run the handler, then send the body only after `delay_ms`.
    SlowBody { delay_ms: u64 },
    /// Run the handler (its transaction commits), then break the connection instead of
    /// answering: the client cannot tell whether the request took effect.
    DropAfterCommit,
    /// Break the connection before the handler runs: nothing took effect.
    DropBeforeHandler,
}

/// One rule: the next `remaining` requests under `path_prefix` get `fault`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    pub path_prefix: String,
    pub remaining: u32,
    pub fault: FaultKind,
}

/// The server's active fault rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    /// Adds a rule.
    pub fn inject(&self, path_prefix: &str, count: u32, fault: FaultKind) {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.push(FaultRule {
            path_prefix: path_prefix.to_string(),
            remaining: count,
            fault,
        });
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Takes one use of the first rule matching `path`.
    fn take(&self, path: &str) -> Option<FaultKind> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let index = rules
            .iter()
            .position(|r| path.starts_with(&r.path_prefix) && r.remaining > 0)?;
        let rule = &mut rules[index];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            rules.remove(index);
        }
        Some(fault)
    }
}

/// A body that fails at once, so hyper aborts the connection mid-response.
fn broken_body() -> Body {
    let error = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected fault");
    Body::from_stream(futures_util::stream::iter([Err::<axum::body::Bytes, _>(
        error,
    )]))
}

/// Middleware applying the fault rules.
pub async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let Some(fault) = faults.take(request.uri().path()) else {
        return next.run(request).await;
    };
    tracing::debug!(path = request.uri().path(), ?fault, "injecting fault");
    match fault {
        FaultKind::Status {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                crate::error::ApiError::new(status, "injected", "injected fault").into_response();
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(secs));
            }
            response
        }
        FaultKind::GarbageBody => {
            let _ = next.run(request).await;
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                "<html>surprise</html>",
            )
                .into_response()
        }
        FaultKind::SlowBody { delay_ms } => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let delayed = futures_util::stream::once(async move {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                Ok::<_, std::io::Error>(bytes)
            });
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from_stream(delayed))
        }
        FaultKind::DropAfterCommit => {
            let _ = next.run(request).await;
            Response::new(broken_body())
        }
        FaultKind::DropBeforeHandler => Response::new(broken_body()),
    }
}

/// `POST /v1/_test/faults` (only with fault injection enabled): replaces the rules.
pub async fn configure(
    State(state): State<AppState>,
    Json(rules): Json<Vec<FaultRule>>,
) -> StatusCode {
    state.faults.clear();
    for rule in rules {
        state
            .faults
            .inject(&rule.path_prefix, rule.remaining, rule.fault);
    }
    StatusCode::NO_CONTENT
}
