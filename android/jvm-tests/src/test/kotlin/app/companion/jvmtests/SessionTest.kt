package app.companion.jvmtests

import app.companion.CompanionClient
import app.companion.CompanionException
import app.companion.core.SecureStorage
import app.companion.core.SessionState
import app.companion.flows.sessionFlow
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
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

/**
 * The account session through the generated Kotlin API against a real reference server:
 * what an Android screen does on sign-in and sign-out, and the typed errors it must handle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionTest {
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

    private fun newSandbox(): File = phones.newSandbox()

    private suspend fun open(storage: SecureStorage = InMemorySecureStorage(), url: String = server.url): CompanionClient =
        phones.open(url, storage)

    @Test
    fun `maria signs in and gets her account with its warehouses`() = runBlocking<Unit> {
        val companion = open()
        assertEquals(SessionState.SignedOut, companion.sessionState())

        val account = companion.signIn("maria", ReferenceServer.DEMO_PASSWORD)

        assertEquals("maria", account.username)
        assertTrue(account.displayName.isNotBlank(), "display name shown in the app bar")
        assertTrue(account.warehouses.isNotEmpty(), "demo data gives maria at least one warehouse")
        assertEquals(SessionState.SignedIn(account), companion.sessionState())
    }

    @Test
    fun `a wrong password is a typed Unauthorized error and leaves the device signed out`() = runBlocking<Unit> {
        val companion = open()

        val error = assertThrows<CompanionException.Unauthorized> {
            runBlocking { companion.signIn("maria", "not-her-password") }
        }

        assertTrue(error.detail.isNotBlank(), "the app shows a reason")
        assertFalse(error.detail.contains("not-her-password"), "the password must not be echoed back")
        assertEquals(SessionState.SignedOut, companion.sessionState())
    }

    @Test
    fun `an unknown user gets the same Unauthorized error as a wrong password`() = runBlocking<Unit> {
        val companion = open()
        // Same error type for both, so the server does not reveal which usernames exist.
        assertThrows<CompanionException.Unauthorized> {
            runBlocking { companion.signIn("nobody-here", ReferenceServer.DEMO_PASSWORD) }
        }
    }

    @Test
    fun `an unreachable server is a typed Offline error, not a crash`() = runBlocking<Unit> {
        val companion = open(url = ReferenceServer.closedLoopbackUrl())

        val error = assertThrows<CompanionException.Offline> {
            runBlocking { companion.signIn("maria", ReferenceServer.DEMO_PASSWORD) }
        }

        assertTrue(error.detail.isNotBlank())
        assertEquals(SessionState.SignedOut, companion.sessionState())
    }

    @Test
    fun `a listener gets the current state first, then sign-in and sign-out`() = runBlocking<Unit> {
        val companion = open()
        val listener = RecordingSessionListener()
        companion.observeSession(listener).use { handle ->
            assertEquals(SessionState.SignedOut, listener.next(), "the current state arrives before anything happens")

            val account = companion.signIn("dave", ReferenceServer.DEMO_PASSWORD)
            assertEquals(SessionState.SignedIn(account), listener.next())

            companion.signOut()
            assertEquals(SessionState.SignedOut, listener.next())
            assertEquals(SessionState.SignedOut, companion.sessionState())
            assertFalse(listener.ended, "the session stream lasts as long as the client")
            handle.cancel()
            assertTrue(handle.isFinished())
        }
    }

    @Test
    fun `the session Flow emits the current state, then sign-in and sign-out`() = runBlocking<Unit> {
        val companion = open()
        val subscribed = CompletableDeferred<Unit>()
        val states = async { companion.sessionFlow().onEach { subscribed.complete(Unit) }.take(3).toList() }
        // The first value is the current state: once it is there, the flow is subscribed.
        withTimeout(10_000) { subscribed.await() }
        val account = companion.signIn("lena", ReferenceServer.DEMO_PASSWORD)
        // A second collector started now begins at the signed-in state.
        assertEquals(SessionState.SignedIn(account), withTimeout(10_000) { companion.sessionFlow().first() })
        companion.signOut()

        assertEquals(
            listOf(SessionState.SignedOut, SessionState.SignedIn(account), SessionState.SignedOut),
            withTimeout(10_000) { states.await() },
        )
    }

    @Test
    fun `a listener added while signed in starts from the signed-in state`() = runBlocking<Unit> {
        val companion = open()
        val account = companion.signIn("maria", ReferenceServer.DEMO_PASSWORD)

        val listener = RecordingSessionListener()
        companion.observeSession(listener).use {
            assertEquals(SessionState.SignedIn(account), listener.next())
        }
    }

    @Test
    fun `a cancelled listener hears nothing more while others still do`() = runBlocking<Unit> {
        val companion = open()
        val cancelled = RecordingSessionListener()
        val kept = RecordingSessionListener()
        val cancelledHandle = companion.observeSession(cancelled)
        companion.observeSession(kept).use {
            assertEquals(SessionState.SignedOut, cancelled.next())
            assertEquals(SessionState.SignedOut, kept.next())

            // What a screen does in onStop: it stops listening before the next change.
            cancelledHandle.cancel()
            val account = companion.signIn("maria", ReferenceServer.DEMO_PASSWORD)

            // Both were subscribed to the same state: once `kept` has the change, `cancelled`
            // would have had it too.
            assertEquals(SessionState.SignedIn(account), kept.next())
            assertEquals(emptyList<SessionState>(), cancelled.drainNow())
        }
        cancelledHandle.close()
    }

    @Test
    fun `a plain-http remote server is refused as invalid input naming the field`() {
        val sandbox = newSandbox()
        // Tokens must never cross the network unencrypted; http is for loopback only.
        val error = assertThrows<CompanionException.InvalidInput> {
            runBlocking { openCompanion("http://erp.example.com", InMemorySecureStorage(), sandbox).close() }
        }
        assertEquals("server_url", error.field)
    }

    @Test
    fun `the session survives an app restart through secure storage alone`() = runBlocking<Unit> {
        val storage = InMemorySecureStorage()
        val sandbox = newSandbox()
        val account = openCompanion(server.url, storage, sandbox).use { first ->
            first.signIn("maria", ReferenceServer.DEMO_PASSWORD)
        }

        // A new process: same files directory, same Keystore contents.
        openCompanion(server.url, storage, sandbox).use { restarted ->
            assertEquals(SessionState.SignedIn(account), restarted.sessionState())
            restarted.signOut()
            assertEquals(SessionState.SignedOut, restarted.sessionState())
        }
    }

    @Test
    fun `the install id is created once and kept in secure storage`() = runBlocking<Unit> {
        val storage = InMemorySecureStorage()
        val sandbox = newSandbox()
        val first = openCompanion(server.url, storage, sandbox).use { it.installId() }
        val again = openCompanion(server.url, storage, sandbox).use { it.installId() }

        assertTrue(first.isNotBlank())
        assertEquals(first, again, "the same installation keeps its id across restarts")
        assertTrue(
            storage.entries.values.any { String(it, Charsets.UTF_8).contains(first) },
            "the install id lives in secure storage, where a reinstall wipes it",
        )
    }

    @Test
    fun `a broken keystore surfaces as a typed error when the client opens`() {
        val sandbox = newSandbox()
        val error = assertThrows<CompanionException> {
            runBlocking { openCompanion(server.url, FailingSecureStorage(), sandbox).close() }
        }
        assertTrue(
            error is CompanionException.Platform || error is CompanionException.Storage,
            "expected a platform/storage error, got $error",
        )
    }

    @Test
    fun `tokens go to secure storage and nowhere else`() = runBlocking<Unit> {
        val storage = InMemorySecureStorage()
        val companion = open(storage)
        val account = companion.signIn("maria", ReferenceServer.DEMO_PASSWORD)

        val secrets = secretsIn(storage)
        assertTrue(secrets.size >= 2, "an access and a refresh token were stored, found ${secrets.size}")

        // Nothing the app can see carries a token: the account, the session state.
        val visible = listOf(account.toString(), companion.sessionState().toString())
        // Every file the core wrote in the app sandbox (SQLite database, WAL, anything else).
        val files = phones.sandboxOf(companion).walkTopDown().filter { it.isFile }.toList()
        assertTrue(files.isNotEmpty(), "the core keeps an account database in the sandbox")
        val logLines = TestPlatform.logs.lines()

        for (secret in secrets) {
            val bytes = secret.toByteArray(Charsets.UTF_8)
            visible.forEach { assertFalse(it.contains(secret), "token visible in the API: $it") }
            files.forEach { assertFalse(contains(it.readBytes(), bytes), "token written to ${it.name}") }
            logLines.forEach { assertFalse(it.contains(secret), "token logged: $it") }
        }
        logLines.forEach { assertFalse(it.contains(ReferenceServer.DEMO_PASSWORD), "password logged: $it") }

        // The device's private signing key (it will sign proofs of delivery) stays there too.
        val signingKeys = storage.entries.filterKeys { it.contains("signing_key") }.values
        assertEquals(1, signingKeys.size, "one device signing key in secure storage: ${storage.entries.keys}")
        files.forEach { assertFalse(contains(it.readBytes(), signingKeys.first()), "private key in ${it.name}") }

        companion.signOut()
        assertTrue(secretsIn(storage).isEmpty(), "sign-out removes the tokens from secure storage")
    }

    /**
     * The token strings the core put in secure storage. The core stores its session as JSON with
     * `access_token` / `refresh_token` fields; if that format changes, this test must follow.
     */
    private fun secretsIn(storage: InMemorySecureStorage): List<String> {
        val tokenField = Regex("\"(access_token|refresh_token)\"\\s*:\\s*\"([^\"]+)\"")
        return storage.entries.values.flatMap { value ->
            val text = String(value, Charsets.UTF_8)
            tokenField.findAll(text).map { it.groupValues[2] }.toList()
        }
    }

    private fun contains(haystack: ByteArray, needle: ByteArray): Boolean {
        if (needle.isEmpty() || haystack.size < needle.size) return false
        outer@ for (i in 0..haystack.size - needle.size) {
            for (j in needle.indices) if (haystack[i + j] != needle[j]) continue@outer
            return true
        }
        return false
    }
}
