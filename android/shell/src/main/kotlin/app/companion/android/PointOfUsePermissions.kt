package app.companion.android

import android.Manifest
import android.app.Activity
import android.app.NotificationManager
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.location.LocationManager
import android.net.Uri
import android.os.Build
import android.provider.Settings
import app.companion.Permissions
import app.companion.core.Feature
import app.companion.core.OsAuthorization
import app.companion.core.OsPermissionFacts
import app.companion.core.Permission
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import app.companion.core.PermissionPlatform
import kotlinx.coroutines.CompletableDeferred

/**
 * Point-of-use permissions on Android. Each feature asks at the moment the user starts it
 * (tapping "Scan", capturing a proof of delivery, switching a notification category on), never
 * at launch, and never for background location: do not put `ACCESS_BACKGROUND_LOCATION` in the
 * manifest.
 *
 * The shell only reports what the OS says ([facts]) and shows prompts; what to do next is the
 * core's decision (`client.permissions().decide`), shared with iOS: go ahead, ask, explain then
 * ask, send to Settings, or carry on with less. The core also remembers what this install asked
 * ([request] records it before the prompt): Android reports "never asked" and "don't ask again"
 * alike, and only that history tells them apart.
 *
 * Use it from the Activity's main thread (`lifecycleScope`); the suspend calls run on the core's
 * threads. The Activity forwards `onRequestPermissionsResult` to [onRequestPermissionsResult].
 *
 * ```kotlin
 * lifecycleScope.launch {
 *     var decision = permissions.decide(Feature.SCANNING)
 *     when (val action = decision.action) {
 *         is PermissionAction.Request -> decision = permissions.request(Feature.SCANNING, action.permissions)
 *         is PermissionAction.ExplainThenRequest -> showRationale { launch { permissions.request(Feature.SCANNING, action.permissions) } }
 *         is PermissionAction.OpenSettings -> offerSettings(permissions.settingsIntent(action))
 *         else -> Unit
 *     }
 * }
 * ```
 */
class PointOfUsePermissions(
    private val activity: Activity,
    private val core: Permissions,
) {
    private val waiting = HashMap<Int, CompletableDeferred<Unit>>()
    private var nextRequestCode = FIRST_REQUEST_CODE

    /** What the OS says now about every permission [feature] needs. Cheap. */
    fun facts(feature: Feature): List<OsPermissionFacts> = permissionsOf(feature).map(::factsOf)

    /** What [feature]'s screen does next, decided by the core from the OS facts and the ask history. */
    suspend fun decide(feature: Feature): PermissionDecision = core.decide(feature, facts(feature))

    /**
     * Shows the system prompt for [toAsk] (the permissions of a `Request`, or of an
     * `ExplainThenRequest` once the user has read the explanation) and returns the decision
     * after the user answered. The ask is recorded first, so a second refusal reads as "only
     * Settings now" rather than "never asked". Notifications below Android 13 have no prompt:
     * the decision is returned unchanged.
     */
    suspend fun request(feature: Feature, toAsk: List<Permission>): PermissionDecision {
        val manifest = toAsk.flatMap(::manifestPermissions)
        if (manifest.isEmpty()) return decide(feature)
        toAsk.forEach { core.recordAsked(it) }
        val answered = CompletableDeferred<Unit>()
        val requestCode = nextRequestCode++
        waiting[requestCode] = answered
        try {
            activity.requestPermissions(manifest.toTypedArray(), requestCode)
            answered.await()
        } finally {
            waiting.remove(requestCode)
        }
        return decide(feature)
    }

    /** Returns false for request codes this helper did not issue, so the Activity can route them. */
    fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray): Boolean {
        val answered = waiting.remove(requestCode) ?: return false
        // The new state is read back from the OS by decide(); the arrays are not needed.
        answered.complete(Unit)
        return true
    }

    /** Where an `OpenSettings` decision sends the user: location services, or this app's page. */
    fun settingsIntent(action: PermissionAction.OpenSettings): Intent =
        if (action.locationServices) {
            Intent(Settings.ACTION_LOCATION_SOURCE_SETTINGS)
        } else {
            Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", activity.packageName, null))
        }

    private fun permissionsOf(feature: Feature): List<Permission> =
        when (feature) {
            Feature.SCANNING -> listOf(Permission.CAMERA)
            Feature.PROOF_OF_DELIVERY -> listOf(Permission.CAMERA, Permission.LOCATION_WHILE_IN_USE)
            Feature.NOTIFICATIONS -> listOf(Permission.NOTIFICATIONS)
        }

    /**
     * The manifest permissions behind a core permission. Since Android 12 fine location is
     * requested together with coarse (the user may grant only approximate).
     */
    private fun manifestPermissions(permission: Permission): List<String> =
        when (permission) {
            Permission.CAMERA -> listOf(Manifest.permission.CAMERA)
            Permission.LOCATION_WHILE_IN_USE ->
                listOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
            Permission.NOTIFICATIONS ->
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) listOf(Manifest.permission.POST_NOTIFICATIONS) else emptyList()
        }

    private fun granted(manifestPermission: String): Boolean =
        activity.checkSelfPermission(manifestPermission) == PackageManager.PERMISSION_GRANTED

    private fun factsOf(permission: Permission): OsPermissionFacts =
        when (permission) {
            Permission.CAMERA -> android(permission, granted(Manifest.permission.CAMERA), Manifest.permission.CAMERA)
            Permission.LOCATION_WHILE_IN_USE -> {
                val authorization =
                    when {
                        granted(Manifest.permission.ACCESS_FINE_LOCATION) -> OsAuthorization.GRANTED
                        granted(Manifest.permission.ACCESS_COARSE_LOCATION) -> OsAuthorization.GRANTED_APPROXIMATE
                        else -> OsAuthorization.NOT_GRANTED
                    }
                OsPermissionFacts(
                    platform = PermissionPlatform.ANDROID,
                    permission = permission,
                    authorization = authorization,
                    shouldShowRationale = activity.shouldShowRequestPermissionRationale(Manifest.permission.ACCESS_FINE_LOCATION),
                    serviceEnabled = locationServicesOn(),
                )
            }
            Permission.NOTIFICATIONS -> {
                val enabled = activity.getSystemService(NotificationManager::class.java)?.areNotificationsEnabled() ?: false
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU && !granted(Manifest.permission.POST_NOTIFICATIONS)) {
                    android(permission, false, Manifest.permission.POST_NOTIFICATIONS)
                } else {
                    // Granted (or no runtime permission before Android 13), but the user may have
                    // switched notifications off in Settings: only Settings can undo that.
                    OsPermissionFacts(
                        platform = PermissionPlatform.ANDROID,
                        permission = permission,
                        authorization = if (enabled) OsAuthorization.GRANTED else OsAuthorization.DENIED,
                        shouldShowRationale = false,
                        serviceEnabled = true,
                    )
                }
            }
        }

    private fun android(permission: Permission, granted: Boolean, manifestPermission: String) =
        OsPermissionFacts(
            platform = PermissionPlatform.ANDROID,
            permission = permission,
            authorization = if (granted) OsAuthorization.GRANTED else OsAuthorization.NOT_GRANTED,
            shouldShowRationale = !granted && activity.shouldShowRequestPermissionRationale(manifestPermission),
            serviceEnabled = true,
        )

    private fun locationServicesOn(): Boolean {
        val manager = activity.getSystemService(Context.LOCATION_SERVICE) as? LocationManager ?: return false
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            manager.isLocationEnabled
        } else {
            @Suppress("DEPRECATION")
            manager.isProviderEnabled(LocationManager.GPS_PROVIDER) || manager.isProviderEnabled(LocationManager.NETWORK_PROVIDER)
        }
    }

    private companion object {
        // Kept clear of the low codes apps tend to use for their own requests.
        const val FIRST_REQUEST_CODE = 0x4300
    }
}
