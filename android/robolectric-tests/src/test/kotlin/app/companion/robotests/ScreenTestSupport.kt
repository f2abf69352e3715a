package app.companion.robotests

import android.app.Activity
import android.os.Looper
import app.companion.android.PointOfUsePermissions
import app.companion.android.screens.AppScreens
import app.companion.android.screens.ScreenHost
import app.companion.android.screens.screenScope
import app.companion.CompanionClient
import app.companion.core.CompanionConfig
import app.companion.core.DeviceInfo
import app.companion.core.SecureStorage
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.cancel
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import java.io.File
import java.nio.file.Files
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit

/**
 * One real `companion serve` for a test class, as a JUnit class rule:
 * `companion object { @ClassRule @JvmField val server = ServerForClass() }`, then `server.url`.
 * [catalogueRows] as `companion serve --catalogue-rows`.
 */
class ServerForClass(private val catalogueRows: Int? = null) : org.junit.rules.ExternalResource() {
    private var running: ReferenceServer? = null

    /** The server's base URL; only while the class's tests run. */
    val url: String get() = checkNotNull(running) { "the server runs only while the class's tests do" }.url

    override fun before() {
        running = ReferenceServer.start(catalogueRows)
    }

    override fun after() {
        running?.close()
        running = null
    }
}

/**
 * A real `companion serve` (demo users, password "demo-password", produce catalogue), as
 * jvm-tests' ReferenceServer starts it, cut down to what the screen tests need.
 */
class ReferenceServer private constructor(private val process: Process, private val workDir: File, val url: String) : AutoCloseable {
    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        workDir.deleteRecursively()
    }

    companion object {
        const val DEMO_PASSWORD = "demo-password"

        fun start(catalogueRows: Int? = null): ReferenceServer {
            val cli = File(System.getProperty("companion.cli") ?: error("companion.cli is not set: run scripts/kotlin-tests.sh"))
            require(cli.canExecute()) { "companion CLI not built at $cli" }
            val workDir = Files.createTempDirectory("companion-server-").toFile()
            val command = mutableListOf(cli.path, "serve", "--addr", "127.0.0.1:0", "--db", File(workDir, "server.db").path)
            if (catalogueRows != null) command += listOf("--catalogue-rows", catalogueRows.toString())
            val process = ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start()
            Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
            val firstLine = CompletableFuture<String?>()
            Thread {
                val out = process.inputStream.bufferedReader()
                firstLine.complete(runCatching { out.readLine() }.getOrNull())
                runCatching { while (out.readLine() != null) Unit }
            }.apply { isDaemon = true }.start()
            val line = runCatching { firstLine.get(30, TimeUnit.SECONDS) }.getOrNull()
            if (line == null || !line.startsWith("companion-server listening url=")) {
                process.destroyForcibly()
                workDir.deleteRecursively()
                error("companion serve did not get ready: '$line'")
            }
            return ReferenceServer(process, workDir, line.removePrefix("companion-server listening url=").trim())
        }
    }
}

/** What the Keystore would be on a phone. */
class MapStorage : SecureStorage {
    private val entries = ConcurrentHashMap<String, ByteArray>()

    override fun get(key: String): ByteArray? = entries[key]?.copyOf()

    override fun put(key: String, value: ByteArray) {
        entries[key] = value.copyOf()
    }

    override fun delete(key: String) {
        entries.remove(key)
    }
}

/** A phone: a client in a fresh app sandbox; [close] removes both. */
class Phone(serverUrl: String) : AutoCloseable {
    private val dataDir = Files.createTempDirectory("companion-screens-").toFile()
    val client: CompanionClient =
        kotlinx.coroutines.runBlocking {
            val device = DeviceInfo(platform = "android", model = "Robolectric", osVersion = "34", appVersion = "0.1.0-test")
            CompanionClient.open(CompanionConfig(dataDir.absolutePath, serverUrl, device), MapStorage())
        }

    override fun close() {
        client.close()
        dataDir.deleteRecursively()
    }
}

/** Signs [user] in and takes the first download, as a phone that has been used before. */
fun Phone.signedInAndSynced(user: String): Phone = apply {
    kotlinx.coroutines.runBlocking {
        client.signIn(user, ReferenceServer.DEMO_PASSWORD)
        client.inventory().sync(null)
    }
}

/**
 * The app's screens on a plain Activity, as AppScreens runs them, but without the sync loop:
 * a movement stays on the phone until the test presses Sync now, and the status view sees a
 * download from its start. [close] cancels the screens' coroutines (the Activity's onDestroy).
 * [activityClass] lets a test hand in an Activity that is also the screens' DeliveryCamera.
 */
class ScreensOnActivity(phone: Phone, activityClass: Class<out Activity> = Activity::class.java) : AutoCloseable {
    /** Drives the Activity's lifecycle (pause/resume) for screens that follow it. */
    val controller = Robolectric.buildActivity(activityClass).setup()
    val activity: Activity = controller.get()
    private val scope: CoroutineScope = screenScope(Looper.getMainLooper())
    val host = ScreenHost(activity, scope)
    val permissions = PointOfUsePermissions(activity, phone.client.permissions())

    init {
        AppScreens(activity, phone.client, host, permissions, autoSync = false).start(scope)
    }

    override fun close() = scope.cancel()
}

/**
 * Runs the main looper (where the screens' coroutines resume, their core calls and streams
 * completing on the core's threads) until [condition] holds; fails after [timeoutMs].
 */
fun waitFor(what: String, timeoutMs: Long = 30_000, condition: () -> Boolean) {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (true) {
        shadowOf(Looper.getMainLooper()).idle()
        if (condition()) return
        if (System.nanoTime() > deadline) throw AssertionError("timed out after ${timeoutMs}ms waiting for: $what")
        Thread.sleep(10)
    }
}
