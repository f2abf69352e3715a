package app.companion.jvmtests

import app.companion.FrameScanner
import app.companion.LiveScanner
import app.companion.core.ScanException
import app.companion.core.DecodeStrategy
import app.companion.core.LiveScanConfig
import app.companion.core.ScanOptions
import app.companion.defaultScanOptions
import app.companion.ptiVoicePickCode
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO

/**
 * Feeds frames of the repository's fixtures/barcode-frames through the generated bindings the way CameraX
 * delivers them: the Y plane in a direct ByteBuffer in sensor orientation (the upright frame
 * turned 90° counter-clockwise, rotationDegrees = 90), rows padded to a stride wider than the
 * image, the last row short. The decoded texts are checked against the manifest.
 */
class ScanFramesTest {
    /** Frames from the dev set; a handful keeps the debug-built library fast enough. */
    private val frames = listOf("dev_0001.png", "dev_0003.png", "dev_0004.png", "dev_0012.png", "dev_0013.png", "dev_0020.png", "dev_0022.png", "dev_0027.png")

    /** The repository's frame fixtures; their absence is a failure, never a skip. */
    private fun devSet(): File {
        var dir: File? = File(System.getProperty("user.dir")).absoluteFile
        while (dir != null && !File(dir, "Cargo.toml").isFile) dir = dir.parentFile
        val set = File(requireNotNull(dir) { "no Cargo.toml above ${System.getProperty("user.dir")}" }, "fixtures/barcode-frames")
        require(File(set, "manifest.json").isFile) { "fixtures/barcode-frames/manifest.json missing from the repository" }
        return set
    }

    /** The expected texts (text, text_raw, alt_texts) of one frame, read from manifest.json. */
    private fun expectedTexts(manifest: String, file: String): List<Set<String>> {
        val start = manifest.indexOf("\"file\": \"$file\"")
        require(start >= 0) { "$file not in manifest" }
        val end = manifest.indexOf("\"file\": ", start + 10).let { if (it < 0) manifest.length else it }
        val entry = manifest.substring(start, end)
        val expectedBlock = entry.substringAfter("\"expected\": [").substringBefore("\"families\"")
        val codes = expectedBlock.split("\"format\": ").drop(1)
        fun unescape(s: String) = s.replace("\\u001d", "\u001d").replace("\\/", "/").replace("\\\"", "\"")
        return codes.map { code ->
            val texts = Regex("\"(text|text_raw)\": \"((?:[^\"\\\\]|\\\\.)*)\"").findAll(code).map { unescape(it.groupValues[2]) }.toMutableSet()
            val alt = code.substringAfter("\"alt_texts\": [", "").substringBefore("]")
            Regex("\"((?:[^\"\\\\]|\\\\.)*)\"").findAll(alt).forEach { texts += unescape(it.groupValues[1]) }
            texts
        }
    }

    /** Lays an upright grey image out as a camera sensor would deliver it. */
    private class CameraFrame(val buffer: ByteBuffer, val width: Int, val height: Int, val stride: Int)

    private fun asCameraFrame(file: File): CameraFrame {
        val image = ImageIO.read(file)
        val (w, h) = image.width to image.height
        val raster = image.raster
        // Sensor orientation: upright pixel (x, y) sits at sensor (y, w - 1 - x); sensor is h x w.
        val (sw, sh) = h to w
        val stride = sw + 48
        val buffer = ByteBuffer.allocateDirect(stride * (sh - 1) + sw)
        val row = IntArray(w)
        for (y in 0 until h) {
            raster.getSamples(0, y, w, 1, 0, row)
            for (x in 0 until w) buffer.put((w - 1 - x) * stride + y, row[x].toByte())
        }
        return CameraFrame(buffer, sw, sh, stride)
    }

    @Test
    fun devFramesDecodeFromStridedRotatedDirectBuffers() {
        val set = devSet()
        val manifest = File(set, "manifest.json").readText()
        val options = ScanOptions(defaultScanOptions().formats, DecodeStrategy.THOROUGH, 5000u)
        var expected = 0
        var found = 0
        FrameScanner(options).use { scanner ->
            for (name in frames) {
                val codes = expectedTexts(manifest, name)
                val frame = asCameraFrame(File(set, name))
                val outcome = scanner.decodeFrame(frame.buffer, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
                val texts = outcome.codes.map { it.text }
                val falsePositives = texts.filter { t -> codes.none { t in it } }
                assertTrue(falsePositives.isEmpty(), "$name: decoded codes not in the manifest: $falsePositives")
                expected += codes.size
                found += codes.count { forms -> texts.any { it in forms } }
                // Corners come back in display (upright) coordinates.
                for (code in outcome.codes) {
                    for (p in code.corners) {
                        assertTrue(p.x > -50f && p.x < frame.height + 50f && p.y > -50f && p.y < frame.width + 50f, "$name: corner $p off the display frame")
                    }
                }
            }
        }
        assertTrue(found * 2 >= expected, "found only $found of $expected codes")
    }

    @Test
    fun liveScannerConfirmsAcrossFramesAndRejectsBadFrames() {
        val set = devSet()
        val manifest = File(set, "manifest.json").readText()
        val name = "dev_0004.png"
        val forms = expectedTexts(manifest, name).single()
        val frame = asCameraFrame(File(set, name))
        val config = LiveScanConfig(ScanOptions(defaultScanOptions().formats, DecodeStrategy.LIVE, 5000u), 2u, 3u, 60_000u)
        LiveScanner(config).use { live ->
            live.submitFrame(frame.buffer, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
            assertTrue(live.waitIdle(60_000u))
            assertTrue(live.pollEvents().isEmpty(), "one frame must not confirm a code")
            live.submitFrame(frame.buffer, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
            assertTrue(live.waitIdle(60_000u))
            val events = live.pollEvents()
            assertEquals(1, events.size)
            assertTrue(events.single().code.text in forms)
            // A buffer shorter than the frame needs is a typed error, not a crash.
            val short = ByteBuffer.allocateDirect(100)
            val error = assertThrows<ScanException.InvalidFrame> {
                live.submitFrame(short, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
            }
            assertEquals("data", error.field)
            live.stop()
        }
    }

    @Test
    fun ptiVoicePickCodeMatchesPublishedExample() {
        val code = ptiVoicePickCode("10850510002011", "46587443HG234", null)
        assertEquals("6359", code.code)
        assertEquals("59", code.large)
        assertEquals("63", code.small)
    }
}
