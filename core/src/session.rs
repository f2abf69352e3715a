//! The signed-in session: tokens live only in secure storage, an expiring access token is
//! refreshed transparently (once, even when many requests need it at the same time), and
//! sign-out revokes the refresh token on the server.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::DeviceInfo;
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::events::{Topic, TopicUpdates};
use crate::http::{ApiClient, Refusal};
use crate::platform::{PlatformError, SecureStorage};
use companion_wire::session::{
    Account, DeviceRegistration, LoginRequest, RefreshRequest, TokenResponse,
};

const SESSION_KEY: &str = "session.v1";
/// A refresh token whose revocation could not reach the server; revoked at the next chance.
const PENDING_REVOCATION_KEY: &str = "session.pending_revocation";
/// Refresh this long before the access token expires, so a request never races expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

#[derive(Clone, Serialize, Deserialize)]
struct StoredSession {
    account: Account,
    access_token: String,
    refresh_token: String,
    /// Unix seconds, computed from the server's `expires_in` at receipt.
    access_expires_at: u64,
}

/// Whether someone is signed in on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SessionState {
    SignedOut,
    SignedIn { account: Account },
}

/// Called when the server ends the session (refresh token revoked or expired), so the owner
/// can close what belonged to the account.
pub type SessionEndedHook = Box<dyn Fn() + Send + Sync>;

/// The session state machine over secure storage and the API client.
pub struct Session {
    api: ApiClient,
    storage: Arc<dyn SecureStorage>,
    // A tokio mutex: held across the refresh request so concurrent callers wait for one
    // refresh instead of each rotating the refresh token.
    current: tokio::sync::Mutex<Option<StoredSession>>,
    state: Topic<SessionState>,
    on_ended: std::sync::OnceLock<SessionEndedHook>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn platform(e: PlatformError) -> Error {
    Error::Platform {
        service: "secure storage",
        reason: e.to_string(),
    }
}

impl Session {
    /// Loads a stored session, if any.
    pub fn load(api: ApiClient, storage: Arc<dyn SecureStorage>) -> Result<Self> {
        let current = match storage.get(SESSION_KEY.into()).map_err(platform)? {
            None => None,
            Some(bytes) => match serde_json::from_slice::<StoredSession>(&bytes) {
                Ok(s) => Some(s),
                Err(e) => {
                    // Unreadable session: the user signs in again; nothing else depends on it.
                    tracing::warn!(error = %e, "stored session is unreadable; signing out");
                    storage.delete(SESSION_KEY.into()).map_err(platform)?;
                    None
                }
            },
        };
        let state = match &current {
            Some(s) => SessionState::SignedIn {
                account: s.account.clone(),
            },
            None => SessionState::SignedOut,
        };
        Ok(Session {
            api,
            storage,
            current: tokio::sync::Mutex::new(current),
            state: Topic::new(state),
            on_ended: std::sync::OnceLock::new(),
        })
    }

    /// Tells observers that `account` is signed in, once what belongs to it is ready.
    pub fn announce_signed_in(&self, account: Account) {
        self.state.publish(SessionState::SignedIn { account });
    }

    /// Sets what runs when the server ends the session (once; later calls are ignored).
    pub fn on_ended(&self, hook: SessionEndedHook) {
        let _ = self.on_ended.set(hook);
    }

    /// The current state, then every change.
    pub fn states(&self) -> TopicUpdates<SessionState> {
        self.state.subscribe()
    }

    pub fn state(&self) -> SessionState {
        self.state.current()
    }

    /// Sets the account (after `/v1/me` told us its warehouses changed) without new tokens.
    pub(crate) async fn replace_account(&self, account: Account) -> Result<()> {
        // Waits for a refresh in flight: skipping would leave the stored account stale.
        let mut current = self.current.lock().await;
        if let Some(stored) = current.as_mut() {
            stored.account = account.clone();
            let bytes = serde_json::to_vec(&*stored).map_err(|e| Error::Internal(e.to_string()))?;
            self.storage
                .put(SESSION_KEY.into(), bytes)
                .map_err(platform)?;
            self.state.publish(SessionState::SignedIn { account });
        }
        Ok(())
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Option<Account> {
        self.current
            .try_lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.account.clone()))
            .or_else(|| {
                // Locked by an in-flight refresh: read the stored copy instead of waiting.
                self.storage
                    .get(SESSION_KEY.into())
                    .ok()
                    .flatten()
                    .and_then(|b| serde_json::from_slice::<StoredSession>(&b).ok())
                    .map(|s| s.account)
            })
    }

    /// The secure storage holding the tokens (and the account keys).
    pub fn storage(&self) -> &dyn SecureStorage {
        self.storage.as_ref()
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Signs in and stores the tokens. A previous session on this device is replaced and its
    /// refresh token revoked (now, or at the next chance if the server cannot be reached),
    /// so switching accounts leaves no working tokens behind.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        device: &DeviceIdentity,
        info: &DeviceInfo,
        proof_key_b64: String,
    ) -> Result<Account> {
        let username = username.trim();
        if username.is_empty() {
            return Err(Error::invalid("username", "must not be empty"));
        }
        if password.is_empty() {
            return Err(Error::invalid("password", "must not be empty"));
        }
        self.revoke_pending().await;
        let request = LoginRequest {
            username: username.to_string(),
            password: password.to_string(),
            device: DeviceRegistration {
                install_id: device.install_id().to_string(),
                platform: info.platform.clone(),
                model: info.model.clone(),
                os_version: info.os_version.clone(),
                app_version: info.app_version.clone(),
                // The key that will sign this device's proofs of delivery.
                public_key: proof_key_b64,
            },
        };
        let tokens: TokenResponse = self
            .api
            .send(Method::POST, "/v1/auth/login", Some(&request), None, false)
            .await?;
        let mut current = self.current.lock().await;
        // Queued before the new tokens replace the old ones: a kill in between leaves the
        // old token queued for revocation, never forgotten while still valid.
        if let Some(previous) = current.take() {
            self.queue_revocation(&previous.refresh_token)?;
        }
        let stored = self.persist(tokens)?;
        let account = stored.account.clone();
        *current = Some(stored);
        drop(current);
        self.revoke_pending().await;
        tracing::info!(account = %account.id, "signed in");
        // `SignedIn` is published by the owner once the account's components are open
        // ([`Session::announce_signed_in`]): an observer reacting to it finds them ready.
        Ok(account)
    }

    fn persist(&self, tokens: TokenResponse) -> Result<StoredSession> {
        let stored = StoredSession {
            account: tokens.account,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            access_expires_at: now_secs().saturating_add(tokens.expires_in),
        };
        let bytes = serde_json::to_vec(&stored).map_err(|e| Error::Internal(e.to_string()))?;
        self.storage
            .put(SESSION_KEY.into(), bytes)
            .map_err(platform)?;
        Ok(stored)
    }

    /// Signs out: forgets the tokens locally at once and revokes the refresh token on the
    /// server (later, if the server cannot be reached now).
    pub async fn sign_out(&self) -> Result<()> {
        let mut current = self.current.lock().await;
        let Some(session) = current.take() else {
            return Ok(());
        };
        self.queue_revocation(&session.refresh_token)?;
        self.storage.delete(SESSION_KEY.into()).map_err(platform)?;
        drop(current);
        self.state.publish(SessionState::SignedOut);
        self.revoke_pending().await;
        tracing::info!(account = %session.account.id, "signed out");
        Ok(())
    }

    /// Refresh tokens waiting to be revoked, one per line (an older release stored one).
    fn pending_revocations(&self) -> Vec<String> {
        match self.storage.get(PENDING_REVOCATION_KEY.into()) {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn store_pending_revocations(&self, tokens: &[String]) -> Result<()> {
        if tokens.is_empty() {
            self.storage
                .delete(PENDING_REVOCATION_KEY.into())
                .map_err(platform)
        } else {
            self.storage
                .put(
                    PENDING_REVOCATION_KEY.into(),
                    tokens.join("\n").into_bytes(),
                )
                .map_err(platform)
        }
    }

    /// Adds a refresh token to the revocation queue, kept in secure storage until the
    /// server confirms.
    fn queue_revocation(&self, refresh_token: &str) -> Result<()> {
        let mut pending = self.pending_revocations();
        if !pending.iter().any(|t| t == refresh_token) {
            pending.push(refresh_token.to_string());
        }
        self.store_pending_revocations(&pending)
    }

    /// Revokes refresh tokens left over from sign-outs and account switches that could not
    /// reach the server. Best effort: what fails stays queued.
    async fn revoke_pending(&self) {
        let pending = self.pending_revocations();
        if pending.is_empty() {
            return;
        }
        let mut revoked = Vec::new();
        for token in pending {
            let body = RefreshRequest {
                refresh_token: token.clone(),
            };
            match self
                .api
                .send::<_, serde_json::Value>(
                    Method::POST,
                    "/v1/auth/logout",
                    Some(&body),
                    None,
                    true,
                )
                .await
            {
                Ok(_) | Err(Error::Unauthorized(_)) => revoked.push(token),
                Err(e) => tracing::info!(error = %e, "refresh token revocation postponed"),
            }
        }
        // Re-read: a token queued meanwhile (a sign-out racing this) must stay queued.
        let remaining: Vec<String> = self
            .pending_revocations()
            .into_iter()
            .filter(|t| !revoked.contains(t))
            .collect();
        if let Err(e) = self.store_pending_revocations(&remaining) {
            tracing::warn!(error = %e, "cannot update the revocation queue");
        }
    }

    /// A valid access token, refreshed first when it is about to expire.
    async fn access_token(&self, force_refresh: bool) -> Result<String> {
        let mut current = self.current.lock().await;
        let session = current.as_ref().ok_or(Error::NotSignedIn)?;
        let fresh = session.access_expires_at > now_secs() + REFRESH_MARGIN.as_secs();
        if fresh && !force_refresh {
            return Ok(session.access_token.clone());
        }
        let body = RefreshRequest {
            refresh_token: session.refresh_token.clone(),
        };
        match self
            .api
            .send::<_, TokenResponse>(Method::POST, "/v1/auth/refresh", Some(&body), None, true)
            .await
        {
            Ok(tokens) => {
                let stored = self.persist(tokens)?;
                let token = stored.access_token.clone();
                *current = Some(stored);
                tracing::debug!("access token refreshed");
                Ok(token)
            }
            Err(Error::Unauthorized(reason)) => {
                // The refresh token was revoked or expired: the session is over.
                *current = None;
                self.storage.delete(SESSION_KEY.into()).map_err(platform)?;
                drop(current);
                tracing::info!("session ended by the server");
                self.state.publish(SessionState::SignedOut);
                if let Some(hook) = self.on_ended.get() {
                    hook();
                }
                Err(Error::Unauthorized(reason))
            }
            Err(e) => Err(e),
        }
    }

    /// Sends an authorised request, refreshing the access token once if the server says it
    /// is no longer valid. Returns `Unauthorized` (and the session is gone) when the refresh
    /// token itself is rejected.
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<T> {
        let token = self.access_token(false).await?;
        match self
            .api
            .send(method.clone(), path, body, Some(&token), idempotent)
            .await
        {
            Err(Error::Unauthorized(_)) => {
                let token = self.access_token(true).await?;
                self.api
                    .send(method, path, body, Some(&token), idempotent)
                    .await
            }
            other => other,
        }
    }

    /// An authorised streamed `GET` (see [`ApiClient::get_stream`]), with the access token
    /// refreshed once if the server says it is no longer valid.
    pub async fn get_stream(
        &self,
        path: &str,
        range: Option<(u64, u64)>,
    ) -> Result<reqwest::Response> {
        let token = self.access_token(false).await?;
        match self.api.get_stream(path, Some(&token), range).await {
            Err(Error::Unauthorized(_)) => {
                let token = self.access_token(true).await?;
                self.api.get_stream(path, Some(&token), range).await
            }
            other => other,
        }
    }

    /// Forgets the session's tokens without revoking them: for when the server has already
    /// revoked every token of the account (its deletion was accepted), so nothing of the
    /// account is left in secure storage, not even a token queued for revocation.
    pub async fn end_revoked(&self) -> Result<()> {
        let mut current = self.current.lock().await;
        let Some(session) = current.take() else {
            return Ok(());
        };
        let pending: Vec<String> = self
            .pending_revocations()
            .into_iter()
            .filter(|t| *t != session.refresh_token)
            .collect();
        self.store_pending_revocations(&pending)?;
        self.storage.delete(SESSION_KEY.into()).map_err(platform)?;
        drop(current);
        self.state.publish(SessionState::SignedOut);
        tracing::info!(account = %session.account.id, "session ended: the account was deleted");
        Ok(())
    }

    /// [`Session::send`] with a raw-bytes body (`application/octet-stream`).
    pub async fn send_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        bytes: &[u8],
        idempotent: bool,
    ) -> Result<T> {
        let token = self.access_token(false).await?;
        match self
            .api
            .send_bytes(method.clone(), path, bytes, Some(&token), idempotent)
            .await
        {
            Err(Error::Unauthorized(_)) => {
                let token = self.access_token(true).await?;
                self.api
                    .send_bytes(method, path, bytes, Some(&token), idempotent)
                    .await
            }
            other => other,
        }
    }

    /// [`Session::send`], with final refusals (4xx but 401, 408, 429) returned as
    /// `Ok(Err(refusal))` ([`ApiClient::send_refusable`]).
    pub async fn send_refusable<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<std::result::Result<T, Refusal>> {
        let token = self.access_token(false).await?;
        match self
            .api
            .send_refusable(method.clone(), path, body, Some(&token), idempotent)
            .await
        {
            Err(Error::Unauthorized(_)) => {
                let token = self.access_token(true).await?;
                self.api
                    .send_refusable(method, path, body, Some(&token), idempotent)
                    .await
            }
            other => other,
        }
    }

    pub fn is_signed_in(&self) -> bool {
        self.account().is_some()
    }
}

/// Authorised requests to the backend, as the account's components make them: a cheap
/// handle over the session (tokens added, refreshed once when expired).
#[derive(Clone)]
pub struct Api {
    session: Arc<Session>,
}

impl Api {
    pub fn new(session: Arc<Session>) -> Self {
        Api { session }
    }

    /// `GET`, retried on transient failures.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.session
            .send::<(), T>(Method::GET, path, None, true)
            .await
    }

    /// `POST` of a request the server handles idempotently (ids, keys): retried on transient
    /// failures.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.session
            .send(Method::POST, path, Some(body), true)
            .await
    }

    /// `POST` without a body, idempotent.
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.session
            .send::<(), T>(Method::POST, path, None, true)
            .await
    }

    /// A streamed `GET` of the byte range `first..=last` (downloads).
    pub async fn get_stream(
        &self,
        path: &str,
        range: Option<(u64, u64)>,
    ) -> Result<reqwest::Response> {
        self.session.get_stream(path, range).await
    }

    /// `POST` sent exactly once (never retried automatically: the caller decides).
    pub async fn post_once<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.session
            .send(Method::POST, path, Some(body), false)
            .await
    }

    /// `DELETE`, idempotent.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.session
            .send::<(), T>(Method::DELETE, path, None, true)
            .await
    }

    /// `POST` of raw bytes (a photo part) to an idempotent endpoint: retried on transient
    /// failures.
    pub async fn post_bytes<T: DeserializeOwned>(&self, path: &str, bytes: &[u8]) -> Result<T> {
        self.session
            .send_bytes(Method::POST, path, bytes, true)
            .await
    }

    /// `POST` to an idempotent endpoint whose refusals the caller acts on by their code:
    /// a final refusal is `Ok(Err(refusal))`.
    pub async fn post_refusable<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<std::result::Result<T, Refusal>> {
        self.session
            .send_refusable(Method::POST, path, Some(body), true)
            .await
    }
}
