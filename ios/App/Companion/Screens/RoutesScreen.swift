import Companion
import SwiftUI

/// The driver's routes and stops, as kept on the phone (offline), with each stop's proof state
/// from the core's delivery status (draft, sealed, uploading parts, uploaded, refused) and the
/// upload queue. "Download" fetches today's routes; "Upload now" sends the sealed proofs without
/// waiting for the auto-upload loop. Both run in a task that leaving the screen cancels, and the
/// cancellation reaches the core (`downloadRoutes()` / `upload()` pass a `Cancellation`).
@MainActor
final class RoutesModel: ObservableObject {
    @Published private(set) var routes: [Route] = []
    @Published private(set) var status: DeliveriesStatus?
    @Published private(set) var problem: Problem?
    @Published private(set) var downloading = false
    @Published private(set) var uploading = false
    @Published private(set) var lastUpload: UploadReport?

    let client: CompanionClient
    private let deliveries: Deliveries
    private var download: Task<Void, Never>?
    private var upload: Task<Void, Never>?

    init(client: CompanionClient) {
        self.client = client
        deliveries = client.deliveries()
    }

    func load() async {
        do {
            routes = try await deliveries.routes()
        } catch {
            problem = Problem(error)
        }
    }

    func startDownload() {
        download?.cancel()
        download = Task { await downloadRoutes() }
    }

    func startUpload() {
        upload?.cancel()
        upload = Task { await uploadProofs() }
    }

    /// The screen went: the core stops the download and the upload (they resume next time).
    func stopWork() {
        download?.cancel()
        upload?.cancel()
    }

    private func downloadRoutes() async {
        downloading = true
        problem = nil
        defer { downloading = false }
        do {
            routes = try await deliveries.downloadRoutes()
        } catch CompanionError.Cancelled {
            // Left the screen; nothing to show.
        } catch {
            problem = Problem(error)
        }
    }

    private func uploadProofs() async {
        uploading = true
        problem = nil
        defer { uploading = false }
        do {
            lastUpload = try await deliveries.upload()
        } catch CompanionError.Cancelled {
            // Left the screen; the auto-upload loop carries on with the queue.
        } catch {
            problem = Problem(error)
        }
    }

    func followStatus() async {
        guard let updates = try? deliveries.statusUpdates() else { return }
        for await status in updates { self.status = status }
    }

    func proofState(of stop: Stop) -> ProofState? {
        status?.stops.first { $0.stopId == stop.id }?.state
    }
}

@MainActor
struct RoutesScreen: View {
    @StateObject private var model: RoutesModel

    init(client: CompanionClient) {
        _model = StateObject(wrappedValue: RoutesModel(client: client))
    }

    var body: some View {
        List {
            if let status = model.status, status.queued > 0 || status.uploading {
                Text(status.uploading ? "Uploading proofs… \(status.queued) queued" : "\(status.queued) proofs waiting to upload")
                    .foregroundColor(.secondary)
            }
            if let report = model.lastUpload {
                Text(UploadText.of(report)).font(.caption)
            }
            if let problem = model.problem {
                ProblemView(problem: problem, retry: { model.startDownload() })
            }
            ForEach(model.routes, id: \.id) { route in
                Section("Route \(route.id) · \(route.serviceDate)") {
                    ForEach(route.stops.sorted { $0.sequence < $1.sequence }, id: \.id) { stop in
                        NavigationLink(destination: ProofCaptureScreen(client: model.client, stop: stop)) {
                            StopRow(stop: stop, proof: model.proofState(of: stop))
                        }
                    }
                }
            }
            if model.routes.isEmpty && !model.downloading {
                Text("No routes on this phone. Download them while online.").foregroundColor(.secondary)
            }
        }
        .navigationTitle("Deliveries")
        .toolbar {
            ToolbarItem(placement: .navigationBarLeading) {
                Button("Upload now") { model.startUpload() }
                    .disabled(model.uploading || (model.status?.queued ?? 0) == 0)
            }
            ToolbarItem(placement: .navigationBarTrailing) {
                Button("Download") { model.startDownload() }.disabled(model.downloading)
            }
        }
        .task { await model.load() }
        .task { await model.followStatus() }
        .onDisappear { model.stopWork() }
    }
}

/// A stop: its place in the route, customer, address, and where its proof is.
struct StopRow: View {
    let stop: Stop
    let proof: ProofState?

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text("\(stop.sequence). \(stop.customer.name)")
            Text(stop.address.lines.joined(separator: ", ")).font(.caption).foregroundColor(.secondary)
            Text(ProofStateText.of(proof, stop: stop)).font(.caption)
        }
    }
}

/// What one "Upload now" did.
enum UploadText {
    static func of(_ report: UploadReport) -> String {
        var text = "Uploaded \(report.uploaded), refused \(report.rejected), still queued \(report.queued)"
        if let stoppedBy = report.stoppedBy { text += " (stopped: \(stoppedBy))" }
        return text
    }
}

/// A proof's state in words, shared by the stops list and the capture screen.
enum ProofStateText {
    static func of(_ state: ProofState?, stop: Stop) -> String {
        switch state {
        case nil: return stop.status == .completed ? "completed" : "to deliver"
        case .draft?: return "proof started"
        case .sealed?: return "proof sealed, waiting to upload"
        case .uploading(let done, let total)?: return "uploading \(done)/\(total)"
        case .uploaded?: return "proof received by the office"
        case .rejected(_, let reason)?: return "proof refused: \(reason)"
        }
    }
}
