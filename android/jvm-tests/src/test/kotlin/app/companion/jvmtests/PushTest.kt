package app.companion.jvmtests

import app.companion.CompanionException
import app.companion.core.RegisterOutcome
import app.companion.core.RegisterReason
import app.companion.wire.Category
import app.companion.wire.NotificationKind
import app.companion.wire.Preference
import app.companion.wire.PushProvider
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * Push notifications through the bindings, as a `FirebaseMessagingService` would use them
 * (issue 11: the whole API through the bindings): the FCM token registered with the reference
 * server, preferences edited offline and synced, a data message parsed into a typed event
 * carrying its deep-link target, and unregistration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushTest {
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

    /** An FCM registration token: URL-safe base64 with ':' separators, as Firebase issues them. */
    private val fcmToken = "dQw4w9WgXcQ:APA91bH_example-token.0123456789_abcdefghijklmnopqrstuvwxyzABCDEF"

    @Test
    fun `an FCM token registers once, and unregistering stops notifications`() = runBlocking<Unit> {
        val push = phones.signedIn(server.url, "maria").push()
        assertFalse(push.status().registered, "nothing registered on a new install")

        // onNewToken: the first hand-over registers with the server.
        val first = push.registerToken(PushProvider.FCM, fcmToken, null)
        assertInstanceOf(RegisterOutcome.Registered::class.java, first)
        assertEquals(RegisterReason.FIRST, (first as RegisterOutcome.Registered).reason)
        val status = push.status()
        assertTrue(status.registered)
        assertEquals(PushProvider.FCM, status.provider)
        assertEquals(first.registeredAt, status.registeredAt)
        assertEquals(1, status.attemptsToday.toInt())

        // Every app start hands the same token over again: no request is due.
        assertEquals(RegisterOutcome.UpToDate, push.registerToken(PushProvider.FCM, fcmToken, null))
        // Firebase rotated the token.
        val rotated = push.registerToken(PushProvider.FCM, "$fcmToken-rotated", null)
        assertEquals(RegisterReason.ROTATED, (rotated as RegisterOutcome.Registered).reason)

        // A token with characters FCM never issues is refused before any request.
        val bad = assertFailsWithSuspend<CompanionException.InvalidInput> {
            push.registerToken(PushProvider.FCM, "not a token!", null)
        }
        assertEquals("token", bad.field)

        assertTrue(push.unregister(), "online: the server confirmed")
        val after = push.status()
        assertFalse(after.registered)
        assertFalse(after.unregisterPending)
    }

    @Test
    fun `preferences are edited offline, synced, and validated per category`() = runBlocking<Unit> {
        val push = phones.signedIn(server.url, "maria").push()
        assertEquals(emptyList<Preference>(), push.preferences(), "every category starts on")

        push.setPreference(Category.STOCK_BELOW_THRESHOLD, "wh-south", false)
        push.setPreference(Category.APPROVAL, null, false)
        val off = setOf(
            Preference(Category.STOCK_BELOW_THRESHOLD, "wh-south", false),
            Preference(Category.APPROVAL, null, false),
        )
        assertEquals(off, push.preferences().toSet(), "edits show at once, before any sync")
        assertTrue(push.status().preferencesPending.toInt() > 0, "and wait to be sent")

        assertEquals(off, push.syncPreferences().toSet(), "the server kept them")
        assertEquals(0, push.status().preferencesPending.toInt())

        // Stock alerts are per warehouse (one she works in); the others are not.
        val noWarehouse = assertFailsWithSuspend<CompanionException.InvalidInput> {
            push.setPreference(Category.STOCK_BELOW_THRESHOLD, null, false)
        }
        assertEquals("warehouse_id", noWarehouse.field)
        val notPerWarehouse = assertFailsWithSuspend<CompanionException.InvalidInput> {
            push.setPreference(Category.APPROVAL, "wh-north", true)
        }
        assertEquals("warehouse_id", notPerWarehouse.field)
        val foreign = assertFailsWithSuspend<CompanionException.InvalidInput> {
            push.setPreference(Category.STOCK_BELOW_THRESHOLD, "wh-elsewhere", false)
        }
        assertEquals("warehouse_id", foreign.field)
    }

    @Test
    fun `an FCM data message parses into a typed event with its deep-link target`() = runBlocking<Unit> {
        val push = phones.signedIn(server.url, "maria").push()
        // RemoteMessage.data as the server sends it (wire/src/notification.rs: every value a string).
        val data = mapOf(
            "v" to "1",
            "type" to "stock_below_threshold",
            "event_id" to "evt-0001",
            "warehouse_id" to "wh-north",
            "item_id" to "I000000",
            "on_hand" to "3",
            "threshold" to "10",
            "link" to "companion://item/wh-north/I000000",
        )
        val event = push.parseFcm(data)
        assertEquals("evt-0001", event.eventId)
        val kind = event.kind as NotificationKind.StockBelowThreshold
        assertEquals(NotificationKind.StockBelowThreshold("wh-north", "I000000", 3L, 10L), kind)
        // The deep link the notification opens: the item's stock screen of that warehouse.
        // (The bindings carry the target as the kind's ids; see android/README.md on DeepLink.)
        assertEquals(data["link"], "companion://item/${kind.warehouseId}/${kind.itemId}")

        // The same event from APNs userInfo (numbers may be JSON numbers there).
        val apns = push.parseApns(
            """{"aps":{"alert":"Low stock"},"type":"stock_below_threshold","event_id":"evt-0001",""" +
                """"warehouse_id":"wh-north","item_id":"I000000","on_hand":3,"threshold":10}""",
        )
        assertEquals(event, apns)

        // Other kinds, an unknown type (a newer server), and a broken payload.
        val po = push.parseFcm(
            mapOf(
                "type" to "po_progress", "event_id" to "evt-2", "warehouse_id" to "wh-south", "po_number" to "PO-7",
                "po_line_id" to "PO-7-1", "qty_received" to "4", "qty_ordered" to "10",
            ),
        )
        assertEquals(NotificationKind.PurchaseOrderProgress("wh-south", "PO-7", "PO-7-1", 4L, 10L), po.kind)
        assertEquals(
            NotificationKind.DeliveryAssigned("stop-9"),
            push.parseFcm(mapOf("type" to "delivery_assigned", "event_id" to "e3", "stop_id" to "stop-9")).kind,
        )
        assertEquals(
            NotificationKind.Unknown("weather_warning"),
            push.parseFcm(mapOf("type" to "weather_warning", "event_id" to "e4")).kind,
        )
        val broken = assertFailsWithSuspend<CompanionException.InvalidInput> {
            push.parseFcm(mapOf("type" to "stock_below_threshold", "event_id" to "e5", "warehouse_id" to "wh-north"))
        }
        assertEquals("item_id", broken.field)
        assertNotNull(broken.detail)
    }

    @Test
    fun `push calls need a signed-in account but parsing does not`() = runBlocking<Unit> {
        val phone = phones.open(server.url)
        val push = phone.push()
        assertFailsWithSuspend<CompanionException.NotSignedIn> { push.status() }
        assertFailsWithSuspend<CompanionException.NotSignedIn> { push.registerToken(PushProvider.FCM, fcmToken, null) }
        val event = push.parseFcm(mapOf("type" to "approval_waiting", "event_id" to "e1", "approval_id" to "A-1"))
        assertEquals(NotificationKind.ApprovalWaiting("A-1"), event.kind)
    }
}
