package app.companion.jvmtests

import app.companion.CompanionClient
import app.companion.core.CompanionConfig
import app.companion.core.DeviceInfo
import app.companion.core.SecureStorage
import app.companion.core.Tuning
import java.io.File
import java.nio.file.Files

/** Opens a client the way CompanionProvider does on a phone, in the app sandbox [dataDir]. */
suspend fun openCompanion(
    serverUrl: String,
    storage: SecureStorage,
    dataDir: File,
    tuning: Tuning = Tuning(),
): CompanionClient {
    TestPlatform.ensureInitialised()
    val device = DeviceInfo(platform = "android", model = "JVM test", osVersion = "JVM", appVersion = "0.1.0-test")
    return CompanionClient.open(CompanionConfig(dataDir.absolutePath, serverUrl, device, tuning), storage)
}

/**
 * The phones one test uses: each a client in its own temporary app sandbox; [close] (in
 * `@AfterEach`) closes the clients and removes the sandboxes.
 */
class Phones : AutoCloseable {
    private val clients = mutableListOf<CompanionClient>()
    private val sandboxes = mutableListOf<File>()
    private val sandboxOf = HashMap<CompanionClient, File>()

    /** A fresh app sandbox (the files directory), removed after the test. */
    fun newSandbox(): File = Files.createTempDirectory("companion-app-").toFile().also { sandboxes += it }

    fun sandboxOf(client: CompanionClient): File = sandboxOf.getValue(client)

    suspend fun open(
        serverUrl: String,
        storage: SecureStorage = InMemorySecureStorage(),
        tuning: Tuning = Tuning(),
    ): CompanionClient {
        val sandbox = newSandbox()
        return openCompanion(serverUrl, storage, sandbox, tuning).also {
            clients += it
            sandboxOf[it] = sandbox
        }
    }

    /** A phone on which [user] has signed in. */
    suspend fun signedIn(serverUrl: String, user: String, tuning: Tuning = Tuning()): CompanionClient =
        open(serverUrl, tuning = tuning).also { it.signIn(user, ReferenceServer.DEMO_PASSWORD) }

    override fun close() {
        clients.forEach { it.close() }
        clients.clear()
        sandboxOf.clear()
        sandboxes.forEach { it.deleteRecursively() }
        sandboxes.clear()
    }
}
