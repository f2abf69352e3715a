//! Push notifications for the apps: the platform token handed over whenever the OS gives
//! one, preferences per category (editable offline), and notification payloads parsed into
//! typed events with deep links.
//!
//! Kotlin (in `FirebaseMessagingService`):
//! ```kotlin
//! override fun onNewToken(token: String) { scope.launch { client.push().registerToken(PushProvider.FCM, token, null) } }
//! override fun onMessageReceived(m: RemoteMessage) { val event = client.push().parseFcm(m.data) }
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use companion_core::push::{
    ApnsEnvironment, Category, NotificationEvent, Preference, PushProvider, PushStatus,
    RegisterOutcome,
};

use crate::{CompanionError, runtime};

/// The signed-in account's push notifications. Calls fail with `NotSignedIn` while signed out,
/// except the parsers, which need no account.
#[derive(uniffi::Object)]
pub struct PushNotifications {
    core: Arc<companion_core::Companion>,
}

impl PushNotifications {
    pub(crate) fn new(core: Arc<companion_core::Companion>) -> Self {
        PushNotifications { core }
    }

    fn component(&self) -> Result<Arc<companion_core::push::PushNotifications>, CompanionError> {
        Ok(self.core.push()?)
    }
}

#[uniffi::export]
impl PushNotifications {
    /// Hands over the token the OS gave (call it on every start and on every rotation). A
    /// request is made only when one is due (new or rotated token, monthly refresh).
    pub async fn register_token(
        &self,
        provider: PushProvider,
        token: String,
        environment: Option<ApnsEnvironment>,
    ) -> Result<RegisterOutcome, CompanionError> {
        let push = self.component()?;
        runtime::run(None, async move {
            Ok(push.register_token(provider, &token, environment).await?)
        })
        .await
    }

    /// Stops notifications to this install for this account. Offline, the request is
    /// queued (`false`) and sent later.
    pub async fn unregister(&self) -> Result<bool, CompanionError> {
        let push = self.component()?;
        runtime::run(None, async move { Ok(push.unregister().await?) }).await
    }

    /// The local view of the registration; no request.
    pub async fn status(&self) -> Result<PushStatus, CompanionError> {
        let push = self.component()?;
        runtime::blocking(move || Ok(push.status()?)).await
    }

    /// Every switch that is not at its default (on), counting unsynced edits.
    pub async fn preferences(&self) -> Result<Vec<Preference>, CompanionError> {
        let push = self.component()?;
        runtime::blocking(move || Ok(push.preferences()?)).await
    }

    /// Switches a category on or off (stock alerts per warehouse); works offline, sent by
    /// `sync_preferences`.
    pub async fn set_preference(
        &self,
        category: Category,
        warehouse_id: Option<String>,
        enabled: bool,
    ) -> Result<(), CompanionError> {
        let push = self.component()?;
        runtime::blocking(move || {
            Ok(push.set_preference(category, warehouse_id.as_deref(), enabled)?)
        })
        .await
    }

    /// Sends unsynced preference edits and takes the server's set.
    pub async fn sync_preferences(&self) -> Result<Vec<Preference>, CompanionError> {
        let push = self.component()?;
        runtime::run(None, async move { Ok(push.sync_preferences().await?) }).await
    }

    /// Parses an FCM data message (`RemoteMessage.data`). Unknown types parse as
    /// `Unknown`; a known type with missing or malformed fields is `InvalidInput`. Cheap.
    pub fn parse_fcm(
        &self,
        data: HashMap<String, String>,
    ) -> Result<NotificationEvent, CompanionError> {
        let data = data.into_iter().collect();
        Ok(companion_core::push::PushNotifications::parse_fcm(&data)?)
    }

    /// Parses APNs `userInfo`, serialised as JSON. Cheap.
    pub fn parse_apns(&self, user_info_json: String) -> Result<NotificationEvent, CompanionError> {
        Ok(companion_core::push::PushNotifications::parse_apns(
            &user_info_json,
        )?)
    }
}
