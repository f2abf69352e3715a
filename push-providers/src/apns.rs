//! APNs over HTTP/2 with an ES256 provider token.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;

use crate::jwt::Es256;
use crate::transport::Transport;
use crate::{DEFAULT_RETRY_AFTER, ProviderError, PushMessage, Secret, SendOutcome};

/// Apple's endpoints; the environment is chosen per device token.
pub const PRODUCTION: &str = "https://api.push.apple.com";
pub const SANDBOX: &str = "https://api.sandbox.push.apple.com";

/// Apple refuses provider tokens older than an hour and throttles ones renewed more often
/// than every 20 minutes; 50 minutes sits between.
const PROVIDER_TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

/// Which APNs environment a device token belongs to (debug builds get sandbox tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApnsEnvironment {
    Production,
    Sandbox,
}

/// Credentials (`AuthKey_XXXX.p8`) and endpoints.
pub struct ApnsConfig {
    /// The `.p8` key's PEM text.
    pub key_pem: String,
    pub key_id: String,
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    pub production_url: String,
    pub sandbox_url: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for ApnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsConfig")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field("production_url", &self.production_url)
            .field("sandbox_url", &self.sandbox_url)
            .finish_non_exhaustive()
    }
}

struct ProviderToken {
    value: Secret,
    made: Instant,
}

/// A client for one app (topic). HTTP/2 multiplexes concurrent sends on one connection.
pub struct ApnsClient {
    http: Transport,
    signer: Es256,
    config: ApnsConfig,
    token: Mutex<Option<ProviderToken>>,
    tokens_made: std::sync::atomic::AtomicU64,
}

impl ApnsClient {
    pub fn new(config: ApnsConfig) -> Result<Self, ProviderError> {
        let signer = Es256::from_pkcs8_pem(&config.key_pem)?;
        // APNs speaks only HTTP/2; prior knowledge also lets a plain-HTTP stand-in answer.
        let http = Transport::new(config.timeout, true)?;
        Ok(ApnsClient {
            http,
            signer,
            config,
            token: Mutex::new(None),
            tokens_made: Default::default(),
        })
    }

    /// How many provider tokens this client has signed (tests check renewal).
    pub fn provider_tokens_made(&self) -> u64 {
        self.tokens_made.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn provider_token(&self, renew: bool) -> Result<String, SendOutcome> {
        let mut cached = self.token.lock().await;
        if !renew
            && let Some(t) = cached
                .as_ref()
                .filter(|t| t.made.elapsed() < PROVIDER_TOKEN_LIFETIME)
        {
            return Ok(t.value.0.clone());
        }
        let jwt = self
            .signer
            .sign(
                &json!({"alg": "ES256", "kid": self.config.key_id}),
                &json!({"iss": self.config.team_id, "iat": crate::unix_now()}),
            )
            .map_err(|e| SendOutcome::Transient {
                reason: e.to_string(),
            })?;
        self.tokens_made
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *cached = Some(ProviderToken {
            value: Secret(jwt.clone()),
            made: Instant::now(),
        });
        Ok(jwt)
    }

    /// Sends one alert to one device token.
    pub async fn send(
        &self,
        device_token: &str,
        environment: ApnsEnvironment,
        message: &PushMessage,
    ) -> SendOutcome {
        // Device tokens are hex; anything else would change the request path.
        if device_token.is_empty()
            || device_token.len() > 200
            || !device_token.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return SendOutcome::DeadToken {
                reason: "BadDeviceToken (not hex)".into(),
                since_ms: None,
            };
        }
        let base = match environment {
            ApnsEnvironment::Production => &self.config.production_url,
            ApnsEnvironment::Sandbox => &self.config.sandbox_url,
        };
        let url = format!("{}/3/device/{device_token}", base.trim_end_matches('/'));
        let body = payload(message).to_string();
        for attempt in 0..2 {
            let jwt = match self.provider_token(attempt > 0).await {
                Ok(t) => t,
                Err(o) => return o,
            };
            let authorization = format!("bearer {jwt}");
            let mut headers = vec![
                ("authorization", authorization.as_str()),
                ("apns-topic", self.config.topic.as_str()),
                ("apns-push-type", "alert"),
                ("apns-priority", "10"),
                ("content-type", "application/json"),
            ];
            if let Some(key) = &message.collapse_key {
                headers.push(("apns-collapse-id", key.as_str()));
            }
            let answer = match self
                .http
                .post(&url, &headers, body.clone().into_bytes())
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    return SendOutcome::Transient {
                        reason: format!("APNs send: {e}"),
                    };
                }
            };
            let status = answer.status.as_u16();
            let apns_id = answer
                .headers
                .get("apns-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let retry = crate::retry_after(&answer.headers);
            let text = answer.text();
            if status == 200 {
                return SendOutcome::Delivered {
                    message_id: apns_id.unwrap_or_default(),
                };
            }
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let reason = parsed["reason"].as_str().unwrap_or("").to_string();
            if status == 403 && reason == "ExpiredProviderToken" && attempt == 0 {
                continue;
            }
            return classify(status, &reason, parsed["timestamp"].as_i64(), retry);
        }
        SendOutcome::Transient {
            reason: "APNs refused a fresh provider token".into(),
        }
    }
}

/// Apple's status and reason table.
fn classify(
    status: u16,
    reason: &str,
    timestamp: Option<i64>,
    retry: Option<Duration>,
) -> SendOutcome {
    let label = format!("{status} {reason}");
    match (status, reason) {
        (410, _) | (400, "BadDeviceToken") | (400, "DeviceTokenNotForTopic") => {
            SendOutcome::DeadToken {
                reason: label,
                since_ms: timestamp,
            }
        }
        (429, _) | (503, _) => SendOutcome::RetryAfter {
            after: retry.unwrap_or(DEFAULT_RETRY_AFTER),
            reason: label,
        },
        (500..=599, _) => SendOutcome::Transient { reason: label },
        (_, "") => SendOutcome::Transient {
            reason: format!("{status} with an unreadable body"),
        },
        // Payload, topic or credential problems: resending the same thing will not help.
        _ => SendOutcome::Rejected { reason: label },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_table() {
        assert_eq!(
            classify(410, "Unregistered", Some(1_700_000_000_000), None),
            SendOutcome::DeadToken {
                reason: "410 Unregistered".into(),
                since_ms: Some(1_700_000_000_000)
            }
        );
        assert!(matches!(
            classify(400, "BadDeviceToken", None, None),
            SendOutcome::DeadToken { .. }
        ));
        assert!(matches!(
            classify(400, "PayloadTooLarge", None, None),
            SendOutcome::Rejected { .. }
        ));
        assert!(matches!(
            classify(429, "TooManyRequests", None, None),
            SendOutcome::RetryAfter { .. }
        ));
        assert!(matches!(
            classify(500, "InternalServerError", None, None),
            SendOutcome::Transient { .. }
        ));
        assert!(matches!(
            classify(502, "", None, None),
            SendOutcome::Transient { .. }
        ));
    }
}

/// The APNs payload of one message: the alert the user sees, and `content-available` so the
/// app (with its `remote-notification` background mode) is also woken to refresh what the
/// event is about (stock after a threshold, routes after a change) before it is opened.
/// Our data keys sit beside `aps`, never inside it.
fn payload(message: &PushMessage) -> serde_json::Value {
    let mut payload = serde_json::Map::new();
    payload.insert(
        "aps".into(),
        json!({
            "alert": {"title": message.title, "body": message.body},
            "sound": "default",
            "content-available": 1,
        }),
    );
    for (k, v) in &message.data {
        if k != "aps" {
            payload.insert(k.clone(), json!(v));
        }
    }
    serde_json::Value::Object(payload)
}

#[cfg(test)]
mod payload_tests {
    use super::*;

    #[test]
    fn an_alert_also_wakes_the_app_and_keeps_its_data_beside_aps() {
        let message = PushMessage {
            title: "Low stock".into(),
            body: "Tomatoes below 20 kg".into(),
            data: [
                ("event".to_string(), "stock_threshold".to_string()),
                ("aps".to_string(), "spoofed".to_string()),
            ]
            .into_iter()
            .collect(),
            collapse_key: None,
        };
        let p = payload(&message);
        assert_eq!(p["aps"]["content-available"], 1);
        assert_eq!(p["aps"]["alert"]["title"], "Low stock");
        assert_eq!(p["event"], "stock_threshold");
        assert!(p["aps"].is_object(), "a data key must not replace aps");
    }
}
