import CoreLocation
import Foundation

/// The location of a proof of delivery: one current fix, taken when the driver captures the
/// proof, converted to the core's `LocationFix` for `deliveries.setFix(stopId:fix:)`. The core
/// never asks for location; the shell hands it this record.
///
///     let location = DeliveryLocation(deliveries: client.deliveries())
///     switch try await location.currentFix() {
///     case .fix(let fix): _ = try await client.deliveries().setFix(stopId: stop, fix: fix)
///     case .unavailable(let facts): decision = try await permissions.decide(feature: .proofOfDelivery, facts: [facts])
///     case .noFix(let reason): offerRetry(reason)
///     }
///
/// Policy (as on Android): "when in use" only. This type never asks for authorization at all
/// (`PointOfUsePermissions.request` asks for when-in-use when the core decides so), never calls
/// `requestAlwaysAuthorization`, never sets `allowsBackgroundLocationUpdates`, and stops after
/// one fix (`requestLocation`, not continuous updates).
///
/// Reduced accuracy ("Precise: Off") is not an error: the fix is reported with
/// `authorization: .approximate` and the core treats it as such (never "inside" a geofence).
/// `requestTemporaryFullAccuracy()` asks for precise location this once with the
/// `ProofOfDelivery` purpose of Info.plist's `NSLocationTemporaryUsageDescriptionDictionary`.
@MainActor
public final class DeliveryLocation: NSObject, CLLocationManagerDelegate {
    /// The key of the temporary full accuracy purpose in Info.plist
    /// (`NSLocationTemporaryUsageDescriptionDictionary`); `scripts/ios_checks.py` checks it is there.
    public static let fullAccuracyPurposeKey = "ProofOfDelivery"

    /// What `currentFix` found.
    public enum Outcome: Equatable {
        /// A fix for `setFix`.
        case fix(LocationFix)
        /// No fix may be taken: location services are off (`serviceEnabled == false`, the
        /// core's "service off" fact) or when-in-use is not granted. Hand the facts to the
        /// core's `decide`; it says whether to ask, explain or send to Settings.
        case unavailable(OsPermissionFacts)
        /// Core Location gave no usable fix in time (indoors, airplane mode, timeout).
        case noFix(reason: String)
    }

    private let deliveries: Deliveries
    private let manager = CLLocationManager()
    private var waiting: [CheckedContinuation<Result<CLLocation, Error>, Never>] = []
    private var timeout: Task<Void, Never>?

    /// `deliveries` converts degrees to the core's `GeoPoint` (`pointFromDegrees`).
    public init(deliveries: Deliveries) {
        self.deliveries = deliveries
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    /// Whether "Precise: Off" is in effect for this app.
    public var isReducedAccuracy: Bool {
        manager.accuracyAuthorization == .reducedAccuracy
    }

    /// What iOS says about location now, as the core's facts. The location services switch is
    /// read off the main thread (`locationServicesEnabled` may block).
    public func facts() async -> OsPermissionFacts {
        let servicesOn = await Task.detached { CLLocationManager.locationServicesEnabled() }.value
        let authorization: OsAuthorization
        switch manager.authorizationStatus {
        case .authorizedWhenInUse, .authorizedAlways:
            authorization = isReducedAccuracy ? .grantedApproximate : .granted
        case .denied: authorization = .denied
        case .restricted: authorization = .restricted
        default: authorization = .notGranted
        }
        return OsPermissionFacts(
            platform: .ios, permission: .locationWhileInUse, authorization: authorization,
            shouldShowRationale: false, serviceEnabled: servicesOn)
    }

    /// One current fix (Core Location may answer with a recent cached one; its age says so),
    /// or why there is none. Concurrent callers share one request. Throws only what
    /// `pointFromDegrees` throws for coordinates out of range.
    public func currentFix(timeoutSeconds: Double = 15) async throws -> Outcome {
        let now = await facts()
        let granted = now.authorization == .granted || now.authorization == .grantedApproximate
        guard now.serviceEnabled, granted else { return .unavailable(now) }
        switch await oneLocation(timeoutSeconds: timeoutSeconds) {
        case .success(let location):
            guard let converted = try self.fix(from: location) else {
                return .noFix(reason: "Core Location returned a location without a valid horizontal accuracy")
            }
            return .fix(converted)
        case .failure(let error):
            if let clError = error as? CLError, clError.code == .denied {
                // Authorization or the services switch changed while waiting.
                return .unavailable(await facts())
            }
            if error is FixTimedOut {
                return .noFix(reason: "no location within \(Int(timeoutSeconds)) s")
            }
            return .noFix(reason: error.localizedDescription)
        }
    }

    /// `location` as the core's record; `nil` when it has no valid horizontal accuracy
    /// (negative: the coordinate is invalid).
    ///
    /// - accuracy: `horizontalAccuracy` (metres, 68 %) in centimetres, rounded up;
    /// - fix time: the location's `timestamp`; age: `now` minus that timestamp, never negative
    ///   (a cached fix shows its age; both come from the same clock, so a wrong wall clock
    ///   shifts both alike);
    /// - `simulatedBySoftware` / `fromAccessory`: `sourceInformation` (iOS 15), `.unknown`
    ///   when iOS gives none; `mock` is Android's flag and `.unknown` here;
    /// - authorization: `.approximate` under reduced accuracy, else `.precise`.
    public func fix(from location: CLLocation, now: Date = Date()) throws -> LocationFix? {
        guard location.horizontalAccuracy >= 0 else { return nil }
        let point = try deliveries.pointFromDegrees(
            lat: location.coordinate.latitude, lon: location.coordinate.longitude)
        let accuracyCm = min(Double(UInt32.max), (location.horizontalAccuracy * 100).rounded(.up))
        let ageMs = max(0, now.timeIntervalSince(location.timestamp) * 1000).rounded()
        let source = location.sourceInformation
        return LocationFix(
            point: point,
            accuracyCm: UInt32(accuracyCm),
            fixTimeMs: Int64((location.timestamp.timeIntervalSince1970 * 1000).rounded()),
            ageMs: UInt64(ageMs),
            provider: .coreLocation,
            mock: .unknown,
            simulatedBySoftware: DeliveryLocation.triState(source?.isSimulatedBySoftware),
            fromAccessory: DeliveryLocation.triState(source?.isProducedByAccessory),
            authorization: isReducedAccuracy ? .approximate : .precise)
    }

    /// Asks for precise location this once (the `ProofOfDelivery` purpose). Returns whether
    /// accuracy is full afterwards. The core's `.requestFullAccuracy` decision goes through
    /// `PointOfUsePermissions.requestFullAccuracy`, which also records a refusal; this is the
    /// same prompt for a screen that only retries the fix.
    public func requestTemporaryFullAccuracy() async -> Bool {
        if isReducedAccuracy {
            try? await manager.requestTemporaryFullAccuracyAuthorization(
                withPurposeKey: DeliveryLocation.fullAccuracyPurposeKey)
        }
        return !isReducedAccuracy
    }

    static func triState(_ flag: Bool?) -> TriState {
        switch flag {
        case .some(true): return .yes
        case .some(false): return .no
        case .none: return .unknown
        }
    }

    // MARK: one-shot request

    private struct FixTimedOut: Error {}

    private func oneLocation(timeoutSeconds: Double) async -> Result<CLLocation, Error> {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            // A request is already out: this caller shares its answer.
            guard waiting.count == 1 else { return }
            manager.requestLocation()
            timeout = Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(max(1, timeoutSeconds) * 1_000_000_000))
                guard !Task.isCancelled else { return }
                self?.manager.stopUpdatingLocation()
                self?.finish(.failure(FixTimedOut()))
            }
        }
    }

    private func finish(_ result: Result<CLLocation, Error>) {
        timeout?.cancel()
        timeout = nil
        let answered = waiting
        waiting.removeAll()
        answered.forEach { $0.resume(returning: result) }
    }

    public nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let latest = locations.last else { return }
        Task { @MainActor in self.finish(.success(latest)) }
    }

    public nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        Task { @MainActor in self.finish(.failure(error)) }
    }
}
