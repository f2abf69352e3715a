package app.companion.jvmtests

import app.companion.CompanionException
import app.companion.LiveScanListener
import app.companion.Scanner
import app.companion.flows.LumaFrame
import app.companion.flows.liveScanFlow
import app.companion.flows.startLiveScan
import app.companion.flows.submit
import app.companion.scan.DecodeStrategy
import app.companion.scan.Gs1Value
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScanOptions
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.ByteBuffer
import java.util.concurrent.CountDownLatch
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO

/**
 * Feeds frames of the repository's fixtures/barcode-frames through the generated bindings the way CameraX
 * delivers them: the Y plane in a direct ByteBuffer in sensor orientation (the upright frame
 * turned 90° counter-clockwise, rotationDegrees = 90), rows padded to a stride wider than the
 * image, the last row short. The decoded texts are checked against the manifest. Live-scan
 * results arrive pushed to a listener, and through the Flow wrappers.
 */
class ScanFramesTest {
    /** A scanner without an account (codes only, no item lookup), as on the sign-in screen. */
    private val scanner = Scanner.standalone()

    /** Options for the debug-built library: a generous frame budget so slow CI still decodes. */
    private fun liveConfig() =
        LiveScanConfig(ScanOptions(scanner.defaultOptions().formats, DecodeStrategy.LIVE, 5000u), 2u, 3u, 60_000u)

    /** Records what a live session pushes: confirmed codes, and the end of the session. */
    private class RecordingScanListener : LiveScanListener {
        val events = LinkedBlockingQueue<ScanEvent>()
        val ended = CountDownLatch(1)

        override fun onScan(event: ScanEvent) {
            events.put(event)
        }

        override fun onEnd() {
            ended.countDown()
        }
    }

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
    private class CameraFrame(val buffer: ByteBuffer, val width: Int, val height: Int, val stride: Int) {
        fun luma() = LumaFrame(buffer, width, height, stride, rotationDegrees = 90)
    }

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
        val options = ScanOptions(scanner.defaultOptions().formats, DecodeStrategy.THOROUGH, 5000u)
        var expected = 0
        var found = 0
        scanner.frameDecoder(options).use { decoder ->
            for (name in frames) {
                val codes = expectedTexts(manifest, name)
                val frame = asCameraFrame(File(set, name))
                val outcome = decoder.decodeFrame(frame.buffer, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
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
    fun liveScannerPushesConfirmedCodesAndRejectsBadFrames() {
        val set = devSet()
        val manifest = File(set, "manifest.json").readText()
        val name = "dev_0004.png"
        val forms = expectedTexts(manifest, name).single()
        val frame = asCameraFrame(File(set, name))
        val listener = RecordingScanListener()
        scanner.startLive(liveConfig(), listener).use { live ->
            live.submit(frame.luma())
            assertTrue(live.waitIdle(60_000u))
            // The listener thread polls the session every 250 ms: give it time to deliver.
            assertNull(listener.events.poll(600, TimeUnit.MILLISECONDS), "one frame must not confirm a code")
            live.submit(frame.luma())
            assertTrue(live.waitIdle(60_000u))
            val event = listener.events.poll(10, TimeUnit.SECONDS) ?: throw AssertionError("the second frame confirms the code")
            assertTrue(event.code.text in forms, "${event.code.text} not in $forms")
            assertNull(event.item, "a standalone scanner looks nothing up")
            assertEquals(1uL, live.stats().codesReported)
            // A buffer shorter than the frame needs is a typed error, not a crash.
            val short = ByteBuffer.allocateDirect(100)
            val error = assertThrows<CompanionException.InvalidFrame> {
                live.submitFrame(short, frame.width.toUInt(), frame.height.toUInt(), frame.stride.toUInt(), 90, null)
            }
            assertEquals("data", error.field)
            assertEquals("invalid_frame", error.code())
            live.stop()
            assertTrue(listener.ended.await(10, TimeUnit.SECONDS), "stop() ends the listener")
        }
        assertTrue(listener.events.isEmpty(), "nothing after the one confirmed code")
    }

    /** Issue 7 (d): the results of a live session arrive as a Flow. */
    @Test
    fun liveScanResultsArriveAsAFlow() = runBlocking<Unit> {
        val set = devSet()
        val manifest = File(set, "manifest.json").readText()
        val name = "dev_0004.png"
        val forms = expectedTexts(manifest, name).single()
        val frame = asCameraFrame(File(set, name))

        // CameraX style: the analyzer submits, the screen collects `events`.
        val scan = scanner.startLiveScan(liveConfig())
        val first = scan.use {
            repeat(2) {
                scan.submit(frame.luma())
                assertTrue(scan.session.waitIdle(60_000u))
            }
            withTimeout(10_000) { scan.events.first() }
        }
        assertTrue(first.code.text in forms, "${first.code.text} not in $forms")
        // close() stopped the session: the flow completes instead of waiting for more.
        assertEquals(emptyList<ScanEvent>(), withTimeout(10_000) { scan.events.toList() })

        // Frames as a Flow in, codes as a Flow out: collecting starts the session, taking the
        // first code cancels the collection and stops the session. The confirmation window
        // counts submitted frames, dropped ones included; a debug build under load decodes far
        // slower than frames arrive, so the window is widened to keep the test about the flow.
        val paced = liveConfig().copy(confirmWindowFrames = 10_000u)
        val frames = flow {
            while (true) {
                emit(frame.luma())
                delay(50)
            }
        }
        val events = withTimeout(60_000) { scanner.liveScanFlow(paced, frames).take(1).toList() }
        assertEquals(1, events.size)
        assertTrue(events.single().code.text in forms)
    }

    /** A frame the core refuses fails the flow with the typed error. */
    @Test
    fun aBadFrameFailsTheLiveScanFlow() = runBlocking<Unit> {
        val bad = LumaFrame(ByteBuffer.allocateDirect(100), 640, 480, 640)
        val error = assertThrows<CompanionException.InvalidFrame> {
            runBlocking { withTimeout(10_000) { scanner.liveScanFlow(liveConfig(), flow { emit(bad) }).first() } }
        }
        assertEquals("data", error.field)
    }

    @Test
    fun gs1ParsingAndPhotosThroughTheScanner() = runBlocking<Unit> {
        val elements = scanner.parseGs1("(01)09506000134352(17)261231(10)LOT42")
        assertEquals(listOf("01", "17", "10"), elements.map { it.ai })
        assertTrue(elements.all { it.issue == null }, "valid data: $elements")
        assertTrue(elements.first().typed is Gs1Value.Gtin)
        val link = scanner.parseGs1DigitalLink("https://id.gs1.org/01/09506000134352/10/LOT42")
        assertEquals(listOf("01", "10"), link?.map { it.ai })
        assertNull(scanner.parseGs1DigitalLink("https://example.com/not-gs1"))
        val error = assertThrows<CompanionException.InvalidGs1> { scanner.parseGs1("not gs1 at all") }
        assertEquals("invalid_gs1", error.code())
        assertFalse(error.isRetryable())

        // A photo (PNG bytes) decodes on the core's threads. The options are used as given:
        // a photo wants the thorough strategy, not the live default's 60 ms budget.
        val set = devSet()
        val name = "dev_0004.png"
        val forms = expectedTexts(File(set, "manifest.json").readText(), name).single()
        val photo = ScanOptions(scanner.defaultOptions().formats, DecodeStrategy.THOROUGH, 5000u)
        val outcome = scanner.decodeImage(File(set, name).readBytes(), photo)
        assertTrue(outcome.codes.any { it.text in forms }, "photo decoded: ${outcome.codes.map { it.text }}")
        assertFailsWithSuspend<CompanionException.InvalidFrame> { scanner.decodeImage(byteArrayOf(1, 2, 3), scanner.defaultOptions()) }
    }

    @Test
    fun ptiVoicePickCodeMatchesPublishedExample() {
        val code = scanner.ptiVoicePickCode("10850510002011", "46587443HG234", null)
        assertEquals("6359", code.code)
        assertEquals("59", code.large)
        assertEquals("63", code.small)
    }
}
