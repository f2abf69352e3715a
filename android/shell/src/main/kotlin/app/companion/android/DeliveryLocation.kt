package app.companion.android

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.CancellationSignal
import android.os.Looper
import android.os.SystemClock
import app.companion.Deliveries
import app.companion.wire.LocationAuthorization
import app.companion.wire.LocationFix
import app.companion.wire.LocationProvider
import app.companion.wire.TriState
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.coroutines.resume
import kotlin.math.ceil

/**
 * The location of a proof of delivery: one current fix (`LocationManager.getCurrentLocation`),
 * taken while the driver captures the proof and converted to the core's `LocationFix` for
 * `Deliveries.setFix`. The core never asks for a location; the shell hands it this record.
 *
 * It never asks for permission itself: the capture screen asks through [PointOfUsePermissions]
 * (the core's decision for `Feature.PROOF_OF_DELIVERY`) before calling [currentFix]. One fix
 * per call, no continuous updates, never background location.
 *
 * "Approximate" (only `ACCESS_COARSE_LOCATION` granted) is not an error: the fix is reported
 * with `LocationAuthorization.APPROXIMATE`, and the core then judges the geofence `unknown`,
 * never `inside`, as it does for iOS reduced accuracy.
 */
class DeliveryLocation(private val context: Context, private val deliveries: Deliveries) {
    sealed class Outcome {
        /** A fix for `setFix`. */
        data class Fix(val fix: LocationFix) : Outcome()

        /** No location may be taken: not granted, or location services off. Ask the core's `decide`. */
        object Unavailable : Outcome()

        /** The platform gave no usable fix in time (indoors, airplane mode). */
        data class NoFix(val reason: String) : Outcome()
    }

    private val manager: LocationManager? = context.getSystemService(LocationManager::class.java)

    private fun granted(permission: String) = context.checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    /** Fine location granted: the fix is precise. Coarse only: approximate. */
    val isPrecise: Boolean get() = granted(Manifest.permission.ACCESS_FINE_LOCATION)

    /**
     * The provider a fix is asked from: the fused provider where the platform has it (it works
     * with coarse permission too, obfuscating the fix), else GPS with fine permission, else the
     * network provider. `null` when none of those is on.
     */
    fun provider(): String? {
        val manager = manager ?: return null
        val candidates = buildList {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) add(LocationManager.FUSED_PROVIDER)
            if (isPrecise) add(LocationManager.GPS_PROVIDER)
            add(LocationManager.NETWORK_PROVIDER)
        }
        val present = manager.allProviders
        return candidates.firstOrNull { it in present && manager.isProviderEnabled(it) }
    }

    /**
     * One current fix (the platform may answer with a recent cached one; its age says so), or
     * why there is none. Throws only what `pointFromDegrees` throws for coordinates out of range.
     */
    suspend fun currentFix(timeoutMs: Long = 15_000): Outcome {
        val manager = manager ?: return Outcome.NoFix("this device has no location service")
        if (!granted(Manifest.permission.ACCESS_FINE_LOCATION) && !granted(Manifest.permission.ACCESS_COARSE_LOCATION)) {
            return Outcome.Unavailable
        }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P && !manager.isLocationEnabled) return Outcome.Unavailable
        val provider = provider() ?: return Outcome.NoFix("no location provider is on")
        val location =
            try {
                withTimeoutOrNull(timeoutMs) { oneLocation(manager, provider) }
            } catch (e: SecurityException) {
                // The permission was revoked between the check and the call.
                return Outcome.Unavailable
            } ?: return Outcome.NoFix("no location within ${timeoutMs / 1000} s")
        return fixOf(location)?.let { Outcome.Fix(it) } ?: Outcome.NoFix("the location came without an accuracy")
    }

    private suspend fun oneLocation(manager: LocationManager, provider: String): Location? =
        suspendCancellableCoroutine { cont ->
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                val signal = CancellationSignal()
                cont.invokeOnCancellation { signal.cancel() }
                manager.getCurrentLocation(provider, signal, context.mainExecutor) { location -> if (cont.isActive) cont.resume(location) }
            } else {
                val listener =
                    object : LocationListener {
                        override fun onLocationChanged(location: Location) {
                            if (cont.isActive) cont.resume(location)
                        }

                        @Deprecated("Framework callback kept for API < 29")
                        override fun onStatusChanged(provider: String?, status: Int, extras: android.os.Bundle?) = Unit
                    }
                cont.invokeOnCancellation { manager.removeUpdates(listener) }
                @Suppress("DEPRECATION")
                manager.requestSingleUpdate(provider, listener, Looper.getMainLooper())
            }
        }

    /**
     * [location] as the core's record; `null` without a horizontal accuracy (the core refuses
     * accuracy 0, and a fix of unknown accuracy proves nothing).
     *
     * - accuracy: `Location.accuracy` (metres, 68 %) in centimetres, rounded up;
     * - fix time: `Location.time`; age: from `elapsedRealtimeNanos`, the monotonic clock, so a
     *   wrong wall clock cannot make a stale fix look fresh;
     * - mock: `isMock` (API 31) / `isFromMockProvider`; iOS's flags are `UNKNOWN` here;
     * - authorization: precise with fine location granted, else approximate.
     */
    fun fixOf(location: Location, nowElapsedNanos: Long = SystemClock.elapsedRealtimeNanos()): LocationFix? {
        if (!location.hasAccuracy() || location.accuracy <= 0f) return null
        val point = deliveries.pointFromDegrees(location.latitude, location.longitude)
        val accuracyCm = ceil(location.accuracy.toDouble() * 100).coerceIn(1.0, UInt.MAX_VALUE.toDouble())
        val ageMs = ((nowElapsedNanos - location.elapsedRealtimeNanos) / 1_000_000).coerceAtLeast(0)
        val mock =
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
                location.isMock
            } else {
                @Suppress("DEPRECATION")
                location.isFromMockProvider
            }
        return LocationFix(
            point = point,
            accuracyCm = accuracyCm.toUInt(),
            fixTimeMs = location.time,
            ageMs = ageMs.toULong(),
            provider =
                when (location.provider) {
                    LocationManager.GPS_PROVIDER -> LocationProvider.GPS
                    LocationManager.NETWORK_PROVIDER -> LocationProvider.NETWORK
                    "fused" -> LocationProvider.FUSED
                    else -> LocationProvider.OTHER
                },
            mock = if (mock) TriState.YES else TriState.NO,
            simulatedBySoftware = TriState.UNKNOWN,
            fromAccessory = TriState.UNKNOWN,
            authorization = if (isPrecise) LocationAuthorization.PRECISE else LocationAuthorization.APPROXIMATE,
        )
    }
}
