import Companion
import SwiftUI

/// One stock action (receive, move, adjust with a reason, count, pick), recorded offline with
/// `inventory.record(movement:)`: the stock changes on screen at once and the next sync sends
/// it. The core checks the input; its `InvalidInput` names the refused field, shown under the
/// form. Quantities follow `NewMovement`: positive for receive, move and pick, a signed delta
/// for adjust, the counted quantity for count.
@MainActor
final class StockActionModel: ObservableObject {
    let kind: MovementKind
    let item: Item
    let lines: [StockLine]

    /// The lot and bin acted on (move, adjust, count, pick).
    @Published var line: StockLine?
    /// Receive: the lot and bin received into, and the purchase-order line if any.
    @Published var lotId = ""
    @Published var locationId = ""
    @Published var poLine: PoLine?
    @Published private(set) var poLines: [PoLine] = []
    @Published var toLocationId = ""
    @Published var quantity = ""
    /// Adjust: taking away (damage, spoilage, shrink) or adding (found).
    @Published var reason: AdjustReason = .damage
    @Published private(set) var problem: Problem?
    @Published private(set) var recording = false

    private let inventory: Inventory

    init(inventory: Inventory, item: Item, kind: MovementKind, lines: [StockLine]) {
        self.inventory = inventory
        self.item = item
        self.kind = kind
        self.lines = lines
        line = lines.first
    }

    func loadPoLines() async {
        guard kind == .receive else { return }
        poLines = (try? await inventory.openPoLines(warehouseId: item.warehouseId, itemId: item.itemId)) ?? []
    }

    /// The movement as the form describes it; `nil` (with a problem) for what cannot be sent.
    private func movement() -> NewMovement? {
        guard let typed = Int64(quantity.trimmingCharacters(in: .whitespaces)) else {
            problem = Problem(message: "Enter the quantity as a whole number.")
            return nil
        }
        if kind == .receive {
            return NewMovement(
                warehouseId: item.warehouseId, kind: kind, itemId: item.itemId, lotId: lotId,
                locationId: locationId, toLocationId: nil, qty: typed, reason: nil, poLineId: poLine?.poLineId)
        }
        guard let line else {
            problem = Problem(message: "Choose the lot and bin.")
            return nil
        }
        // Found stock adds; damage, spoilage and shrink take away.
        let qty = kind == .adjust && reason != .found ? -typed : typed
        return NewMovement(
            warehouseId: item.warehouseId, kind: kind, itemId: item.itemId, lotId: line.lotId,
            locationId: line.locationId, toLocationId: kind == .move ? toLocationId : nil, qty: qty,
            reason: kind == .adjust ? reason : nil, poLineId: nil)
    }

    /// Records the movement; returns whether it was recorded (then the sheet closes).
    func record() async -> Bool {
        problem = nil
        guard let movement = movement() else { return false }
        recording = true
        defer { recording = false }
        do {
            _ = try await inventory.record(movement: movement)
            return true
        } catch {
            problem = Problem(error)
            return false
        }
    }
}

@MainActor
struct StockActionScreen: View {
    @StateObject private var model: StockActionModel
    @Environment(\.dismiss) private var dismiss

    init(inventory: Inventory, item: Item, kind: MovementKind, lines: [StockLine]) {
        _model = StateObject(wrappedValue: StockActionModel(inventory: inventory, item: item, kind: kind, lines: lines))
    }

    var body: some View {
        Form {
            Section(model.item.name) {
                if model.kind == .receive {
                    TextField("Lot", text: $model.lotId)
                    TextField("Into bin", text: $model.locationId)
                    if !model.poLines.isEmpty {
                        Picker("Purchase order", selection: $model.poLine) {
                            Text("None").tag(PoLine?.none)
                            ForEach(model.poLines, id: \.self) { po in
                                Text("\(po.poNumber) · \(po.supplier) · \(po.qtyReceived)/\(po.qtyOrdered)").tag(Optional(po))
                            }
                        }
                    }
                } else {
                    Picker("Lot and bin", selection: $model.line) {
                        ForEach(model.lines, id: \.self) { line in
                            Text("\(line.locationId) · lot \(line.lotId) · \(line.qty)").tag(Optional(line))
                        }
                    }
                }
                if model.kind == .move {
                    TextField("To bin", text: $model.toLocationId)
                }
                if model.kind == .adjust {
                    Picker("Reason", selection: $model.reason) {
                        Text("Damage").tag(AdjustReason.damage)
                        Text("Spoilage").tag(AdjustReason.spoilage)
                        Text("Shrink").tag(AdjustReason.shrink)
                        Text("Found").tag(AdjustReason.found)
                    }
                }
                TextField(model.kind == .count ? "Counted quantity" : "Quantity", text: $model.quantity)
                    .keyboardType(.numberPad)
            }
            if let problem = model.problem {
                Section { ProblemView(problem: problem, retry: nil) }
            }
            Section {
                Text("Saved on this phone at once and sent with the next sync.")
                    .font(.caption).foregroundColor(.secondary)
            }
        }
        .navigationTitle(model.kind.title)
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("Cancel") { dismiss() }
            }
            ToolbarItem(placement: .confirmationAction) {
                Button("Record") {
                    Task { if await model.record() { dismiss() } }
                }
                .disabled(model.recording)
            }
        }
        .task { await model.loadPoLines() }
    }
}
