import Companion
import SwiftUI
import UIKit

/// The account: profile edit (works offline, sent later), the data export with its progress
/// and the share sheet, sign-out, and account deletion. Deletion needs the typed phrase and
/// the password again; with unsent work the core throws `PendingWork` with the counts and the
/// user chooses to sync it first or to discard it. Offline, the request is queued and sent
/// when the phone is back online (again with the password if the core asks for it).
@MainActor
final class ProfileModel: ObservableObject {
    @Published var displayName = ""
    @Published var phone = ""
    @Published var jobTitle = ""
    @Published private(set) var pendingSync = false
    @Published private(set) var export: ExportProgress?
    @Published private(set) var exports: [ExportFile] = []
    @Published var sharing: URL?
    @Published private(set) var deletionStatus: DeletionStatus?
    @Published private(set) var deletion: DeletionProgress = .none
    @Published var phrase = ""
    @Published var password = ""
    /// Set when the core refused for unsent work: (movements, other changes).
    @Published private(set) var pendingWork: (movements: Int64, other: Int64)?
    @Published private(set) var message: String?
    @Published private(set) var problem: Problem?

    private let client: CompanionClient
    private let account: AccountData
    private var exportTask: Task<Void, Never>?

    init(client: CompanionClient) {
        self.client = client
        account = client.account()
    }

    /// The phrase the user types, from the core.
    let requiredPhrase = deletionPhrase()

    func load() async {
        do {
            show(try await account.profile())
            exports = try await account.exports()
            deletionStatus = try? await account.deletionStatus()
        } catch {
            problem = Problem(error)
        }
    }

    private func show(_ view: ProfileView) {
        displayName = view.profile.displayName
        phone = view.profile.phone
        jobTitle = view.profile.jobTitle
        pendingSync = view.pendingSync
    }

    func followExport() async {
        guard let updates = try? account.exportUpdates() else { return }
        for await progress in updates { export = progress }
    }

    func followDeletion() async {
        guard let updates = try? account.deletionUpdates() else { return }
        for await progress in updates { deletion = progress }
    }

    func save() async {
        problem = nil
        do {
            show(try await account.updateProfile(update: ProfileUpdate(displayName: displayName, phone: phone, jobTitle: jobTitle)))
            _ = try? await account.sync()
        } catch {
            problem = Problem(error)
        }
    }

    func startExport() {
        exportTask = Task {
            problem = nil
            do {
                _ = try await account.exportData()
                exports = try await account.exports()
            } catch {
                problem = Problem(error)
            }
        }
    }

    func cancelExport() {
        exportTask?.cancel()
    }

    func share(_ file: ExportFile) async {
        do {
            sharing = URL(fileURLWithPath: try await account.shareExport(exportId: file.exportId).path)
        } catch {
            problem = Problem(error)
        }
    }

    /// The plain copy made for the share sheet is removed once the sheet closes.
    func finishSharing() async {
        sharing = nil
        try? await account.finishSharing()
    }

    func deleteExport(_ file: ExportFile) async {
        try? await account.deleteExport(exportId: file.exportId)
        exports = (try? await account.exports()) ?? exports
    }

    var canRequestDeletion: Bool {
        phrase == requiredPhrase && !password.isEmpty
    }

    /// `choice` is `.ask` first; after `PendingWork`, what the user chose (`.sync` or `.discard`).
    func requestDeletion(_ choice: PendingChoice) async {
        problem = nil
        do {
            switch try await account.requestDeletion(password: password, confirmation: phrase, pending: choice) {
            case .accepted:
                // The core wipes the account and signs out; the session stream shows sign-in.
                message = "The account is being deleted."
            case .queued:
                message = "Offline: the deletion is sent when the phone is back online."
            }
            pendingWork = nil
            password = ""
        } catch CompanionError.PendingWork(let movements, let otherChanges, _) {
            pendingWork = (movements, otherChanges)
        } catch {
            problem = Problem(error)
        }
    }

    func sendQueuedDeletion() async {
        do {
            _ = try await account.sendQueuedDeletion(password: password.isEmpty ? nil : password)
        } catch {
            problem = Problem(error)
        }
    }

    func signOut() async {
        do {
            try await client.signOut()
        } catch {
            problem = Problem(error)
        }
    }
}

@MainActor
struct ProfileScreen: View {
    @StateObject private var model: ProfileModel
    private let client: CompanionClient
    private let account: Account

    init(client: CompanionClient, account: Account) {
        _model = StateObject(wrappedValue: ProfileModel(client: client))
        self.client = client
        self.account = account
    }

    var body: some View {
        Form {
            Section("Profile") {
                TextField("Name", text: $model.displayName)
                TextField("Phone", text: $model.phone).keyboardType(.phonePad)
                TextField("Job title", text: $model.jobTitle)
                Button("Save") { Task { await model.save() } }
                if model.pendingSync { Text("Saved on this phone, sent when online.").font(.caption) }
            }
            Section {
                NavigationLink("Notifications", destination: NotificationSettingsScreen(client: client, account: account))
            }
            exportSection
            deletionSection
            if let message = model.message {
                Section { Text(message) }
            }
            if let problem = model.problem {
                Section { ProblemView(problem: problem, retry: nil) }
            }
            Section {
                Button("Sign out") { Task { await model.signOut() } }
            }
        }
        .navigationTitle(account.displayName)
        .sheet(isPresented: Binding(get: { model.sharing != nil }, set: { if !$0 { Task { await model.finishSharing() } } })) {
            if let url = model.sharing { ShareSheet(url: url) }
        }
        .task { await model.load() }
        .task { await model.followExport() }
        .task { await model.followDeletion() }
        .onDisappear { model.cancelExport() }
    }

    private var exportSection: some View {
        Section("My data") {
            if let export = model.export, export.phase != .idle, export.phase != .ready {
                if let total = export.bytesTotal, total > 0 {
                    ProgressView(value: Double(export.bytesDone), total: Double(total)) { Text(ExportText.of(export.phase)) }
                } else {
                    ProgressView(ExportText.of(export.phase))
                }
                Button("Stop") { model.cancelExport() }
            } else {
                Button("Export my data") { model.startExport() }
            }
            ForEach(model.exports, id: \.exportId) { file in
                HStack {
                    Text("\(file.bytes / 1024) KB")
                    Spacer()
                    Button("Share") { Task { await model.share(file) } }
                    Button("Delete") { Task { await model.deleteExport(file) } }
                }
                .buttonStyle(.borderless)
            }
        }
    }

    @ViewBuilder
    private var deletionSection: some View {
        Section("Delete account") {
            if let status = model.deletionStatus {
                Text("After \(status.graceDays) days the account is deleted for good; until then you can sign in again and cancel the deletion.")
                    .font(.caption)
                ForEach(status.kept, id: \.kind) { kept in
                    Text("Kept: \(kept.kind) (\(kept.reason))").font(.caption)
                }
            }
            switch model.deletion {
            case .queued:
                Text("Deletion queued: it is sent when the phone is back online.")
            case .needsPassword:
                SecureField("Password", text: $model.password)
                Button("Send deletion") { Task { await model.sendQueuedDeletion() } }
                    .disabled(model.password.isEmpty)
            case .sending:
                ProgressView("Sending the deletion…")
            case .none:
                TextField("Type \(model.requiredPhrase)", text: $model.phrase)
                    .textInputAutocapitalization(.characters)
                    .disableAutocorrection(true)
                SecureField("Password", text: $model.password)
                if let pending = model.pendingWork {
                    Text("\(pending.movements) stock movements and \(pending.other) other changes are not sent yet.")
                    Button("Send them, then delete") { Task { await model.requestDeletion(.sync) } }
                    Button("Discard them and delete", role: .destructive) { Task { await model.requestDeletion(.discard) } }
                } else {
                    Button("Delete my account", role: .destructive) { Task { await model.requestDeletion(.ask) } }
                        .disabled(!model.canRequestDeletion)
                }
            }
        }
    }
}

enum ExportText {
    static func of(_ phase: ExportPhase) -> String {
        switch phase {
        case .idle: return "Export"
        case .requesting: return "Asking the server…"
        case .building: return "The server is preparing your data…"
        case .downloading: return "Downloading…"
        case .verifying: return "Checking the file…"
        case .ready: return "Ready"
        case .failed: return "The export failed; try again"
        }
    }
}

/// The system share sheet for the decrypted export.
struct ShareSheet: UIViewControllerRepresentable {
    let url: URL

    func makeUIViewController(context: Context) -> UIActivityViewController {
        UIActivityViewController(activityItems: [url], applicationActivities: nil)
    }

    func updateUIViewController(_ controller: UIActivityViewController, context: Context) {}
}
