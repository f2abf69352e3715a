package app.companion.robotests

import android.app.Activity
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Rect
import android.view.View
import android.widget.TextView
import app.companion.CompanionClient
import app.companion.Inventory
import app.companion.AccountData
import app.companion.NoHandle
import app.companion.Permissions
import app.companion.PushNotifications
import app.companion.android.PointOfUsePermissions
import app.companion.android.screens.NotificationSettingsScreen
import app.companion.android.screens.ProfileScreen
import app.companion.core.Feature
import app.companion.core.Permission
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import app.companion.wire.Account
import app.companion.wire.Category
import app.companion.wire.Preference
import app.companion.wire.Warehouse
import app.companion.android.screens.DownloadProgressBar
import app.companion.android.screens.ItemStockScreen
import app.companion.android.screens.Problem
import app.companion.android.screens.ProblemView
import app.companion.android.screens.SignInScreen
import app.companion.android.screens.StockActionScreen
import app.companion.android.screens.StockLookupScreen
import app.companion.core.Item
import app.companion.core.ItemStock
import app.companion.core.StockLine
import app.companion.core.SyncActivity
import app.companion.core.SyncStatus
import app.companion.wire.AdjustReason
import app.companion.wire.MovementKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.io.File
import kotlin.math.abs

/**
 * Each screen rendered by Robolectric's native graphics (real Skia) from a fixed state and
 * written as a PNG to `companion.screenshots.dir` (android/screenshots/regenerate.sh writes the
 * checked-in ones), with the pixels checked: the error text is drawn in red, the progress bar
 * is filled to the download's fraction, a pending line is drawn in the pending colour.
 *
 * No core is needed: the screens get placeholder handles and a scope that never runs, so they
 * show exactly the state the test renders into them.
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@Config(qualifiers = "w360dp-h640dp-xhdpi")
class ScreensScreenshotTest {
    private val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
    private val idle = CoroutineScope(Job().apply { cancel() })
    private val w = 720
    private val h = 1280

    private val apples =
        Item(
            warehouseId = "wh-north", itemId = "I000042", sku = "APL-GAL-12", name = "Gala apples", unit = "kg",
            barcodes = listOf("4006381333931"), variety = "Gala", grade = "Class I", origin = "NZ", packSize = "12 kg case", archived = false,
        )
    private val stock =
        ItemStock(
            item = apples,
            lines =
                listOf(
                    StockLine("wh-north", "I000042", "L-2412-07", "2026-12-20", "A-01-02", serverQty = 40, pendingDelta = -2, qty = 38),
                    StockLine("wh-north", "I000042", "L-2411-30", "2026-12-14", "B-03-01", serverQty = 15, pendingDelta = 0, qty = 15),
                ),
            totalQty = 53,
        )

    private fun render(root: View, name: String): Bitmap {
        root.measure(View.MeasureSpec.makeMeasureSpec(w, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(h, View.MeasureSpec.EXACTLY))
        root.layout(0, 0, w, h)
        // What attaching to a window does: checked radio buttons show their end state, not
        // the first frame of the check animation.
        root.jumpDrawablesToCurrentState()
        val bitmap = Bitmap.createBitmap(w, h, Bitmap.Config.ARGB_8888)
        root.draw(Canvas(bitmap))
        // Written before any check, so a failing render can be looked at.
        val dir = File(System.getProperty("companion.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }
        File(dir, "$name.png").outputStream().use { assertTrue(bitmap.compress(Bitmap.CompressFormat.PNG, 100, it)) }
        return bitmap
    }

    /** [view]'s bounds in [root]'s pixels. */
    private fun boundsIn(root: View, view: View): Rect {
        var x = 0
        var y = 0
        var v: View? = view
        while (v != null && v !== root) {
            x += v.left - v.scrollX
            y += v.top - v.scrollY
            v = v.parent as? View
        }
        return Rect(x, y, x + view.width, y + view.height)
    }

    private fun near(pixel: Int, color: Int, tolerance: Int = 40) =
        abs(Color.red(pixel) - Color.red(color)) + abs(Color.green(pixel) - Color.green(color)) + abs(Color.blue(pixel) - Color.blue(color)) <= tolerance

    private fun luma(pixel: Int) = (Color.red(pixel) * 299 + Color.green(pixel) * 587 + Color.blue(pixel) * 114) / 1000

    private fun count(bitmap: Bitmap, area: Rect, test: (Int) -> Boolean): Int =
        (area.top until area.bottom).sumOf { y -> (area.left until area.right).count { x -> test(bitmap.getPixel(x, y)) } }

    @Test
    fun `sign-in screen with the error drawn in red`() {
        val screen = SignInScreen(activity, CompanionClient(NoHandle), idle)
        screen.username.setText("maria")
        screen.password.setText("wrong")
        screen.showProblem(Problem("The user name or password was not accepted. Check both and try again."))
        val bitmap = render(screen, "sign-in")

        val error = boundsIn(screen, screen.problem.text)
        assertTrue("the error has room: $error", error.height() > 20 && error.width() > 300)
        val red = count(bitmap, error) { near(it, ProblemView.PROBLEM_RED) }
        assertTrue("the error text is drawn in red ($red pixels)", red > 300)
        val field = boundsIn(screen, screen.username)
        assertEquals("no red in the user name field", 0, count(bitmap, field) { near(it, ProblemView.PROBLEM_RED, 20) })
        // Typed text is dark on the white screen whatever the theme (a dark theme's light text was unreadable).
        assertTrue("the user name is drawn dark", count(bitmap, field) { luma(it) < 80 } > 150)
        assertTrue("the password is masked", screen.password.transformationMethod is android.text.method.PasswordTransformationMethod)
        assertTrue("the user name is not", screen.username.transformationMethod !is android.text.method.PasswordTransformationMethod)
    }

    @Test
    fun `stock lookup mid-download with the bar filled to the download's fraction`() {
        val screen = StockLookupScreen(activity, Inventory(NoHandle), idle) {}
        screen.syncStatus.render(SyncStatus(SyncActivity.Syncing(done = 1200, total = 4000), pending = 3, lastSyncedAt = null))
        screen.query.setText("apples")
        screen.showResults(listOf(apples, apples.copy(itemId = "I000043", sku = "APL-BRA-12", name = "Braeburn apples", variety = "Braeburn")))
        val bitmap = render(screen, "stock-lookup")

        assertEquals("Downloading: 1200 of 4000 rows", screen.syncStatus.activityText.text.toString())
        assertEquals("3 changes waiting to be sent", screen.syncStatus.pendingText.text.toString())
        val bar = boundsIn(screen, screen.syncStatus.progress)
        assertTrue("the bar is laid out: $bar", bar.width() > 500 && bar.height() > 0)
        val y = bar.centerY()
        val filled = (bar.left until bar.right).count { near(bitmap.getPixel(it, y), DownloadProgressBar.FILL, 6) }
        val expected = Math.round(bar.width() * 0.3f)
        assertTrue("30% of the bar is filled: $filled of ${bar.width()} (expected $expected)", abs(filled - expected) <= 1)
        assertTrue("filled from the left", near(bitmap.getPixel(bar.left, y), DownloadProgressBar.FILL, 6))
        assertTrue("the rest is track", near(bitmap.getPixel(bar.left + expected + 2, y), DownloadProgressBar.TRACK, 6))
        assertTrue("the rows are drawn", count(bitmap, boundsIn(screen, screen.results)) { Color.red(it) < 80 } > 500)
    }

    @Test
    fun `item stock with the pending line in the pending colour`() {
        val screen = ItemStockScreen(activity, Inventory(NoHandle), "wh-north", "I000042", idle) { _, _ -> }
        screen.render(stock)
        screen.syncStatus.render(SyncStatus(SyncActivity.Idle, pending = 1, lastSyncedAt = java.time.Instant.parse("2026-12-07T09:00:00Z")))
        val bitmap = render(screen, "item-stock")

        val pending = screen.lines.getChildAt(0) as TextView
        assertTrue(pending.text.toString(), pending.text.endsWith("38 kg  (-2 pending)"))
        val orangeInPending = count(bitmap, boundsIn(screen, pending)) { near(it, ItemStockScreen.PENDING_ORANGE) }
        val orangeInSynced = count(bitmap, boundsIn(screen, screen.lines.getChildAt(1))) { near(it, ItemStockScreen.PENDING_ORANGE) }
        assertTrue("the pending line is orange ($orangeInPending pixels)", orangeInPending > 300)
        assertEquals("the synced line is not", 0, orangeInSynced)
        assertEquals(View.GONE, screen.syncStatus.progress.visibility)
        val actions = screen.actionButtons.values.map { boundsIn(screen, it) }
        assertTrue("each action's label fits on one line: $actions", actions.all { it.height() == actions.first().height() && it.width() > 150 })
    }

    @Test
    fun `stock action (adjust) with the reason chosen`() {
        val screen = StockActionScreen(activity, Inventory(NoHandle), stock, MovementKind.ADJUST, idle) {}
        screen.qty.setText("2")
        screen.reasonButtons.getValue(AdjustReason.DAMAGE).isChecked = true
        val bitmap = render(screen, "stock-action")

        assertEquals("the first line is chosen", "L-2412-07", screen.lot.text.toString())
        val choice = boundsIn(screen, screen.lines.getChildAt(0))
        assertTrue("the lot and bin choice is labelled in dark text", count(bitmap, choice) { luma(it) < 80 } > 300)
        assertTrue("the quantity is drawn dark", count(bitmap, boundsIn(screen, screen.qty)) { luma(it) < 80 } > 50)
        val record = boundsIn(screen, screen.recordButton)
        assertTrue("the Record button is on screen: $record", record.bottom <= h && record.height() > 40)
        assertTrue("the Record button is drawn", count(bitmap, record) { it != Color.WHITE } > 500)
    }

    @Test
    fun `notification settings with the Settings note in red after a refusal`() {
        val account = Account("acc-1", "maria", "Maria Keller", listOf(Warehouse("wh-north", "North"), Warehouse("wh-south", "South")))
        val screen =
            NotificationSettingsScreen(activity, PushNotifications(NoHandle), PointOfUsePermissions(activity, Permissions(NoHandle)), account, idle) {}
        screen.showPreferences(listOf(Preference(Category.PURCHASE_ORDER, null, false)))
        screen.showDecision(PermissionDecision(Feature.NOTIFICATIONS, emptyList(), PermissionAction.OpenSettings(listOf(Permission.NOTIFICATIONS), false)))
        val bitmap = render(screen, "notification-settings")

        assertEquals("Open Settings", screen.permissionButton.text.toString())
        val note = boundsIn(screen, screen.permissionNote)
        assertTrue("the note is drawn in red", count(bitmap, note) { near(it, ProblemView.PROBLEM_RED) } > 300)
        val label = boundsIn(screen, screen.switches.getValue(Category.STOCK_BELOW_THRESHOLD to "wh-north"))
        assertTrue("the switch labels are drawn dark", count(bitmap, label) { luma(it) < 80 } > 200)
        assertTrue("switches are usable once the preferences are shown", screen.switches.values.all { it.isEnabled })
        assertEquals(listOf(false), screen.switches.values.filter { !it.isChecked }.map { it.isChecked })
    }

    @Test
    fun `profile with the pending work choice`() {
        val screen = ProfileScreen(activity, AccountData(NoHandle), idle, requiredPhrase = "DELETE MY ACCOUNT")
        screen.profile.text = "Dave Okafor\ndave\nDriver"
        screen.phrase.setText("DELETE MY ACCOUNT")
        screen.password.setText("secret")
        screen.showPendingWork(Problem("1 stock movement and 0 other changes are not sent yet. Sync them first, or discard them."))
        val bitmap = render(screen, "profile-deletion")

        val problem = boundsIn(screen, screen.problem.text)
        assertTrue("the counts are drawn in red", count(bitmap, problem) { near(it, ProblemView.PROBLEM_RED) } > 300)
        val sync = boundsIn(screen, screen.syncFirstButton)
        val discard = boundsIn(screen, screen.discardButton)
        assertTrue("Sync and Discard are both on screen: $sync $discard", sync.height() > 40 && discard.top >= sync.bottom && discard.bottom <= h)
        assertTrue("the Discard button is drawn", count(bitmap, discard) { it != Color.WHITE } > 500)
        assertEquals("the choice replaces Delete my account", View.GONE, screen.deleteButton.visibility)
        assertTrue("the password is masked", screen.password.transformationMethod is android.text.method.PasswordTransformationMethod)
    }
}
