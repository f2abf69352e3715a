package app.companion.robotests

import android.graphics.ImageFormat
import android.graphics.Rect
import app.companion.CompanionException
import app.companion.LiveScanListener
import app.companion.LiveScanner
import app.companion.Scanner
import app.companion.android.LiveScanCamera
import app.companion.scan.DecodeStrategy
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScanOptions
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * The shell's camera adapter under Robolectric: android.media.Image frames (Y plane padded
 * to a wider row stride, in each sensor orientation) built from the repository's fixture
 * frames, fed to the core's live scanner; the code in the manifest must be confirmed and every
 * Image closed exactly once, also when the frame is refused with the typed error.
 */
@RunWith(RobolectricTestRunner::class)
class LiveScanCameraTest {
    private val scanner = Scanner.standalone()
    private val name = "dev_0004.png"
    private val forms = Fixtures.expectedTexts(name).single()
    private val upright = Fixtures.upright(name)

    /** Two sightings confirm a code; a generous frame budget for the debug-built library. */
    private fun config() = LiveScanConfig(ScanOptions(scanner.defaultOptions().formats, DecodeStrategy.LIVE, 5000u), 2u, 3u, 60_000u)

    private class Recording : LiveScanListener {
        val events = LinkedBlockingQueue<ScanEvent>()

        override fun onScan(event: ScanEvent) {
            events.put(event)
        }

        override fun onEnd() = Unit
    }

    /** Submits two Images of [frame] (two sightings) and returns what the session confirmed. */
    private fun scan(frame: SensorFrame, window: Rect? = null): ScanEvent? {
        val listener = Recording()
        return scanner.startLive(config(), listener).use { session: LiveScanner ->
            val camera = LiveScanCamera(session)
            repeat(2) {
                val image = frame.image()
                camera.submit(image, frame.rotationDegrees, window)
                assertEquals("the adapter closes every Image once", 1, image.closeCount)
                assertTrue("decoded within a minute", session.waitIdle(60_000u))
            }
            val event = listener.events.poll(10, TimeUnit.SECONDS)
            session.stop()
            event
        }
    }

    private fun assertDecodes(frame: SensorFrame, window: Rect? = null) {
        val event = scan(frame, window) ?: throw AssertionError("rotation ${frame.rotationDegrees}: no code confirmed")
        assertTrue("rotation ${frame.rotationDegrees}: ${event.code.text} not in $forms", event.code.text in forms)
        // A QR code reads in any orientation, so the rotation shows in where it is: the core
        // reports corners upright, where the manifest puts the code (x 150..262, y 209..314).
        val cx = event.code.corners.map { it.x }.average()
        val cy = event.code.corners.map { it.y }.average()
        assertTrue("rotation ${frame.rotationDegrees}: code centre ($cx, $cy) is not where the upright frame has it", cx in 166.0..246.0 && cy in 222.0..302.0)
    }

    @Test
    fun paddedFramesDecodeInEverySensorOrientation() {
        for (rotation in listOf(0, 90, 180, 270)) {
            val frame = SensorFrame(upright, rotation)
            assertTrue("rows are padded", frame.rowStride > frame.width)
            assertDecodes(frame)
        }
    }

    @Test
    fun theScanWindowIsInUprightCoordinates() {
        // The QR code of dev_0004 lies within x 150..262, y 209..314 of the upright frame.
        val frame = SensorFrame(upright, 90, padding = 64)
        assertDecodes(frame, Rect(100, 150, 340, 380))
        assertNull("a window away from the code finds nothing", scan(frame, Rect(700, 300, 1200, 700)))
    }

    @Test
    fun aHeapBufferIsCopiedOnceAndStillDecodes() {
        assertDecodes(SensorFrame(upright, 270, direct = false))
    }

    @Test
    fun badFramesGiveTheTypedErrorAndAreStillClosed() {
        val frame = SensorFrame(upright, 0)
        scanner.startLive(config(), Recording()).use { session ->
            val camera = LiveScanCamera(session)
            fun refused(image: FakeCameraImage, window: Rect? = null): CompanionException.InvalidFrame {
                val error = assertThrows(CompanionException.InvalidFrame::class.java) { camera.submit(image, 0, window) }
                assertEquals("closed after a refusal", 1, image.closeCount)
                assertEquals("invalid_frame", error.code())
                return error
            }
            assertEquals("pixelStride", refused(frame.image(lumaPixelStride = 2)).field)
            assertEquals("format", refused(frame.image(format = ImageFormat.JPEG)).field)
            assertEquals("roi", refused(frame.image(), Rect(-1, 0, 10, 10)).field)
            // A buffer shorter than its rows: the core's own check, through the adapter.
            val short = FakeCameraImage(ImageFormat.YUV_420_888, 640, 480, arrayOf(FakePlane(java.nio.ByteBuffer.allocateDirect(100), 640, 1)))
            assertEquals("data", refused(short).field)
            assertEquals("refused frames never reach the decoder", 0uL, session.stats().framesSubmitted)
            session.stop()
        }
    }
}
