package app.companion.robotests

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Rect
import android.view.View
import android.widget.FrameLayout
import android.widget.ImageView
import app.companion.android.ScannerOverlayView
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
}
