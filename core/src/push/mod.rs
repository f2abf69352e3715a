//! Push notifications on the phone: the token's lifecycle, the user's preferences, and the
//! typed events parsed from what FCM and APNs deliver. Pure domain logic; the component that
//! talks to the server is built on these.

pub mod component;
pub mod lifecycle;
pub mod prefs;

pub use companion_wire::notification::{
    DeepLink, NotificationEvent, NotificationKind, PayloadError,
};
pub use companion_wire::push::{ApnsEnvironment, Category, Preference, PushProvider};
pub use component::{PushNotifications, PushStatus, RegisterOutcome};
