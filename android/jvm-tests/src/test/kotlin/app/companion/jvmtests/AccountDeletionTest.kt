package app.companion.jvmtests

import app.companion.CompanionClient
import app.companion.CompanionException
import app.companion.core.CompanionConfig
import app.companion.core.DeletionOutcome
import app.companion.core.DeletionProgress
import app.companion.core.DeviceInfo
import app.companion.core.PendingChoice
import app.companion.core.SecureStorage
import app.companion.core.SessionState
import app.companion.core.SignOutOptions
import app.companion.deletionPhrase
import app.companion.wire.ProfileUpdate
import app.companion.wire.ServerDeletionState
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap

/**
 * Account deletion and data export through the generated Kotlin API against a real reference
 * server: what the account screen does (export first, typed phrase, password again, unsent
 * work shown first) and what must be true after (the phone wiped of the account, signed out,
 * the keys gone from the Keystore; the account can still sign in and cancel during the grace
 * period).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountDeletionTest {
    /** Keystore stand-in for this test class alone. */
    private class MapSecureStorage : SecureStorage {
        val entries = ConcurrentHashMap<String, ByteArray>()
        override fun get(key: String): ByteArray? = entries[key]?.copyOf()
        override fun put(key: String, value: ByteArray) {
            entries[key] = value.copyOf()
        }
        override fun delete(key: String) {
            entries.remove(key)
        }
    }

    private lateinit var server: ReferenceServer
    private val sandboxes = mutableListOf<File>()
    private val clients = mutableListOf<CompanionClient>()

    @BeforeAll
    fun startServer() {
        server = ReferenceServer.start()
    }

    @AfterAll
    fun stopServer() {
        server.close()
    }

    @AfterEach
    fun cleanUp() {
        clients.forEach { it.close() }
        clients.clear()
        sandboxes.forEach { it.deleteRecursively() }
        sandboxes.clear()
    }

    private fun open(storage: SecureStorage, sandbox: File): CompanionClient = runBlocking {
        val device = DeviceInfo(platform = "android", model = "JVM test", osVersion = "JVM", appVersion = "0.1.0-test")
        CompanionClient.open(CompanionConfig(sandbox.absolutePath, server.url, device), storage).also { clients += it }
    }

    private fun sandbox(): File = Files.createTempDirectory("companion-account-").toFile().also { sandboxes += it }

    @Test
    fun `export, then delete with the typed phrase and the password again, and the phone is wiped`() = runBlocking<Unit> {
        val storage = MapSecureStorage()
        val dir = sandbox()
        val client = open(storage, dir)
        val account = client.signIn("dave", ReferenceServer.DEMO_PASSWORD)
        val screen = client.account()

        // Rectification.
        val view = screen.updateProfile(ProfileUpdate(jobTitle = "Driver, night shift"))
        assertEquals("Driver, night shift", view.profile.jobTitle)
        val refused = assertThrows<CompanionException.InvalidInput> {
            runBlocking { screen.updateProfile(ProfileUpdate(phone = "call me maybe")) }
        }
        assertEquals("phone", refused.field)

        // Export first: downloaded sealed, decrypted only for the share sheet.
        val file = screen.exportData(null)
        assertTrue(file.bytes > 0)
        val shared = screen.shareExport(file.exportId)
        assertTrue(File(shared.path).length() == file.bytes)
        screen.finishSharing()
        assertFalse(File(shared.path).exists(), "the plain copy goes once shared")

        // The screen shows what happens before asking.
        val status = screen.deletionStatus()
        assertEquals(ServerDeletionState.NONE, status.state)
        assertEquals(30L, status.graceDays)
        assertTrue(status.kept.isNotEmpty())

        val phrase = assertThrows<CompanionException.InvalidInput> {
            runBlocking { screen.requestDeletion(ReferenceServer.DEMO_PASSWORD, "delete", PendingChoice.ASK) }
        }
        assertEquals("confirmation", phrase.field)
        val password = assertThrows<CompanionException.InvalidInput> {
            runBlocking { screen.requestDeletion("stale-password", deletionPhrase(), PendingChoice.ASK) }
        }
        assertEquals("password", password.field)
        assertEquals(DeletionProgress.None, screen.deletionProgress())

        val outcome = screen.requestDeletion(ReferenceServer.DEMO_PASSWORD, deletionPhrase(), PendingChoice.ASK)
        assertTrue(outcome is DeletionOutcome.Accepted, "$outcome")
        assertEquals(SessionState.SignedOut, client.sessionState())
        assertFalse(File(dir, "accounts/${account.id}").exists(), "the account's directory is gone")
        val left = storage.entries.keys.filter { it.contains(account.id) || it.startsWith("session.") }
        assertTrue(left.isEmpty(), "secure storage still holds $left")
        assertThrows<CompanionException.NotSignedIn> { runBlocking { client.account().profile() } }

        // Within the grace period he signs in again and cancels.
        client.signIn("dave", ReferenceServer.DEMO_PASSWORD)
        assertEquals(ServerDeletionState.PENDING, client.account().deletionStatus().state)
        val cancelled = client.account().cancelDeletion()
        assertEquals(ServerDeletionState.NONE, cancelled.state)
        val report = client.signOutWith(SignOutOptions(removeData = true, pending = PendingChoice.ASK))
        assertTrue(report.dataRemoved)
        assertFalse(File(dir, "accounts/${account.id}").exists())
    }
}
