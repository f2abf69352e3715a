package app.companion.robotests

import android.app.Activity
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Rect
import android.view.View
import android.widget.TextView
import android.view.MotionEvent
import app.companion.CompanionClient
import app.companion.Deliveries
import app.companion.android.DeliveryLocation
import app.companion.android.screens.DeliveriesScreen
import app.companion.android.screens.ProofCaptureScreen
import app.companion.android.screens.SignaturePadView
import app.companion.core.DeliveriesStatus
import app.companion.core.DeliveryCapture
import app.companion.core.ExportPhase
import app.companion.core.ExportProgress
import app.companion.core.ProfileView
import app.companion.core.ProofState
import app.companion.core.StopProofStatus
import app.companion.wire.Address
import app.companion.wire.Customer
import app.companion.wire.DeliveryOutcome
import app.companion.wire.ExpectedItem
import app.companion.wire.GeoPoint
import app.companion.wire.GeofenceAssessment
import app.companion.wire.GeofenceVerdict
import app.companion.wire.ItemDiscrepancy
import app.companion.wire.ItemScan
import app.companion.wire.LocationAuthorization
import app.companion.wire.LocationFix
import app.companion.wire.LocationProvider
import app.companion.wire.PhotoRef
import app.companion.wire.Profile
import app.companion.wire.ProofPolicy
import app.companion.wire.Route
import app.companion.wire.Stop
import app.companion.wire.StopStatus
import app.companion.wire.TimeWindow
import app.companion.wire.TriState
import java.time.ZoneId
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

    /** Measures and lays [root] out as a [w] × [height] screen. */
    private fun layOut(root: View, height: Int = h) {
        root.measure(View.MeasureSpec.makeMeasureSpec(w, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(height, View.MeasureSpec.EXACTLY))
        root.layout(0, 0, w, height)
    }

    /** [root] drawn as a [w] × [height] screen (a long form gets a taller one) and written as `name.png`. */
    private fun render(root: View, name: String, height: Int = h): Bitmap {
        layOut(root, height)
        // What attaching to a window does: checked radio buttons show their end state, not
        // the first frame of the check animation.
        root.jumpDrawablesToCurrentState()
        val bitmap = Bitmap.createBitmap(w, height, Bitmap.Config.ARGB_8888)
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
        screen.showProfile(ProfileView(Profile("acct-dave", "dave", "Dave Okafor", "", "Driver", 0), pendingSync = false))
        screen.phrase.setText("DELETE MY ACCOUNT")
        screen.password.setText("secret")
        screen.showPendingWork(Problem("1 stock movement and 0 other changes are not sent yet. Sync them first, or discard them."))
        // The export and the edit come first on the page now: a taller page shows the deletion too.
        val tall = 1700
        val bitmap = render(screen, "profile-deletion", tall)

        val problem = boundsIn(screen, screen.problem.text)
        assertTrue("the counts are drawn in red", count(bitmap, problem) { near(it, ProblemView.PROBLEM_RED) } > 300)
        val sync = boundsIn(screen, screen.syncFirstButton)
        val discard = boundsIn(screen, screen.discardButton)
        assertTrue("Sync and Discard are both on screen: $sync $discard", sync.height() > 40 && discard.top >= sync.bottom && discard.bottom <= tall)
        assertTrue("the Discard button is drawn", count(bitmap, discard) { it != Color.WHITE } > 500)
        assertEquals("the choice replaces Delete my account", View.GONE, screen.deleteButton.visibility)
        assertTrue("the password is masked", screen.password.transformationMethod is android.text.method.PasswordTransformationMethod)
    }

    // ---- deliveries and the profile's edit and export (issue 13) ----

    private val amsterdam = ZoneId.of("Europe/Amsterdam")

    /** 2026-12-07 in UTC milliseconds at [hourUtc]. */
    private fun at(hourUtc: Int) = java.time.Instant.parse("2026-12-07T00:00:00Z").toEpochMilli() + hourUtc * 3_600_000L

    private val policy =
        ProofPolicy(
            photosRequired = 1u, signatureRequired = true, recipientNameRequired = true, itemScanRequired = false,
            pinRequired = false, strictRadiusM = 200u, warnRadiusM = 500u, maxFixAgeS = 120u,
        )

    private val stops =
        listOf(
            Stop(
                "stop-dave-1", 1u, Customer("cust-markt", "Groenteboer De Markt"),
                Address(listOf("Binnenrotte 120", "3011 HC Rotterdam"), GeoPoint(519_225_100, 44_879_300)), TimeWindow(at(5), at(8)),
                listOf(
                    ExpectedItem("l1", "08712345678906", "L2611", "Vine tomatoes 6 kg", 12),
                    ExpectedItem("l2", "08712345000011", null, "Cucumbers 12 ct", 6),
                ),
                policy, StopStatus.PENDING,
            ),
            Stop(
                "stop-dave-2", 2u, Customer("cust-maas", "Restaurant Aan de Maas"),
                Address(listOf("Maasboulevard 5", "3011 TX Rotterdam"), GeoPoint(519_188_300, 44_952_100)), TimeWindow(at(7), at(10)),
                listOf(ExpectedItem("l1", "08712345111113", "L2614", "Little gem lettuce", 4)), policy, StopStatus.PENDING,
            ),
            Stop(
                "stop-dave-3", 3u, Customer("cust-noord", "Hotel Noord"),
                Address(listOf("Noordsingel 90", "3035 EM Rotterdam"), GeoPoint(519_307_200, 44_753_800)), TimeWindow(at(8), at(11)),
                listOf(ExpectedItem("l1", "08712345222222", null, "Strawberries 250 g", 40)), policy, StopStatus.PENDING,
            ),
        )

    @Test
    fun `deliveries with the routes' stops and a proof waiting to upload`() {
        val screen = DeliveriesScreen(activity, Deliveries(NoHandle), idle, amsterdam) {}
        screen.showRoutes(listOf(Route("route-dave-1", "wh-north", "2026-12-07", stops)))
        screen.showStatus(
            DeliveriesStatus(
                listOf(StopProofStatus("stop-dave-1", "proof-1", ProofState.Sealed(1uL, "9f".repeat(32)), null), StopProofStatus("stop-dave-2", "proof-2", ProofState.Draft, null)),
                queued = 1u,
                uploading = false,
            ),
        )
        val bitmap = render(screen, "deliveries-routes")

        val first = screen.stopRows.getValue("stop-dave-1")
        assertEquals(
            "1. Groenteboer De Markt\nBinnenrotte 120, 3011 HC Rotterdam\n06:00–09:00 · proof sealed, waiting to upload",
            first.text.toString(),
        )
        assertTrue(screen.stopRows.getValue("stop-dave-3").text.endsWith("09:00–12:00 · to deliver"))
        assertEquals("1 proof waiting to upload", screen.queueText.text.toString())
        assertEquals(View.VISIBLE, screen.uploadButton.visibility)
        val rows = screen.stopRows.values.map { boundsIn(screen, it) }
        assertTrue("all three stops on screen: $rows", rows.all { it.height() > 60 && it.bottom <= h })
        assertTrue("each stop is drawn in dark text", rows.all { r -> count(bitmap, r) { luma(it) < 80 } > 300 })
    }

    private fun capture(geofence: GeofenceAssessment, fix: LocationFix?, missing: List<String>) =
        DeliveryCapture(
            stopId = "stop-dave-1", routeId = "route-dave-1", proofId = "proof-1", state = ProofState.Draft,
            outcome = DeliveryOutcome.Delivered, recipientName = "Marieke Jansen", signature = null,
            photos = listOf(PhotoRef("ab".repeat(32), 412_000uL, 1536u, 2048u)),
            scannedItems = listOf(ItemScan("08712345678906", "L2611", 12, null), ItemScan("08712345000011", null, 4, "label torn")),
            discrepancies =
                listOf(ItemDiscrepancy.Short("l2", "08712345000011", 6, 4), ItemDiscrepancy.ManualEntry("08712345000011", null, "label torn")),
            fix = fix, geofence = geofence, geofenceOverride = null, pinEntered = false, notes = null, missing = missing,
            startedAtMs = at(6), updatedAtMs = at(6) + 60_000,
        )

    private fun fix(accuracyCm: UInt, authorization: LocationAuthorization) =
        LocationFix(
            GeoPoint(519_227_800, 44_879_300), accuracyCm, at(6), 2_000uL, LocationProvider.FUSED,
            TriState.NO, TriState.UNKNOWN, TriState.UNKNOWN, authorization,
        )

    private fun proofCapture(): ProofCaptureScreen {
        val deliveries = Deliveries(NoHandle)
        val permissions = Permissions(NoHandle)
        return ProofCaptureScreen(
            activity, deliveries, stops[0], PointOfUsePermissions(activity, permissions), permissions, { null },
            DeliveryLocation(activity, deliveries), idle, {}, amsterdam, scanner = app.companion.Scanner(NoHandle),
        )
    }

    /** A finger signing: one stroke through [points] (pad pixels), 16 ms apart. */
    private fun sign(pad: SignaturePadView, start: Long, points: List<Pair<Float, Float>>) {
        pad.dispatchTouchEvent(MotionEvent.obtain(start, start, MotionEvent.ACTION_DOWN, points[0].first, points[0].second, 0))
        points.drop(1).forEachIndexed { i, (x, y) ->
            val action = if (i == points.size - 2) MotionEvent.ACTION_UP else MotionEvent.ACTION_MOVE
            pad.dispatchTouchEvent(MotionEvent.obtain(start, start + 16L * (i + 1), action, x, y, 0))
        }
    }

    @Test
    fun `proof capture with a signature drawn on the pad and the fix inside the geofence`() {
        val screen = proofCapture()
        screen.render(
            capture(
                GeofenceAssessment(GeofenceVerdict.INSIDE, null, 30.2, 2.0, 8.0, mocked = false, stale = false),
                fix(800u, LocationAuthorization.PRECISE),
                missing = listOf("signature"),
            ),
        )
        screen.recipient.setText("Marieke Jansen")
        val tall = 3600
        layOut(screen, tall)
        val pad = screen.signaturePad
        assertTrue("the pad is laid out: ${pad.width}x${pad.height}", pad.width > 500 && pad.height >= 300)
        // A signature in two strokes across the pad, as a finger draws it.
        val wave = (0..24).map { i -> 40f + i * 14f to 200f - 110f * kotlin.math.sin(i / 3.0).toFloat().let { if (i % 8 < 4) it else it * 0.6f } }
        sign(pad, 1_000, wave)
        sign(pad, 1_600, listOf(420f to 250f, 470f to 235f, 540f to 240f, 600f to 228f))
        assertEquals(2, pad.strokes().strokes.size)
        assertTrue("the signature can be used", screen.useSignatureButton.isEnabled)
        val bitmap = render(screen, "proof-capture", tall)

        val padArea = boundsIn(screen, pad)
        val ink = count(bitmap, padArea) { near(it, SignaturePadView.INK, 60) }
        assertTrue("the strokes are drawn in ink on the pad ($ink pixels)", ink > 1_500)
        assertTrue("the pad's background is its own grey", near(bitmap.getPixel(padArea.right - 4, padArea.top + 4), SignaturePadView.PAD, 6))
        assertEquals("At the address (30 m from the address)", screen.geofenceText.text.toString())
        val green = count(bitmap, boundsIn(screen, screen.geofenceText)) { near(it, ProofCaptureScreen.INSIDE_GREEN) }
        assertTrue("the verdict inside is green ($green pixels)", green > 200)
        assertEquals("Still needed: signature", screen.missingText.text.toString())
        val orange = count(bitmap, boundsIn(screen, screen.missingText)) { near(it, ProofCaptureScreen.ATTENTION_ORANGE) }
        assertTrue("what is missing is orange ($orange pixels)", orange > 200)
        assertEquals("Within 8 m (precise)", screen.fixText.text.toString())
        assertEquals(View.GONE, screen.overrideReason.visibility)
        assertEquals("Cucumbers 12 ct: 4 of 6", (screen.manifestList.getChildAt(1) as TextView).text.toString())
        val seal = boundsIn(screen, screen.sealButton)
        assertTrue("the seal button is on the page: $seal", seal.bottom <= tall && seal.height() > 40)
        assertTrue("sealing waits for the signature", !screen.sealButton.isEnabled)
    }

    @Test
    fun `proof capture with an approximate fix, the geofence unknown and the override offered`() {
        val screen = proofCapture()
        screen.render(
            capture(
                GeofenceAssessment(GeofenceVerdict.UNKNOWN, app.companion.wire.UnknownReason.APPROXIMATE_ONLY, 640.0, 180.0, 1500.0, mocked = false, stale = false),
                fix(150_000u, LocationAuthorization.APPROXIMATE),
                missing = emptyList(),
            ),
        )
        screen.overrideReason.setText("Goods-in door at the back")
        val tall = 3600
        val bitmap = render(screen, "proof-capture-approximate", tall)

        assertEquals("Place unknown: the location is approximate (precise location is off)", screen.geofenceText.text.toString())
        assertEquals("Within 1500 m (approximate)", screen.fixText.text.toString())
        val orange = count(bitmap, boundsIn(screen, screen.geofenceText)) { near(it, ProofCaptureScreen.ATTENTION_ORANGE) }
        assertTrue("an unknown verdict is orange ($orange pixels)", orange > 200)
        assertEquals(View.VISIBLE, screen.overrideReason.visibility)
        val override = boundsIn(screen, screen.overrideButton)
        assertTrue("the override button is drawn: $override", override.height() > 40 && count(bitmap, override) { it != Color.WHITE } > 500)
    }

    private val daveProfile = ProfileView(Profile("acct-dave", "dave", "Dave Okafor", "+31 10 123 4567", "Driver", 0), pendingSync = false)

    @Test
    fun `profile edit with the fields filled`() {
        val screen = ProfileScreen(activity, AccountData(NoHandle), idle, requiredPhrase = "DELETE MY ACCOUNT")
        screen.showProfile(daveProfile)
        screen.startEditing()
        screen.jobTitle.setText("Driver, night shift")
        val bitmap = render(screen, "profile-edit")

        assertEquals(View.VISIBLE, screen.editForm.visibility)
        assertEquals(View.GONE, screen.editButton.visibility)
        assertEquals("Dave Okafor", screen.displayName.text.toString())
        for (field in listOf(screen.displayName, screen.phone, screen.jobTitle)) {
            assertTrue("the typed text is drawn dark", count(bitmap, boundsIn(screen, field)) { luma(it) < 80 } > 150)
        }
        val save = boundsIn(screen, screen.saveButton)
        assertTrue("Save is on screen: $save", save.height() > 40 && save.bottom <= h)
    }

    @Test
    fun `profile with the export downloading and its bar filled to the progress`() {
        val screen = ProfileScreen(activity, AccountData(NoHandle), idle, requiredPhrase = "DELETE MY ACCOUNT")
        screen.showProfile(daveProfile)
        screen.showExport(ExportProgress("exp-1", ExportPhase.DOWNLOADING, bytesDone = 3L * 1024 * 1024, bytesTotal = 8L * 1024 * 1024))
        val bitmap = render(screen, "profile-export")

        assertEquals("Downloading: 3.0 MB of 8.0 MB", screen.exportText.text.toString())
        val bar = boundsIn(screen, screen.exportBar)
        assertTrue("the bar is laid out: $bar", bar.width() > 500 && bar.height() > 0 && bar.bottom <= h)
        val y = bar.centerY()
        val filled = (bar.left until bar.right).count { near(bitmap.getPixel(it, y), DownloadProgressBar.FILL, 6) }
        val expected = Math.round(bar.width() * 0.375f)
        assertTrue("3 of 8 MB fill 37.5% of the bar: $filled of ${bar.width()} (expected $expected)", abs(filled - expected) <= 1)
        assertTrue("the rest is track", near(bitmap.getPixel(bar.right - 2, y), DownloadProgressBar.TRACK, 6))
        val export = boundsIn(screen, screen.exportButton)
        val delete = boundsIn(screen, screen.deleteButton)
        assertTrue("the export is offered above the deletion: $export $delete", export.bottom <= delete.top)
    }
}
