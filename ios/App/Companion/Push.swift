import Companion
import SwiftUI
import UIKit
import UserNotifications

/// The app delegate SwiftUI adopts (`@UIApplicationDelegateAdaptor` in `CompanionApp`): the
/// APNs token and its failure, pushes received while the app runs (or is woken), and taps on
/// notifications. Everything goes to `PushCoordinator`; nothing here talks to the core.
/// `UIApplicationDelegate` is main-actor isolated, so the class is too.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        // Before launch finishes, so a tap that launched the app is delivered here.
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        PushCoordinator.shared.tokenArrived(deviceToken)
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        PushCoordinator.shared.registrationFailed(error)
    }

    /// A push while the app runs, or one that woke it (`remote-notification` background mode,
    /// for payloads with `content-available`): the data it announces is fetched (stock sync,
    /// routes) within the time iOS gives.
    func application(
        _ application: UIApplication,
        didReceiveRemoteNotification userInfo: [AnyHashable: Any]
    ) async -> UIBackgroundFetchResult {
        guard let json = NotificationPayload.json(userInfo) else { return .noData }
        return await PushCoordinator.shared.received(userInfoJson: json)
    }

    // UNUserNotificationCenterDelegate is not main-actor isolated: these take what they need
    // from the non-Sendable arguments, answer at once, and hop to the main actor with text.

    /// In the foreground the notification is shown as a banner too (it says what changed).
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .list, .sound])
    }

    /// A tap on a notification: its screen opens (after sign-in if the app was signed out).
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        let tapped = response.actionIdentifier == UNNotificationDefaultActionIdentifier
        let json = tapped ? NotificationPayload.json(response.notification.request.content.userInfo) : nil
        completionHandler()
        guard let json else { return }
        Task { @MainActor in PushCoordinator.shared.open(userInfoJson: json) }
    }
}

/// APNs `userInfo` as the JSON text `parseApns(userInfoJson:)` takes (`aps` included; the
/// core ignores it and unknown keys).
enum NotificationPayload {
    static func json(_ userInfo: [AnyHashable: Any]) -> String? {
        var object: [String: Any] = [:]
        for (key, value) in userInfo {
            if let key = key.base as? String { object[key] = value }
        }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object) else {
            return nil
        }
        return String(data: data, encoding: .utf8)
    }
}

/// A notification the user opened: the core's deep link, shown over the tabs.
struct OpenedNotification: Identifiable, Equatable {
    /// The event's id (unique per event).
    let id: String
    let link: DeepLink
}

/// Push notifications on the app side: the APNs token handed to the core's push component
/// (`registerToken(provider: .apns, …)`) for the signed-in account, retried when the core says
/// it may be, and notifications parsed by the core (`parseApns`) into typed events, opened as
/// their deep link (`NotificationEvent.target()`: stock item, purchase order, approval, stop).
///
/// Token lifecycle: at every sign-in (and so every launch signed in) the app asks iOS for the
/// token again (`registerForRemoteNotifications`); iOS answers with the current one, rotated
/// or not, and the core makes a request only when one is due. `.throttled` waits until the
/// core's `retryAt`; a retryable error (offline, server busy) retries with backoff while the
/// app runs, and the next launch tries again anyway. At sign-out the core stops notifications
/// for this install itself (`signOut`), so only the retry stops here.
@MainActor
final class PushCoordinator: ObservableObject {
    static let shared = PushCoordinator()

    enum Registration: Equatable {
        case notSignedIn
        case waitingForToken
        case registered
        case throttled(until: Date)
        case failed(String)
    }

    @Published private(set) var registration: Registration = .notSignedIn
    @Published var opened: OpenedNotification?

    private var client: CompanionClient?
    private var token: String?
    private var registering: Task<Void, Never>?
    /// A tap that arrived before the client was open or while signed out; opened at sign-in.
    private var pendingTap: String?
    /// Recent event ids: the same push delivered twice fetches once.
    private var handledEvents: [String] = []

    /// Signed in: ask iOS for the token (it may have rotated since the last launch) and open a
    /// notification tapped before.
    func signedIn(_ client: CompanionClient) {
        self.client = client
        if registration == .notSignedIn { registration = .waitingForToken }
        UIApplication.shared.registerForRemoteNotifications()
        if token != nil { register() }
        if let tap = pendingTap {
            pendingTap = nil
            self.open(userInfoJson: tap)
        }
    }

    func signedOut() {
        client = nil
        registering?.cancel()
        registering = nil
        registration = .notSignedIn
        opened = nil
    }

    func tokenArrived(_ deviceToken: Data) {
        token = ApnsToken.hex(deviceToken)
        register()
    }

    /// No token (no `aps-environment` entitlement, the simulator without push support, no
    /// network at first registration). iOS tries again at the next `registerForRemoteNotifications`.
    func registrationFailed(_ error: Error) {
        registration = .failed("iOS gave no push token: \(error.localizedDescription)")
    }

    private func register() {
        guard let client, let token else { return }
        registering?.cancel()
        let push = client.push()
        let environment = ApnsToken.environment()
        registering = Task { await self.keepRegistering(push, token: token, environment: environment) }
    }

    private func keepRegistering(_ push: PushNotifications, token: String, environment: ApnsEnvironment) async {
        var backoff: TimeInterval = 30
        while !Task.isCancelled {
            let wait: TimeInterval
            do {
                switch try await push.registerToken(provider: .apns, token: token, environment: environment) {
                case .upToDate, .registered:
                    registration = .registered
                    return
                case .throttled(let retryAt):
                    registration = .throttled(until: retryAt)
                    wait = max(60, retryAt.timeIntervalSinceNow)
                }
            } catch let error as CompanionError where error.isRetryable() {
                registration = .failed(Problem(error).message)
                wait = error.retryAfterMs().map { max(1, Double($0) / 1000) } ?? backoff
                backoff = min(backoff * 2, 3600)
            } catch {
                // NotSignedIn (signed out meanwhile), InvalidInput (a token the core refuses):
                // trying the same again will not help.
                registration = .failed(Problem(error).message)
                return
            }
            try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
        }
    }

    /// A tapped notification: parsed by the core, opened as its deep link. Unknown kinds (a
    /// newer server) and payloads the core refuses open nothing; the notification itself was
    /// shown by iOS already.
    func open(userInfoJson: String) {
        guard let client, case .signedIn = client.sessionState() else {
            pendingTap = userInfoJson
            return
        }
        guard let event = try? client.push().parseApns(userInfoJson: userInfoJson),
              let link = event.target() else {
            return
        }
        opened = OpenedNotification(id: event.eventId, link: link)
    }

    /// A push received while running or woken: fetches what it announces (bounded by
    /// `deadline`, inside the ~30 s iOS allows), once per event.
    func received(userInfoJson: String) async -> UIBackgroundFetchResult {
        // Woken in the background, the scene (and so `AppModel`) may not run: open the client
        // here; the provider hands out the same one.
        guard let client = try? await CompanionProvider.get(serverUrl: ServerAddress.url),
              case .signedIn = client.sessionState(),
              let event = try? client.push().parseApns(userInfoJson: userInfoJson),
              firstTime(event.eventId) else {
            return .noData
        }
        do {
            switch event.kind {
            case .stockBelowThreshold, .purchaseOrderProgress:
                let inventory = client.inventory()
                _ = try await PushCoordinator.withDeadline { try await inventory.sync() }
                return .newData
            case .deliveryAssigned:
                let deliveries = client.deliveries()
                _ = try await PushCoordinator.withDeadline { try await deliveries.downloadRoutes() }
                return .newData
            case .approvalWaiting, .unknown:
                // Nothing on the phone to fetch (no approvals in the core's API).
                return .noData
            }
        } catch {
            return .failed
        }
    }

    private func firstTime(_ eventId: String) -> Bool {
        guard !handledEvents.contains(eventId) else { return false }
        handledEvents.append(eventId)
        if handledEvents.count > 50 { handledEvents.removeFirst() }
        return true
    }

    /// How long a push may keep the app busy before its work is cancelled (the cancellation
    /// reaches the core; a sync resumes next time).
    static let deadlineSeconds: UInt64 = 25

    /// Runs `work`, cancelling it after `deadlineSeconds`.
    static func withDeadline<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let timer = Task {
            try? await Task.sleep(nanoseconds: PushCoordinator.deadlineSeconds * 1_000_000_000)
            task.cancel()
        }
        defer { timer.cancel() }
        return try await task.value
    }
}
