package app.companion.jvmtests

import app.companion.CompanionException
import app.companion.DeliveriesStatusListener
import app.companion.ProofSigner
import app.companion.ProofSignerException
import app.companion.core.DeliveriesStatus
import app.companion.core.ProofState
import app.companion.core.SignatureCapture
import app.companion.wire.DeliveryOutcome
import app.companion.wire.GeofenceVerdict
import app.companion.wire.LocationAuthorization
import app.companion.wire.LocationFix
import app.companion.wire.LocationProvider
import app.companion.wire.SignatureStrokes
import app.companion.wire.Stroke
import app.companion.wire.StrokePoint
import app.companion.wire.TriState
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * Proof of delivery through the bindings, as the driver's capture screen uses them (issue 10):
 * the route downloaded, a stop captured step by step from plain records (the fix the shell
 * got from the fused provider, a camera JPEG, the signature pad's strokes), sealed with the
 * device key, uploaded once, and the server's receipt checked; the status listener sees the
 * proof go from draft to uploaded. Bad input comes back as typed exceptions naming the field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveriesTest {
    private lateinit var server: ReferenceServer
    private val phones = Phones()

    @BeforeAll
    fun startServer() {
        server = ReferenceServer.start()
    }

    @AfterAll
    fun stopServer() {
        server.close()
    }

    @AfterEach
    fun closeClients() = phones.close()

    /** The repository's real camera JPEG (iPhone, EXIF with GPS). */
    private fun cameraJpeg(): ByteArray {
        var dir: File? = File(System.getProperty("user.dir")).absoluteFile
        while (dir != null && !File(dir, "Cargo.toml").isFile) dir = dir.parentFile
        return File(requireNotNull(dir), "fixtures/pod/camera-iphone6plus-gps.jpg").readBytes()
    }

    private fun strokes() = SignatureStrokes(
        width = 600u,
        height = 200u,
        strokes = listOf(
            Stroke(listOf(StrokePoint(40, 150, 0u), StrokePoint(90, 40, 16u), StrokePoint(140, 150, 32u))),
            Stroke(listOf(StrokePoint(300, 120, 80u), StrokePoint(360, 80, 96u))),
        ),
    )

    private class StatusRecorder : DeliveriesStatusListener {
        val seen = CopyOnWriteArrayList<DeliveriesStatus>()
        override fun onUpdate(status: DeliveriesStatus) {
            seen += status
        }
        override fun onEnd() = Unit
    }

    @Test
    fun `a stop is captured, sealed and uploaded once with a verified receipt`() = runBlocking<Unit> {
        val pod = phones.signedIn(server.url, "dave").deliveries()
        val stops = pod.downloadRoutes(null).flatMap { it.stops }
        val stop = stops.first { it.id == "stop-dave-1" }
        val recorder = StatusRecorder()
        val handle = pod.observeStatus(recorder)

        pod.startCapture(stop.id)
        // The fused provider's fix, ~30 m north of the door, 8 m accuracy, 2 s old.
        val point = pod.pointFromDegrees(stop.address.point.latE7 / 1e7 + 0.00027, stop.address.point.lonE7 / 1e7)
        val fix = LocationFix(
            point = point, accuracyCm = 800u, fixTimeMs = System.currentTimeMillis() - 2000, ageMs = 2000u,
            provider = LocationProvider.FUSED, mock = TriState.NO, simulatedBySoftware = TriState.UNKNOWN,
            fromAccessory = TriState.UNKNOWN, authorization = LocationAuthorization.PRECISE,
        )
        assertEquals(GeofenceVerdict.INSIDE, pod.setFix(stop.id, fix).geofence.verdict)
        val withPhoto = pod.addPhoto(stop.id, cameraJpeg())
        assertEquals(1, withPhoto.photos.size)
        assertTrue(withPhoto.photos[0].width <= 2048u)
        pod.setSignature(stop.id, SignatureCapture.Signed(strokes()))
        pod.setRecipient(stop.id, "Marieke Jansen")
        val ready = pod.setOutcome(stop.id, DeliveryOutcome.Delivered)
        assertEquals(emptyList<String>(), ready.missing)

        val sealed = pod.seal(stop.id, null)
        assertEquals(1uL, (sealed.state as ProofState.Sealed).sequence)
        assertEquals(1u, pod.status().queued)

        val report = pod.upload(null)
        assertEquals(1u, report.uploaded)
        val uploaded = pod.capture(stop.id).state
        assertInstanceOf(ProofState.Uploaded::class.java, uploaded)
        assertEquals(GeofenceVerdict.INSIDE, (uploaded as ProofState.Uploaded).receipt.geofence)
        val check = pod.verifyReceipt(stop.id)
        assertTrue(check.countersignatureValid && check.serverKeyPinned && check.matchesSeal)
        // Exactly once: nothing more goes.
        assertEquals(0u, pod.upload(null).uploaded)

        handle.cancel()
        val states = recorder.seen.mapNotNull { s -> s.stops.firstOrNull { it.stopId == stop.id }?.state }
        assertTrue(states.any { it is ProofState.Draft }, "$states")
        assertTrue(states.any { it is ProofState.Uploaded }, "$states")
    }

    @Test
    fun `bad input is a typed exception naming the field, and nothing captured is lost`() = runBlocking<Unit> {
        val pod = phones.signedIn(server.url, "dave").deliveries()
        pod.downloadRoutes(null)
        assertFailsWithSuspend<CompanionException.NotFound> { pod.startCapture("stop-lena-1") }
        pod.startCapture("stop-dave-3")
        pod.addPhoto("stop-dave-3", cameraJpeg())

        val nan = assertFailsWithSuspend<CompanionException.InvalidInput> { pod.pointFromDegrees(Double.NaN, 4.0) }
        assertEquals("fix.point", nan.field)
        val png = byteArrayOf(0x89.toByte(), 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0)
        assertEquals("photo", assertFailsWithSuspend<CompanionException.InvalidInput> { pod.addPhoto("stop-dave-3", png) }.field)
        val tap = SignatureStrokes(600u, 200u, listOf(Stroke(listOf(StrokePoint(5, 5, 0u)))))
        assertEquals(
            "signature",
            assertFailsWithSuspend<CompanionException.InvalidInput> { pod.setSignature("stop-dave-3", SignatureCapture.Signed(tap)) }.field,
        )
        pod.setOutcome("stop-dave-3", DeliveryOutcome.Delivered)
        // Two photos, a signature and the recipient are still required.
        assertEquals(
            "record.photos",
            assertFailsWithSuspend<CompanionException.InvalidInput> { pod.seal("stop-dave-3", null) }.field,
        )
        // A shell signer whose key is broken costs no place in the chain.
        val broken = object : ProofSigner {
            override fun publicKey(): ByteArray = ByteArray(65) { 4 }
            override fun sign(message: ByteArray): ByteArray = throw ProofSignerException.Failed("StrongBox busy")
        }
        pod.setOutcome("stop-dave-3", DeliveryOutcome.Refused("wrong order"))
        assertFailsWithSuspend<CompanionException.Platform> { pod.seal("stop-dave-3", broken) }
        // The same signer set once for the app (client level) instead of per call.
        assertFailsWithSuspend<CompanionException.Platform> { pod.withSigner(broken).seal("stop-dave-3", null) }

        val kept = pod.capture("stop-dave-3")
        assertEquals(1, kept.photos.size)
        assertInstanceOf(ProofState.Draft::class.java, kept.state)
    }
}
