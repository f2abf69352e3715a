import XCTest
import Companion

/// Issue 7's done-when tests on iOS, through the AsyncStream layer (Sources/Companion/Streams),
/// the Swift twins of android/jvm-tests' InventoryFlowsTest. Need a reference server: see
/// TestSupport.swift.
final class InventoryStreamTests: XCTestCase {
    private let warehouse = "wh-north"
    private let item = "I000000"

    override func setUp() {
        continueAfterFailure = false
        executionTimeAllowance = 120
    }

    private func adjust(lot: String, bin: String, qty: Int64) -> NewMovement {
        NewMovement(
            warehouseId: warehouse, kind: .adjust, itemId: item, lotId: lot, locationId: bin,
            toLocationId: nil, qty: qty, reason: qty < 0 ? .damage : .found, poLineId: nil)
    }

    /// (a) The sync status stream follows an initial download to its total, then Idle.
    func testSyncStatusFollowsAnInitialDownloadToItsTotalThenIdle() async throws {
        let inventory = try await signedIn("maria", tuning: smallPages).inventory()
        // Subscribed here: from now on every status is buffered for the loop below.
        let updates = try inventory.syncStatusUpdates()
        let collector = Task { () -> [SyncStatus] in
            var seen: [SyncStatus] = []
            var syncing = false
            for await status in updates {
                seen.append(status)
                if status.activity.progress != nil {
                    syncing = true
                } else if syncing {
                    break
                }
            }
            return seen
        }

        let report = try await inventory.sync()
        let seen = await collector.value

        XCTAssertEqual(seen.first?.activity, .idle, "nothing synced yet")
        XCTAssertNil(seen.first?.lastSyncedAt)
        let progress = seen.compactMap { $0.activity.progress }
        XCTAssertGreaterThan(progress.count, 2, "a download of many pages reports progress along the way")
        XCTAssertTrue(progress.contains { $0.total > 0 && $0.done > 0 && $0.done < $0.total })
        XCTAssertTrue(zip(progress, progress.dropFirst()).allSatisfy { $1.done >= $0.done }, "progress never goes back")
        let finished = progress.filter { $0.total > 0 && $0.done == $0.total }
        XCTAssertFalse(finished.isEmpty, "progress reaches the total")
        XCTAssertEqual(finished.last?.total, report.pulledRows)
        XCTAssertEqual(seen.last?.activity, .idle, "the status settles to idle")
        XCTAssertNotNil(seen.last?.lastSyncedAt)
    }

    /// (b) An item's stock stream yields again after a local movement and after a pull.
    func testItemStockStreamYieldsAfterALocalMovementAndAfterAPull() async throws {
        let a = try await signedIn("maria").inventory()
        let b = try await signedIn("lena").inventory()
        _ = try await a.sync()
        _ = try await b.sync()

        var stocks = try a.itemUpdates(warehouseId: warehouse, itemId: item).makeAsyncIterator()
        // XCTest's assertions take autoclosures, which cannot await: values are awaited first.
        let current = await next(&stocks) { $0 != nil }
        let initial = try XCTUnwrap(current.flatMap { $0 })
        let line = try XCTUnwrap(initial.lines.first)
        let before = initial.totalQty

        _ = try await a.record(movement: adjust(lot: line.lotId, bin: line.locationId, qty: -1))
        let afterLocal = await next(&stocks) { $0?.totalQty == before - 1 }
        XCTAssertNotNil(afterLocal.flatMap { $0 }, "A's own adjustment shows at once, offline")

        _ = try await b.record(movement: adjust(lot: line.lotId, bin: line.locationId, qty: -3))
        _ = try await b.sync()
        _ = try await a.sync()
        let pulled = await next(&stocks) { $0?.totalQty == before - 4 }
        let afterPull = try XCTUnwrap(pulled.flatMap { $0 }, "B's adjustment pulled")
        XCTAssertTrue(afterPull.lines.allSatisfy { $0.pendingDelta == 0 }, "A's adjustment is applied, nothing pending")
    }

    /// (c) Cancelling the task running `sync()` stops the download; the next sync completes it.
    func testCancellingTheSyncingTaskStopsTheDownloadAndTheNextSyncCompletesIt() async throws {
        let inventory = try await signedIn("maria", tuning: smallPages).inventory()
        var statuses = try inventory.syncStatusUpdates().makeAsyncIterator()
        let syncing = Task { try await inventory.sync() }
        let midway = await next(&statuses) { status in
            guard let p = status.activity.progress else { return false }
            return p.total > 0 && p.done > 0 && p.done < p.total / 2
        }
        XCTAssertNotNil(midway, "progress seen before the download ended")
        syncing.cancel()
        do {
            _ = try await syncing.value
            XCTFail("the sync finished despite the cancellation")
        } catch CompanionError.Cancelled {
            // withTaskCancellationHandler fired the Cancellation: the call says so.
        }

        let stopped = try await inventory.scopes()
        XCTAssertTrue(stopped.contains { !$0.complete }, "the download was cut short")
        let doneThen = stopped.map(\.rowsDone).reduce(0, +)
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let later = try await inventory.scopes()
        XCTAssertEqual(later.map(\.rowsDone).reduce(0, +), doneThen, "no rows arrive after the cancellation")

        let report = try await inventory.sync()
        let scopes = try await inventory.scopes()
        XCTAssertTrue(scopes.allSatisfy { $0.complete }, "download complete")
        let fullDownload = try await signedIn("maria", tuning: smallPages).inventory().sync().pulledRows
        XCTAssertLessThan(report.pulledRows, fullDownload, "resumed, not restarted")
    }

    /// Account streams end at sign-out; starting one while signed out throws NotSignedIn.
    func testAccountStreamsFinishAtSignOut() async throws {
        let phone = try await signedIn("dave")
        let inventory = phone.inventory()
        _ = try await inventory.sync()
        let statuses = try inventory.syncStatusUpdates()
        let drained = Task { () -> Int in
            var count = 0
            for await _ in statuses { count += 1 }
            return count
        }
        try await phone.signOut()
        let count = await drained.value
        XCTAssertGreaterThan(count, 0, "the current status arrived before the end")
        XCTAssertThrowsError(try inventory.syncStatusUpdates()) { error in
            XCTAssertEqual(error as? CompanionError, .NotSignedIn)
        }
    }
}
