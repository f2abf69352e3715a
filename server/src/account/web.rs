//! The deletion page for people without the app (Google Play's web path): sign in with
//! username and password, see what deletion does, then request it, cancel it or see its
//! state. No cookies and no session: every action carries the password, which is also the
//! re-authentication a deletion needs, so there is nothing to steal and no cross-site
//! request to forge.

use std::net::IpAddr;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use companion_wire::account::{DELETION_PHRASE, DeletionStatus, ServerDeletionState};
use rusqlite::OptionalExtension;
use serde::Deserialize;

use super::deletion::{self, DELETED, KEPT};
use crate::AppState;
use crate::auth::ClientAddr;
use crate::error::ApiError;
use crate::limits::{MAX_PASSWORD_LEN, MAX_USERNAME_LEN, check_len};

/// Where the page is served (outside `/v1`: it is for browsers, not the app).
pub const PAGE: &str = "/account/delete";

/// The form's fields.
#[derive(Deserialize)]
pub struct PageForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub confirmation: String,
    /// `status`, `request` or `cancel`.
    pub action: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(grace_days: i64, result: Option<(&str, String)>) -> Response {
    let deleted: String = DELETED
        .iter()
        .map(|d| format!("<li>{}</li>", escape(d)))
        .collect();
    let kept: String = KEPT
        .iter()
        .map(|(k, why)| format!("<li><b>{}</b>: {}</li>", escape(k), escape(why)))
        .collect();
    let result = match result {
        Some((state, message)) => format!(
            r#"<p id="result" data-state="{}" role="status">{}</p>"#,
            escape(state),
            escape(&message)
        ),
        None => String::new(),
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Delete your Companion account</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}label{{display:block;margin:.6em 0}}#result{{padding:.6em;border:1px solid #888}}</style>
</head><body>
<h1>Delete your Companion account</h1>
{result}
<p>Deleting your account signs you out on every device at once and removes your push
notifications. Your data is kept for a grace period of <b id="grace-days">{grace_days}</b> days, during
which you can sign in here or in the app and cancel. After it:</p>
<h2>Deleted</h2><ul id="deleted">{deleted}</ul>
<h2>Kept, without your name</h2><ul id="kept">{kept}</ul>
<p>Backups are kept for at most 90 days; restoring one re-applies your deletion. You can
download a copy of your data in the app (Account &rarr; Export my data) before deleting.</p>
<form method="post" action="{PAGE}" id="deletion-form">
<label>Username <input name="username" id="username" autocomplete="username" required maxlength="{MAX_USERNAME_LEN}"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required maxlength="{MAX_PASSWORD_LEN}"></label>
<label>To delete, type <b>{phrase}</b> <input name="confirmation" id="confirmation" autocomplete="off" maxlength="100"></label>
<button type="submit" name="action" value="request" id="request">Delete my account</button>
<button type="submit" name="action" value="cancel" id="cancel">Cancel a pending deletion</button>
<button type="submit" name="action" value="status" id="status">Show my account's state</button>
</form>
</body></html>
"#,
        phrase = escape(DELETION_PHRASE),
    );
    let mut resp = Html(html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// `GET /account/delete`
pub async fn show(State(state): State<AppState>) -> Response {
    page(state.config.account.grace_days(), None)
}

fn describe(s: &DeletionStatus) -> (&'static str, String) {
    match s.state {
        ServerDeletionState::Pending => (
            "pending",
            format!(
                "Deletion requested. Your account will be deleted after {} (unix time {}) unless you cancel before.",
                httpdate_of(s.purge_after.unwrap_or_default()),
                s.purge_after.unwrap_or_default()
            ),
        ),
        ServerDeletionState::None => ("none", "No deletion is pending for your account.".into()),
    }
}

fn httpdate_of(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} UTC")
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Checks username and password; `Ok(None)` for wrong ones (throttled like logins).
async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<Option<String>, Response> {
    state
        .throttle
        .check(username, addr)
        .map_err(IntoResponse::into_response)?;
    let name = username.to_string();
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
    let password = password.to_string();
    let verified = state
        .passwords
        .run(move || {
            let (id, hash) = row.unwrap_or_else(|| {
                (
                    String::new(),
                    DUMMY_HASH
                        .get_or_init(|| {
                            crate::auth::hash_password("no such user").unwrap_or_default()
                        })
                        .clone(),
                )
            });
            (crate::auth::verify_password(&password, &hash) && !id.is_empty()).then_some(id)
        })
        .await?;
    match &verified {
        Some(_) => state.throttle.succeeded(username),
        None => state.throttle.failed(username, addr),
    }
    Ok(verified)
}

/// `POST /account/delete`: the form.
pub async fn submit(
    State(state): State<AppState>,
    addr: Option<axum::Extension<ClientAddr>>,
    Form(form): Form<PageForm>,
) -> Result<Response, Response> {
    let bad = |e: ApiError| e.into_response();
    check_len("username", &form.username, 1, MAX_USERNAME_LEN).map_err(bad)?;
    check_len("password", &form.password, 1, MAX_PASSWORD_LEN).map_err(bad)?;
    check_len("confirmation", &form.confirmation, 0, 100).map_err(bad)?;
    if !matches!(form.action.as_str(), "status" | "request" | "cancel") {
        return Err(bad(ApiError::invalid(
            "action",
            "must be status, request or cancel",
        )));
    }
    let addr = addr.map(|a| a.0.0);
    let grace = state.config.account.grace_days();
    let Some(account_id) = sign_in(&state, form.username.trim(), &form.password, addr).await?
    else {
        return Ok(page(
            grace,
            Some(("error", "Wrong username or password.".into())),
        ));
    };
    let result = match form.action.as_str() {
        "request" => {
            if form.confirmation != DELETION_PHRASE {
                return Ok(page(
                    grace,
                    Some((
                        "error",
                        format!("Type {DELETION_PHRASE} exactly to confirm; nothing was changed."),
                    )),
                ));
            }
            match deletion::request_deletion(
                &state,
                account_id,
                form.password,
                &form.confirmation,
                addr,
                "web",
            )
            .await
            {
                Ok(s) => describe(&s),
                Err(resp) if resp.status() == StatusCode::CONFLICT => (
                    "pending",
                    "A deletion is already pending for your account.".into(),
                ),
                Err(resp) => return Err(resp),
            }
        }
        "cancel" => match deletion::cancel_deletion(&state, account_id).await {
            Ok(_) => (
                "cancelled",
                "Deletion cancelled. Your account stays.".into(),
            ),
            Err(e) if e.status == StatusCode::CONFLICT => ("error", e.message),
            Err(e) => return Err(bad(e)),
        },
        _ => {
            let config = state.config.account.clone();
            let s = state
                .db
                .call(move |conn| deletion::load_status(conn, &account_id, &config))
                .await
                .map_err(bad)?;
            describe(&s)
        }
    };
    Ok(page(grace, Some((result.0, result.1))))
}
