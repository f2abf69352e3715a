package app.companion.robotests

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Rect
import android.view.View
import android.widget.FrameLayout
import android.widget.ImageView
import android.app.Activity
import android.graphics.Matrix
import android.graphics.ImageFormat
import app.companion.Inventory
import app.companion.LiveScanListener
import app.companion.NoHandle
import app.companion.Permissions
import app.companion.Scanner
import app.companion.android.LiveScanCamera
import app.companion.android.PointOfUsePermissions
import app.companion.android.ScannerOverlayView
import app.companion.android.screens.ScannerScreen
import app.companion.scan.DecodeStrategy
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScanOptions
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.robolectric.Robolectric
import java.nio.ByteBuffer
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.io.File
import kotlin.math.abs

/**
 * The scanner screen (a fixture frame as the camera preview, ScannerOverlayView over it)
 * rendered by Robolectric's native graphics (real Skia) and written as a PNG to
 * `companion.screenshots.dir` (target/screenshots; android/screenshots/regenerate.sh writes the
 * checked-in android/screenshots/). The pixels are checked too: the window shows the preview
 * as it is, outside it the preview is dimmed.
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@Config(qualifiers = "w360dp-h640dp-xhdpi")
class ScannerScreenshotTest {
    private val context = RuntimeEnvironment.getApplication()

    private fun render(root: View, width: Int, height: Int): Bitmap {
        root.measure(View.MeasureSpec.makeMeasureSpec(width, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(height, View.MeasureSpec.EXACTLY))
        root.layout(0, 0, width, height)
        val bitmap = Bitmap.createBitmap(width, height, Bitmap.Config.ARGB_8888)
        root.draw(Canvas(bitmap))
        return bitmap
    }

    private fun luma(pixel: Int) = (Color.red(pixel) * 299 + Color.green(pixel) * 587 + Color.blue(pixel) * 114) / 1000

    @Test
    fun scannerScreenRendersWithTheWindowClearAndTheRestDimmed() {
        val (w, h) = 720 to 1280
        val frame = BitmapFactory.decodeFile(File(Fixtures.frames, "dev_0011.png").path)
        assertNotNull("the fixture frame decodes", frame)
        fun preview() = ImageView(context).apply { setImageBitmap(frame); scaleType = ImageView.ScaleType.CENTER_CROP }

        val bare = render(FrameLayout(context).apply { addView(preview()) }, w, h)
        val overlay = ScannerOverlayView(context)
        val screen = render(FrameLayout(context).apply { addView(preview()); addView(overlay) }, w, h)

        // Written first, so a failing render can be looked at.
        val dir = File(System.getProperty("companion.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }
        File(dir, "scanner-overlay.png").outputStream().use { assertTrue(screen.compress(Bitmap.CompressFormat.PNG, 100, it)) }

        val window = overlay.window
        assertEquals("the window is 80% of the width, centred", Rect(72, 374, 648, 720), window)
        // Inside the window the preview is untouched; outside it is dimmed to 40%.
        val cx = window.centerX()
        val cy = window.centerY()
        assertEquals(bare.getPixel(cx, cy), screen.getPixel(cx, cy))
        for ((x, y) in listOf(20 to 20, 700 to 1260, 360 to 200)) {
            val expected = luma(bare.getPixel(x, y)) * 0.4
            assertTrue("($x, $y) dimmed", abs(luma(screen.getPixel(x, y)) - expected) <= 3)
        }
        // The outline is white, and the hint is drawn under the window.
        assertEquals(Color.WHITE, screen.getPixel(cx, window.top) or 0xFF000000.toInt())
        val hintBand = (window.bottom + 40 until window.bottom + 100).flatMap { y -> (100 until 620).map { x -> screen.getPixel(x, y) } }
        assertTrue("hint text under the window", hintBand.count { luma(it) > 240 } > 200)

        // The window in frame pixels: the 1280x720 frame fills the portrait view, centred.
        assertEquals(Rect(478, 210, 802, 405), overlay.windowInFrame(1280, 720))

    }

    /**
     * The whole scanner screen with a confirmed code: a fixture camera frame (dev_0020, a
     * delivery's QR code on a tilted, noisy label) as a landscape sensor delivers it to a phone held upright (turned 90°),
     * read by the core through [LiveScanCamera] within the screen's scan window, and the
     * code's corners from the core outlined on the preview. The preview is an ImageView of the
     * upright frame (what the SurfaceView shows on a phone; a SurfaceView draws nothing here).
     */
    @Test
    fun scannerScreenOutlinesTheCodeTheCoreConfirmed() {
        val (w, h) = 720 to 1280
        val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
        val scanner = Scanner.standalone()
        val config = LiveScanConfig(ScanOptions(scanner.defaultOptions().formats, DecodeStrategy.LIVE, 5000u), 2u, 3u, 60_000u)
        val idle = CoroutineScope(Job().apply { cancel() })
        val screen =
            ScannerScreen(activity, scanner, Inventory(NoHandle), PointOfUsePermissions(activity, Permissions(NoHandle)), idle, {}, config) {}

        // The sensor's frame as the fixture is (1280x720, luma), upright once turned 90°.
        val sensor = BitmapFactory.decodeFile(File(Fixtures.frames, "dev_0020.png").path)
        val upright = Bitmap.createBitmap(sensor, 0, 0, sensor.width, sensor.height, Matrix().apply { postRotate(90f) }, true)
        assertEquals(720 to 1280, upright.width to upright.height)
        screen.preview.addView(ImageView(context).apply { setImageBitmap(upright); scaleType = ImageView.ScaleType.CENTER_CROP }, 1)
        screen.manual.setText("")
        render(screen, w, h)
        val window = screen.overlay.windowInFrame(upright.width, upright.height)

        val luma = Fixtures.upright("dev_0020.png")
        val events = LinkedBlockingQueue<ScanEvent>()
        scanner.startLive(config, object : LiveScanListener {
            override fun onScan(event: ScanEvent) = events.put(event)
            override fun onEnd() = Unit
        }).use { session ->
            val camera = LiveScanCamera(session)
            repeat(2) {
                val buffer = ByteBuffer.allocateDirect(luma.pixels.size).put(luma.pixels).apply { flip() }
                camera.submit(FakeCameraImage(ImageFormat.YUV_420_888, luma.width, luma.height, arrayOf(FakePlane(buffer, luma.width, 1))), 90, window)
                assertTrue(session.waitIdle(60_000u))
            }
            session.stop()
        }
        val event = events.poll(10, TimeUnit.SECONDS) ?: throw AssertionError("dev_0020's code was not confirmed within the window $window")
        assertTrue(event.code.text, event.code.text in Fixtures.expectedTexts("dev_0020.png").single())
        screen.showCode(event.code, upright.width, upright.height)
        val shot = render(screen, w, h)
        val dir = File(System.getProperty("companion.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }
        File(dir, "scanner-screen.png").outputStream().use { assertTrue(shot.compress(Bitmap.CompressFormat.PNG, 100, it)) }

        // The outline is drawn in green, around where the core says the code is, inside the window.
        val corners = screen.overlay.codeInView()
        assertEquals(4, corners.size)
        val box = Rect(corners.minOf { it.x }.toInt(), corners.minOf { it.y }.toInt(), corners.maxOf { it.x }.toInt(), corners.maxOf { it.y }.toInt())
        val overlayTop = screen.preview.top
        assertTrue("the code $box is inside the window ${screen.overlay.window}", screen.overlay.window.contains(box))
        fun green(p: Int) = abs(Color.red(p) - Color.red(ScannerOverlayView.CODE_GREEN)) + abs(Color.green(p) - Color.green(ScannerOverlayView.CODE_GREEN)) + abs(Color.blue(p) - Color.blue(ScannerOverlayView.CODE_GREEN)) < 60
        val around = Rect(box).apply { inset(-12, -12); offset(0, overlayTop) }
        val greenAround = (around.top until around.bottom).sumOf { y -> (around.left until around.right).count { x -> green(shot.getPixel(x, y)) } }
        assertTrue("the outline is drawn ($greenAround green pixels)", greenAround > 200)
        assertEquals("the code's text is shown", event.code.text, screen.codeText.text.toString())
    }
}
