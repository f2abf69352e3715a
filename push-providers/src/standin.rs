//! Loopback stand-ins of FCM and APNs that answer as the providers document, for tests,
//! benches and the demo. They check what the real services check (signed JWTs, the OAuth
//! access token, APNs headers) so a client that passes here is plausibly right there.
//!
//! A stand-in answers success by default; a test scripts answers per device token.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use ring::signature::{self, KeyPair};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::jwt::verify;

/// The RSA key of the stand-in's service account (a test key, generated for this repository).
const TEST_RSA_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/push/fcm-standin-service-account-key.pem"
));

/// A scripted answer for one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptedAnswer {
    Success,
    /// FCM 404 `UNREGISTERED`; APNs 410 `Unregistered` with a timestamp. The token stays dead.
    Unregistered,
    /// FCM 400 `INVALID_ARGUMENT` naming `message.token`; APNs 400 `BadDeviceToken`.
    BadToken,
    /// FCM 400 `INVALID_ARGUMENT` about the payload.
    BadPayload,
    /// FCM 429 `QUOTA_EXCEEDED`; APNs 429 `TooManyRequests`; with `Retry-After`.
    RateLimited {
        retry_after_secs: u64,
    },
    /// APNs 403 `ExpiredProviderToken`.
    ExpiredProviderToken,
    /// 500 with an HTML body.
    ServerError,
    /// 200 with a body that is not JSON.
    Garbage,
    /// Holds the answer this long (timeouts), then succeeds.
    Delay(Duration),
}

/// One message a stand-in accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub token: String,
    pub title: String,
    pub body: String,
    pub data: BTreeMap<String, String>,
    /// APNs only: the request's `apns-topic` and `apns-push-type`.
    pub headers: BTreeMap<String, String>,
}

#[derive(Default)]
struct Shared {
    scripts: Mutex<HashMap<String, VecDeque<ScriptedAnswer>>>,
    dead: Mutex<HashSet<String>>,
    received: Mutex<Vec<Received>>,
    /// Every send request, answered or not.
    requests: AtomicU64,
    /// (token, answer) per request, in order.
    log: Mutex<Vec<(String, String)>>,
}

impl Shared {
    fn next_answer(&self, token: &str) -> ScriptedAnswer {
        if lock(&self.dead).contains(token) {
            return ScriptedAnswer::Unregistered;
        }
        let answer = lock(&self.scripts)
            .get_mut(token)
            .and_then(VecDeque::pop_front)
            .unwrap_or(ScriptedAnswer::Success);
        if answer == ScriptedAnswer::Unregistered {
            lock(&self.dead).insert(token.to_string());
        }
        answer
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What both stand-ins offer a test.
pub struct StandinHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl StandinHandle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Queues answers for the next sends to `token` (then success again).
    pub fn script(&self, token: &str, answers: impl IntoIterator<Item = ScriptedAnswer>) {
        lock(&self.shared.scripts)
            .entry(token.to_string())
            .or_default()
            .extend(answers);
    }
    /// Messages accepted so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }
    /// Messages accepted for `token`.
    pub fn received_by(&self, token: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.token == token)
            .collect()
    }
    /// Send requests seen, whatever the answer.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }
    /// Requests for `token`, with the answer given (`"200"`, `"404 UNREGISTERED"`, …).
    pub fn answers_for(&self, token: &str) -> Vec<String> {
        lock(&self.shared.log)
            .iter()
            .filter(|(t, _)| t == token)
            .map(|(_, a)| a.clone())
            .collect()
    }
    /// Forgets received messages and the request log.
    pub fn clear(&self) {
        lock(&self.shared.received).clear();
        lock(&self.shared.log).clear();
    }
}

impl Drop for StandinHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn serve(app: Router) -> std::io::Result<(SocketAddr, oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok((addr, tx))
}

fn json_answer(status: u16, headers: &[(&str, String)], body: Value) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            axum::http::HeaderValue::from_str(v),
        ) {
            r.headers_mut().insert(name, value);
        }
    }
    r
}

// ---------------------------------------------------------------------------------------
// FCM

struct FcmState {
    shared: Arc<Shared>,
    public_key: Vec<u8>,
    project_id: String,
    client_email: String,
    access_tokens: Mutex<HashSet<String>>,
    token_uri: Mutex<String>,
    token_requests: AtomicU64,
}

/// The FCM stand-in: an OAuth token endpoint and `messages:send`.
pub struct FcmStandin {
    handle: StandinHandle,
    state: Arc<FcmState>,
}

impl std::ops::Deref for FcmStandin {
    type Target = StandinHandle;
    fn deref(&self) -> &StandinHandle {
        &self.handle
    }
}

impl FcmStandin {
    pub async fn start() -> std::io::Result<FcmStandin> {
        let der = crate::jwt::pem_to_der(TEST_RSA_KEY).map_err(std::io::Error::other)?;
        let pair = signature::RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let shared = Arc::new(Shared::default());
        let state = Arc::new(FcmState {
            shared: shared.clone(),
            public_key: pair.public().as_ref().to_vec(),
            project_id: "companion-standin".into(),
            client_email: "push@companion-standin.iam.gserviceaccount.com".into(),
            access_tokens: Default::default(),
            token_uri: Default::default(),
            token_requests: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .with_state(state.clone());
        let (addr, tx) = serve(app).await?;
        *lock(&state.token_uri) = format!("http://{addr}/token");
        Ok(FcmStandin {
            handle: StandinHandle {
                addr,
                shared,
                shutdown: Some(tx),
            },
            state,
        })
    }

    /// A service-account JSON key whose `token_uri` is this stand-in.
    pub fn service_account_json(&self) -> String {
        json!({
            "type": "service_account",
            "project_id": self.state.project_id,
            "private_key_id": "standin",
            "private_key": TEST_RSA_KEY,
            "client_email": self.state.client_email,
            "token_uri": *lock(&self.state.token_uri),
        })
        .to_string()
    }

    /// OAuth token requests answered so far.
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// Invalidates issued access tokens (the next send gets 401 UNAUTHENTICATED).
    pub fn revoke_access_tokens(&self) {
        lock(&self.state.access_tokens).clear();
    }
}

async fn fcm_token(State(s): State<Arc<FcmState>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    let bad = |why: &str| {
        json_answer(
            400,
            &[],
            json!({"error": "invalid_grant", "error_description": why}),
        )
    };
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return bad("unsupported grant_type");
    }
    let Some((header, claims)) = form
        .get("assertion")
        .and_then(|a| verify(a, &signature::RSA_PKCS1_2048_8192_SHA256, &s.public_key))
    else {
        return bad("Invalid JWT Signature.");
    };
    let now = crate::unix_now();
    let ok = header["alg"] == "RS256"
        && claims["iss"] == s.client_email.as_str()
        && claims["aud"] == lock(&s.token_uri).as_str()
        && claims["scope"]
            .as_str()
            .is_some_and(|sc| sc.split(' ').any(|x| x == crate::fcm::SCOPE))
        && claims["iat"].as_i64().is_some_and(|iat| iat <= now + 60)
        && claims["exp"]
            .as_i64()
            .is_some_and(|exp| exp > now && exp <= now + 3600 + 60);
    if !ok {
        return bad("Invalid JWT: claims");
    }
    s.token_requests.fetch_add(1, Ordering::Relaxed);
    let token = format!("ya29.standin-{}", random_hex(16));
    lock(&s.access_tokens).insert(token.clone());
    json_answer(
        200,
        &[],
        json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
    )
}

fn fcm_error(status: u16, code: &str, message: &str, details: Value) -> Response {
    json_answer(
        status,
        &[],
        json!({"error": {"code": status, "message": message, "status": code, "details": details}}),
    )
}

async fn fcm_send(
    State(s): State<Arc<FcmState>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.shared.requests.fetch_add(1, Ordering::Relaxed);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !lock(&s.access_tokens).contains(bearer) {
        return fcm_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
            json!([]),
        );
    }
    if project != s.project_id {
        return fcm_error(403, "PERMISSION_DENIED", "wrong project", json!([]));
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return fcm_error(
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received.",
            json!([]),
        );
    };
    let m = &v["message"];
    let token = m["token"].as_str().unwrap_or("").to_string();
    // FCM data values must be strings.
    let data: Option<BTreeMap<String, String>> = match &m["data"] {
        Value::Null => Some(BTreeMap::new()),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => None,
    };
    let Some(data) = data else {
        return fcm_error(
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'message.data': values must be strings",
            json!([{"@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "message.data", "description": "not a string"}]}]),
        );
    };
    let answer = if token.is_empty() {
        ScriptedAnswer::BadToken
    } else {
        s.shared.next_answer(&token)
    };
    let record = |label: &str| {
        lock(&s.shared.log).push((token.clone(), label.to_string()));
    };
    match answer {
        ScriptedAnswer::Success
        | ScriptedAnswer::Delay(_)
        | ScriptedAnswer::ExpiredProviderToken => {
            if let ScriptedAnswer::Delay(d) = answer {
                tokio::time::sleep(d).await;
            }
            record("200");
            lock(&s.shared.received).push(Received {
                token: token.clone(),
                title: m["notification"]["title"].as_str().unwrap_or("").into(),
                body: m["notification"]["body"].as_str().unwrap_or("").into(),
                data,
                headers: BTreeMap::new(),
            });
            json_answer(
                200,
                &[],
                json!({"name": format!("projects/{project}/messages/{}", random_hex(8))}),
            )
        }
        ScriptedAnswer::Unregistered => {
            record("404 UNREGISTERED");
            fcm_error(
                404,
                "NOT_FOUND",
                "Requested entity was not found.",
                json!([{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]),
            )
        }
        ScriptedAnswer::BadToken => {
            record("400 INVALID_ARGUMENT token");
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                json!([
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"},
                    {"@type": "type.googleapis.com/google.rpc.BadRequest",
                     "fieldViolations": [{"field": "message.token", "description": "Invalid registration token"}]}
                ]),
            )
        }
        ScriptedAnswer::BadPayload => {
            record("400 INVALID_ARGUMENT payload");
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "Invalid JSON payload received. Unknown name",
                json!([{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"}]),
            )
        }
        ScriptedAnswer::RateLimited { retry_after_secs } => {
            record("429 QUOTA_EXCEEDED");
            let mut r = fcm_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Send requests'",
                json!([{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "QUOTA_EXCEEDED"}]),
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        ScriptedAnswer::ServerError => {
            record("500");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html>Internal error</html>",
            )
                .into_response()
        }
        ScriptedAnswer::Garbage => {
            record("200 garbage");
            (StatusCode::OK, "not json at all").into_response()
        }
    }
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------
// APNs

struct ApnsState {
    shared: Arc<Shared>,
    public_key: Vec<u8>,
    key_id: String,
    team_id: String,
    topic: String,
}

/// The APNs stand-in (HTTP/2 over plain TCP, which the client reaches with prior knowledge).
pub struct ApnsStandin {
    handle: StandinHandle,
    state: Arc<ApnsState>,
    key_pem: String,
}

impl std::ops::Deref for ApnsStandin {
    type Target = StandinHandle;
    fn deref(&self) -> &StandinHandle {
        &self.handle
    }
}

impl ApnsStandin {
    /// Starts with a freshly generated P-256 key, as if downloaded as `AuthKey_<kid>.p8`.
    pub async fn start() -> std::io::Result<ApnsStandin> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let pair = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
        let key_pem = format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n");
        let shared = Arc::new(Shared::default());
        let state = Arc::new(ApnsState {
            shared: shared.clone(),
            public_key: pair.public_key().as_ref().to_vec(),
            key_id: "STANDIN01".into(),
            team_id: "TEAMSTAND1".into(),
            topic: "com.example.companion".into(),
        });
        let app = Router::new()
            .route("/3/device/{token}", post(apns_send))
            .with_state(state.clone());
        let (addr, tx) = serve(app).await?;
        Ok(ApnsStandin {
            handle: StandinHandle {
                addr,
                shared,
                shutdown: Some(tx),
            },
            state,
            key_pem,
        })
    }

    /// A client configuration for this stand-in (both environments point here).
    pub fn client_config(&self) -> crate::apns::ApnsConfig {
        crate::apns::ApnsConfig {
            key_pem: self.key_pem.clone(),
            key_id: self.state.key_id.clone(),
            team_id: self.state.team_id.clone(),
            topic: self.state.topic.clone(),
            production_url: self.url(),
            sandbox_url: self.url(),
            timeout: Duration::from_secs(5),
        }
    }

    /// The `.p8` PEM text (for writing a credentials file).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }
}

async fn apns_send(
    State(s): State<Arc<ApnsState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.shared.requests.fetch_add(1, Ordering::Relaxed);
    let id = random_hex(16);
    let reason = |status: u16, r: &str, extra: Option<i64>| {
        let mut body = json!({"reason": r});
        if let Some(ts) = extra {
            body["timestamp"] = json!(ts);
        }
        json_answer(status, &[("apns-id", id.clone())], body)
    };
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let record = |label: &str| lock(&s.shared.log).push((token.clone(), label.to_string()));
    let Some(jwt) = header("authorization").strip_prefix("bearer ") else {
        record("403 MissingProviderToken");
        return reason(403, "MissingProviderToken", None);
    };
    let Some((h, c)) = verify(jwt, &signature::ECDSA_P256_SHA256_FIXED, &s.public_key) else {
        record("403 InvalidProviderToken");
        return reason(403, "InvalidProviderToken", None);
    };
    let now = crate::unix_now();
    if h["alg"] != "ES256" || h["kid"] != s.key_id.as_str() || c["iss"] != s.team_id.as_str() {
        record("403 InvalidProviderToken");
        return reason(403, "InvalidProviderToken", None);
    }
    if c["iat"].as_i64().is_none_or(|iat| iat < now - 3600) {
        record("403 ExpiredProviderToken");
        return reason(403, "ExpiredProviderToken", None);
    }
    if header("apns-topic") != s.topic {
        record("400 DeviceTokenNotForTopic");
        return reason(400, "TopicDisallowed", None);
    }
    if !matches!(header("apns-push-type"), "alert" | "background") {
        record("400 InvalidPushType");
        return reason(400, "InvalidPushType", None);
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        record("400 PayloadEmpty");
        return reason(400, "PayloadEmpty", None);
    };
    if body.len() > 4096 {
        record("413 PayloadTooLarge");
        return reason(413, "PayloadTooLarge", None);
    }
    let answer = if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        ScriptedAnswer::BadToken
    } else {
        s.shared.next_answer(&token)
    };
    match answer {
        ScriptedAnswer::Success | ScriptedAnswer::Delay(_) => {
            if let ScriptedAnswer::Delay(d) = answer {
                tokio::time::sleep(d).await;
            }
            record("200");
            let data = payload
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| *k != "aps")
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), str::to_string),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            lock(&s.shared.received).push(Received {
                token: token.clone(),
                title: payload["aps"]["alert"]["title"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
                body: payload["aps"]["alert"]["body"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
                data,
                headers: [
                    ("apns-topic".to_string(), header("apns-topic").to_string()),
                    (
                        "apns-push-type".to_string(),
                        header("apns-push-type").to_string(),
                    ),
                ]
                .into(),
            });
            let mut r = StatusCode::OK.into_response();
            if let Ok(v) = id.parse() {
                r.headers_mut().insert("apns-id", v);
            }
            r
        }
        ScriptedAnswer::Unregistered => {
            record("410 Unregistered");
            reason(410, "Unregistered", Some(now * 1000 - 86_400_000))
        }
        ScriptedAnswer::BadToken => {
            record("400 BadDeviceToken");
            reason(400, "BadDeviceToken", None)
        }
        ScriptedAnswer::BadPayload => {
            record("400 BadMessageId");
            reason(400, "BadMessageId", None)
        }
        ScriptedAnswer::ExpiredProviderToken => {
            record("403 ExpiredProviderToken");
            reason(403, "ExpiredProviderToken", None)
        }
        ScriptedAnswer::RateLimited { retry_after_secs } => {
            record("429 TooManyRequests");
            json_answer(
                429,
                &[("retry-after", retry_after_secs.to_string())],
                json!({"reason": "TooManyRequests"}),
            )
        }
        ScriptedAnswer::ServerError => {
            record("500");
            reason(500, "InternalServerError", None)
        }
        ScriptedAnswer::Garbage => {
            record("200 garbage");
            (StatusCode::OK, "garbage").into_response()
        }
    }
}
