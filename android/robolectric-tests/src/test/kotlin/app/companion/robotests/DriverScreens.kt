package app.companion.robotests

import android.app.Activity
import android.location.Location
import android.location.LocationManager
import android.os.SystemClock
import android.widget.Button
import app.companion.android.DeliveryCamera
import app.companion.android.screens.DeliveriesScreen
import app.companion.android.screens.ProofCaptureScreen
import app.companion.android.screens.StockLookupScreen
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import java.time.Clock

/**
 * The Activity the delivery tests run the screens on: also their DeliveryCamera, which hands
 * over the repository's camera JPEG as the photo just taken. Not named Test*: Surefire would
 * load it as a test class outside Robolectric's sandbox.
 */
class FixtureCameraActivity : Activity(), DeliveryCamera {
    var photosTaken = 0

    override suspend fun takePhoto(): ByteArray {
        photosTaken++
        return Fixtures.cameraJpeg
    }
}

/**
 * A driver's day in the delivery tests: phones signed in to [server], the app's screens on a
 * [FixtureCameraActivity], the way to a stop's proof capture, and the location the screens read
 * (Robolectric's LocationManager). Close it after each test.
 */
class DriverScreens(private val server: ServerForClass) : AutoCloseable {
    private val phones = mutableListOf<Phone>()
    var screens: ScreensOnActivity? = null
        private set
    val activity get() = checkNotNull(screens) { "nobody signed in yet" }.activity
    val host get() = checkNotNull(screens) { "nobody signed in yet" }.host
    val app get() = RuntimeEnvironment.getApplication()
    val locationManager: LocationManager get() = app.getSystemService(LocationManager::class.java)

    /** Another phone signed in as [user] (no screens), closed with this. */
    fun phone(user: String): Phone =
        Phone(server.url).also { phones += it }.apply { runBlocking { client.signIn(user, ReferenceServer.DEMO_PASSWORD) } }

    /** The app's screens for [user], at the stock screen. */
    fun signedIn(user: String): Phone {
        val phone = phone(user)
        screens = ScreensOnActivity(phone, FixtureCameraActivity::class.java)
        waitFor("the stock lookup screen") { host.current is StockLookupScreen }
        return phone
    }

    /** Presses the current screen's button [link]. */
    fun open(link: String) = findAll(host.current).filterIsInstance<Button>().first { it.text == link }.performClick()

    /** The stop's proof capture, reached through the app's links; nothing asked before it opens. */
    fun openStop(stopId: String): ProofCaptureScreen {
        open("Deliveries")
        val routes = host.current as DeliveriesScreen
        waitFor("the routes downloaded") { routes.stopRows.containsKey(stopId) }
        val row = routes.stopRows.getValue(stopId)
        assertTrue(row.text.toString(), row.text.contains("to deliver"))
        assertNull("nothing is asked before a capture starts", shadowOf(activity).lastRequestedPermission)
        row.performClick()
        return host.current as ProofCaptureScreen
    }

    /** Location services on, with the providers a phone has. */
    fun locationOn() {
        val shadow = shadowOf(locationManager)
        shadow.setLocationEnabled(true)
        shadow.setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        shadow.setProviderEnabled(LocationManager.NETWORK_PROVIDER, true)
    }

    /** A fix [northM] metres north of ([lat], [lon]), [accuracyM] accurate, fresh, as [provider] reports it. */
    fun placeFix(provider: String, lat: Double, lon: Double, northM: Double, accuracyM: Float) {
        val location =
            Location(provider).apply {
                latitude = lat + northM / 111_320.0
                longitude = lon
                accuracy = accuracyM
                // The core compares the fix time with the real clock; the age comes from the
                // (Robolectric) monotonic clock, as DeliveryLocation reads it.
                time = Clock.systemUTC().millis() - 1_000
                elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
            }
        val shadow = shadowOf(locationManager)
        shadow.setLocationEnabled(true)
        shadow.setProviderEnabled(provider, true)
        shadow.setLastKnownLocation(provider, location)
    }

    override fun close() {
        screens?.close()
        phones.forEach { it.close() }
    }
}
