import Foundation

// Swift concurrency over the core's listener streams: the hand-written layer on top of the
// generated bindings, the counterpart of android/flows.
//
// Every observable value of the core (the session, the sync status, an item's stock, a bin,
// the outbox, live-scan results) comes out of the bindings as `observeX(listener:) -> TaskHandle`:
// the current value first, then every change, on a background thread of the core, until the
// handle is cancelled or the stream ends (`onEnd()`; account streams end at sign-out). Here each
// becomes an `AsyncStream`: a relay yields each value and finishes the stream on `onEnd()`, and
// the stream's `onTermination` (the consuming task cancelled, or the loop left) cancels the
// handle.
//
//     for await status in try client.inventory().syncStatusUpdates() { render(status) }
//
// Starting a stream throws what the subscription throws (`CompanionError.NotSignedIn` while
// signed out). Buffering: state streams keep the newest 64 values when the consumer lags (the
// core itself skips to the latest state for a slow listener); live-scan events are never dropped.
//
// Long calls: a cancelled Swift `Task` does not drop the Rust future, so the generated
// `sync(cancellation:)`, `verifyWarehouse`, `exportData`, `downloadRoutes` and `upload` take a
// `Cancellation`. The overloads below without `cancellation:` pass one and fire it from
// `withTaskCancellationHandler` (`withCoreCancellation`): cancelling the task stops the call,
// it throws `CompanionError.Cancelled`, and the next call resumes where it stopped.

/// Runs a long core call with a fresh `Cancellation` that fires when the calling task is
/// cancelled: a cancelled Swift `Task` does not drop the Rust future, so this is how leaving a
/// screen (its `.task` cancelled) or `task.cancel()` reaches the core. The call then throws
/// `CompanionError.Cancelled`. Every generated call that takes `cancellation:` has a wrapper
/// below (`sync`, `verifyWarehouse`, `exportData`, `downloadRoutes`, `upload`) built on this.
///
///     let routes = try await withCoreCancellation { try await deliveries.downloadRoutes(cancellation: $0) }
public func withCoreCancellation<T>(_ call: (Cancellation) async throws -> T) async throws -> T {
    let cancellation = Cancellation()
    return try await withTaskCancellationHandler {
        try await call(cancellation)
    } onCancel: {
        cancellation.cancel()
    }
}

/// How many states a slow consumer may lag behind before the oldest are dropped.
private let stateBuffer = 64

/// Feeds an `AsyncStream` from a core listener: values in, `finish()` on `onEnd()`. Called on
/// the core's threads; `AsyncStream.Continuation` is safe to use from any thread.
class StreamRelay<Element>: @unchecked Sendable {
    let continuation: AsyncStream<Element>.Continuation

    init(_ continuation: AsyncStream<Element>.Continuation) {
        self.continuation = continuation
    }

    func yield(_ value: Element) {
        continuation.yield(value)
    }

    func onEnd() {
        continuation.finish()
    }
}

final class SessionStateRelay: StreamRelay<SessionState>, SessionStateListener {
    func onUpdate(state: SessionState) { yield(state) }
}

final class SyncStatusRelay: StreamRelay<SyncStatus>, SyncStatusListener {
    func onUpdate(status: SyncStatus) { yield(status) }
}

final class ItemStockRelay: StreamRelay<ItemStock?>, ItemStockListener {
    func onUpdate(stock: ItemStock?) { yield(stock) }
}

final class BinStockRelay: StreamRelay<[StockLine]>, BinStockListener {
    func onUpdate(lines: [StockLine]) { yield(lines) }
}

final class OutboxRelay: StreamRelay<[Movement]>, OutboxListener {
    func onUpdate(movements: [Movement]) { yield(movements) }
}

final class LiveScanRelay: StreamRelay<ScanEvent>, LiveScanListener {
    func onScan(event: ScanEvent) { yield(event) }
}

/// A stream whose values come from the listener `subscribe` registers; the handle it returns
/// is cancelled when the stream terminates.
private func listenerStream<Element>(
    bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy = .bufferingNewest(stateBuffer),
    _ subscribe: (AsyncStream<Element>.Continuation) throws -> TaskHandle
) throws -> AsyncStream<Element> {
    var captured: AsyncStream<Element>.Continuation?
    let stream = AsyncStream<Element>(bufferingPolicy: bufferingPolicy) { captured = $0 }
    // AsyncStream calls its build closure before init returns.
    let continuation = captured!
    let handle = try subscribe(continuation)
    continuation.onTermination = { _ in handle.cancel() }
    return stream
}

extension CompanionClient {
    /// Signed out, or signed in as an account: the current state first, then every change.
    /// Never ends by itself.
    public func sessionUpdates() throws -> AsyncStream<SessionState> {
        try listenerStream { try observeSession(listener: SessionStateRelay($0)) }
    }
}

extension Inventory {
    /// The sync's status (activity with download progress, pending movements, last sync): the
    /// current status first, then every change. Ends at sign-out.
    public func syncStatusUpdates() throws -> AsyncStream<SyncStatus> {
        try listenerStream { try observeStatus(listener: SyncStatusRelay($0)) }
    }

    /// An item's stock now, then after every local movement or pull that changes it; `nil`
    /// while the item is not on this phone. Ends at sign-out.
    public func itemUpdates(warehouseId: String, itemId: String) throws -> AsyncStream<ItemStock?> {
        try listenerStream { try observeItem(warehouseId: warehouseId, itemId: itemId, listener: ItemStockRelay($0)) }
    }

    /// A bin's contents now, then after every change. Ends at sign-out.
    public func binUpdates(warehouseId: String, locationId: String) throws -> AsyncStream<[StockLine]> {
        try listenerStream { try observeBin(warehouseId: warehouseId, locationId: locationId, listener: BinStockRelay($0)) }
    }

    /// The outbox (pending and rejected movements, newest first, at most `limit`) now, then
    /// after every change. Ends at sign-out.
    public func outboxUpdates(limit: UInt32 = 100) throws -> AsyncStream<[Movement]> {
        try listenerStream { try observeOutbox(limit: limit, listener: OutboxRelay($0)) }
    }

    /// Pushes the outbox and pulls every warehouse, stopping when the calling task is
    /// cancelled (then it throws `CompanionError.Cancelled`; the next sync resumes).
    public func sync() async throws -> SyncReport {
        try await withCoreCancellation { try await sync(cancellation: $0) }
    }

    /// Checks (and if damaged re-downloads) one warehouse, stopping when the task is cancelled.
    public func verifyWarehouse(warehouseId: String) async throws -> Bool {
        try await withCoreCancellation { try await verifyWarehouse(warehouseId: warehouseId, cancellation: $0) }
    }
}

/// A running live-scan session whose confirmed codes arrive as `events`. The camera's sample
/// buffer delegate hands frames to `session.submitFrame(...)` (cheap, any queue); the screen
/// iterates `events`. `stop()`, leaving the `for await` loop, or releasing the object stops the
/// session and finishes `events`.
///
///     let scan = try client.scanner().liveScan()
///     Task { for await event in scan.events { show(event) } }
public final class LiveScan: @unchecked Sendable {
    /// The generated session: `submitFrame`, `stats()`, `waitIdle`.
    public let session: LiveScanner
    /// Confirmed codes, in order, each with the item it resolves to (or none). One consumer.
    public let events: AsyncStream<ScanEvent>

    init(scanner: Scanner, config: LiveScanConfig) throws {
        var captured: AsyncStream<ScanEvent>.Continuation?
        events = AsyncStream<ScanEvent>(bufferingPolicy: .unbounded) { captured = $0 }
        let continuation = captured!
        let started = try scanner.startLive(config: config, listener: LiveScanRelay(continuation))
        session = started
        continuation.onTermination = { _ in started.stop() }
    }

    public func stop() {
        session.stop()
    }

    deinit {
        session.stop()
    }
}

extension Scanner {
    /// Starts a live-scan session whose results are an `AsyncStream`; see `LiveScan`.
    public func liveScan(config: LiveScanConfig? = nil) throws -> LiveScan {
        try LiveScan(scanner: self, config: config ?? defaultLiveConfig())
    }
}

// The remaining listener streams, for the delivery and profile screens: same relay, same
// cancellation on termination.

final class DeliveriesStatusRelay: StreamRelay<DeliveriesStatus>, DeliveriesStatusListener {
    func onUpdate(status: DeliveriesStatus) { yield(status) }
}

final class ExportProgressRelay: StreamRelay<ExportProgress>, ExportProgressListener {
    func onUpdate(progress: ExportProgress) { yield(progress) }
}

final class DeletionProgressRelay: StreamRelay<DeletionProgress>, DeletionProgressListener {
    func onUpdate(progress: DeletionProgress) { yield(progress) }
}

extension Deliveries {
    /// Downloads the driver's routes and keeps them on the phone, stopping when the calling
    /// task is cancelled (the core drops the download at its next await and the call throws
    /// `CompanionError.Cancelled`; the next call downloads again).
    public func downloadRoutes() async throws -> [Route] {
        try await withCoreCancellation { try await downloadRoutes(cancellation: $0) }
    }

    /// Uploads the sealed proofs in order, stopping when the calling task is cancelled (then
    /// it throws `CompanionError.Cancelled`; what is not uploaded stays queued for the next
    /// call or the auto-upload loop, photos resuming from their parts).
    public func upload() async throws -> UploadReport {
        try await withCoreCancellation { try await upload(cancellation: $0) }
    }

    /// The proofs' states (draft, sealed, uploading with parts done, uploaded, rejected) and
    /// the upload queue: now, then every change. Ends at sign-out.
    public func statusUpdates() throws -> AsyncStream<DeliveriesStatus> {
        try listenerStream { try observeStatus(listener: DeliveriesStatusRelay($0)) }
    }
}

extension AccountData {
    /// The data export's phase and bytes: now, then every change. Ends at sign-out.
    public func exportUpdates() throws -> AsyncStream<ExportProgress> {
        try listenerStream { try observeExport(listener: ExportProgressRelay($0)) }
    }

    /// This phone's deletion request (none, queued offline, needs the password, sending):
    /// now, then every change. Ends at sign-out.
    public func deletionUpdates() throws -> AsyncStream<DeletionProgress> {
        try listenerStream { try observeDeletion(listener: DeletionProgressRelay($0)) }
    }

    /// Exports the account's data, stopping between two chunks when the task is cancelled
    /// (then it throws `CompanionError.Cancelled`; the next call resumes the download).
    public func exportData() async throws -> ExportFile {
        try await withCoreCancellation { try await exportData(cancellation: $0) }
    }
}
