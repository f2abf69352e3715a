import Companion
import SwiftUI

/// One item's live stock: the core's `ItemStock` after every local movement or pulled change
/// (lines per lot and bin, with what is still pending), and the item's movements that are
/// pending or were rejected by the server. Stock actions open from here.
@MainActor
final class ItemStockModel: ObservableObject {
    @Published private(set) var stock: ItemStock?
    @Published private(set) var missing = false
    @Published private(set) var movements: [Movement] = []
    @Published private(set) var problem: Problem?

    let inventory: Inventory
    let item: Item

    init(inventory: Inventory, item: Item) {
        self.inventory = inventory
        self.item = item
    }

    /// Until the view goes: `nil` from the stream means the item is not on this phone (any more).
    func followStock() async {
        do {
            for await stock in try inventory.itemUpdates(warehouseId: item.warehouseId, itemId: item.itemId) {
                self.stock = stock
                missing = stock == nil
            }
        } catch {
            problem = Problem(error)
        }
    }

    func followMovements() async {
        guard let updates = try? inventory.outboxUpdates() else { return }
        for await all in updates {
            movements = all.filter { $0.itemId == item.itemId && $0.warehouseId == item.warehouseId }
        }
    }
}

@MainActor
struct ItemStockScreen: View {
    @StateObject private var model: ItemStockModel
    @State private var action: MovementKind?

    init(inventory: Inventory, item: Item) {
        _model = StateObject(wrappedValue: ItemStockModel(inventory: inventory, item: item))
    }

    var body: some View {
        List {
            Section {
                Text(model.item.name).font(.headline)
                Text("SKU \(model.item.sku) · \(model.item.variety) · \(model.item.grade) · \(model.item.origin)")
                    .font(.caption).foregroundColor(.secondary)
                if let stock = model.stock {
                    LabeledRow(title: "On hand", value: "\(stock.totalQty) \(model.item.unit)")
                }
                if model.missing {
                    Text("This item is not on this phone. Sync to fetch it.").foregroundColor(.secondary)
                }
            }
            if let stock = model.stock {
                Section("By lot and bin") {
                    ForEach(stock.lines, id: \.self) { line in
                        StockLineRow(line: line)
                    }
                }
            }
            Section("Actions") {
                ForEach(MovementKind.all, id: \.self) { kind in
                    Button(kind.title) { action = kind }
                }
            }
            if !model.movements.isEmpty {
                Section("Not yet sent or refused") {
                    ForEach(model.movements, id: \.id) { movement in
                        MovementRow(movement: movement)
                    }
                }
            }
            if let problem = model.problem {
                ProblemView(problem: problem, retry: nil)
            }
        }
        .navigationTitle(model.item.sku)
        .sheet(item: $action) { kind in
            NavigationView {
                StockActionScreen(inventory: model.inventory, item: model.item, kind: kind,
                                  lines: model.stock?.lines ?? [])
            }
        }
        .task { await model.followStock() }
        .task { await model.followMovements() }
    }
}

/// A lot in a bin: the quantity with what local movements add or take, and the expiry.
struct StockLineRow: View {
    let line: StockLine

    var body: some View {
        HStack {
            VStack(alignment: .leading) {
                Text("\(line.locationId) · lot \(line.lotId)")
                if !line.expiryDate.isEmpty {
                    Text("expires \(line.expiryDate)").font(.caption).foregroundColor(.secondary)
                }
            }
            Spacer()
            VStack(alignment: .trailing) {
                Text("\(line.qty)")
                if line.pendingDelta != 0 {
                    Text("\(line.pendingDelta > 0 ? "+" : "")\(line.pendingDelta) pending")
                        .font(.caption).foregroundColor(.orange)
                }
            }
        }
    }
}

/// A movement in the outbox: pending, or rejected with the server's code and reason.
struct MovementRow: View {
    let movement: Movement

    var body: some View {
        VStack(alignment: .leading) {
            Text("\(movement.kind.title) \(movement.qty) · \(movement.locationId)\(movement.toLocationId.map { " → \($0)" } ?? "")")
            switch movement.state {
            case .pending:
                Text("waiting to be sent").font(.caption).foregroundColor(.secondary)
            case .applied:
                Text("applied").font(.caption).foregroundColor(.secondary)
            case .rejected:
                Text("refused: \(movement.rejectReason ?? movement.rejectCode ?? "no reason given")")
                    .font(.caption).foregroundColor(.red)
            }
        }
    }
}

extension MovementKind: Identifiable {
    public var id: Self { self }

    /// The five stock actions, in the order a warehouse uses them.
    static let all: [MovementKind] = [.receive, .move, .adjust, .count, .pick]

    var title: String {
        switch self {
        case .receive: return "Receive"
        case .move: return "Move"
        case .adjust: return "Adjust"
        case .count: return "Count"
        case .pick: return "Pick"
        }
    }
}
