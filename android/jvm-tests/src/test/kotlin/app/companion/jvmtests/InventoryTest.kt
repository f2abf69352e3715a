package app.companion.jvmtests

import app.companion.CompanionClient
import app.companion.CompanionException
import app.companion.core.AdjustReason
import app.companion.core.MovementKind
import app.companion.core.MovementState
import app.companion.core.NewMovement
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.file.Files

/**
 * Offline inventory through the generated Kotlin API against a real reference server (which
 * `companion serve` seeds with a produce catalogue): two phones, changes made offline, synced,
 * seen on the other phone; a movement the server refuses comes back with its reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoryTest {
    private lateinit var server: ReferenceServer
    private val sandboxes = mutableListOf<File>()
    private val clients = mutableListOf<CompanionClient>()

    private val warehouse = "wh-north"
    private val item = "I000000"

    @BeforeAll
    fun startServer() {
        server = ReferenceServer.start()
    }

    @AfterAll
    fun stopServer() {
        server.close()
    }

    @AfterEach
    fun closeClients() {
        clients.forEach { it.close() }
        clients.clear()
        sandboxes.forEach { it.deleteRecursively() }
        sandboxes.clear()
    }

    private fun open(): CompanionClient {
        val sandbox = Files.createTempDirectory("companion-app-").toFile()
        sandboxes += sandbox
        return openCompanion(server.url, InMemorySecureStorage(), sandbox).also { clients += it }
    }

    private fun qty(phone: CompanionClient, lot: String, bin: String): Long =
        phone.stockItem(warehouse, item).lines.firstOrNull { it.lotId == lot && it.locationId == bin }?.qty ?: 0L

    private fun movement(kind: MovementKind, lot: String, bin: String, qty: Long, reason: AdjustReason? = null) =
        NewMovement(
            warehouseId = warehouse, kind = kind, itemId = item, lotId = lot, locationId = bin,
            toLocationId = null, qty = qty, reason = reason, poLineId = null,
        )

    @Test
    fun `an offline adjustment on phone A reaches phone B and a refused pick comes back`() = runBlocking<Unit> {
        val a = open().also { it.signIn("maria", ReferenceServer.DEMO_PASSWORD) }
        val b = open().also { it.signIn("dave", ReferenceServer.DEMO_PASSWORD) }
        a.inventorySync()
        b.inventorySync()

        // What a scan hits: the item by its GTIN, offline.
        val stock = a.stockItem(warehouse, item)
        assertEquals(item, a.stockLookup(stock.item.barcodes.first()).first().item.itemId)
        val line = stock.lines.first()
        val (lot, bin) = line.lotId to line.locationId
        val before = line.qty

        // Phone A, offline: 2 damaged. Visible at once, pending until synced.
        val adjust = a.recordMovement(movement(MovementKind.ADJUST, lot, bin, -2L, AdjustReason.DAMAGE))
        assertEquals(MovementState.PENDING, adjust.state)
        assertEquals(before - 2, qty(a, lot, bin))
        assertEquals(1uL, a.inventoryPendingCount())

        val pushed = a.inventorySync()
        assertEquals(1u, pushed.applied)
        assertEquals(0uL, pushed.pending)
        b.inventorySync()
        assertEquals(before - 2, qty(b, lot, bin), "phone B sees phone A's adjustment")

        // Both phones pick everything while offline: the second pick to arrive is refused.
        val all = qty(b, lot, bin)
        a.recordMovement(movement(MovementKind.PICK, lot, bin, all))
        val refused = b.recordMovement(movement(MovementKind.PICK, lot, bin, all))
        a.inventorySync()
        val report = b.inventorySync()
        assertEquals(1u, report.rejected)
        val rejected = b.inventoryMovements(false, 10u).first { it.id == refused.id }
        assertEquals(MovementState.REJECTED, rejected.state)
        assertEquals("insufficient_stock", rejected.rejectCode)
        assertEquals(0L, qty(b, lot, bin), "the refused pick's effect is gone; A's pick shows")

        // Bad input is a typed error naming the field, and nothing is recorded.
        val error = assertThrows<CompanionException.InvalidInput> {
            a.recordMovement(movement(MovementKind.RECEIVE, lot, bin, 0L))
        }
        assertEquals("qty", error.field)
        assertThrows<CompanionException.NotFound> { a.stockLookup("0000000000000") }
    }
}
