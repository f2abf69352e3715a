package app.companion.jvmtests

import app.companion.CompanionException
import app.companion.core.NewMovement
import app.companion.core.SyncActivity
import app.companion.flows.IDLE_SYNC_STATUS
import app.companion.flows.syncStatusFlow
import app.companion.flows.syncStatusStateFlow
import app.companion.wire.MovementKind
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * The one error type every call throws, as an Android screen handles it: the subclass to `when`
 * over, the field to highlight, whether retrying later may help, and the stable `code()` for
 * analytics and logs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorModelTest {
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

    @Test
    fun `signed out, every account call is NotSignedIn`() = runBlocking<Unit> {
        val client = phones.open(server.url)
        val inventory = client.inventory()
        val errors = listOf(
            assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.lookup("4006381333931") },
            assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.sync(null) },
            assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.syncStatusFlow().first() },
            assertFailsWithSuspend<CompanionException.NotSignedIn> { inventory.startAutoSync() },
            assertFailsWithSuspend<CompanionException.NotSignedIn> { client.push().preferences() },
        )
        for (e in errors) {
            assertEquals("not_signed_in", e.code())
            assertFalse(e.isRetryable(), "signing in is up to the user")
            assertNull(e.retryAfterMs())
        }

        // A ViewModel's StateFlow started while signed out holds its placeholder instead of
        // throwing NotSignedIn into the ViewModel's scope.
        coroutineScope {
            val status = inventory.syncStatusStateFlow(this, SharingStarted.Eagerly)
            delay(300)
            assertEquals(IDLE_SYNC_STATUS, status.value)
            coroutineContext.cancelChildren()
        }
    }

    @Test
    fun `bad input is InvalidInput naming the field`() = runBlocking<Unit> {
        val client = phones.open(server.url)
        val empty = assertFailsWithSuspend<CompanionException.InvalidInput> { client.signIn("", ReferenceServer.DEMO_PASSWORD) }
        assertEquals("username", empty.field)
        assertEquals("invalid_input", empty.code())
        assertFalse(empty.isRetryable())

        client.signIn("dave", ReferenceServer.DEMO_PASSWORD)
        val inventory = client.inventory()
        inventory.sync(null)
        val line = inventory.item("wh-north", "I000000").lines.first()
        val zero = assertFailsWithSuspend<CompanionException.InvalidInput> {
            inventory.record(
                NewMovement(
                    warehouseId = "wh-north", kind = MovementKind.PICK, itemId = "I000000", lotId = line.lotId,
                    locationId = line.locationId, toLocationId = null, qty = 0, reason = null, poLineId = null,
                ),
            )
        }
        assertEquals("qty", zero.field)
        assertTrue(zero.detail.isNotBlank())
        assertEquals(emptyList<Any>(), inventory.movements(false, 10u), "nothing was recorded")

        val missing = assertFailsWithSuspend<CompanionException.NotFound> { inventory.lookup("0000000000000") }
        assertEquals("not_found", missing.code())
        assertFalse(missing.isRetryable())
    }

    @Test
    fun `wrong credentials are Unauthorized, not retryable`() = runBlocking<Unit> {
        val client = phones.open(server.url)
        val e = assertFailsWithSuspend<CompanionException.Unauthorized> { client.signIn("maria", "wrong-password") }
        assertEquals("unauthorized", e.code())
        assertFalse(e.isRetryable())
    }

    @Test
    fun `an unreachable server is Offline and retryable, and the sync status says so`() = runBlocking<Unit> {
        val client = phones.open(ReferenceServer.closedLoopbackUrl())
        val signIn = assertFailsWithSuspend<CompanionException.Offline> { client.signIn("maria", ReferenceServer.DEMO_PASSWORD) }
        assertEquals("offline", signIn.code())
        assertTrue(signIn.isRetryable(), "the same call may work once the network is back")
        assertNull(signIn.retryAfterMs())

        // Signed in, then the server goes away: the sync fails Offline, the status shows it,
        // and the offline work keeps going.
        val ownServer = ReferenceServer.start()
        val phone = ownServer.use {
            phones.signedIn(ownServer.url, "dave").also { it.inventory().sync(null) }
        }
        val inventory = phone.inventory()
        val offline = assertFailsWithSuspend<CompanionException.Offline> { inventory.sync(null) }
        assertTrue(offline.isRetryable())
        assertEquals("offline", offline.code())
        val status = withTimeout(10_000) { inventory.syncStatusFlow().first() }
        assertEquals(SyncActivity.Offline, status.activity)
        assertTrue(inventory.item("wh-north", "I000000").lines.isNotEmpty(), "stock still reads offline")
    }
}
