//! The geofence rule: where the fix puts the driver relative to the stop, taking the fix's
//! accuracy into account. One rule for the phone (shown while capturing) and the server (on
//! the receipt).
//!
//! - `unknown` when there is no fix, only approximate permission, an accuracy wider than the
//!   warn radius, or a fix older than the policy's maximum age: never `inside`.
//! - otherwise, with `d` the geodesic distance (WGS 84) and `a` the accuracy radius:
//!   `inside` if `d + a <= strict`, `outside` if `d - a > warn`, `warn` in between.
//!
//! A mock or simulated flag does not change the verdict: it is recorded and flagged for
//! review. An override never changes it either: it is a separate, flagged fact.

use geographiclib_rs::{Geodesic, InverseGeodesic};
use serde::{Deserialize, Serialize};

use super::{GeoPoint, LocationAuthorization, LocationFix, ProofPolicy};

/// Where the fix puts the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum GeofenceVerdict {
    /// The whole accuracy circle is within the strict radius.
    Inside,
    /// Neither clearly inside nor clearly outside.
    Warn,
    /// The whole accuracy circle is beyond the warn radius.
    Outside,
    /// The fix cannot tell (see [`UnknownReason`]).
    Unknown,
}

impl GeofenceVerdict {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            GeofenceVerdict::Inside => "inside",
            GeofenceVerdict::Warn => "warn",
            GeofenceVerdict::Outside => "outside",
            GeofenceVerdict::Unknown => "unknown",
        }
    }
}

/// Why the verdict is `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    NoFix,
    ApproximateOnly,
    AccuracyTooWide,
    StaleFix,
}

/// The verdict with what it was made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GeofenceAssessment {
    pub verdict: GeofenceVerdict,
    /// Set when the verdict is `unknown`.
    pub unknown_reason: Option<UnknownReason>,
    /// Geodesic distance from the stop's point to the fix, metres (when there is a fix).
    pub distance_m: Option<f64>,
    /// Initial azimuth from the stop to the fix, degrees clockwise from north.
    pub azimuth_deg: Option<f64>,
    /// The fix's accuracy radius, metres.
    pub accuracy_m: Option<f64>,
    /// The platform reported a mock or simulated location (recorded, not rejected).
    pub mocked: bool,
    /// The fix was older than the policy's maximum age.
    pub stale: bool,
}

/// Geodesic distance (metres) and initial azimuth (degrees) from `a` to `b` on WGS 84
/// (Karney's algorithm: exact across the antimeridian and at the poles).
pub fn distance_and_azimuth(a: GeoPoint, b: GeoPoint) -> (f64, f64) {
    let (s12, azi1, _azi2, _a12): (f64, f64, f64, f64) =
        Geodesic::wgs84().inverse(a.lat(), a.lon(), b.lat(), b.lon());
    (s12, azi1)
}

/// The verdict for a usable fix at `distance_m` with `accuracy_m` (the second half of the
/// rule, without the `unknown` preconditions on the fix itself except the accuracy).
pub fn classify(distance_m: f64, accuracy_m: f64, policy: &ProofPolicy) -> GeofenceVerdict {
    let strict = f64::from(policy.strict_radius_m);
    let warn = f64::from(policy.warn_radius_m.max(policy.strict_radius_m));
    if !distance_m.is_finite() || !accuracy_m.is_finite() || accuracy_m < 0.0 {
        return GeofenceVerdict::Unknown;
    }
    if accuracy_m > warn {
        GeofenceVerdict::Unknown
    } else if distance_m + accuracy_m <= strict {
        GeofenceVerdict::Inside
    } else if distance_m - accuracy_m > warn {
        GeofenceVerdict::Outside
    } else {
        GeofenceVerdict::Warn
    }
}

/// Applies the rule to the stop's point and the fix captured with the proof.
pub fn assess(
    stop_point: GeoPoint,
    policy: &ProofPolicy,
    fix: Option<&LocationFix>,
) -> GeofenceAssessment {
    let Some(fix) = fix else {
        return GeofenceAssessment {
            verdict: GeofenceVerdict::Unknown,
            unknown_reason: Some(UnknownReason::NoFix),
            distance_m: None,
            azimuth_deg: None,
            accuracy_m: None,
            mocked: false,
            stale: false,
        };
    };
    let (distance, azimuth) = distance_and_azimuth(stop_point, fix.point);
    let accuracy = fix.accuracy_m();
    let stale = fix.age_ms > u64::from(policy.max_fix_age_s) * 1000;
    let warn = f64::from(policy.warn_radius_m.max(policy.strict_radius_m));
    // Order matters only for which reason is reported; each one alone gives `unknown`.
    let unknown_reason = if fix.authorization == LocationAuthorization::Approximate {
        Some(UnknownReason::ApproximateOnly)
    } else if stale {
        Some(UnknownReason::StaleFix)
    } else if accuracy > warn {
        Some(UnknownReason::AccuracyTooWide)
    } else {
        None
    };
    let verdict = match unknown_reason {
        Some(_) => GeofenceVerdict::Unknown,
        None => classify(distance, accuracy, policy),
    };
    GeofenceAssessment {
        verdict,
        unknown_reason,
        distance_m: Some(distance),
        azimuth_deg: Some(azimuth),
        accuracy_m: Some(accuracy),
        mocked: fix.is_mocked(),
        stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliveries::{LocationProvider, TriState};

    fn policy() -> ProofPolicy {
        ProofPolicy::default()
    }

    fn fix_at(lat: f64, lon: f64, accuracy_m: u32) -> LocationFix {
        LocationFix {
            point: GeoPoint::from_degrees(lat, lon).unwrap(),
            accuracy_cm: accuracy_m * 100,
            fix_time_ms: 1_800_000_000_000,
            age_ms: 2_000,
            provider: LocationProvider::Fused,
            mock: TriState::No,
            simulated_by_software: TriState::Unknown,
            from_accessory: TriState::Unknown,
            authorization: LocationAuthorization::Precise,
        }
    }

    /// The point `metres` north of `p` along its meridian (exact, from the geodesic).
    fn north_of(p: GeoPoint, metres: f64) -> GeoPoint {
        use geographiclib_rs::DirectGeodesic;
        let (lat, lon): (f64, f64) = Geodesic::wgs84().direct(p.lat(), p.lon(), 0.0, metres);
        GeoPoint::from_degrees(lat, lon).unwrap()
    }

    #[test]
    fn on_the_radius() {
        let p = policy();
        // The whole circle exactly on the strict radius is still inside; a centimetre more is not.
        assert_eq!(classify(190.0, 10.0, &p), GeofenceVerdict::Inside);
        assert_eq!(classify(190.01, 10.0, &p), GeofenceVerdict::Warn);
        // Exactly touching the warn radius from outside is not yet outside.
        assert_eq!(classify(510.0, 10.0, &p), GeofenceVerdict::Warn);
        assert_eq!(classify(510.01, 10.0, &p), GeofenceVerdict::Outside);
        // Accuracy exactly the warn radius is usable; beyond it is unknown.
        assert_eq!(classify(0.0, 500.0, &p), GeofenceVerdict::Warn);
        assert_eq!(classify(0.0, 500.01, &p), GeofenceVerdict::Unknown);
    }

    #[test]
    fn real_points_on_and_off_the_radius() {
        let stop = GeoPoint::from_degrees(51.9225, 4.47917).unwrap();
        let p = policy();
        let a = assess(stop, &p, Some(&fix_at(0.0, 0.0, 5)));
        assert_eq!(a.verdict, GeofenceVerdict::Outside);
        let near = LocationFix {
            point: north_of(stop, 190.0),
            ..fix_at(0.0, 0.0, 5)
        };
        let a = assess(stop, &p, Some(&near));
        assert_eq!(a.verdict, GeofenceVerdict::Inside);
        assert!((a.distance_m.unwrap() - 190.0).abs() < 0.05, "{a:?}");
        assert!(a.azimuth_deg.unwrap().abs() < 0.01);
        let edge = LocationFix {
            point: north_of(stop, 196.0),
            ..fix_at(0.0, 0.0, 5)
        };
        assert_eq!(assess(stop, &p, Some(&edge)).verdict, GeofenceVerdict::Warn);
    }

    #[test]
    fn accuracy_larger_than_the_radius() {
        let stop = GeoPoint::from_degrees(48.8566, 2.3522).unwrap();
        let p = policy();
        // Standing on the stop with a 300 m circle: cannot be inside the 200 m radius.
        let a = assess(stop, &p, Some(&fix_at(48.8566, 2.3522, 300)));
        assert_eq!(a.verdict, GeofenceVerdict::Warn);
        // Wider than the warn radius: unknown.
        let a = assess(stop, &p, Some(&fix_at(48.8566, 2.3522, 501)));
        assert_eq!(a.verdict, GeofenceVerdict::Unknown);
        assert_eq!(a.unknown_reason, Some(UnknownReason::AccuracyTooWide));
    }

    #[test]
    fn approximate_permission_is_never_inside() {
        let stop = GeoPoint::from_degrees(48.8566, 2.3522).unwrap();
        let mut f = fix_at(48.8566, 2.3522, 3);
        f.authorization = LocationAuthorization::Approximate;
        let a = assess(stop, &policy(), Some(&f));
        assert_eq!(a.verdict, GeofenceVerdict::Unknown);
        assert_eq!(a.unknown_reason, Some(UnknownReason::ApproximateOnly));
    }

    #[test]
    fn missing_fix_is_unknown() {
        let stop = GeoPoint::from_degrees(0.0, 0.0).unwrap();
        let a = assess(stop, &policy(), None);
        assert_eq!(a.verdict, GeofenceVerdict::Unknown);
        assert_eq!(a.unknown_reason, Some(UnknownReason::NoFix));
    }

    #[test]
    fn stale_fix_is_unknown_even_on_the_spot() {
        let stop = GeoPoint::from_degrees(48.8566, 2.3522).unwrap();
        let mut f = fix_at(48.8566, 2.3522, 3);
        f.age_ms = 120_000;
        assert_eq!(
            assess(stop, &policy(), Some(&f)).verdict,
            GeofenceVerdict::Inside
        );
        f.age_ms = 120_001;
        let a = assess(stop, &policy(), Some(&f));
        assert_eq!(a.verdict, GeofenceVerdict::Unknown);
        assert_eq!(a.unknown_reason, Some(UnknownReason::StaleFix));
        assert!(a.stale);
    }

    #[test]
    fn mock_is_recorded_not_rejected() {
        let stop = GeoPoint::from_degrees(48.8566, 2.3522).unwrap();
        let mut f = fix_at(48.8566, 2.3522, 3);
        f.mock = TriState::Yes;
        let a = assess(stop, &policy(), Some(&f));
        assert_eq!(a.verdict, GeofenceVerdict::Inside);
        assert!(a.mocked);
        f.mock = TriState::Unknown;
        f.simulated_by_software = TriState::Yes;
        assert!(assess(stop, &policy(), Some(&f)).mocked);
        f.simulated_by_software = TriState::Unknown;
        assert!(!assess(stop, &policy(), Some(&f)).mocked);
    }

    #[test]
    fn across_the_antimeridian() {
        // 100 m apart across 180°: a naive longitude difference would say 40,000 km.
        let stop = GeoPoint::from_degrees(-16.5, 179.9995).unwrap();
        let f = fix_at(-16.5, -179.99955, 5);
        let a = assess(stop, &policy(), Some(&f));
        assert!(a.distance_m.unwrap() < 120.0, "{a:?}");
        assert_eq!(a.verdict, GeofenceVerdict::Inside);
    }

    #[test]
    fn at_the_poles() {
        // At the pole every longitude is the same point.
        let stop = GeoPoint::from_degrees(90.0, 0.0).unwrap();
        let a = assess(stop, &policy(), Some(&fix_at(90.0, 135.0, 5)));
        assert!(a.distance_m.unwrap() < 0.01, "{a:?}");
        assert_eq!(a.verdict, GeofenceVerdict::Inside);
        // 150 m from the south pole on the other side of the earth's axis.
        let stop = GeoPoint::from_degrees(-90.0, 0.0).unwrap();
        let f = LocationFix {
            point: north_of(GeoPoint::from_degrees(-90.0, 180.0).unwrap(), 150.0),
            ..fix_at(0.0, 0.0, 5)
        };
        let a = assess(stop, &policy(), Some(&f));
        assert!((a.distance_m.unwrap() - 150.0).abs() < 0.05, "{a:?}");
        assert_eq!(a.verdict, GeofenceVerdict::Inside);
    }
}
