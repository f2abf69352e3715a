import Companion
import SwiftUI

/// Where an opened notification leads, from the core's `DeepLink`: the stock item (low stock),
/// the purchase order's open lines (goods received), the approval, or the stop to deliver
/// (downloading the routes first when the assignment is newer than the phone's copy). Shown as
/// a sheet over the tabs by `SignedInTabs`.
@MainActor
final class NotificationTargetModel: ObservableObject {
    enum Target {
        case loading
        case item(Item)
        case purchaseOrder(warehouseId: String, poNumber: String, lines: [PoLine])
        case approval(String)
        case stop(Stop)
        case failed(Problem)
    }

    @Published private(set) var target: Target = .loading

    let client: CompanionClient
    let link: DeepLink

    init(client: CompanionClient, link: DeepLink) {
        self.client = client
        self.link = link
    }

    func load() async {
        target = .loading
        do {
            switch link {
            case .item(let warehouseId, let itemId):
                let stock = try await client.inventory().item(warehouseId: warehouseId, itemId: itemId)
                target = .item(stock.item)
            case .purchaseOrder(let warehouseId, let poNumber):
                let lines = try await client.inventory().openPoLines(warehouseId: warehouseId, itemId: nil)
                target = .purchaseOrder(warehouseId: warehouseId, poNumber: poNumber,
                                        lines: lines.filter { $0.poNumber == poNumber })
            case .approval(let approvalId):
                target = .approval(approvalId)
            case .stop(let stopId):
                target = .stop(try await stop(stopId))
            }
        } catch CompanionError.Cancelled {
            // The sheet closed while loading.
        } catch {
            target = .failed(Problem(error))
        }
    }

    /// A stop assigned by this notification may not be on the phone yet: download the routes
    /// once (cancelled with the sheet), then look again.
    private func stop(_ stopId: String) async throws -> Stop {
        let deliveries = client.deliveries()
        do {
            return try await deliveries.stop(stopId: stopId)
        } catch CompanionError.NotFound(_) {
            _ = try await deliveries.downloadRoutes()
            return try await deliveries.stop(stopId: stopId)
        }
    }
}

@MainActor
struct NotificationTargetScreen: View {
    @StateObject private var model: NotificationTargetModel
    @Environment(\.dismiss) private var dismiss

    init(client: CompanionClient, link: DeepLink) {
        _model = StateObject(wrappedValue: NotificationTargetModel(client: client, link: link))
    }

    var body: some View {
        content
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Close") { dismiss() }
                }
            }
            .task { await model.load() }
    }

    @ViewBuilder
    private var content: some View {
        switch model.target {
        case .loading:
            ProgressView("Opening…")
        case .item(let item):
            ItemStockScreen(inventory: model.client.inventory(), item: item)
        case .purchaseOrder(let warehouseId, let poNumber, let lines):
            PurchaseOrderLinesView(client: model.client, warehouseId: warehouseId, poNumber: poNumber, lines: lines)
        case .approval(let approvalId):
            List {
                Text("Approval \(approvalId) is waiting for you.")
                Text("Approvals are decided in the office application; this phone cannot show them yet.")
                    .foregroundColor(.secondary)
            }
            .navigationTitle("Approval")
        case .stop(let stop):
            ProofCaptureScreen(client: model.client, stop: stop)
        case .failed(let problem):
            List {
                ProblemView(problem: problem, retry: { Task { await model.load() } })
            }
            .navigationTitle("Notification")
        }
    }
}

/// A purchase order's lines still open on this phone (received so far of ordered), each
/// leading to its item's stock, where the receipt is recorded.
struct PurchaseOrderLinesView: View {
    let client: CompanionClient
    let warehouseId: String
    let poNumber: String
    let lines: [PoLine]

    var body: some View {
        List {
            if let supplier = lines.first?.supplier {
                Text(supplier).font(.headline)
            }
            if lines.isEmpty {
                Text("No open lines of \(poNumber) on this phone: fully received, or not synced yet.")
                    .foregroundColor(.secondary)
            }
            ForEach(lines, id: \.poLineId) { line in
                NavigationLink(destination: PoLineItemScreen(client: client, line: line)) {
                    LabeledRow(title: line.itemId, value: "\(line.qtyReceived) of \(line.qtyOrdered) received")
                }
            }
        }
        .navigationTitle("PO \(poNumber)")
    }
}

/// The item of a purchase-order line, looked up on the phone, then its stock screen.
struct PoLineItemScreen: View {
    let client: CompanionClient
    let line: PoLine
    @State private var item: Item? = nil
    @State private var problem: Problem? = nil

    init(client: CompanionClient, line: PoLine) {
        self.client = client
        self.line = line
    }

    var body: some View {
        Group {
            if let item {
                ItemStockScreen(inventory: client.inventory(), item: item)
            } else if let problem {
                ProblemView(problem: problem, retry: nil).padding()
            } else {
                ProgressView()
            }
        }
        .task {
            do {
                item = try await client.inventory().item(warehouseId: line.warehouseId, itemId: line.itemId).item
            } catch {
                problem = Problem(error)
            }
        }
    }
}
