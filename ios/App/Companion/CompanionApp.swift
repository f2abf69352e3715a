import Companion
import SwiftUI

/// The app's entry point: opens the one `CompanionClient` and follows the session, showing the
/// sign-in screen while signed out and the warehouse/road tabs while signed in. Everything the
/// screens show comes from the core; this file only routes. The app delegate (`Push.swift`)
/// takes the APNs token and the notifications for `PushCoordinator`.
@main
struct CompanionApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootScreen(model: model)
                .task { await model.run() }
        }
    }
}

/// The server the app talks to: `CompanionServerUrl` in Info.plist when a build sets one, else
/// the reference server beside the simulator (ios/README.md, step 4).
enum ServerAddress {
    static var url: String {
        Bundle.main.object(forInfoDictionaryKey: "CompanionServerUrl") as? String ?? "http://127.0.0.1:8750"
    }
}

/// Opening the client and the session, mapped to what the root shows. The core's own loops
/// (auto sync, proof upload) run while an account is signed in; they end by themselves at
/// sign-out, and the handles are cancelled too so a quick sign-in again starts fresh ones.
@MainActor
final class AppModel: ObservableObject {
    enum Phase {
        case opening
        case failed(Problem)
        case signedOut(CompanionClient)
        case signedIn(CompanionClient, Account)
    }

    @Published private(set) var phase: Phase = .opening
    private var loops: [TaskHandle] = []

    func run() async {
        do {
            let client = try await CompanionProvider.get(serverUrl: ServerAddress.url)
            for await state in try client.sessionUpdates() {
                switch state {
                case .signedOut:
                    stopLoops()
                    PushCoordinator.shared.signedOut()
                    phase = .signedOut(client)
                case .signedIn(let account):
                    startLoops(client)
                    phase = .signedIn(client, account)
                    await setUpNotifications(client)
                    PushCoordinator.shared.signedIn(client)
                }
            }
        } catch {
            phase = .failed(Problem(error))
        }
    }

    /// At the first launch after sign-in: quiet (provisional) notifications, no prompt; the
    /// full prompt waits until the user turns a category on (notification settings).
    private func setUpNotifications(_ client: CompanionClient) async {
        let permissions = PointOfUsePermissions(permissions: client.permissions())
        _ = try? await permissions.requestProvisionalNotifications()
    }

    private func startLoops(_ client: CompanionClient) {
        guard loops.isEmpty else { return }
        // `.signedIn` is announced once the account's components are open, so these start.
        if let sync = try? client.inventory().startAutoSync() { loops.append(sync) }
        if let upload = try? client.deliveries().startAutoUpload() { loops.append(upload) }
    }

    private func stopLoops() {
        loops.forEach { $0.cancel() }
        loops.removeAll()
    }
}

/// Sign-in or the signed-in tabs, following the session.
struct RootScreen: View {
    @ObservedObject var model: AppModel

    var body: some View {
        switch model.phase {
        case .opening:
            ProgressView("Opening…")
        case .failed(let problem):
            ProblemView(problem: problem, retry: nil)
                .padding()
        case .signedOut(let client):
            SignInScreen(client: client)
        case .signedIn(let client, let account):
            SignedInTabs(client: client, account: account)
        }
    }
}

/// The signed-in app: the warehouse's screens and the road's, the sync status and the profile.
/// Each tab is a navigation stack of its own (`NavigationView`: the package targets iOS 15).
/// An opened notification shows its screen in a sheet over whichever tab is current.
struct SignedInTabs: View {
    let client: CompanionClient
    let account: Account
    @ObservedObject var push = PushCoordinator.shared

    var body: some View {
        TabView {
            NavigationView { StockLookupScreen(client: client, account: account) }
                .navigationViewStyle(.stack)
                .tabItem { Label("Stock", systemImage: "shippingbox") }
            NavigationView { ScannerScreen(client: client) }
                .navigationViewStyle(.stack)
                .tabItem { Label("Scan", systemImage: "barcode.viewfinder") }
            NavigationView { RoutesScreen(client: client) }
                .navigationViewStyle(.stack)
                .tabItem { Label("Deliveries", systemImage: "box.truck") }
            NavigationView { SyncStatusScreen(client: client) }
                .navigationViewStyle(.stack)
                .tabItem { Label("Sync", systemImage: "arrow.triangle.2.circlepath") }
            NavigationView { ProfileScreen(client: client, account: account) }
                .navigationViewStyle(.stack)
                .tabItem { Label("Profile", systemImage: "person.crop.circle") }
        }
        .sheet(item: $push.opened) { opened in
            NavigationView { NotificationTargetScreen(client: client, link: opened.link) }
                .navigationViewStyle(.stack)
        }
    }
}
