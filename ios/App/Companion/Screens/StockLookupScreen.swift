import Companion
import SwiftUI

/// Finding an item: words search the catalogue on this phone (name, SKU, variety, origin), a
/// typed barcode or GTIN looks the code up. Works offline: both read the local copy. The
/// pending count links to the movements not yet sent.
@MainActor
final class StockLookupModel: ObservableObject {
    @Published var query = ""
    @Published private(set) var items: [Item] = []
    @Published private(set) var byCode: [ItemStock] = []
    @Published private(set) var pending: Int64 = 0
    @Published private(set) var problem: Problem?

    let inventory: Inventory

    init(client: CompanionClient) {
        inventory = client.inventory()
    }

    /// Digits only and long enough to be a barcode: look the code up as well.
    private var looksLikeCode: Bool {
        query.count >= 8 && query.allSatisfy { $0.isNumber }
    }

    func search() async {
        problem = nil
        let text = query.trimmingCharacters(in: .whitespaces)
        do {
            items = try await inventory.search(query: text, limit: 50)
            byCode = []
            if looksLikeCode {
                do {
                    byCode = try await inventory.lookup(code: text)
                } catch CompanionError.NotFound {
                    // Not a known code; the word search above stands.
                }
            }
        } catch {
            problem = Problem(error)
        }
    }

    /// The pending count for the toolbar, while the screen is shown.
    func followPending() async {
        guard let updates = try? inventory.syncStatusUpdates() else { return }
        for await status in updates { pending = status.pending }
    }
}

@MainActor
struct StockLookupScreen: View {
    @StateObject private var model: StockLookupModel
    private let account: Account

    init(client: CompanionClient, account: Account) {
        _model = StateObject(wrappedValue: StockLookupModel(client: client))
        self.account = account
    }

    var body: some View {
        List {
            if let problem = model.problem {
                ProblemView(problem: problem, retry: { Task { await model.search() } })
            }
            if !model.byCode.isEmpty {
                Section("This code") {
                    ForEach(model.byCode, id: \.self) { stock in
                        NavigationLink(destination: ItemStockScreen(inventory: model.inventory, item: stock.item)) {
                            ItemRow(item: stock.item, total: stock.totalQty)
                        }
                    }
                }
            }
            Section(model.query.isEmpty ? "Catalogue" : "Matches") {
                ForEach(model.items, id: \.self) { item in
                    NavigationLink(destination: ItemStockScreen(inventory: model.inventory, item: item)) {
                        ItemRow(item: item, total: nil)
                    }
                }
            }
        }
        .searchable(text: $model.query, prompt: "Name, SKU or barcode")
        .navigationTitle("Stock")
        .toolbar {
            NavigationLink(destination: OutboxScreen(inventory: model.inventory)) {
                Label("\(model.pending) pending", systemImage: "tray.and.arrow.up")
            }
        }
        // A new query cancels the previous search task: typing does not queue lookups.
        .task(id: model.query) {
            try? await Task.sleep(nanoseconds: 250_000_000)
            guard !Task.isCancelled else { return }
            await model.search()
        }
        .task { await model.followPending() }
    }
}

/// One catalogue line: name, SKU, warehouse, and the total when known.
struct ItemRow: View {
    let item: Item
    let total: Int64?

    var body: some View {
        HStack {
            VStack(alignment: .leading) {
                Text(item.name)
                Text("\(item.sku) · \(item.warehouseId)").font(.caption).foregroundColor(.secondary)
            }
            Spacer()
            if let total {
                Text("\(total) \(item.unit)")
            }
        }
    }
}
