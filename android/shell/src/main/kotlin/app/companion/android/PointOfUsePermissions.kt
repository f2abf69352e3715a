package app.companion.android

import android.Manifest
import android.app.Activity
import android.content.pm.PackageManager

/**
 * What the app needs a runtime permission for. Each feature asks at the moment the user starts
 * it (tapping "Scan", signing a delivery), never at launch, and never for background location:
 * Companion only records where a delivery was signed while the app is on screen.
 */
enum class DeviceFeature(val permissions: List<String>, val essential: String) {
    /** Scanning pallet labels and lot barcodes with the camera. */
    BARCODE_SCAN(listOf(Manifest.permission.CAMERA), Manifest.permission.CAMERA),

    /**
     * Stamping a proof of delivery with the place it was signed. Since Android 12 fine location
     * must be requested together with coarse (the user may grant only approximate); the stamp
     * needs the precise one.
     */
    DELIVERY_LOCATION(
        listOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
        Manifest.permission.ACCESS_FINE_LOCATION,
    ),
}

enum class PermissionOutcome {
    GRANTED,

    /** Refused this time; asking again later (after explaining why) is allowed. */
    DENIED,

    /** "Don't ask again" (or policy): only the system settings screen can grant it now. */
    DENIED_PERMANENTLY,
}

/**
 * Asks for a feature's permissions at the point of use, through the platform Activity API (no
 * AndroidX here). The Activity forwards its onRequestPermissionsResult to [onRequestPermissionsResult].
 */
class PointOfUsePermissions(private val activity: Activity) {
    private val waiting = HashMap<Int, Pair<DeviceFeature, (PermissionOutcome) -> Unit>>()
    private var nextRequestCode = FIRST_REQUEST_CODE

    fun isGranted(feature: DeviceFeature): Boolean =
        activity.checkSelfPermission(feature.essential) == PackageManager.PERMISSION_GRANTED

    /** Runs [onOutcome] at once if already granted, else after the system dialog answers. */
    fun request(feature: DeviceFeature, onOutcome: (PermissionOutcome) -> Unit) {
        if (isGranted(feature)) {
            onOutcome(PermissionOutcome.GRANTED)
            return
        }
        val requestCode = nextRequestCode++
        waiting[requestCode] = feature to onOutcome
        activity.requestPermissions(feature.permissions.toTypedArray(), requestCode)
    }

    /** Returns false for request codes this helper did not issue, so the Activity can route them. */
    fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray): Boolean {
        val (feature, onOutcome) = waiting.remove(requestCode) ?: return false
        val index = permissions.indexOf(feature.essential)
        val granted = index >= 0 && grantResults.getOrNull(index) == PackageManager.PERMISSION_GRANTED
        onOutcome(
            when {
                granted -> PermissionOutcome.GRANTED
                // After a refusal the system only offers a rationale while it will still show
                // the dialog; no rationale means the dialog will not appear again.
                activity.shouldShowRequestPermissionRationale(feature.essential) -> PermissionOutcome.DENIED
                else -> PermissionOutcome.DENIED_PERMANENTLY
            },
        )
        return true
    }

    private companion object {
        // Kept clear of the low codes apps tend to use for their own requests.
        const val FIRST_REQUEST_CODE = 0x4300
    }
}
