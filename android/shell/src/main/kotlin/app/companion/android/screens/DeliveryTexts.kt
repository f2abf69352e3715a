package app.companion.android.screens

import app.companion.core.ProofState
import app.companion.wire.DeliveryOutcome
import app.companion.wire.GeofenceAssessment
import app.companion.wire.GeofenceVerdict
import app.companion.wire.ItemDiscrepancy
import app.companion.wire.Stop
import app.companion.wire.StopStatus
import app.companion.wire.TimeWindow
import app.companion.wire.UnknownReason
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

/** The deliveries' records in words, shared by the routes list and the capture screen (worded as the iOS app's). */
object DeliveryTexts {
    fun proofState(state: ProofState?, stop: Stop): String =
        when (state) {
            null -> if (stop.status == StopStatus.COMPLETED) "completed" else "to deliver"
            is ProofState.Draft -> "proof started"
            is ProofState.Sealed -> "proof sealed, waiting to upload"
            is ProofState.Uploading -> "uploading ${state.done}/${state.total}"
            is ProofState.Uploaded -> "proof received by the office"
            is ProofState.Rejected -> "proof refused: ${state.reason}"
        }

    /** "06:00–09:00" in [zone] (the phone's time zone on a device). */
    fun window(window: TimeWindow, zone: ZoneId): String {
        val hm = DateTimeFormatter.ofPattern("HH:mm").withZone(zone)
        return "${hm.format(Instant.ofEpochMilli(window.startMs))}–${hm.format(Instant.ofEpochMilli(window.endMs))}"
    }

    fun geofence(geofence: GeofenceAssessment): String {
        val distance = geofence.distanceM?.let { " (${it.toInt()} m from the address)" } ?: ""
        return when (geofence.verdict) {
            GeofenceVerdict.INSIDE -> "At the address$distance"
            GeofenceVerdict.WARN -> "Near the address$distance: check you are at the right door"
            GeofenceVerdict.OUTSIDE -> "Away from the address$distance"
            GeofenceVerdict.UNKNOWN ->
                when (geofence.unknownReason) {
                    UnknownReason.NO_FIX, null -> "Place unknown: no location yet"
                    UnknownReason.APPROXIMATE_ONLY -> "Place unknown: the location is approximate (precise location is off)"
                    UnknownReason.ACCURACY_TOO_WIDE -> "Place unknown: the location is not accurate enough"
                    UnknownReason.STALE_FIX -> "Place unknown: the location is too old; take it again"
                }
        }
    }

    fun outcome(outcome: DeliveryOutcome): String =
        when (outcome) {
            is DeliveryOutcome.Delivered -> "delivered"
            is DeliveryOutcome.Partial -> "partly delivered (${outcome.lines.size} lines)"
            is DeliveryOutcome.Refused -> "refused: ${outcome.reason}"
            is DeliveryOutcome.NotDelivered -> "not delivered: ${outcome.reason}"
        }

    fun discrepancy(d: ItemDiscrepancy): String =
        when (d) {
            is ItemDiscrepancy.Short -> "${d.gtin}: ${d.scanned} of ${d.expected}, short"
            is ItemDiscrepancy.Over -> "${d.gtin}: ${d.scanned} of ${d.expected}, over"
            is ItemDiscrepancy.WrongLot -> "${d.gtin}: lot ${d.scannedLot ?: "none"} instead of ${d.expectedLot}"
            is ItemDiscrepancy.NotOnManifest -> "${d.gtin} × ${d.quantity} is not on the manifest"
            is ItemDiscrepancy.ManualEntry -> "${d.gtin} typed in: ${d.reason}"
        }
}
