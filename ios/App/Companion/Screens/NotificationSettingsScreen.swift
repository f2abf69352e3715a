import Companion
import SwiftUI

/// Which notifications the user gets, per category (stock alerts per warehouse). Quiet
/// (provisional) delivery is set up without a prompt at sign-in
/// (`PointOfUsePermissions.requestProvisionalNotifications`); the full
/// permission prompt comes only when the user turns a category on, as the core decides
/// (`PointOfUsePermissions`, feature `.notifications`). Switches work offline and are synced.
@MainActor
final class NotificationSettingsModel: ObservableObject {
    enum Ask: Equatable {
        case none
        case explain([Permission], Category, String?)
        case settings
        case degraded
    }

    @Published private(set) var preferences: [Preference] = []
    @Published private(set) var ask: Ask = .none
    @Published private(set) var problem: Problem?

    let warehouses: [Warehouse]
    private let push: PushNotifications
    private let permissions: PointOfUsePermissions

    init(client: CompanionClient, account: Account) {
        push = client.push()
        permissions = PointOfUsePermissions(permissions: client.permissions())
        warehouses = account.warehouses
    }

    func load() async {
        // Provisional (quiet, no prompt) is normally set up at sign-in (`AppModel`); asking
        // again here is a no-op once iOS has an answer. The decision tells whether
        // notifications are off in Settings.
        if let decision = try? await permissions.requestProvisionalNotifications(),
           case .openSettings = decision.action {
            ask = .settings
        }
        do {
            preferences = try await push.preferences()
            preferences = (try? await push.syncPreferences()) ?? preferences
        } catch {
            problem = Problem(error)
        }
    }

    /// A switch not in the list is at its default: on.
    func isOn(_ category: Category, _ warehouseId: String?) -> Bool {
        preferences.first { $0.category == category && $0.warehouseId == warehouseId }?.enabled ?? true
    }

    func set(_ category: Category, _ warehouseId: String?, on: Bool) async {
        if on {
            do {
                let decision = try await permissions.decide(.notifications)
                switch decision.action {
                case .request(let toAsk):
                    _ = try await permissions.request(.notifications, toAsk)
                case .explainThenRequest(let toAsk):
                    ask = .explain(toAsk, category, warehouseId)
                    return
                case .openSettings:
                    ask = .settings
                case .degrade:
                    ask = .degraded
                case .proceed, .requestFullAccuracy:
                    break
                }
            } catch {
                problem = Problem(error)
            }
        }
        await save(category, warehouseId, on)
    }

    func continueAfterExplanation() async {
        guard case .explain(let toAsk, let category, let warehouseId) = ask else { return }
        ask = .none
        _ = try? await permissions.request(.notifications, toAsk)
        await save(category, warehouseId, true)
    }

    private func save(_ category: Category, _ warehouseId: String?, _ on: Bool) async {
        problem = nil
        do {
            try await push.setPreference(category: category, warehouseId: warehouseId, enabled: on)
            preferences = try await push.preferences()
            _ = try? await push.syncPreferences()
        } catch {
            problem = Problem(error)
        }
    }

    var settingsUrl: URL? { permissions.settingsUrl }
}

@MainActor
struct NotificationSettingsScreen: View {
    @StateObject private var model: NotificationSettingsModel
    @ObservedObject private var push = PushCoordinator.shared

    init(client: CompanionClient, account: Account) {
        _model = StateObject(wrappedValue: NotificationSettingsModel(client: client, account: account))
    }

    private struct Row {
        let category: Category
        let title: String
    }

    private static let rows = [
        Row(category: .purchaseOrder, title: "Purchase orders received"),
        Row(category: .approval, title: "Approvals waiting"),
        Row(category: .deliveryAssignment, title: "Deliveries assigned to me"),
    ]

    var body: some View {
        Form {
            Section("Low stock") {
                ForEach(model.warehouses, id: \.id) { warehouse in
                    toggle(warehouse.name, .stockBelowThreshold, warehouse.id)
                }
            }
            Section("Work") {
                ForEach(NotificationSettingsScreen.rows, id: \.title) { row in
                    toggle(row.title, row.category, nil)
                }
            }
            switch model.ask {
            case .none:
                EmptyView()
            case .explain:
                Section {
                    Text("Companion tells you about low stock, orders and deliveries as they happen. iOS asks you next.")
                    Button("Continue") { Task { await model.continueAfterExplanation() } }
                }
            case .settings:
                Section {
                    Text("Notifications are off for Companion in Settings.")
                    if let url = model.settingsUrl { Link("Open Settings", destination: url) }
                }
            case .degraded:
                Section { Text("Saved, but iOS will not show notifications for Companion.") }
            }
            Section("This phone") {
                Text(PushRegistrationText.of(push.registration)).foregroundColor(.secondary)
            }
            if let problem = model.problem {
                Section { ProblemView(problem: problem, retry: nil) }
            }
        }
        .navigationTitle("Notifications")
        .task { await model.load() }
    }

    private func toggle(_ title: String, _ category: Category, _ warehouseId: String?) -> some View {
        Toggle(title, isOn: Binding(
            get: { model.isOn(category, warehouseId) },
            set: { on in Task { await model.set(category, warehouseId, on: on) } }))
    }
}

/// Whether the server can reach this phone, from `PushCoordinator`.
enum PushRegistrationText {
    static func of(_ registration: PushCoordinator.Registration) -> String {
        switch registration {
        case .notSignedIn: return "Not signed in."
        case .waitingForToken: return "Waiting for iOS to give this phone's push address."
        case .registered: return "Registered: notifications reach this phone."
        case .throttled(let until): return "Registration paused by the server until \(until.formatted(date: .omitted, time: .shortened))."
        case .failed(let why): return "Not registered: \(why)"
        }
    }
}
