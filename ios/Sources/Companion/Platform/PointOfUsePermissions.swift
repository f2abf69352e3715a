import AVFoundation
import CoreLocation
import UIKit
import UserNotifications

/// Point-of-use permissions on iOS. Each feature asks when the user starts it (tapping "Scan",
/// capturing a proof of delivery, switching a notification category on), never at launch, and
/// location is only ever "when in use". The one exception has no prompt: provisional
/// notifications (`requestProvisionalNotifications()`) at the first launch after sign-in. Info.plist needs NSCameraUsageDescription,
/// NSLocationWhenInUseUsageDescription and the `ProofOfDelivery` purpose in
/// NSLocationTemporaryUsageDescriptionDictionary, and no "Always" location key.
///
/// The shell only reports what iOS says (`facts(for:)`) and shows the system prompts; what to
/// do next is the core's decision (`client.permissions().decide`), shared with Android: go ahead,
/// ask, explain then ask, send to Settings, ask for temporary full accuracy, or carry on with
/// less. Asks are recorded in the core before each prompt.
///
///     var decision = try await permissions.decide(.scanning)
///     if case .request(let ask) = decision.action {
///         decision = try await permissions.request(.scanning, ask)
///     }
@MainActor
public final class PointOfUsePermissions: NSObject, CLLocationManagerDelegate {
    private let core: Permissions
    private let locationManager = CLLocationManager()
    private var waitingForLocation: [CheckedContinuation<Void, Never>] = []

    public init(permissions: Permissions) {
        core = permissions
        super.init()
        locationManager.delegate = self
    }

    /// What iOS says now about every permission `feature` needs.
    public func facts(for feature: Feature) async -> [OsPermissionFacts] {
        var facts: [OsPermissionFacts] = []
        for permission in permissions(of: feature) {
            facts.append(await factsOf(permission))
        }
        return facts
    }

    /// What `feature`'s screen does next, decided by the core.
    public func decide(_ feature: Feature) async throws -> PermissionDecision {
        try await core.decide(feature: feature, facts: await facts(for: feature))
    }

    /// Shows the system prompt for each of `toAsk` (the permissions of a `.request`, or of an
    /// `.explainThenRequest` once the user has read the explanation) and returns the decision
    /// after the answers.
    public func request(_ feature: Feature, _ toAsk: [Permission]) async throws -> PermissionDecision {
        for permission in toAsk {
            try await core.recordAsked(permission: permission)
            switch permission {
            case .camera:
                _ = await AVCaptureDevice.requestAccess(for: .video)
            case .locationWhileInUse:
                await requestLocationWhenInUse()
            case .notifications:
                // Full authorization (the prompt). From provisional this is the upgrade the core
                // asks for when the user turns a category on.
                await requestNotificationAuthorization([.alert, .sound, .badge])
            }
        }
        return try await decide(feature)
    }

    /// Quiet notifications without a prompt: at the first launch after sign-in, while iOS has
    /// not been asked yet (`notDetermined`), requests provisional authorization, so
    /// notifications go quietly to Notification Centre until the user turns a category on
    /// (then `decide(.notifications)` answers `.request([.notifications])` and `request` shows
    /// the full prompt). Nothing is recorded as asked: iOS shows no prompt for provisional.
    /// Returns the core's decision for `.notifications` with the facts after the request.
    @discardableResult
    public func requestProvisionalNotifications() async throws -> PermissionDecision {
        if await UNUserNotificationCenter.current().notificationSettings().authorizationStatus == .notDetermined {
            await requestNotificationAuthorization([.provisional, .alert, .sound, .badge])
        }
        return try await decide(.notifications)
    }

    /// The one place the app asks UserNotifications for authorization. A failure (the system
    /// refusing the request itself) leaves the status as it was, which `facts(for:)` reports.
    private func requestNotificationAuthorization(_ options: UNAuthorizationOptions) async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: options)
    }

    /// For a `.requestFullAccuracy` decision (proof of delivery with approximate location): asks
    /// for precise location this once, with the `ProofOfDelivery` purpose from Info.plist.
    public func requestFullAccuracy(_ feature: Feature) async throws -> PermissionDecision {
        try? await locationManager.requestTemporaryFullAccuracyAuthorization(withPurposeKey: DeliveryLocation.fullAccuracyPurposeKey)
        if locationManager.accuracyAuthorization == .reducedAccuracy {
            try await core.recordFullAccuracyDeclined()
        }
        return try await decide(feature)
    }

    /// Where an `.openSettings` decision sends the user: this app's page in Settings (iOS has
    /// no public link to the location services switch; the page says where it is).
    public var settingsUrl: URL? {
        URL(string: UIApplication.openSettingsURLString)
    }

    private func permissions(of feature: Feature) -> [Permission] {
        switch feature {
        case .scanning: return [.camera]
        case .proofOfDelivery: return [.camera, .locationWhileInUse]
        case .notifications: return [.notifications]
        }
    }

    private func factsOf(_ permission: Permission) async -> OsPermissionFacts {
        switch permission {
        case .camera:
            let authorization: OsAuthorization
            switch AVCaptureDevice.authorizationStatus(for: .video) {
            case .authorized: authorization = .granted
            case .denied: authorization = .denied
            case .restricted: authorization = .restricted
            default: authorization = .notGranted
            }
            return ios(permission, authorization)
        case .locationWhileInUse:
            let authorization: OsAuthorization
            switch locationManager.authorizationStatus {
            case .authorizedWhenInUse, .authorizedAlways:
                authorization = locationManager.accuracyAuthorization == .reducedAccuracy ? .grantedApproximate : .granted
            case .denied: authorization = .denied
            case .restricted: authorization = .restricted
            default: authorization = .notGranted
            }
            return OsPermissionFacts(
                platform: .ios, permission: permission, authorization: authorization,
                shouldShowRationale: false, serviceEnabled: CLLocationManager.locationServicesEnabled())
        case .notifications:
            let settings = await UNUserNotificationCenter.current().notificationSettings()
            let authorization: OsAuthorization
            switch settings.authorizationStatus {
            case .authorized, .ephemeral: authorization = .granted
            case .provisional: authorization = .grantedProvisional
            case .denied: authorization = .denied
            default: authorization = .notGranted
            }
            return ios(permission, authorization)
        }
    }

    private func ios(_ permission: Permission, _ authorization: OsAuthorization) -> OsPermissionFacts {
        OsPermissionFacts(
            platform: .ios, permission: permission, authorization: authorization,
            shouldShowRationale: false, serviceEnabled: true)
    }

    private func requestLocationWhenInUse() async {
        guard locationManager.authorizationStatus == .notDetermined else { return }
        await withCheckedContinuation { continuation in
            waitingForLocation.append(continuation)
            // When-in-use only: never requestAlwaysAuthorization.
            locationManager.requestWhenInUseAuthorization()
        }
    }

    public nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        Task { @MainActor in
            guard self.locationManager.authorizationStatus != .notDetermined else { return }
            let waiting = self.waitingForLocation
            self.waitingForLocation.removeAll()
            waiting.forEach { $0.resume() }
        }
    }
}
