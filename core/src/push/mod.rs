//! Push notifications on the phone: the token's lifecycle, the user's preferences, and the
//! typed events parsed from what FCM and APNs deliver. Pure domain logic; the component that
//! talks to the server is built on these.

pub mod component;
pub mod events;
pub mod lifecycle;
pub mod prefs;
pub mod protocol;

pub use component::{PushNotifications, PushStatus, RegisterOutcome};
pub use events::{DeepLink, NotificationEvent, NotificationKind, PayloadError};
pub use protocol::{Category, Preference, PushProvider};
