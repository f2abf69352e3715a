//! Timestamps as the apps want them (`SystemTime` becomes `java.time.Instant` in Kotlin and
//! `Date` in Swift), and as the CLI prints them (milliseconds since the Unix epoch).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 for a time before it).
pub fn to_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64)
}

/// The time `millis` after the Unix epoch (the epoch itself for a negative value).
pub fn from_millis(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64)
}

pub fn now_millis() -> i64 {
    to_millis(SystemTime::now())
}

pub(crate) fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(to_millis(*t))
}

pub(crate) fn serialize_opt<S: serde::Serializer>(
    t: &Option<SystemTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&to_millis(*t)),
        None => s.serialize_none(),
    }
}
