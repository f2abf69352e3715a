package app.companion.app

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.util.Log
import app.companion.CompanionException
import app.companion.android.CompanionActivity
import app.companion.android.CompanionProvider
import app.companion.wire.NotificationEvent
import app.companion.wire.NotificationKind
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/**
 * FCM's callbacks, on Firebase's worker thread (blocking briefly there is what the service
 * expects): a rotated token goes to the core, a data message is parsed by the core
 * (`parseFcm`) and shown as a notification that opens the app.
 */
class FcmService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        runBlocking {
            withTimeoutOrNull(TIMEOUT_MS) {
                val client = CompanionProvider.get(applicationContext, CompanionApplication.serverUrl(application))
                CompanionApplication.registerFcmToken(client, token)
            }
        }
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val client = runBlocking { withTimeoutOrNull(TIMEOUT_MS) { CompanionProvider.get(applicationContext, CompanionApplication.serverUrl(application)) } } ?: return
        val event =
            try {
                client.push().parseFcm(message.data)
            } catch (e: CompanionException) {
                // A malformed message: nothing to show. The field, never the payload.
                Log.w(CompanionApplication.TAG, "push message not understood: ${e.code()}")
                return
            }
        show(event)
    }

    private fun show(event: NotificationEvent) {
        val text =
            when (val kind = event.kind) {
                is NotificationKind.StockBelowThreshold -> "Low stock: ${kind.itemId} in ${kind.warehouseId}, ${kind.onHand} left (threshold ${kind.threshold})"
                is NotificationKind.PurchaseOrderProgress -> "Purchase order ${kind.poNumber}: ${kind.qtyReceived} of ${kind.qtyOrdered} received"
                is NotificationKind.ApprovalWaiting -> "An approval is waiting for you"
                is NotificationKind.DeliveryAssigned -> "A delivery stop was assigned to you"
                is NotificationKind.Unknown -> return // a newer server's kind: this version has no screen for it
            }
        // Asked at the point of use (NotificationSettingsScreen); without it, nothing is shown.
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            return
        }
        val manager = getSystemService(NotificationManager::class.java) ?: return
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            manager.createNotificationChannel(NotificationChannel(CHANNEL, "Warehouse alerts", NotificationManager.IMPORTANCE_DEFAULT))
        }
        val open =
            PendingIntent.getActivity(
                this,
                event.eventId.hashCode(),
                Intent(this, CompanionActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
                PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
            )
        val notification =
            (if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) android.app.Notification.Builder(this, CHANNEL) else @Suppress("DEPRECATION") android.app.Notification.Builder(this))
                .setSmallIcon(android.R.drawable.stat_notify_more)
                .setContentTitle("Companion")
                .setContentText(text)
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
        // One notification per event: a redelivered message replaces, never duplicates.
        manager.notify(event.eventId, 0, notification)
    }

    private companion object {
        const val CHANNEL = "warehouse-alerts"
        const val TIMEOUT_MS = 10_000L
    }
}
