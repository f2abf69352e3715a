//! Point-of-use permissions, decided by the core for both apps: the shell reports raw OS
//! facts when a feature is about to start; the core answers go ahead, ask, explain then ask,
//! send to Settings, or carry on with less (`docs/permissions.md` has the table).
//!
//! Kotlin:
//! ```kotlin
//! val decision = client.permissions().decide(Feature.SCANNING, listOf(cameraFacts))
//! when (val action = decision.action) {
//!     is PermissionAction.Request -> { permissions.recordAsked(Permission.CAMERA); launcher.launch(CAMERA) }
//!     ...
//! }
//! ```

use std::sync::Arc;

use companion_core::permissions::{
    Degradation, Feature, OsPermissionFacts, Permission, PermissionDecision, degrade_without,
};

use crate::{CompanionError, runtime};

/// This install's permission decisions.
#[derive(uniffi::Object)]
pub struct Permissions {
    core: Arc<companion_core::Companion>,
}

impl Permissions {
    pub(crate) fn new(core: Arc<companion_core::Companion>) -> Self {
        Permissions { core }
    }
}

#[uniffi::export]
impl Permissions {
    /// What the screen of `feature` does next, from the OS facts of every permission it
    /// needs and what this install asked before.
    pub async fn decide(
        &self,
        feature: Feature,
        facts: Vec<OsPermissionFacts>,
    ) -> Result<PermissionDecision, CompanionError> {
        let core = self.core.clone();
        runtime::blocking(move || Ok(core.permissions().decide(feature, &facts)?)).await
    }

    /// Call right before showing the OS prompt for `permission`.
    pub async fn record_asked(&self, permission: Permission) -> Result<(), CompanionError> {
        let core = self.core.clone();
        runtime::blocking(move || Ok(core.permissions().record_asked(permission)?)).await
    }

    /// iOS: the temporary full-accuracy prompt was answered with "keep approximate".
    pub async fn record_full_accuracy_declined(&self) -> Result<(), CompanionError> {
        let core = self.core.clone();
        runtime::blocking(move || Ok(core.permissions().record_full_accuracy_declined()?)).await
    }

    /// What the feature does without what the user will not grant now. Cheap.
    pub fn degrade_without(
        &self,
        feature: Feature,
        decision: PermissionDecision,
    ) -> Vec<Degradation> {
        degrade_without(feature, &decision)
    }
}
