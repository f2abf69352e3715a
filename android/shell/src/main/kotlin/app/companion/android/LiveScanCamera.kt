package app.companion.android

import android.graphics.ImageFormat
import android.graphics.Rect
import android.media.Image
import app.companion.CompanionException
import app.companion.LiveScanner
import app.companion.scan.RegionOfInterest
import java.nio.ByteBuffer

/**
 * Feeds camera frames to a live-scan session of the core ([LiveScanner], from
 * `client.scanner().startLive(config, listener)`): an `android.media.Image` in `YUV_420_888`,
 * of which only the luma plane (plane 0) is read.
 *
 * The Y plane's buffer goes to the core as it is: the binding takes a direct `ByteBuffer` by
 * reference (zero copy), together with the plane's `rowStride`, so padded rows cost nothing.
 * `submitFrame` copies the scan window before it returns, so the frame is closed right after
 * [submit] hands it over, also when the core refuses it: a camera that gets its buffers back
 * late stalls.
 *
 * CameraX's `ImageProxy` has the same shape; an analyzer wraps it in three lines (the proxy,
 * not its inner Image, is what CameraX wants closed):
 *
 * ```kotlin
 * imageAnalysis.setAnalyzer(executor) { proxy ->
 *     val image = proxy.image ?: return@setAnalyzer proxy.close()   // @ExperimentalGetImage
 *     camera.submit(image, proxy.imageInfo.rotationDegrees, scanWindow, release = proxy)
 * }
 * ```
 *
 * Call it on the camera's analysis executor; [submit] is cheap (the decoding happens on the
 * core's thread, results arrive at the session's listener).
 */
class LiveScanCamera(private val session: LiveScanner) {
    /**
     * Hands [image]'s luma plane to the session, then closes [release] (the image itself unless
     * the caller owns a wrapper such as CameraX's `ImageProxy`).
     *
     * [rotationDegrees] is how far the frame must turn clockwise to be upright (CameraX's
     * `imageInfo.rotationDegrees`, the sensor orientation relative to the display: 0, 90,
     * 180 or 270). [window], the on-screen scan window, is in upright frame pixels, the
     * coordinates of the core's `RegionOfInterest`; null scans the whole frame.
     *
     * Throws [CompanionException.InvalidFrame] for a frame the core cannot read: another
     * format than `YUV_420_888` (field `format`), a luma plane whose pixels are not adjacent
     * (`pixelStride`), a window outside the frame (`roi`), or a buffer shorter than the rows
     * need (`data`, from the core).
     */
    fun submit(image: Image, rotationDegrees: Int, window: Rect? = null, release: AutoCloseable = image) {
        try {
            if (image.format != ImageFormat.YUV_420_888) {
                throw CompanionException.InvalidFrame("format", "expected YUV_420_888 (${ImageFormat.YUV_420_888}), got ${image.format}")
            }
            val planes = image.planes
            if (planes.isEmpty()) throw CompanionException.InvalidFrame("planes", "the image has no planes")
            val luma = planes[0]
            if (luma.pixelStride != 1) {
                throw CompanionException.InvalidFrame("pixelStride", "the luma plane must have pixelStride 1, got ${luma.pixelStride}")
            }
            val roi =
                window?.let {
                    if (it.left < 0 || it.top < 0 || it.width() <= 0 || it.height() <= 0) {
                        throw CompanionException.InvalidFrame("roi", "scan window $it is empty or outside the frame")
                    }
                    RegionOfInterest(it.left.toUInt(), it.top.toUInt(), it.width().toUInt(), it.height().toUInt())
                }
            session.submitFrame(
                directView(luma.buffer),
                image.width.toUInt(),
                image.height.toUInt(),
                luma.rowStride.toUInt(),
                rotationDegrees,
                roi,
            )
        } finally {
            release.close()
        }
    }

    private companion object {
        /**
         * The binding passes the buffer's base address and `remaining()`: a slice starts at the
         * current position without copying. A camera's planes are always direct; a heap buffer
         * (a software decoder, a test) is copied once into a direct one, the only copy here.
         */
        fun directView(buffer: ByteBuffer): ByteBuffer =
            if (buffer.isDirect) {
                buffer.slice()
            } else {
                ByteBuffer.allocateDirect(buffer.remaining()).put(buffer.duplicate()).apply { flip() }
            }
    }
}
