package app.companion.jvmtests

import app.companion.Cancellation
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.core.ItemStock
import app.companion.core.MovementState
import app.companion.core.NewMovement
import app.companion.core.SyncActivity
import app.companion.core.SyncStatus
import app.companion.core.Tuning
import app.companion.flows.IDLE_SYNC_STATUS
import app.companion.flows.binFlow
import app.companion.flows.itemFlow
import app.companion.flows.outboxFlow
import app.companion.flows.syncStatusFlow
import app.companion.flows.syncStatusStateFlow
import app.companion.flows.whileSignedIn
import app.companion.wire.AdjustReason
import app.companion.wire.MovementKind
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * Issue 7's done-when tests, through the Flow wrappers (android/flows) over the generated
 * bindings, against a real reference server: sync progress as a Flow, an item's stock Flow
 * re-emitting after local and pulled changes, a running download stopped by cancelling its
 * coroutine (and by a `Cancellation`, the Swift way), and account streams ending at sign-out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoryFlowsTest {
    private lateinit var server: ReferenceServer
    private val phones = Phones()

    private val warehouse = "wh-north"
    private val item = "I000000"

    /** Small pages: the download takes many round trips, so progress is visible and can be cut. */
    private val smallPages = Tuning(syncPageRows = 100)

    @BeforeAll
    fun startServer() {
        server = ReferenceServer.start(catalogueRows = 4000)
    }

    @AfterAll
    fun stopServer() {
        server.close()
    }

    @AfterEach
    fun closeClients() = phones.close()

    private fun adjust(lot: String, bin: String, qty: Long) =
        NewMovement(
            warehouseId = warehouse, kind = MovementKind.ADJUST, itemId = item, lotId = lot, locationId = bin,
            toLocationId = null, qty = qty, reason = if (qty < 0) AdjustReason.DAMAGE else AdjustReason.FOUND, poLineId = null,
        )

    /** Collects [flow] into a channel in the background; the test reads it with timeouts. */
    private fun <T> kotlinx.coroutines.CoroutineScope.collectInto(flow: Flow<T>): ReceiveChannel<T> {
        val channel = Channel<T>(Channel.UNLIMITED)
        launch {
            try {
                flow.collect { channel.send(it) }
                channel.close()
            } catch (e: Throwable) {
                channel.close(e)
                if (e is CancellationException) throw e
            }
        }
        return channel
    }

    /** Reads values until one matches [predicate]; fails after [timeoutMs]. */
    private suspend fun <T> ReceiveChannel<T>.awaitMatching(what: String, timeoutMs: Long = 20_000, predicate: (T) -> Boolean): T {
        val seen = mutableListOf<T>()
        return try {
            withTimeout(timeoutMs) {
                while (true) {
                    val value = receive()
                    seen += value
                    if (predicate(value)) return@withTimeout value
                }
                @Suppress("UNREACHABLE_CODE")
                error("unreachable")
            }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            throw AssertionError("no value with $what within ${timeoutMs}ms; saw $seen")
        }
    }

    private fun progressOf(status: SyncStatus): SyncActivity.Syncing? = status.activity as? SyncActivity.Syncing

    /** (a) The sync status Flow shows an initial download's progress reach its total, then Idle. */
    @Test
    fun `the sync status flow follows an initial download to its total, then idle`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "maria", smallPages).inventory()
        val subscribed = CompletableDeferred<Unit>()
        val statuses = async {
            var syncing = false
            inventory.syncStatusFlow()
                .onEach { subscribed.complete(Unit) }
                .transformWhile { status ->
                    emit(status)
                    if (status.activity is SyncActivity.Syncing) syncing = true
                    !(syncing && status.activity !is SyncActivity.Syncing)
                }.toList()
        }
        withTimeout(10_000) { subscribed.await() }

        val report = inventory.sync(null)
        val seen = withTimeout(30_000) { statuses.await() }

        val first = seen.first()
        assertEquals(SyncActivity.Idle, first.activity, "nothing synced yet: $first")
        assertNull(first.lastSyncedAt, "never synced before")
        val progress = seen.mapNotNull(::progressOf)
        assertTrue(progress.size > 2, "a download of many pages reports progress along the way: $progress")
        assertTrue(progress.any { it.total > 0 && it.done in 1 until it.total }, "progress between 0 and the total: $progress")
        assertTrue(progress.zipWithNext().all { (a, b) -> b.done >= a.done }, "progress never goes back: $progress")
        val finished = progress.filter { it.total > 0 && it.done == it.total }
        assertTrue(finished.isNotEmpty(), "progress reaches the total: $progress")
        assertEquals(report.pulledRows, finished.last().total, "the total is what the download pulled")
        val last = seen.last()
        assertEquals(SyncActivity.Idle, last.activity, "the status settles to Idle: $seen")
        assertNotNull(last.lastSyncedAt, "a finished sync records its time")
        assertEquals(0L, last.pending)

        // The StateFlow helper starts from the core's current status (the placeholder is
        // replaced at once) and keeps the latest.
        coroutineScope {
            val state = inventory.syncStatusStateFlow(this)
            val current = withTimeout(10_000) { state.first { it.lastSyncedAt != null } }
            assertEquals(SyncActivity.Idle, current.activity)
            assertEquals(last.lastSyncedAt, current.lastSyncedAt)
            coroutineContext.cancelChildren()
        }
    }

    /** (b) An item's stock Flow re-emits after a local movement and after a pull that changes it. */
    @Test
    fun `an item's stock flow re-emits after a local movement and after a pull`() = runBlocking<Unit> {
        val a = phones.signedIn(server.url, "maria").inventory()
        val b = phones.signedIn(server.url, "lena").inventory()
        a.sync(null)
        b.sync(null)

        coroutineScope {
            val stocks = collectInto(a.itemFlow(warehouse, item))
            val initial = stocks.awaitMatching("the current stock") { it != null }!!
            val line = initial.lines.first()
            val before = initial.totalQty

            // Local movement on phone A: the flow re-emits at once, offline.
            a.record(adjust(line.lotId, line.locationId, -1))
            val afterLocal = stocks.awaitMatching("A's own adjustment") { it?.totalQty == before - 1 }!!
            assertEquals(-1L, afterLocal.lines.first { it.lotId == line.lotId && it.locationId == line.locationId }.pendingDelta)

            // Phone B (another user, same warehouse) moves stock; A's pull brings it in.
            b.record(adjust(line.lotId, line.locationId, -3))
            b.sync(null)
            a.sync(null)
            val afterPull = stocks.awaitMatching("B's adjustment pulled") { it?.totalQty == before - 4 }!!
            assertTrue(afterPull.lines.all { it.pendingDelta == 0L }, "A's adjustment is applied, nothing pending: $afterPull")
            coroutineContext.cancelChildren()
        }
    }

    /** The bin and outbox flows follow the same movement. */
    @Test
    fun `bin and outbox flows follow a movement until it is synced`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "dave").inventory()
        inventory.sync(null)
        val line = inventory.item(warehouse, item).lines.first()

        coroutineScope {
            val bin = collectInto(inventory.binFlow(warehouse, line.locationId))
            val outbox = collectInto(inventory.outboxFlow(10u))
            val binBefore = bin.awaitMatching("the bin's contents") { lines -> lines.any { it.lotId == line.lotId && it.itemId == item } }
            val qtyBefore = binBefore.first { it.lotId == line.lotId && it.itemId == item }.qty
            outbox.awaitMatching("an empty outbox") { it.isEmpty() }

            val recorded = inventory.record(adjust(line.lotId, line.locationId, 2))
            bin.awaitMatching("the bin with the adjustment") { lines -> lines.any { it.lotId == line.lotId && it.itemId == item && it.qty == qtyBefore + 2 } }
            val pending = outbox.awaitMatching("the pending movement") { it.isNotEmpty() }
            assertEquals(listOf(recorded.id), pending.map { it.id })
            assertEquals(MovementState.PENDING, pending.single().state)

            inventory.sync(null)
            outbox.awaitMatching("the outbox emptied by the sync") { it.isEmpty() }
            coroutineContext.cancelChildren()
        }
    }

    /**
     * (c) Cancelling the coroutine that runs `sync()` stops a running download; a later
     * `sync()` finishes it from where it stopped.
     */
    @Test
    fun `cancelling the syncing coroutine stops a running download and the next sync completes it`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "maria", smallPages).inventory()
        val midway = CompletableDeferred<SyncActivity.Syncing>()
        val watcher = launch {
            inventory.syncStatusFlow().collect { status ->
                val p = progressOf(status)
                if (p != null && p.total > 0 && p.done in 1 until p.total / 2) midway.complete(p)
            }
        }
        var ended: Throwable? = null
        val syncing = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                inventory.sync(null)
            } catch (e: Throwable) {
                ended = e
                throw e
            }
        }
        val seen = withTimeout(60_000) { midway.await() }
        syncing.cancelAndJoin()
        watcher.cancelAndJoin()
        // The download stopped: nothing more arrives in the background.
        val stopped = inventory.scopes()
        val doneThen = stopped.sumOf { it.rowsDone }
        assertTrue(stopped.any { !it.complete }, "the download was cut short: $stopped (progress seen: $seen)")
        delay(1_500)
        val later = inventory.scopes()
        assertEquals(doneThen, later.sumOf { it.rowsDone }, "no rows arrive after the cancellation: $stopped then $later")

        // The next sync resumes and completes the download: it pulls less than a whole download
        // (measured on a fresh phone).
        val report = inventory.sync(null)
        val scopes = inventory.scopes()
        assertTrue(scopes.all { it.complete && it.rowsDone == 0L && it.rowsTotal == 0L }, "download complete: $scopes")
        val fullDownload = phones.signedIn(server.url, "maria", smallPages).inventory().sync(null).pulledRows
        assertTrue(report.pulledRows < fullDownload, "resumed, not restarted: pulled ${report.pulledRows} of $fullDownload")
        val status = withTimeout(10_000) { inventory.syncStatusFlow().first() }
        assertEquals(SyncActivity.Idle, status.activity)
        assertNotNull(status.lastSyncedAt)
    }

    /**
     * A sync dropped mid-download (a cancelled coroutine, or a fired `Cancellation`) puts the
     * status back to Idle, so a progress bar bound to the status flow goes away.
     */
    @Test
    fun `the status settles when a running sync is cancelled`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "maria", smallPages).inventory()
        val syncing = launch(start = CoroutineStart.UNDISPATCHED) { inventory.sync(null) }
        withTimeout(60_000) { inventory.syncStatusFlow().first { (progressOf(it)?.done ?: 0L) > 0L } }
        syncing.cancelAndJoin()
        val settled = withTimeout(10_000) { inventory.syncStatusFlow().first { it.activity !is SyncActivity.Syncing } }
        assertEquals(SyncActivity.Idle, settled.activity)
    }

    /**
     * A screen that subscribes to the inventory on the SignedIn event finds it open: the core
     * announces SignedIn only once the account's components are (a race until 544f46b).
     */
    @Test
    fun `the inventory is ready when the session says signed in`() = runBlocking<Unit> {
        val phone = phones.open(server.url)
        val outcome = CompletableDeferred<Throwable?>()
        val listener = object : app.companion.SessionStateListener {
            override fun onUpdate(state: app.companion.core.SessionState) {
                if (state !is app.companion.core.SessionState.SignedIn) return
                // What a screen does on this event: start observing the account's stock.
                outcome.complete(runCatching { phone.inventory().observeStatus(RecordingStatus).use { } }.exceptionOrNull())
            }

            override fun onEnd() = Unit
        }
        phone.observeSession(listener).use {
            phone.signIn("dave", ReferenceServer.DEMO_PASSWORD)
            assertNull(withTimeout(10_000) { outcome.await() }, "subscribing on the SignedIn event works")
        }
    }

    private object RecordingStatus : app.companion.SyncStatusListener {
        override fun onUpdate(status: SyncStatus) = Unit

        override fun onEnd() = Unit
    }

    /** The Swift way (a `Cancellation` fired from the task's cancellation handler) works from Kotlin too. */
    @Test
    fun `a fired Cancellation stops a running sync with the typed Cancelled error`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "maria", smallPages).inventory()
        Cancellation().use { cancellation ->
            val watcher = launch {
                inventory.syncStatusFlow().first { (progressOf(it)?.done ?: 0L) > 0L }
                cancellation.cancel()
            }
            val error = assertFailsWithSuspend<CompanionException.Cancelled> { inventory.sync(cancellation) }
            assertEquals("cancelled", error.code())
            assertFalse(error.isRetryable())
            assertTrue(cancellation.isCancelled())
            watcher.cancelAndJoin()
        }
        assertTrue(inventory.scopes().any { !it.complete }, "the download was cut short")
        inventory.sync(null)
        assertTrue(inventory.scopes().all { it.complete })
    }

    /** The core's sync loop runs until its handle is cancelled; its work shows in the status flow. */
    @Test
    fun `the auto-sync loop downloads and settles to idle`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "dave").inventory()
        inventory.startAutoSync().use { loop ->
            val settled = withTimeout(60_000) { inventory.syncStatusFlow().first { it.activity is SyncActivity.Idle && it.lastSyncedAt != null } }
            assertEquals(0L, settled.pending)
            assertFalse(loop.isFinished(), "the loop keeps running until cancelled")
            loop.cancel()
            assertTrue(loop.isFinished())
        }
        assertTrue(inventory.scopes().all { it.complete })
    }

    /** A ViewModel's status StateFlow, built on the client, survives sign-out and the next sign-in. */
    @Test
    fun `the client's status StateFlow follows sign-out and sign-in`() = runBlocking<Unit> {
        val phone = phones.open(server.url)
        coroutineScope {
            val status = phone.syncStatusStateFlow(this, SharingStarted.Eagerly)
            assertEquals(IDLE_SYNC_STATUS, status.value, "signed out: the placeholder")

            phone.signIn("dave", ReferenceServer.DEMO_PASSWORD)
            phone.inventory().sync(null)
            withTimeout(10_000) { status.first { it.activity is SyncActivity.Idle && it.lastSyncedAt != null } }

            phone.signOut()
            withTimeout(10_000) { status.first { it == IDLE_SYNC_STATUS } }

            // The next account's status flows into the same StateFlow.
            phone.signIn("lena", ReferenceServer.DEMO_PASSWORD)
            phone.inventory().sync(null)
            withTimeout(10_000) { status.first { it.lastSyncedAt != null } }

            // Collectors of whileSignedIn flows see only signed-in values.
            val outboxes = phone.whileSignedIn { phone.inventory().outboxFlow(10u) }
            assertEquals(emptyList<Any>(), withTimeout(10_000) { outboxes.first() })
            coroutineContext.cancelChildren()
        }
    }

    /** Account streams end at sign-out: the flows complete, and a new one needs a signed-in account. */
    @Test
    fun `account flows complete at sign-out and refuse to start while signed out`() = runBlocking<Unit> {
        val phone = phones.signedIn(server.url, "dave")
        val inventory = phone.inventory()
        inventory.sync(null)
        val status = async { inventory.syncStatusFlow().toList() }
        val stock = async { inventory.itemFlow(warehouse, item).toList() }
        // Both are subscribed once their first value is in: wait for it through a second collector.
        withTimeout(10_000) { inventory.itemFlow(warehouse, item).first() }
        delay(200)

        phone.signOut()
        val statuses = withTimeout(10_000) { status.await() }
        val stocks: List<ItemStock?> = withTimeout(10_000) { stock.await() }
        assertTrue(statuses.isNotEmpty() && stocks.isNotEmpty(), "each flow had its current value before the end")

        // The facade stays valid; its calls and streams need a signed-in account.
        assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.syncStatusFlow().first() }
        assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.item(warehouse, item) }
        phone.signIn("dave", ReferenceServer.DEMO_PASSWORD)
        // The same facade serves the next sign-in (the local copy stayed on the device).
        assertEquals(item, withTimeout(10_000) { inventory.itemFlow(warehouse, item).first() }?.item?.itemId)
    }
}
