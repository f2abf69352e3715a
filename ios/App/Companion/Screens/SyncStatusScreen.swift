import Companion
import SwiftUI

/// The sync's status as the core reports it: a progress bar while downloading (the first
/// download of a warehouse is the long one), the pending count, the last sync, and why the
/// last attempt failed. "Sync now" runs a sync in a task that leaving the screen cancels
/// (the core stops between two transactions and resumes next time).
@MainActor
final class SyncStatusModel: ObservableObject {
    @Published private(set) var status: SyncStatus?
    @Published private(set) var scopes: [ScopeInfo] = []
    @Published private(set) var lastReport: SyncReport?
    @Published private(set) var problem: Problem?
    @Published private(set) var syncing = false

    private let inventory: Inventory

    init(client: CompanionClient) {
        inventory = client.inventory()
    }

    /// Follows the status until the view goes (the `.task` is cancelled) or sign-out.
    func follow() async {
        do {
            for await status in try inventory.syncStatusUpdates() {
                self.status = status
                if case .idle = status.activity {
                    scopes = (try? await inventory.scopes()) ?? scopes
                }
            }
        } catch {
            problem = Problem(error)
        }
    }

    func syncNow() async {
        syncing = true
        problem = nil
        defer { syncing = false }
        do {
            lastReport = try await inventory.sync()
            scopes = try await inventory.scopes()
        } catch {
            problem = Problem(error)
        }
    }

    /// The download's fraction, when one is running and its size is known.
    var progress: (done: Int64, total: Int64)? {
        guard case .syncing(let done, let total)? = status?.activity, total > 0 else { return nil }
        return (done, total)
    }

    var activityText: String {
        switch status?.activity {
        case nil: return "…"
        case .idle?: return "Up to date"
        case .syncing?: return "Syncing"
        case .offline?: return "Offline: working from this phone's copy"
        case .failed(_, let detail, let retryAfter)?:
            let wait = retryAfter.map { ", retrying in \(Int($0)) s" } ?? ""
            return "Last sync failed: \(detail)\(wait)"
        }
    }
}

@MainActor
struct SyncStatusScreen: View {
    @StateObject private var model: SyncStatusModel
    @State private var syncTask: Task<Void, Never>?

    init(client: CompanionClient) {
        _model = StateObject(wrappedValue: SyncStatusModel(client: client))
    }

    var body: some View {
        List {
            Section("Status") {
                Text(model.activityText)
                if let progress = model.progress {
                    ProgressView(value: Double(progress.done), total: Double(progress.total)) {
                        Text("Downloading \(progress.done) of \(progress.total) rows")
                    }
                }
                if let status = model.status {
                    LabeledRow(title: "Waiting to be sent", value: "\(status.pending)")
                    LabeledRow(title: "Last sync", value: status.lastSyncedAt.map { $0.formatted(date: .abbreviated, time: .shortened) } ?? "never")
                }
            }
            if !model.scopes.isEmpty {
                Section("Warehouses on this phone") {
                    ForEach(model.scopes, id: \.warehouseId) { scope in
                        VStack(alignment: .leading) {
                            Text(scope.warehouseId)
                            if scope.complete {
                                Text("complete, version \(scope.version)").font(.caption).foregroundColor(.secondary)
                            } else {
                                ProgressView(value: Double(scope.rowsDone), total: Double(max(scope.rowsTotal, 1)))
                            }
                        }
                    }
                }
            }
            if let report = model.lastReport {
                Section("Last sync") {
                    Text("Sent \(report.pushed), applied \(report.applied), rejected \(report.rejected), received \(report.pulledRows) rows")
                }
            }
            if let problem = model.problem {
                Section { ProblemView(problem: problem, retry: startSync) }
            }
        }
        .navigationTitle("Sync")
        .toolbar {
            Button("Sync now", action: startSync).disabled(model.syncing)
        }
        .task { await model.follow() }
        .onDisappear { syncTask?.cancel() }
    }

    private func startSync() {
        syncTask = Task { await model.syncNow() }
    }
}

/// A title on the left, its value on the right (`LabeledContent` needs iOS 16).
struct LabeledRow: View {
    let title: String
    let value: String

    var body: some View {
        HStack {
            Text(title)
            Spacer()
            Text(value).foregroundColor(.secondary)
        }
    }
}
