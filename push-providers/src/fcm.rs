//! FCM HTTP v1: service-account JWT → OAuth access token → `messages:send`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use crate::jwt::Rs256;
use crate::transport::Transport;
use crate::{DEFAULT_RETRY_AFTER, ProviderError, PushMessage, Secret, SendOutcome};

/// The scope FCM sends need.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Google's production endpoints.
pub const DEFAULT_SEND_BASE: &str = "https://fcm.googleapis.com";

/// The fields of a Google service-account JSON key that FCM needs.
#[derive(Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    /// Parses the JSON key file Google issues.
    pub fn from_json(text: &str) -> Result<Self, ProviderError> {
        serde_json::from_str(text)
            .map_err(|e| ProviderError::Credentials(format!("service-account JSON: {e}")))
    }
}

/// Where and as whom to send.
#[derive(Debug)]
pub struct FcmConfig {
    pub account: ServiceAccount,
    /// `https://fcm.googleapis.com` in production; a stand-in's URL in tests.
    pub send_base_url: String,
    pub timeout: Duration,
}

struct AccessToken {
    value: Secret,
    /// Refreshed a minute before it expires.
    fresh_until: Instant,
}

/// A client for one Firebase project. Cheap to share; sends run concurrently.
pub struct FcmClient {
    http: Transport,
    signer: Rs256,
    account: ServiceAccount,
    send_url: String,
    token: Mutex<Option<AccessToken>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

impl FcmClient {
    pub fn new(config: FcmConfig) -> Result<Self, ProviderError> {
        let signer = Rs256::from_pkcs8_pem(&config.account.private_key)?;
        let http = Transport::new(config.timeout, false)?;
        let send_url = format!(
            "{}/v1/projects/{}/messages:send",
            config.send_base_url.trim_end_matches('/'),
            config.account.project_id
        );
        Ok(FcmClient {
            http,
            signer,
            account: config.account,
            send_url,
            token: Mutex::new(None),
        })
    }

    /// A valid access token, from the cache or from the OAuth endpoint.
    async fn access_token(&self) -> Result<String, SendOutcome> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| t.fresh_until > Instant::now()) {
            return Ok(t.value.0.clone());
        }
        let now = crate::unix_now();
        let assertion = self
            .signer
            .sign(
                &json!({"alg": "RS256", "typ": "JWT"}),
                &json!({
                    "iss": self.account.client_email,
                    "scope": SCOPE,
                    "aud": self.account.token_uri,
                    "iat": now,
                    "exp": now + 3600,
                }),
            )
            .map_err(|e| SendOutcome::Transient {
                reason: e.to_string(),
            })?;
        let form = crate::transport::form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ]);
        let answer = self
            .http
            .post(
                &self.account.token_uri,
                &[("content-type", "application/x-www-form-urlencoded")],
                form,
            )
            .await
            .map_err(|e| SendOutcome::Transient {
                reason: format!("OAuth token endpoint: {e}"),
            })?;
        let status = answer.status;
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(SendOutcome::RetryAfter {
                after: crate::retry_after(&answer.headers).unwrap_or(DEFAULT_RETRY_AFTER),
                reason: format!("OAuth token endpoint answered {status}"),
            });
        }
        if !status.is_success() {
            // Bad credentials will not fix themselves; still retried later in case the key
            // was rotated in place.
            return Err(SendOutcome::Transient {
                reason: format!("OAuth token endpoint refused the service account ({status})"),
            });
        }
        let token: TokenAnswer =
            serde_json::from_slice(&answer.body).map_err(|_| SendOutcome::Transient {
                reason: "OAuth token endpoint answered garbage".into(),
            })?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600));
        *cached = Some(AccessToken {
            value: Secret(token.access_token.clone()),
            fresh_until: Instant::now() + lifetime.saturating_sub(Duration::from_secs(60)),
        });
        Ok(token.access_token)
    }

    /// Sends one message to one registration token.
    pub async fn send(&self, device_token: &str, message: &PushMessage) -> SendOutcome {
        let mut body = json!({
            "message": {
                "token": device_token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": {"priority": "high"},
            }
        });
        if let Some(key) = &message.collapse_key {
            body["message"]["android"]["collapse_key"] = json!(key);
        }
        // One retry with a new access token when the cached one was refused.
        for attempt in 0..2 {
            let token = match self.access_token().await {
                Ok(t) => t,
                Err(outcome) => return outcome,
            };
            let authorization = format!("Bearer {token}");
            let answer = match self
                .http
                .post(
                    &self.send_url,
                    &[
                        ("authorization", authorization.as_str()),
                        ("content-type", "application/json"),
                    ],
                    body.to_string().into_bytes(),
                )
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    return SendOutcome::Transient {
                        reason: format!("FCM send: {e}"),
                    };
                }
            };
            let status = answer.status.as_u16();
            let retry = crate::retry_after(&answer.headers);
            let text = answer.text();
            if status == 200 {
                return match serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["name"].as_str().map(str::to_string))
                {
                    Some(message_id) => SendOutcome::Delivered { message_id },
                    None => SendOutcome::Transient {
                        reason: "FCM answered 200 without a message name".into(),
                    },
                };
            }
            if status == 401 && attempt == 0 {
                *self.token.lock().await = None;
                continue;
            }
            return classify(status, retry, &text);
        }
        SendOutcome::Transient {
            reason: "FCM refused a fresh access token".into(),
        }
    }
}

/// Maps an FCM error answer to what the dispatcher does, following FCM's error-code table.
fn classify(status: u16, retry: Option<Duration>, text: &str) -> SendOutcome {
    let error = serde_json::from_str::<ErrorAnswer>(text)
        .ok()
        .map(|a| a.error);
    let code = error.as_ref().map_or("", |e| e.status.as_str());
    // FCM puts its own code (UNREGISTERED, QUOTA_EXCEEDED, …) in a FcmError detail.
    let fcm_code = error
        .as_ref()
        .and_then(|e| {
            e.details
                .iter()
                .find_map(|d| d["errorCode"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    let names_token = error.as_ref().is_some_and(|e| {
        e.details.iter().any(|d| {
            d["fieldViolations"]
                .as_array()
                .is_some_and(|v| v.iter().any(|f| f["field"] == "message.token"))
        }) || e.message.contains("registration token")
    });
    let reason = format!(
        "{status} {}",
        if fcm_code.is_empty() { code } else { &fcm_code }
    );
    match (status, code, fcm_code.as_str()) {
        (404, _, _) | (_, _, "UNREGISTERED") | (_, "NOT_FOUND", _) => SendOutcome::DeadToken {
            reason,
            since_ms: None,
        },
        (400, _, _) if names_token => SendOutcome::DeadToken {
            reason,
            since_ms: None,
        },
        (429, _, _) | (503, _, _) => SendOutcome::RetryAfter {
            after: retry.unwrap_or(DEFAULT_RETRY_AFTER),
            reason,
        },
        (500..=599, _, _) => SendOutcome::Transient { reason },
        (400, _, _) | (403, _, _) => SendOutcome::Rejected { reason },
        _ if error.is_none() => SendOutcome::Transient {
            reason: format!("{status} with an unreadable body"),
        },
        _ => SendOutcome::Transient { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table() {
        let unreg = r#"{"error":{"code":404,"status":"NOT_FOUND","message":"Requested entity was not found.","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#;
        assert!(matches!(
            classify(404, None, unreg),
            SendOutcome::DeadToken { .. }
        ));
        let bad_token = r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"The registration token is not a valid FCM registration token","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message.token","description":"Invalid registration token"}]}]}}"#;
        assert!(matches!(
            classify(400, None, bad_token),
            SendOutcome::DeadToken { .. }
        ));
        let bad_payload = r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"Invalid JSON payload","details":[]}}"#;
        assert!(matches!(
            classify(400, None, bad_payload),
            SendOutcome::Rejected { .. }
        ));
        let quota = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"errorCode":"QUOTA_EXCEEDED"}]}}"#;
        assert_eq!(
            classify(429, Some(Duration::from_secs(7)), quota),
            SendOutcome::RetryAfter {
                after: Duration::from_secs(7),
                reason: "429 QUOTA_EXCEEDED".into()
            }
        );
        assert!(matches!(
            classify(502, None, "<html>"),
            SendOutcome::Transient { .. }
        ));
        assert!(matches!(
            classify(418, None, "garbage"),
            SendOutcome::Transient { .. }
        ));
    }
}
