/**
 * Kotlin coroutines over the core's listener streams: the only hand-written layer on top of the
 * generated bindings.
 *
 * Every observable value of the core (the session, the sync status, an item's stock, a bin, the
 * outbox, live-scan results) comes out of the bindings as `observeX(listener): TaskHandle`: the
 * current value first, then every change, on a background thread of the core, until the handle
 * is cancelled or the stream ends (`onEnd`; account streams end at sign-out). Here each becomes
 * a cold [Flow] in the element-x-android style:
 *
 * ```kotlin
 * callbackFlow {
 *     val handle = inventory.observeStatus(listener that trySend()s, and close()s on onEnd)
 *     awaitClose { handle.cancel(); handle.close() }
 * }
 * ```
 *
 * so collecting subscribes, cancelling the collector unsubscribes, and a stream the core ends
 * completes the flow normally. Errors of the subscription itself (`NotSignedIn` while signed
 * out) are thrown to the collector as [CompanionException].
 *
 * Threading: collecting is main-safe. Listeners run on the core's threads and only hand the
 * value to the flow's buffer; the collector runs in its own context.
 *
 * Buffering: the state streams (session, status, item, bin, outbox) keep up to 64 values and
 * drop the *oldest* when a collector falls behind, so the newest state always arrives (the core
 * itself skips to the latest state for a slow listener). Add `.conflate()` for a UI that only
 * wants the latest. Live-scan events are not states: none is dropped.
 *
 * Suspend calls need no wrapper: `inventory.sync(null)` in a coroutine is cancelled with its
 * coroutine (the core drops the sync between two transactions and the next `sync` resumes where
 * it stopped; the cancelled caller sees a `CancellationException`, as any cancelled coroutine).
 * The `Cancellation` parameter exists for Swift, whose cancelled tasks do not drop Rust futures;
 * Kotlin passes `null`.
 */
@file:JvmName("CompanionFlows")

package app.companion.flows

import app.companion.AccountData
import app.companion.BinStockListener
import app.companion.CompanionClient
import app.companion.CompanionException
import app.companion.Deliveries
import app.companion.DeliveriesStatusListener
import app.companion.ExportProgressListener
import app.companion.Inventory
import app.companion.ItemStockListener
import app.companion.LiveScanListener
import app.companion.LiveScanner
import app.companion.OutboxListener
import app.companion.Scanner
import app.companion.SessionStateListener
import app.companion.SyncStatusListener
import app.companion.TaskHandle
import app.companion.core.DeliveriesStatus
import app.companion.core.ExportProgress
import app.companion.core.ItemStock
import app.companion.core.Movement
import app.companion.core.SessionState
import app.companion.core.StockLine
import app.companion.core.SyncActivity
import app.companion.core.SyncStatus
import app.companion.scan.LiveScanConfig
import app.companion.scan.RegionOfInterest
import app.companion.scan.ScanEvent
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.emptyFlow
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import java.nio.ByteBuffer

/** How many states a slow collector may lag behind before the oldest are dropped. */
private const val STATE_BUFFER = 64

/**
 * One listener stream as a cold flow. [subscribe] registers a listener that calls `emit` for
 * each value and `end` when the core ends the stream, and returns the handle that stops it.
 */
private fun <T> listenerFlow(subscribe: (emit: (T) -> Unit, end: () -> Unit) -> TaskHandle): Flow<T> =
    callbackFlow {
        val handle = subscribe({ value -> trySend(value) }, { channel.close() })
        awaitClose {
            handle.cancel()
            handle.close()
        }
    }.buffer(STATE_BUFFER, BufferOverflow.DROP_OLDEST)

/** Signed out, or signed in as an account: the current state first, then every change. Never ends. */
fun CompanionClient.sessionFlow(): Flow<SessionState> =
    listenerFlow { emit, end ->
        observeSession(
            object : SessionStateListener {
                override fun onUpdate(state: SessionState) = emit(state)

                override fun onEnd() = end()
            },
        )
    }

/**
 * The flow [block] makes for the signed-in account, restarted at each sign-in and stopped at
 * sign-out (account streams end there by themselves; a sign-out racing the subscription, which
 * the core reports as `NotSignedIn`, ends it quietly too). Nothing is emitted while signed out.
 *
 * ```kotlin
 * val outbox = client.whileSignedIn { client.inventory().outboxFlow(50u) }
 * ```
 */
fun <T> CompanionClient.whileSignedIn(block: () -> Flow<T>): Flow<T> = followingSession(emptyFlow(), block)

/** [signedIn]'s flow per sign-in; [signedOut] while nobody is signed in. */
@OptIn(ExperimentalCoroutinesApi::class)
private fun <T> CompanionClient.followingSession(signedOut: Flow<T>, signedIn: () -> Flow<T>): Flow<T> =
    sessionFlow()
        .map { (it as? SessionState.SignedIn)?.account?.id }
        .distinctUntilChanged()
        .flatMapLatest { accountId ->
            if (accountId == null) {
                signedOut
            } else {
                // SignedIn is announced once the account's components are open, so subscribing
                // now works; a sign-out racing it is NotSignedIn, and the session flow moves on.
                signedIn().catch { if (it !is CompanionException.NotSignedIn) throw it }
            }
        }

/**
 * The inventory sync's status (activity with download progress, pending movements, last sync):
 * the current status first, then every change. Ends at sign-out. Throws `NotSignedIn` when
 * collected while signed out.
 */
fun Inventory.syncStatusFlow(): Flow<SyncStatus> =
    listenerFlow { emit, end ->
        observeStatus(
            object : SyncStatusListener {
                override fun onUpdate(status: SyncStatus) = emit(status)

                override fun onEnd() = end()
            },
        )
    }

/** What [syncStatusStateFlow] holds before the core's first value and while signed out. */
val IDLE_SYNC_STATUS: SyncStatus = SyncStatus(activity = SyncActivity.Idle, pending = 0L, lastSyncedAt = null)

/**
 * [syncStatusFlow] as a [StateFlow] for a ViewModel (`syncStatusStateFlow(viewModelScope)`).
 * After sign-out it keeps the last status; started while signed out it keeps [initial] (the
 * `NotSignedIn` is not thrown into [scope]). For a status that follows sign-ins, use
 * [CompanionClient.syncStatusStateFlow]. For no placeholder at all,
 * `syncStatusFlow().stateIn(scope)` suspends until the core's current value.
 */
fun Inventory.syncStatusStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = SharingStarted.WhileSubscribed(5_000),
    initial: SyncStatus = IDLE_SYNC_STATUS,
): StateFlow<SyncStatus> =
    syncStatusFlow()
        .catch { if (it !is CompanionException.NotSignedIn) throw it }
        .stateIn(scope, started, initial)

/**
 * The signed-in account's sync status as a [StateFlow] that survives sign-out and sign-in:
 * [initial] while signed out, the account's status while signed in.
 */
fun CompanionClient.syncStatusStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = SharingStarted.WhileSubscribed(5_000),
    initial: SyncStatus = IDLE_SYNC_STATUS,
): StateFlow<SyncStatus> =
    followingSession(flowOf(initial)) { inventory().syncStatusFlow() }.stateIn(scope, started, initial)

/**
 * An item's stock now, then after every local movement or pull that changes it; `null` while
 * the item is not on this phone. Ends at sign-out.
 */
fun Inventory.itemFlow(warehouseId: String, itemId: String): Flow<ItemStock?> =
    listenerFlow { emit, end ->
        observeItem(
            warehouseId,
            itemId,
            object : ItemStockListener {
                override fun onUpdate(stock: ItemStock?) = emit(stock)

                override fun onEnd() = end()
            },
        )
    }

/** A bin's contents now, then after every change. Ends at sign-out. */
fun Inventory.binFlow(warehouseId: String, locationId: String): Flow<List<StockLine>> =
    listenerFlow { emit, end ->
        observeBin(
            warehouseId,
            locationId,
            object : BinStockListener {
                override fun onUpdate(lines: List<StockLine>) = emit(lines)

                override fun onEnd() = end()
            },
        )
    }

/** The outbox (pending and rejected movements, newest first, at most [limit]) now, then after every change. */
fun Inventory.outboxFlow(limit: UInt = 100u): Flow<List<Movement>> =
    listenerFlow { emit, end ->
        observeOutbox(
            limit,
            object : OutboxListener {
                override fun onUpdate(movements: List<Movement>) = emit(movements)

                override fun onEnd() = end()
            },
        )
    }

/**
 * One camera frame's luma (Y) plane as CameraX delivers it: `image.planes[0].buffer` (a direct
 * ByteBuffer), `rowStride`, and `imageInfo.rotationDegrees`. [roi] is in sensor coordinates.
 */
class LumaFrame(
    val data: ByteBuffer,
    val width: Int,
    val height: Int,
    val rowStride: Int,
    val rotationDegrees: Int = 0,
    val roi: RegionOfInterest? = null,
)

/** Hands [frame] to the live session (copies the scan window and returns at once). */
fun LiveScanner.submit(frame: LumaFrame) =
    submitFrame(frame.data, frame.width.toUInt(), frame.height.toUInt(), frame.rowStride.toUInt(), frame.rotationDegrees, frame.roi)

/**
 * A live-scan session fed from [frames], as the flow of the codes it confirms (each with the
 * item it resolves to in the signed-in account's stock, or none). Collecting starts the session
 * and feeds it every frame [frames] emits (newest wins while the decoder is busy); the session
 * runs until the collector stops (also after [frames] completes), and cancelling the collector
 * stops it. A frame the core refuses (`InvalidFrame`) fails the flow. For CameraX's
 * callback-style analyzer, [startLiveScan] is the better fit.
 */
fun Scanner.liveScanFlow(config: LiveScanConfig, frames: Flow<LumaFrame>): Flow<ScanEvent> =
    callbackFlow {
        val live =
            startLive(
                config,
                object : LiveScanListener {
                    override fun onScan(event: ScanEvent) {
                        trySend(event)
                    }

                    override fun onEnd() {
                        channel.close()
                    }
                },
            )
        val feeding = launch { frames.collect { live.submit(it) } }
        awaitClose {
            feeding.cancel()
            live.stop()
            live.close()
        }
    }.buffer(Channel.UNLIMITED)

/**
 * A running live-scan session whose confirmed codes arrive as [events]; the camera analyzer
 * calls [submit] (cheap, any thread) and the screen collects [events]. [close] (or the screen
 * leaving) stops it and completes [events].
 *
 * ```kotlin
 * val scan = client.scanner().startLiveScan()
 * imageAnalysis.setAnalyzer(executor) { image -> scan.submit(image.toLumaFrame()); image.close() }
 * scope.launch { scan.events.collect { event -> showResult(event) } }
 * ```
 */
class LiveScan internal constructor(scanner: Scanner, config: LiveScanConfig) : AutoCloseable {
    private val channel = Channel<ScanEvent>(Channel.UNLIMITED)

    /** The generated session, for `stats()` and `waitIdle`. */
    val session: LiveScanner =
        scanner.startLive(
            config,
            object : LiveScanListener {
                override fun onScan(event: ScanEvent) {
                    channel.trySend(event)
                }

                override fun onEnd() {
                    channel.close()
                }
            },
        )

    /** Confirmed codes, in order; completes when the session stops. One collector at a time. */
    val events: Flow<ScanEvent> = channel.receiveAsFlow()

    fun submit(frame: LumaFrame) = session.submit(frame)

    override fun close() {
        session.stop()
        session.close()
    }
}

/** Starts a live-scan session whose results are a [Flow]; see [LiveScan]. */
fun Scanner.startLiveScan(config: LiveScanConfig = defaultLiveConfig()): LiveScan = LiveScan(this, config)

/**
 * The proofs of delivery on this phone (per stop: draft, sealed, uploading n of m, uploaded
 * with the receipt, rejected) and the upload queue: now, then after every change. Ends at
 * sign-out.
 */
fun Deliveries.deliveriesStatusFlow(): Flow<DeliveriesStatus> =
    listenerFlow { emit, end ->
        observeStatus(
            object : DeliveriesStatusListener {
                override fun onUpdate(status: DeliveriesStatus) = emit(status)

                override fun onEnd() = end()
            },
        )
    }

/**
 * The data export's progress (phase, bytes done of total) now, then after every change, for
 * the progress bar while `exportData` runs. Ends at sign-out.
 */
fun AccountData.exportProgressFlow(): Flow<ExportProgress> =
    listenerFlow { emit, end ->
        observeExport(
            object : ExportProgressListener {
                override fun onUpdate(progress: ExportProgress) = emit(progress)

                override fun onEnd() = end()
            },
        )
    }
