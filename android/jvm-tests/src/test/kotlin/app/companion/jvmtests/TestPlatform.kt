package app.companion.jvmtests

import app.companion.SessionStateListener
import app.companion.core.LogLevel
import app.companion.core.LogRecord
import app.companion.core.LogSink
import app.companion.core.PlatformException
import app.companion.core.SecureStorage
import app.companion.core.SessionState
import app.companion.initPlatform
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * The platform half a phone supplies, as JVM fakes: the core's logging is initialised once per
 * process (like Application.onCreate), into a sink every test class can inspect.
 */
object TestPlatform {
    val logs = RecordingLogSink()

    init {
        // TRACE: the leak tests must see everything the core could ever log.
        initPlatform(logs, LogLevel.TRACE)
    }

    /** Touching this makes sure init ran before the first Companion is opened. */
    fun ensureInitialised() = Unit
}

class RecordingLogSink : LogSink {
    val records = CopyOnWriteArrayList<LogRecord>()

    override fun log(record: LogRecord) {
        records += record
    }

    fun lines(): List<String> = records.map { "${it.level} ${it.target}: ${it.line}" }
}

/** What Keychain/Keystore would be on a phone: a map, plus a record of every write. */
class InMemorySecureStorage : SecureStorage {
    val entries = ConcurrentHashMap<String, ByteArray>()
    val writtenKeys = CopyOnWriteArrayList<String>()

    override fun get(key: String): ByteArray? = entries[key]?.copyOf()

    override fun put(key: String, value: ByteArray) {
        writtenKeys += key
        entries[key] = value.copyOf()
    }

    override fun delete(key: String) {
        entries.remove(key)
    }
}

/** A secure storage whose device keystore is broken, as after a failed OS restore. */
class FailingSecureStorage : SecureStorage {
    override fun get(key: String): ByteArray? = throw PlatformException.Failed("keystore unavailable")

    override fun put(key: String, value: ByteArray) = throw PlatformException.Failed("keystore unavailable")

    override fun delete(key: String) = throw PlatformException.Failed("keystore unavailable")
}

/**
 * A raw session listener (what the Flow wrappers are built on): records every update on the
 * core's thread, and `onEnd`; tests wait for them with a timeout.
 */
class RecordingSessionListener : SessionStateListener {
    private val updates = LinkedBlockingQueue<SessionState>()

    @Volatile
    var ended = false
        private set

    override fun onUpdate(state: SessionState) {
        updates.put(state)
    }

    override fun onEnd() {
        ended = true
    }

    fun next(timeoutSeconds: Long = 10): SessionState =
        updates.poll(timeoutSeconds, TimeUnit.SECONDS)
            ?: throw AssertionError("no session update from the core within ${timeoutSeconds}s")

    fun drainNow(): List<SessionState> = buildList { updates.drainTo(this) }
}

/**
 * `assertThrows` for suspend calls, inside the test's coroutine: a nested `runBlocking` would
 * block the thread the test's other coroutines (collectors, watchers) need.
 */
suspend inline fun <reified T : Throwable> assertFailsWithSuspend(block: suspend () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}
