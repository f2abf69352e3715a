package app.companion.robotests

import android.Manifest
import android.content.pm.PackageManager
import android.graphics.Rect
import android.os.Handler
import android.os.HandlerThread
import android.util.Size
import android.view.Surface
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import app.companion.android.Camera2FrameSource
import app.companion.android.screens.ItemStockScreen
import app.companion.android.screens.ScannerScreen
import app.companion.android.screens.StockLookupScreen
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf

/**
 * The scanner screen on a real signed-in phone (`companion serve`, maria's first download) with
 * a back camera in Robolectric's CameraManager: the camera permission asked when the screen
 * opens, the camera opened (Robolectric's shadows open the device and configure the session)
 * and released on pause and on leaving, and a real produce label in the scan window read by
 * the core from a YUV_420_888 Image, outlined and opened as its item.
 *
 * Robolectric's camera produces no frames (nothing writes into the ImageReader), so the test
 * hands each Image to [ScannerScreen.submitFrame], the entry the ImageReader callback calls.
 */
@RunWith(RobolectricTestRunner::class)
class ScannerScreenTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private lateinit var phone: Phone
    private lateinit var screens: ScreensOnActivity
    private val host get() = screens.host
    private val app get() = RuntimeEnvironment.getApplication()

    @Before
    fun setUp() {
        BackCamera.install()
        phone = Phone(server.url).signedInAndSynced("maria")
        screens = ScreensOnActivity(phone)
    }

    @After
    fun tearDown() {
        screens.close()
        phone.close()
    }

    /** The stock lookup's Scan link, as the user opens it. */
    private fun openScanner(): ScannerScreen {
        waitFor("the stock lookup screen") { host.current is StockLookupScreen }
        val lookup = host.current as StockLookupScreen
        val links = lookup.getChildAt(1) as LinearLayout
        val scan = (0 until links.childCount).map { links.getChildAt(it) as Button }.single { it.text == "Scan" }
        scan.performClick()
        waitFor("the scanner screen") { host.current is ScannerScreen }
        return host.current as ScannerScreen
    }

    /** Waits for [screen]'s camera to stream; the failure says what the screen shows instead. */
    private fun waitForStreaming(screen: ScannerScreen, what: String = "the camera streaming") {
        try {
            waitFor(what, 15_000) { screen.frameSource?.state is Camera2FrameSource.State.Streaming }
        } catch (e: AssertionError) {
            throw AssertionError("${e.message}: source ${screen.frameSource?.state}, note '${screen.cameraNote.text}', problem '${screen.problem.text.text}'", e)
        }
    }

    private fun itemScreen(): ItemStockScreen {
        waitFor("the item screen with its stock") { (host.current as? ItemStockScreen)?.stock != null }
        return host.current as ItemStockScreen
    }

    @Test
    fun `a real label in the scan window is read from camera Images, outlined, and opens its item`() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val screen = openScanner()
        waitForStreaming(screen, "the camera streaming")
        assertNull("granted already: no prompt", shadowOf(screens.activity).lastRequestedPermission)
        val stream = (screen.frameSource!!.state as Camera2FrameSource.State.Streaming)
        assertEquals("the back camera at the scanning size", Camera2FrameSource.Stream(BackCamera.ID, Size(1280, 720), 90), stream.stream)
        assertEquals(90, stream.rotationDegrees)
        assertEquals("portrait frames", Size(720, 1280), screen.frameSize)
        val window = screen.scanWindow ?: throw AssertionError("no scan window in frame pixels")
        assertEquals("the overlay's window, in frame pixels", screen.overlay.windowInFrame(720, 1280), window)

        // The label where the user aims it, as the sensor (mounted at 90°) delivers it.
        val frame = SensorFrame(labelInFrame(Size(720, 1280), window), 90)
        val session = screen.liveSession!!
        repeat(2) {
            val image = frame.image()
            screen.submitFrame(image, 90)
            assertEquals("the screen closes every Image", 1, image.closeCount)
            assertTrue("decoded within a minute", session.waitIdle(60_000u))
        }

        val item = itemScreen()
        assertEquals("wh-north", item.stock!!.item.warehouseId)
        assertEquals("I000001", item.stock!!.item.itemId)
        assertTrue("the label's GTIN is the item's", item.stock!!.item.barcodes.contains(LABEL_GTIN))
        // The code was shown where it is: its outline lies within the window on screen.
        assertTrue(screen.codeText.text.toString(), screen.codeText.text.startsWith(LABEL_TEXT))
        val corners = screen.overlay.codeInView()
        assertEquals(4, corners.size)
        val onScreen = screen.overlay.window
        assertTrue("outline $corners inside $onScreen", corners.all { onScreen.contains(it.x.toInt(), it.y.toInt()) })
        // Opening the item left the scanner: the camera is released and the session stopped.
        assertNull(screen.frameSource)
        assertNull(screen.liveSession)
        assertTrue("the camera device is closed", BackCamera.isClosed(BackCamera.lastDevice()!!))
        assertTrue("frames after leaving are closed and dropped", frame.image().also { screen.submitFrame(it, 90) }.closeCount == 1)

        // Back to the scanner for the next label: a new screen opens the camera again.
        assertTrue(host.back())
        val again = host.current as ScannerScreen
        waitForStreaming(again, "the camera streaming again")
    }

    @Test
    fun `the camera is asked when the screen opens, and refused, manual entry still opens the item`() {
        waitFor("the stock lookup screen") { host.current is StockLookupScreen }
        assertNull("nothing asked before the scanner opens", shadowOf(screens.activity).lastRequestedPermission)
        val screen = openScanner()
        waitFor("the camera prompt") { shadowOf(screens.activity).lastRequestedPermission != null }
        val prompt = shadowOf(screens.activity).lastRequestedPermission
        assertEquals(listOf(Manifest.permission.CAMERA), prompt.requestedPermissions.toList())

        // Refused once: Android offers a rationale, so the screen explains and offers to ask again.
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(Manifest.permission.CAMERA, true)
        assertTrue(screens.permissions.onRequestPermissionsResult(prompt.requestCode, prompt.requestedPermissions, intArrayOf(PackageManager.PERMISSION_DENIED)))
        waitFor("the explanation") { screen.cameraButton.visibility == View.VISIBLE }
        assertEquals("Allow camera", screen.cameraButton.text.toString())
        assertEquals(View.VISIBLE, screen.cameraNote.visibility)
        assertNull("no camera without the permission", screen.frameSource)
        assertNull("the camera was never opened", BackCamera.lastDevice())

        // Typing the code works without the camera.
        screen.manual.setText(LABEL_GTIN)
        screen.lookUpButton.performClick()
        assertEquals("I000001", itemScreen().stock!!.item.itemId)
    }

    @Test
    fun `the camera is released while the Activity is paused and reopened on resume`() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val screen = openScanner()
        waitForStreaming(screen, "the camera streaming")
        val first = BackCamera.lastDevice()!!

        screens.controller.pause()
        assertNull("released on pause", screen.frameSource)
        assertTrue("the device is closed", BackCamera.isClosed(first))

        screens.controller.resume()
        waitForStreaming(screen, "the camera streaming after resume")
        assertTrue("a new device", BackCamera.lastDevice() !== first && !BackCamera.isClosed(BackCamera.lastDevice()!!))
    }

    @Test
    fun `a code stocked nowhere on this phone says so and the scanner stays`() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val screen = openScanner()
        screen.manual.setText("4006381333931")
        screen.lookUpButton.performClick()
        waitFor("the problem") { screen.problem.visibility == View.VISIBLE }
        assertTrue(screen.problem.text.text.toString(), screen.problem.text.text.startsWith("Not found on this phone"))
        assertTrue(host.current === screen)
    }

    // Camera2FrameSource on its own.

    private fun <T> onCameraThread(block: (Handler) -> T): T {
        val thread = HandlerThread("test-camera").apply { start() }
        try {
            return block(Handler(thread.looper))
        } finally {
            thread.quitSafely()
        }
    }

    private fun waitForState(source: Camera2FrameSource, what: String, test: (Camera2FrameSource.State) -> Boolean) =
        waitFor(what, 10_000) { test(source.state) }

    @Test
    fun `the frame source opens the back camera and releases everything on close`() {
        BackCamera.installFrontOnly()
        val stream = Camera2FrameSource.backCamera(BackCamera.manager) ?: throw AssertionError("no back camera found")
        assertEquals(BackCamera.ID, stream.cameraId)
        onCameraThread { handler ->
            val source = Camera2FrameSource(BackCamera.manager, handler) { image, _ -> image.close() }
            val states = java.util.concurrent.CopyOnWriteArrayList<Camera2FrameSource.State>()
            source.open(stream, null, Surface.ROTATION_0) { states += it }
            waitForState(source, "streaming") { it is Camera2FrameSource.State.Streaming }
            val device = BackCamera.lastDevice()!!
            assertFalse(BackCamera.isClosed(device))
            // The analysis output: YUV at the chosen size, two buffers (newest frame only).
            val reader = org.robolectric.util.ReflectionHelpers.getField<android.media.ImageReader>(source, "reader")
            assertEquals(android.graphics.ImageFormat.YUV_420_888, reader.imageFormat)
            assertEquals(Camera2FrameSource.MAX_IMAGES, reader.maxImages)
            assertEquals(Size(1280, 720), Size(reader.width, reader.height))
            source.close()
            assertNull("the reader is released", org.robolectric.util.ReflectionHelpers.getField<android.media.ImageReader?>(source, "reader"))
            assertTrue(BackCamera.isClosed(device))
            assertEquals(Camera2FrameSource.State.Closed, source.state)
            assertEquals(
                listOf(Camera2FrameSource.State.Opening, Camera2FrameSource.State.Streaming(stream, 90), Camera2FrameSource.State.Closed),
                states.toList(),
            )
            source.close() // twice is fine
        }
    }

    @Test
    fun `a camera that arrives after close is closed at once`() {
        val stream = Camera2FrameSource.backCamera(BackCamera.manager)!!
        onCameraThread { handler ->
            val source = Camera2FrameSource(BackCamera.manager, handler) { image, _ -> image.close() }
            // onOpened is posted to the camera thread; close() gets there first.
            handler.post { Thread.sleep(200) }
            source.open(stream, null, Surface.ROTATION_0)
            source.close()
            waitFor("the late device", 10_000) { BackCamera.lastDevice()?.let(BackCamera::isClosed) == true }
            Thread.sleep(300)
            assertEquals(Camera2FrameSource.State.Closed, source.state)
        }
    }

    @Test
    fun `without a back camera the screen says so and keeps manual entry`() {
        shadowOf(BackCamera.manager).removeCamera(BackCamera.ID)
        BackCamera.installFrontOnly()
        assertNull("the front camera is not for scanning", Camera2FrameSource.backCamera(BackCamera.manager))
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val screen = openScanner()
        waitFor("the note") { screen.cameraNote.visibility == View.VISIBLE }
        assertTrue(screen.cameraNote.text.toString(), screen.cameraNote.text.startsWith("This phone has no back camera"))
        assertNull(screen.frameSource)
        assertEquals(View.VISIBLE, screen.manual.visibility)
    }

    @Test
    fun `the frame size comes from the stream configuration map`() {
        fun sizes(vararg s: Pair<Int, Int>) = s.map { Size(it.first, it.second) }.toTypedArray()
        val yuv = sizes(4032 to 3024, 1920 to 1080, 1440 to 1080, 1280 to 960, 1280 to 720, 640 to 480)
        assertEquals("the smallest 16:9 size reaching 1280", Size(1280, 720), Camera2FrameSource.chooseSize(yuv, yuv))
        // Without 1280x720 for the preview: 16:9 (the screen's shape) wins over the smaller 4:3.
        assertEquals("only sizes the preview can use too", Size(1920, 1080), Camera2FrameSource.chooseSize(yuv, sizes(4032 to 3024, 1920 to 1080, 1280 to 960, 640 to 480)))
        assertEquals("no 16:9: the smallest reaching 1280", Size(1280, 960), Camera2FrameSource.chooseSize(yuv, sizes(4032 to 3024, 1440 to 1080, 1280 to 960)))
        assertEquals("a small camera: its largest", Size(800, 600), Camera2FrameSource.chooseSize(sizes(800 to 600, 640 to 480), null))
        assertEquals("only huge sizes: the smallest", Size(3000, 2000), Camera2FrameSource.chooseSize(sizes(4000 to 3000, 3000 to 2000), null))
        assertNull(Camera2FrameSource.chooseSize(emptyArray(), null))
    }

    @Test
    fun `frames turn by the sensor's mounting less the display's rotation`() {
        assertEquals(90, Camera2FrameSource.rotationDegrees(90, Surface.ROTATION_0))
        assertEquals(0, Camera2FrameSource.rotationDegrees(90, Surface.ROTATION_90))
        assertEquals(180, Camera2FrameSource.rotationDegrees(90, Surface.ROTATION_270))
        assertEquals(270, Camera2FrameSource.rotationDegrees(270, Surface.ROTATION_0))
        assertEquals(Size(720, 1280), Camera2FrameSource.Stream("0", Size(1280, 720), 90).uprightSize(90))
    }
}
