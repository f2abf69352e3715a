package app.companion.android.screens

import android.app.Activity
import app.companion.CompanionClient
import app.companion.core.SessionState
import app.companion.flows.sessionFlow
import app.companion.android.DeliveryCamera
import app.companion.android.DeliveryLocation
import app.companion.android.PointOfUsePermissions
import app.companion.core.Item
import app.companion.wire.Account
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch

/**
 * The app's screens and the way between them, routed by the core's session stream: signed out
 * shows [SignInScreen]; a sign-in (or a launch already signed in) shows the signed-in screens
 * and, with [autoSync], runs the core's sync loop until sign-out (it starts with the first
 * download, which [SyncStatusView] shows) and its proof-of-delivery upload loop.
 */
class AppScreens(
    private val activity: Activity,
    private val client: CompanionClient,
    private val host: ScreenHost,
    /** The Activity's; it forwards onRequestPermissionsResult to it. */
    private val permissions: PointOfUsePermissions,
    private val autoSync: Boolean = true,
) {
    fun start(scope: CoroutineScope): Job =
        scope.launch {
            var syncLoop: app.companion.TaskHandle? = null
            var uploadLoop: app.companion.TaskHandle? = null
            try {
                client.sessionFlow()
                    .map { (it as? SessionState.SignedIn)?.account }
                    .distinctUntilChanged { a, b -> a?.id == b?.id }
                    .collect { account ->
                        syncLoop?.let { it.cancel(); it.close() }
                        syncLoop = null
                        uploadLoop?.let { it.cancel(); it.close() }
                        uploadLoop = null
                        if (account == null) {
                            host.show { SignInScreen(activity, client, it) }
                        } else {
                            // The screen first, so its status stream is subscribed when the
                            // first download starts.
                            host.show { stockLookup(account, it) }
                            if (autoSync) syncLoop = client.inventory().startAutoSync()
                            // Sealed proofs of delivery go up as soon as they can, also those
                            // sealed offline (the core retries with backoff).
                            if (autoSync) uploadLoop = client.deliveries().startAutoUpload()
                        }
                    }
            } finally {
                syncLoop?.let { it.cancel(); it.close() }
                uploadLoop?.let { it.cancel(); it.close() }
            }
        }

    private fun stockLookup(account: Account, scope: CoroutineScope) =
        StockLookupScreen(activity, client.inventory(), scope, onOpen = ::openItem).apply {
            addLinks(
                "Scan" to { host.push(::scanner) },
                "Notifications" to {
                    host.push { NotificationSettingsScreen(activity, client.push(), permissions, account, it, activity::startActivity) }
                },
                "Profile" to { host.push { ProfileScreen(activity, client.account(), it) } },
                "Deliveries" to ::openDeliveries,
            )
        }

    /** The driver's routes; a stop opens its proof capture (photos from the Activity's camera, when it has one; items scanned). */
    private fun openDeliveries() =
        host.push { scope ->
            DeliveriesScreen(activity, client.deliveries(), scope) { stop ->
                host.push {
                    val deliveries = client.deliveries()
                    ProofCaptureScreen(
                        activity, deliveries, stop, permissions, client.permissions(), activity as? DeliveryCamera,
                        DeliveryLocation(activity, deliveries), it, activity::startActivity,
                        scanner = client.scanner(),
                    )
                }
            }
        }

    /** The camera scanner; a code it reads opens the item above it, Back returns to scanning. */
    private fun scanner(scope: CoroutineScope) =
        ScannerScreen(activity, client.scanner(), client.inventory(), permissions, scope, activity::startActivity, onOpen = ::openItem)

    private fun openItem(item: Item) =
        host.push { scope ->
            ItemStockScreen(activity, client.inventory(), item.warehouseId, item.itemId, scope) { stock, kind ->
                host.push { StockActionScreen(activity, client.inventory(), stock, kind, it, onDone = { host.back() }) }
            }
        }
}
