import Companion
import SwiftUI

/// The movements not yet accepted: pending ones (sent by the next sync) and the ones the
/// server refused, with its reason, so a refused count or pick is seen and redone.
@MainActor
final class OutboxModel: ObservableObject {
    @Published private(set) var pending: [Movement] = []
    @Published private(set) var rejected: [Movement] = []
    @Published private(set) var problem: Problem?

    private let inventory: Inventory

    init(inventory: Inventory) {
        self.inventory = inventory
    }

    func follow() async {
        do {
            for await movements in try inventory.outboxUpdates(limit: 200) {
                pending = movements.filter { $0.state == .pending }
                rejected = movements.filter { $0.state == .rejected }
            }
        } catch {
            problem = Problem(error)
        }
    }
}

@MainActor
struct OutboxScreen: View {
    @StateObject private var model: OutboxModel

    init(inventory: Inventory) {
        _model = StateObject(wrappedValue: OutboxModel(inventory: inventory))
    }

    var body: some View {
        List {
            if let problem = model.problem {
                ProblemView(problem: problem, retry: nil)
            }
            Section("Refused by the server (\(model.rejected.count))") {
                ForEach(model.rejected, id: \.id) { MovementRow(movement: $0) }
            }
            Section("Waiting to be sent (\(model.pending.count))") {
                ForEach(model.pending, id: \.id) { MovementRow(movement: $0) }
            }
        }
        .navigationTitle("Outbox")
        .task { await model.follow() }
    }
}
