package app.companion.robotests

import android.Manifest
import android.content.Intent
import android.location.LocationManager
import android.net.Uri
import android.os.SystemClock
import android.view.MotionEvent
import android.view.View
import app.companion.android.DeliveryLocation
import app.companion.android.ExportShareProvider
import app.companion.android.screens.ProfileScreen
import app.companion.android.screens.SignaturePadView
import app.companion.core.Degradation
import app.companion.core.ExportPhase
import app.companion.core.ProofState
import app.companion.wire.DeliveryOutcome
import app.companion.wire.GeofenceVerdict
import app.companion.wire.ItemDiscrepancy
import app.companion.wire.LocationAuthorization
import app.companion.wire.SignatureOutcome
import app.companion.wire.StopStatus
import app.companion.wire.UnknownReason
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf

/**
 * The deliveries and profile screens against a real `companion serve`, driven through the
 * app's navigation: dave's stop captured from the screen (the permission prompt at the point
 * of use, a fix from Robolectric's LocationManager, the fixture photo, a signature drawn with
 * MotionEvents, recipient, outcome), sealed, uploaded, and the server's receipt verified and
 * seen by another phone; with only approximate location the geofence is unknown and can be
 * overridden with a reason; a profile correction reaches the server; the export runs to the
 * end with its progress shown.
 */
@RunWith(RobolectricTestRunner::class)
class DeliveryScreensTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private val driver = DriverScreens(server)
    private val screens get() = driver.screens
    private val activity get() = driver.activity
    private val host get() = driver.host
    private val app get() = driver.app
    private val locationManager get() = driver.locationManager

    @After
    fun tearDown() {
        val asked = screens?.let { shadowOf(it.activity).lastRequestedPermission?.requestedPermissions?.toList() }.orEmpty()
        driver.close()
        assertTrue("background location is never requested: $asked", asked.none { it == Manifest.permission.ACCESS_BACKGROUND_LOCATION })
    }

    private fun phone(user: String) = driver.phone(user)

    private fun signedIn(user: String) = driver.signedIn(user)

    private fun open(link: String) = driver.open(link)

    private fun openStop(stopId: String) = driver.openStop(stopId)

    private fun locationOn() = driver.locationOn()

    private fun placeFix(provider: String, lat: Double, lon: Double, northM: Double, accuracyM: Float) = driver.placeFix(provider, lat, lon, northM, accuracyM)

    /** A finger drawing [points] (pad pixels) as one stroke, 16 ms apart, with a batched move. */
    private fun draw(pad: SignaturePadView, start: Long, vararg points: Pair<Float, Float>) {
        val (x0, y0) = points.first()
        pad.dispatchTouchEvent(MotionEvent.obtain(start, start, MotionEvent.ACTION_DOWN, x0, y0, 0))
        var t = start
        for ((x, y) in points.drop(1).dropLast(1)) {
            t += 16
            pad.dispatchTouchEvent(MotionEvent.obtain(start, t, MotionEvent.ACTION_MOVE, x, y, 0))
        }
        val (xn, yn) = points.last()
        t += 16
        pad.dispatchTouchEvent(MotionEvent.obtain(start, t, MotionEvent.ACTION_UP, xn, yn, 0))
    }

    @Test
    fun `a proof captured on the screen is sealed, uploaded and held by the server`() {
        val phone = signedIn("dave")
        locationOn()
        val shadowActivity = shadowOf(activity)
        val screen = openStop("stop-dave-1")

        // Opening the capture asks for the camera and location, at this point only.
        waitFor("the permission prompt") { shadowActivity.lastRequestedPermission != null }
        val prompt = shadowActivity.lastRequestedPermission
        assertEquals(
            listOf(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
            prompt.requestedPermissions.toList(),
        )
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        val stop = screen.stop
        val provider = requireNotNull(DeliveryLocation(activity, phone.client.deliveries()).provider()) { "no provider: ${locationManager.allProviders}" }
        placeFix(provider, stop.address.point.latE7 / 1e7, stop.address.point.lonE7 / 1e7, northM = 30.0, accuracyM = 8f)
        assertTrue(screens!!.permissions.onRequestPermissionsResult(prompt.requestCode, prompt.requestedPermissions, IntArray(3)))

        waitFor("the fix judged inside") { screen.capture?.geofence?.verdict == GeofenceVerdict.INSIDE }
        val fix = requireNotNull(screen.capture?.fix)
        assertEquals(LocationAuthorization.PRECISE, fix.authorization)
        assertEquals(800u, fix.accuracyCm)
        assertEquals("Within 8 m (precise)", screen.fixText.text.toString())
        assertTrue(screen.geofenceText.text.toString(), Regex("At the address \\((29|30|31) m from the address\\)").matches(screen.geofenceText.text))
        assertEquals("no override offered inside the geofence", View.GONE, screen.overrideReason.visibility)
        assertTrue(screen.degraded.isEmpty())

        // Photo from the Activity's camera.
        screen.takePhotoButton.performClick()
        waitFor("the photo kept") { screen.capture?.photos?.size == 1 }
        assertEquals(1, (activity as FixtureCameraActivity).photosTaken)
        assertTrue("downscaled by the core", screen.capture!!.photos[0].width <= 2048u)
        assertEquals("Photos (1 of 1 required)", screen.photosTitle.text.toString())

        // Two strokes drawn on the pad.
        val pad = screen.signaturePad
        waitFor("the pad laid out") { pad.width > 100 && pad.height > 100 }
        assertFalse(screen.useSignatureButton.isEnabled)
        val t0 = SystemClock.uptimeMillis()
        draw(pad, t0, 20f to 120f, 60f to 40f, 100f to 120f, 140f to 50f)
        draw(pad, t0 + 400, 170f to 90f, 230f to 80f, 280f to 100f)
        assertTrue(screen.useSignatureButton.isEnabled)
        screen.useSignatureButton.performClick()
        waitFor("the signature recorded") { screen.capture?.signature is SignatureOutcome.Signed }
        val signed = screen.capture!!.signature as SignatureOutcome.Signed
        assertEquals(listOf(4, 3), signed.strokes.strokes.map { it.points.size })
        assertEquals(pad.width.toUInt(), signed.strokes.width)
        assertEquals(listOf(0u, 16u, 32u, 48u), signed.strokes.strokes[0].points.map { it.tMs })
        assertEquals(400u, signed.strokes.strokes[1].points[0].tMs)
        assertEquals("Signature recorded", screen.signatureText.text.toString())

        // Recipient and outcome.
        screen.recipient.setText("Marieke Jansen")
        screen.saveRecipientButton.performClick()
        waitFor("the recipient saved") { screen.capture?.recipientName == "Marieke Jansen" }
        screen.deliveredButton.performClick()
        waitFor("the outcome saved") { screen.capture?.outcome == DeliveryOutcome.Delivered }
        assertEquals("Recorded: delivered", screen.outcomeText.text.toString())
        assertEquals(emptyList<String>(), screen.capture!!.missing)
        assertTrue("sealing is possible once nothing is missing", screen.sealButton.isEnabled)

        // Seal and upload.
        screen.sealButton.performClick()
        waitFor("the proof uploaded", 60_000) { screen.capture?.state is ProofState.Uploaded }
        waitFor("the state shown") { screen.stateText.text.toString() == "proof received by the office" }
        assertEquals(View.GONE, screen.sealButton.visibility)

        // The server has it: its countersigned receipt checks out on this phone...
        val check = runBlocking { phone.client.deliveries().verifyReceipt("stop-dave-1") }
        assertTrue("$check", check.countersignatureValid && check.serverKeyPinned && check.matchesSeal)
        assertEquals(GeofenceVerdict.INSIDE, check.receipt.geofence)
        // ...and another phone of dave's sees the stop completed.
        val other = phone("dave")
        val stopThere = runBlocking { other.client.deliveries().downloadRoutes(null) }.flatMap { it.stops }.first { it.id == "stop-dave-1" }
        assertEquals(StopStatus.COMPLETED, stopThere.status)
    }

    @Test
    fun `approximate location only gives an unknown geofence, overridden with a reason, and items count against the manifest`() {
        val phone = signedIn("dave")
        // Camera and approximate location granted earlier (the user turned "precise" off).
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_COARSE_LOCATION)
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(Manifest.permission.ACCESS_FINE_LOCATION, false)
        locationOn()
        val provider = requireNotNull(DeliveryLocation(activity, phone.client.deliveries()).provider()) { "no provider: ${locationManager.allProviders}" }
        assertTrue("no GPS without fine location: $provider", provider != LocationManager.GPS_PROVIDER)
        // Dave at the very door, but an approximate fix is blurred and judged unknown all the same.
        val door = runBlocking { phone.client.deliveries().downloadRoutes(null) }.flatMap { it.stops }.first { it.id == "stop-dave-3" }
        placeFix(provider, door.address.point.latE7 / 1e7, door.address.point.lonE7 / 1e7, northM = 0.0, accuracyM = 1_500f)

        val screen = openStop("stop-dave-3")
        waitFor("the approximate fix") { screen.capture?.fix != null }
        assertEquals(listOf(Degradation.GEOFENCE_UNKNOWN), screen.degraded)
        assertNull("nothing asked: the core carries on with less", shadowOf(activity).lastRequestedPermission)
        val capture = screen.capture!!
        assertEquals(LocationAuthorization.APPROXIMATE, capture.fix!!.authorization)
        assertEquals(GeofenceVerdict.UNKNOWN, capture.geofence.verdict)
        assertEquals(UnknownReason.APPROXIMATE_ONLY, capture.geofence.unknownReason)
        assertEquals("Place unknown: the location is approximate (precise location is off)", screen.geofenceText.text.toString())
        assertEquals("Within 1500 m (approximate)", screen.fixText.text.toString())
        assertEquals(View.VISIBLE, screen.accessNote.visibility)

        // An override needs a reason: none typed, nothing is sent.
        assertEquals(View.VISIBLE, screen.overrideReason.visibility)
        screen.overrideButton.performClick()
        assertTrue(screen.overrideReason.error != null)
        screen.overrideReason.setText("Goods-in door at the back, checked with the manager")
        screen.overrideButton.performClick()
        waitFor("the override saved") { screen.capture?.geofenceOverride != null }
        assertEquals("Goods-in door at the back, checked with the manager", screen.capture!!.geofenceOverride!!.reason)
        assertEquals("the verdict stays unknown", GeofenceVerdict.UNKNOWN, screen.capture!!.geofence.verdict)
        assertEquals(View.VISIBLE, screen.withdrawOverrideButton.visibility)

        // 30 of the 40 strawberries, typed in from a torn label: short, and flagged as typed.
        screen.gtin.setText("08712345222222")
        screen.itemQty.setText("30")
        screen.addItemButton.performClick()
        assertTrue("a typed item needs the reason", screen.manualReason.error != null)
        screen.manualReason.setText("label torn")
        screen.addItemButton.performClick()
        waitFor("the item kept") { screen.capture?.scannedItems?.size == 1 }
        // The core reconciles once the goods are handed over.
        screen.deliveredButton.performClick()
        waitFor("the item reconciled") { screen.capture?.discrepancies?.isNotEmpty() == true }
        val discrepancies = screen.capture!!.discrepancies
        assertTrue("$discrepancies", discrepancies.any { it is ItemDiscrepancy.Short && it.expected == 40L && it.scanned == 30L })
        assertTrue("$discrepancies", discrepancies.any { it is ItemDiscrepancy.ManualEntry && it.reason == "label torn" })
        val shown = (0 until screen.discrepancyList.childCount).map { (screen.discrepancyList.getChildAt(it) as android.widget.TextView).text.toString() }
        assertTrue("$shown", "08712345222222: 30 of 40, short" in shown)
        assertEquals("Strawberries 250 g: 30 of 40", (screen.manifestList.getChildAt(0) as android.widget.TextView).text.toString())
    }

    @Test
    fun `location turned on in Settings counts when the driver comes back, without reopening the stop`() {
        val phone = signedIn("dave")
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        shadowOf(locationManager).setLocationEnabled(false)
        val screen = openStop("stop-dave-2")
        waitFor("the offer of Settings") { screen.accessButton.visibility == View.VISIBLE }
        assertEquals("Open Settings", screen.accessButton.text.toString())
        assertNull("no fix while location is off", screen.capture?.fix)
        screen.accessButton.performClick()
        assertEquals(android.provider.Settings.ACTION_LOCATION_SOURCE_SETTINGS, shadowOf(activity).nextStartedActivity.action)

        // In Settings the driver turns location on; back in the app the capture carries on.
        screens!!.controller.pause()
        locationOn()
        val door = runBlocking { phone.client.deliveries().downloadRoutes(null) }.flatMap { it.stops }.first { it.id == "stop-dave-2" }
        val provider = requireNotNull(DeliveryLocation(activity, phone.client.deliveries()).provider())
        placeFix(provider, door.address.point.latE7 / 1e7, door.address.point.lonE7 / 1e7, northM = 20.0, accuracyM = 8f)
        screens!!.controller.resume()
        waitFor("the fix taken after coming back") { screen.capture?.fix != null }
        assertEquals(View.GONE, screen.accessButton.visibility)
        assertEquals(View.GONE, screen.accessNote.visibility)
        assertEquals(emptyList<Degradation>(), screen.degraded)
        assertNull("no prompt on the way back", shadowOf(activity).lastRequestedPermission)
    }

    @Test
    fun `a profile correction is saved and reaches the server`() {
        val phone = signedIn("maria")
        open("Profile")
        val screen = host.current as ProfileScreen
        waitFor("the profile") { screen.editButton.isEnabled }
        assertEquals(View.GONE, screen.editForm.visibility)
        screen.editButton.performClick()
        assertEquals(View.VISIBLE, screen.editForm.visibility)
        assertEquals(screen.view!!.profile.displayName, screen.displayName.text.toString())

        // A phone number the server refuses is marked on its field; nothing is saved.
        screen.phone.setText("call me maybe")
        screen.saveButton.performClick()
        waitFor("the refusal") { screen.editProblem.visibility == View.VISIBLE && screen.saveButton.isEnabled }
        assertTrue(screen.phone.error != null)

        screen.phone.setText("+31 10 123 4567")
        screen.jobTitle.setText("Buyer, soft fruit")
        screen.saveButton.performClick()
        waitFor("saved and sent") { screen.editForm.visibility == View.GONE && screen.view?.pendingSync == false && screen.profile.text.contains("Buyer, soft fruit") }
        assertTrue(screen.profile.text.toString(), screen.profile.text.contains("+31 10 123 4567"))

        // Another phone signed in as maria reads it from the server.
        val other = phone("maria")
        val there = runBlocking { other.client.account().profile() }.profile
        assertEquals("Buyer, soft fruit", there.jobTitle)
        assertEquals("+31 10 123 4567", there.phone)
        assertEquals(screen.view!!.profile.displayName, there.displayName)
    }

    @Test
    fun `the export runs to the end with its progress shown`() {
        val phone = signedIn("lena")
        open("Profile")
        val screen = host.current as ProfileScreen
        waitFor("the profile") { screen.editButton.isEnabled }
        val texts = mutableListOf<String>()
        screen.exportText.addTextChangedListener(
            object : android.text.TextWatcher {
                override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit

                override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit

                override fun afterTextChanged(s: android.text.Editable?) {
                    texts += s.toString()
                }
            },
        )
        screen.exportButton.performClick()
        assertFalse("one export at a time", screen.exportButton.isEnabled)
        assertEquals(View.VISIBLE, screen.cancelExportButton.visibility)
        waitFor("the export done", 60_000) { screen.exportButton.isEnabled }
        assertEquals(View.GONE, screen.problem.visibility)
        val done = texts.last()
        assertTrue("$texts", done.startsWith("Your data is ready on this phone: "))
        assertTrue("progress before the end: $texts", texts.dropLast(1).any { it.startsWith("Asking") || it.startsWith("The server is") || it.startsWith("Downloading") || it.startsWith("Checking") })
        waitFor("the stream's last word") { screen.exportProgress?.phase == ExportPhase.READY }
        assertEquals(View.VISIBLE, screen.exportBar.visibility)
        assertEquals(1f, screen.exportBar.fraction)
        assertEquals(View.GONE, screen.cancelExportButton.visibility)
        val files = runBlocking { phone.client.account().exports() }
        assertEquals(1, files.size)
        assertTrue(files[0].bytes > 0)
        assertEquals(files[0].bytes, screen.exportProgress!!.bytesTotal)

        // Share: the chooser gets a read-only grant on the plain zip, byte for byte the export.
        assertEquals(View.VISIBLE, screen.shareButton.visibility)
        Robolectric.setupContentProvider(ExportShareProvider::class.java, ExportShareProvider.authority(activity))
        screen.shareButton.performClick()
        waitFor("the share sheet") { shadowOf(activity).peekNextStartedActivity() != null }
        val chooser = shadowOf(activity).nextStartedActivity
        assertEquals(Intent.ACTION_CHOOSER, chooser.action)
        @Suppress("DEPRECATION")
        val send = requireNotNull(chooser.getParcelableExtra<Intent>(Intent.EXTRA_INTENT))
        @Suppress("DEPRECATION")
        val uri = requireNotNull(send.getParcelableExtra<Uri>(Intent.EXTRA_STREAM))
        assertTrue("read grant", send.flags and Intent.FLAG_GRANT_READ_URI_PERMISSION != 0)
        assertEquals("application/zip", send.type)
        val resolver = app.contentResolver
        assertEquals("application/zip", resolver.getType(uri))
        val bytes = requireNotNull(resolver.openInputStream(uri)).use { it.readBytes() }
        assertEquals(files[0].bytes, bytes.size.toLong())
        val sha256 = java.security.MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
        assertEquals("the export as the server made it", files[0].sha256, sha256)
        assertThrows(java.io.FileNotFoundException::class.java) {
            resolver.openInputStream(uri.buildUpon().path("/other.zip").build())
        }
        // Leaving the profile ends the offer.
        host.back()
        waitFor("the profile left") { host.current !is ProfileScreen }
        assertThrows(java.io.FileNotFoundException::class.java) { resolver.openInputStream(uri) }
    }
}
