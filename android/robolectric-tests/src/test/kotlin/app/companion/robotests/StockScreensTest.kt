package app.companion.robotests

import android.view.View
import android.widget.TextView
import app.companion.android.screens.ItemStockScreen
import app.companion.android.screens.StockActionScreen
import app.companion.android.screens.StockLookupScreen
import app.companion.core.MovementState
import app.companion.wire.AdjustReason
import app.companion.wire.MovementKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner

/**
 * Stock lookup, the item with its live stock and a stock action, against a real `companion
 * serve`: an adjustment recorded on the phone (no sync) shows at once in the item's stock as
 * pending and in the pending count; "Sync now" sends it, and the same screens show it synced.
 * A quantity the core refuses is shown on the quantity field and nothing is recorded.
 */
@RunWith(RobolectricTestRunner::class)
class StockScreensTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private lateinit var phone: Phone
    private lateinit var screens: ScreensOnActivity
    private val host get() = screens.host

    @Before
    fun setUp() {
        phone = Phone(server.url).signedInAndSynced("maria")
        screens = ScreensOnActivity(phone)
    }

    @After
    fun tearDown() {
        screens.close()
        phone.close()
    }

    private fun itemScreen(): ItemStockScreen {
        waitFor("the item screen with its stock") { (host.current as? ItemStockScreen)?.stock != null }
        return host.current as ItemStockScreen
    }

    private fun lineText(screen: ItemStockScreen, index: Int) = (screen.lines.getChildAt(index) as TextView).text.toString()

    @Test
    fun `an adjustment recorded offline shows as pending, then synced after Sync now`() {
        waitFor("the stock lookup screen") { host.current is StockLookupScreen }
        val lookup = host.current as StockLookupScreen
        lookup.query.setText("")
        lookup.searchButton.performClick()
        waitFor("the catalogue") { lookup.results.childCount > 1 }
        val firstRow = lookup.results.getChildAt(0) as TextView
        firstRow.performClick()

        var item = itemScreen()
        val stock = item.stock!!
        assertTrue("the row named the item", firstRow.text.startsWith(stock.item.name))
        val line = stock.lines.first()
        val before = line.qty
        assertFalse("nothing pending yet: ${lineText(item, 0)}", lineText(item, 0).contains("pending"))
        waitFor("the pending count") { item.syncStatus.status != null }
        assertEquals("All changes sent", item.syncStatus.pendingText.text.toString())

        // A quantity of 0 is refused by the core, on the quantity field.
        item.actionButtons.getValue(MovementKind.ADJUST).performClick()
        var action = host.current as StockActionScreen
        assertEquals(MovementKind.ADJUST, action.kind)
        assertEquals("the first lot and bin are chosen", line.lotId, action.lot.text.toString())
        assertEquals(line.locationId, action.bin.text.toString())
        action.qty.setText("0")
        action.reasonButtons.getValue(AdjustReason.DAMAGE).isChecked = true
        action.recordButton.performClick()
        waitFor("the refusal") { action.problem.visibility == View.VISIBLE && action.recordButton.isEnabled }
        assertTrue(action.problem.text.text.toString(), action.problem.text.text.startsWith("Check qty"))
        assertTrue("the quantity field is marked", action.qty.error != null)
        assertTrue("still on the action screen", host.current === action)

        // 2 damaged, recorded on the phone only.
        action.qty.setText("2")
        action.recordButton.performClick()
        waitFor("back on the item, with the adjustment") {
            (host.current as? ItemStockScreen)?.stock?.lines?.first { it.lotId == line.lotId && it.locationId == line.locationId }?.qty == before - 2
        }
        item = itemScreen()
        val index = item.stock!!.lines.indexOfFirst { it.lotId == line.lotId && it.locationId == line.locationId }
        assertTrue("shown as pending: ${lineText(item, index)}", lineText(item, index).endsWith("(-2 pending)"))
        waitFor("the pending count") { item.syncStatus.pendingText.text.toString() == "1 change waiting to be sent" }
        val outbox = runBlocking { phone.client.inventory().movements(false, 10u) }
        assertEquals("in the outbox, pending", listOf(MovementState.PENDING), outbox.map { it.state })

        // Sync now: sent, applied, and the same screen shows it synced.
        item.syncStatus.syncButton.performClick()
        waitFor("synced") {
            item.syncStatus.pendingText.text.toString() == "All changes sent" && !lineText(item, index).contains("pending")
        }
        assertTrue("the quantity stays: ${lineText(item, index)}", lineText(item, index).contains("\n${before - 2} "))
        val applied = runBlocking { phone.client.inventory().movements(true, 10u) }
        assertEquals(listOf(MovementState.APPLIED), applied.map { it.state })
        assertEquals(-2L, applied.single().qty)
        assertEquals(AdjustReason.DAMAGE, applied.single().reason)
    }
}
