package app.companion.robotests

import android.Manifest
import android.app.Activity
import android.view.View
import android.widget.Button
import app.companion.android.PointOfUsePermissions
import app.companion.android.screens.NotificationSettingsScreen
import app.companion.android.screens.ProfileScreen
import app.companion.android.screens.SignInScreen
import app.companion.android.screens.StockLookupScreen
import app.companion.core.NewMovement
import app.companion.core.SessionState
import app.companion.deletionPhrase
import app.companion.wire.AdjustReason
import app.companion.wire.Category
import app.companion.wire.MovementKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf

/**
 * The notification settings and profile screens against a real `companion serve`: the
 * notification permission is asked only when a category is switched on (through
 * PointOfUsePermissions, the Activity forwarding the answer); deleting the account with unsent
 * work shows the core's PendingWork and goes on with the user's choice (Sync), after which the
 * phone is signed out and the app is back at sign-in.
 */
@RunWith(RobolectricTestRunner::class)
class AccountScreensTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private var phone: Phone? = null
    private var screens: ScreensOnActivity? = null
    private val activity get() = screens!!.activity
    private val host get() = screens!!.host
    private val permissions get() = screens!!.permissions

    private fun signedIn(user: String): Phone {
        val phone = Phone(server.url).signedInAndSynced(user).also { this.phone = it }
        screens = ScreensOnActivity(phone)
        waitFor("the stock lookup screen") { host.current is StockLookupScreen }
        return phone
    }

    @After
    fun tearDown() {
        screens?.close()
        phone?.close()
    }

    private fun open(link: String) = findAll(host.current).filterIsInstance<Button>().first { it.text == link }.performClick()

    @Test
    fun `notifications are asked for only when a category is switched on`() {
        val phone = signedIn("maria")
        val shadow = shadowOf(activity)
        open("Notifications")
        val screen = host.current as NotificationSettingsScreen
        assertEquals("a switch per warehouse and per other category", 5, screen.switches.size)
        val orders = screen.switches.getValue(Category.PURCHASE_ORDER to null)
        waitFor("the preferences loaded") { orders.isEnabled }
        assertTrue("all on by default", screen.switches.values.all { it.isChecked })

        // Off: remembered by the core, nothing asked.
        orders.performClick()
        waitFor("the preference saved") {
            runBlocking { phone.client.push().preferences() }.any { it.category == Category.PURCHASE_ORDER && !it.enabled }
        }
        assertNull("opening the screen or switching off asks nothing", shadow.lastRequestedPermission)

        // On: now the OS prompt, for POST_NOTIFICATIONS only; the user allows it.
        orders.performClick()
        waitFor("the prompt") { shadow.lastRequestedPermission != null }
        val prompt = shadow.lastRequestedPermission
        assertEquals(listOf(Manifest.permission.POST_NOTIFICATIONS), prompt.requestedPermissions.toList())
        shadowOf(RuntimeEnvironment.getApplication()).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        assertTrue(permissions.onRequestPermissionsResult(prompt.requestCode, prompt.requestedPermissions, intArrayOf(0)))
        waitFor("the preference back on") {
            runBlocking { phone.client.push().preferences() }.none { it.category == Category.PURCHASE_ORDER && !it.enabled }
        }
        waitFor("no note once allowed") { screen.permissionNote.visibility == View.GONE }
        assertTrue(orders.isChecked)
    }

    /** One damaged unit of the first item, recorded on the phone only. */
    private fun recordOffline(phone: Phone) =
        runBlocking {
            val inventory = phone.client.inventory()
            val item = inventory.search("", 1u).first()
            val line = inventory.item(item.warehouseId, item.itemId).lines.first()
            inventory.record(
                NewMovement(item.warehouseId, MovementKind.ADJUST, item.itemId, line.lotId, line.locationId, null, -1L, AdjustReason.DAMAGE, null),
            )
        }

    @Test
    fun `deleting the account with unsent work offers sync, then signs out`() {
        val phone = signedIn("dave")
        recordOffline(phone)
        open("Profile")
        val screen = host.current as ProfileScreen
        waitFor("the profile") { screen.profile.text.contains("dave") }

        // The phrase must be typed exactly.
        screen.phrase.setText("delete")
        screen.password.setText(ReferenceServer.DEMO_PASSWORD)
        screen.deleteButton.performClick()
        waitFor("the refusal") { screen.problem.visibility == View.VISIBLE && screen.deleteButton.isEnabled }
        assertTrue("the phrase field is marked", screen.phrase.error != null)

        // Unsent work: the counts, and the choice.
        screen.phrase.setText(deletionPhrase())
        screen.deleteButton.performClick()
        waitFor("the pending work") { screen.pendingChoice.visibility == View.VISIBLE }
        assertTrue(screen.problem.text.text.toString(), screen.problem.text.text.startsWith("1 stock movement and 0 other changes are not sent yet"))
        assertEquals(View.GONE, screen.deleteButton.visibility)
        assertEquals(SessionState.SignedIn::class, phone.client.sessionState()::class)

        screen.syncFirstButton.performClick()
        waitFor("signed out, back at sign-in", 60_000) { host.current is SignInScreen }
        assertEquals(SessionState.SignedOut, phone.client.sessionState())
    }

    @Test
    fun `discarding the unsent work deletes the account without sending it`() {
        val phone = signedIn("lena")
        val movement = recordOffline(phone)
        val serverQty =
            runBlocking { phone.client.inventory().item(movement.warehouseId, movement.itemId) }.lines
                .first { it.lotId == movement.lotId && it.locationId == movement.locationId }.serverQty
        open("Profile")
        val screen = host.current as ProfileScreen
        waitFor("the profile") { screen.profile.text.contains("lena") }
        screen.phrase.setText(deletionPhrase())
        screen.password.setText(ReferenceServer.DEMO_PASSWORD)
        screen.deleteButton.performClick()
        waitFor("the pending work") { screen.pendingChoice.visibility == View.VISIBLE }

        screen.discardButton.performClick()
        waitFor("signed out, back at sign-in", 60_000) { host.current is SignInScreen }
        assertEquals(SessionState.SignedOut, phone.client.sessionState())

        // The discarded movement never reached the server: maria sees the line unchanged.
        val other = Phone(server.url)
        try {
            val qty =
                runBlocking {
                    other.client.signIn("maria", ReferenceServer.DEMO_PASSWORD)
                    other.client.inventory().sync(null)
                    other.client.inventory().item(movement.warehouseId, movement.itemId).lines
                        .first { it.lotId == movement.lotId && it.locationId == movement.locationId }
                }
            assertEquals("the server never got lena's -1", serverQty, qty.serverQty)
        } finally {
            other.close()
        }
    }
}
