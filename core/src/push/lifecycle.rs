//! When the phone (re-)registers its push token: never when nothing changed and the last
//! registration is fresh; at once after a rotation; about monthly otherwise, so the server's
//! idle pruning (270 days) never catches a live install; at most a few attempts a day, so a
//! failing server is not hammered by every app start.
//!
//! Only a keyed hash of the token is kept in SQLite; the token itself stays in secure storage.

use ring::hmac;

use companion_wire::push::PushProvider;

/// Re-register after this long even if nothing changed.
pub const REFRESH_AFTER_SECS: i64 = 30 * 24 * 3600;
/// Registration attempts allowed per UTC day (successful or not).
pub const MAX_ATTEMPTS_PER_DAY: u32 = 6;

/// A fingerprint of the token for change detection: HMAC-SHA-256 under a per-install secret,
/// so the stored value cannot be matched against a token seen elsewhere.
pub fn token_fingerprint(install_secret: &[u8], token: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, install_secret);
    let tag = hmac::sign(&key, token.as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// What the phone remembers of its last successful registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRecord {
    pub provider: PushProvider,
    pub fingerprint: String,
    /// The server's clock at registration (what the server will prune on).
    pub registered_at: i64,
    /// The phone's clock at registration (what the refresh interval is measured on, so a
    /// skewed phone clock cannot stop refreshes).
    pub registered_locally_at: i64,
}

/// Attempts made today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptBudget {
    /// Unix day number of `attempts`.
    pub day: i64,
    pub attempts: u32,
}

impl AttemptBudget {
    fn today(now: i64) -> i64 {
        now.div_euclid(86_400)
    }
    /// Attempts left at `now`.
    pub fn remaining(&self, now: i64) -> u32 {
        if self.day == Self::today(now) {
            MAX_ATTEMPTS_PER_DAY.saturating_sub(self.attempts)
        } else {
            MAX_ATTEMPTS_PER_DAY
        }
    }
    /// Counts one attempt at `now`.
    pub fn record(&mut self, now: i64) {
        let today = Self::today(now);
        if self.day != today {
            *self = AttemptBudget {
                day: today,
                attempts: 0,
            };
        }
        self.attempts += 1;
    }
}

/// Why a registration request is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RegisterReason {
    /// Never registered for this account on this install.
    First,
    /// The OS handed over a different token.
    Rotated,
    /// The last registration is older than [`REFRESH_AFTER_SECS`].
    Refresh,
}

/// What to do with a token the OS handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Unchanged and fresh: no request at all.
    UpToDate,
    Register(RegisterReason),
    /// Due, but today's attempts are spent; try again from `retry_at` (unix seconds).
    Throttled {
        reason: RegisterReason,
        retry_at: i64,
    },
}

/// Decides, from what is stored, whether `fingerprint` needs a request at `now`.
pub fn decide(
    last: Option<&RegistrationRecord>,
    provider: PushProvider,
    fingerprint: &str,
    budget: &AttemptBudget,
    now: i64,
) -> Decision {
    let reason = match last {
        None => RegisterReason::First,
        Some(r) if r.fingerprint != fingerprint || r.provider != provider => {
            RegisterReason::Rotated
        }
        // A clock that went backwards also counts as stale: better one request too many.
        Some(r)
            if now - r.registered_locally_at >= REFRESH_AFTER_SECS
                || now < r.registered_locally_at =>
        {
            RegisterReason::Refresh
        }
        Some(_) => return Decision::UpToDate,
    };
    if budget.remaining(now) == 0 {
        return Decision::Throttled {
            reason,
            retry_at: (AttemptBudget::today(now) + 1) * 86_400,
        };
    }
    Decision::Register(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn record(fp: &str, at: i64) -> RegistrationRecord {
        RegistrationRecord {
            provider: PushProvider::Fcm,
            fingerprint: fp.into(),
            registered_at: at + 3,
            registered_locally_at: at,
        }
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = token_fingerprint(b"install-1", "tok");
        assert_eq!(a, token_fingerprint(b"install-1", "tok"));
        assert_ne!(a, token_fingerprint(b"install-2", "tok"));
        assert_ne!(a, token_fingerprint(b"install-1", "tok2"));
        assert!(!a.contains("tok"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn unchanged_and_fresh_means_no_request() {
        let b = AttemptBudget::default();
        assert_eq!(
            decide(
                Some(&record("f", NOW - 3600)),
                PushProvider::Fcm,
                "f",
                &b,
                NOW
            ),
            Decision::UpToDate
        );
    }

    #[test]
    fn first_rotation_and_monthly_refresh() {
        let b = AttemptBudget::default();
        assert_eq!(
            decide(None, PushProvider::Fcm, "f", &b, NOW),
            Decision::Register(RegisterReason::First)
        );
        assert_eq!(
            decide(
                Some(&record("old", NOW - 60)),
                PushProvider::Fcm,
                "new",
                &b,
                NOW
            ),
            Decision::Register(RegisterReason::Rotated)
        );
        assert_eq!(
            decide(
                Some(&record("f", NOW - 60)),
                PushProvider::Apns,
                "f",
                &b,
                NOW
            ),
            Decision::Register(RegisterReason::Rotated)
        );
        assert_eq!(
            decide(
                Some(&record("f", NOW - REFRESH_AFTER_SECS + 60)),
                PushProvider::Fcm,
                "f",
                &b,
                NOW
            ),
            Decision::UpToDate
        );
        assert_eq!(
            decide(
                Some(&record("f", NOW - REFRESH_AFTER_SECS)),
                PushProvider::Fcm,
                "f",
                &b,
                NOW
            ),
            Decision::Register(RegisterReason::Refresh)
        );
        // Clock moved backwards.
        assert_eq!(
            decide(
                Some(&record("f", NOW + 1000)),
                PushProvider::Fcm,
                "f",
                &b,
                NOW
            ),
            Decision::Register(RegisterReason::Refresh)
        );
    }

    #[test]
    fn attempts_are_capped_per_day() {
        let mut b = AttemptBudget::default();
        for _ in 0..MAX_ATTEMPTS_PER_DAY {
            assert!(matches!(
                decide(None, PushProvider::Fcm, "f", &b, NOW),
                Decision::Register(_)
            ));
            b.record(NOW);
        }
        let d = decide(None, PushProvider::Fcm, "f", &b, NOW);
        let Decision::Throttled { retry_at, .. } = d else {
            panic!("{d:?}")
        };
        assert!(retry_at > NOW && retry_at <= NOW + 86_400);
        // The next day the budget is back.
        assert!(matches!(
            decide(None, PushProvider::Fcm, "f", &b, retry_at),
            Decision::Register(_)
        ));
        b.record(retry_at);
        assert_eq!(b.attempts, 1);
    }
}
