package app.companion.jvmtests

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.ServerSocket
import java.nio.file.Files
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/**
 * A real `companion serve` process on a loopback port chosen by the OS, with its own database in
 * a temporary directory, the demo users seeded (maria: wh-north and wh-south; dave and lena:
 * wh-north; password "demo-password") and the produce catalogue in both warehouses.
 * Tests talk to it only through the generated bindings, exactly like the phone app.
 */
class ReferenceServer private constructor(
    private val process: Process,
    private val workDir: File,
    /** Base URL from the server's first stdout line, e.g. http://127.0.0.1:40123 */
    val url: String,
) : AutoCloseable {
    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        }
        workDir.deleteRecursively()
    }

    companion object {
        const val DEMO_PASSWORD = "demo-password"
        private const val READY_PREFIX = "companion-server listening url="
        private const val START_TIMEOUT_SECONDS = 30L

        /** The `companion` binary that scripts/kotlin-tests.sh built (passed in by Surefire). */
        private val cli: File by lazy {
            val path = System.getProperty("companion.cli")
                ?: error("system property companion.cli is not set: run scripts/kotlin-tests.sh")
            File(path).also { require(it.canExecute()) { "companion CLI not built at $it" } }
        }

        /**
         * [catalogueRows]: stock rows seeded into wh-north (wh-south gets a tenth); the server's
         * default (2000) when null. More rows make a download long enough to watch or cancel.
         */
        fun start(catalogueRows: Int? = null): ReferenceServer {
            val workDir = Files.createTempDirectory("companion-server-").toFile()
            val command = mutableListOf(
                cli.path, "serve",
                "--addr", "127.0.0.1:0",
                "--db", File(workDir, "server.db").path,
            )
            if (catalogueRows != null) command += listOf("--catalogue-rows", catalogueRows.toString())
            val process = ProcessBuilder(command)
                // Server logs go to the test output for diagnosis; stdout carries the ready line.
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            // If the test JVM dies before teardown (timeout, crash), the server must not outlive it.
            Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
            try {
                val url = awaitReadyLine(process)
                return ReferenceServer(process, workDir, url)
            } catch (e: Throwable) {
                process.destroyForcibly()
                workDir.deleteRecursively()
                throw e
            }
        }

        private fun awaitReadyLine(process: Process): String {
            val stdout = BufferedReader(InputStreamReader(process.inputStream, Charsets.UTF_8))
            val firstLine = CompletableFuture<String?>()
            // readLine blocks; reading on a thread lets a server that never gets ready fail the
            // test after a timeout instead of hanging the build.
            Thread {
                try {
                    firstLine.complete(stdout.readLine())
                    // Keep draining so a chatty server never blocks on a full pipe.
                    while (stdout.readLine() != null) { /* discard */ }
                } catch (e: java.io.IOException) {
                    firstLine.complete(null)
                }
            }.apply { isDaemon = true; name = "companion-serve-stdout"; start() }
            val line = try {
                firstLine.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            } catch (e: TimeoutException) {
                error("companion serve printed nothing in ${START_TIMEOUT_SECONDS}s")
            } ?: error("companion serve exited (${process.waitFor()}) before it was ready")
            check(line.startsWith(READY_PREFIX)) { "unexpected first line from companion serve: '$line'" }
            return line.removePrefix(READY_PREFIX).trim()
        }

        /** A loopback URL where nothing listens: the port was bound, then released. */
        fun closedLoopbackUrl(): String {
            val port = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
            return "http://127.0.0.1:$port"
        }
    }
}
