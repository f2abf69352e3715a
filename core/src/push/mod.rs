//! Push notifications on the phone: the token's lifecycle, the user's preferences (editable
//! offline), and the typed events parsed from what FCM and APNs deliver.
//!
//! - `lifecycle`: when a token must be (re)registered; `prefs`: the preference set with its
//!   unsynced edits. Pure domain logic.
//! - `notifications`: the component of a signed-in account (`companion.push()`), which
//!   talks to the server through the account's API handle and keeps its state in the
//!   account database.

pub mod lifecycle;
mod notifications;
mod prefs;

pub use companion_wire::notification::{
    DeepLink, NotificationEvent, NotificationKind, PayloadError,
};
pub use companion_wire::push::{ApnsEnvironment, Category, Preference, PushProvider};
pub use lifecycle::RegisterReason;
pub use notifications::{PushNotifications, PushStatus, RegisterOutcome};
