package app.companion.robotests

import android.Manifest
import android.view.View
import app.companion.android.Camera2FrameSource
import app.companion.android.DeliveryLocation
import app.companion.android.screens.ProofCaptureScreen
import app.companion.scan.BarcodeFormat
import app.companion.scan.Gs1Element
import app.companion.scan.ScannedCode
import app.companion.wire.DeliveryOutcome
import app.companion.wire.ItemScan
import app.companion.wire.ItemDiscrepancy
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf

/**
 * "Scan items" on the proof capture, against a real `companion serve` with a back camera in
 * Robolectric's CameraManager (see [BackCamera]): the camera asked for when the scanner opens,
 * a GS1-128 case label ([Gs1Label], drawn here: the demo manifests' GTINs are on no fixture
 * image) read by the core from camera Images, the item added with its GTIN and lot, the tally
 * and the core's discrepancies updated, a label held still added once, and the camera
 * released by Back. Its own server, so stop-dave-1 stays a draft whatever other classes do.
 */
@RunWith(RobolectricTestRunner::class)
class ProofItemScanTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private val driver = DriverScreens(server)
    private val activity get() = driver.activity
    private val host get() = driver.host
    private val app get() = driver.app

    @After
    fun tearDown() = driver.close()

    private fun signedIn(user: String) = driver.signedIn(user)

    private fun locationOn() = driver.locationOn()

    private fun placeFix(provider: String, lat: Double, lon: Double, northM: Double, accuracyM: Float) = driver.placeFix(provider, lat, lon, northM, accuracyM)

    private fun openStop(stopId: String) = driver.openStop(stopId)

    @Test
    fun `items scanned from the camera count against the manifest, once per steady hold, and Back releases the camera`() {
        BackCamera.install()
        val phone = signedIn("dave")
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        locationOn()
        val provider = requireNotNull(DeliveryLocation(activity, phone.client.deliveries()).provider())
        val door = runBlocking { phone.client.deliveries().downloadRoutes(null) }.flatMap { it.stops }.first { it.id == "stop-dave-1" }
        placeFix(provider, door.address.point.latE7 / 1e7, door.address.point.lonE7 / 1e7, northM = 0.0, accuracyM = 8f)
        val screen = openStop("stop-dave-1")
        waitFor("the capture") { screen.capture != null }
        // Handed over first, so the core reconciles each item as it arrives.
        screen.deliveredButton.performClick()
        waitFor("the outcome saved") { screen.capture?.outcome == DeliveryOutcome.Delivered }
        assertEquals(View.VISIBLE, screen.scanItemsButton.visibility)
        assertNull("the camera is not open before Scan items", BackCamera.lastDevice())

        screen.scanItemsButton.performClick()
        val camera = requireNotNull(screen.itemCamera) { "no item scanner" }
        try {
            waitFor("the camera streaming", 15_000) { camera.frameSource?.state is Camera2FrameSource.State.Streaming }
        } catch (e: AssertionError) {
            throw AssertionError("${e.message}: source ${camera.frameSource?.state}, note '${camera.cameraNote.text}', problem '${screen.problem.text.text}'", e)
        }
        assertNull("granted with the capture: no new prompt", shadowOf(activity).lastRequestedPermission)
        assertEquals(listOf("Vine tomatoes 6 kg: 0 of 12", "Cucumbers 12 ct: 0 of 6"), texts(screen.tallyList))

        // The tomatoes' GS1-128 case label (GTIN and lot of the manifest line) in the scan window.
        val size = requireNotNull(camera.frameSize)
        val window = requireNotNull(camera.scanWindow) { "no scan window" }
        val frame = SensorFrame(Gs1Label.inFrame(size, window, "0108712345678906", "10L2611"), 90)
        val session = requireNotNull(camera.liveSession)
        fun show() {
            val image = frame.image()
            camera.submitFrame(image, 90)
            assertEquals("every Image is closed", 1, image.closeCount)
            assertTrue("decoded within a minute", session.waitIdle(60_000u))
        }
        repeat(2) { show() }
        try {
            waitFor("the item added") { screen.capture?.scannedItems?.size == 1 }
        } catch (e: AssertionError) {
            val upright = Gs1Label.inFrame(size, window, "0108712345678906", "10L2611")
            val direct = phone.client.scanner().frameDecoder(phone.client.scanner().defaultOptions()).decodeFrame(
                java.nio.ByteBuffer.allocateDirect(upright.pixels.size).put(upright.pixels).apply { flip() },
                upright.width.toUInt(), upright.height.toUInt(), upright.width.toUInt(), 0, null,
            )
            throw AssertionError("${e.message}: stats ${session.stats()}, status '${screen.scanStatus.text}', problem '${screen.problem.text.text}', window $window size $size, direct $direct", e)
        }
        val item = screen.capture!!.scannedItems.single()
        assertEquals("08712345678906", item.gtin)
        assertEquals("L2611", item.lot)
        assertEquals(1L, item.quantity)
        assertNull("scanned, not typed", item.manualReason)
        assertEquals("Added 08712345678906 lot L2611 × 1 · Vine tomatoes 6 kg", screen.scanStatus.text.toString())
        waitFor("the tally") { texts(screen.tallyList) == listOf("Vine tomatoes 6 kg: 1 of 12", "Cucumbers 12 ct: 0 of 6") }
        waitFor("the discrepancy shown") { "08712345678906: 1 of 12, short" in texts(screen.discrepancyList) }
        val discrepancies = screen.capture!!.discrepancies
        assertTrue("$discrepancies", discrepancies.none { it is ItemDiscrepancy.ManualEntry || it is ItemDiscrepancy.WrongLot })
        assertEquals("the label outlined", 4, camera.overlay.codeInView().size)

        // Held still well past the core's repeat suppression: the core counts it from when the
        // label was last seen, so a label in view is reported once and added once.
        val suppression = phone.client.scanner().defaultLiveConfig().repeatSuppressionMs.toLong()
        val started = System.nanoTime()
        var last = started
        val decodedBefore = session.stats().framesDecoded
        while (System.nanoTime() - started < (suppression + 1_500) * 1_000_000) {
            show()
            val now = System.nanoTime()
            // The screen's clock (Robolectric's) moves with the real one.
            shadowOf(android.os.Looper.getMainLooper()).idleFor(java.time.Duration.ofNanos(now - last))
            last = now
        }
        assertTrue("frames kept being decoded while held", session.stats().framesDecoded > decodedBefore + 3uL)
        assertEquals("one report for the held label", 1uL, session.stats().codesReported)
        assertEquals(1, screen.capture!!.scannedItems.size)

        // A second case with the same label: Add another.
        screen.addAnotherButton.performClick()
        waitFor("the second case") { screen.capture?.scannedItems?.size == 2 }
        waitFor("the tally") { texts(screen.tallyList) == listOf("Vine tomatoes 6 kg: 2 of 12", "Cucumbers 12 ct: 0 of 6") }
        waitFor("the discrepancy updated") { "08712345678906: 2 of 12, short" in texts(screen.discrepancyList) }

        // Back returns to the capture and releases the camera.
        val device = requireNotNull(BackCamera.lastDevice())
        assertTrue(host.back())
        assertTrue("still the capture", host.current === screen)
        assertNull(screen.itemCamera)
        assertNull("camera released", camera.frameSource)
        assertNull("session ended", camera.liveSession)
        assertTrue("the camera device is closed", BackCamera.isClosed(device))
        assertEquals("Vine tomatoes 6 kg: 2 of 12", (screen.manifestList.getChildAt(0) as android.widget.TextView).text.toString())
        // Typing stays, with its reason.
        assertEquals(View.VISIBLE, screen.addItemButton.visibility)
    }

    @Test
    fun `a label becomes the item it names, and GTINs compare as numbers`() {
        fun code(format: BarcodeFormat, text: String, vararg gs1: Pair<String, String>) =
            ScannedCode(format, text, text, "", emptyList(), gs1.map { (ai, v) -> Gs1Element(ai, "", v, null, null) }, null)
        assertEquals(
            ItemScan("08712345678906", "L2611", 1, null),
            ProofCaptureScreen.itemScan(code(BarcodeFormat.CODE128, "(01)08712345678906(10)L2611", "01" to "08712345678906", "10" to "L2611")),
        )
        assertEquals(
            "the count on the label",
            ItemScan("08712345678906", null, 12, null),
            ProofCaptureScreen.itemScan(code(BarcodeFormat.CODE128, "(01)08712345678906(37)12", "01" to "08712345678906", "37" to "12")),
        )
        assertEquals(ItemScan("8712345678906", null, 1, null), ProofCaptureScreen.itemScan(code(BarcodeFormat.EAN13, "8712345678906")))
        assertNull("a QR code's text is no item", ProofCaptureScreen.itemScan(code(BarcodeFormat.QR_CODE, "8712345678906")))
        assertNull(ProofCaptureScreen.itemScan(code(BarcodeFormat.CODE128, "BIN-A-12")))
        assertTrue(ProofCaptureScreen.sameGtin("8712345678906", "08712345678906"))
        assertTrue(!ProofCaptureScreen.sameGtin("8712345678906", "08712345678913"))
    }

    private fun texts(list: android.widget.LinearLayout): List<String> =
        (0 until list.childCount).map { (list.getChildAt(it) as android.widget.TextView).text.toString() }

}
