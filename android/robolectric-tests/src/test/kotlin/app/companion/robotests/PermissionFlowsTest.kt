package app.companion.robotests

import android.Manifest
import android.app.Activity
import android.app.Application
import android.app.NotificationManager
import android.content.Intent
import android.location.LocationManager
import android.net.Uri
import android.provider.Settings
import org.robolectric.RuntimeEnvironment
import app.companion.CompanionClient
import app.companion.android.PointOfUsePermissions
import app.companion.core.CompanionConfig
import app.companion.core.Degradation
import app.companion.core.DeviceInfo
import app.companion.core.Feature
import app.companion.core.Permission
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowActivity
import java.io.File
import java.nio.file.Files

/**
 * The point-of-use permission flows of the shell (PointOfUsePermissions) against a real
 * Activity under Robolectric, with the core's decisions from the host library: what the core
 * decided, what the Activity actually asked the OS, and which Settings screen was opened.
 * The "user" answers prompts through Robolectric's permission and rationale controls.
 */
@RunWith(RobolectricTestRunner::class)
class PermissionFlowsTest {
    private lateinit var dataDir: File
    private lateinit var client: CompanionClient
    private lateinit var app: Application
    private lateinit var activity: Activity
    private lateinit var shadowActivity: ShadowActivity
    private lateinit var permissions: PointOfUsePermissions

    /** Every set of manifest permissions the Activity asked for, in order. */
    private val asked = mutableListOf<List<String>>()

    @Before
    fun setUp() {
        dataDir = Files.createTempDirectory("companion-robolectric-").toFile()
        val device = DeviceInfo(platform = "android", model = "Robolectric", osVersion = "34", appVersion = "0.1.0-test")
        // No server is contacted: permission decisions are local to the install.
        client = runBlocking { CompanionClient.open(CompanionConfig(dataDir.absolutePath, "http://127.0.0.1:9", device), MapStorage()) }
        app = RuntimeEnvironment.getApplication()
        activity = Robolectric.buildActivity(Activity::class.java).setup().get()
        shadowActivity = shadowOf(activity)
        permissions = PointOfUsePermissions(activity, client.permissions())
        shadowOf(app.getSystemService(LocationManager::class.java)).setLocationEnabled(true)
        assertNull("nothing is asked at launch", shadowActivity.lastRequestedPermission)
    }

    @After
    fun tearDown() {
        assertTrue("background location is never requested: $asked", asked.flatten().none { it == Manifest.permission.ACCESS_BACKGROUND_LOCATION })
        client.close()
        dataDir.deleteRecursively()
    }

    private fun decide(feature: Feature): PermissionDecision = runBlocking { permissions.decide(feature) }

    /** The OS's rationale flag for [permission], as Android sets it after a first refusal. */
    private fun rationale(permission: String, show: Boolean) = shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(permission, show)

    /**
     * Shows the system prompt for [toAsk] through the shell; [user] then answers it (grants,
     * denies, sets the rationale flag) and the Activity forwards the result to the shell.
     * Returns the decision after the answer.
     */
    private fun request(feature: Feature, toAsk: List<Permission>, user: () -> Unit): PermissionDecision =
        runBlocking {
            val before = shadowActivity.lastRequestedPermission
            val pending = async { permissions.request(feature, toAsk) }
            withTimeout(10_000) { while (shadowActivity.lastRequestedPermission === before) delay(5) }
            val prompt = shadowActivity.lastRequestedPermission
            asked += prompt.requestedPermissions.toList()
            user()
            val results = prompt.requestedPermissions.map { activity.checkSelfPermission(it) }.toIntArray()
            assertTrue("the shell owns its request code", permissions.onRequestPermissionsResult(prompt.requestCode, prompt.requestedPermissions, results))
            withTimeout(10_000) { pending.await() }
        }

    /** Starts what an OpenSettings decision offers and returns the Intent the Activity started. */
    private fun openSettings(decision: PermissionDecision): Intent {
        val action = decision.action as PermissionAction.OpenSettings
        activity.startActivity(permissions.settingsIntent(action))
        return shadowActivity.nextStartedActivity
    }

    private fun assertAppSettings(started: Intent) {
        assertEquals(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, started.action)
        assertEquals(Uri.fromParts("package", activity.packageName, null), started.data)
    }

    @Test
    fun scanningAsksThenExplainsThenSendsToSettings() {
        var decision = decide(Feature.SCANNING)
        assertEquals(PermissionAction.Request(listOf(Permission.CAMERA)), decision.action)

        // First refusal: Android now shows a rationale, so the app explains and asks again.
        decision = request(Feature.SCANNING, listOf(Permission.CAMERA)) { rationale(Manifest.permission.CAMERA, true) }
        assertEquals(listOf(Manifest.permission.CAMERA), asked.last())
        assertEquals(PermissionAction.ExplainThenRequest(listOf(Permission.CAMERA)), decision.action)

        // Second refusal ("don't ask again"): no rationale; only Settings can help.
        decision = request(Feature.SCANNING, listOf(Permission.CAMERA)) { rationale(Manifest.permission.CAMERA, false) }
        assertEquals(listOf(Manifest.permission.CAMERA), asked.last())
        assertEquals(PermissionAction.OpenSettings(listOf(Permission.CAMERA), false), decision.action)
        assertEquals(listOf(Degradation.MANUAL_ENTRY), client.permissions().degradeWithout(Feature.SCANNING, decision))
        assertAppSettings(openSettings(decision))

        // Granted in Settings: back in the app the scanner proceeds without another prompt.
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val prompts = asked.size
        assertEquals(PermissionAction.Proceed, decide(Feature.SCANNING).action)
        assertEquals(prompts, asked.size)
        assertEquals(2, asked.size)
    }

    @Test
    fun scanningGrantedAtTheFirstAskProceeds() {
        val decision = request(Feature.SCANNING, listOf(Permission.CAMERA)) { shadowOf(app).grantPermissions(Manifest.permission.CAMERA) }
        assertEquals(PermissionAction.Proceed, decision.action)
    }

    @Test
    fun deliveryCaptureWithApproximateLocationDegradesToAnUnknownGeofence() {
        val first = decide(Feature.PROOF_OF_DELIVERY)
        assertEquals(PermissionAction.Request(listOf(Permission.CAMERA, Permission.LOCATION_WHILE_IN_USE)), first.action)
        val toAsk = (first.action as PermissionAction.Request).permissions

        // The user grants the camera and only approximate location.
        val decision =
            request(Feature.PROOF_OF_DELIVERY, toAsk) {
                shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_COARSE_LOCATION)
                rationale(Manifest.permission.ACCESS_FINE_LOCATION, false)
            }
        // Fine is asked together with coarse (Android 12+), never background location.
        assertEquals(
            listOf(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
            asked.single(),
        )
        assertEquals(PermissionAction.Degrade(listOf(Degradation.GEOFENCE_UNKNOWN)), decision.action)
        assertEquals(listOf(Degradation.GEOFENCE_UNKNOWN), client.permissions().degradeWithout(Feature.PROOF_OF_DELIVERY, decision))

        // While Android offers "change to precise" (rationale for fine), the app explains and asks for it.
        rationale(Manifest.permission.ACCESS_FINE_LOCATION, true)
        assertEquals(PermissionAction.ExplainThenRequest(listOf(Permission.LOCATION_WHILE_IN_USE)), decide(Feature.PROOF_OF_DELIVERY).action)
    }

    @Test
    fun deliveryCaptureWithLocationServicesOffSendsToLocationSettings() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        assertEquals(PermissionAction.Proceed, decide(Feature.PROOF_OF_DELIVERY).action)

        shadowOf(app.getSystemService(LocationManager::class.java)).setLocationEnabled(false)
        val decision = decide(Feature.PROOF_OF_DELIVERY)
        assertEquals(PermissionAction.OpenSettings(emptyList(), true), decision.action)
        assertEquals(Settings.ACTION_LOCATION_SOURCE_SETTINGS, openSettings(decision).action)
        assertTrue("nothing to ask: the permissions are granted", asked.isEmpty())
    }

    @Test
    fun notificationsAreAskedOnlyWhenACategoryIsTurnedOn() {
        // Launch, scanning and deliveries never ask for notifications.
        assertNull(shadowActivity.lastRequestedPermission)

        // The user switches a category on: now POST_NOTIFICATIONS is asked, and granted.
        val decision = decide(Feature.NOTIFICATIONS)
        assertEquals(PermissionAction.Request(listOf(Permission.NOTIFICATIONS)), decision.action)
        val after = request(Feature.NOTIFICATIONS, listOf(Permission.NOTIFICATIONS)) { shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS) }
        assertEquals(listOf(Manifest.permission.POST_NOTIFICATIONS), asked.single())
        assertEquals(PermissionAction.Proceed, after.action)

        // Later switched off for the app in Settings: only Settings can undo that.
        shadowOf(app.getSystemService(NotificationManager::class.java)).setNotificationsEnabled(false)
        val off = decide(Feature.NOTIFICATIONS)
        assertEquals(PermissionAction.OpenSettings(listOf(Permission.NOTIFICATIONS), false), off.action)
        assertAppSettings(openSettings(off))
    }

    @Test
    fun notificationsDeniedWithoutRationaleSendToSettings() {
        val decision = request(Feature.NOTIFICATIONS, listOf(Permission.NOTIFICATIONS)) { rationale(Manifest.permission.POST_NOTIFICATIONS, false) }
        assertEquals(PermissionAction.OpenSettings(listOf(Permission.NOTIFICATIONS), false), decision.action)
        assertEquals(listOf(Degradation.NO_NOTIFICATIONS), client.permissions().degradeWithout(Feature.NOTIFICATIONS, decision))
        assertAppSettings(openSettings(decision))
        assertFalse(asked.isEmpty())
    }
}
