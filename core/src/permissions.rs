//! Point-of-use permissions, decided once for both apps.
//!
//! The shells report raw OS facts (Android's `checkSelfPermission` and
//! `shouldShowRequestPermissionRationale`, iOS authorization statuses, whether location
//! services are on); the core remembers what it has already asked and decides what the
//! screen does next: go ahead, ask, explain then ask, send the user to Settings, or carry on
//! with less (manual entry instead of the camera, an "unknown" geofence verdict instead of a
//! precise one). Nothing here asks for background location: no feature needs it, and the
//! privacy policy forbids it.
//!
//! ```
//! use companion_core::permissions::*;
//! let mut asked = AskHistory::default();
//! let facts = OsPermissionFacts::android(Permission::Camera, false, false);
//! // First visit to the scanner: ask right away.
//! assert_eq!(decide(Feature::Scanning, &[facts], &asked).action, PermissionAction::Request {
//!     permissions: vec![Permission::Camera],
//! });
//! asked.record_asked(Permission::Camera);
//! // Denied without "don't ask again": Android now wants a rationale first.
//! let facts = OsPermissionFacts::android(Permission::Camera, false, true);
//! assert_eq!(decide(Feature::Scanning, &[facts], &asked).action, PermissionAction::ExplainThenRequest {
//!     permissions: vec![Permission::Camera],
//! });
//! ```

use std::collections::BTreeSet;

/// What a feature may need from the OS.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Permission {
    Camera,
    /// Location while the app is in use (Android fine + coarse, iOS when-in-use). Never
    /// background location.
    LocationWhileInUse,
    Notifications,
}

/// The features that ask for permissions, each at the moment the user starts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Feature {
    /// The barcode scanner: the camera.
    Scanning,
    /// Capturing a proof of delivery: camera for photos, precise location for the geofence.
    ProofOfDelivery,
    /// Turning on a notification category.
    Notifications,
}

impl Feature {
    /// What the feature uses, in the order the shell should ask.
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Feature::Scanning => &[Permission::Camera],
            Feature::ProofOfDelivery => &[Permission::Camera, Permission::LocationWhileInUse],
            Feature::Notifications => &[Permission::Notifications],
        }
    }
}

/// Which OS the facts come from: the two ask and re-ask differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PermissionPlatform {
    Android,
    Ios,
}

/// The OS's answer for one permission, as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OsAuthorization {
    /// iOS `notDetermined`; on Android "not granted" (the core tells never-asked from
    /// permanently denied with its own history and the rationale flag).
    NotGranted,
    Granted,
    /// iOS location with reduced accuracy; Android coarse without fine.
    GrantedApproximate,
    /// iOS provisional notification authorization (quiet delivery to Notification Centre).
    GrantedProvisional,
    /// iOS `denied`: only Settings can change it.
    Denied,
    /// Parental controls or MDM: the user cannot change it.
    Restricted,
}

/// Raw facts about one permission, reported by the shell each time a feature starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OsPermissionFacts {
    pub platform: PermissionPlatform,
    pub permission: Permission,
    pub authorization: OsAuthorization,
    /// Android's `shouldShowRequestPermissionRationale`; false on iOS.
    pub should_show_rationale: bool,
    /// For location: whether location services are on. True for other permissions.
    pub service_enabled: bool,
}

impl OsPermissionFacts {
    /// Android facts: granted (fine, for location) and the rationale flag.
    pub fn android(permission: Permission, granted: bool, should_show_rationale: bool) -> Self {
        OsPermissionFacts {
            platform: PermissionPlatform::Android,
            permission,
            authorization: if granted {
                OsAuthorization::Granted
            } else {
                OsAuthorization::NotGranted
            },
            should_show_rationale,
            service_enabled: true,
        }
    }

    /// iOS facts: the authorization status as mapped by the shell.
    pub fn ios(permission: Permission, authorization: OsAuthorization) -> Self {
        OsPermissionFacts {
            platform: PermissionPlatform::Ios,
            permission,
            authorization,
            should_show_rationale: false,
            service_enabled: true,
        }
    }

    /// The same facts with location services on or off.
    pub fn with_service_enabled(mut self, enabled: bool) -> Self {
        self.service_enabled = enabled;
        self
    }

    /// The same facts with another authorization.
    pub fn with_authorization(mut self, authorization: OsAuthorization) -> Self {
        self.authorization = authorization;
        self
    }
}

/// What the core concludes about one permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PermissionState {
    NotAsked,
    Granted {
        approximate: bool,
        provisional: bool,
    },
    /// Denied, but the app may ask again (after explaining why).
    Denied,
    /// Only the system Settings can grant it now.
    DeniedPermanently,
    /// The user cannot grant it (parental controls, MDM).
    Restricted,
    /// Location services are off for the whole device.
    ServiceOff,
}

/// How a feature carries on without everything it wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Degradation {
    /// No camera: type or pick the code by hand.
    ManualEntry,
    /// No camera for delivery photos: the proof is captured without them and flagged.
    NoPhotos,
    /// Approximate or no location: the geofence verdict is `unknown`, never `inside`.
    GeofenceUnknown,
    /// Notifications stay off.
    NoNotifications,
}

/// What the screen does next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PermissionAction {
    /// Everything needed is granted.
    Proceed,
    /// Show the OS prompt for these now.
    Request { permissions: Vec<Permission> },
    /// Explain in the app why, then show the OS prompt.
    ExplainThenRequest { permissions: Vec<Permission> },
    /// iOS: ask for temporary full accuracy (`requestTemporaryFullAccuracyAuthorization`)
    /// with the proof-of-delivery purpose key.
    RequestFullAccuracy,
    /// Only Settings can help: offer a button to the app's settings page, or to the system
    /// location settings when `location_services` is set.
    OpenSettings {
        permissions: Vec<Permission>,
        location_services: bool,
    },
    /// Carry on without: the feature works with less.
    Degrade { degradations: Vec<Degradation> },
}

/// A decision with the state of every permission it looked at, for the screen to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PermissionDecision {
    pub feature: Feature,
    pub states: Vec<PermissionStateOf>,
    pub action: PermissionAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PermissionStateOf {
    pub permission: Permission,
    pub state: PermissionState,
}

/// What this install has already asked the OS. Android needs it to tell "never asked"
/// from "denied for good" (both report no rationale); it outlives sign-outs, so the caller
/// keeps it in the app's data directory, not in an account's database.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AskHistory {
    asked: BTreeSet<Permission>,
    /// iOS: the user answered the temporary full-accuracy prompt and kept reduced accuracy.
    #[serde(default)]
    full_accuracy_declined: bool,
}

impl AskHistory {
    /// The OS prompt for `permission` was shown.
    pub fn record_asked(&mut self, permission: Permission) {
        self.asked.insert(permission);
    }

    pub fn was_asked(&self, permission: Permission) -> bool {
        self.asked.contains(&permission)
    }

    /// The temporary full-accuracy prompt was answered with "keep approximate".
    pub fn record_full_accuracy_declined(&mut self) {
        self.full_accuracy_declined = true;
    }
}

/// The state of one permission from the OS facts and what was asked before.
pub fn state_of(facts: &OsPermissionFacts, history: &AskHistory) -> PermissionState {
    if facts.permission == Permission::LocationWhileInUse && !facts.service_enabled {
        return PermissionState::ServiceOff;
    }
    match facts.authorization {
        OsAuthorization::Granted => PermissionState::Granted {
            approximate: false,
            provisional: false,
        },
        OsAuthorization::GrantedApproximate => PermissionState::Granted {
            approximate: true,
            provisional: false,
        },
        OsAuthorization::GrantedProvisional => PermissionState::Granted {
            approximate: false,
            provisional: true,
        },
        OsAuthorization::Restricted => PermissionState::Restricted,
        OsAuthorization::Denied => PermissionState::DeniedPermanently,
        OsAuthorization::NotGranted => match facts.platform {
            // iOS reports notDetermined only before the first answer.
            PermissionPlatform::Ios => PermissionState::NotAsked,
            PermissionPlatform::Android if facts.should_show_rationale => PermissionState::Denied,
            PermissionPlatform::Android if !history.was_asked(facts.permission) => {
                PermissionState::NotAsked
            }
            // Asked before and no rationale: "don't ask again", or a second denial.
            PermissionPlatform::Android => PermissionState::DeniedPermanently,
        },
    }
}

fn degradation(feature: Feature, permission: Permission) -> Degradation {
    match (feature, permission) {
        (Feature::Scanning, _) => Degradation::ManualEntry,
        (_, Permission::Camera) => Degradation::NoPhotos,
        (_, Permission::LocationWhileInUse) => Degradation::GeofenceUnknown,
        (_, Permission::Notifications) => Degradation::NoNotifications,
    }
}

/// Decides what `feature`'s screen does next, in this order: ask what was never asked;
/// explain and re-ask what may be re-asked; upgrade approximate location or provisional
/// notifications where the OS allows; send to Settings what only Settings can grant;
/// otherwise go ahead, with less where something is restricted or approximate.
///
/// `facts` should cover every permission of the feature; a missing one counts as never
/// asked, so the shell's omission leads to a prompt, not to a silent grant.
pub fn decide(
    feature: Feature,
    facts: &[OsPermissionFacts],
    history: &AskHistory,
) -> PermissionDecision {
    let facts_of = |permission: Permission| {
        facts
            .iter()
            .find(|f| f.permission == permission)
            .copied()
            .unwrap_or(OsPermissionFacts {
                platform: facts
                    .first()
                    .map_or(PermissionPlatform::Android, |f| f.platform),
                permission,
                authorization: OsAuthorization::NotGranted,
                should_show_rationale: false,
                service_enabled: true,
            })
    };
    let states: Vec<PermissionStateOf> = feature
        .permissions()
        .iter()
        .map(|&permission| PermissionStateOf {
            permission,
            state: state_of(&facts_of(permission), history),
        })
        .collect();
    let with = |pred: &dyn Fn(&PermissionStateOf) -> bool| -> Vec<Permission> {
        states
            .iter()
            .filter(|s| pred(s))
            .map(|s| s.permission)
            .collect()
    };

    let not_asked = with(&|s| s.state == PermissionState::NotAsked);
    let denied = with(&|s| s.state == PermissionState::Denied);
    let approximate = with(&|s| {
        matches!(
            s.state,
            PermissionState::Granted {
                approximate: true,
                ..
            }
        )
    });
    let provisional = with(&|s| {
        matches!(
            s.state,
            PermissionState::Granted {
                provisional: true,
                ..
            }
        )
    });
    let permanent = with(&|s| s.state == PermissionState::DeniedPermanently);
    let service_off = states
        .iter()
        .any(|s| s.state == PermissionState::ServiceOff);

    let action = if !not_asked.is_empty() {
        PermissionAction::Request {
            permissions: not_asked,
        }
    } else if !denied.is_empty() {
        PermissionAction::ExplainThenRequest {
            permissions: denied,
        }
    } else if service_off {
        PermissionAction::OpenSettings {
            permissions: vec![],
            location_services: true,
        }
    } else if feature == Feature::ProofOfDelivery
        && !approximate.is_empty()
        && facts_of(Permission::LocationWhileInUse).platform == PermissionPlatform::Ios
        && !history.full_accuracy_declined
    {
        PermissionAction::RequestFullAccuracy
    } else if feature == Feature::ProofOfDelivery
        && !approximate.is_empty()
        && facts_of(Permission::LocationWhileInUse).should_show_rationale
    {
        // Android 12+: asking for fine again offers "change to precise".
        PermissionAction::ExplainThenRequest {
            permissions: approximate,
        }
    } else if feature == Feature::Notifications && !provisional.is_empty() {
        // iOS: turning a category on is the moment to ask for full authorization.
        PermissionAction::Request {
            permissions: provisional,
        }
    } else if !permanent.is_empty() {
        PermissionAction::OpenSettings {
            permissions: permanent,
            location_services: false,
        }
    } else {
        let degradations: Vec<Degradation> = states
            .iter()
            .filter(|s| {
                matches!(
                    s.state,
                    PermissionState::Restricted
                        | PermissionState::Granted {
                            approximate: true,
                            ..
                        }
                )
            })
            .map(|s| degradation(feature, s.permission))
            .collect();
        if degradations.is_empty() {
            PermissionAction::Proceed
        } else {
            PermissionAction::Degrade { degradations }
        }
    };
    PermissionDecision {
        feature,
        states,
        action,
    }
}

/// Carrying on without a permission the user will not grant now (they closed the
/// explanation, or declined to open Settings): what the feature does instead.
pub fn degrade_without(feature: Feature, decision: &PermissionDecision) -> Vec<Degradation> {
    decision
        .states
        .iter()
        .filter(|s| {
            !matches!(
                s.state,
                PermissionState::Granted {
                    approximate: false,
                    ..
                }
            )
        })
        .map(|s| degradation(feature, s.permission))
        .collect()
}

/// What this install has asked, kept in secure storage (it outlives sign-outs and is
/// wiped with the app), so both apps get their decisions from one place.
pub struct AskedPermissions {
    storage: std::sync::Arc<dyn crate::platform::SecureStorage>,
}

const ASKED_KEY: &str = "permissions.asked";

impl AskedPermissions {
    pub fn new(storage: std::sync::Arc<dyn crate::platform::SecureStorage>) -> Self {
        AskedPermissions { storage }
    }

    fn platform(e: crate::platform::PlatformError) -> crate::Error {
        crate::Error::Platform {
            service: "secure storage",
            reason: e.to_string(),
        }
    }

    /// The history so far (empty when never asked, or when the stored copy is unreadable:
    /// the worst case is one prompt too many, never a silent grant).
    pub fn history(&self) -> crate::Result<AskHistory> {
        Ok(self
            .storage
            .get(ASKED_KEY.into())
            .map_err(Self::platform)?
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default())
    }

    fn save(&self, history: &AskHistory) -> crate::Result<()> {
        let bytes =
            serde_json::to_vec(history).map_err(|e| crate::Error::Internal(e.to_string()))?;
        self.storage
            .put(ASKED_KEY.into(), bytes)
            .map_err(Self::platform)
    }

    /// [`decide`] with this install's history.
    pub fn decide(
        &self,
        feature: Feature,
        facts: &[OsPermissionFacts],
    ) -> crate::Result<PermissionDecision> {
        Ok(decide(feature, facts, &self.history()?))
    }

    /// The OS prompt for `permission` was shown.
    pub fn record_asked(&self, permission: Permission) -> crate::Result<()> {
        let mut history = self.history()?;
        history.record_asked(permission);
        self.save(&history)
    }

    /// iOS: the temporary full-accuracy prompt was answered with "keep approximate".
    pub fn record_full_accuracy_declined(&self) -> crate::Result<()> {
        let mut history = self.history()?;
        history.record_full_accuracy_declined();
        self.save(&history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Permission::*;

    fn android(p: Permission, granted: bool, rationale: bool) -> OsPermissionFacts {
        OsPermissionFacts::android(p, granted, rationale)
    }

    #[test]
    fn android_first_ask_rationale_then_permanent_denial_sends_to_settings() {
        let mut h = AskHistory::default();
        let d = decide(Feature::Scanning, &[android(Camera, false, false)], &h);
        assert_eq!(d.states[0].state, PermissionState::NotAsked);
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![Camera]
            }
        );
        h.record_asked(Camera);
        // First denial: Android sets the rationale flag.
        let d = decide(Feature::Scanning, &[android(Camera, false, true)], &h);
        assert_eq!(
            d.action,
            PermissionAction::ExplainThenRequest {
                permissions: vec![Camera]
            }
        );
        // Second denial ("don't ask again"): no rationale any more.
        let d = decide(Feature::Scanning, &[android(Camera, false, false)], &h);
        assert_eq!(d.states[0].state, PermissionState::DeniedPermanently);
        assert_eq!(
            d.action,
            PermissionAction::OpenSettings {
                permissions: vec![Camera],
                location_services: false
            }
        );
        assert_eq!(
            degrade_without(Feature::Scanning, &d),
            vec![Degradation::ManualEntry]
        );
        // Granted later in Settings.
        let d = decide(Feature::Scanning, &[android(Camera, true, false)], &h);
        assert_eq!(d.action, PermissionAction::Proceed);
    }

    #[test]
    fn proof_of_delivery_asks_for_what_is_missing_only() {
        let h = AskHistory::default();
        let d = decide(
            Feature::ProofOfDelivery,
            &[
                android(Camera, true, false),
                android(LocationWhileInUse, false, false),
            ],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![LocationWhileInUse]
            }
        );
        // A missing fact is never a silent grant.
        let d = decide(
            Feature::ProofOfDelivery,
            &[android(Camera, true, false)],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![LocationWhileInUse]
            }
        );
    }

    #[test]
    fn approximate_location_upgrades_where_possible_else_geofence_unknown() {
        let mut h = AskHistory::default();
        h.record_asked(LocationWhileInUse);
        let cam = OsPermissionFacts::ios(Camera, OsAuthorization::Granted);
        let approx =
            OsPermissionFacts::ios(LocationWhileInUse, OsAuthorization::GrantedApproximate);
        let d = decide(Feature::ProofOfDelivery, &[cam, approx], &h);
        assert_eq!(d.action, PermissionAction::RequestFullAccuracy);
        h.record_full_accuracy_declined();
        let d = decide(Feature::ProofOfDelivery, &[cam, approx], &h);
        assert_eq!(
            d.action,
            PermissionAction::Degrade {
                degradations: vec![Degradation::GeofenceUnknown]
            }
        );

        let cam = android(Camera, true, false);
        let coarse = android(LocationWhileInUse, false, true)
            .with_authorization(OsAuthorization::GrantedApproximate);
        let d = decide(
            Feature::ProofOfDelivery,
            &[cam, coarse],
            &AskHistory::default(),
        );
        assert_eq!(
            d.action,
            PermissionAction::ExplainThenRequest {
                permissions: vec![LocationWhileInUse]
            }
        );
        let coarse = coarse.with_authorization(OsAuthorization::GrantedApproximate);
        let coarse = OsPermissionFacts {
            should_show_rationale: false,
            ..coarse
        };
        let d = decide(
            Feature::ProofOfDelivery,
            &[cam, coarse],
            &AskHistory::default(),
        );
        assert_eq!(
            d.action,
            PermissionAction::Degrade {
                degradations: vec![Degradation::GeofenceUnknown]
            }
        );
    }

    #[test]
    fn location_services_off_sends_to_system_settings() {
        let mut h = AskHistory::default();
        h.record_asked(LocationWhileInUse);
        let d = decide(
            Feature::ProofOfDelivery,
            &[
                android(Camera, true, false),
                android(LocationWhileInUse, true, false).with_service_enabled(false),
            ],
            &h,
        );
        assert_eq!(d.states[1].state, PermissionState::ServiceOff);
        assert_eq!(
            d.action,
            PermissionAction::OpenSettings {
                permissions: vec![],
                location_services: true
            }
        );
        assert_eq!(
            degrade_without(Feature::ProofOfDelivery, &d),
            vec![Degradation::GeofenceUnknown]
        );
    }

    #[test]
    fn ios_denied_is_settings_restricted_degrades() {
        let h = AskHistory::default();
        let d = decide(
            Feature::Scanning,
            &[OsPermissionFacts::ios(Camera, OsAuthorization::NotGranted)],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![Camera]
            }
        );
        let d = decide(
            Feature::Scanning,
            &[OsPermissionFacts::ios(Camera, OsAuthorization::Denied)],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::OpenSettings {
                permissions: vec![Camera],
                location_services: false
            }
        );
        let d = decide(
            Feature::Scanning,
            &[OsPermissionFacts::ios(Camera, OsAuthorization::Restricted)],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Degrade {
                degradations: vec![Degradation::ManualEntry]
            }
        );
    }

    #[test]
    fn notifications_provisional_then_full_when_a_category_is_turned_on() {
        let h = AskHistory::default();
        let d = decide(
            Feature::Notifications,
            &[OsPermissionFacts::ios(
                Notifications,
                OsAuthorization::GrantedProvisional,
            )],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![Notifications]
            }
        );
        let d = decide(
            Feature::Notifications,
            &[android(Notifications, false, false)],
            &h,
        );
        assert_eq!(
            d.action,
            PermissionAction::Request {
                permissions: vec![Notifications]
            }
        );
        let d = decide(
            Feature::Notifications,
            &[android(Notifications, true, false)],
            &h,
        );
        assert_eq!(d.action, PermissionAction::Proceed);
    }

    #[test]
    fn no_feature_needs_background_location() {
        for f in [
            Feature::Scanning,
            Feature::ProofOfDelivery,
            Feature::Notifications,
        ] {
            assert!(
                f.permissions()
                    .iter()
                    .all(|p| matches!(p, Camera | LocationWhileInUse | Notifications))
            );
        }
    }

    #[test]
    fn history_round_trips_as_json() {
        let mut h = AskHistory::default();
        h.record_asked(Camera);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<AskHistory>(&json).unwrap(), h);
    }
}
