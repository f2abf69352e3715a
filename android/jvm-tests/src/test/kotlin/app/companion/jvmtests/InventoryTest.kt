package app.companion.jvmtests

import app.companion.Inventory
import app.companion.CompanionException
import app.companion.flows.syncStatusFlow
import app.companion.wire.AdjustReason
import app.companion.wire.MovementKind
import app.companion.core.MovementState
import app.companion.core.NewMovement
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/**
 * Offline inventory through the generated Kotlin API against a real reference server (which
 * `companion serve` seeds with a produce catalogue): two phones, changes made offline, synced,
 * seen on the other phone; a movement the server refuses comes back with its reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoryTest {
    private lateinit var server: ReferenceServer
    private val phones = Phones()

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
    fun closeClients() = phones.close()

    private suspend fun qty(phone: Inventory, lot: String, bin: String): Long =
        phone.item(warehouse, item).lines.firstOrNull { it.lotId == lot && it.locationId == bin }?.qty ?: 0L

    private fun movement(kind: MovementKind, lot: String, bin: String, qty: Long, reason: AdjustReason? = null) =
        NewMovement(
            warehouseId = warehouse, kind = kind, itemId = item, lotId = lot, locationId = bin,
            toLocationId = null, qty = qty, reason = reason, poLineId = null,
        )

    @Test
    fun `an offline adjustment on phone A reaches phone B and a refused pick comes back`() = runBlocking<Unit> {
        val a = phones.signedIn(server.url, "maria").inventory()
        val b = phones.signedIn(server.url, "dave").inventory()
        a.sync(null)
        b.sync(null)

        // What a scan hits: the item by its GTIN, offline.
        val stock = a.item(warehouse, item)
        assertEquals(item, a.lookup(stock.item.barcodes.first()).first().item.itemId)
        val line = stock.lines.first()
        val (lot, bin) = line.lotId to line.locationId
        val before = line.qty

        // Phone A, offline: 2 damaged. Visible at once, pending until synced.
        val adjust = a.record(movement(MovementKind.ADJUST, lot, bin, -2L, AdjustReason.DAMAGE))
        assertEquals(MovementState.PENDING, adjust.state)
        assertEquals(before - 2, qty(a, lot, bin))
        assertEquals(1L, a.syncStatusFlow().first().pending, "the status counts the pending movement")
        assertEquals(listOf(adjust.id), a.movements(false, 10u).map { it.id })

        val pushed = a.sync(null)
        assertEquals(1, pushed.applied)
        assertEquals(0L, pushed.pending)
        b.sync(null)
        assertEquals(before - 2, qty(b, lot, bin), "phone B sees phone A's adjustment")

        // Both phones pick everything while offline: the second pick to arrive is refused.
        val all = qty(b, lot, bin)
        a.record(movement(MovementKind.PICK, lot, bin, all))
        val refused = b.record(movement(MovementKind.PICK, lot, bin, all))
        a.sync(null)
        val report = b.sync(null)
        assertEquals(1, report.rejected)
        val rejected = b.movements(false, 10u).first { it.id == refused.id }
        assertEquals(MovementState.REJECTED, rejected.state)
        assertEquals("insufficient_stock", rejected.rejectCode)
        assertEquals(0L, qty(b, lot, bin), "the refused pick's effect is gone; A's pick shows")

        // Bad input is a typed error naming the field, and nothing is recorded.
        val error = assertThrows<CompanionException.InvalidInput> {
            runBlocking { a.record(movement(MovementKind.RECEIVE, lot, bin, 0L)) }
        }
        assertEquals("qty", error.field)
        assertFailsWithSuspend<CompanionException.NotFound> { a.lookup("0000000000000") }
    }

    @Test
    fun `the catalogue, SKUs, bins, purchase orders and scopes read offline after a sync`() = runBlocking<Unit> {
        val inventory = phones.signedIn(server.url, "maria").inventory()
        inventory.sync(null)

        val catalogue = inventory.search("", 50u)
        assertTrue(catalogue.isNotEmpty(), "an empty query lists the catalogue")
        val first = catalogue.first()
        assertTrue(inventory.bySku(first.sku).any { it.item.itemId == first.itemId })
        val stock = inventory.item(first.warehouseId, first.itemId)
        val bin = stock.lines.first().locationId
        assertTrue(inventory.bin(first.warehouseId, bin).any { it.itemId == first.itemId }, "the item is in its bin")
        inventory.openPoLines(first.warehouseId, null).forEach { assertEquals(first.warehouseId, it.warehouseId) }
        val scopes = inventory.scopes()
        assertEquals(setOf("wh-north", "wh-south"), scopes.map { it.warehouseId }.toSet(), "maria holds both warehouses")
        assertTrue(scopes.all { it.complete && it.lastSyncedAt != null }, "both downloads completed: $scopes")
        assertTrue(inventory.verifyWarehouse("wh-north", null), "a fresh copy is intact")
    }
}
